//! `git.issue.*`: create, get, update, close, list.

use std::collections::HashMap;

use mosaic_core::git::{CreateIssue, Issue, IssueRef, IssueState, ListIssues, UpdateIssue};
use mosaic_core::{Error, Page, PageRequest, Result};

use super::pull_request::state_param;
use super::{Flavor, Forge, map, repo_path, wire};

impl Forge {
    /// The ids of the repository's labels named `names` (Gitea addresses
    /// labels by id; every name must exist).
    async fn label_ids(&self, repo: &str, names: &[String]) -> Result<Vec<u64>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = HashMap::new();
        let mut page = PageRequest::with_size(self.dialect.page_size.max);
        loop {
            let labels: Page<wire::LabelId> = self
                .list(&format!("{repo}/labels"), &page)
                .send_page()
                .await?;
            found.extend(labels.items.into_iter().map(|l| (l.name, l.id)));
            if names.iter().all(|n| found.contains_key(n)) {
                break;
            }
            match labels.next {
                Some(next) if Some(&next) != page.cursor.as_ref() => page.cursor = Some(next),
                _ => break,
            }
        }
        names
            .iter()
            .map(|n| {
                found.get(n).copied().ok_or_else(|| {
                    Error::invalid_input("labels", format!("label `{n}` does not exist"))
                })
            })
            .collect()
    }

    /// Gitea takes label ids, resolved from the names.
    pub(crate) async fn create_issue(&self, p: CreateIssue) -> Result<Issue> {
        crate::params::require("title", &p.title)?;
        let repo = repo_path(&p.repo)?;
        let path = format!("{repo}/issues");
        let req = match self.dialect.flavor {
            Flavor::GitHub => self.http.post(&path).json(&wire::CreateIssue {
                title: &p.title,
                body: p.body.as_deref(),
                labels: Some(&p.labels),
                assignees: Some(&p.assignees),
            }),
            Flavor::Gitea => {
                let ids = self.label_ids(&repo, &p.labels).await?;
                self.http.post(&path).json(&wire::CreateIssue {
                    title: &p.title,
                    body: p.body.as_deref(),
                    labels: (!ids.is_empty()).then_some(ids),
                    assignees: (!p.assignees.is_empty()).then_some(&p.assignees[..]),
                })
            }
        };
        let i: wire::Issue = req.send_json().await?;
        Ok(map::issue(i))
    }

    /// An issue, not a pull request (both forges number them together).
    pub(crate) async fn get_issue(&self, p: IssueRef) -> Result<Issue> {
        let i: wire::Issue = self
            .http
            .get(&format!("{}/issues/{}", repo_path(&p.repo)?, p.number))
            .send_json()
            .await?;
        if i.pull_request.is_some() {
            return Err(Error::not_found(format!(
                "#{} of {} is a pull request, not an issue",
                p.number, p.repo
            ))
            .with_provider(self.dialect.provider));
        }
        Ok(map::issue(i))
    }

    /// Gitea replaces the labels through the issue's label endpoint.
    pub(crate) async fn update_issue(&self, p: UpdateIssue) -> Result<Issue> {
        let repo = repo_path(&p.repo)?;
        let mut labels = p.labels.as_deref();
        if let Some(names) = labels.filter(|_| self.dialect.is(Flavor::Gitea)) {
            labels = None;
            let ids = self.label_ids(&repo, names).await?;
            self.http
                .put(&format!("{repo}/issues/{}/labels", p.number))
                .json(&wire::IssueLabels { labels: ids })
                .send_unit()
                .await?;
        }
        self.edit_issue(
            &repo,
            p.number,
            &wire::UpdateIssue {
                title: p.title.as_deref(),
                body: p.body.as_deref(),
                state: p.state.map(|s| match s {
                    IssueState::Open => "open",
                    IssueState::Closed => "closed",
                }),
                labels,
                assignees: p.assignees.as_deref(),
            },
        )
        .await
    }

    async fn edit_issue(
        &self,
        repo: &str,
        number: u64,
        body: &wire::UpdateIssue<'_>,
    ) -> Result<Issue> {
        let i: wire::Issue = self
            .http
            .patch(&format!("{repo}/issues/{number}"))
            .json(body)
            .send_json()
            .await?;
        Ok(map::issue(i))
    }

    pub(crate) async fn close_issue(&self, p: IssueRef) -> Result<Issue> {
        let body = wire::UpdateIssue {
            state: Some("closed"),
            ..Default::default()
        };
        self.edit_issue(&repo_path(&p.repo)?, p.number, &body).await
    }

    /// Pull requests are left out: GitHub lists them among issues, Gitea
    /// is asked for issues only.
    pub(crate) async fn list_issues(&self, p: ListIssues) -> Result<Page<Issue>> {
        let labels = (!p.labels.is_empty()).then(|| p.labels.join(","));
        let mut req = self
            .list(&format!("{}/issues", repo_path(&p.repo)?), &p.page)
            .query("state", state_param(p.state));
        if self.dialect.is(Flavor::Gitea) {
            req = req.query("type", "issues");
        }
        let mut page: Page<wire::Issue> = req.query_opt("labels", labels).send_page().await?;
        page.items.retain(|i| i.pull_request.is_none());
        Ok(page.map(map::issue))
    }
}
