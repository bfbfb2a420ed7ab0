//! [`GitProvider`] for [`Bitbucket`]: every operation Bitbucket Cloud
//! offers, over API 2.0, one module per resource (`git.pull_request.list`
//! → [`pull_request::list`]).

use mosaic_core::git::*;
use mosaic_core::{Capabilities, Error, ErrorKind, Page, PageRequest, Result};
use serde::de::DeserializeOwned;

use super::{Bitbucket, PAGE_SIZE, PROVIDER, map, wire};
use crate::forge::git_provider_by_resource;
use crate::http::multipart::Form;
use crate::http::path::segment;
use crate::params::require;

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

git_provider_by_resource!(Bitbucket, Bitbucket::operations());

/// `/repositories/{workspace}/{repo_slug}`, then `rest` (`""` or `/…`).
fn repo_path(r: &RepoRef, rest: &str) -> Result<String> {
    r.validate()?;
    Ok(format!(
        "/repositories/{}/{}{rest}",
        segment(&r.owner),
        segment(&r.name)
    ))
}

fn is_full_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `/refs/{kind}` (`branches`, `tags`), then `/{name}` when named.
fn ref_path(repo: &RepoRef, kind: &str, name: Option<(&str, &str)>) -> Result<String> {
    let name = match name {
        Some((field, name)) => {
            require(field, name)?;
            format!("/{}", crate::http::path::path(name))
        }
        None => String::new(),
    };
    repo_path(repo, &format!("/refs/{kind}{name}"))
}

impl Bitbucket {
    /// A branch or tag `name` at `target` (a full hash or any reference).
    async fn create_ref(
        &self,
        repo: &RepoRef,
        kind: &str,
        name: &str,
        target: &str,
        message: Option<&str>,
    ) -> Result<wire::Ref> {
        let path = ref_path(repo, kind, None)?;
        let hash = self.resolve_hash(repo, target).await?;
        let target = wire::Hash { hash };
        let body = wire::CreateRef {
            name,
            target,
            message,
        };
        self.http.post(&path).json(&body).send_json().await
    }

    /// One page of `/refs/{kind}`.
    async fn refs(
        &self,
        repo: &RepoRef,
        kind: &str,
        page: &PageRequest,
    ) -> Result<Page<wire::Ref>> {
        let req = self.http.get(&ref_path(repo, kind, None)?).paged(page);
        req.send_page_as::<wire::Paged<_>>().await
    }

    async fn commit(&self, repo: &RepoRef, reference: &str) -> Result<wire::Commit> {
        let path = repo_path(repo, &format!("/commit/{}", segment(reference)))?;
        self.http.get(&path).send_json().await
    }

    /// The full hash `reference` names.
    async fn resolve_hash(&self, repo: &RepoRef, reference: &str) -> Result<String> {
        if is_full_sha(reference) {
            return Ok(reference.to_owned());
        }
        Ok(self.commit(repo, reference).await?.hash)
    }

    /// `reference`, or the repository's main branch.
    async fn reference_or_main(&self, r: &RepoRef, reference: Option<&str>) -> Result<String> {
        if let Some(reference) = reference {
            return Ok(reference.to_owned());
        }
        let repo: wire::Repository = self.http.get(&repo_path(r, "")?).send_json().await?;
        repo.mainbranch
            .map(|m| m.name)
            .ok_or_else(|| Error::invalid_input("branch", "the repository has no main branch yet"))
    }

    /// One commit through `POST /src` (multipart): files to write as parts
    /// named by their paths, files to delete in `files` fields.
    async fn src_commit(
        &self,
        r: &RepoRef,
        branch: Option<&str>,
        message: &str,
        changes: &[FileChange],
        author: Option<&Signature>,
    ) -> Result<Commit> {
        let src = repo_path(r, "/src")?;
        let branch = self.reference_or_main(r, branch).await?;
        let mut form = Form::new().text("message", message).text("branch", branch);
        if let Some(a) = author {
            form = form.text("author", format!("{} <{}>", a.name, a.email));
        }
        for c in changes {
            require("changes.path", c.path())?;
            form = match c {
                FileChange::Create { path, content } | FileChange::Update { path, content } => {
                    let file_name = path.rsplit('/').next().unwrap_or(path).to_owned();
                    let mime = "application/octet-stream";
                    form.file(path.clone(), file_name, mime, content.clone())
                }
                FileChange::Delete { path } => form.text("files", path.clone()),
            };
        }
        let resp = self.http.post(&src).multipart(&form).send().await?;
        let hash = resp
            .header("location")
            .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
            .filter(|h| !h.is_empty())
            .ok_or_else(|| {
                let why = "Bitbucket answered the commit without a `Location` header";
                Error::new(ErrorKind::Decode, why).with_provider(PROVIDER)
            })?;
        Ok(map::commit(self.commit(r, hash).await?))
    }

    /// Every item of the listing at `path`, page after page.
    async fn all_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Vec<T>> {
        let mut page = PageRequest::with_size(PAGE_SIZE.max);
        let mut all = Vec::new();
        loop {
            let mut req = self.http.get(path);
            for (name, value) in query {
                req = req.query(name, value);
            }
            let p = req.paged(&page).send_page_as::<wire::Paged<T>>().await?;
            all.extend(p.items);
            match p.next {
                Some(n) if Some(&n) != page.cursor.as_ref() => page.cursor = Some(n),
                _ => break,
            }
        }
        Ok(all)
    }
}
