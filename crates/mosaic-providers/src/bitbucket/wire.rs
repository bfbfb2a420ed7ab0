//! Bitbucket Cloud API 2.0 wire types (the fields Mosaic reads or writes).

use mosaic_core::Page;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::forge::request_body;

use crate::http::pagination::body_next_page;
use crate::http::{HttpResponse, PageBody};

/// A paginated listing: `{ values, next, size, page, pagelen }`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Paged<T> {
    pub(crate) values: Vec<T>,
    pub(crate) next: Option<String>,
    pub(crate) size: Option<u64>,
}

impl<T: DeserializeOwned> PageBody for Paged<T> {
    type Item = T;
    fn into_page(self, _: &HttpResponse) -> Page<T> {
        body_next_page(self.values, self.next, self.size)
    }
}

/// `{ "href": ... }`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Href {
    pub(crate) href: Option<String>,
}

/// A named link (`clone` entries).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct NamedHref {
    pub(crate) name: String,
    pub(crate) href: String,
}

/// `links` of a repository.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RepoLinks {
    pub(crate) html: Option<Href>,
    pub(crate) clone: Vec<NamedHref>,
}

/// `links` with only `html`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct HtmlLinks {
    pub(crate) html: Option<Href>,
}

/// `{ "name": ... }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct Named {
    pub(crate) name: String,
}

/// `account` / `user`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Account {
    pub(crate) nickname: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) account_id: Option<String>,
    pub(crate) uuid: Option<String>,
}

impl Account {
    pub(crate) fn login(self) -> Option<String> {
        self.nickname
            .or(self.account_id)
            .or(self.display_name)
            .or(self.uuid)
    }
}

/// `repository`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Repository {
    pub(crate) uuid: String,
    pub(crate) full_name: String,
    pub(crate) name: String,
    pub(crate) slug: Option<String>,
    #[serde(default)]
    pub(crate) is_private: bool,
    pub(crate) description: Option<String>,
    pub(crate) mainbranch: Option<Named>,
    #[serde(default)]
    pub(crate) links: RepoLinks,
    pub(crate) parent: Option<serde_json::Value>,
    pub(crate) created_on: Option<String>,
    pub(crate) updated_on: Option<String>,
}

/// `{ "slug": ... }`.
#[derive(Debug, Serialize)]
pub(crate) struct Slug<'a> {
    pub(crate) slug: &'a str,
}

/// `{ "hash": ... }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct Hash {
    pub(crate) hash: String,
}

/// `branch` / `tag` ref.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Ref {
    pub(crate) name: String,
    pub(crate) target: Hash,
    pub(crate) message: Option<String>,
}

/// A branch end of a pull request.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PullEnd {
    pub(crate) branch: Named,
    pub(crate) commit: Option<Hash>,
}

/// `pullrequest`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PullRequest {
    pub(crate) id: u64,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) draft: bool,
    pub(crate) source: PullEnd,
    pub(crate) destination: PullEnd,
    pub(crate) author: Option<Account>,
    pub(crate) merge_commit: Option<Hash>,
    #[serde(default)]
    pub(crate) links: HtmlLinks,
    pub(crate) created_on: Option<String>,
    pub(crate) updated_on: Option<String>,
}

/// `{ "branch": { "name": ... } }` as sent.
#[derive(Debug, Serialize)]
pub(crate) struct BranchEnd<'a> {
    pub(crate) branch: NameRef<'a>,
}

/// `{ "name": ... }` as sent.
#[derive(Debug, Serialize)]
pub(crate) struct NameRef<'a> {
    pub(crate) name: &'a str,
}

/// A commit's author.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Author {
    pub(crate) raw: Option<String>,
}

/// `commit`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Commit {
    pub(crate) hash: String,
    #[serde(default)]
    pub(crate) message: String,
    pub(crate) author: Option<Author>,
    pub(crate) date: Option<String>,
    #[serde(default)]
    pub(crate) parents: Vec<Hash>,
    #[serde(default)]
    pub(crate) links: HtmlLinks,
}

/// `{ "path": ... }`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PathRef {
    pub(crate) path: String,
}

/// `diffstat`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DiffStat {
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) lines_added: u64,
    #[serde(default)]
    pub(crate) lines_removed: u64,
    pub(crate) old: Option<PathRef>,
    pub(crate) new: Option<PathRef>,
}

/// `webhook_subscription`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Hook {
    pub(crate) uuid: String,
    pub(crate) url: String,
    #[serde(default)]
    pub(crate) active: bool,
    #[serde(default)]
    pub(crate) events: Vec<String>,
}

/// `repository_user_permission`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct UserPermission {
    pub(crate) permission: String,
    pub(crate) user: Account,
}

/// Body of `PUT .../permissions-config/users/{id}`.
#[derive(Debug, Serialize)]
pub(crate) struct PermissionBody {
    pub(crate) permission: &'static str,
}

/// `{ "raw": ... }`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(crate) struct Content {
    pub(crate) raw: Option<String>,
}

/// `issue`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Issue {
    pub(crate) id: u64,
    pub(crate) title: String,
    pub(crate) content: Option<Content>,
    pub(crate) state: String,
    pub(crate) reporter: Option<Account>,
    pub(crate) assignee: Option<Account>,
    #[serde(default)]
    pub(crate) links: HtmlLinks,
    pub(crate) created_on: Option<String>,
    pub(crate) updated_on: Option<String>,
}

/// `{ "account_id": ... }` as sent.
#[derive(Debug, Serialize)]
pub(crate) struct AccountRef<'a> {
    pub(crate) account_id: &'a str,
}

/// `GET .../src/{commit}/{path}?format=meta`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FileMeta {
    pub(crate) path: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) commit: Hash,
}

/// `commitstatus`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Status {
    pub(crate) key: String,
    pub(crate) state: String,
    pub(crate) description: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) created_on: Option<String>,
}

// Request bodies.
request_body! {
    /// Body of `POST /repositories/{workspace}/{repo_slug}`.
    #[derive(Debug, Serialize)]
    CreateRepo<'a> {
        scm: &'static str,
        is_private: bool;
        description: &'a str,
    }

    /// Body of `PUT /repositories/{workspace}/{repo_slug}`.
    #[derive(Debug, Serialize)]
    UpdateRepo<'a> {
        ;
        name: &'a str,
        description: &'a str,
        is_private: bool,
        mainbranch: Named,
    }

    /// Body of `POST .../forks`.
    #[derive(Debug, Serialize)]
    Fork<'a> {
        ;
        name: &'a str,
        workspace: Slug<'a>,
    }

    /// Body of `POST .../refs/branches` and `.../refs/tags`.
    #[derive(Debug, Serialize)]
    CreateRef<'a> {
        name: &'a str,
        target: Hash;
        message: &'a str,
    }

    /// Body of `POST .../branch-restrictions`.
    #[derive(Debug, Serialize)]
    Restriction<'a> {
        kind: &'static str,
        branch_match_kind: &'static str,
        pattern: &'a str;
        value: u32,
    }

    /// Body of `POST .../pullrequests`.
    #[derive(Debug, Serialize)]
    CreatePull<'a> {
        title: &'a str,
        source: BranchEnd<'a>,
        destination: BranchEnd<'a>,
        draft: bool;
        description: &'a str,
    }

    /// Body of `PUT .../pullrequests/{id}`.
    #[derive(Debug, Serialize)]
    UpdatePull<'a> {
        ;
        title: &'a str,
        description: &'a str,
        destination: BranchEnd<'a>,
    }

    /// Body of `POST .../pullrequests/{id}/merge`.
    #[derive(Debug, Serialize)]
    Merge<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        merge_strategy: &'static str;
        message: &'a str,
    }

    /// Body of `POST/PUT .../hooks`.
    #[derive(Debug, Serialize)]
    HookBody<'a> {
        description: &'static str,
        url: &'a str,
        active: bool,
        events: Vec<&'static str>;
        secret: &'a str,
    }

    /// Body of `POST/PUT .../issues`.
    #[derive(Debug, Default, Serialize)]
    IssueBody<'a> {
        ;
        title: &'a str,
        content: Content,
        state: &'static str,
        assignee: AccountRef<'a>,
    }

    /// Body of `POST .../commit/{sha}/statuses/build`.
    #[derive(Debug, Serialize)]
    CreateStatus<'a> {
        key: &'a str,
        state: &'static str,
        url: &'a str;
        description: &'a str,
    }
}
