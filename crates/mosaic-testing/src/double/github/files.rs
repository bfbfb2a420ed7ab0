//! The contents API: files read, created, updated and deleted.

use http::StatusCode;
use mosaic_core::git::*;
use mosaic_core::{Error, ErrorKind};
use serde_json::{Value, json};

use super::{Answer, GitHubApi};
use crate::double::forge::{b64_decode, text};
use crate::double::{ApiRequest, ApiResponse};

impl GitHubApi {
    // ----- files -----

    pub(super) async fn file_routes(&self, repo: &RepoRef, q: &ApiRequest) -> Option<Answer> {
        let c = q
            .route("GET", "/contents/{p*}")
            .or_else(|| q.route("PUT", "/contents/{p*}"))
            .or_else(|| q.route("POST", "/contents/{p*}"))
            .or_else(|| q.route("DELETE", "/contents/{p*}"))?;
        let path = c[0].clone();
        Some(match q.method.as_str() {
            "GET" => self.get_contents(repo, q, &path).await,
            "DELETE" => self.delete_contents(repo, q, &path).await,
            "POST" if self.github_dialect() => Err(self.not_found()),
            method => self.write_contents(repo, q, &path, method == "POST").await,
        })
    }

    async fn get_contents(&self, repo: &RepoRef, q: &ApiRequest, path: &str) -> Answer {
        let reference = q.query("ref").filter(|r| !r.is_empty()).map(str::to_owned);
        let got = self
            .fake
            .get_file(GetFile {
                repo: repo.clone(),
                path: path.to_owned(),
                reference: reference.clone(),
            })
            .await;
        match got {
            Ok(f) => Ok(ApiResponse::ok(
                &self.content_json(&f.path, &f.sha, &f.content),
            )),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                // a directory: list what is directly under it
                let dir = format!("{}/", path.trim_end_matches('/'));
                let files = self.fake.files(repo, reference.as_deref());
                let mut entries: Vec<Value> = Vec::new();
                for (p, content) in files.iter().filter(|(p, _)| p.starts_with(&dir)) {
                    let rest = &p[dir.len()..];
                    let entry = match rest.split_once('/') {
                        Some((sub, _)) => json!({
                            "type": "dir", "name": sub, "path": format!("{dir}{sub}"), "sha": "", "size": 0,
                        }),
                        None => json!({
                            "type": "file", "name": rest, "path": p,
                            "sha": crate::fake::digest(&[b"blob", content]), "size": content.len(),
                        }),
                    };
                    if !entries.contains(&entry) {
                        entries.push(entry);
                    }
                }
                if entries.is_empty() {
                    Err(self.fail("Content", e))
                } else {
                    Ok(ApiResponse::ok(&entries))
                }
            }
            Err(e) => Err(self.fail("Content", e)),
        }
    }

    async fn write_contents(
        &self,
        repo: &RepoRef,
        q: &ApiRequest,
        path: &str,
        post: bool,
    ) -> Answer {
        let github = self.github_dialect();
        let body: Value = q.json()?;
        let Some(content) = text(&body, "content").and_then(|c| b64_decode(&c)) else {
            return Err(self.validation("Content", "content", "invalid", "is not valid Base64"));
        };
        let branch = text(&body, "branch").filter(|b| !b.is_empty());
        let sha = text(&body, "sha").filter(|s| !s.is_empty());
        let exists = {
            let current = self
                .fake
                .repository(repo)
                .ok_or_else(|| self.fail("Content", Error::not_found("repository")))?;
            let on = branch.clone().unwrap_or(current.default_branch);
            self.fake.file(repo, Some(&on), path).is_some()
        };
        let params = WriteFile {
            repo: repo.clone(),
            path: path.to_owned(),
            content,
            message: text(&body, "message").unwrap_or_default(),
            branch,
            sha: sha.clone(),
        };
        let create = if github { !exists } else { post };
        if create && exists {
            return Err(self.error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "repository file already exists",
            ));
        }
        if !create && sha.is_none() {
            return Err(if github {
                self.error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Invalid request.\n\n\"sha\" wasn't supplied.",
                )
            } else {
                self.validation("Content", "SHA", "required", "Required")
            });
        }
        let written = if create {
            self.fake.create_file(params).await
        } else {
            self.fake.update_file(params).await
        };
        let fc = written.map_err(|e| match e.kind() {
            ErrorKind::Conflict if e.message().contains("has changed") => self.error(
                StatusCode::CONFLICT,
                &format!("{path} does not match {}", sha.clone().unwrap_or_default()),
            ),
            _ => self.fail("Content", e),
        })?;
        let status = if create {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok(ApiResponse::json(status, &self.file_commit_json(&fc)))
    }

    async fn delete_contents(&self, repo: &RepoRef, q: &ApiRequest, path: &str) -> Answer {
        let body: Value = q.json()?;
        let Some(sha) = text(&body, "sha").filter(|s| !s.is_empty()) else {
            return Err(self.validation("Content", "sha", "missing_field", "is required"));
        };
        let fc = self
            .fake
            .delete_file(DeleteFile {
                repo: repo.clone(),
                path: path.to_owned(),
                message: text(&body, "message").unwrap_or_default(),
                branch: text(&body, "branch").filter(|b| !b.is_empty()),
                sha: Some(sha.clone()),
            })
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::Conflict if e.message().contains("has changed") => self.error(
                    StatusCode::CONFLICT,
                    &format!("{path} does not match {sha}"),
                ),
                _ => self.fail("Content", e),
            })?;
        Ok(ApiResponse::ok(&self.file_commit_json(&fc)))
    }
}
