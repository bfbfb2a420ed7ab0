//! `git.pull_request.*`: create, get, update, merge, list.

use mosaic_core::git::{
    CreatePullRequest, ListPullRequests, MergeMethod, MergePullRequest, MergeResult, PullRequest,
    PullRequestRef, PullRequestState, StateFilter, UpdatePullRequest,
};
use mosaic_core::{Error, Page, Result};

use super::{Flavor, Forge, map, repo_path, wire};
use crate::params::require;

/// Gitea marks drafts with a title prefix.
const DRAFT_PREFIX: &str = "WIP: ";

pub(crate) fn state_param(s: StateFilter) -> &'static str {
    match s {
        StateFilter::Open => "open",
        StateFilter::Closed => "closed",
        StateFilter::All => "all",
    }
}

fn merge_method(m: MergeMethod) -> &'static str {
    match m {
        MergeMethod::Merge => "merge",
        MergeMethod::Squash => "squash",
        MergeMethod::Rebase => "rebase",
    }
}

/// How a Gitea server spells the fields of its merge form. Gitea up to
/// 1.26 and Forgejo (whatever its own version, it reports the Gitea API it
/// follows as `+gitea-1.x`) read `Do`, `MergeTitleField` and
/// `MergeMessageField`; Gitea 1.27 reads `do`, `merge_title_field` and
/// `merge_message_field`. The server's JSON decoding matches names without
/// regard to case but not across the underscores, so the title and message
/// must be spelled as the version expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MergeFields {
    /// `Do`, `MergeTitleField`, `MergeMessageField`.
    Legacy,
    /// `do`, `merge_title_field`, `merge_message_field`.
    SnakeCase,
}

impl MergeFields {
    /// The spelling a server reporting `version` (from `GET /version`)
    /// reads; an unreadable version is taken as an older server.
    pub(crate) fn for_version(version: &str) -> Self {
        let api = match version.split_once("+gitea-") {
            Some((_, gitea)) => gitea,
            None => version,
        };
        let mut parts = api.trim_start_matches('v').split(['.', '+', '-']);
        let mut number = || parts.next().and_then(|p| p.parse::<u32>().ok());
        match (number(), number()) {
            (Some(major), Some(minor)) if (major, minor) >= (1, 27) => MergeFields::SnakeCase,
            _ => MergeFields::Legacy,
        }
    }

    fn names(self) -> [&'static str; 3] {
        match self {
            MergeFields::Legacy => ["Do", "MergeTitleField", "MergeMessageField"],
            MergeFields::SnakeCase => ["do", "merge_title_field", "merge_message_field"],
        }
    }
}

impl Forge {
    /// The merge form spelling of this server, asked once with
    /// `GET /version` and kept. A server without the endpoint (404) is an
    /// older one; another failure is not kept, and this merge uses the
    /// older spelling.
    async fn merge_fields(&self) -> MergeFields {
        if let Some(f) = self.merge_fields.get() {
            return *f;
        }
        let found = match self
            .http
            .get("/version")
            .send_json::<wire::ServerVersion>()
            .await
        {
            Ok(v) => MergeFields::for_version(&v.version),
            Err(e) if e.is_not_found() => MergeFields::Legacy,
            Err(_) => return MergeFields::Legacy,
        };
        *self.merge_fields.get_or_init(|| found)
    }

    /// Gitea opens drafts with its `WIP: ` title prefix.
    pub(crate) async fn create_pull_request(&self, p: CreatePullRequest) -> Result<PullRequest> {
        require("title", &p.title)?;
        require("head", &p.head)?;
        require("base", &p.base)?;
        let github = self.dialect.is(Flavor::GitHub);
        let title = if p.draft && !github {
            format!("{DRAFT_PREFIX}{}", p.title)
        } else {
            p.title.clone()
        };
        let pr: wire::PullRequest = self
            .http
            .post(&format!("{}/pulls", repo_path(&p.repo)?))
            .json(&wire::CreatePull {
                title: &title,
                body: p.body.as_deref(),
                head: &p.head,
                base: &p.base,
                draft: github.then_some(p.draft),
            })
            .send_json()
            .await?;
        Ok(self.pull_request(pr))
    }

    pub(crate) fn pull_request(&self, pr: wire::PullRequest) -> PullRequest {
        map::pull_request(pr, self.dialect.is(Flavor::Gitea))
    }

    pub(crate) async fn get_pull_request(&self, p: PullRequestRef) -> Result<PullRequest> {
        let pr: wire::PullRequest = self
            .http
            .get(&format!("{}/pulls/{}", repo_path(&p.repo)?, p.number))
            .send_json()
            .await?;
        Ok(self.pull_request(pr))
    }

    pub(crate) async fn update_pull_request(&self, p: UpdatePullRequest) -> Result<PullRequest> {
        let state = match p.state {
            None => None,
            Some(PullRequestState::Open) => Some("open"),
            Some(PullRequestState::Closed) => Some("closed"),
            Some(PullRequestState::Merged) => {
                return Err(Error::invalid_input(
                    "state",
                    "a pull request is merged with merge_pull_request",
                ));
            }
        };
        let pr: wire::PullRequest = self
            .http
            .patch(&format!("{}/pulls/{}", repo_path(&p.repo)?, p.number))
            .json(&wire::UpdatePull {
                title: p.title.as_deref(),
                body: p.body.as_deref(),
                state,
                base: p.base.as_deref(),
            })
            .send_json()
            .await?;
        Ok(self.pull_request(pr))
    }

    /// GitHub answers with the merge result. Gitea answers with an empty
    /// body, in the form spelling of its version (see [`MergeFields`]);
    /// the merge commit is read back from the pull request.
    pub(crate) async fn merge_pull_request(&self, p: MergePullRequest) -> Result<MergeResult> {
        let repo = repo_path(&p.repo)?;
        let merge_path = format!("{repo}/pulls/{}/merge", p.number);
        let method = merge_method(p.method);
        if self.dialect.is(Flavor::GitHub) {
            let m: wire::MergeResult = self
                .http
                .put(&merge_path)
                .json(&wire::MergePull {
                    commit_title: p.commit_title.as_deref(),
                    commit_message: p.commit_message.as_deref(),
                    sha: p.sha.as_deref(),
                    merge_method: method,
                })
                .send_json()
                .await?;
            return Ok(MergeResult {
                merged: m.merged,
                sha: m.sha,
                message: m.message,
            });
        }
        let [action, title, message] = self.merge_fields().await.names();
        let mut form = wire::MergeForm::new();
        form.insert(action, method);
        let fields = [
            (title, p.commit_title.as_deref()),
            (message, p.commit_message.as_deref()),
            ("head_commit_id", p.sha.as_deref()),
        ];
        for (name, value) in fields {
            if let Some(v) = value {
                form.insert(name, v);
            }
        }
        self.http.post(&merge_path).json(&form).send_unit().await?;
        let pr: wire::PullRequest = self
            .http
            .get(&format!("{repo}/pulls/{}", p.number))
            .send_json()
            .await?;
        Ok(MergeResult {
            merged: pr.merged.unwrap_or(false),
            sha: pr.merge_commit_sha,
            message: None,
        })
    }

    pub(crate) async fn list_pull_requests(
        &self,
        p: ListPullRequests,
    ) -> Result<Page<PullRequest>> {
        let page = self
            .list(&format!("{}/pulls", repo_path(&p.repo)?), &p.page)
            .query("state", state_param(p.state))
            .send_page()
            .await?;
        Ok(page.map(|pr| self.pull_request(pr)))
    }
}

#[cfg(test)]
mod tests {
    use super::MergeFields::{self, Legacy, SnakeCase};

    #[test]
    fn merge_fields_follow_the_gitea_api_version() {
        for (version, fields) in [
            ("1.27.0", SnakeCase),
            ("v1.27.2", SnakeCase),
            ("1.28.0+dev-5-gabc", SnakeCase),
            ("2.0.0", SnakeCase),
            ("1.26.1", Legacy),
            ("1.22.0", Legacy),
            ("9.0.0+gitea-1.22.0", Legacy),
            ("11.0.1+gitea-1.22.0", Legacy),
            ("12.0.0+gitea-1.27.0", SnakeCase),
            ("", Legacy),
            ("development", Legacy),
        ] {
            assert_eq!(MergeFields::for_version(version), fields, "{version}");
        }
    }
}
