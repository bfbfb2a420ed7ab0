//! GitLab REST API v4 wire types (the fields Mosaic reads or writes).

use serde::{Deserialize, Serialize};

use crate::forge::request_body;

/// `UserBasic`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct User {
    pub(crate) id: u64,
    pub(crate) username: String,
}

/// A project's namespace.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Namespace {
    #[serde(default)]
    pub(crate) id: u64,
    pub(crate) full_path: String,
}

/// `Project`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Project {
    pub(crate) id: u64,
    pub(crate) path: String,
    pub(crate) path_with_namespace: String,
    pub(crate) namespace: Namespace,
    pub(crate) description: Option<String>,
    pub(crate) visibility: Option<String>,
    pub(crate) default_branch: Option<String>,
    pub(crate) http_url_to_repo: Option<String>,
    pub(crate) ssh_url_to_repo: Option<String>,
    pub(crate) web_url: Option<String>,
    pub(crate) forked_from_project: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) archived: bool,
    pub(crate) created_at: Option<String>,
    pub(crate) last_activity_at: Option<String>,
}

/// A commit pointer `{ "id": ... }`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CommitId {
    pub(crate) id: String,
}

/// `Branch`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Branch {
    pub(crate) name: String,
    pub(crate) commit: CommitId,
    #[serde(default)]
    pub(crate) protected: bool,
}

/// `POST /projects/:id/protected_branches`.
#[derive(Debug, Serialize)]
pub(crate) struct ProtectBranch<'a> {
    pub(crate) name: &'a str,
    pub(crate) push_access_level: u32,
    pub(crate) merge_access_level: u32,
    pub(crate) allow_force_push: bool,
}

/// `ProtectedBranch`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProtectedBranch {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) allow_force_push: bool,
}

/// `MergeRequest`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MergeRequest {
    pub(crate) iid: u64,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) draft: bool,
    pub(crate) source_branch: String,
    pub(crate) target_branch: String,
    pub(crate) sha: Option<String>,
    pub(crate) author: Option<User>,
    pub(crate) merge_commit_sha: Option<String>,
    pub(crate) squash_commit_sha: Option<String>,
    pub(crate) web_url: Option<String>,
    pub(crate) created_at: Option<String>,
    pub(crate) updated_at: Option<String>,
}

/// `Commit`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Commit {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) message: String,
    pub(crate) author_name: Option<String>,
    pub(crate) author_email: Option<String>,
    pub(crate) authored_date: Option<String>,
    pub(crate) committer_name: Option<String>,
    pub(crate) committer_email: Option<String>,
    pub(crate) committed_date: Option<String>,
    pub(crate) parent_ids: Option<Vec<String>>,
    pub(crate) web_url: Option<String>,
}

/// A diff of a comparison.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Diff {
    pub(crate) new_path: String,
    #[serde(default)]
    pub(crate) new_file: bool,
    #[serde(default)]
    pub(crate) renamed_file: bool,
    #[serde(default)]
    pub(crate) deleted_file: bool,
    #[serde(default)]
    pub(crate) diff: String,
}

/// `Compare`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Compare {
    pub(crate) commits: Vec<Commit>,
    pub(crate) diffs: Vec<Diff>,
}

/// `Tag`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) message: Option<String>,
    pub(crate) commit: CommitId,
}

/// `ProjectHook`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Hook {
    pub(crate) id: u64,
    pub(crate) url: String,
    #[serde(default)]
    pub(crate) push_events: bool,
    #[serde(default)]
    pub(crate) tag_push_events: bool,
    #[serde(default)]
    pub(crate) merge_requests_events: bool,
    #[serde(default)]
    pub(crate) issues_events: bool,
    #[serde(default)]
    pub(crate) note_events: bool,
    #[serde(default)]
    pub(crate) releases_events: bool,
}

/// `Member`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Member {
    pub(crate) username: String,
    pub(crate) access_level: u32,
}

/// `POST /projects/:id/members`.
#[derive(Debug, Serialize)]
pub(crate) struct AddMember {
    pub(crate) user_id: u64,
    pub(crate) access_level: u32,
}

/// `Issue`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Issue {
    pub(crate) iid: u64,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) labels: Vec<String>,
    #[serde(default)]
    pub(crate) assignees: Vec<User>,
    pub(crate) author: Option<User>,
    pub(crate) web_url: Option<String>,
    pub(crate) created_at: Option<String>,
    pub(crate) updated_at: Option<String>,
}

/// `GET /projects/:id/repository/files/:path`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct File {
    pub(crate) file_path: String,
    pub(crate) blob_id: String,
    pub(crate) encoding: Option<String>,
    pub(crate) content: String,
}

/// `CommitStatus`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Status {
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) target_url: Option<String>,
    pub(crate) created_at: Option<String>,
}

/// `_links` of a release.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ReleaseLinks {
    #[serde(rename = "self", default)]
    pub(crate) self_url: Option<String>,
}

/// `Release`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Release {
    pub(crate) tag_name: String,
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) upcoming_release: bool,
    pub(crate) created_at: Option<String>,
    #[serde(default, rename = "_links")]
    pub(crate) links: ReleaseLinks,
}

// Request bodies.
request_body! {
    /// `POST /projects`.
    #[derive(Debug, Serialize)]
    CreateProject<'a> {
        name: &'a str,
        path: &'a str,
        visibility: &'static str,
        initialize_with_readme: bool;
        namespace_id: u64,
        description: &'a str,
        default_branch: &'a str,
    }

    /// `PUT /projects/:id`.
    #[derive(Debug, Serialize)]
    EditProject<'a> {
        ;
        name: &'a str,
        path: &'a str,
        description: &'a str,
        visibility: &'static str,
        default_branch: &'a str,
    }

    /// `POST /projects/:id/fork`.
    #[derive(Debug, Serialize)]
    Fork<'a> {
        ;
        namespace_path: &'a str,
        name: &'a str,
        path: &'a str,
    }

    /// `POST /projects/:id/merge_requests`.
    #[derive(Debug, Serialize)]
    CreateMergeRequest<'a> {
        source_branch: &'a str,
        target_branch: &'a str,
        title: &'a str;
        description: &'a str,
    }

    /// `PUT /projects/:id/merge_requests/:iid`.
    #[derive(Debug, Serialize)]
    EditMergeRequest<'a> {
        ;
        title: &'a str,
        description: &'a str,
        target_branch: &'a str,
        state_event: &'static str,
    }

    /// `PUT /projects/:id/merge_requests/:iid/merge`.
    #[derive(Debug, Serialize)]
    Merge<'a> {
        squash: bool;
        merge_commit_message: &'a str,
        squash_commit_message: &'a str,
        sha: &'a str,
    }

    /// One action of `POST /projects/:id/repository/commits`.
    #[derive(Debug, Serialize)]
    CommitAction<'a> {
        action: &'static str,
        file_path: &'a str;
        content: String,
        encoding: &'static str,
    }

    /// `POST /projects/:id/repository/commits`.
    #[derive(Debug, Serialize)]
    CreateCommit<'a> {
        branch: &'a str,
        commit_message: &'a str,
        actions: Vec<CommitAction<'a>>;
        author_name: &'a str,
        author_email: &'a str,
    }

    /// `POST/PUT /projects/:id/hooks`.
    #[derive(Debug, Default, Serialize)]
    HookOptions<'a> {
        url: &'a str;
        token: &'a str,
        push_events: bool,
        tag_push_events: bool,
        merge_requests_events: bool,
        issues_events: bool,
        note_events: bool,
        releases_events: bool,
    }

    /// `POST /projects/:id/issues` and `PUT /projects/:id/issues/:iid`.
    #[derive(Debug, Default, Serialize)]
    IssueOptions<'a> {
        ;
        title: &'a str,
        description: &'a str,
        labels: String,
        assignee_ids: Vec<u64>,
        state_event: &'static str,
    }

    /// `POST /projects/:id/statuses/:sha`.
    #[derive(Debug, Serialize)]
    CreateStatus<'a> {
        state: &'static str,
        name: &'a str;
        target_url: &'a str,
        description: &'a str,
    }

    /// `POST /projects/:id/releases`.
    #[derive(Debug, Serialize)]
    CreateRelease<'a> {
        tag_name: &'a str;
        #[serde(rename = "ref")]
        git_ref: &'a str,
        name: &'a str,
        description: &'a str,
    }
}
