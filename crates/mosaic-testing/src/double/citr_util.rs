//! Small pieces the CI/CD and tracker doubles share: status codes for the
//! fakes' errors, reading whole listings out of a fake, timestamps and
//! base64 as the wire formats need them.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use http::StatusCode;
use mosaic_core::cicd::{
    CiCdProvider, Environment, Job, ListDefinitions, ListEnvironments, ListJobs, ListPipelines,
    Pipeline, PipelineDefinition,
};
use mosaic_core::page::{Paginated, paginate};
use mosaic_core::project::{ListProjects, Project, ProjectProvider};
use mosaic_core::{Error, ErrorKind, Page, PageRequest, Result};

use crate::{FakeCiCd, FakeProject};

/// The HTTP status a REST API answers for an error of `kind`.
pub(crate) fn status_for(e: &Error) -> StatusCode {
    match e.kind() {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::InvalidInput => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::PermissionDenied => StatusCode::FORBIDDEN,
        ErrorKind::Unsupported => StatusCode::NOT_IMPLEMENTED,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Every item of a fake's listing, walked with pages of 100.
pub(crate) async fn all<P, T, F, Fut>(mut params: P, fetch: F) -> Result<Vec<T>>
where
    P: Paginated + Send,
    T: Send,
    F: FnMut(P) -> Fut + Send,
    Fut: std::future::Future<Output = Result<Page<T>>> + Send,
{
    params.page_mut().per_page = Some(100);
    paginate(params, fetch).try_collect().await
}

/// Every job of pipeline `pipeline` (the fake's id) of `project`.
pub(crate) async fn jobs_of(ci: &FakeCiCd, project: &str, pipeline: &str) -> Result<Vec<Job>> {
    let params = ListJobs {
        project: project.to_owned(),
        pipeline: pipeline.to_owned(),
        page: PageRequest::first(),
    };
    all(params, |q| ci.list_jobs(q)).await
}

/// Every definition of `project`.
pub(crate) async fn definitions_of(
    ci: &FakeCiCd,
    project: &str,
) -> Result<Vec<PipelineDefinition>> {
    let params = ListDefinitions {
        project: project.to_owned(),
        page: PageRequest::first(),
    };
    all(params, |q| ci.list_definitions(q)).await
}

/// Every environment of `project`.
pub(crate) async fn environments_of(ci: &FakeCiCd, project: &str) -> Result<Vec<Environment>> {
    let params = ListEnvironments {
        project: project.to_owned(),
        page: PageRequest::first(),
    };
    all(params, |q| ci.list_environments(q)).await
}

/// Every project of `tracker`.
pub(crate) async fn projects_of(tracker: &FakeProject) -> Result<Vec<Project>> {
    let params = ListProjects {
        page: PageRequest::first(),
    };
    all(params, |q| tracker.list_projects(q)).await
}

/// Whether `ci` has project `project`.
pub(crate) async fn has_project(ci: &FakeCiCd, project: &str) -> bool {
    !project.is_empty()
        && ci
            .list_pipelines(ListPipelines {
                project: project.to_owned(),
                page: PageRequest::with_size(1),
                ..Default::default()
            })
            .await
            .is_ok()
}

/// Runs re-run in place (GitHub's attempts, GitLab's retries): the run's id
/// keeps naming it while the fake starts a new pipeline for each retry.
#[derive(Debug, Default)]
pub(crate) struct InPlace {
    /// Run id → the fake's pipelines of its attempts, oldest first.
    attempts: BTreeMap<String, Vec<String>>,
    /// A retry's pipeline → the run it belongs to.
    alias: BTreeMap<String, String>,
}

impl InPlace {
    /// The run a fake pipeline belongs to.
    pub(crate) fn run_of(&self, fake_id: &str) -> String {
        self.alias
            .get(fake_id)
            .cloned()
            .unwrap_or_else(|| fake_id.to_owned())
    }

    /// The fake's pipelines of run `run`, oldest first; `None` when `run`
    /// is a retry's pipeline, not a run.
    pub(crate) fn attempts(&self, run: &str) -> Option<Vec<String>> {
        if self.alias.contains_key(run) {
            return None;
        }
        Some(
            self.attempts
                .get(run)
                .cloned()
                .unwrap_or_else(|| vec![run.to_owned()]),
        )
    }

    /// Record `retry` as the newest attempt of `run`.
    pub(crate) fn retried(&mut self, run: &str, retry: String) {
        self.alias.insert(retry.clone(), run.to_owned());
        self.attempts
            .entry(run.to_owned())
            .or_insert_with(|| vec![run.to_owned()])
            .push(retry);
    }

    /// `(first attempt, latest attempt, attempts)` of run `run` among
    /// `pipelines`.
    pub(crate) fn views(
        &self,
        pipelines: &[Pipeline],
        run: &str,
    ) -> Option<(Pipeline, Pipeline, usize)> {
        let ids = self.attempts(run)?;
        let find = |id: &str| pipelines.iter().find(|p| p.id == id).cloned();
        let first = find(ids.first()?)?;
        let last = find(ids.last()?)?;
        Some((first, last, ids.len()))
    }

    /// Every run among `pipelines` (retries folded into their run), in the
    /// order given.
    pub(crate) fn runs(&self, pipelines: &[Pipeline]) -> Vec<(Pipeline, Pipeline, usize)> {
        pipelines
            .iter()
            .filter(|p| !self.alias.contains_key(&p.id))
            .filter_map(|p| self.views(pipelines, &p.id))
            .collect()
    }
}

/// Unix seconds of an RFC 3339 UTC timestamp (`2024-01-01T00:00:00Z`) as
/// the fakes write them; 0 when it does not parse.
pub(crate) fn unix(ts: &str) -> i64 {
    let num = |r: std::ops::Range<usize>| ts.get(r).and_then(|s| s.parse::<i64>().ok());
    let (Some(y), Some(m), Some(d), Some(h), Some(mi), Some(s)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return 0;
    };
    days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Standard base64 with padding.
pub(crate) use super::forge::b64_encode as base64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_base64() {
        assert_eq!(unix("2024-01-01T00:00:00Z"), 1_704_067_200);
        assert_eq!(unix("1970-01-02T00:00:01Z"), 86_401);
        assert_eq!(unix("nope"), 0);
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}

/// CRC-32 (IEEE) of `data`, as zip archives carry it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip archive of `(name, content)` files, stored without compression.
pub(crate) fn zip_stored(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, content) in files {
        let offset = out.len() as u32;
        let crc = crc32(content);
        let size = content.len() as u32;
        let name_len = name.len() as u16;
        // local file header
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&0u16.to_le_bytes()); // stored
        out.extend_from_slice(&0u16.to_le_bytes()); // time
        out.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(content);
        // central directory entry
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        central.extend_from_slice(&20u16.to_le_bytes()); // needed
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0x21u16.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes()); // extra
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
        central.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend_from_slice(&central);
    let n = files.len() as u16;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod zip_tests {
    use super::*;

    #[test]
    fn crc_and_archive_layout() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        let z = zip_stored(&[("a.txt".into(), b"hi".to_vec())]);
        assert_eq!(&z[..4], b"PK\x03\x04");
        // local header 30 + name 5 + data 2, central 46 + 5, end 22
        assert_eq!(z.len(), 30 + 5 + 2 + 46 + 5 + 22);
        assert_eq!(&z[z.len() - 22..z.len() - 18], b"PK\x05\x06");
    }
}
