//! [`WorkflowProvider`] for [`N8n`].

use async_trait::async_trait;
use mosaic_core::workflow::*;
use mosaic_core::{Capabilities, Error, ErrorKind, Page, PageRequest, Result};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{N8n, PAGE_SIZE, map, named, wire};
use crate::http::{RequestSpec, path};

/// `value`, unless it is blank (`InvalidInput` on `field`).
pub(super) fn nonempty<'a>(field: &str, value: &'a str) -> Result<&'a str> {
    if value.trim().is_empty() {
        Err(named(Error::invalid_input(field, "must not be empty")))
    } else {
        Ok(value)
    }
}

/// One page of a listing: `limit` and `cursor` asked, `nextCursor` read.
async fn list<T: DeserializeOwned>(req: RequestSpec<'_>, page: &PageRequest) -> Result<Page<T>> {
    req.query(
        PAGE_SIZE.param,
        page.size_or(PAGE_SIZE.default, PAGE_SIZE.max),
    )
    .cursor_param("cursor", page)
    .send_page_as::<wire::List<T>>()
    .await
}

fn settings_out(v: Value) -> Value {
    match v {
        Value::Null => Value::Object(Map::new()),
        v => v,
    }
}

impl N8n {
    async fn wire_workflow(&self, id: &str) -> Result<wire::Workflow> {
        let id = nonempty("id", id)?;
        self.http
            .get(&format!("/workflows/{}", path::segment(id)))
            .send_json()
            .await
    }

    async fn toggle(&self, id: &str, verb: &str) -> Result<Workflow> {
        let id = nonempty("id", id)?;
        let w: wire::Workflow = self
            .http
            .post(&format!("/workflows/{}/{verb}", path::segment(id)))
            .send_json()
            .await?;
        self.with_tags(w).await
    }

    /// The workflow of an answer, with its tags read separately when the
    /// answer left them out (activate and deactivate do).
    async fn with_tags(&self, mut w: wire::Workflow) -> Result<Workflow> {
        if w.tags.is_none() {
            w.tags = Some(self.wire_workflow_tags(&w.id).await?);
        }
        Ok(map::workflow(w))
    }

    async fn wire_workflow_tags(&self, id: &str) -> Result<Vec<wire::Tag>> {
        let id = nonempty("id", id)?;
        self.http
            .get(&format!("/workflows/{}/tags", path::segment(id)))
            .send_json()
            .await
    }

    /// Every tag, across all pages.
    async fn all_tags(&self) -> Result<Vec<wire::Tag>> {
        let mut out = Vec::new();
        let mut page = PageRequest::with_size(PAGE_SIZE.max);
        loop {
            let l = list::<wire::Tag>(self.http.get("/tags"), &page).await?;
            out.extend(l.items);
            match l.next {
                Some(next) if page.cursor.as_ref() != Some(&next) => page.cursor = Some(next),
                _ => return Ok(out),
            }
        }
    }

    async fn post_tag(&self, name: &str) -> Result<wire::Tag> {
        self.http
            .post("/tags")
            .json(&wire::TagBody { name })
            .send_json()
            .await
    }
}

/// The longest tag name n8n stores (in UTF-16 units, as it counts).
const TAG_NAME_MAX: usize = 24;

/// A tag name, trimmed; blank or too long is `InvalidInput` on `field`
/// (n8n itself answers any tag it cannot store with "Tag already exists").
fn tag_name<'a>(field: &str, name: &'a str) -> Result<&'a str> {
    let name = name.trim();
    let problem = if name.is_empty() {
        "a tag name must not be empty".to_owned()
    } else if name.encode_utf16().count() > TAG_NAME_MAX {
        format!("n8n keeps tag names of at most {TAG_NAME_MAX} characters")
    } else {
        return Ok(name);
    };
    Err(named(Error::invalid_input(field, problem)))
}

/// The tag names of `set_workflow_tags`, checked as [`tag_name`] does,
/// repeats dropped (first occurrence kept).
fn tag_names(tags: &[String]) -> Result<Vec<&str>> {
    let mut out: Vec<&str> = Vec::with_capacity(tags.len());
    for (i, t) in tags.iter().enumerate() {
        let t = tag_name(&format!("tags[{i}]"), t)?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

#[async_trait]
impl WorkflowProvider for N8n {
    fn capabilities(&self) -> Capabilities {
        N8n::operations()
    }

    async fn create_workflow(&self, p: CreateWorkflow) -> Result<Workflow> {
        nonempty("name", &p.name)?;
        let nodes = map::nodes_out(&p.nodes, &[])?;
        let connections = map::connections_out(&p.connections, &Default::default(), &nodes)?;
        let body = wire::WorkflowBody {
            name: p.name,
            nodes,
            connections,
            settings: settings_out(p.settings),
        };
        let mut w: wire::Workflow = self.http.post("/workflows").json(&body).send_json().await?;
        // A new workflow has no tags, whether or not the answer says so.
        w.tags.get_or_insert_with(Vec::new);
        Ok(map::workflow(w))
    }

    async fn get_workflow(&self, p: WorkflowRef) -> Result<Workflow> {
        Ok(map::workflow(self.wire_workflow(&p.id).await?))
    }

    async fn update_workflow(&self, p: UpdateWorkflow) -> Result<Workflow> {
        if let Some(name) = &p.name {
            nonempty("name", name)?;
        }
        let stored = self.wire_workflow(&p.id).await?;
        let nodes = match &p.nodes {
            Some(n) => map::nodes_out(n, &stored.nodes)?,
            None => stored.nodes.clone(),
        };
        let connections = match &p.connections {
            Some(c) => map::connections_out(c, &stored.connections, &nodes)?,
            None => stored.connections.clone(),
        };
        let body = wire::WorkflowBody {
            name: p.name.unwrap_or(stored.name),
            nodes,
            connections,
            settings: settings_out(p.settings.or(stored.settings).unwrap_or(Value::Null)),
        };
        let w: wire::Workflow = self
            .http
            .put(&format!("/workflows/{}", path::segment(&p.id)))
            .json(&body)
            .send_json()
            .await?;
        self.with_tags(w).await
    }

    async fn delete_workflow(&self, p: WorkflowRef) -> Result<()> {
        let id = nonempty("id", &p.id)?;
        self.http
            .delete(&format!("/workflows/{}", path::segment(id)))
            .send_unit()
            .await
    }

    async fn list_workflows(&self, p: ListWorkflows) -> Result<Page<Workflow>> {
        let mut req = self.http.get("/workflows").query_opt("active", p.active);
        if !p.tags.is_empty() {
            req = req.query("tags", p.tags.join(","));
        }
        // n8n's tag filter matches workflows with any of the tags; Mosaic
        // asks for all of them.
        let mut out = list(req, &p.page).await?.map(map::workflow);
        out.items
            .retain(|w| p.tags.iter().all(|t| w.tags.iter().any(|have| have == t)));
        Ok(out)
    }

    async fn activate_workflow(&self, p: WorkflowRef) -> Result<Workflow> {
        self.toggle(&p.id, "activate").await
    }

    async fn deactivate_workflow(&self, p: WorkflowRef) -> Result<Workflow> {
        self.toggle(&p.id, "deactivate").await
    }

    async fn get_execution(&self, p: ExecutionRef) -> Result<Execution> {
        let id = nonempty("id", &p.id)?;
        let e: wire::Execution = self
            .http
            .get(&format!("/executions/{}", path::segment(id)))
            .query("includeData", true)
            .send_json()
            .await?;
        Ok(map::execution(e, Some(id)))
    }

    async fn stop_execution(&self, p: ExecutionRef) -> Result<Execution> {
        let _ = p;
        Err(named(Error::new(
            ErrorKind::Unsupported,
            "operation `workflow.execution.stop` is not supported by n8n: its public API \
             has no endpoint that stops an execution",
        )))
    }

    async fn list_executions(&self, p: ListExecutions) -> Result<Page<Execution>> {
        let status = match p.status {
            None => None,
            Some(s) => Some(map::status_filter(s).ok_or_else(|| {
                named(Error::invalid_input(
                    "status",
                    "n8n cannot list executions by the queued state (its filter offers \
                     running, waiting, success, error and canceled)",
                ))
            })?),
        };
        let req = self
            .http
            .get("/executions")
            .query_opt("workflowId", p.workflow_id.as_deref())
            .query_opt("status", status);
        Ok(list(req, &p.page).await?.map(|e| map::execution(e, None)))
    }

    async fn retry_execution(&self, p: ExecutionRef) -> Result<Execution> {
        let id = nonempty("id", &p.id)?;
        let at = format!("/executions/{}", path::segment(id));
        // n8n answers a retry of an execution that succeeded with a server
        // error (500), and starts a second run of one still in progress:
        // both are refused here, as `Conflict`.
        let current: wire::Execution = self
            .http
            .get(&at)
            .query("includeData", false)
            .send_json()
            .await?;
        match map::status(&current) {
            ExecutionStatus::Error | ExecutionStatus::Cancelled => {}
            done @ ExecutionStatus::Success => {
                return Err(named(Error::conflict(format!(
                    "execution {id} ended {done:?}, so there is nothing to retry"
                ))));
            }
            running => {
                return Err(named(Error::conflict(format!(
                    "execution {id} has not finished ({running:?}); only a failed or stopped \
                     execution can be retried"
                ))));
            }
        }
        let e: wire::Execution = self
            .http
            .post(&format!("{at}/retry"))
            .json(&serde_json::json!({}))
            .send_json()
            .await?;
        Ok(map::execution(e, None))
    }

    async fn list_tags(&self, p: ListTags) -> Result<Page<Tag>> {
        Ok(list(self.http.get("/tags"), &p.page).await?.map(map::tag))
    }

    async fn create_tag(&self, p: CreateTag) -> Result<Tag> {
        let name = tag_name("name", &p.name)?;
        Ok(map::tag(self.post_tag(name).await?))
    }

    async fn get_workflow_tags(&self, p: WorkflowRef) -> Result<WorkflowTags> {
        let tags = self.wire_workflow_tags(&p.id).await?;
        Ok(WorkflowTags {
            id: p.id,
            tags: tags.into_iter().map(map::tag).collect(),
        })
    }

    async fn set_workflow_tags(&self, p: SetWorkflowTags) -> Result<WorkflowTags> {
        let id = nonempty("id", &p.id)?;
        let names = tag_names(&p.tags)?;
        let mut ids: Vec<String> = Vec::with_capacity(names.len());
        if !names.is_empty() {
            let known = self.all_tags().await?;
            let missing: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| !known.iter().any(|t| t.name == *n))
                .collect();
            let mut created = Vec::new();
            if !missing.is_empty() {
                // Fail on a missing workflow before creating any tag.
                self.wire_workflow_tags(id).await?;
                for name in missing {
                    match self.post_tag(name).await {
                        Ok(t) => created.push(t),
                        // Made meanwhile by someone else: use theirs.
                        Err(e) if e.kind() == ErrorKind::Conflict => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            let mut known = known;
            known.extend(created);
            let mut refreshed = false;
            for name in &names {
                if let Some(t) = known.iter().find(|t| t.name == *name) {
                    ids.push(t.id.clone());
                    continue;
                }
                if !refreshed {
                    known = self.all_tags().await?;
                    refreshed = true;
                }
                let t = known.iter().find(|t| t.name == *name).ok_or_else(|| {
                    named(Error::conflict(format!(
                        "tag `{name}` could not be created or found"
                    )))
                })?;
                ids.push(t.id.clone());
            }
        }
        let body: Vec<wire::TagId<'_>> = ids.iter().map(|id| wire::TagId { id }).collect();
        let tags: Vec<wire::Tag> = self
            .http
            .put(&format!("/workflows/{}/tags", path::segment(id)))
            .json(&body)
            .send_json()
            .await?;
        Ok(WorkflowTags {
            id: p.id.clone(),
            tags: tags.into_iter().map(map::tag).collect(),
        })
    }

    async fn validate_workflow(&self, p: ValidateWorkflow) -> Result<ValidationReport> {
        let mut report = validate_graph(&p.nodes, &p.connections, |n| {
            map::is_trigger_type(&n.node_type)
        });
        let mut extra = Vec::new();
        for n in &p.nodes {
            if n.node_type.trim().is_empty() {
                extra.push(ValidationIssue {
                    node: Some(n.name.clone()),
                    message: format!("node `{}` has no type", n.name),
                    severity: Severity::Error,
                });
            }
            if let Some(v) = &n.type_version
                && v.trim().parse::<f64>().is_err()
            {
                extra.push(ValidationIssue {
                    node: Some(n.name.clone()),
                    message: format!("node `{}` has type version `{v}`, not a number", n.name),
                    severity: Severity::Error,
                });
            }
        }
        if !extra.is_empty() {
            report.issues.extend(extra);
            report = ValidationReport::of(report.issues);
        }
        Ok(report)
    }
}
