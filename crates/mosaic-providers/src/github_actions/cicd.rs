//! [`CiCdProvider`] for [`GitHubActions`], over REST v3.

use std::collections::HashSet;

use async_trait::async_trait;
use http::header::{ACCEPT, HeaderName};
use mosaic_core::cicd::*;
use mosaic_core::{Capabilities, Error, ErrorKind, Page, PageRequest, Result};

use super::PROVIDER;
use super::{GitHubActions, logs, map, wire};
use crate::ci::status::{single_word, words_for};
use crate::ci::{self, number, require};
use crate::http::path::segment;

/// `/repos/{owner}/{repo}` from an `owner/repo` project.
pub(crate) fn repo_path(project: &str) -> Result<String> {
    let parts: Vec<&str> = project.split('/').collect();
    match parts.as_slice() {
        [owner, repo] if !owner.trim().is_empty() && !repo.trim().is_empty() => {
            Ok(format!("/repos/{}/{}", segment(owner), segment(repo)))
        }
        _ => Err(Error::invalid_input(
            "project",
            format!("`{project}` is not an `owner/repo` repository"),
        )),
    }
}

/// A page continued by the `Link` header, with GitHub's `total_count`.
/// What `status=` a run listing can send for `status`, and whether the
/// page must still be filtered here.
fn run_status_query(status: PipelineStatus) -> (Option<&'static str>, bool) {
    if let Some(w) = single_word(map::STATUSES, status) {
        return (Some(w), false);
    }
    let words = words_for(map::STATUSES, status);
    if !words.is_empty() && words.iter().all(|w| map::CONCLUSIONS.contains(w)) {
        (Some("completed"), true)
    } else {
        (None, true)
    }
}

impl GitHubActions {
    /// One page of the listing at `path` (`{"total_count", "<items>"}`,
    /// continued by `Link`).
    async fn list<W: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        page: &PageRequest,
    ) -> Result<Page<W>> {
        self.http
            .get(path)
            .paged(page)
            .send_page_as::<wire::Listing<W>>()
            .await
    }

    async fn run(&self, repo: &str, project: &str, id: u64) -> Result<Pipeline> {
        let r: wire::Run = self
            .http
            .get(&format!("{repo}/actions/runs/{id}"))
            .send_json()
            .await?;
        Ok(map::pipeline(project, r))
    }

    async fn job(&self, repo: &str, id: u64) -> Result<wire::Job> {
        self.http
            .get(&format!("{repo}/actions/jobs/{id}"))
            .send_json()
            .await
    }

    async fn default_branch(&self, repo: &str) -> Result<String> {
        let r: wire::Repository = self.http.get(repo).send_json().await?;
        Ok(r.default_branch)
    }

    /// The newest `workflow_dispatch` runs of `workflow` on `branch`.
    async fn dispatch_runs(
        &self,
        repo: &str,
        workflow: &str,
        branch: &str,
        created_since: Option<&str>,
    ) -> Result<Vec<wire::Run>> {
        let runs: wire::Listing<wire::Run> = self
            .http
            .get(&format!(
                "{repo}/actions/workflows/{}/runs",
                segment(workflow)
            ))
            .query("event", "workflow_dispatch")
            .query("branch", branch)
            .query_opt("created", created_since.map(|t| format!(">={t}")))
            .query("per_page", 20)
            .send_json()
            .await?;
        Ok(runs.items)
    }

    /// Dispatch `workflow` for `reference` and return the run it started.
    async fn dispatch(
        &self,
        project: &str,
        workflow: &str,
        reference: Option<&str>,
        inputs: &std::collections::BTreeMap<String, String>,
    ) -> Result<Pipeline> {
        let repo = repo_path(project)?;
        require("definition", workflow)?;
        let reference = match reference {
            Some(r) => {
                require("reference", r)?;
                r.to_owned()
            }
            None => self.default_branch(&repo).await?,
        };
        // Without run details the new run is the one not seen before.
        let before: HashSet<u64> = if self.run_details {
            HashSet::new()
        } else {
            self.dispatch_runs(&repo, workflow, &reference, None)
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        let resp = self
            .http
            .post(&format!(
                "{repo}/actions/workflows/{}/dispatches",
                segment(workflow)
            ))
            .json(&wire::Dispatch {
                reference: &reference,
                inputs,
                return_run_details: self.run_details,
            })
            .send()
            .await?;
        if resp.status() == http::StatusCode::OK && !resp.body().is_empty() {
            let details: wire::DispatchDetails = resp.json()?;
            return self.run(&repo, project, details.workflow_run_id).await;
        }
        // The server's clock, a little before the dispatch was answered.
        let since = resp
            .header("date")
            .and_then(|d| httpdate::parse_http_date(d).ok())
            .map(|t| t - std::time::Duration::from_secs(5))
            .map(|t| humantime::format_rfc3339_seconds(t).to_string());
        let floor = before.iter().copied().max().unwrap_or(0);
        let found = ci::poll_until(self.poll, || {
            let (repo, reference, since, before) = (&repo, &reference, &since, &before);
            async move {
                let runs = self
                    .dispatch_runs(repo, workflow, reference, since.as_deref())
                    .await?;
                Ok(runs
                    .into_iter()
                    .filter(|r| r.id > floor && !before.contains(&r.id))
                    .min_by_key(|r| r.id))
            }
        })
        .await?;
        match found {
            Some(r) => Ok(map::pipeline(project, r)),
            None => Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "workflow `{workflow}` was dispatched for `{reference}`, but its run did not appear within {:?}",
                    self.poll.timeout()
                ),
            )
            .with_provider(PROVIDER)),
        }
    }

    async fn environment(&self, repo: &str, name: &str) -> Result<wire::Environment> {
        self.http
            .get(&format!("{repo}/environments/{}", segment(name)))
            .send_json()
            .await
    }

    fn no_url(url: &Option<String>) -> Result<()> {
        if url.is_some() {
            return Err(Error::invalid_input(
                "url",
                "GitHub environments have no external URL (deployments carry one)",
            ));
        }
        Ok(())
    }

    async fn download(&self, path: &str, accept: &str) -> Result<ci::raw::Fetched> {
        ci::raw::get(
            &self.http,
            path,
            &[
                (ACCEPT, accept),
                (
                    HeaderName::from_static("x-github-api-version"),
                    super::API_VERSION,
                ),
            ],
        )
        .await
    }
}

#[async_trait]
impl CiCdProvider for GitHubActions {
    /// All operations, except `create_pipeline` when no default workflow
    /// is configured.
    fn capabilities(&self) -> Capabilities {
        let all = Capabilities::all::<CiCdOp>();
        if self.default_workflow.is_some() {
            all
        } else {
            all.without(CiCdOp::CreatePipeline)
        }
    }

    async fn list_definitions(&self, p: ListDefinitions) -> Result<Page<PipelineDefinition>> {
        let repo = repo_path(&p.project)?;
        let page = self
            .list(&format!("{repo}/actions/workflows"), &p.page)
            .await?;
        Ok(page.map(map::definition))
    }

    async fn get_definition(&self, p: DefinitionRef) -> Result<PipelineDefinition> {
        let repo = repo_path(&p.project)?;
        require("id", &p.id)?;
        let w: wire::Workflow = self
            .http
            .get(&format!("{repo}/actions/workflows/{}", segment(&p.id)))
            .send_json()
            .await?;
        Ok(map::definition(w))
    }

    async fn create_pipeline(&self, p: CreatePipeline) -> Result<Pipeline> {
        let Some(workflow) = self.default_workflow.clone() else {
            return Err(Error::unsupported("cicd.pipeline.create").with_provider(PROVIDER));
        };
        require("reference", &p.reference)?;
        self.dispatch(&p.project, &workflow, Some(&p.reference), &p.variables)
            .await
    }

    async fn trigger_pipeline(&self, p: TriggerPipeline) -> Result<Pipeline> {
        self.dispatch(&p.project, &p.definition, p.reference.as_deref(), &p.inputs)
            .await
    }

    async fn get_pipeline(&self, p: PipelineRef) -> Result<Pipeline> {
        let repo = repo_path(&p.project)?;
        self.run(&repo, &p.project, number("id", &p.id)?).await
    }

    async fn cancel_pipeline(&self, p: PipelineRef) -> Result<Pipeline> {
        let repo = repo_path(&p.project)?;
        let id = number("id", &p.id)?;
        self.http
            .post(&format!("{repo}/actions/runs/{id}/cancel"))
            .send_unit()
            .await?;
        self.run(&repo, &p.project, id).await
    }

    async fn retry_pipeline(&self, p: RetryPipeline) -> Result<Pipeline> {
        let repo = repo_path(&p.project)?;
        let id = number("id", &p.id)?;
        let what = if p.failed_only {
            "rerun-failed-jobs"
        } else {
            "rerun"
        };
        self.http
            .post(&format!("{repo}/actions/runs/{id}/{what}"))
            .send_unit()
            .await?;
        self.run(&repo, &p.project, id).await
    }

    async fn list_pipelines(&self, p: ListPipelines) -> Result<Page<Pipeline>> {
        let repo = repo_path(&p.project)?;
        let path = match &p.definition {
            Some(d) => {
                require("definition", d)?;
                format!("{repo}/actions/workflows/{}/runs", segment(d))
            }
            None => format!("{repo}/actions/runs"),
        };
        let (status_word, filter_here) = match p.status {
            Some(s) => run_status_query(s),
            None => (None, false),
        };
        let page = self
            .http
            .get(&path)
            .query_opt("branch", p.reference.as_deref())
            .query_opt("status", status_word)
            .paged(&p.page)
            .send_page_as::<wire::Listing<_>>()
            .await?;
        let mut page = page.map(|r| map::pipeline(&p.project, r));
        if let (Some(s), true) = (p.status, filter_here) {
            page.items.retain(|r| r.status == s);
            page.total = None;
        }
        Ok(page)
    }

    async fn get_log(&self, p: GetLog) -> Result<Log> {
        let repo = repo_path(&p.project)?;
        match &p.job {
            None => {
                let id = number("pipeline", &p.pipeline)?;
                // The state first: a log read after a finished state is whole.
                let run = self.run(&repo, &p.project, id).await?;
                let fetched = self
                    .download(
                        &format!("{repo}/actions/runs/{id}/logs"),
                        "application/vnd.github+json",
                    )
                    .await?;
                let entries = logs::extract(&fetched.body, self.max_log_bytes)?;
                Ok(ci::log::slice(
                    &logs::join(&entries),
                    p.offset,
                    run.status.is_finished(),
                ))
            }
            Some(job) => {
                let id = number("job", job)?;
                let j = map::job(self.job(&repo, id).await?);
                if !p.pipeline.is_empty() && j.pipeline_id != p.pipeline.trim() {
                    return Err(Error::not_found(format!(
                        "job {id} is not part of run {}",
                        p.pipeline
                    ))
                    .with_provider(PROVIDER));
                }
                let fetched = self
                    .download(
                        &format!("{repo}/actions/jobs/{id}/logs"),
                        "application/vnd.github+json",
                    )
                    .await?;
                Ok(ci::log::slice_bytes(
                    &fetched.body,
                    p.offset,
                    j.status.is_finished(),
                ))
            }
        }
    }

    async fn list_artifacts(&self, p: ListArtifacts) -> Result<Page<Artifact>> {
        let repo = repo_path(&p.project)?;
        let id = number("pipeline", &p.pipeline)?;
        let page = self
            .list(&format!("{repo}/actions/runs/{id}/artifacts"), &p.page)
            .await?;
        Ok(page.map(map::artifact))
    }

    async fn download_artifact(&self, p: ArtifactRef) -> Result<ArtifactData> {
        let repo = repo_path(&p.project)?;
        let id = number("id", &p.id)?;
        let meta: wire::Artifact = self
            .http
            .get(&format!("{repo}/actions/artifacts/{id}"))
            .send_json()
            .await?;
        let run = meta.workflow_run.as_ref().and_then(|r| r.id);
        if !p.pipeline.trim().is_empty()
            && run.map(|r| r.to_string()) != Some(p.pipeline.trim().to_owned())
        {
            return Err(Error::not_found(format!(
                "artifact {id} does not belong to run {}",
                p.pipeline
            ))
            .with_provider(PROVIDER));
        }
        if meta.expired {
            return Err(Error::not_found(format!("artifact {id} has expired"))
                .with_provider(PROVIDER)
                .with_status(410));
        }
        let fetched = self
            .download(
                &format!("{repo}/actions/artifacts/{id}/zip"),
                "application/vnd.github+json",
            )
            .await?;
        Ok(ArtifactData {
            name: format!("{}.zip", meta.name),
            content: fetched.body.to_vec(),
        })
    }

    async fn get_job(&self, p: JobRef) -> Result<Job> {
        let repo = repo_path(&p.project)?;
        Ok(map::job(self.job(&repo, number("id", &p.id)?).await?))
    }

    async fn rerun_job(&self, p: JobRef) -> Result<Job> {
        let repo = repo_path(&p.project)?;
        let id = number("id", &p.id)?;
        let old = self.job(&repo, id).await?;
        self.http
            .post(&format!("{repo}/actions/jobs/{id}/rerun"))
            .send_unit()
            .await?;
        // The re-run is a new job (new id) in the run's next attempt.
        let latest: wire::Listing<wire::Job> = self
            .http
            .get(&format!("{repo}/actions/runs/{}/jobs", old.run_id))
            .query("filter", "latest")
            .query("per_page", 100)
            .send_json()
            .await?;
        let newer = latest
            .items
            .into_iter()
            .find(|j| j.name == old.name && j.id != old.id);
        match newer {
            Some(j) => Ok(map::job(j)),
            None => Ok(map::job(self.job(&repo, id).await?)),
        }
    }

    async fn list_jobs(&self, p: ListJobs) -> Result<Page<Job>> {
        let repo = repo_path(&p.project)?;
        let id = number("pipeline", &p.pipeline)?;
        let page = self
            .list(&format!("{repo}/actions/runs/{id}/jobs"), &p.page)
            .await?;
        Ok(page.map(map::job))
    }

    async fn create_environment(&self, p: WriteEnvironment) -> Result<Environment> {
        let repo = repo_path(&p.project)?;
        require("name", &p.name)?;
        Self::no_url(&p.url)?;
        match self.environment(&repo, &p.name).await {
            Ok(_) => {
                return Err(
                    Error::conflict(format!("environment `{}` already exists", p.name))
                        .with_provider(PROVIDER),
                );
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        let e: wire::Environment = self
            .http
            .put(&format!("{repo}/environments/{}", segment(&p.name)))
            .json(&serde_json::json!({}))
            .send_json()
            .await?;
        Ok(map::environment(e))
    }

    /// GitHub environments carry nothing Mosaic can change besides a URL
    /// they do not have: this confirms the environment exists and returns
    /// it (`NotFound` otherwise); a `url` is `InvalidInput`.
    async fn update_environment(&self, p: WriteEnvironment) -> Result<Environment> {
        let repo = repo_path(&p.project)?;
        require("name", &p.name)?;
        Self::no_url(&p.url)?;
        Ok(map::environment(self.environment(&repo, &p.name).await?))
    }

    async fn delete_environment(&self, p: EnvironmentRef) -> Result<()> {
        let repo = repo_path(&p.project)?;
        require("name", &p.name)?;
        self.http
            .delete(&format!("{repo}/environments/{}", segment(&p.name)))
            .send_unit()
            .await
    }

    async fn list_environments(&self, p: ListEnvironments) -> Result<Page<Environment>> {
        let repo = repo_path(&p.project)?;
        let page = self.list(&format!("{repo}/environments"), &p.page).await?;
        Ok(page.map(map::environment))
    }

    async fn create_secret(&self, p: WriteSecret) -> Result<SecretInfo> {
        self.put_secret(p, false).await
    }

    async fn update_secret(&self, p: WriteSecret) -> Result<SecretInfo> {
        self.put_secret(p, true).await
    }

    async fn delete_secret(&self, p: SecretRef) -> Result<()> {
        let repo = repo_path(&p.project)?;
        require("name", &p.name)?;
        let base = Self::secrets_path(&repo, p.environment.as_deref())?;
        self.http
            .delete(&format!("{base}/{}", segment(&p.name)))
            .send_unit()
            .await
    }

    async fn list_secrets(&self, p: ListSecrets) -> Result<Page<SecretInfo>> {
        let repo = repo_path(&p.project)?;
        let base = Self::secrets_path(&repo, p.environment.as_deref())?;
        let page = self.list(&base, &p.page).await?;
        let env = p.environment.as_deref();
        Ok(page.map(|s| map::secret(s, env)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_are_owner_and_repo() {
        assert_eq!(repo_path("octo/hello").unwrap(), "/repos/octo/hello");
        assert_eq!(repo_path("o c/h%").unwrap(), "/repos/o%20c/h%25");
        for bad in ["", "octo", "octo/", "/hello", "a/b/c"] {
            assert_eq!(
                repo_path(bad).unwrap_err().field(),
                Some("project"),
                "{bad}"
            );
        }
    }

    #[test]
    fn status_queries() {
        use PipelineStatus::*;
        assert_eq!(run_status_query(Running), (Some("in_progress"), false));
        assert_eq!(run_status_query(Skipped), (Some("skipped"), false));
        assert_eq!(run_status_query(Failure), (Some("completed"), true));
        assert_eq!(run_status_query(Success), (Some("completed"), true));
        assert_eq!(run_status_query(Cancelled), (Some("completed"), true));
        assert_eq!(run_status_query(Queued), (None, true));
        assert_eq!(run_status_query(Manual), (None, true));
    }
}
