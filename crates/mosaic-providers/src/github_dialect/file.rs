//! `git.file.*`: get, create, update, delete.

use base64::Engine as _;
use mosaic_core::git::{DeleteFile, FileCommit, FileContent, GetFile, WriteFile};
use mosaic_core::{Error, ErrorKind, Result};

use super::{Flavor, Forge, b64, map, repo_path, wire};
use crate::http::path::path as enc_path;
use crate::params::require;

impl Forge {
    /// The blob SHA of an existing file (for updates and deletes that were
    /// not given one).
    pub(super) async fn file_sha(
        &self,
        repo: &str,
        path: &str,
        reference: Option<&str>,
    ) -> Result<String> {
        let c: wire::Contents = self
            .http
            .get(&format!("{repo}/contents/{}", enc_path(path)))
            .query_opt("ref", reference)
            .send_json()
            .await?;
        c.sha
            .ok_or_else(|| Error::invalid_input("path", format!("`{path}` is not a file")))
    }

    /// A directory is refused. GitHub sends files over 1 MB without their
    /// content; those are fetched raw.
    pub(crate) async fn get_file(&self, p: GetFile) -> Result<FileContent> {
        let repo = repo_path(&p.repo)?;
        require("path", &p.path)?;
        let path = format!("{repo}/contents/{}", enc_path(&p.path));
        let get = || {
            self.http
                .get(&path)
                .query_opt("ref", p.reference.as_deref())
        };
        let resp = get().send().await?;
        let v: serde_json::Value = resp.json()?;
        if v.is_array() {
            return Err(Error::invalid_input(
                "path",
                format!("`{}` is a directory", p.path),
            ));
        }
        let f: wire::Contents = resp.json()?;
        match f.kind.as_deref() {
            Some("file") => {}
            Some(kind) => {
                return Err(Error::invalid_input(
                    "path",
                    format!("`{}` is a {kind}, not a file", p.path),
                ));
            }
            None => {
                return Err(Error::invalid_input(
                    "path",
                    format!("`{}` is not a file", p.path),
                ));
            }
        }
        let gitea = self.dialect.is(Flavor::Gitea);
        let content = match f.content.as_deref() {
            Some(c) if gitea || f.encoding.as_deref() == Some("base64") => {
                self.decode_content(c)?
            }
            None if gitea => Vec::new(),
            _ => get()
                .accept("application/vnd.github.raw+json")
                .send()
                .await?
                .body()
                .to_vec(),
        };
        Ok(FileContent {
            path: f.path.unwrap_or(p.path),
            sha: f.sha.unwrap_or_default(),
            content,
        })
    }

    fn decode_content(&self, c: &str) -> Result<Vec<u8>> {
        let clean: String = c.chars().filter(|c| !c.is_whitespace()).collect();
        b64().decode(clean).map_err(|e| {
            Error::decode("`$.content` of the file (base64)", e)
                .with_provider(self.dialect.provider)
        })
    }

    /// GitHub creates and replaces files with `PUT`; Gitea creates them
    /// with `POST`. A replacement not given the file's SHA looks it up.
    async fn put_file(&self, p: WriteFile, must_exist: bool) -> Result<FileCommit> {
        let repo = repo_path(&p.repo)?;
        require("path", &p.path)?;
        require("message", &p.message)?;
        let sha = match (&p.sha, must_exist) {
            (Some(s), _) => Some(s.clone()),
            (None, true) => Some(self.file_sha(&repo, &p.path, p.branch.as_deref()).await?),
            (None, false) => None,
        };
        let path = format!("{repo}/contents/{}", enc_path(&p.path));
        let req = if !must_exist && self.dialect.is(Flavor::Gitea) {
            self.http.post(&path)
        } else {
            self.http.put(&path)
        };
        let out: wire::FileCommit = req
            .json(&wire::PutContent {
                message: &p.message,
                content: b64().encode(&p.content),
                branch: p.branch.as_deref(),
                sha: sha.as_deref(),
            })
            .send_json()
            .await
            .map_err(|e| {
                // GitHub answers a create of an existing path with 422
                // `"sha" wasn't supplied`: the file is already there.
                if !must_exist
                    && e.kind() == ErrorKind::InvalidInput
                    && e.message().contains("wasn't supplied")
                {
                    Error::new(
                        ErrorKind::Conflict,
                        format!("file `{}` already exists; update it instead", p.path),
                    )
                    .with_provider(self.dialect.provider)
                    .with_status(422)
                } else {
                    e
                }
            })?;
        Ok(map::file_commit(&p.path, out))
    }

    pub(crate) async fn create_file(&self, p: WriteFile) -> Result<FileCommit> {
        self.put_file(p, false).await
    }

    pub(crate) async fn update_file(&self, p: WriteFile) -> Result<FileCommit> {
        self.put_file(p, true).await
    }

    /// The answer names no content: the file is gone.
    pub(crate) async fn delete_file(&self, p: DeleteFile) -> Result<FileCommit> {
        let repo = repo_path(&p.repo)?;
        require("path", &p.path)?;
        require("message", &p.message)?;
        let sha = match &p.sha {
            Some(s) => s.clone(),
            None => self.file_sha(&repo, &p.path, p.branch.as_deref()).await?,
        };
        let out: wire::FileCommit = self
            .http
            .delete(&format!("{repo}/contents/{}", enc_path(&p.path)))
            .json(&wire::DeleteContent {
                message: &p.message,
                sha: &sha,
                branch: p.branch.as_deref(),
            })
            .send_json()
            .await?;
        let mut fc = map::file_commit(&p.path, out);
        fc.content_sha = None;
        Ok(fc)
    }
}
