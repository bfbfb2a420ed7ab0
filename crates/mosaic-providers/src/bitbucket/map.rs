//! Bitbucket wire types → Mosaic's git domain types.

use mosaic_core::git::{
    Branch, ChangedFile, Commit, CommitStatus, Issue, IssueState, PullRequest, PullRequestState,
    Repository, Signature, StatusState, Tag, Visibility, Webhook,
};

use super::wire;

pub(crate) fn repository(r: wire::Repository) -> Repository {
    let (owner, slug) = match r.full_name.split_once('/') {
        Some((o, s)) => (o.to_owned(), s.to_owned()),
        None => (
            String::new(),
            r.slug.clone().unwrap_or_else(|| r.name.clone()),
        ),
    };
    let clone = |kind: &str| {
        r.links
            .clone
            .iter()
            .find(|c| c.name == kind)
            .map(|c| c.href.clone())
    };
    Repository {
        id: r.uuid.clone(),
        clone_url: clone("https"),
        ssh_url: clone("ssh"),
        owner,
        name: slug,
        full_name: r.full_name,
        description: r.description.filter(|d| !d.is_empty()),
        visibility: if r.is_private {
            Visibility::Private
        } else {
            Visibility::Public
        },
        default_branch: r.mainbranch.map(|m| m.name).unwrap_or_default(),
        web_url: r.links.html.and_then(|h| h.href),
        fork: r.parent.is_some_and(|p| !p.is_null()),
        archived: false,
        created_at: r.created_on,
        updated_at: r.updated_on,
    }
}

pub(crate) fn pull_request(p: wire::PullRequest) -> PullRequest {
    let state = match p.state.as_str() {
        "OPEN" => PullRequestState::Open,
        "MERGED" => PullRequestState::Merged,
        _ => PullRequestState::Closed,
    };
    PullRequest {
        number: p.id,
        title: p.title,
        body: p.description.filter(|d| !d.is_empty()),
        state,
        draft: p.draft,
        head: p.source.branch.name,
        base: p.destination.branch.name,
        head_sha: p.source.commit.map(|c| c.hash),
        author: p.author.and_then(wire::Account::login),
        merge_commit_sha: if state == PullRequestState::Merged {
            p.merge_commit.map(|c| c.hash)
        } else {
            None
        },
        web_url: p.links.html.and_then(|h| h.href),
        created_at: p.created_on,
        updated_at: p.updated_on,
    }
}

/// Split `Name <email>`.
pub(crate) fn parse_raw_author(raw: &str, date: Option<String>) -> Signature {
    match (raw.find('<'), raw.rfind('>')) {
        (Some(a), Some(b)) if a < b => Signature {
            name: raw[..a].trim().to_owned(),
            email: raw[a + 1..b].trim().to_owned(),
            date,
        },
        _ => Signature {
            name: raw.trim().to_owned(),
            email: String::new(),
            date,
        },
    }
}

pub(crate) fn commit(c: wire::Commit) -> Commit {
    let author = c
        .author
        .and_then(|a| a.raw)
        .map(|raw| parse_raw_author(&raw, c.date.clone()));
    Commit {
        sha: c.hash,
        message: c.message,
        committer: author.clone(),
        author,
        parents: c.parents.into_iter().map(|p| p.hash).collect(),
        web_url: c.links.html.and_then(|h| h.href),
    }
}

/// Bitbucket hook events for Mosaic event names.
pub(crate) fn hook_events(events: &[String]) -> Result<Vec<&'static str>, String> {
    let mut out: Vec<&'static str> = Vec::new();
    let mut add = |e: &[&'static str]| {
        for x in e {
            if !out.contains(x) {
                out.push(x);
            }
        }
    };
    let list: Vec<&str> = if events.is_empty() {
        vec!["push"]
    } else {
        events.iter().map(String::as_str).collect()
    };
    for e in list {
        match e {
            "push" | "create" | "delete" => add(&["repo:push"]),
            "pull_request" => add(&[
                "pullrequest:created",
                "pullrequest:updated",
                "pullrequest:fulfilled",
                "pullrequest:rejected",
            ]),
            "issues" => add(&["issue:created", "issue:updated"]),
            "issue_comment" => add(&[
                "pullrequest:comment_created",
                "issue:comment_created",
                "repo:commit_comment_created",
            ]),
            other => return Err(format!("Bitbucket has no hook event for `{other}`")),
        }
    }
    Ok(out)
}

pub(crate) fn webhook(h: wire::Hook) -> Webhook {
    let mut events: Vec<String> = Vec::new();
    for e in &h.events {
        let name = if e == "repo:push" {
            "push"
        } else if e.ends_with("comment_created") {
            "issue_comment"
        } else if e.starts_with("pullrequest:") {
            "pull_request"
        } else if e.starts_with("issue:") {
            "issues"
        } else {
            continue;
        };
        if !events.iter().any(|x| x == name) {
            events.push(name.to_owned());
        }
    }
    Webhook {
        id: h.uuid,
        url: h.url,
        events,
        active: h.active,
    }
}

/// Bitbucket issue states that count as closed.
pub(crate) const CLOSED_STATES: &[&str] =
    &["resolved", "invalid", "duplicate", "wontfix", "closed"];

pub(crate) fn issue(i: wire::Issue) -> Issue {
    Issue {
        number: i.id,
        title: i.title,
        body: i.content.and_then(|c| c.raw).filter(|b| !b.is_empty()),
        state: if CLOSED_STATES.contains(&i.state.as_str()) {
            IssueState::Closed
        } else {
            IssueState::Open
        },
        labels: Vec::new(),
        assignees: i
            .assignee
            .and_then(wire::Account::login)
            .into_iter()
            .collect(),
        author: i.reporter.and_then(wire::Account::login),
        web_url: i.links.html.and_then(|h| h.href),
        created_at: i.created_on,
        updated_at: i.updated_on,
    }
}

pub(crate) fn status_state(s: StatusState) -> &'static str {
    match s {
        StatusState::Pending => "INPROGRESS",
        StatusState::Success => "SUCCESSFUL",
        StatusState::Failure => "FAILED",
        StatusState::Error => "STOPPED",
    }
}

pub(crate) fn status(s: wire::Status) -> CommitStatus {
    CommitStatus {
        state: match s.state.as_str() {
            "SUCCESSFUL" => StatusState::Success,
            "FAILED" => StatusState::Failure,
            "STOPPED" => StatusState::Error,
            _ => StatusState::Pending,
        },
        context: s.key,
        description: s.description.filter(|d| !d.is_empty()),
        target_url: s.url,
        created_at: s.created_on,
    }
}

pub(crate) fn branch(r: wire::Ref) -> Branch {
    Branch {
        name: r.name,
        commit_sha: r.target.hash,
        protected: false,
    }
}

pub(crate) fn tag(r: wire::Ref) -> Tag {
    Tag {
        name: r.name,
        sha: r.target.hash,
        message: r
            .message
            .map(|m| m.trim_end().to_owned())
            .filter(|m| !m.is_empty()),
    }
}

pub(crate) fn changed_file(s: wire::DiffStat) -> ChangedFile {
    ChangedFile {
        path: s.new.or(s.old).map(|x| x.path).unwrap_or_default(),
        status: s.status,
        additions: s.lines_added,
        deletions: s.lines_removed,
    }
}
