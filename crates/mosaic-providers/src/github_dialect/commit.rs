//! `git.commit.*`: get, list, create, compare.

use base64::Engine as _;
use mosaic_core::git::{
    ChangedFile, Commit, CommitRef, CompareCommits, CompareStatus, Comparison, CreateCommit,
    FileChange, ListCommits,
};
use mosaic_core::{Error, ErrorKind, Page, Result};

use super::{Flavor, Forge, b64, map, repo_path, wire};
use crate::http::path::{path as enc_path, segment};
use crate::params::require;

impl Forge {
    pub(crate) async fn get_commit(&self, p: CommitRef) -> Result<Commit> {
        require("sha", &p.sha)?;
        let prefix = match self.dialect.flavor {
            Flavor::GitHub => "commits",
            Flavor::Gitea => "git/commits",
        };
        let c: wire::Commit = self
            .http
            .get(&format!(
                "{}/{prefix}/{}",
                repo_path(&p.repo)?,
                segment(&p.sha)
            ))
            .send_json()
            .await?;
        Ok(map::commit(c))
    }

    /// Gitea is asked to leave out its per-commit file statistics.
    pub(crate) async fn list_commits(&self, p: ListCommits) -> Result<Page<Commit>> {
        let mut req = self
            .list(&format!("{}/commits", repo_path(&p.repo)?), &p.page)
            .query_opt("sha", p.reference.as_deref())
            .query_opt("path", p.path.as_deref());
        if self.dialect.is(Flavor::Gitea) {
            req = req.query("stat", false);
        }
        Ok(req.send_page().await?.map(map::commit))
    }

    /// GitHub: through the git database (a blob per written file, a tree,
    /// a commit, the branch moved). Gitea: its multi-file endpoint, after
    /// looking up the blob SHA of each file updated or deleted.
    pub(crate) async fn create_commit(&self, p: CreateCommit) -> Result<Commit> {
        let repo = repo_path(&p.repo)?;
        require("branch", &p.branch)?;
        require("message", &p.message)?;
        if p.changes.is_empty() {
            return Err(Error::invalid_input("changes", "must not be empty"));
        }
        for change in &p.changes {
            require("changes.path", change.path())?;
        }
        match self.dialect.flavor {
            Flavor::GitHub => self.create_git_commit(&repo, p).await,
            Flavor::Gitea => self.change_files(&repo, p).await,
        }
    }

    async fn create_git_commit(&self, repo: &str, p: CreateCommit) -> Result<Commit> {
        // 1. the branch head and its tree
        let head: wire::GitRef = self
            .http
            .get(&format!("{repo}/git/ref/heads/{}", enc_path(&p.branch)))
            .send_json()
            .await?;
        let parent: wire::GitCommit = self
            .http
            .get(&format!("{repo}/git/commits/{}", head.object.sha))
            .send_json()
            .await?;
        // 2. a blob per created or updated file
        let mut entries = Vec::with_capacity(p.changes.len());
        for change in &p.changes {
            let sha = match change {
                FileChange::Create { content, .. } | FileChange::Update { content, .. } => {
                    let blob: wire::ShaRef = self
                        .http
                        .post(&format!("{repo}/git/blobs"))
                        .json(&wire::CreateBlob {
                            content: b64().encode(content),
                            encoding: "base64",
                        })
                        .send_json()
                        .await?;
                    Some(blob.sha)
                }
                FileChange::Delete { .. } => None,
            };
            entries.push(wire::TreeEntry {
                path: change.path(),
                mode: "100644",
                kind: "blob",
                sha,
            });
        }
        // 3. the tree, 4. the commit, 5. move the branch
        let tree: wire::ShaRef = self
            .http
            .post(&format!("{repo}/git/trees"))
            .json(&wire::CreateTree {
                base_tree: &parent.tree.sha,
                tree: entries,
            })
            .send_json()
            .await?;
        let commit: wire::GitCommit = self
            .http
            .post(&format!("{repo}/git/commits"))
            .json(&wire::CreateGitCommit {
                message: &p.message,
                tree: &tree.sha,
                parents: vec![&parent.sha],
                author: p.author.clone().map(|a| wire::GitUser {
                    name: a.name,
                    email: a.email,
                    date: a.date,
                }),
            })
            .send_json()
            .await?;
        self.http
            .patch(&format!("{repo}/git/refs/heads/{}", enc_path(&p.branch)))
            .json(&wire::UpdateRef {
                sha: &commit.sha,
                force: false,
            })
            .send_unit()
            .await?;
        Ok(map::git_commit(commit))
    }

    async fn change_files(&self, repo: &str, p: CreateCommit) -> Result<Commit> {
        let mut files = Vec::with_capacity(p.changes.len());
        for change in &p.changes {
            let (operation, path, content) = match change {
                FileChange::Create { path, content } => ("create", path, Some(content)),
                FileChange::Update { path, content } => ("update", path, Some(content)),
                FileChange::Delete { path } => ("delete", path, None),
            };
            let sha = match operation {
                "create" => None,
                _ => Some(self.file_sha(repo, path, Some(&p.branch)).await?),
            };
            files.push(wire::ChangeFile {
                operation,
                path,
                content: content.map(|c| b64().encode(c)),
                sha,
            });
        }
        let out: wire::FileCommit = self
            .http
            .post(&format!("{repo}/contents"))
            .json(&wire::ChangeFiles {
                files,
                message: &p.message,
                branch: &p.branch,
                author: p.author.clone().map(|a| wire::Identity {
                    name: a.name,
                    email: a.email,
                }),
            })
            .send_json()
            .await?;
        Ok(map::git_commit(out.commit))
    }

    async fn compare(&self, repo: &str, base: &str, head: &str) -> Result<wire::Comparison> {
        self.http
            .get(&format!(
                "{repo}/compare/{}...{}",
                segment(base),
                segment(head)
            ))
            .send_json()
            .await
    }

    /// Gitea's compare endpoint counts the commits one way; the other
    /// direction is a second call, and the changed files are taken from
    /// the commits (without per-file line counts).
    pub(crate) async fn compare_commits(&self, p: CompareCommits) -> Result<Comparison> {
        let repo = repo_path(&p.repo)?;
        require("base", &p.base)?;
        require("head", &p.head)?;
        let ahead = self.compare(&repo, &p.base, &p.head).await?;
        if self.dialect.is(Flavor::GitHub) {
            return self.github_comparison(ahead);
        }
        let behind = self.compare(&repo, &p.head, &p.base).await?;
        let status = match (ahead.total_commits, behind.total_commits) {
            (0, 0) => CompareStatus::Identical,
            (_, 0) => CompareStatus::Ahead,
            (0, _) => CompareStatus::Behind,
            _ => CompareStatus::Diverged,
        };
        let commits = ahead.commits.unwrap_or_default();
        let mut files: Vec<ChangedFile> = Vec::new();
        for f in commits.iter().flat_map(|c| c.files.iter().flatten()) {
            if !files.iter().any(|x| x.path == f.filename) {
                files.push(ChangedFile {
                    path: f.filename.clone(),
                    status: f.status.clone().unwrap_or_else(|| "modified".to_owned()),
                    additions: 0,
                    deletions: 0,
                });
            }
        }
        Ok(Comparison {
            status,
            ahead_by: ahead.total_commits,
            behind_by: behind.total_commits,
            commits: commits.into_iter().map(map::commit).collect(),
            files,
        })
    }

    fn github_comparison(&self, c: wire::Comparison) -> Result<Comparison> {
        let status = match c.status.as_str() {
            "ahead" => CompareStatus::Ahead,
            "behind" => CompareStatus::Behind,
            "identical" => CompareStatus::Identical,
            "diverged" => CompareStatus::Diverged,
            other => {
                return Err(Error::new(
                    ErrorKind::Decode,
                    format!("unknown comparison status `{other}` at `$.status`"),
                )
                .with_provider(self.dialect.provider));
            }
        };
        Ok(Comparison {
            status,
            ahead_by: c.ahead_by,
            behind_by: c.behind_by,
            commits: c
                .commits
                .unwrap_or_default()
                .into_iter()
                .map(map::commit)
                .collect(),
            files: c
                .files
                .into_iter()
                .map(|f| ChangedFile {
                    path: f.filename,
                    status: f.status,
                    additions: f.additions,
                    deletions: f.deletions,
                })
                .collect(),
        })
    }
}
