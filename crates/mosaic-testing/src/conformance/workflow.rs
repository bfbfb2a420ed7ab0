//! The conformance suite of [`WorkflowProvider`].
//!
//! It builds small workflows from two node types the engine offers
//! ([`WorkflowSetup::trigger_type`] and [`WorkflowSetup::step_type`]),
//! checks round trips, pagination, tags (made, listed, set on a workflow
//! and kept through activation), activation, a run that is polled until it
//! finishes and cannot be retried once it succeeded, validation and
//! deletion.

use std::time::Duration;

use mosaic_core::workflow::*;
use mosaic_core::{Capabilities, ErrorKind, Family, PageRequest};

use super::{
    CheckResult, Ctx, Fail, Report, ensure, exactly_once, expect_invalid, expect_kind, need, pause,
    walk,
};

/// What the workflow suite needs to know about its environment.
#[derive(Debug, Clone)]
pub struct WorkflowSetup {
    /// A trigger node type that can be run through the API. Default
    /// `fake.manualTrigger`.
    pub trigger_type: String,
    /// A node type that passes its input on. Default `fake.noop`.
    pub step_type: String,
    /// The type version the suite's nodes carry (`None`: the engine's
    /// default). Default `None`.
    pub type_version: Option<String>,
    /// Prefix of the workflows the suite creates.
    pub prefix: String,
    /// Page size used to walk listings. Default 2.
    pub page_size: u32,
    /// How many workflows the pagination check creates. Default 5.
    pub page_items: u32,
    /// Pause between polls of a running execution. Default 1 s.
    pub poll_interval: Duration,
    /// Give up waiting for an execution after this long. Default 5 min.
    pub max_wait: Duration,
}

impl Default for WorkflowSetup {
    fn default() -> Self {
        WorkflowSetup {
            trigger_type: "fake.manualTrigger".to_owned(),
            step_type: "fake.noop".to_owned(),
            type_version: None,
            prefix: "mosaic-conformance".to_owned(),
            page_size: 2,
            page_items: 5,
            poll_interval: Duration::from_secs(1),
            max_wait: Duration::from_secs(300),
        }
    }
}

/// Run the suite against `provider`. See the [module docs](super).
pub async fn run<P: WorkflowProvider + ?Sized>(provider: &P, setup: &WorkflowSetup) -> Report {
    let caps = provider.capabilities();
    let c = C { setup, caps: &caps };
    let mut r = Report::new("workflow");
    r.record(
        "capabilities: they belong to the workflow family",
        if caps.family() == Family::Workflow {
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
        super::unsupported(&caps, |op: WorkflowOp| async move {
            WorkflowRequest::with_defaults(op)
                .send_to(provider)
                .await
                .map(drop)
        })
        .await,
    );
    r.record(
        "workflows and executions: missing ones are NotFound",
        missing(provider, &c).await,
    );
    r.record(
        "executions: retrying a missing one is NotFound",
        retry_missing(provider, &c).await,
    );
    r.record(
        "node types: listed once each, including the setup's",
        node_types(provider, &c).await,
    );
    let created = create(provider, &c).await;
    let id = created.as_ref().ok().cloned();
    r.record(
        "workflows: create then get returns it; an empty name is InvalidInput",
        created.map(drop),
    );
    r.record(
        "workflows: pagination walks every workflow exactly once",
        pagination(provider, &c).await,
    );
    r.record(
        "validation: a graph without nodes is invalid, a trigger-to-step graph valid",
        validate(provider, &c).await,
    );
    match id {
        Some(id) => {
            r.record(
                "workflows: an update is visible to get",
                update(provider, &c, &id).await,
            );
            r.record(
                "tags: created once, listed, set on a workflow by name and read back",
                tags(provider, &c, &id).await,
            );
            r.record(
                "workflows: activate and deactivate, keeping the tags",
                activation(provider, &c, &id).await,
            );
            r.record(
                "executions: a run is fetched, listed, finishes successfully and cannot be retried",
                execution(provider, &c, &id).await,
            );
            r.record(
                "workflows: after delete it is NotFound",
                delete(provider, &c, &id).await,
            );
        }
        None => {
            for name in [
                "workflows: an update is visible to get",
                "tags: created once, listed, set on a workflow by name and read back",
                "workflows: activate and deactivate, keeping the tags",
                "executions: a run is fetched, listed, finishes successfully and cannot be retried",
                "workflows: after delete it is NotFound",
            ] {
                r.skip(name, "no workflow could be created");
            }
        }
    }
    r
}

struct C<'a> {
    setup: &'a WorkflowSetup,
    caps: &'a Capabilities,
}

impl C<'_> {
    fn graph(&self) -> (Vec<WorkflowNode>, Vec<Connection>) {
        let node = |name: &str, kind: &str, x: i64| WorkflowNode {
            id: String::new(),
            name: name.to_owned(),
            node_type: kind.to_owned(),
            type_version: self.setup.type_version.clone(),
            parameters: serde_json::json!({}),
            position: Some([x, 0]),
            webhook_id: None,
        };
        (
            vec![
                node("Start", &self.setup.trigger_type, 0),
                node("Step", &self.setup.step_type, 200),
            ],
            vec![Connection {
                from: "Start".to_owned(),
                output: 0,
                to: "Step".to_owned(),
                input: 0,
            }],
        )
    }

    fn create_params(&self, name: String) -> CreateWorkflow {
        let (nodes, connections) = self.graph();
        CreateWorkflow {
            name,
            nodes,
            connections,
            settings: serde_json::json!({}),
        }
    }
}

async fn missing<P: WorkflowProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[WorkflowOp::GetWorkflow, WorkflowOp::GetExecution])?;
    expect_kind(
        "get_workflow of a missing id",
        p.get_workflow(WorkflowRef {
            id: "987654321".to_owned(),
        })
        .await,
        ErrorKind::NotFound,
    )?;
    expect_kind(
        "get_execution of a missing id",
        p.get_execution(ExecutionRef {
            id: "987654321".to_owned(),
        })
        .await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}

async fn retry_missing<P: WorkflowProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[WorkflowOp::RetryExecution])?;
    expect_kind(
        "retry_execution of a missing id",
        p.retry_execution(ExecutionRef {
            id: "987654321".to_owned(),
        })
        .await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}

async fn node_types<P: WorkflowProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[WorkflowOp::ListNodeTypes])?;
    let all = walk(
        "list_node_types",
        ListNodeTypes {
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_node_types(q),
    )
    .await?;
    let names: Vec<String> = all.iter().map(|t| t.name.clone()).collect();
    exactly_once(
        "list_node_types",
        &names,
        &[c.setup.trigger_type.clone(), c.setup.step_type.clone()],
    )?;
    ensure!(
        all.iter()
            .any(|t| t.name == c.setup.trigger_type && t.trigger),
        "`{}` is not listed as a trigger",
        c.setup.trigger_type
    );
    Ok(())
}

async fn create<P: WorkflowProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult<String> {
    need(
        c.caps,
        &[WorkflowOp::CreateWorkflow, WorkflowOp::GetWorkflow],
    )?;
    let name = format!("{} workflow", c.setup.prefix);
    let w = p
        .create_workflow(c.create_params(name.clone()))
        .await
        .ctx("create_workflow")?;
    ensure!(!w.id.is_empty(), "create_workflow returned an empty id");
    let got = p
        .get_workflow(WorkflowRef { id: w.id.clone() })
        .await
        .ctx("get_workflow")?;
    ensure!(
        got.name == name,
        "get_workflow returned name `{}`",
        got.name
    );
    let mut names: Vec<&str> = got.nodes.iter().map(|n| n.name.as_str()).collect();
    names.sort_unstable();
    ensure!(
        names == ["Start", "Step"],
        "get_workflow returned nodes {names:?}"
    );
    ensure!(
        got.connections
            .iter()
            .any(|x| x.from == "Start" && x.to == "Step"),
        "the connection Start → Step was not stored"
    );
    expect_invalid(
        "create_workflow with an empty name",
        p.create_workflow(c.create_params(String::new())).await,
        "name",
    )?;
    Ok(w.id)
}

async fn pagination<P: WorkflowProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(
        c.caps,
        &[WorkflowOp::CreateWorkflow, WorkflowOp::ListWorkflows],
    )?;
    let mut ids = Vec::new();
    for i in 0..c.setup.page_items {
        let w = p
            .create_workflow(c.create_params(format!("{} listing {i}", c.setup.prefix)))
            .await
            .ctx("create_workflow")?;
        ids.push(w.id);
    }
    let all = walk(
        "list_workflows",
        ListWorkflows {
            active: None,
            tags: Vec::new(),
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_workflows(q),
    )
    .await?;
    let keys: Vec<String> = all.iter().map(|w| w.id.clone()).collect();
    exactly_once("list_workflows", &keys, &ids)?;
    if c.caps.supports(WorkflowOp::DeleteWorkflow) {
        for id in ids {
            p.delete_workflow(WorkflowRef { id })
                .await
                .ctx("delete_workflow")?;
        }
    }
    Ok(())
}

async fn validate<P: WorkflowProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[WorkflowOp::ValidateWorkflow])?;
    let empty = p
        .validate_workflow(ValidateWorkflow::default())
        .await
        .ctx("validate_workflow of an empty graph")?;
    ensure!(!empty.valid, "an empty graph was judged valid");
    ensure!(
        !empty.issues.is_empty(),
        "an invalid graph came without issues"
    );
    let (nodes, connections) = c.graph();
    let good = p
        .validate_workflow(ValidateWorkflow { nodes, connections })
        .await
        .ctx("validate_workflow")?;
    ensure!(
        good.valid,
        "a trigger → step graph was judged invalid: {:?}",
        good.issues
    );
    Ok(())
}

async fn update<P: WorkflowProvider + ?Sized>(p: &P, c: &C<'_>, id: &str) -> CheckResult {
    need(
        c.caps,
        &[WorkflowOp::UpdateWorkflow, WorkflowOp::GetWorkflow],
    )?;
    let name = format!("{} workflow (renamed)", c.setup.prefix);
    p.update_workflow(UpdateWorkflow {
        id: id.to_owned(),
        name: Some(name.clone()),
        ..Default::default()
    })
    .await
    .ctx("update_workflow")?;
    let got = p
        .get_workflow(WorkflowRef { id: id.to_owned() })
        .await
        .ctx("get_workflow after update")?;
    ensure!(
        got.name == name,
        "after update the workflow is named `{}`",
        got.name
    );
    ensure!(
        got.nodes.len() == 2,
        "the update lost nodes: {} left",
        got.nodes.len()
    );
    Ok(())
}

/// Tag names of the suite: unique per workflow, so that reruns against a
/// long-lived engine do not collide, and at most 24 characters (n8n's
/// limit).
fn tag_name(id: &str, which: &str) -> String {
    format!("{which}-{id}").chars().take(24).collect()
}

fn sorted_names(tags: &[Tag]) -> Vec<String> {
    let mut names: Vec<String> = tags.iter().map(|t| t.name.clone()).collect();
    names.sort();
    names
}

async fn tags<P: WorkflowProvider + ?Sized>(p: &P, c: &C<'_>, id: &str) -> CheckResult {
    need(
        c.caps,
        &[
            WorkflowOp::CreateTag,
            WorkflowOp::ListTags,
            WorkflowOp::GetWorkflowTags,
            WorkflowOp::SetWorkflowTags,
            WorkflowOp::GetWorkflow,
        ],
    )?;
    let first = tag_name(id, "a");
    let second = tag_name(id, "b");
    let made = p
        .create_tag(CreateTag {
            name: first.clone(),
        })
        .await
        .ctx("create_tag")?;
    ensure!(!made.id.is_empty(), "create_tag returned an empty id");
    ensure!(
        made.name == first,
        "create_tag returned name `{}`",
        made.name
    );
    expect_kind(
        "create_tag of an existing name",
        p.create_tag(CreateTag {
            name: first.clone(),
        })
        .await,
        ErrorKind::Conflict,
    )?;
    expect_invalid(
        "create_tag with an empty name",
        p.create_tag(CreateTag {
            name: String::new(),
        })
        .await,
        "name",
    )?;
    let all = walk(
        "list_tags",
        ListTags {
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_tags(q),
    )
    .await?;
    let names: Vec<String> = all.iter().map(|t| t.name.clone()).collect();
    exactly_once("list_tags", &names, std::slice::from_ref(&first))?;
    ensure!(
        all.iter().any(|t| t.name == first && t.id == made.id),
        "list_tags lists `{first}` under another id than create_tag returned"
    );

    // `second` does not exist yet: naming it makes it.
    let set = p
        .set_workflow_tags(SetWorkflowTags {
            id: id.to_owned(),
            tags: vec![first.clone(), second.clone()],
        })
        .await
        .ctx("set_workflow_tags")?;
    let want = {
        let mut w = vec![first.clone(), second.clone()];
        w.sort();
        w
    };
    ensure!(
        sorted_names(&set.tags) == want,
        "set_workflow_tags answered tags {:?}",
        sorted_names(&set.tags)
    );
    let got = p
        .get_workflow_tags(WorkflowRef { id: id.to_owned() })
        .await
        .ctx("get_workflow_tags")?;
    ensure!(
        sorted_names(&got.tags) == want,
        "get_workflow_tags after set: {:?}",
        sorted_names(&got.tags)
    );
    let w = p
        .get_workflow(WorkflowRef { id: id.to_owned() })
        .await
        .ctx("get_workflow")?;
    let mut on_workflow = w.tags.clone();
    on_workflow.sort();
    ensure!(
        on_workflow == want,
        "get_workflow after set_workflow_tags lists tags {on_workflow:?}"
    );
    if c.caps.supports(WorkflowOp::ListWorkflows) {
        let tagged = walk(
            "list_workflows by tags",
            ListWorkflows {
                active: None,
                tags: want.clone(),
                page: PageRequest::with_size(c.setup.page_size),
            },
            |q| p.list_workflows(q),
        )
        .await?;
        let ids: Vec<String> = tagged.iter().map(|w| w.id.clone()).collect();
        exactly_once("list_workflows by tags", &ids, &[id.to_owned()])?;
    }
    expect_kind(
        "get_workflow_tags of a missing workflow",
        p.get_workflow_tags(WorkflowRef {
            id: "987654321".to_owned(),
        })
        .await,
        ErrorKind::NotFound,
    )?;

    // Down to one tag; it stays on for the activation check.
    let set = p
        .set_workflow_tags(SetWorkflowTags {
            id: id.to_owned(),
            tags: vec![first.clone()],
        })
        .await
        .ctx("set_workflow_tags to one tag")?;
    ensure!(
        sorted_names(&set.tags) == [first.clone()],
        "set_workflow_tags to one tag answered {:?}",
        sorted_names(&set.tags)
    );
    Ok(())
}

async fn activation<P: WorkflowProvider + ?Sized>(p: &P, c: &C<'_>, id: &str) -> CheckResult {
    need(
        c.caps,
        &[
            WorkflowOp::ActivateWorkflow,
            WorkflowOp::DeactivateWorkflow,
            WorkflowOp::GetWorkflow,
        ],
    )?;
    let before = p
        .get_workflow(WorkflowRef { id: id.to_owned() })
        .await
        .ctx("get_workflow before activation")?;
    let mut tags = before.tags.clone();
    tags.sort();
    let w = p
        .activate_workflow(WorkflowRef { id: id.to_owned() })
        .await
        .ctx("activate_workflow")?;
    ensure!(w.active, "activate_workflow returned an inactive workflow");
    let mut answered = w.tags.clone();
    answered.sort();
    ensure!(
        answered == tags,
        "activate_workflow returned tags {answered:?}; the workflow has {tags:?}"
    );
    let got = p
        .get_workflow(WorkflowRef { id: id.to_owned() })
        .await
        .ctx("get_workflow")?;
    ensure!(got.active, "get_workflow after activation: inactive");
    let w = p
        .deactivate_workflow(WorkflowRef { id: id.to_owned() })
        .await
        .ctx("deactivate_workflow")?;
    ensure!(!w.active, "deactivate_workflow returned an active workflow");
    let mut answered = w.tags.clone();
    answered.sort();
    ensure!(
        answered == tags,
        "deactivate_workflow returned tags {answered:?}; the workflow has {tags:?}"
    );
    Ok(())
}

async fn execution<P: WorkflowProvider + ?Sized>(p: &P, c: &C<'_>, id: &str) -> CheckResult {
    need(
        c.caps,
        &[
            WorkflowOp::RunWorkflow,
            WorkflowOp::GetExecution,
            WorkflowOp::ListExecutions,
        ],
    )?;
    let run = p
        .run_workflow(RunWorkflow {
            id: id.to_owned(),
            input: serde_json::json!({ "hello": "world" }),
        })
        .await
        .ctx("run_workflow")?;
    ensure!(
        run.workflow_id == id,
        "the execution belongs to `{}`",
        run.workflow_id
    );
    let start = tokio::time::Instant::now();
    let done = loop {
        let e = p
            .get_execution(ExecutionRef { id: run.id.clone() })
            .await
            .ctx("get_execution")?;
        ensure!(e.id == run.id, "get_execution returned `{}`", e.id);
        if matches!(
            e.status,
            ExecutionStatus::Success | ExecutionStatus::Error | ExecutionStatus::Cancelled
        ) {
            break e;
        }
        if start.elapsed() >= c.setup.max_wait {
            super::fail!(
                "execution {} is still {:?} after {:?}",
                run.id,
                e.status,
                c.setup.max_wait
            );
        }
        pause(c.setup.poll_interval).await;
    };
    ensure!(
        done.status == ExecutionStatus::Success,
        "a trigger → step run ended {:?}",
        done.status
    );
    ensure!(
        done.finished_at.is_some(),
        "a finished execution has no finished_at"
    );
    if c.caps.supports(WorkflowOp::RetryExecution) {
        expect_kind(
            "retry_execution of a successful execution",
            p.retry_execution(ExecutionRef {
                id: done.id.clone(),
            })
            .await,
            ErrorKind::Conflict,
        )?;
    }
    let all = walk(
        "list_executions",
        ListExecutions {
            workflow_id: Some(id.to_owned()),
            status: None,
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_executions(q),
    )
    .await?;
    let ids: Vec<String> = all.iter().map(|e| e.id.clone()).collect();
    exactly_once("list_executions", &ids, &[run.id])
}

async fn delete<P: WorkflowProvider + ?Sized>(p: &P, c: &C<'_>, id: &str) -> CheckResult {
    need(
        c.caps,
        &[WorkflowOp::DeleteWorkflow, WorkflowOp::GetWorkflow],
    )?;
    p.delete_workflow(WorkflowRef { id: id.to_owned() })
        .await
        .ctx("delete_workflow")?;
    expect_kind(
        "get_workflow after delete",
        p.get_workflow(WorkflowRef { id: id.to_owned() }).await,
        ErrorKind::NotFound,
    )?;
    expect_kind(
        "delete_workflow of a deleted workflow",
        p.delete_workflow(WorkflowRef { id: id.to_owned() }).await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}
