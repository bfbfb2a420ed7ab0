//! [`CiCdProvider`] for [`GitLabCi`], over REST v4.

use async_trait::async_trait;
use http::header::ACCEPT;
use mosaic_core::cicd::*;
use mosaic_core::{Capabilities, Error, Page, PageRequest, Result};

use super::{DEFAULT_CI_CONFIG, GitLabCi, map, wire};
use super::{PAGE_SIZE, PROVIDER};
use crate::ci::status::single_word;
use crate::ci::{self, number, require};
use crate::http::path::segment;

/// `/projects/{url-encoded path or id}`.
fn project_path(project: &str) -> Result<String> {
    let p = project.trim().trim_matches('/');
    require("project", p)?;
    Ok(format!("/projects/{}", segment(p)))
}

/// Variable keys GitLab accepts: letters, digits and `_`, at most 255.
fn check_key(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 255 {
        return Err(Error::invalid_input(
            "name",
            "must have 1 to 255 characters",
        ));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(Error::invalid_input(
            "name",
            "may only contain letters, digits and `_`",
        ));
    }
    Ok(())
}

fn scope(environment: Option<&str>) -> &str {
    match environment {
        Some(e) if !e.trim().is_empty() => e,
        _ => "*",
    }
}

fn definition(p: &wire::Project) -> PipelineDefinition {
    let path = p
        .ci_config_path
        .clone()
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_CI_CONFIG.to_owned());
    let enabled = match p.builds_access_level.as_deref() {
        Some(level) => level != "disabled",
        None => p.jobs_enabled.unwrap_or(true),
    };
    PipelineDefinition {
        id: path.clone(),
        name: path.clone(),
        path: Some(path),
        enabled,
        web_url: p.web_url.as_ref().map(|u| format!("{u}/-/pipelines")),
    }
}

impl GitLabCi {
    /// One page of the JSON array at `path` (continued by `Link`).
    async fn list<W: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        page: &PageRequest,
    ) -> Result<Page<W>> {
        self.http.get(path).paged(page).send_page().await
    }

    async fn project(&self, proj: &str) -> Result<wire::Project> {
        self.http.get(proj).send_json().await
    }

    /// The project and its one definition, checking `id` names it.
    async fn definition_checked(
        &self,
        proj: &str,
        id: &str,
    ) -> Result<(wire::Project, PipelineDefinition)> {
        require("definition", id)?;
        let p = self.project(proj).await?;
        let d = definition(&p);
        if d.id != id.trim() {
            return Err(Error::not_found(format!(
                "the project's CI/CD definition is `{}`, not `{id}`",
                d.id
            ))
            .with_provider(PROVIDER));
        }
        Ok((p, d))
    }

    async fn pipeline(&self, proj: &str, project: &str, id: u64) -> Result<Pipeline> {
        let p: wire::Pipeline = self
            .http
            .get(&format!("{proj}/pipelines/{id}"))
            .send_json()
            .await?;
        Ok(map::pipeline(project, p))
    }

    async fn job(&self, proj: &str, id: u64) -> Result<wire::Job> {
        self.http
            .get(&format!("{proj}/jobs/{id}"))
            .send_json()
            .await
    }

    async fn start(
        &self,
        proj: &str,
        project: &str,
        reference: &str,
        variables: Vec<wire::PipelineVariable>,
        inputs: &std::collections::BTreeMap<String, String>,
    ) -> Result<Pipeline> {
        let p: wire::Pipeline = self
            .http
            .post(&format!("{proj}/pipeline"))
            .json(&wire::CreatePipeline {
                reference,
                variables,
                inputs,
            })
            .send_json()
            .await?;
        Ok(map::pipeline(project, p))
    }

    /// Every job of a pipeline (up to `max_job_pages` pages of 100).
    async fn all_jobs(&self, proj: &str, pipeline: u64) -> Result<Vec<wire::Job>> {
        let mut out = Vec::new();
        let mut page = mosaic_core::PageRequest::with_size(PAGE_SIZE.max);
        for _ in 0..self.max_job_pages {
            let jobs = self
                .http
                .get(&format!("{proj}/pipelines/{pipeline}/jobs"))
                .paged(&page)
                .send_page::<wire::Job>()
                .await?;
            out.extend(jobs.items);
            match jobs.next {
                Some(c) => page.cursor = Some(c),
                None => return Ok(out),
            }
        }
        Err(Error::invalid_input(
            "pipeline",
            format!(
                "the pipeline has more than {} pages of jobs; read the jobs' logs one by one",
                self.max_job_pages
            ),
        )
        .with_provider(PROVIDER))
    }

    /// A job's trace, or `None` when it has none (never ran).
    async fn trace(&self, proj: &str, id: u64) -> Result<Option<bytes::Bytes>> {
        match self
            .http
            .get(&format!("{proj}/jobs/{id}/trace"))
            .accept("text/plain")
            .send()
            .await
        {
            Ok(r) => Ok(Some(r.body().clone())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn environment_by_name(
        &self,
        proj: &str,
        name: &str,
    ) -> Result<Option<wire::Environment>> {
        let found: Vec<wire::Environment> = self
            .http
            .get(&format!("{proj}/environments"))
            .query("name", name)
            .send_json()
            .await?;
        Ok(found.into_iter().find(|e| e.name == name))
    }

    async fn environment_required(&self, proj: &str, name: &str) -> Result<wire::Environment> {
        self.environment_by_name(proj, name).await?.ok_or_else(|| {
            Error::not_found(format!("environment `{name}` does not exist")).with_provider(PROVIDER)
        })
    }

    async fn variable(&self, proj: &str, key: &str, scope: &str) -> Result<wire::Variable> {
        self.http
            .get(&format!("{proj}/variables/{}", segment(key)))
            .query("filter[environment_scope]", scope)
            .send_json()
            .await
    }
}

#[async_trait]
impl CiCdProvider for GitLabCi {
    fn capabilities(&self) -> Capabilities {
        GitLabCi::operations()
    }

    async fn list_definitions(&self, p: ListDefinitions) -> Result<Page<PipelineDefinition>> {
        let proj = project_path(&p.project)?;
        let project = self.project(&proj).await?;
        Page::slice(vec![definition(&project)], &p.page, PAGE_SIZE.default)
    }

    async fn get_definition(&self, p: DefinitionRef) -> Result<PipelineDefinition> {
        let proj = project_path(&p.project)?;
        Ok(self.definition_checked(&proj, &p.id).await?.1)
    }

    async fn create_pipeline(&self, p: CreatePipeline) -> Result<Pipeline> {
        let proj = project_path(&p.project)?;
        require("reference", &p.reference)?;
        let variables = p
            .variables
            .into_iter()
            .map(|(key, value)| wire::PipelineVariable {
                key,
                value,
                variable_type: None,
            })
            .collect();
        self.start(
            &proj,
            &p.project,
            &p.reference,
            variables,
            &Default::default(),
        )
        .await
    }

    async fn trigger_pipeline(&self, p: TriggerPipeline) -> Result<Pipeline> {
        let proj = project_path(&p.project)?;
        let (project, _) = self.definition_checked(&proj, &p.definition).await?;
        let reference = match p.reference {
            Some(r) => {
                require("reference", &r)?;
                r
            }
            None => project.default_branch.ok_or_else(|| {
                Error::invalid_input("reference", "the project has no default branch; name one")
            })?,
        };
        self.start(&proj, &p.project, &reference, Vec::new(), &p.inputs)
            .await
    }

    async fn get_pipeline(&self, p: PipelineRef) -> Result<Pipeline> {
        let proj = project_path(&p.project)?;
        self.pipeline(&proj, &p.project, number("id", &p.id)?).await
    }

    async fn cancel_pipeline(&self, p: PipelineRef) -> Result<Pipeline> {
        let proj = project_path(&p.project)?;
        let id = number("id", &p.id)?;
        let out: wire::Pipeline = self
            .http
            .post(&format!("{proj}/pipelines/{id}/cancel"))
            .send_json()
            .await?;
        Ok(map::pipeline(&p.project, out))
    }

    async fn retry_pipeline(&self, p: RetryPipeline) -> Result<Pipeline> {
        let proj = project_path(&p.project)?;
        let id = number("id", &p.id)?;
        if p.failed_only {
            let out: wire::Pipeline = self
                .http
                .post(&format!("{proj}/pipelines/{id}/retry"))
                .send_json()
                .await?;
            return Ok(map::pipeline(&p.project, out));
        }
        let old = self.pipeline(&proj, &p.project, id).await?;
        let reference = old.reference.ok_or_else(|| {
            Error::conflict(format!("pipeline {id} has no ref to run again"))
                .with_provider(PROVIDER)
        })?;
        let variables: Vec<wire::PipelineVariable> = self
            .http
            .get(&format!("{proj}/pipelines/{id}/variables"))
            .send_json()
            .await?;
        self.start(
            &proj,
            &p.project,
            &reference,
            variables,
            &Default::default(),
        )
        .await
    }

    async fn list_pipelines(&self, p: ListPipelines) -> Result<Page<Pipeline>> {
        let proj = project_path(&p.project)?;
        if let Some(d) = &p.definition {
            self.definition_checked(&proj, d).await?;
        }
        let exact = p.status.and_then(|s| single_word(map::STATUSES, s));
        let filter_here = p.status.is_some() && exact.is_none();
        let mut page = self
            .http
            .get(&format!("{proj}/pipelines"))
            .query_opt("ref", p.reference.as_deref())
            .query_opt("status", exact)
            .paged(&p.page)
            .send_page::<wire::Pipeline>()
            .await?
            .map(|w| map::pipeline(&p.project, w));
        if let (Some(s), true) = (p.status, filter_here) {
            page.items.retain(|x| x.status == s);
            page.total = None;
        }
        Ok(page)
    }

    async fn get_log(&self, p: GetLog) -> Result<Log> {
        let proj = project_path(&p.project)?;
        let pipeline = number("pipeline", &p.pipeline)?;
        match &p.job {
            Some(job) => {
                let id = number("job", job)?;
                let j = self.job(&proj, id).await?;
                if j.pipeline.id != pipeline {
                    return Err(Error::not_found(format!(
                        "job {id} is not part of pipeline {pipeline}"
                    ))
                    .with_provider(PROVIDER));
                }
                let finished = map::status(&j.status).is_finished();
                let text = self.trace(&proj, id).await?.unwrap_or_default();
                Ok(ci::log::slice_bytes(&text, p.offset, finished))
            }
            None => {
                let run = self.pipeline(&proj, &p.project, pipeline).await?;
                let mut jobs = self.all_jobs(&proj, pipeline).await?;
                jobs.sort_by_key(|j| j.id);
                let mut all: Vec<u8> = Vec::new();
                for j in &jobs {
                    let Some(text) = self.trace(&proj, j.id).await? else {
                        continue;
                    };
                    let header = format!(
                        "=== {} / {} (job {}) ===\n",
                        j.stage.as_deref().unwrap_or("-"),
                        j.name,
                        j.id
                    );
                    all.extend_from_slice(header.as_bytes());
                    all.extend_from_slice(&text);
                    if !text.ends_with(b"\n") {
                        all.push(b'\n');
                    }
                }
                Ok(ci::log::slice_bytes(
                    &all,
                    p.offset,
                    run.status.is_finished(),
                ))
            }
        }
    }

    async fn list_artifacts(&self, p: ListArtifacts) -> Result<Page<Artifact>> {
        let proj = project_path(&p.project)?;
        let pipeline = number("pipeline", &p.pipeline)?;
        let jobs = self
            .list::<wire::Job>(&format!("{proj}/pipelines/{pipeline}/jobs"), &p.page)
            .await?;
        let items = jobs.items.iter().filter_map(map::artifact).collect();
        Ok(Page::new(items, jobs.next))
    }

    async fn download_artifact(&self, p: ArtifactRef) -> Result<ArtifactData> {
        let proj = project_path(&p.project)?;
        let id = number("id", &p.id)?;
        let j = self.job(&proj, id).await?;
        if !p.pipeline.trim().is_empty() && j.pipeline.id.to_string() != p.pipeline.trim() {
            return Err(Error::not_found(format!(
                "job {id} is not part of pipeline {}",
                p.pipeline
            ))
            .with_provider(PROVIDER));
        }
        let Some(file) = j.artifacts_file else {
            return Err(
                Error::not_found(format!("job {id} has no artifacts archive"))
                    .with_provider(PROVIDER),
            );
        };
        let fetched = ci::raw::get(
            &self.http,
            &format!("{proj}/jobs/{id}/artifacts"),
            &[(ACCEPT, "*/*")],
        )
        .await?;
        Ok(ArtifactData {
            name: file.filename,
            content: fetched.body.to_vec(),
        })
    }

    async fn get_job(&self, p: JobRef) -> Result<Job> {
        let proj = project_path(&p.project)?;
        Ok(map::job(self.job(&proj, number("id", &p.id)?).await?))
    }

    async fn rerun_job(&self, p: JobRef) -> Result<Job> {
        let proj = project_path(&p.project)?;
        let id = number("id", &p.id)?;
        let j = self.job(&proj, id).await?;
        let action = if j.status == "manual" {
            "play"
        } else {
            "retry"
        };
        let out: wire::Job = self
            .http
            .post(&format!("{proj}/jobs/{id}/{action}"))
            .send_json()
            .await?;
        Ok(map::job(out))
    }

    async fn list_jobs(&self, p: ListJobs) -> Result<Page<Job>> {
        let proj = project_path(&p.project)?;
        let pipeline = number("pipeline", &p.pipeline)?;
        let jobs = self
            .list::<wire::Job>(&format!("{proj}/pipelines/{pipeline}/jobs"), &p.page)
            .await?;
        Ok(jobs.map(map::job))
    }

    async fn create_environment(&self, p: WriteEnvironment) -> Result<Environment> {
        let proj = project_path(&p.project)?;
        require("name", &p.name)?;
        if self.environment_by_name(&proj, &p.name).await?.is_some() {
            return Err(
                Error::conflict(format!("environment `{}` already exists", p.name))
                    .with_provider(PROVIDER),
            );
        }
        let e: wire::Environment = self
            .http
            .post(&format!("{proj}/environments"))
            .json(&wire::WriteEnvironment {
                name: Some(&p.name),
                external_url: p.url.as_deref(),
            })
            .send_json()
            .await?;
        Ok(map::environment(e))
    }

    /// Sets the external URL (`None` clears it).
    async fn update_environment(&self, p: WriteEnvironment) -> Result<Environment> {
        let proj = project_path(&p.project)?;
        require("name", &p.name)?;
        let existing = self.environment_required(&proj, &p.name).await?;
        let e: wire::Environment = self
            .http
            .put(&format!("{proj}/environments/{}", existing.id))
            .json(&wire::WriteEnvironment {
                name: None,
                external_url: Some(p.url.as_deref().unwrap_or("")),
            })
            .send_json()
            .await?;
        Ok(map::environment(e))
    }

    async fn delete_environment(&self, p: EnvironmentRef) -> Result<()> {
        let proj = project_path(&p.project)?;
        require("name", &p.name)?;
        let e = self.environment_required(&proj, &p.name).await?;
        if e.state.as_deref() == Some("available") {
            self.http
                .post(&format!("{proj}/environments/{}/stop", e.id))
                .send_unit()
                .await?;
        }
        self.http
            .delete(&format!("{proj}/environments/{}", e.id))
            .send_unit()
            .await
    }

    async fn list_environments(&self, p: ListEnvironments) -> Result<Page<Environment>> {
        let proj = project_path(&p.project)?;
        let envs = self
            .list::<wire::Environment>(&format!("{proj}/environments"), &p.page)
            .await?;
        Ok(envs.map(map::environment))
    }

    async fn create_secret(&self, p: WriteSecret) -> Result<SecretInfo> {
        let proj = project_path(&p.project)?;
        check_key(&p.name)?;
        let scope = scope(p.environment.as_deref());
        match self.variable(&proj, &p.name, scope).await {
            Ok(_) => {
                return Err(Error::conflict(format!(
                    "variable `{}` already exists for scope `{scope}`",
                    p.name
                ))
                .with_provider(PROVIDER));
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        let v: wire::Variable = self
            .http
            .post(&format!("{proj}/variables"))
            .json(&wire::PutVariable {
                key: Some(&p.name),
                value: p.value.expose(),
                masked: p.masked,
                protected: p.protected,
                environment_scope: scope,
            })
            .send_json()
            .await?;
        Ok(map::secret(v))
    }

    async fn update_secret(&self, p: WriteSecret) -> Result<SecretInfo> {
        let proj = project_path(&p.project)?;
        check_key(&p.name)?;
        let scope = scope(p.environment.as_deref());
        let v: wire::Variable = self
            .http
            .put(&format!("{proj}/variables/{}", segment(&p.name)))
            .query("filter[environment_scope]", scope)
            .json(&wire::PutVariable {
                key: None,
                value: p.value.expose(),
                masked: p.masked,
                protected: p.protected,
                environment_scope: scope,
            })
            .send_json()
            .await?;
        Ok(map::secret(v))
    }

    async fn delete_secret(&self, p: SecretRef) -> Result<()> {
        let proj = project_path(&p.project)?;
        check_key(&p.name)?;
        self.http
            .delete(&format!("{proj}/variables/{}", segment(&p.name)))
            .query("filter[environment_scope]", scope(p.environment.as_deref()))
            .send_unit()
            .await
    }

    async fn list_secrets(&self, p: ListSecrets) -> Result<Page<SecretInfo>> {
        let proj = project_path(&p.project)?;
        let mut page = self
            .list::<wire::Variable>(&format!("{proj}/variables"), &p.page)
            .await?
            .map(map::secret);
        if let Some(env) = p.environment.as_deref() {
            let want = scope(Some(env));
            page.items
                .retain(|s| s.environment.as_deref().unwrap_or("*") == want);
            page.total = None;
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_and_keys() {
        assert_eq!(
            project_path("group/sub/app").unwrap(),
            "/projects/group%2Fsub%2Fapp"
        );
        assert_eq!(project_path("42").unwrap(), "/projects/42");
        assert_eq!(project_path(" / ").unwrap_err().field(), Some("project"));
        check_key("DEPLOY_TOKEN_1").unwrap();
        for bad in ["", "A-B", "A B", &"x".repeat(256)] {
            assert_eq!(check_key(bad).unwrap_err().field(), Some("name"));
        }
        assert_eq!(scope(None), "*");
        assert_eq!(scope(Some(" ")), "*");
        assert_eq!(scope(Some("production")), "production");
    }
}
