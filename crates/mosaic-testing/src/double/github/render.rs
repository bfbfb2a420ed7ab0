//! Mosaic's git types rendered in GitHub's (or Gitea's) wire JSON.

use mosaic_core::git::*;
use serde_json::{Value, json};

use super::GitHubApi;
use crate::double::forge::b64_encode;

fn id_num(id: &str) -> Value {
    id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n))
}

fn signature(s: Option<&Signature>) -> Value {
    match s {
        Some(s) => json!({ "name": s.name, "email": s.email, "date": s.date }),
        None => Value::Null,
    }
}

/// A stable small number for a name (user ids in bodies).
fn user_id(login: &str) -> u64 {
    login
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        % 1_000_000
}

impl GitHubApi {
    pub(super) fn web(&self) -> &'static str {
        if self.github_dialect() {
            "https://github.invalid"
        } else {
            "https://gitea.invalid"
        }
    }

    pub(super) fn user(&self, login: &str) -> Value {
        if self.github_dialect() {
            json!({ "login": login, "id": user_id(login), "type": "User" })
        } else {
            json!({
                "id": user_id(login), "login": login, "username": login,
                "full_name": login, "email": format!("{login}@noreply.invalid"),
            })
        }
    }

    pub(super) fn repo_json(&self, r: &Repository, empty: bool) -> Value {
        let mut v = json!({
            "id": id_num(&r.id),
            "name": r.name,
            "full_name": r.full_name,
            "owner": self.user(&r.owner),
            "private": r.visibility != Visibility::Public,
            "description": r.description.clone().unwrap_or_default(),
            "fork": r.fork,
            "archived": r.archived,
            "default_branch": r.default_branch,
            "clone_url": r.clone_url,
            "ssh_url": r.ssh_url,
            "html_url": r.web_url,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
        });
        if self.github_dialect() {
            v["node_id"] = json!(format!("R_{}", r.id));
            v["visibility"] = json!(match r.visibility {
                Visibility::Public => "public",
                Visibility::Private => "private",
                Visibility::Internal => "internal",
            });
        } else {
            v["internal"] = json!(r.visibility == Visibility::Internal);
            v["empty"] = json!(empty);
        }
        v
    }

    pub(super) fn commit_json(&self, repo: &RepoRef, c: &Commit) -> Value {
        let api = format!("{}/repos/{repo}", self.web());
        json!({
            "sha": c.sha,
            "url": format!("{api}/commits/{}", c.sha),
            "html_url": c.web_url,
            "commit": {
                "message": c.message,
                "author": signature(c.author.as_ref()),
                "committer": signature(c.committer.as_ref()),
                "tree": { "sha": crate::fake::digest(&[b"tree", c.sha.as_bytes()]) },
            },
            "parents": c.parents.iter().map(|p| json!({ "sha": p, "url": format!("{api}/commits/{p}") })).collect::<Vec<_>>(),
        })
    }

    /// The `commit` of a file write (`file-commit.commit` /
    /// `FileCommitResponse`).
    pub(super) fn git_commit_json(&self, c: &Commit) -> Value {
        json!({
            "sha": c.sha,
            "message": c.message,
            "html_url": c.web_url,
            "author": signature(c.author.as_ref()),
            "committer": signature(c.committer.as_ref()),
            "tree": { "sha": crate::fake::digest(&[b"tree", c.sha.as_bytes()]) },
            "parents": c.parents.iter().map(|p| json!({ "sha": p })).collect::<Vec<_>>(),
        })
    }

    pub(super) fn branch_json(&self, b: &Branch) -> Value {
        if self.github_dialect() {
            json!({
                "name": b.name,
                "commit": { "sha": b.commit_sha },
                "protected": b.protected,
            })
        } else {
            json!({
                "name": b.name,
                "commit": { "id": b.commit_sha },
                "protected": b.protected,
            })
        }
    }

    pub(super) fn git_ref_json(&self, name: &str, kind: &str, sha: &str) -> Value {
        json!({
            "ref": name,
            "node_id": format!("REF_{sha}"),
            "object": { "type": kind, "sha": sha },
        })
    }

    pub(super) fn pr_json(
        &self,
        repo: &RepoRef,
        p: &PullRequest,
        base_sha: Option<String>,
    ) -> Value {
        let merged = p.state == PullRequestState::Merged;
        let state = if p.state == PullRequestState::Open {
            "open"
        } else {
            "closed"
        };
        json!({
            "id": p.number * 1000 + 7,
            "number": p.number,
            "state": state,
            "title": p.title,
            "body": p.body,
            "draft": p.draft || (!self.github_dialect() && p.title.starts_with("WIP:")),
            "merged": merged,
            "merged_at": if merged { p.updated_at.clone() } else { None },
            "merge_commit_sha": p.merge_commit_sha,
            "user": p.author.as_deref().map(|a| self.user(a)),
            "head": { "ref": p.head, "sha": p.head_sha, "label": format!("{}:{}", repo.owner, p.head) },
            "base": { "ref": p.base, "sha": base_sha, "label": format!("{}:{}", repo.owner, p.base) },
            "html_url": p.web_url,
            "created_at": p.created_at,
            "updated_at": p.updated_at,
        })
    }

    pub(super) fn issue_json(&self, i: &Issue) -> Value {
        let github = self.github_dialect();
        let labels: Vec<Value> = i
            .labels
            .iter()
            .map(|l| {
                if github {
                    json!({ "name": l })
                } else {
                    json!({ "id": user_id(l), "name": l })
                }
            })
            .collect();
        let mut v = json!({
            "id": i.number * 1000 + 3,
            "number": i.number,
            "title": i.title,
            "body": i.body,
            "state": match i.state { IssueState::Open => "open", IssueState::Closed => "closed" },
            "labels": labels,
            "assignees": i.assignees.iter().map(|a| self.user(a)).collect::<Vec<_>>(),
            "user": i.author.as_deref().map(|a| self.user(a)),
            "html_url": i.web_url,
            "created_at": i.created_at,
            "updated_at": i.updated_at,
        });
        if !github {
            v["pull_request"] = Value::Null;
        }
        v
    }

    /// A pull request as the issues API shows it.
    pub(super) fn pr_as_issue(&self, p: &PullRequest) -> Value {
        json!({
            "id": p.number * 1000 + 7,
            "number": p.number,
            "title": p.title,
            "body": p.body,
            "state": if p.state == PullRequestState::Open { "open" } else { "closed" },
            "labels": [],
            "assignees": [],
            "user": p.author.as_deref().map(|a| self.user(a)),
            "html_url": p.web_url,
            "created_at": p.created_at,
            "updated_at": p.updated_at,
            "pull_request": {
                "html_url": p.web_url,
                "merged": p.state == PullRequestState::Merged,
            },
        })
    }

    pub(super) fn hook_json(&self, h: &Webhook, has_secret: bool) -> Value {
        let id = id_num(&h.id);
        if self.github_dialect() {
            let mut config = json!({ "url": h.url, "content_type": "json", "insecure_ssl": "0" });
            if has_secret {
                config["secret"] = json!("********");
            }
            json!({
                "type": "Repository", "id": id, "name": "web", "active": h.active,
                "events": h.events, "config": config,
            })
        } else {
            json!({
                "id": id, "type": "gitea", "branch_filter": "*", "active": h.active,
                "events": h.events, "config": { "url": h.url, "content_type": "json" },
            })
        }
    }

    pub(super) fn collaborator_json(&self, c: &Collaborator) -> Value {
        if !self.github_dialect() {
            return self.user(&c.login);
        }
        let p = c.permission;
        let mut v = self.user(&c.login);
        v["permissions"] = json!({
            "admin": p >= Permission::Admin,
            "maintain": p >= Permission::Maintain,
            "push": p >= Permission::Write,
            "triage": p >= Permission::Triage,
            "pull": true,
        });
        v["role_name"] = json!(match p {
            Permission::Read => "read",
            Permission::Triage => "triage",
            Permission::Write => "write",
            Permission::Maintain => "maintain",
            Permission::Admin => "admin",
        });
        v
    }

    /// `content-file` / `ContentsResponse`.
    pub(super) fn content_json(&self, path: &str, sha: &str, content: &[u8]) -> Value {
        let name = path.rsplit('/').next().unwrap_or(path);
        let encoded = if self.github_dialect() {
            // GitHub wraps the base64 text every 60 characters.
            let flat = b64_encode(content);
            let lines: Vec<&str> = flat
                .as_bytes()
                .chunks(60)
                .map(|c| std::str::from_utf8(c).unwrap_or(""))
                .collect();
            let mut s = lines.join("\n");
            s.push('\n');
            s
        } else {
            b64_encode(content)
        };
        json!({
            "type": "file", "encoding": "base64", "size": content.len(),
            "name": name, "path": path, "sha": sha, "content": encoded,
        })
    }

    /// The answer to a file write.
    pub(super) fn file_commit_json(&self, fc: &FileCommit) -> Value {
        let content = fc.content_sha.as_ref().map(|sha| {
            let name = fc.path.rsplit('/').next().unwrap_or(&fc.path);
            json!({ "type": "file", "name": name, "path": fc.path, "sha": sha })
        });
        json!({ "content": content, "commit": self.git_commit_json(&fc.commit) })
    }

    pub(super) fn status_json(&self, s: &CommitStatus, id: usize) -> Value {
        let state = match s.state {
            StatusState::Pending => "pending",
            StatusState::Success => "success",
            StatusState::Failure => "failure",
            StatusState::Error => "error",
        };
        let mut v = json!({
            "id": id,
            "description": s.description,
            "target_url": s.target_url,
            "context": s.context,
            "created_at": s.created_at,
            "updated_at": s.created_at,
            "creator": self.user(&self.fake.login()),
        });
        let key = if self.github_dialect() {
            "state"
        } else {
            "status"
        };
        v[key] = json!(state);
        v
    }

    pub(super) fn release_json(&self, r: &Release) -> Value {
        json!({
            "id": id_num(&r.id),
            "tag_name": r.tag_name,
            "name": r.name,
            "body": r.body,
            "draft": r.draft,
            "prerelease": r.prerelease,
            "html_url": r.web_url,
            "created_at": r.created_at,
            "published_at": if r.draft { None } else { r.created_at.clone() },
            "author": self.user(&self.fake.login()),
        })
    }

    /// A tag in the tag listing (GitHub) or Gitea's `Tag`.
    pub(super) fn tag_json(&self, t: &Tag) -> Value {
        if self.github_dialect() {
            json!({ "name": t.name, "commit": { "sha": t.sha } })
        } else {
            json!({
                "name": t.name,
                "message": t.message.clone().unwrap_or_default(),
                "id": t.sha,
                "commit": { "sha": t.sha },
            })
        }
    }
}
