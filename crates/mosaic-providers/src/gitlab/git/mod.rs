//! [`GitProvider`] for [`GitLab`]: every operation over REST v4, one
//! module per resource (`git.pull_request.list` → [`pull_request::list`]).

use base64::Engine as _;
use mosaic_core::git::*;
use mosaic_core::{Capabilities, Error, Page, Result};

use super::{GitLab, map, wire};
use crate::forge::git_provider_by_resource;
use crate::http::path::segment;

mod branch;
mod collaborator;
mod commit;
mod file;
mod issue;
mod pull_request;
mod release;
mod repository;
mod status;
mod tag;
mod webhook;

git_provider_by_resource!(GitLab, GitLab::operations());

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// `/projects/group%2Fsub%2Fproject`, then `rest` (`""` or `/…`).
fn project(r: &RepoRef, rest: &str) -> Result<String> {
    r.validate()?;
    Ok(format!("/projects/{}{rest}", segment(&r.full_name())))
}

/// `/repository/{kind}/{name}`: a branch or a tag.
fn ref_path(repo: &RepoRef, kind: &str, field: &str, name: &str) -> Result<String> {
    crate::params::require(field, name)?;
    project(repo, &format!("/repository/{kind}/{}", segment(name)))
}

/// A branch or tag: `POST /repository/{kind}` with `query` (name, ref…).
async fn create_ref<W: serde::de::DeserializeOwned>(
    gl: &GitLab,
    repo: &RepoRef,
    kind: &str,
    query: &[(&str, Option<&str>)],
) -> Result<W> {
    let mut req = gl
        .http
        .post(&project(repo, &format!("/repository/{kind}"))?);
    for (name, value) in query {
        req = req.query_opt(name, *value);
    }
    req.send_json().await
}

/// One page of `/repository/{kind}`.
async fn refs<W: serde::de::DeserializeOwned>(
    gl: &GitLab,
    repo: &RepoRef,
    kind: &str,
    page: &mosaic_core::PageRequest,
) -> Result<Page<W>> {
    let path = project(repo, &format!("/repository/{kind}"))?;
    gl.http.get(&path).paged(page).send_page().await
}

impl GitLab {
    async fn user_id(&self, username: &str) -> Result<u64> {
        let users: Vec<wire::User> = self
            .http
            .get("/users")
            .query("username", username)
            .send_json()
            .await?;
        users
            .first()
            .map(|u| u.id)
            .ok_or_else(|| Error::invalid_input("login", format!("no GitLab user `{username}`")))
    }

    async fn user_ids(&self, usernames: &[String]) -> Result<Vec<u64>> {
        let mut ids = Vec::with_capacity(usernames.len());
        for u in usernames {
            ids.push(self.user_id(u).await?);
        }
        Ok(ids)
    }

    async fn default_branch(&self, repo: &RepoRef) -> Result<String> {
        let p: wire::Project = self.http.get(&project(repo, "")?).send_json().await?;
        p.default_branch
            .ok_or_else(|| Error::invalid_input("branch", "the project has no default branch yet"))
    }

    /// `reference`, or the project's default branch.
    async fn reference_or_default(
        &self,
        repo: &RepoRef,
        reference: Option<&str>,
    ) -> Result<String> {
        match reference {
            Some(r) => Ok(r.to_owned()),
            None => self.default_branch(repo).await,
        }
    }

    /// One commit of `changes` through the commits API, on `branch` or the
    /// default branch.
    async fn commit_changes(
        &self,
        repo: &RepoRef,
        branch: Option<&str>,
        message: &str,
        changes: &[FileChange],
        author: Option<&Signature>,
    ) -> Result<wire::Commit> {
        let branch = self.reference_or_default(repo, branch).await?;
        let actions = changes
            .iter()
            .map(|c| {
                let (action, content) = match c {
                    FileChange::Create { content, .. } => ("create", Some(content)),
                    FileChange::Update { content, .. } => ("update", Some(content)),
                    FileChange::Delete { .. } => ("delete", None),
                };
                wire::CommitAction {
                    action,
                    file_path: c.path(),
                    content: content.map(|c| b64().encode(c)),
                    encoding: content.map(|_| "base64"),
                }
            })
            .collect();
        self.http
            .post(&project(repo, "/repository/commits")?)
            .json(&wire::CreateCommit {
                branch: &branch,
                commit_message: message,
                actions,
                author_name: author.map(|a| a.name.as_str()),
                author_email: author.map(|a| a.email.as_str()),
            })
            .send_json()
            .await
    }
}
