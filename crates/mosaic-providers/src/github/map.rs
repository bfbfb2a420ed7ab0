//! GitHub wire types → Mosaic's git domain types, and back for enums.

use mosaic_core::git::{
    BranchProtection, ChangedFile, Collaborator, Commit, CommitStatus, CompareStatus, Comparison,
    FileCommit, Issue, IssueState, MergeMethod, MergeResult, Permission, PullRequest,
    PullRequestState, Release, Repository, Signature, StatusState, Visibility, Webhook,
};
use mosaic_core::{Error, Result};

use super::wire;

pub(crate) fn repository(r: wire::Repository) -> Repository {
    let visibility = match r.visibility.as_deref() {
        Some("internal") => Visibility::Internal,
        Some("private") => Visibility::Private,
        Some("public") => Visibility::Public,
        _ if r.private => Visibility::Private,
        _ => Visibility::Public,
    };
    Repository {
        id: r.id.to_string(),
        owner: r.owner.login,
        name: r.name,
        full_name: r.full_name,
        description: r.description,
        visibility,
        default_branch: r.default_branch.unwrap_or_default(),
        clone_url: r.clone_url,
        ssh_url: r.ssh_url,
        web_url: r.html_url,
        fork: r.fork,
        archived: r.archived,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

pub(crate) fn visibility(v: Visibility) -> &'static str {
    match v {
        Visibility::Public => "public",
        Visibility::Private => "private",
        Visibility::Internal => "internal",
    }
}

pub(crate) fn protection(branch: &str, p: wire::Protection) -> BranchProtection {
    BranchProtection {
        branch: branch.to_owned(),
        required_approvals: p
            .required_pull_request_reviews
            .map(|r| r.required_approving_review_count)
            .unwrap_or(0),
        required_status_checks: p
            .required_status_checks
            .map(|c| c.contexts)
            .unwrap_or_default(),
        enforce_admins: p.enforce_admins.is_some_and(|e| e.enabled),
        allow_force_push: p.allow_force_pushes.is_some_and(|e| e.enabled),
        allow_deletion: p.allow_deletions.is_some_and(|e| e.enabled),
    }
}

pub(crate) fn pull_request(p: wire::PullRequest) -> PullRequest {
    let merged = p.merged.unwrap_or(false) || p.merged_at.is_some();
    let state = match (p.state.as_str(), merged) {
        (_, true) => PullRequestState::Merged,
        ("open", _) => PullRequestState::Open,
        _ => PullRequestState::Closed,
    };
    PullRequest {
        number: p.number,
        title: p.title,
        body: p.body,
        state,
        draft: p.draft.unwrap_or(false),
        head: p.head.branch,
        base: p.base.branch,
        head_sha: p.head.sha,
        author: p.user.map(|u| u.login),
        merge_commit_sha: if merged { p.merge_commit_sha } else { None },
        web_url: p.html_url,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

pub(crate) fn merge_method(m: MergeMethod) -> &'static str {
    match m {
        MergeMethod::Merge => "merge",
        MergeMethod::Squash => "squash",
        MergeMethod::Rebase => "rebase",
    }
}

pub(crate) fn merge_result(m: wire::MergeResult) -> MergeResult {
    MergeResult {
        merged: m.merged,
        sha: m.sha,
        message: m.message,
    }
}

pub(crate) fn signature(u: wire::GitUser) -> Signature {
    Signature {
        name: u.name,
        email: u.email,
        date: u.date,
    }
}

pub(crate) fn commit(c: wire::Commit) -> Commit {
    Commit {
        sha: c.sha,
        message: c.commit.message,
        author: c.commit.author.map(signature),
        committer: c.commit.committer.map(signature),
        parents: c.parents.into_iter().map(|p| p.sha).collect(),
        web_url: c.html_url,
    }
}

pub(crate) fn git_commit(c: wire::GitCommit) -> Commit {
    Commit {
        sha: c.sha,
        message: c.message,
        author: c.author.map(signature),
        committer: c.committer.map(signature),
        parents: c.parents.into_iter().map(|p| p.sha).collect(),
        web_url: c.html_url,
    }
}

pub(crate) fn comparison(c: wire::Comparison) -> Result<Comparison> {
    let status = match c.status.as_str() {
        "ahead" => CompareStatus::Ahead,
        "behind" => CompareStatus::Behind,
        "identical" => CompareStatus::Identical,
        "diverged" => CompareStatus::Diverged,
        other => {
            return Err(Error::new(
                mosaic_core::ErrorKind::Decode,
                format!("unknown comparison status `{other}` at `$.status`"),
            )
            .with_provider("github"));
        }
    };
    Ok(Comparison {
        status,
        ahead_by: c.ahead_by,
        behind_by: c.behind_by,
        commits: c.commits.into_iter().map(commit).collect(),
        files: c
            .files
            .into_iter()
            .map(|f| ChangedFile {
                path: f.filename,
                status: f.status,
                additions: f.additions,
                deletions: f.deletions,
            })
            .collect(),
    })
}

pub(crate) fn webhook(h: wire::Hook) -> Webhook {
    Webhook {
        id: h.id.to_string(),
        url: h.config.url.unwrap_or_default(),
        events: h.events,
        active: h.active,
    }
}

pub(crate) fn permission_name(p: Permission) -> &'static str {
    match p {
        Permission::Read => "pull",
        Permission::Triage => "triage",
        Permission::Write => "push",
        Permission::Maintain => "maintain",
        Permission::Admin => "admin",
    }
}

pub(crate) fn collaborator(c: wire::Collaborator) -> Collaborator {
    let by_role = match c.role_name.as_deref() {
        Some("admin") => Some(Permission::Admin),
        Some("maintain") => Some(Permission::Maintain),
        Some("write") => Some(Permission::Write),
        Some("triage") => Some(Permission::Triage),
        Some("read") => Some(Permission::Read),
        _ => None,
    };
    let permission = by_role.unwrap_or_else(|| match c.permissions.unwrap_or_default() {
        p if p.admin => Permission::Admin,
        p if p.maintain => Permission::Maintain,
        p if p.push => Permission::Write,
        p if p.triage => Permission::Triage,
        _ => Permission::Read,
    });
    Collaborator {
        login: c.login,
        permission,
    }
}

pub(crate) fn issue(i: wire::Issue) -> Issue {
    Issue {
        number: i.number,
        title: i.title,
        body: i.body,
        state: if i.state == "closed" {
            IssueState::Closed
        } else {
            IssueState::Open
        },
        labels: i.labels.into_iter().map(wire::Label::into_name).collect(),
        assignees: i.assignees.into_iter().map(|u| u.login).collect(),
        author: i.user.map(|u| u.login),
        web_url: i.html_url,
        created_at: i.created_at,
        updated_at: i.updated_at,
    }
}

pub(crate) fn file_commit(path: &str, f: wire::FileCommit) -> FileCommit {
    let c = f.commit;
    FileCommit {
        path: f
            .content
            .as_ref()
            .and_then(|c| c.path.clone())
            .unwrap_or_else(|| path.to_owned()),
        content_sha: f.content.and_then(|c| c.sha),
        commit: Commit {
            sha: c.sha,
            message: c.message,
            author: c.author.map(signature),
            committer: c.committer.map(signature),
            parents: c.parents.into_iter().map(|p| p.sha).collect(),
            web_url: c.html_url,
        },
    }
}

pub(crate) fn status_state(s: StatusState) -> &'static str {
    match s {
        StatusState::Pending => "pending",
        StatusState::Success => "success",
        StatusState::Failure => "failure",
        StatusState::Error => "error",
    }
}

pub(crate) fn status(s: wire::Status) -> CommitStatus {
    CommitStatus {
        state: match s.state.as_str() {
            "success" => StatusState::Success,
            "failure" => StatusState::Failure,
            "error" => StatusState::Error,
            _ => StatusState::Pending,
        },
        context: s.context,
        description: s.description,
        target_url: s.target_url,
        created_at: s.created_at,
    }
}

pub(crate) fn release(r: wire::Release) -> Release {
    Release {
        id: r.id.to_string(),
        tag_name: r.tag_name,
        name: r.name,
        body: r.body,
        draft: r.draft,
        prerelease: r.prerelease,
        web_url: r.html_url,
        created_at: r.created_at,
    }
}
