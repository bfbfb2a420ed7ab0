//! Gitea wire types → Mosaic's git domain types.

use mosaic_core::git::{
    BranchProtection, Commit, CommitStatus, FileCommit, Issue, IssueState, PullRequest,
    PullRequestState, Release, Repository, Signature, StatusState, Visibility, Webhook,
};

use super::wire;

pub(crate) fn repository(r: wire::Repository) -> Repository {
    Repository {
        id: r.id.to_string(),
        owner: r.owner.name(),
        name: r.name,
        full_name: r.full_name,
        description: r.description.filter(|d| !d.is_empty()),
        visibility: if r.internal {
            Visibility::Internal
        } else if r.private {
            Visibility::Private
        } else {
            Visibility::Public
        },
        default_branch: if r.empty {
            String::new()
        } else {
            r.default_branch.unwrap_or_default()
        },
        clone_url: r.clone_url,
        ssh_url: r.ssh_url,
        web_url: r.html_url,
        fork: r.fork,
        archived: r.archived,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

pub(crate) fn protection(branch: &str, p: wire::BranchProtection) -> BranchProtection {
    BranchProtection {
        branch: p
            .rule_name
            .or(p.branch_name)
            .unwrap_or_else(|| branch.to_owned()),
        required_approvals: p.required_approvals,
        required_status_checks: if p.enable_status_check {
            p.status_check_contexts
        } else {
            Vec::new()
        },
        enforce_admins: p.block_admin_merge_override,
        allow_force_push: p.enable_force_push,
        allow_deletion: false,
    }
}

/// Gitea marks drafts with a title prefix.
pub(crate) const DRAFT_PREFIX: &str = "WIP: ";

pub(crate) fn pull_request(p: wire::PullRequest) -> PullRequest {
    let state = match (p.state.as_str(), p.merged) {
        (_, true) => PullRequestState::Merged,
        ("open", _) => PullRequestState::Open,
        _ => PullRequestState::Closed,
    };
    let upper = p.title.to_ascii_uppercase();
    let draft = p
        .draft
        .unwrap_or(upper.starts_with("WIP:") || upper.starts_with("[WIP]"));
    PullRequest {
        number: p.number,
        title: p.title,
        body: p.body.filter(|b| !b.is_empty()),
        state,
        draft,
        head: p.head.branch,
        base: p.base.branch,
        head_sha: p.head.sha,
        author: p.user.map(wire::User::name),
        merge_commit_sha: if p.merged { p.merge_commit_sha } else { None },
        web_url: p.html_url,
        created_at: p.created_at,
        updated_at: p.updated_at,
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
        parents: c
            .parents
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.sha)
            .collect(),
        web_url: c.html_url,
    }
}

pub(crate) fn file_commit_response(c: wire::FileCommitResponse) -> Commit {
    Commit {
        sha: c.sha,
        message: c.message,
        author: c.author.map(signature),
        committer: c.committer.map(signature),
        parents: c
            .parents
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.sha)
            .collect(),
        web_url: c.html_url,
    }
}

pub(crate) fn file_commit(path: &str, f: wire::FileResponse) -> FileCommit {
    FileCommit {
        path: f
            .content
            .as_ref()
            .and_then(|c| c.path.clone())
            .unwrap_or_else(|| path.to_owned()),
        content_sha: f.content.and_then(|c| c.sha),
        commit: file_commit_response(f.commit),
    }
}

pub(crate) fn webhook(h: wire::Hook) -> Webhook {
    Webhook {
        id: h.id.to_string(),
        url: h.config.get("url").cloned().unwrap_or_default(),
        events: h.events,
        active: h.active,
    }
}

pub(crate) fn issue(i: wire::Issue) -> Issue {
    Issue {
        number: i.number,
        title: i.title,
        body: i.body.filter(|b| !b.is_empty()),
        state: if i.state == "closed" {
            IssueState::Closed
        } else {
            IssueState::Open
        },
        labels: i
            .labels
            .unwrap_or_default()
            .into_iter()
            .map(|l| l.name)
            .collect(),
        assignees: i
            .assignees
            .unwrap_or_default()
            .into_iter()
            .map(wire::User::name)
            .collect(),
        author: i.user.map(wire::User::name),
        web_url: i.html_url,
        created_at: i.created_at,
        updated_at: i.updated_at,
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
        state: match s.status.as_str() {
            "success" => StatusState::Success,
            "failure" | "warning" => StatusState::Failure,
            "error" => StatusState::Error,
            _ => StatusState::Pending,
        },
        context: s.context,
        description: s.description.filter(|d| !d.is_empty()),
        target_url: s.target_url.filter(|u| !u.is_empty()),
        created_at: s.created_at,
    }
}

pub(crate) fn release(r: wire::Release) -> Release {
    Release {
        id: r.id.to_string(),
        tag_name: r.tag_name,
        name: r.name.filter(|n| !n.is_empty()),
        body: r.body.filter(|b| !b.is_empty()),
        draft: r.draft,
        prerelease: r.prerelease,
        web_url: r.html_url,
        created_at: r.created_at,
    }
}
