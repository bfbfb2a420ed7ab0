//! Wire types of the GitHub dialect → Mosaic's git domain types. Gitea
//! sends empty strings where GitHub sends `null`; both read as `None`.

use mosaic_core::git::{
    Commit, CommitStatus, FileCommit, Issue, IssueState, PullRequest, PullRequestState, Release,
    Repository, Signature, StatusState, Visibility, Webhook,
};

use super::wire;

/// `None` for a missing or empty text.
pub(crate) fn text(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

pub(crate) fn repository(r: wire::Repository) -> Repository {
    let visibility = match r.visibility.as_deref() {
        Some("internal") => Visibility::Internal,
        Some("private") => Visibility::Private,
        Some("public") => Visibility::Public,
        _ if r.internal => Visibility::Internal,
        _ if r.private => Visibility::Private,
        _ => Visibility::Public,
    };
    Repository {
        id: r.id.to_string(),
        owner: r.owner.name(),
        name: r.name,
        full_name: r.full_name,
        description: text(r.description),
        visibility,
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

/// A pull request; `wip_drafts` reads a `WIP:` / `[WIP]` title as a
/// draft when the forge reports no draft flag (Gitea's convention).
pub(crate) fn pull_request(p: wire::PullRequest, wip_drafts: bool) -> PullRequest {
    let merged = p.merged.unwrap_or(false) || p.merged_at.is_some();
    let state = match (p.state.as_str(), merged) {
        (_, true) => PullRequestState::Merged,
        ("open", _) => PullRequestState::Open,
        _ => PullRequestState::Closed,
    };
    let upper = p.title.to_ascii_uppercase();
    let wip = wip_drafts && (upper.starts_with("WIP:") || upper.starts_with("[WIP]"));
    PullRequest {
        number: p.number,
        draft: p.draft.unwrap_or(wip),
        title: p.title,
        body: text(p.body),
        state,
        head: p.head.branch,
        base: p.base.branch,
        head_sha: p.head.sha,
        author: p.user.map(wire::User::name),
        merge_commit_sha: if merged { p.merge_commit_sha } else { None },
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

fn parents(p: Option<Vec<wire::ShaRef>>) -> Vec<String> {
    p.unwrap_or_default().into_iter().map(|p| p.sha).collect()
}

pub(crate) fn commit(c: wire::Commit) -> Commit {
    Commit {
        sha: c.sha,
        message: c.commit.message,
        author: c.commit.author.map(signature),
        committer: c.commit.committer.map(signature),
        parents: parents(c.parents),
        web_url: c.html_url,
    }
}

pub(crate) fn git_commit(c: wire::GitCommit) -> Commit {
    Commit {
        sha: c.sha,
        message: c.message,
        author: c.author.map(signature),
        committer: c.committer.map(signature),
        parents: parents(c.parents),
        web_url: c.html_url,
    }
}

pub(crate) fn file_commit(path: &str, f: wire::FileCommit) -> FileCommit {
    FileCommit {
        path: f
            .content
            .as_ref()
            .and_then(|c| c.path.clone())
            .unwrap_or_else(|| path.to_owned()),
        content_sha: f.content.and_then(|c| c.sha),
        commit: git_commit(f.commit),
    }
}

pub(crate) fn webhook(h: wire::Hook) -> Webhook {
    Webhook {
        id: h.id.to_string(),
        url: h.config.url.unwrap_or_default(),
        events: h.events,
        active: h.active,
    }
}

pub(crate) fn issue(i: wire::Issue) -> Issue {
    Issue {
        number: i.number,
        title: i.title,
        body: text(i.body),
        state: if i.state == "closed" {
            IssueState::Closed
        } else {
            IssueState::Open
        },
        labels: i
            .labels
            .unwrap_or_default()
            .into_iter()
            .map(wire::Label::into_name)
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
        state: match s.state.as_str() {
            "success" => StatusState::Success,
            "failure" | "warning" => StatusState::Failure,
            "error" => StatusState::Error,
            _ => StatusState::Pending,
        },
        context: s.context,
        description: text(s.description),
        target_url: text(s.target_url),
        created_at: s.created_at,
    }
}

pub(crate) fn release(r: wire::Release) -> Release {
    Release {
        id: r.id.to_string(),
        tag_name: r.tag_name,
        name: text(r.name),
        body: text(r.body),
        draft: r.draft,
        prerelease: r.prerelease,
        web_url: r.html_url,
        created_at: r.created_at,
    }
}
