//! GitLab wire types → Mosaic's git domain types.

use mosaic_core::git::{
    Branch, ChangedFile, Commit, CommitStatus, Issue, IssueState, Permission, PullRequest,
    PullRequestState, Release, Repository, Signature, StatusState, Tag, Visibility, Webhook,
};

use super::wire;

pub(crate) fn repository(p: wire::Project) -> Repository {
    Repository {
        id: p.id.to_string(),
        owner: p.namespace.full_path,
        name: p.path,
        full_name: p.path_with_namespace,
        description: p.description.filter(|d| !d.is_empty()),
        visibility: match p.visibility.as_deref() {
            Some("private") => Visibility::Private,
            Some("internal") => Visibility::Internal,
            _ => Visibility::Public,
        },
        default_branch: p.default_branch.unwrap_or_default(),
        clone_url: p.http_url_to_repo,
        ssh_url: p.ssh_url_to_repo,
        web_url: p.web_url,
        fork: p.forked_from_project.is_some_and(|v| !v.is_null()),
        archived: p.archived,
        created_at: p.created_at,
        updated_at: p.last_activity_at,
    }
}

pub(crate) fn visibility(v: Visibility) -> &'static str {
    match v {
        Visibility::Public => "public",
        Visibility::Private => "private",
        Visibility::Internal => "internal",
    }
}

/// A merge request's `state` (`opened`, `locked`, `merged`, `closed`).
pub(crate) fn merge_request_state(state: &str) -> PullRequestState {
    match state {
        "merged" => PullRequestState::Merged,
        "opened" | "locked" => PullRequestState::Open,
        _ => PullRequestState::Closed,
    }
}

pub(crate) fn merge_request(m: wire::MergeRequest) -> PullRequest {
    let state = merge_request_state(&m.state);
    let merged = state == PullRequestState::Merged;
    PullRequest {
        number: m.iid,
        title: m.title,
        body: m.description.filter(|d| !d.is_empty()),
        state,
        draft: m.draft,
        head: m.source_branch,
        base: m.target_branch,
        head_sha: m.sha,
        author: m.author.map(|u| u.username),
        merge_commit_sha: if merged {
            m.merge_commit_sha.or(m.squash_commit_sha)
        } else {
            None
        },
        web_url: m.web_url,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn sig(name: Option<String>, email: Option<String>, date: Option<String>) -> Option<Signature> {
    (name.is_some() || email.is_some()).then(|| Signature {
        name: name.unwrap_or_default(),
        email: email.unwrap_or_default(),
        date,
    })
}

pub(crate) fn commit(c: wire::Commit) -> Commit {
    Commit {
        sha: c.id,
        message: c.message,
        author: sig(c.author_name, c.author_email, c.authored_date),
        committer: sig(c.committer_name, c.committer_email, c.committed_date),
        parents: c.parent_ids.unwrap_or_default(),
        web_url: c.web_url,
    }
}

/// Mosaic event names a hook's flags stand for.
pub(crate) fn hook_events(h: &wire::Hook) -> Vec<String> {
    let mut e = Vec::new();
    let mut add = |on: bool, names: &[&str]| {
        if on {
            e.extend(names.iter().map(|s| (*s).to_owned()));
        }
    };
    add(h.push_events, &["push"]);
    add(h.tag_push_events, &["create", "delete"]);
    add(h.merge_requests_events, &["pull_request"]);
    add(h.issues_events, &["issues"]);
    add(h.note_events, &["issue_comment"]);
    add(h.releases_events, &["release"]);
    e
}

pub(crate) fn webhook(h: wire::Hook) -> Webhook {
    Webhook {
        id: h.id.to_string(),
        events: hook_events(&h),
        url: h.url,
        active: true,
    }
}

/// Access levels: Reporter 20, Developer 30, Maintainer 40, Owner 50.
pub(crate) fn access_level(p: Permission) -> u32 {
    match p {
        Permission::Read | Permission::Triage => 20,
        Permission::Write => 30,
        Permission::Maintain => 40,
        Permission::Admin => 50,
    }
}

pub(crate) fn permission(level: u32) -> Permission {
    match level {
        50.. => Permission::Admin,
        40..=49 => Permission::Maintain,
        30..=39 => Permission::Write,
        _ => Permission::Read,
    }
}

pub(crate) fn issue(i: wire::Issue) -> Issue {
    Issue {
        number: i.iid,
        title: i.title,
        body: i.description.filter(|d| !d.is_empty()),
        state: if i.state == "closed" {
            IssueState::Closed
        } else {
            IssueState::Open
        },
        labels: i.labels,
        assignees: i.assignees.into_iter().map(|u| u.username).collect(),
        author: i.author.map(|u| u.username),
        web_url: i.web_url,
        created_at: i.created_at,
        updated_at: i.updated_at,
    }
}

pub(crate) fn status_state(s: StatusState) -> &'static str {
    match s {
        StatusState::Pending => "pending",
        StatusState::Success => "success",
        StatusState::Failure | StatusState::Error => "failed",
    }
}

pub(crate) fn status(s: wire::Status) -> CommitStatus {
    CommitStatus {
        state: match s.status.as_str() {
            "success" => StatusState::Success,
            "failed" => StatusState::Failure,
            "canceled" | "skipped" => StatusState::Error,
            _ => StatusState::Pending,
        },
        context: s.name,
        description: s.description.filter(|d| !d.is_empty()),
        target_url: s.target_url,
        created_at: s.created_at,
    }
}

pub(crate) fn release(r: wire::Release) -> Release {
    Release {
        id: r.tag_name.clone(),
        tag_name: r.tag_name,
        name: r.name,
        body: r.description.filter(|d| !d.is_empty()),
        draft: false,
        prerelease: r.upcoming_release,
        web_url: r.links.self_url,
        created_at: r.created_at,
    }
}

pub(crate) fn branch(b: wire::Branch) -> Branch {
    Branch {
        name: b.name,
        commit_sha: b.commit.id,
        protected: b.protected,
    }
}

pub(crate) fn tag(t: wire::Tag) -> Tag {
    Tag {
        name: t.name,
        sha: t.commit.id,
        message: t.message.filter(|m| !m.is_empty()),
    }
}

/// A compared file, its line counts from the unified diff.
pub(crate) fn changed_file(d: wire::Diff) -> ChangedFile {
    let (additions, deletions) = diff_counts(&d.diff);
    let status = if d.new_file {
        "added"
    } else if d.deleted_file {
        "removed"
    } else if d.renamed_file {
        "renamed"
    } else {
        "modified"
    };
    ChangedFile {
        status: status.to_owned(),
        path: d.new_path,
        additions,
        deletions,
    }
}

/// Lines added and removed in a unified diff.
fn diff_counts(diff: &str) -> (u64, u64) {
    let count = |sign: char, header: &str| {
        let lines = diff.lines();
        lines
            .filter(|l| l.starts_with(sign) && !l.starts_with(header))
            .count() as u64
    };
    (count('+', "+++"), count('-', "---"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_diff_lines() {
        let d = "--- a/x\n+++ b/x\n@@ -1,2 +1,3 @@\n a\n-b\n+c\n+d\n";
        assert_eq!(diff_counts(d), (2, 1));
    }
}
