//! [`CiCdProvider`] for [`Woodpecker`].

use async_trait::async_trait;
use base64::Engine as _;
use mosaic_core::cicd::*;
use mosaic_core::{Capabilities, Cursor, Error, Page, PageRequest, Result};

use super::PROVIDER;
use super::{Woodpecker, map, wire};
use crate::ci::{self, number, require};
use crate::http::path::segment;

const PER_PAGE: u32 = 50;
const MAX_PER_PAGE: u32 = 100;

/// The page number a cursor names (page 1 without one).
fn page_number(page: &PageRequest) -> Result<u64> {
    match &page.cursor {
        None => Ok(1),
        Some(c) => c
            .as_str()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                Error::invalid_input(
                    "page.cursor",
                    format!("`{}` is not a cursor of this listing", c.as_str()),
                )
            }),
    }
}

/// A full page suggests another one.
fn paged<T>(items: Vec<T>, got: usize, page: u64, size: u32) -> Page<T> {
    let next = (got >= size as usize).then(|| Cursor::new((page + 1).to_string()));
    Page::new(items, next)
}

/// `(number, step id)` of a job id `<number>/<step id>`; a bare step id
/// takes `pipeline` as its number.
fn split_job(id: &str, pipeline: Option<&str>) -> Result<(u64, u64)> {
    match id.trim().split_once('/') {
        Some((n, s)) => Ok((number("id", n)?, number("id", s)?)),
        None => match pipeline {
            Some(p) => Ok((number("pipeline", p)?, number("job", id)?)),
            None => Err(Error::invalid_input(
                "id",
                format!("`{id}` is not a Woodpecker step id (`<number>/<step id>`)"),
            )),
        },
    }
}

fn log_text(entries: &[wire::LogEntry], out: &mut Vec<u8>) -> Result<()> {
    let mut lines: Vec<&wire::LogEntry> = entries
        .iter()
        .filter(|e| matches!(e.kind, 0 | 1 | 4))
        .collect();
    lines.sort_by_key(|e| e.line);
    for e in lines {
        let data = e.data.as_deref().unwrap_or("");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|err| {
                Error::decode("`$[].data` of a step log", err).with_provider(PROVIDER)
            })?;
        out.extend_from_slice(&bytes);
        if !bytes.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    Ok(())
}

impl Woodpecker {
    async fn fetch(&self, repo: &str, n: u64) -> Result<wire::Pipeline> {
        self.http
            .get(&format!("{repo}/pipelines/{n}"))
            .send_json()
            .await
    }

    async fn step_log(&self, repo: &str, n: u64, step: u64) -> Result<Vec<wire::LogEntry>> {
        self.http
            .get(&format!("{repo}/logs/{n}/{step}"))
            .send_json()
            .await
    }

    fn secret_scope(p: &WriteSecret) -> Result<()> {
        if p.environment.is_some() {
            return Err(Error::invalid_input(
                "environment",
                "Woodpecker has no environments; secrets belong to the repository",
            ));
        }
        if p.protected {
            return Err(Error::invalid_input(
                "protected",
                "Woodpecker secrets have no protected-ref flag; limit them by event instead",
            ));
        }
        Ok(())
    }

    fn info(name: String) -> SecretInfo {
        SecretInfo {
            name,
            environment: None,
            masked: true,
            protected: false,
            created_at: None,
            updated_at: None,
        }
    }
}

#[async_trait]
impl CiCdProvider for Woodpecker {
    fn capabilities(&self) -> Capabilities {
        Woodpecker::operations()
    }

    async fn create_pipeline(&self, p: CreatePipeline) -> Result<Pipeline> {
        require("reference", &p.reference)?;
        let (id, repo) = self.repo(&p.project).await?;
        let out: wire::Pipeline = self
            .http
            .post(&format!("{repo}/pipelines"))
            .json(&wire::PipelineOptions {
                branch: &p.reference,
                variables: &p.variables,
            })
            .send_json()
            .await?;
        Ok(map::pipeline(&p.project, &self.web_base, id, out))
    }

    async fn get_pipeline(&self, p: PipelineRef) -> Result<Pipeline> {
        let n = number("id", &p.id)?;
        let (id, repo) = self.repo(&p.project).await?;
        Ok(map::pipeline(
            &p.project,
            &self.web_base,
            id,
            self.fetch(&repo, n).await?,
        ))
    }

    async fn cancel_pipeline(&self, p: PipelineRef) -> Result<Pipeline> {
        let n = number("id", &p.id)?;
        let (id, repo) = self.repo(&p.project).await?;
        self.http
            .post(&format!("{repo}/pipelines/{n}/cancel"))
            .send_unit()
            .await?;
        Ok(map::pipeline(
            &p.project,
            &self.web_base,
            id,
            self.fetch(&repo, n).await?,
        ))
    }

    async fn retry_pipeline(&self, p: RetryPipeline) -> Result<Pipeline> {
        if p.failed_only {
            return Err(Error::invalid_input(
                "failed_only",
                "Woodpecker restarts whole pipelines only",
            ));
        }
        let n = number("id", &p.id)?;
        let (id, repo) = self.repo(&p.project).await?;
        let out: wire::Pipeline = self
            .http
            .post(&format!("{repo}/pipelines/{n}"))
            .send_json()
            .await?;
        Ok(map::pipeline(&p.project, &self.web_base, id, out))
    }

    /// Filters by `reference` (branch) and state are applied to each page
    /// here, so pages may be short; `definition` is not a Woodpecker
    /// notion and is `InvalidInput`.
    async fn list_pipelines(&self, p: ListPipelines) -> Result<Page<Pipeline>> {
        if p.definition.is_some() {
            return Err(Error::invalid_input(
                "definition",
                "Woodpecker has no pipeline definitions to filter by",
            ));
        }
        let page = page_number(&p.page)?;
        let size = p.page.size_or(PER_PAGE, MAX_PER_PAGE);
        let (id, repo) = self.repo(&p.project).await?;
        let list: Vec<wire::Pipeline> = self
            .http
            .get(&format!("{repo}/pipelines"))
            .query("page", page)
            .query("perPage", size)
            .send_json()
            .await?;
        let got = list.len();
        let items = list
            .into_iter()
            .map(|w| map::pipeline(&p.project, &self.web_base, id, w))
            .filter(|x| p.status.is_none_or(|s| x.status == s))
            .filter(|x| {
                p.reference
                    .as_deref()
                    .is_none_or(|r| x.reference.as_deref() == Some(r))
            })
            .collect();
        Ok(paged(items, got, page, size))
    }

    async fn get_log(&self, p: GetLog) -> Result<Log> {
        let n = number("pipeline", &p.pipeline)?;
        let (_, repo) = self.repo(&p.project).await?;
        let pipeline = self.fetch(&repo, n).await?;
        let mut out = Vec::new();
        match &p.job {
            Some(job) => {
                let (jn, step) = split_job(job, Some(&p.pipeline))?;
                if jn != n {
                    return Err(Error::not_found(format!(
                        "step {job} is not part of pipeline {n}"
                    ))
                    .with_provider(PROVIDER));
                }
                let s = pipeline
                    .workflows
                    .iter()
                    .flat_map(|w| w.children.iter())
                    .find(|s| s.id == step)
                    .ok_or_else(|| {
                        Error::not_found(format!("pipeline {n} has no step {step}"))
                            .with_provider(PROVIDER)
                    })?;
                let finished = map::status(&s.state).is_finished();
                log_text(&self.step_log(&repo, n, step).await?, &mut out)?;
                Ok(ci::log::slice_bytes(&out, p.offset, finished))
            }
            None => {
                for w in &pipeline.workflows {
                    for s in &w.children {
                        let entries = match self.step_log(&repo, n, s.id).await {
                            Ok(e) => e,
                            Err(e) if e.is_not_found() => continue,
                            Err(e) => return Err(e),
                        };
                        out.extend_from_slice(
                            format!("=== {} / {} ===\n", w.name, s.name).as_bytes(),
                        );
                        log_text(&entries, &mut out)?;
                    }
                }
                let finished = map::status(&pipeline.status).is_finished();
                Ok(ci::log::slice_bytes(&out, p.offset, finished))
            }
        }
    }

    async fn get_job(&self, p: JobRef) -> Result<Job> {
        let (n, step) = split_job(&p.id, None)?;
        let (_, repo) = self.repo(&p.project).await?;
        let pipeline = self.fetch(&repo, n).await?;
        pipeline
            .workflows
            .iter()
            .find_map(|w| {
                w.children
                    .iter()
                    .find(|s| s.id == step)
                    .map(|s| map::job(n, &w.name, s))
            })
            .ok_or_else(|| {
                Error::not_found(format!("pipeline {n} has no step {step}")).with_provider(PROVIDER)
            })
    }

    async fn list_jobs(&self, p: ListJobs) -> Result<Page<Job>> {
        let n = number("pipeline", &p.pipeline)?;
        let (_, repo) = self.repo(&p.project).await?;
        let pipeline = self.fetch(&repo, n).await?;
        let jobs: Vec<Job> = pipeline
            .workflows
            .iter()
            .flat_map(|w| w.children.iter().map(move |s| map::job(n, &w.name, s)))
            .collect();
        Page::slice(jobs, &p.page, PER_PAGE)
    }

    async fn create_secret(&self, p: WriteSecret) -> Result<SecretInfo> {
        require("name", &p.name)?;
        Self::secret_scope(&p)?;
        let (_, repo) = self.repo(&p.project).await?;
        match self
            .http
            .get(&format!("{repo}/secrets/{}", segment(&p.name)))
            .send()
            .await
        {
            Ok(_) => {
                return Err(
                    Error::conflict(format!("secret `{}` already exists", p.name))
                        .with_provider(PROVIDER),
                );
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        let s: wire::Secret = self
            .http
            .post(&format!("{repo}/secrets"))
            .json(&wire::WriteSecret {
                name: &p.name,
                value: p.value.expose(),
                events: &self.secret_events,
                images: &[],
            })
            .send_json()
            .await?;
        Ok(Self::info(s.name))
    }

    async fn update_secret(&self, p: WriteSecret) -> Result<SecretInfo> {
        require("name", &p.name)?;
        Self::secret_scope(&p)?;
        let (_, repo) = self.repo(&p.project).await?;
        let s: wire::Secret = self
            .http
            .patch(&format!("{repo}/secrets/{}", segment(&p.name)))
            .json(&wire::WriteSecret {
                name: &p.name,
                value: p.value.expose(),
                events: &self.secret_events,
                images: &[],
            })
            .send_json()
            .await?;
        Ok(Self::info(s.name))
    }

    async fn delete_secret(&self, p: SecretRef) -> Result<()> {
        require("name", &p.name)?;
        if p.environment.is_some() {
            return Err(Error::invalid_input(
                "environment",
                "Woodpecker has no environments",
            ));
        }
        let (_, repo) = self.repo(&p.project).await?;
        self.http
            .delete(&format!("{repo}/secrets/{}", segment(&p.name)))
            .send_unit()
            .await
    }

    async fn list_secrets(&self, p: ListSecrets) -> Result<Page<SecretInfo>> {
        if p.environment.is_some() {
            return Err(Error::invalid_input(
                "environment",
                "Woodpecker has no environments",
            ));
        }
        let page = page_number(&p.page)?;
        let size = p.page.size_or(PER_PAGE, MAX_PER_PAGE);
        let (_, repo) = self.repo(&p.project).await?;
        let list: Vec<wire::Secret> = self
            .http
            .get(&format!("{repo}/secrets"))
            .query("page", page)
            .query("perPage", size)
            .send_json()
            .await?;
        let got = list.len();
        let items = list.into_iter().map(|s| Self::info(s.name)).collect();
        Ok(paged(items, got, page, size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_and_pages() {
        assert_eq!(split_job("12/345", None).unwrap(), (12, 345));
        assert_eq!(split_job("345", Some("12")).unwrap(), (12, 345));
        assert_eq!(split_job("345", None).unwrap_err().field(), Some("id"));
        assert!(split_job("a/1", None).is_err());
        assert_eq!(page_number(&PageRequest::first()).unwrap(), 1);
        assert!(
            page_number(&PageRequest {
                cursor: Some("0".into()),
                per_page: None
            })
            .is_err()
        );
        let p = paged(vec![1, 2], 2, 3, 2);
        assert_eq!(p.next, Some(Cursor::new("4")));
        assert_eq!(paged(vec![1], 1, 3, 2).next, None);
    }

    #[test]
    fn log_lines_decode_in_order() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let entries = vec![
            wire::LogEntry {
                line: 1,
                data: Some(b64("second")),
                kind: 0,
            },
            wire::LogEntry {
                line: 0,
                data: Some(b64("first\n")),
                kind: 1,
            },
            wire::LogEntry {
                line: 2,
                data: Some(b64("0")),
                kind: 2,
            },
        ];
        let mut out = Vec::new();
        log_text(&entries, &mut out).unwrap();
        assert_eq!(out, b"first\nsecond\n");
        let bad = vec![wire::LogEntry {
            line: 0,
            data: Some("!!".into()),
            kind: 0,
        }];
        assert_eq!(
            log_text(&bad, &mut Vec::new()).unwrap_err().kind(),
            mosaic_core::ErrorKind::Decode
        );
    }
}
