//! [`CiCdProvider`] for [`Jenkins`], over the remote access API.

use async_trait::async_trait;
use mosaic_core::cicd::*;
use mosaic_core::{Capabilities, Cursor, Error, ErrorKind, Page, PageRequest, Result};

use super::PROVIDER;
use super::{Jenkins, map, wire};
use crate::ci::{self, require};
use crate::http::path::{path as enc_path, segment};

const PER_PAGE: u32 = 50;
const MAX_PER_PAGE: u32 = 500;

const JOB_TREE: &str = "_class,name,fullName,url,color,buildable";
const BUILD_FIELDS: &str = "number,url,result,building,timestamp,duration,actions[_class,causes[_class,shortDescription],parameters[name,value],lastBuiltRevision[SHA1,branch[name]]]";

/// `/job/a/job/b` for the folder path `a/b` (empty for the root).
fn folder_path(project: &str) -> Result<String> {
    let mut out = String::new();
    for part in project.split('/').filter(|p| !p.trim().is_empty()) {
        out.push_str("/job/");
        out.push_str(&segment(part));
    }
    Ok(out)
}

/// The path of the job `job` (itself `a` or `a/branch`) under `project`.
fn job_path(project: &str, job: &str) -> Result<String> {
    require("definition", job)?;
    let mut out = folder_path(project)?;
    for part in job.split('/') {
        if part.trim().is_empty() {
            return Err(Error::invalid_input(
                "definition",
                format!("`{job}` is not a job path"),
            ));
        }
        out.push_str("/job/");
        out.push_str(&segment(part));
    }
    Ok(out)
}

/// A branch's job name in a multibranch project: `/` becomes `%2F`.
fn branch_job(reference: &str) -> String {
    reference.replace('%', "%25").replace('/', "%2F")
}

/// `(job, number)` of a pipeline id `job/number`.
fn split_build(field: &str, id: &str) -> Result<(String, u64)> {
    let bad = || {
        Error::invalid_input(
            field,
            format!("`{id}` is not a Jenkins build id (`<job>/<number>`)"),
        )
    };
    let (job, n) = id.trim().rsplit_once('/').ok_or_else(bad)?;
    let n = n.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(bad)?;
    if job.trim().is_empty() {
        return Err(bad());
    }
    Ok((job.to_owned(), n))
}

/// `(pipeline id, flow node id)` of a job id `job/number:node`.
fn split_stage(id: &str) -> Result<(String, String)> {
    let bad = || {
        Error::invalid_input(
            "id",
            format!("`{id}` is not a Jenkins stage id (`<job>/<number>:<node>`)"),
        )
    };
    let (pipeline, node) = id.trim().rsplit_once(':').ok_or_else(bad)?;
    if node.is_empty() || !node.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad());
    }
    split_build("id", pipeline)?;
    Ok((pipeline.to_owned(), node.to_owned()))
}

/// The queue id in a `Location: …/queue/item/N/` header.
fn queue_id(location: &str) -> Option<u64> {
    let rest = &location[location.find("/queue/item/")? + "/queue/item/".len()..];
    rest.split('/').next()?.parse().ok()
}

/// Offset cursors over Jenkins' `{from,to}` ranges.
fn offset(page: &PageRequest) -> Result<usize> {
    match &page.cursor {
        None => Ok(0),
        Some(c) => c.as_str().parse().map_err(|_| {
            Error::invalid_input(
                "page.cursor",
                format!("`{}` is not a cursor of this listing", c.as_str()),
            )
        }),
    }
}

/// The page of `items` fetched as `{from, from + size + 1}`.
fn ranged<T>(mut items: Vec<T>, from: usize, size: usize) -> Page<T> {
    let more = items.len() > size;
    items.truncate(size);
    Page::new(items, more.then(|| Cursor::new((from + size).to_string())))
}

fn param_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Jenkins {
    async fn fetch_build(&self, project: &str, job: &str, number: u64) -> Result<wire::Build> {
        self.http
            .get(&format!("{}/{number}/api/json", job_path(project, job)?))
            .query("tree", BUILD_FIELDS)
            .send_json()
            .await
    }

    async fn pipeline(&self, project: &str, job: &str, number: u64) -> Result<Pipeline> {
        Ok(map::pipeline(
            project,
            job,
            self.fetch_build(project, job, number).await?,
        ))
    }

    /// Queue a build of `job` and follow the queue item to its build.
    async fn start(
        &self,
        project: &str,
        job: &str,
        params: Vec<(String, String)>,
    ) -> Result<Pipeline> {
        let base = job_path(project, job)?;
        let resp = if params.is_empty() {
            self.post(&format!("{base}/build"), None).await?
        } else {
            self.post(&format!("{base}/buildWithParameters"), Some(&params))
                .await?
        };
        let id = resp.header("location").and_then(queue_id).ok_or_else(|| {
            Error::new(
                ErrorKind::Provider,
                "Jenkins queued the build but named no queue item (Location header)",
            )
            .with_provider(PROVIDER)
        })?;
        let number = ci::poll_until(self.poll, || async move {
            let q: wire::QueueItem = self
                .http
                .get(&format!("/queue/item/{id}/api/json"))
                .send_json()
                .await?;
            if q.cancelled == Some(true) {
                return Err(Error::new(
                    ErrorKind::Cancelled,
                    format!("queue item {} was cancelled before it started", q.id),
                )
                .with_provider(PROVIDER));
            }
            Ok(q.executable.map(|e| e.number))
        })
        .await?;
        match number {
            Some(n) => self.pipeline(project, job, n).await,
            None => Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "the build of `{job}` is still queued (queue item {id}) after {:?}",
                    self.poll.timeout()
                ),
            )
            .with_provider(PROVIDER)),
        }
    }
}

#[async_trait]
impl CiCdProvider for Jenkins {
    fn capabilities(&self) -> Capabilities {
        Jenkins::operations()
    }

    /// The folder's jobs (sub-folders are left out; pages may be short).
    async fn list_definitions(&self, p: ListDefinitions) -> Result<Page<PipelineDefinition>> {
        let folder = folder_path(&p.project)?;
        let from = offset(&p.page)?;
        let size = p.page.size_or(PER_PAGE, MAX_PER_PAGE) as usize;
        let f: wire::Folder = self
            .http
            .get(&format!("{folder}/api/json"))
            .query(
                "tree",
                format!("jobs[{JOB_TREE}]{{{from},{}}}", from + size + 1),
            )
            .send_json()
            .await?;
        let page = ranged(f.jobs, from, size);
        let next = page.next.clone();
        let items = page
            .items
            .into_iter()
            .filter(|j| j.buildable.is_some())
            .map(map::definition)
            .collect();
        Ok(Page::new(items, next))
    }

    async fn get_definition(&self, p: DefinitionRef) -> Result<PipelineDefinition> {
        let j: wire::JobItem = self
            .http
            .get(&format!("{}/api/json", job_path(&p.project, &p.id)?))
            .query("tree", JOB_TREE)
            .send_json()
            .await?;
        if j.buildable.is_none() {
            return Err(
                Error::not_found(format!("`{}` is a folder, not a job", p.id))
                    .with_provider(PROVIDER),
            );
        }
        let mut d = map::definition(j);
        d.id = p.id;
        Ok(d)
    }

    /// Builds the branch `reference` of the multibranch job `project`.
    async fn create_pipeline(&self, p: CreatePipeline) -> Result<Pipeline> {
        require("reference", &p.reference)?;
        require("project", &p.project)?;
        let params = p.variables.into_iter().collect();
        self.start(&p.project, &branch_job(&p.reference), params)
            .await
    }

    async fn trigger_pipeline(&self, p: TriggerPipeline) -> Result<Pipeline> {
        require("definition", &p.definition)?;
        let job = match &p.reference {
            Some(r) => {
                require("reference", r)?;
                format!("{}/{}", p.definition, branch_job(r))
            }
            None => p.definition.clone(),
        };
        self.start(&p.project, &job, p.inputs.into_iter().collect())
            .await
    }

    async fn get_pipeline(&self, p: PipelineRef) -> Result<Pipeline> {
        let (job, n) = split_build("id", &p.id)?;
        self.pipeline(&p.project, &job, n).await
    }

    async fn cancel_pipeline(&self, p: PipelineRef) -> Result<Pipeline> {
        let (job, n) = split_build("id", &p.id)?;
        self.post(&format!("{}/{n}/stop", job_path(&p.project, &job)?), None)
            .await?;
        self.pipeline(&p.project, &job, n).await
    }

    async fn retry_pipeline(&self, p: RetryPipeline) -> Result<Pipeline> {
        if p.failed_only {
            return Err(Error::invalid_input(
                "failed_only",
                "Jenkins has no remote API to re-run only failed stages",
            ));
        }
        let (job, n) = split_build("id", &p.id)?;
        let old = self.fetch_build(&p.project, &job, n).await?;
        let params: Vec<(String, String)> = old
            .actions
            .iter()
            .flat_map(|a| a.parameters.iter())
            .filter_map(|prm| {
                prm.value
                    .as_ref()
                    .and_then(param_text)
                    .map(|v| (prm.name.clone(), v))
            })
            .collect();
        self.start(&p.project, &job, params).await
    }

    /// Builds of one job (`definition` is required; with `reference`, of
    /// that branch of a multibranch job). A state filter is applied to each
    /// page here, so pages may be short.
    async fn list_pipelines(&self, p: ListPipelines) -> Result<Page<Pipeline>> {
        let Some(def) = p.definition.as_deref() else {
            return Err(Error::invalid_input(
                "definition",
                "Jenkins lists builds per job: name the job",
            ));
        };
        let job = match &p.reference {
            Some(r) => format!("{def}/{}", branch_job(r)),
            None => def.to_owned(),
        };
        let from = offset(&p.page)?;
        let size = p.page.size_or(PER_PAGE, MAX_PER_PAGE) as usize;
        let b: wire::Builds = self
            .http
            .get(&format!("{}/api/json", job_path(&p.project, &job)?))
            .query(
                "tree",
                format!("builds[{BUILD_FIELDS}]{{{from},{}}}", from + size + 1),
            )
            .send_json()
            .await?;
        let page = ranged(b.builds, from, size);
        let next = page.next.clone();
        let mut items: Vec<Pipeline> = page
            .items
            .into_iter()
            .map(|b| map::pipeline(&p.project, &job, b))
            .collect();
        if let Some(s) = p.status {
            items.retain(|x| x.status == s);
        }
        Ok(Page::new(items, next))
    }

    async fn get_log(&self, p: GetLog) -> Result<Log> {
        if p.job.is_some() {
            return Err(Error::invalid_input(
                "job",
                "Jenkins serves one console log per build; read it without a job",
            ));
        }
        let (job, n) = split_build("pipeline", &p.pipeline)?;
        let resp = self
            .http
            .get(&format!(
                "{}/{n}/logText/progressiveText",
                job_path(&p.project, &job)?
            ))
            .query("start", p.offset)
            .accept("text/plain")
            .send()
            .await?;
        let body = resp.body();
        let next_offset = resp
            .header("x-text-size")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(p.offset + body.len() as u64);
        let more = resp
            .header("x-more-data")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        Ok(Log {
            text: String::from_utf8_lossy(body).into_owned(),
            next_offset,
            complete: !more,
        })
    }

    async fn list_artifacts(&self, p: ListArtifacts) -> Result<Page<Artifact>> {
        let (job, n) = split_build("pipeline", &p.pipeline)?;
        let b: wire::Build = self
            .http
            .get(&format!("{}/{n}/api/json", job_path(&p.project, &job)?))
            .query("tree", "number,artifacts[fileName,relativePath]")
            .send_json()
            .await?;
        let items = b
            .artifacts
            .into_iter()
            .map(|a| Artifact {
                id: a.relative_path,
                name: a.file_name,
                size: None,
                expired: false,
            })
            .collect();
        Page::slice(items, &p.page, PER_PAGE)
    }

    async fn download_artifact(&self, p: ArtifactRef) -> Result<ArtifactData> {
        let (job, n) = split_build("pipeline", &p.pipeline)?;
        require("id", &p.id)?;
        let resp = self
            .http
            .get(&format!(
                "{}/{n}/artifact/{}",
                job_path(&p.project, &job)?,
                enc_path(p.id.trim_start_matches('/'))
            ))
            .accept("*/*")
            .send()
            .await?;
        let name = p.id.rsplit('/').next().unwrap_or(&p.id).to_owned();
        Ok(ArtifactData {
            name,
            content: resp.body().to_vec(),
        })
    }

    async fn get_job(&self, p: JobRef) -> Result<Job> {
        let (pipeline, node) = split_stage(&p.id)?;
        let (job, n) = split_build("id", &pipeline)?;
        let s: wire::Stage = self
            .http
            .get(&format!(
                "{}/{n}/execution/node/{}/wfapi/describe",
                job_path(&p.project, &job)?,
                segment(&node)
            ))
            .send_json()
            .await?;
        Ok(map::job(&pipeline, s))
    }

    /// The stages of a Pipeline build (needs the Pipeline Stage View
    /// plugin's `wfapi`; other builds are `NotFound`).
    async fn list_jobs(&self, p: ListJobs) -> Result<Page<Job>> {
        let (job, n) = split_build("pipeline", &p.pipeline)?;
        let d: wire::RunDescription = self
            .http
            .get(&format!(
                "{}/{n}/wfapi/describe",
                job_path(&p.project, &job)?
            ))
            .send_json()
            .await?;
        let pipeline = format!("{job}/{n}");
        let items = d
            .stages
            .into_iter()
            .map(|s| map::job(&pipeline, s))
            .collect();
        Page::slice(items, &p.page, PER_PAGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_ids() {
        assert_eq!(folder_path("").unwrap(), "");
        assert_eq!(
            folder_path("team/ser vices").unwrap(),
            "/job/team/job/ser%20vices"
        );
        assert_eq!(
            job_path("team", "app/main").unwrap(),
            "/job/team/job/app/job/main"
        );
        assert_eq!(job_path("", "app").unwrap(), "/job/app");
        assert_eq!(
            job_path("t", "a//b").unwrap_err().field(),
            Some("definition")
        );
        assert_eq!(branch_job("feature/x%y"), "feature%2Fx%25y");
        assert_eq!(
            job_path("", &format!("app/{}", branch_job("feature/x"))).unwrap(),
            "/job/app/job/feature%252Fx"
        );
        assert_eq!(
            split_build("id", "app/main/42").unwrap(),
            ("app/main".to_owned(), 42)
        );
        for bad in ["42", "/42", "app/", "app/x", "app/0"] {
            assert_eq!(
                split_build("id", bad).unwrap_err().field(),
                Some("id"),
                "{bad}"
            );
        }
        assert_eq!(
            split_stage("app/42:6").unwrap(),
            ("app/42".to_owned(), "6".to_owned())
        );
        for bad in ["app/42", "app/42:", "app:6", "app/42:6/x"] {
            assert!(split_stage(bad).is_err(), "{bad}");
        }
        assert_eq!(
            queue_id("https://ci.example.com/queue/item/123/"),
            Some(123)
        );
        assert_eq!(queue_id("http://h/jenkins/queue/item/7"), Some(7));
        assert_eq!(queue_id("http://h/job/x/"), None);
    }

    #[test]
    fn ranges_page() {
        let p = ranged(vec![1, 2, 3], 10, 2);
        assert_eq!(p.items, [1, 2]);
        assert_eq!(p.next, Some(Cursor::new("12")));
        let p = ranged(vec![1, 2], 10, 2);
        assert_eq!(p.next, None);
        assert!(
            offset(&PageRequest {
                cursor: Some("x".into()),
                per_page: None
            })
            .is_err()
        );
    }
}
