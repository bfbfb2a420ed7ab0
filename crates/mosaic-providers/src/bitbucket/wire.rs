//! Bitbucket Cloud API 2.0 wire types (the fields Mosaic reads or writes).

use serde::{Deserialize, Serialize};

/// A paginated listing: `{ values, next, size, page, pagelen }`.
#[derive(Debug, Clone, Deserialize)]
pub struct Paged<T> {
    pub values: Vec<T>,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
}

/// `{ "href": ... }`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Href {
    #[serde(default)]
    pub href: Option<String>,
}

/// A named link (`clone` entries).
#[derive(Debug, Clone, Deserialize)]
pub struct NamedHref {
    pub name: String,
    pub href: String,
}

/// `links` of a repository.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RepoLinks {
    pub html: Option<Href>,
    pub clone: Vec<NamedHref>,
}

/// `links` with only `html`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HtmlLinks {
    pub html: Option<Href>,
}

/// `{ "name": ... }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Named {
    pub name: String,
}

/// `account` / `user`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Account {
    pub nickname: Option<String>,
    pub display_name: Option<String>,
    pub account_id: Option<String>,
    pub uuid: Option<String>,
}

impl Account {
    pub fn login(self) -> Option<String> {
        self.nickname
            .or(self.account_id)
            .or(self.display_name)
            .or(self.uuid)
    }
}

/// `repository`.
#[derive(Debug, Clone, Deserialize)]
pub struct Repository {
    pub uuid: String,
    pub full_name: String,
    pub name: String,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub is_private: bool,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub mainbranch: Option<Named>,
    #[serde(default)]
    pub links: RepoLinks,
    #[serde(default)]
    pub parent: Option<serde_json::Value>,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub updated_on: Option<String>,
}

/// Body of `POST /repositories/{workspace}/{repo_slug}`.
#[derive(Debug, Serialize)]
pub struct CreateRepo<'a> {
    pub scm: &'static str,
    pub is_private: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
}

/// Body of `PUT /repositories/{workspace}/{repo_slug}`.
#[derive(Debug, Serialize)]
pub struct UpdateRepo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_private: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mainbranch: Option<Named>,
}

/// `{ "slug": ... }`.
#[derive(Debug, Serialize)]
pub struct Slug<'a> {
    pub slug: &'a str,
}

/// Body of `POST .../forks`.
#[derive(Debug, Serialize)]
pub struct Fork<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<Slug<'a>>,
}

/// `{ "hash": ... }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Hash {
    pub hash: String,
}

/// `branch` / `tag` ref.
#[derive(Debug, Clone, Deserialize)]
pub struct Ref {
    pub name: String,
    pub target: Hash,
    #[serde(default)]
    pub message: Option<String>,
}

/// Body of `POST .../refs/branches` and `.../refs/tags`.
#[derive(Debug, Serialize)]
pub struct CreateRef<'a> {
    pub name: &'a str,
    pub target: Hash,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
}

/// Body of `POST .../branch-restrictions`.
#[derive(Debug, Serialize)]
pub struct Restriction<'a> {
    pub kind: &'static str,
    pub branch_match_kind: &'static str,
    pub pattern: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<u32>,
}

/// A branch end of a pull request.
#[derive(Debug, Clone, Deserialize)]
pub struct PullEnd {
    pub branch: Named,
    #[serde(default)]
    pub commit: Option<Hash>,
}

/// `pullrequest`.
#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    pub id: u64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub state: String,
    #[serde(default)]
    pub draft: bool,
    pub source: PullEnd,
    pub destination: PullEnd,
    #[serde(default)]
    pub author: Option<Account>,
    #[serde(default)]
    pub merge_commit: Option<Hash>,
    #[serde(default)]
    pub links: HtmlLinks,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub updated_on: Option<String>,
}

/// `{ "branch": { "name": ... } }` as sent.
#[derive(Debug, Serialize)]
pub struct BranchEnd<'a> {
    pub branch: NameRef<'a>,
}

/// `{ "name": ... }` as sent.
#[derive(Debug, Serialize)]
pub struct NameRef<'a> {
    pub name: &'a str,
}

/// Body of `POST .../pullrequests`.
#[derive(Debug, Serialize)]
pub struct CreatePull<'a> {
    pub title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub source: BranchEnd<'a>,
    pub destination: BranchEnd<'a>,
    pub draft: bool,
}

/// Body of `PUT .../pullrequests/{id}`.
#[derive(Debug, Serialize)]
pub struct UpdatePull<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<BranchEnd<'a>>,
}

/// Body of `POST .../pullrequests/{id}/merge`.
#[derive(Debug, Serialize)]
pub struct Merge<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
    pub merge_strategy: &'static str,
}

/// A commit's author.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Author {
    #[serde(default)]
    pub raw: Option<String>,
}

/// `commit`.
#[derive(Debug, Clone, Deserialize)]
pub struct Commit {
    pub hash: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub author: Option<Author>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub parents: Vec<Hash>,
    #[serde(default)]
    pub links: HtmlLinks,
}

/// `{ "path": ... }`.
#[derive(Debug, Clone, Deserialize)]
pub struct PathRef {
    pub path: String,
}

/// `diffstat`.
#[derive(Debug, Clone, Deserialize)]
pub struct DiffStat {
    pub status: String,
    #[serde(default)]
    pub lines_added: u64,
    #[serde(default)]
    pub lines_removed: u64,
    #[serde(default)]
    pub old: Option<PathRef>,
    #[serde(default)]
    pub new: Option<PathRef>,
}

/// `webhook_subscription`.
#[derive(Debug, Clone, Deserialize)]
pub struct Hook {
    pub uuid: String,
    pub url: String,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub events: Vec<String>,
}

/// Body of `POST/PUT .../hooks`.
#[derive(Debug, Serialize)]
pub struct HookBody<'a> {
    pub description: &'static str,
    pub url: &'a str,
    pub active: bool,
    pub events: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<&'a str>,
}

/// `repository_user_permission`.
#[derive(Debug, Clone, Deserialize)]
pub struct UserPermission {
    pub permission: String,
    pub user: Account,
}

/// Body of `PUT .../permissions-config/users/{id}`.
#[derive(Debug, Serialize)]
pub struct PermissionBody {
    pub permission: &'static str,
}

/// `{ "raw": ... }`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Content {
    #[serde(default)]
    pub raw: Option<String>,
}

/// `issue`.
#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    pub id: u64,
    pub title: String,
    #[serde(default)]
    pub content: Option<Content>,
    pub state: String,
    #[serde(default)]
    pub reporter: Option<Account>,
    #[serde(default)]
    pub assignee: Option<Account>,
    #[serde(default)]
    pub links: HtmlLinks,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub updated_on: Option<String>,
}

/// `{ "account_id": ... }` as sent.
#[derive(Debug, Serialize)]
pub struct AccountRef<'a> {
    pub account_id: &'a str,
}

/// Body of `POST/PUT .../issues`.
#[derive(Debug, Default, Serialize)]
pub struct IssueBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<AccountRef<'a>>,
}

/// `GET .../src/{commit}/{path}?format=meta`.
#[derive(Debug, Clone, Deserialize)]
pub struct FileMeta {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub commit: Hash,
}

/// `commitstatus`.
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    pub key: String,
    pub state: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub created_on: Option<String>,
}

/// Body of `POST .../commit/{sha}/statuses/build`.
#[derive(Debug, Serialize)]
pub struct CreateStatus<'a> {
    pub key: &'a str,
    pub state: &'static str,
    pub url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
}
