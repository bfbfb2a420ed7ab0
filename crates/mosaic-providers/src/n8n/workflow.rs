//! [`WorkflowProvider`] for [`N8n`].

use async_trait::async_trait;
use mosaic_core::workflow::*;
use mosaic_core::{Capabilities, Cursor, Error, Page, PageRequest, Result};
use serde_json::{Map, Value};

use super::{N8n, map, wire};
use crate::http::{RequestSpec, path};

/// Default and largest page sizes of n8n listings.
const PAGE_DEFAULT: u32 = 100;
const PAGE_MAX: u32 = 250;

/// `value`, unless it is blank (`InvalidInput` on `field`).
pub(super) fn nonempty<'a>(field: &str, value: &'a str) -> Result<&'a str> {
    if value.trim().is_empty() {
        Err(Error::invalid_input(field, "must not be empty").with_provider("n8n"))
    } else {
        Ok(value)
    }
}

/// A page of `l` mapped with `f`; the `nextCursor` is the Mosaic cursor.
pub(super) fn page<T, U>(l: wire::List<T>, f: impl FnMut(T) -> U) -> Page<U> {
    let next = l.next_cursor.filter(|c| !c.is_empty()).map(Cursor::new);
    Page::new(l.data.into_iter().map(f).collect(), next)
}

fn paged<'t>(req: RequestSpec<'t>, page: &PageRequest) -> RequestSpec<'t> {
    req.query("limit", page.size_or(PAGE_DEFAULT, PAGE_MAX))
        .cursor_param("cursor", page)
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
        Ok(map::workflow(w))
    }
}

#[async_trait]
impl WorkflowProvider for N8n {
    fn capabilities(&self) -> Capabilities {
        N8n::capabilities()
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
        let w: wire::Workflow = self.http.post("/workflows").json(&body).send_json().await?;
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
        Ok(map::workflow(w))
    }

    async fn delete_workflow(&self, p: WorkflowRef) -> Result<()> {
        let id = nonempty("id", &p.id)?;
        self.http
            .delete(&format!("/workflows/{}", path::segment(id)))
            .send_unit()
            .await
    }

    async fn list_workflows(&self, p: ListWorkflows) -> Result<Page<Workflow>> {
        let mut req = paged(self.http.get("/workflows"), &p.page).query_opt("active", p.active);
        if !p.tags.is_empty() {
            req = req.query("tags", p.tags.join(","));
        }
        let l: wire::List<wire::Workflow> = req.send_json().await?;
        // n8n's tag filter matches workflows with any of the tags; Mosaic
        // asks for all of them.
        let mut out = page(l, map::workflow);
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
        let id = nonempty("id", &p.id)?;
        let e: wire::Execution = self
            .http
            .post(&format!("/executions/{}/stop", path::segment(id)))
            .send_json()
            .await?;
        if e.workflow_id.is_some() {
            return Ok(map::execution(e, Some(id)));
        }
        // Newer versions answer with the state only; fetch the rest.
        let full: wire::Execution = self
            .http
            .get(&format!("/executions/{}", path::segment(id)))
            .query("includeData", false)
            .send_json()
            .await?;
        Ok(map::execution(full, Some(id)))
    }

    async fn list_executions(&self, p: ListExecutions) -> Result<Page<Execution>> {
        let req = paged(self.http.get("/executions"), &p.page)
            .query_opt("workflowId", p.workflow_id.as_deref())
            .query_opt("status", p.status.map(map::status_filter));
        let l: wire::List<wire::Execution> = req.send_json().await?;
        Ok(page(l, |e| map::execution(e, None)))
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
