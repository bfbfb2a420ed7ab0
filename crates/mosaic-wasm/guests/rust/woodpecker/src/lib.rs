//! Woodpecker CI's read operations as a Mosaic WebAssembly plugin.
//!
//! * `project` is `owner/name` (looked up with
//!   `GET /api/repos/lookup/{owner}/{name}`) or Woodpecker's numeric id;
//! * a pipeline is a Woodpecker pipeline, by number; a job is a step, with
//!   the id `<pipeline number>/<step id>` and its workflow as `stage`;
//! * listings are paged with Woodpecker's `page`/`perPage`, the cursor
//!   being the next page number.
//!
//! The host sends the token (`x-wasm.credential` in `plugin.json`); this
//! module never sees it.

use mosaic_core::cicd::{
    Job, JobRef, ListJobs, ListPipelines, Pipeline, PipelineRef, PipelineStatus,
};
use mosaic_core::{Cursor, ErrorKind, Page, PageRequest};
use mosaic_plugin_guest::{GuestError, GuestResult, http};
use serde::Deserialize;

mosaic_plugin_guest::plugin! {
    hosts: [],
    config: ["base_url"],
    operations: {
        op_cicd_pipeline_get: "cicd.pipeline.get" => get_pipeline,
        op_cicd_pipeline_list: "cicd.pipeline.list" => list_pipelines,
        op_cicd_job_get: "cicd.job.get" => get_job,
        op_cicd_job_list: "cicd.job.list" => list_jobs,
    }
}

/// Largest page Woodpecker serves.
const MAX_PER_PAGE: u32 = 50;

#[derive(Deserialize)]
struct WireRepo {
    id: u64,
}

#[derive(Deserialize)]
struct WirePipeline {
    number: u64,
    #[serde(default)]
    event: Option<String>,
    status: String,
    #[serde(default)]
    created: Option<i64>,
    #[serde(default)]
    started: Option<i64>,
    #[serde(default)]
    finished: Option<i64>,
    #[serde(default)]
    commit: Option<String>,
    #[serde(default)]
    branch: Option<String>,
    #[serde(rename = "ref", default)]
    reference: Option<String>,
    #[serde(default)]
    workflows: Vec<WireWorkflow>,
}

#[derive(Deserialize)]
struct WireWorkflow {
    name: String,
    #[serde(default)]
    children: Vec<WireStep>,
}

#[derive(Deserialize)]
struct WireStep {
    id: u64,
    name: String,
    state: String,
    #[serde(default)]
    started: Option<i64>,
    #[serde(default)]
    finished: Option<i64>,
}

fn base() -> GuestResult<String> {
    let url: String = mosaic_plugin_guest::config("base_url")
        .ok_or_else(|| GuestError::new(ErrorKind::Config, "base_url is not configured"))?;
    Ok(url.trim_end_matches('/').to_owned())
}

/// Percent-encode one path segment.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Woodpecker's id of `project` (`owner/name` or a number).
fn repo_id(base: &str, project: &str) -> GuestResult<u64> {
    if let Ok(id) = project.parse::<u64>() {
        return Ok(id);
    }
    let Some((owner, name)) = project.split_once('/') else {
        return Err(GuestError::invalid(
            "project",
            "expected `owner/name` or a numeric id",
        ));
    };
    if owner.is_empty() || name.is_empty() {
        return Err(GuestError::invalid(
            "project",
            "expected `owner/name` or a numeric id",
        ));
    }
    let url = format!(
        "{base}/api/repos/lookup/{}/{}",
        segment(owner),
        segment(name)
    );
    let repo: WireRepo = http::get(&url)?.json()?;
    Ok(repo.id)
}

fn number(field: &str, id: &str) -> GuestResult<u64> {
    id.parse()
        .map_err(|_| GuestError::invalid(field, format!("`{id}` is not a pipeline number")))
}

fn status(word: &str) -> PipelineStatus {
    match word {
        "running" => PipelineStatus::Running,
        "success" => PipelineStatus::Success,
        "failure" | "error" => PipelineStatus::Failure,
        "killed" | "declined" => PipelineStatus::Cancelled,
        "skipped" => PipelineStatus::Skipped,
        "blocked" => PipelineStatus::Manual,
        _ => PipelineStatus::Queued,
    }
}

/// Unix seconds (0 or less: not yet) as RFC 3339 UTC.
fn time(secs: Option<i64>) -> Option<String> {
    let secs = secs.filter(|s| *s > 0)?;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil date from days since 1970-01-01 (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    ))
}

fn pipeline(base: &str, project: &str, repo: u64, p: WirePipeline) -> Pipeline {
    Pipeline {
        id: p.number.to_string(),
        number: Some(p.number),
        project: project.to_owned(),
        definition: None,
        reference: p.branch.filter(|b| !b.is_empty()).or(p.reference),
        sha: p.commit.filter(|c| !c.is_empty()),
        status: status(&p.status),
        raw_status: p.status,
        event: p.event,
        web_url: Some(format!("{base}/repos/{repo}/pipeline/{}", p.number)),
        created_at: time(p.created),
        started_at: time(p.started),
        finished_at: time(p.finished),
    }
}

fn jobs(p: &WirePipeline) -> Vec<Job> {
    p.workflows
        .iter()
        .flat_map(|w| w.children.iter().map(move |s| (w, s)))
        .map(|(w, s)| Job {
            id: format!("{}/{}", p.number, s.id),
            pipeline_id: p.number.to_string(),
            name: s.name.clone(),
            stage: Some(w.name.clone()),
            status: status(&s.state),
            raw_status: s.state.clone(),
            web_url: None,
            started_at: time(s.started),
            finished_at: time(s.finished),
        })
        .collect()
}

fn fetch(base: &str, repo: u64, n: u64) -> GuestResult<WirePipeline> {
    http::get(&format!("{base}/api/repos/{repo}/pipelines/{n}"))?.json()
}

/// The page number and size a request asks for.
fn paging(page: &PageRequest) -> GuestResult<(u64, u32)> {
    let n = match &page.cursor {
        None => 1,
        Some(c) => c
            .as_str()
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| GuestError::invalid("page.cursor", "not a cursor of this provider"))?,
    };
    Ok((n, page.per_page.unwrap_or(20).clamp(1, MAX_PER_PAGE)))
}

fn get_pipeline(p: PipelineRef) -> GuestResult<Pipeline> {
    let base = base()?;
    let repo = repo_id(&base, &p.project)?;
    let n = number("id", &p.id)?;
    Ok(pipeline(&base, &p.project, repo, fetch(&base, repo, n)?))
}

fn list_pipelines(p: ListPipelines) -> GuestResult<Page<Pipeline>> {
    if p.definition.is_some() {
        return Err(GuestError::invalid(
            "definition",
            "Woodpecker has no pipeline definitions",
        ));
    }
    let base = base()?;
    let repo = repo_id(&base, &p.project)?;
    let (page, per_page) = paging(&p.page)?;
    let mut url = format!("{base}/api/repos/{repo}/pipelines?page={page}&perPage={per_page}");
    if let Some(r) = &p.reference {
        url.push_str("&branch=");
        url.push_str(&segment(r));
    }
    let wire: Vec<WirePipeline> = http::get(&url)?.json()?;
    let full = wire.len() as u32 >= per_page;
    let items: Vec<Pipeline> = wire
        .into_iter()
        .map(|w| pipeline(&base, &p.project, repo, w))
        .filter(|x| p.status.is_none_or(|s| x.status == s))
        .collect();
    Ok(Page {
        items,
        next: full.then(|| Cursor::new((page + 1).to_string())),
        total: None,
    })
}

fn get_job(j: JobRef) -> GuestResult<Job> {
    let Some((n, step)) = j.id.split_once('/') else {
        return Err(GuestError::invalid(
            "id",
            "expected `<pipeline number>/<step id>`",
        ));
    };
    let base = base()?;
    let repo = repo_id(&base, &j.project)?;
    let wire = fetch(&base, repo, number("id", n)?)?;
    jobs(&wire)
        .into_iter()
        .find(|job| job.id.split_once('/').is_some_and(|(_, s)| s == step))
        .ok_or_else(|| GuestError::not_found(format!("no step {step} in pipeline {n}")))
}

fn list_jobs(l: ListJobs) -> GuestResult<Page<Job>> {
    let base = base()?;
    let repo = repo_id(&base, &l.project)?;
    let wire = fetch(&base, repo, number("pipeline", &l.pipeline)?)?;
    let all = jobs(&wire);
    let (page, per_page) = paging(&l.page)?;
    let start = ((page - 1) as usize).saturating_mul(per_page as usize);
    let items: Vec<Job> = all
        .iter()
        .skip(start)
        .take(per_page as usize)
        .cloned()
        .collect();
    let more = start + items.len() < all.len();
    Ok(Page {
        items,
        next: more.then(|| Cursor::new((page + 1).to_string())),
        total: Some(all.len() as u64),
    })
}
