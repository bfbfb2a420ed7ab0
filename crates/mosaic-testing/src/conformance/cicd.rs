//! The conformance suite of [`CiCdProvider`].
//!
//! It runs against an existing project ([`CiCdSetup::project`]): pipelines
//! are created for [`CiCdSetup::reference`], polled until they finish
//! (sleeping [`CiCdSetup::poll_interval`] on tokio's clock, up to
//! [`CiCdSetup::max_wait`]), cancelled and retried; environments and
//! secrets named after [`CiCdSetup::prefix`] are created and deleted again.

use std::time::Duration;

use mosaic_core::cicd::*;
use mosaic_core::{Capabilities, ErrorKind, Family, PageRequest, Secret};

use super::{
    CheckResult, Ctx, Fail, Report, ensure, exactly_once, expect_invalid, expect_kind, need, pause,
    walk,
};

/// What the CI/CD suite needs to know about its environment.
#[derive(Debug, Clone)]
pub struct CiCdSetup {
    /// An existing project (`owner/repo`, group path, Jenkins folder).
    pub project: String,
    /// A branch or tag pipelines can run for. Default `main`.
    pub reference: String,
    /// A definition that can be triggered without inputs; `None` skips the
    /// trigger check. Default `ci`.
    pub definition: Option<String>,
    /// Prefix of environments and secrets the suite creates.
    pub prefix: String,
    /// Page size used to walk listings. Default 2.
    pub page_size: u32,
    /// How many environments the pagination check creates. Default 5.
    pub page_items: u32,
    /// Pause between polls of a running pipeline. Default 5 s.
    pub poll_interval: Duration,
    /// Give up waiting for a pipeline after this long. Default 30 min.
    pub max_wait: Duration,
}

impl Default for CiCdSetup {
    fn default() -> Self {
        CiCdSetup {
            project: "mosaic/conformance".to_owned(),
            reference: "main".to_owned(),
            definition: Some("ci".to_owned()),
            prefix: "mosaic_conformance".to_owned(),
            page_size: 2,
            page_items: 5,
            poll_interval: Duration::from_secs(5),
            max_wait: Duration::from_secs(30 * 60),
        }
    }
}

/// Run the suite against `provider`. See the [module docs](super).
pub async fn run<P: CiCdProvider + ?Sized>(provider: &P, setup: &CiCdSetup) -> Report {
    let caps = provider.capabilities();
    let c = C { setup, caps: &caps };
    let mut r = Report::new("cicd");
    r.record(
        "capabilities: they belong to the cicd family",
        if caps.family() == Family::CiCd {
            Ok(())
        } else {
            Err(Fail::Failed(format!(
                "capabilities are of family {}",
                caps.family()
            )))
        },
    );
    r.record(
        "unsupported operations answer Unsupported",
        super::unsupported(&caps, |op: CiCdOp| async move {
            CiCdRequest::with_defaults(op)
                .send_to(provider)
                .await
                .map(drop)
        })
        .await,
    );
    r.record(
        "pipelines: a missing one is NotFound",
        missing(provider, &c).await,
    );
    r.record(
        "pipelines: an empty reference is InvalidInput naming `reference`",
        invalid(provider, &c).await,
    );
    r.record(
        "definitions: listed ones can be fetched",
        definitions(provider, &c).await,
    );
    let finished = lifecycle(provider, &c).await;
    let finished_id = finished.as_ref().ok().cloned();
    r.record(
        "pipelines: a created run is fetched, listed once, finishes, with jobs and a complete log",
        finished.map(drop),
    );
    r.record(
        "pipelines: a triggered run runs its definition",
        trigger(provider, &c).await,
    );
    r.record(
        "pipelines: a cancelled run ends and stays ended",
        cancel(provider, &c).await,
    );
    r.record(
        "pipelines: retrying a finished run starts a new one",
        retry(provider, &c, finished_id).await,
    );
    r.record(
        "environments: create, list, update, delete; duplicates Conflict; empty names InvalidInput",
        environments(provider, &c).await,
    );
    r.record(
        "environments: pagination walks every environment exactly once",
        env_pages(provider, &c).await,
    );
    r.record(
        "secrets: create, list without values, update, delete",
        secrets(provider, &c).await,
    );
    r
}

struct C<'a> {
    setup: &'a CiCdSetup,
    caps: &'a Capabilities,
}

async fn missing<P: CiCdProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[CiCdOp::GetPipeline])?;
    expect_kind(
        "get_pipeline of a missing id",
        p.get_pipeline(PipelineRef::new(&c.setup.project, "987654321"))
            .await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}

async fn invalid<P: CiCdProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[CiCdOp::CreatePipeline])?;
    expect_invalid(
        "create_pipeline with an empty reference",
        p.create_pipeline(CreatePipeline {
            project: c.setup.project.clone(),
            reference: String::new(),
            variables: Default::default(),
        })
        .await,
        "reference",
    )
}

async fn definitions<P: CiCdProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[CiCdOp::ListDefinitions, CiCdOp::GetDefinition])?;
    let all = walk(
        "list_definitions",
        ListDefinitions {
            project: c.setup.project.clone(),
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_definitions(q),
    )
    .await?;
    let ids: Vec<String> = all.iter().map(|d| d.id.clone()).collect();
    exactly_once("list_definitions", &ids, &[])?;
    let Some(first) = all.first() else {
        return Err(Fail::Skipped("the project has no definition".into()));
    };
    let got = p
        .get_definition(DefinitionRef {
            project: c.setup.project.clone(),
            id: first.id.clone(),
        })
        .await
        .ctx("get_definition")?;
    ensure!(
        got.id == first.id && got.name == first.name,
        "get_definition returned {:?}, the listing {:?}",
        (got.id, got.name),
        (&first.id, &first.name)
    );
    Ok(())
}

async fn wait_finished<P: CiCdProvider + ?Sized>(
    p: &P,
    c: &C<'_>,
    id: &str,
) -> CheckResult<Pipeline> {
    let start = tokio::time::Instant::now();
    loop {
        let run = p
            .get_pipeline(PipelineRef::new(&c.setup.project, id))
            .await
            .ctx("get_pipeline")?;
        if run.status.is_finished() {
            return Ok(run);
        }
        if start.elapsed() >= c.setup.max_wait {
            super::fail!(
                "pipeline {id} is still {:?} after {:?}",
                run.status,
                c.setup.max_wait
            );
        }
        pause(c.setup.poll_interval).await;
    }
}

async fn lifecycle<P: CiCdProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult<String> {
    need(
        c.caps,
        &[
            CiCdOp::CreatePipeline,
            CiCdOp::GetPipeline,
            CiCdOp::ListPipelines,
        ],
    )?;
    let created = p
        .create_pipeline(CreatePipeline {
            project: c.setup.project.clone(),
            reference: c.setup.reference.clone(),
            variables: Default::default(),
        })
        .await
        .ctx("create_pipeline")?;
    ensure!(
        !created.id.is_empty(),
        "create_pipeline returned an empty id"
    );
    let got = p
        .get_pipeline(PipelineRef::new(&c.setup.project, &created.id))
        .await
        .ctx("get_pipeline")?;
    ensure!(got.id == created.id, "get_pipeline returned id {}", got.id);
    ensure!(
        got.reference
            .as_deref()
            .is_none_or(|r| r == c.setup.reference),
        "the run is for {:?}, not `{}`",
        got.reference,
        c.setup.reference
    );
    let listed = walk(
        "list_pipelines",
        ListPipelines {
            project: c.setup.project.clone(),
            reference: Some(c.setup.reference.clone()),
            page: PageRequest::with_size(c.setup.page_size),
            ..Default::default()
        },
        |q| p.list_pipelines(q),
    )
    .await?;
    let ids: Vec<String> = listed.iter().map(|x| x.id.clone()).collect();
    exactly_once("list_pipelines", &ids, std::slice::from_ref(&created.id))?;
    let done = wait_finished(p, c, &created.id).await?;
    ensure!(
        done.finished_at.is_some() || done.status == PipelineStatus::Skipped,
        "a finished run has no finished_at"
    );
    if c.caps.supports(CiCdOp::ListJobs) {
        let jobs = walk(
            "list_jobs",
            ListJobs {
                project: c.setup.project.clone(),
                pipeline: created.id.clone(),
                page: PageRequest::with_size(c.setup.page_size),
            },
            |q| p.list_jobs(q),
        )
        .await?;
        for j in &jobs {
            ensure!(
                j.pipeline_id == created.id,
                "job {} belongs to pipeline {}",
                j.id,
                j.pipeline_id
            );
            ensure!(
                j.status.is_finished(),
                "job {} of a finished run is {:?}",
                j.id,
                j.status
            );
        }
        if c.caps.supports(CiCdOp::GetJob)
            && let Some(j) = jobs.first()
        {
            let got = p
                .get_job(JobRef {
                    project: c.setup.project.clone(),
                    id: j.id.clone(),
                })
                .await
                .ctx("get_job")?;
            ensure!(
                got.id == j.id && got.name == j.name,
                "get_job returned {:?}",
                got
            );
        }
    }
    if c.caps.supports(CiCdOp::GetLog) {
        let log = p
            .get_log(GetLog {
                project: c.setup.project.clone(),
                pipeline: created.id.clone(),
                job: None,
                offset: 0,
            })
            .await
            .ctx("get_log")?;
        ensure!(log.complete, "the log of a finished run is not complete");
        ensure!(
            log.next_offset >= log.text.len() as u64,
            "next_offset {} is before the end of the text ({} bytes)",
            log.next_offset,
            log.text.len()
        );
    }
    Ok(created.id)
}

async fn trigger<P: CiCdProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[CiCdOp::TriggerPipeline])?;
    let Some(definition) = c.setup.definition.clone() else {
        return Err(Fail::Skipped("no definition in the setup".into()));
    };
    let run = p
        .trigger_pipeline(TriggerPipeline {
            project: c.setup.project.clone(),
            definition: definition.clone(),
            reference: Some(c.setup.reference.clone()),
            inputs: Default::default(),
        })
        .await
        .ctx("trigger_pipeline")?;
    ensure!(
        run.definition.as_deref().is_none_or(|d| d == definition),
        "the triggered run is of definition {:?}",
        run.definition
    );
    expect_kind(
        "trigger_pipeline of a missing definition",
        p.trigger_pipeline(TriggerPipeline {
            project: c.setup.project.clone(),
            definition: format!("{}-missing", c.setup.prefix),
            reference: Some(c.setup.reference.clone()),
            inputs: Default::default(),
        })
        .await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}

async fn cancel<P: CiCdProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(
        c.caps,
        &[
            CiCdOp::CreatePipeline,
            CiCdOp::CancelPipeline,
            CiCdOp::GetPipeline,
        ],
    )?;
    let run = p
        .create_pipeline(CreatePipeline {
            project: c.setup.project.clone(),
            reference: c.setup.reference.clone(),
            variables: Default::default(),
        })
        .await
        .ctx("create_pipeline")?;
    match p
        .cancel_pipeline(PipelineRef::new(&c.setup.project, &run.id))
        .await
    {
        Ok(_) => {}
        // it may have finished on its own already
        Err(e) if e.kind() == ErrorKind::Conflict => {}
        Err(e) => super::fail!("cancel_pipeline failed: {e}"),
    }
    let done = wait_finished(p, c, &run.id).await?;
    ensure!(
        done.status.is_finished(),
        "a cancelled run is {:?}",
        done.status
    );
    pause(c.setup.poll_interval).await;
    let later = p
        .get_pipeline(PipelineRef::new(&c.setup.project, &run.id))
        .await
        .ctx("get_pipeline")?;
    ensure!(
        later.status == done.status,
        "a cancelled run moved from {:?} to {:?}",
        done.status,
        later.status
    );
    Ok(())
}

async fn retry<P: CiCdProvider + ?Sized>(
    p: &P,
    c: &C<'_>,
    finished: Option<String>,
) -> CheckResult {
    need(c.caps, &[CiCdOp::RetryPipeline])?;
    let Some(id) = finished else {
        return Err(Fail::Skipped("no finished pipeline to retry".into()));
    };
    let again = p
        .retry_pipeline(RetryPipeline {
            project: c.setup.project.clone(),
            id: id.clone(),
            failed_only: false,
        })
        .await
        .ctx("retry_pipeline")?;
    // systems that re-run inside the same pipeline keep the id; it must run again then
    if again.id == id {
        ensure!(
            !again.status.is_finished(),
            "retry_pipeline returned the same, still finished run"
        );
    }
    Ok(())
}

async fn environments<P: CiCdProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(
        c.caps,
        &[
            CiCdOp::CreateEnvironment,
            CiCdOp::ListEnvironments,
            CiCdOp::UpdateEnvironment,
            CiCdOp::DeleteEnvironment,
        ],
    )?;
    let name = format!("{}-env", c.setup.prefix);
    let put = |url: Option<&str>| WriteEnvironment {
        project: c.setup.project.clone(),
        name: name.clone(),
        url: url.map(str::to_owned),
    };
    // Providers whose environments have no URL (GitHub's) refuse one on
    // field `url`; the round trip then runs without it.
    let (env, with_url) = match p
        .create_environment(put(Some("https://one.example.com")))
        .await
    {
        Err(e) if e.kind() == ErrorKind::InvalidInput && e.field() == Some("url") => (
            p.create_environment(put(None))
                .await
                .ctx("create_environment without a url")?,
            false,
        ),
        other => (other.ctx("create_environment")?, true),
    };
    let first = with_url.then_some("https://one.example.com");
    let second = with_url.then_some("https://two.example.com");
    ensure!(
        env.name == name,
        "create_environment returned `{}`",
        env.name
    );
    expect_kind(
        "create_environment of an existing name",
        p.create_environment(put(first)).await,
        ErrorKind::Conflict,
    )?;
    expect_invalid(
        "create_environment with an empty name",
        p.create_environment(WriteEnvironment {
            project: c.setup.project.clone(),
            name: String::new(),
            url: None,
        })
        .await,
        "name",
    )?;
    let updated = p
        .update_environment(put(second))
        .await
        .ctx("update_environment")?;
    ensure!(
        updated.url.as_deref() == second,
        "update_environment returned url {:?}",
        updated.url
    );
    let params = ListEnvironments {
        project: c.setup.project.clone(),
        page: PageRequest::with_size(c.setup.page_size),
    };
    let all = walk("list_environments", params.clone(), |q| {
        p.list_environments(q)
    })
    .await?;
    let found = all.iter().find(|e| e.name == name);
    ensure!(found.is_some(), "the environment is not listed");
    ensure!(
        found.and_then(|e| e.url.as_deref()) == second,
        "the listing shows the old url"
    );
    let eref = EnvironmentRef {
        project: c.setup.project.clone(),
        name: name.clone(),
    };
    p.delete_environment(eref.clone())
        .await
        .ctx("delete_environment")?;
    expect_kind(
        "delete_environment of a deleted environment",
        p.delete_environment(eref).await,
        ErrorKind::NotFound,
    )?;
    let all = walk("list_environments", params, |q| p.list_environments(q)).await?;
    ensure!(
        all.iter().all(|e| e.name != name),
        "the deleted environment is still listed"
    );
    Ok(())
}

async fn env_pages<P: CiCdProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(
        c.caps,
        &[
            CiCdOp::CreateEnvironment,
            CiCdOp::ListEnvironments,
            CiCdOp::DeleteEnvironment,
        ],
    )?;
    let names: Vec<String> = (0..c.setup.page_items)
        .map(|i| format!("{}-page-{i}", c.setup.prefix))
        .collect();
    for n in &names {
        p.create_environment(WriteEnvironment {
            project: c.setup.project.clone(),
            name: n.clone(),
            url: None,
        })
        .await
        .ctx("create_environment")?;
    }
    let all = walk(
        "list_environments",
        ListEnvironments {
            project: c.setup.project.clone(),
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_environments(q),
    )
    .await?;
    let keys: Vec<String> = all.iter().map(|e| e.name.clone()).collect();
    exactly_once("list_environments", &keys, &names)?;
    for n in &names {
        p.delete_environment(EnvironmentRef {
            project: c.setup.project.clone(),
            name: n.clone(),
        })
        .await
        .ctx("delete_environment")?;
    }
    Ok(())
}

async fn secrets<P: CiCdProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(
        c.caps,
        &[
            CiCdOp::CreateSecret,
            CiCdOp::ListSecrets,
            CiCdOp::UpdateSecret,
            CiCdOp::DeleteSecret,
        ],
    )?;
    let name = format!("{}_SECRET", c.setup.prefix.to_uppercase().replace('-', "_"));
    let put = |value: &str| WriteSecret {
        project: c.setup.project.clone(),
        name: name.clone(),
        value: Secret::new(value),
        environment: None,
        masked: true,
        protected: false,
    };
    let info = p
        .create_secret(put("first-value"))
        .await
        .ctx("create_secret")?;
    ensure!(info.name == name, "create_secret returned `{}`", info.name);
    let rendered = format!("{info:?}");
    ensure!(
        !rendered.contains("first-value"),
        "the secret's value appears in what create_secret returned"
    );
    expect_invalid(
        "create_secret with an empty name",
        p.create_secret(WriteSecret {
            name: String::new(),
            ..put("x")
        })
        .await,
        "name",
    )?;
    p.update_secret(put("second-value"))
        .await
        .ctx("update_secret")?;
    let params = ListSecrets {
        project: c.setup.project.clone(),
        environment: None,
        page: PageRequest::with_size(c.setup.page_size),
    };
    let all = walk("list_secrets", params.clone(), |q| p.list_secrets(q)).await?;
    let keys: Vec<String> = all.iter().map(|s| s.name.clone()).collect();
    exactly_once("list_secrets", &keys, std::slice::from_ref(&name))?;
    let sref = SecretRef {
        project: c.setup.project.clone(),
        name: name.clone(),
        environment: None,
    };
    p.delete_secret(sref.clone()).await.ctx("delete_secret")?;
    expect_kind(
        "delete_secret of a deleted secret",
        p.delete_secret(sref).await,
        ErrorKind::NotFound,
    )?;
    let all = walk("list_secrets", params, |q| p.list_secrets(q)).await?;
    ensure!(
        all.iter().all(|s| s.name != name),
        "the deleted secret is still listed"
    );
    Ok(())
}
