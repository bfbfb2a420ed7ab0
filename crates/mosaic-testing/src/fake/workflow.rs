//! [`FakeWorkflow`]: an in-memory workflow engine whose executions run on
//! tokio time.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use mosaic_core::workflow::*;
use mosaic_core::{Capabilities, Error, Page, Result};
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{Core, FakeClock, fake_controls, require};

const DEFAULT_PAGE: u32 = 50;
/// How long a node takes unless it says otherwise.
const STEP: Duration = Duration::from_secs(1);

/// What a node type does when executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Starts a workflow; outputs the run's input.
    Trigger,
    /// Passes its input on.
    Pass,
    /// Merges `parameters.values` (an object) into its input.
    Set,
    /// Output 0 if `input[parameters.field] == parameters.equals`, else output 1.
    If,
    /// Waits `parameters.seconds`.
    Wait,
    /// Fails the execution with `parameters.message`.
    Fail,
}

fn builtin_types() -> Vec<(NodeType, Behaviour)> {
    let t = |name: &str, display: &str, desc: &str, trigger: bool, b: Behaviour| {
        (
            NodeType {
                name: name.to_owned(),
                display_name: display.to_owned(),
                description: Some(desc.to_owned()),
                trigger,
                versions: vec!["1".to_owned()],
            },
            b,
        )
    };
    vec![
        t(
            "fake.manualTrigger",
            "Manual trigger",
            "Starts the workflow by hand or through the API; outputs the run's input.",
            true,
            Behaviour::Trigger,
        ),
        t(
            "fake.webhookTrigger",
            "Webhook trigger",
            "Starts the workflow from a webhook; outputs the run's input.",
            true,
            Behaviour::Trigger,
        ),
        t(
            "fake.noop",
            "No operation",
            "Passes its input on.",
            false,
            Behaviour::Pass,
        ),
        t(
            "fake.set",
            "Set",
            "Merges the object `parameters.values` into its input.",
            false,
            Behaviour::Set,
        ),
        t(
            "fake.if",
            "If",
            "Output 0 when `input[parameters.field]` equals `parameters.equals`, output 1 otherwise.",
            false,
            Behaviour::If,
        ),
        t(
            "fake.wait",
            "Wait",
            "Waits `parameters.seconds` seconds.",
            false,
            Behaviour::Wait,
        ),
        t(
            "fake.fail",
            "Fail",
            "Fails the execution with `parameters.message`.",
            false,
            Behaviour::Fail,
        ),
    ]
}

/// An in-memory workflow engine implementing every [`WorkflowProvider`]
/// operation.
///
/// Node types (see `list_node_types`): `fake.manualTrigger` and
/// `fake.webhookTrigger` (triggers), `fake.noop`, `fake.set` (merges
/// `parameters.values` into the data), `fake.if` (routes on
/// `parameters.field == parameters.equals`), `fake.wait` (waits
/// `parameters.seconds`) and `fake.fail` (fails the run). A workflow may be
/// saved incomplete, but unknown node types, duplicate node names and
/// dangling connections are `InvalidInput`; activating or running it needs a
/// valid graph (a trigger, everything reachable).
///
/// A run is planned when it starts and unfolds on tokio's clock: each node
/// takes one second (a wait node its `seconds`), the execution is `running`
/// until the last node, then `success` — or `error` when a fail node is
/// reached. Its `data` holds each executed node's output (`nodes`) and the
/// final output (`output`). Stopping a running execution cancels it;
/// retrying a failed or stopped one runs the workflow again, as it is now,
/// with the same input (mode `retry`).
///
/// Tags are made by `create_tag` or by naming them in `set_workflow_tags`;
/// a workflow lists its tags by name. A `fake.webhookTrigger` node saved
/// without a webhook id gets one (UUID-shaped, counted up from
/// `00000000-0000-4000-8000-000000000001`), and keeps it across updates.
///
/// ```
/// use std::time::Duration;
/// use mosaic_core::workflow::*;
/// use mosaic_testing::FakeWorkflow;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
/// let engine = FakeWorkflow::new();
/// let wf = engine.create_workflow(CreateWorkflow {
///     name: "greet".into(),
///     nodes: vec![
///         WorkflowNode { name: "start".into(), node_type: "fake.manualTrigger".into(), ..Default::default() },
///         WorkflowNode {
///             name: "set".into(),
///             node_type: "fake.set".into(),
///             parameters: serde_json::json!({ "values": { "greeting": "hi" } }),
///             ..Default::default()
///         },
///     ],
///     connections: vec![Connection { from: "start".into(), output: 0, to: "set".into(), input: 0 }],
///     ..Default::default()
/// }).await?;
/// let run = engine.run_workflow(RunWorkflow { id: wf.id, input: serde_json::json!({ "who": "you" }) }).await?;
/// tokio::time::advance(Duration::from_secs(5)).await;
/// let done = engine.get_execution(ExecutionRef { id: run.id }).await?;
/// assert_eq!(done.status, ExecutionStatus::Success);
/// assert_eq!(done.data["output"], serde_json::json!({ "who": "you", "greeting": "hi" }));
/// # Ok::<(), mosaic_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct FakeWorkflow {
    core: Arc<Core>,
    state: Arc<Mutex<WfState>>,
}

struct ExecRec {
    id: u64,
    workflow_id: String,
    input: Value,
    mode: String,
    started: Instant,
    end: Instant,
    outcome: ExecutionStatus,
    stopped_at: Option<Instant>,
    data: Value,
}

impl ExecRec {
    fn status(&self, now: Instant) -> ExecutionStatus {
        if let Some(s) = self.stopped_at
            && now >= s
        {
            return ExecutionStatus::Cancelled;
        }
        if now < self.started {
            ExecutionStatus::Queued
        } else if now < self.end {
            ExecutionStatus::Running
        } else {
            self.outcome
        }
    }

    fn view(&self, now: Instant, clock: &FakeClock) -> Execution {
        let status = self.status(now);
        let finished = match status {
            ExecutionStatus::Success | ExecutionStatus::Error => Some(clock.at(self.end)),
            ExecutionStatus::Cancelled => self.stopped_at.map(|s| clock.at(s)),
            _ => None,
        };
        Execution {
            id: self.id.to_string(),
            workflow_id: self.workflow_id.clone(),
            status,
            mode: Some(self.mode.clone()),
            started_at: Some(clock.at(self.started)),
            finished_at: finished,
            data: if matches!(status, ExecutionStatus::Success | ExecutionStatus::Error) {
                self.data.clone()
            } else {
                Value::Null
            },
        }
    }
}

struct WfState {
    types: BTreeMap<String, (NodeType, Behaviour)>,
    workflows: BTreeMap<u64, Workflow>,
    executions: BTreeMap<u64, ExecRec>,
    tags: BTreeMap<u64, Tag>,
    next_id: u64,
    next_node: u64,
    next_webhook: u64,
}

impl fmt::Debug for FakeWorkflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        f.debug_struct("FakeWorkflow")
            .field("name", &self.core.name())
            .field("workflows", &s.workflows.len())
            .field("executions", &s.executions.len())
            .finish()
    }
}

impl Default for FakeWorkflow {
    fn default() -> Self {
        Self::new()
    }
}

fake_controls!(FakeWorkflow, WorkflowOp, "fake-workflow");

impl FakeWorkflow {
    /// An empty engine named `fake-workflow`.
    pub fn new() -> Self {
        Self::named("fake-workflow")
    }

    /// An empty engine whose errors carry provider name `name`.
    pub fn named(name: &str) -> Self {
        FakeWorkflow {
            core: Arc::new(Core::new::<WorkflowOp>(name)),
            state: Arc::new(Mutex::new(WfState {
                types: builtin_types()
                    .into_iter()
                    .map(|(t, b)| (t.name.clone(), (t, b)))
                    .collect(),
                workflows: BTreeMap::new(),
                executions: BTreeMap::new(),
                tags: BTreeMap::new(),
                next_id: 1,
                next_node: 1,
                next_webhook: 1,
            })),
        }
    }

    /// Offer another node type (it passes its input on when executed).
    pub fn seed_node_type(&self, node_type: NodeType) {
        let b = if node_type.trigger {
            Behaviour::Trigger
        } else {
            Behaviour::Pass
        };
        self.state
            .lock()
            .types
            .insert(node_type.name.clone(), (node_type, b));
    }

    /// Add a workflow.
    ///
    /// # Errors
    /// As `create_workflow`.
    pub fn seed_workflow(&self, workflow: CreateWorkflow) -> Result<Workflow> {
        let now = self.core.clock().now();
        self.state
            .lock()
            .create(workflow, &now)
            .map_err(|e| self.core.tag(e))
    }

    /// Replace a workflow's tags (by name; missing tags are made), as
    /// `set_workflow_tags` does but without its checks and counting.
    ///
    /// # Errors
    /// `NotFound` for an unknown workflow, `InvalidInput` for a blank name.
    pub fn set_tags(&self, id: &str, tags: Vec<String>) -> Result<()> {
        let now = self.core.clock().now();
        let mut s = self.state.lock();
        s.set_workflow_tags(id, &tags, &now)
            .map(drop)
            .map_err(|e| self.core.tag(e))
    }

    /// Every workflow, by id.
    pub fn workflows(&self) -> Vec<Workflow> {
        self.state.lock().workflows.values().cloned().collect()
    }

    async fn run<P: Serialize, T>(
        &self,
        op: WorkflowOp,
        params: P,
        f: impl FnOnce(&mut WfState, P, Instant, &FakeClock) -> Result<T>,
    ) -> Result<T> {
        self.core.enter(op, &params).await?;
        let now = Instant::now();
        f(&mut self.state.lock(), params, now, self.core.clock()).map_err(|e| self.core.tag(e))
    }
}

impl WfState {
    fn workflow(&self, id: &str) -> Result<&Workflow> {
        require("id", id)?;
        id.parse::<u64>()
            .ok()
            .and_then(|n| self.workflows.get(&n))
            .ok_or_else(|| Error::not_found(format!("workflow `{id}` not found")))
    }

    fn workflow_mut(&mut self, id: &str) -> Result<&mut Workflow> {
        require("id", id)?;
        id.parse::<u64>()
            .ok()
            .and_then(|n| self.workflows.get_mut(&n))
            .ok_or_else(|| Error::not_found(format!("workflow `{id}` not found")))
    }

    fn execution_mut(&mut self, id: &str) -> Result<&mut ExecRec> {
        require("id", id)?;
        id.parse::<u64>()
            .ok()
            .and_then(|n| self.executions.get_mut(&n))
            .ok_or_else(|| Error::not_found(format!("execution `{id}` not found")))
    }

    fn tag_named(&self, name: &str) -> Option<&Tag> {
        self.tags.values().find(|t| t.name == name)
    }

    fn create_tag(&mut self, name: &str, now: &str) -> Result<Tag> {
        require("name", name)?;
        let name = name.trim();
        if self.tag_named(name).is_some() {
            return Err(Error::conflict(format!("tag `{name}` already exists")));
        }
        let id = self.next_id;
        self.next_id += 1;
        let tag = Tag {
            id: id.to_string(),
            name: name.to_owned(),
            created_at: Some(now.to_owned()),
            updated_at: Some(now.to_owned()),
        };
        self.tags.insert(id, tag.clone());
        Ok(tag)
    }

    fn workflow_tags(&self, id: &str) -> Result<WorkflowTags> {
        let w = self.workflow(id)?;
        let tags = w
            .tags
            .iter()
            .filter_map(|name| self.tag_named(name).cloned())
            .collect();
        Ok(WorkflowTags {
            id: w.id.clone(),
            tags,
        })
    }

    fn set_workflow_tags(&mut self, id: &str, names: &[String], now: &str) -> Result<WorkflowTags> {
        self.workflow(id)?;
        let mut wanted: Vec<String> = Vec::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            require(&format!("tags[{i}]"), n)?;
            let n = n.trim().to_owned();
            if !wanted.contains(&n) {
                wanted.push(n);
            }
        }
        for n in &wanted {
            if self.tag_named(n).is_none() {
                self.create_tag(n, now)?;
            }
        }
        self.workflow_mut(id)?.tags = wanted;
        self.workflow_tags(id)
    }

    /// Give every webhook trigger a webhook id: the one it names, else the
    /// one of the `previous` node with its id (or name), else a new one.
    fn assign_webhook_ids(&mut self, nodes: &mut [WorkflowNode], previous: &[WorkflowNode]) {
        for n in nodes.iter_mut() {
            if n.webhook_id
                .as_deref()
                .is_some_and(|w| !w.trim().is_empty())
            {
                continue;
            }
            if n.node_type != "fake.webhookTrigger" {
                n.webhook_id = None;
                continue;
            }
            let kept = previous
                .iter()
                .find(|p| {
                    if n.id.is_empty() {
                        p.name == n.name
                    } else {
                        p.id == n.id
                    }
                })
                .and_then(|p| p.webhook_id.clone());
            n.webhook_id = Some(kept.unwrap_or_else(|| {
                let id = format!("00000000-0000-4000-8000-{:012x}", self.next_webhook);
                self.next_webhook += 1;
                id
            }));
        }
    }

    /// Structural checks any saved workflow must pass.
    fn check_structure(
        &mut self,
        nodes: &mut [WorkflowNode],
        connections: &[Connection],
    ) -> Result<()> {
        let mut names = BTreeSet::new();
        for (i, n) in nodes.iter_mut().enumerate() {
            require(&format!("nodes[{i}].name"), &n.name)?;
            if !names.insert(n.name.clone()) {
                return Err(Error::invalid_input(
                    format!("nodes[{i}].name"),
                    format!("duplicate node name `{}`", n.name),
                ));
            }
            if !self.types.contains_key(&n.node_type) {
                return Err(Error::invalid_input(
                    format!("nodes[{i}].node_type"),
                    format!("unknown node type `{}`", n.node_type),
                ));
            }
            if n.id.is_empty() {
                n.id = format!("node-{}", self.next_node);
                self.next_node += 1;
            }
            if n.parameters.is_null() {
                n.parameters = json!({});
            }
        }
        for (i, c) in connections.iter().enumerate() {
            for end in [&c.from, &c.to] {
                if !names.contains(end) {
                    return Err(Error::invalid_input(
                        format!("connections[{i}]"),
                        format!("refers to unknown node `{end}`"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn report(&self, nodes: &[WorkflowNode], connections: &[Connection]) -> ValidationReport {
        let mut report = validate_graph(nodes, connections, |n| {
            self.types.get(&n.node_type).is_some_and(|(t, _)| t.trigger)
        });
        for n in nodes {
            if !self.types.contains_key(&n.node_type) {
                report.issues.push(ValidationIssue {
                    node: Some(n.name.clone()),
                    message: format!("unknown node type `{}`", n.node_type),
                    severity: Severity::Error,
                });
            }
            if let Some((_, b)) = self.types.get(&n.node_type) {
                let bad = match b {
                    Behaviour::Set => !n.parameters.get("values").is_some_and(Value::is_object),
                    Behaviour::If => !n.parameters.get("field").is_some_and(Value::is_string),
                    Behaviour::Wait => !n.parameters.get("seconds").is_some_and(Value::is_u64),
                    _ => false,
                };
                if bad {
                    report.issues.push(ValidationIssue {
                        node: Some(n.name.clone()),
                        message: format!("node `{}` lacks the parameters its type needs", n.name),
                        severity: Severity::Warning,
                    });
                }
            }
        }
        ValidationReport::of(report.issues)
    }

    fn require_runnable(&self, w: &Workflow) -> Result<()> {
        let report = self.report(&w.nodes, &w.connections);
        if report.valid {
            return Ok(());
        }
        let first = report
            .issues
            .iter()
            .find(|i| i.severity == Severity::Error)
            .map(|i| i.message.clone())
            .unwrap_or_default();
        Err(Error::invalid_input(
            "nodes",
            format!("the workflow cannot run: {first}"),
        ))
    }

    fn create(&mut self, p: CreateWorkflow, now: &str) -> Result<Workflow> {
        require("name", &p.name)?;
        let mut nodes = p.nodes;
        self.check_structure(&mut nodes, &p.connections)?;
        self.assign_webhook_ids(&mut nodes, &[]);
        let id = self.next_id;
        self.next_id += 1;
        let w = Workflow {
            id: id.to_string(),
            name: p.name,
            active: false,
            nodes,
            connections: p.connections,
            tags: Vec::new(),
            settings: if p.settings.is_null() {
                json!({})
            } else {
                p.settings
            },
            created_at: Some(now.to_owned()),
            updated_at: Some(now.to_owned()),
        };
        self.workflows.insert(id, w.clone());
        Ok(w)
    }

    /// Walk the graph from its triggers: (duration, outcome, data).
    fn execute(&self, w: &Workflow, input: &Value) -> (Duration, ExecutionStatus, Value) {
        let by_name: BTreeMap<&str, &WorkflowNode> =
            w.nodes.iter().map(|n| (n.name.as_str(), n)).collect();
        let mut outputs = serde_json::Map::new();
        let mut elapsed = Duration::ZERO;
        let mut last = input.clone();
        let mut queue: Vec<(String, Value)> = w
            .nodes
            .iter()
            .filter(|n| self.types.get(&n.node_type).is_some_and(|(t, _)| t.trigger))
            .map(|n| (n.name.clone(), input.clone()))
            .collect();
        queue.reverse();
        let mut steps = 0;
        while let Some((name, data)) = queue.pop() {
            steps += 1;
            if steps > 10_000 {
                let data = json!({ "nodes": outputs, "error": "the execution did not terminate (cycle?)" });
                return (elapsed, ExecutionStatus::Error, data);
            }
            let node = by_name[name.as_str()];
            let behaviour = self.types[&node.node_type].1;
            elapsed += STEP;
            let (out, port) = match behaviour {
                Behaviour::Trigger | Behaviour::Pass => (data, 0),
                Behaviour::Set => {
                    let mut merged = data.as_object().cloned().unwrap_or_default();
                    if let Some(values) = node.parameters.get("values").and_then(Value::as_object) {
                        for (k, v) in values {
                            merged.insert(k.clone(), v.clone());
                        }
                    }
                    (Value::Object(merged), 0)
                }
                Behaviour::If => {
                    let field = node
                        .parameters
                        .get("field")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let want = node
                        .parameters
                        .get("equals")
                        .cloned()
                        .unwrap_or(Value::Null);
                    let port = if data.get(field) == Some(&want) { 0 } else { 1 };
                    (data, port)
                }
                Behaviour::Wait => {
                    let secs = node
                        .parameters
                        .get("seconds")
                        .and_then(Value::as_u64)
                        .unwrap_or(1);
                    elapsed += Duration::from_secs(secs).saturating_sub(STEP);
                    (data, 0)
                }
                Behaviour::Fail => {
                    let msg = node
                        .parameters
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("failed by a fail node")
                        .to_owned();
                    outputs.insert(name.clone(), json!({ "error": msg }));
                    let data = json!({ "nodes": outputs, "error": msg, "failed_node": name });
                    return (elapsed, ExecutionStatus::Error, data);
                }
            };
            outputs.insert(name.clone(), out.clone());
            last = out.clone();
            let mut next: Vec<(String, Value)> = w
                .connections
                .iter()
                .filter(|c| c.from == name && c.output == port)
                .map(|c| (c.to.clone(), out.clone()))
                .collect();
            next.reverse();
            queue.extend(next);
        }
        (
            elapsed,
            ExecutionStatus::Success,
            json!({ "nodes": outputs, "output": last }),
        )
    }
}

#[async_trait]
impl WorkflowProvider for FakeWorkflow {
    fn capabilities(&self) -> Capabilities {
        self.core.capabilities()
    }

    async fn create_workflow(&self, p: CreateWorkflow) -> Result<Workflow> {
        self.run(WorkflowOp::CreateWorkflow, p, |s, p, _, clock| {
            s.create(p, &clock.now())
        })
        .await
    }

    async fn get_workflow(&self, p: WorkflowRef) -> Result<Workflow> {
        self.run(WorkflowOp::GetWorkflow, p, |s, p, _, _| {
            s.workflow(&p.id).cloned()
        })
        .await
    }

    async fn update_workflow(&self, p: UpdateWorkflow) -> Result<Workflow> {
        self.run(WorkflowOp::UpdateWorkflow, p, |s, p, _, clock| {
            let current = s.workflow(&p.id)?.clone();
            if let Some(n) = &p.name {
                require("name", n)?;
            }
            let mut nodes = p.nodes.unwrap_or(current.nodes.clone());
            let connections = p.connections.unwrap_or(current.connections.clone());
            s.check_structure(&mut nodes, &connections)?;
            s.assign_webhook_ids(&mut nodes, &current.nodes);
            let mut next = current;
            next.nodes = nodes;
            next.connections = connections;
            if next.active {
                s.require_runnable(&next)?;
            }
            if let Some(n) = p.name {
                next.name = n;
            }
            if let Some(st) = p.settings {
                next.settings = st;
            }
            next.updated_at = Some(clock.now());
            *s.workflow_mut(&p.id)? = next.clone();
            Ok(next)
        })
        .await
    }

    async fn delete_workflow(&self, p: WorkflowRef) -> Result<()> {
        self.run(WorkflowOp::DeleteWorkflow, p, |s, p, _, _| {
            s.workflow(&p.id)?;
            s.workflows.remove(&p.id.parse::<u64>().expect("checked"));
            s.executions.retain(|_, e| e.workflow_id != p.id);
            Ok(())
        })
        .await
    }

    async fn list_workflows(&self, p: ListWorkflows) -> Result<Page<Workflow>> {
        self.run(WorkflowOp::ListWorkflows, p, |s, p, _, _| {
            let items = s
                .workflows
                .values()
                .filter(|w| p.active.is_none_or(|a| a == w.active))
                .filter(|w| p.tags.iter().all(|t| w.tags.contains(t)))
                .cloned()
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn activate_workflow(&self, p: WorkflowRef) -> Result<Workflow> {
        self.run(WorkflowOp::ActivateWorkflow, p, |s, p, _, clock| {
            let w = s.workflow(&p.id)?.clone();
            s.require_runnable(&w)?;
            let w = s.workflow_mut(&p.id)?;
            if !w.active {
                w.active = true;
                w.updated_at = Some(clock.now());
            }
            Ok(w.clone())
        })
        .await
    }

    async fn deactivate_workflow(&self, p: WorkflowRef) -> Result<Workflow> {
        self.run(WorkflowOp::DeactivateWorkflow, p, |s, p, _, clock| {
            let w = s.workflow_mut(&p.id)?;
            if w.active {
                w.active = false;
                w.updated_at = Some(clock.now());
            }
            Ok(w.clone())
        })
        .await
    }

    async fn run_workflow(&self, p: RunWorkflow) -> Result<Execution> {
        self.run(WorkflowOp::RunWorkflow, p, |s, p, now, clock| {
            let w = s.workflow(&p.id)?.clone();
            s.require_runnable(&w)?;
            let input = if p.input.is_null() {
                json!({})
            } else {
                p.input
            };
            let (duration, outcome, data) = s.execute(&w, &input);
            let id = s.next_id;
            s.next_id += 1;
            let rec = ExecRec {
                id,
                workflow_id: w.id.clone(),
                input,
                mode: "manual".to_owned(),
                started: now,
                end: now + duration,
                outcome,
                stopped_at: None,
                data,
            };
            let view = rec.view(now, clock);
            s.executions.insert(id, rec);
            Ok(view)
        })
        .await
    }

    async fn get_execution(&self, p: ExecutionRef) -> Result<Execution> {
        self.run(WorkflowOp::GetExecution, p, |s, p, now, clock| {
            require("id", &p.id)?;
            p.id.parse::<u64>()
                .ok()
                .and_then(|n| s.executions.get(&n))
                .map(|e| e.view(now, clock))
                .ok_or_else(|| Error::not_found(format!("execution `{}` not found", p.id)))
        })
        .await
    }

    async fn stop_execution(&self, p: ExecutionRef) -> Result<Execution> {
        self.run(WorkflowOp::StopExecution, p, |s, p, now, clock| {
            let e = s.execution_mut(&p.id)?;
            match e.status(now) {
                ExecutionStatus::Queued | ExecutionStatus::Running | ExecutionStatus::Waiting => {
                    e.stopped_at = Some(now);
                    Ok(e.view(now, clock))
                }
                done => Err(Error::conflict(format!(
                    "execution {} has already finished ({done:?})",
                    p.id
                ))),
            }
        })
        .await
    }

    async fn list_executions(&self, p: ListExecutions) -> Result<Page<Execution>> {
        self.run(WorkflowOp::ListExecutions, p, |s, p, now, clock| {
            if let Some(w) = &p.workflow_id {
                s.workflow(w)?;
            }
            let items = s
                .executions
                .values()
                .rev()
                .filter(|e| p.workflow_id.as_ref().is_none_or(|w| *w == e.workflow_id))
                .map(|e| e.view(now, clock))
                .filter(|e| p.status.is_none_or(|st| st == e.status))
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn retry_execution(&self, p: ExecutionRef) -> Result<Execution> {
        self.run(WorkflowOp::RetryExecution, p, |s, p, now, clock| {
            let e = s.execution_mut(&p.id)?;
            match e.status(now) {
                ExecutionStatus::Error | ExecutionStatus::Cancelled => {}
                ExecutionStatus::Success => {
                    return Err(Error::conflict(format!(
                        "execution {} succeeded, so there is nothing to retry",
                        p.id
                    )));
                }
                running => {
                    return Err(Error::conflict(format!(
                        "execution {} has not finished ({running:?})",
                        p.id
                    )));
                }
            }
            let (workflow_id, input) = (e.workflow_id.clone(), e.input.clone());
            let w = s.workflow(&workflow_id)?.clone();
            s.require_runnable(&w)?;
            let (duration, outcome, data) = s.execute(&w, &input);
            let id = s.next_id;
            s.next_id += 1;
            let rec = ExecRec {
                id,
                workflow_id,
                input,
                mode: "retry".to_owned(),
                started: now,
                end: now + duration,
                outcome,
                stopped_at: None,
                data,
            };
            let view = rec.view(now, clock);
            s.executions.insert(id, rec);
            Ok(view)
        })
        .await
    }

    async fn list_tags(&self, p: ListTags) -> Result<Page<Tag>> {
        self.run(WorkflowOp::ListTags, p, |s, p, _, _| {
            let items = s.tags.values().cloned().collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn create_tag(&self, p: CreateTag) -> Result<Tag> {
        self.run(WorkflowOp::CreateTag, p, |s, p, _, clock| {
            s.create_tag(&p.name, &clock.now())
        })
        .await
    }

    async fn get_workflow_tags(&self, p: WorkflowRef) -> Result<WorkflowTags> {
        self.run(WorkflowOp::GetWorkflowTags, p, |s, p, _, _| {
            s.workflow_tags(&p.id)
        })
        .await
    }

    async fn set_workflow_tags(&self, p: SetWorkflowTags) -> Result<WorkflowTags> {
        self.run(WorkflowOp::SetWorkflowTags, p, |s, p, _, clock| {
            s.set_workflow_tags(&p.id, &p.tags, &clock.now())
        })
        .await
    }

    async fn list_node_types(&self, p: ListNodeTypes) -> Result<Page<NodeType>> {
        self.run(WorkflowOp::ListNodeTypes, p, |s, p, _, _| {
            let items = s.types.values().map(|(t, _)| t.clone()).collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn validate_workflow(&self, p: ValidateWorkflow) -> Result<ValidationReport> {
        self.run(WorkflowOp::ValidateWorkflow, p, |s, p, _, _| {
            Ok(s.report(&p.nodes, &p.connections))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, node_type: &str, parameters: Value) -> WorkflowNode {
        WorkflowNode {
            name: name.to_owned(),
            node_type: node_type.to_owned(),
            parameters,
            ..Default::default()
        }
    }

    fn edge(from: &str, to: &str) -> Connection {
        Connection {
            from: from.to_owned(),
            output: 0,
            to: to.to_owned(),
            input: 0,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_execution_is_retried_with_its_input() {
        let engine = FakeWorkflow::new();
        let wf = engine
            .create_workflow(CreateWorkflow {
                name: "flaky".into(),
                nodes: vec![
                    node("Start", "fake.manualTrigger", json!({})),
                    node("Boom", "fake.fail", json!({"message": "boom"})),
                ],
                connections: vec![edge("Start", "Boom")],
                ..Default::default()
            })
            .await
            .unwrap();
        let run = engine
            .run_workflow(RunWorkflow {
                id: wf.id.clone(),
                input: json!({"attempt": 1}),
            })
            .await
            .unwrap();
        // Still running: nothing to retry yet.
        let e = engine
            .retry_execution(ExecutionRef { id: run.id.clone() })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), mosaic_core::ErrorKind::Conflict);
        tokio::time::advance(Duration::from_secs(5)).await;

        // Fixed meanwhile: the retry runs the workflow as it is now.
        engine
            .update_workflow(UpdateWorkflow {
                id: wf.id.clone(),
                nodes: Some(vec![
                    node("Start", "fake.manualTrigger", json!({})),
                    node("Boom", "fake.noop", json!({})),
                ]),
                ..Default::default()
            })
            .await
            .unwrap();
        let again = engine
            .retry_execution(ExecutionRef { id: run.id.clone() })
            .await
            .unwrap();
        assert_ne!(again.id, run.id);
        assert_eq!(again.mode.as_deref(), Some("retry"));
        tokio::time::advance(Duration::from_secs(5)).await;
        let done = engine
            .get_execution(ExecutionRef {
                id: again.id.clone(),
            })
            .await
            .unwrap();
        assert_eq!(done.status, ExecutionStatus::Success);
        assert_eq!(done.data["output"], json!({"attempt": 1}));
        // A success is not retried; a missing execution is NotFound.
        let e = engine
            .retry_execution(ExecutionRef { id: again.id })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), mosaic_core::ErrorKind::Conflict);
        let e = engine
            .retry_execution(ExecutionRef { id: "999".into() })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), mosaic_core::ErrorKind::NotFound);
    }

    #[tokio::test(start_paused = true)]
    async fn tags_are_made_by_name_and_listed() {
        let engine = FakeWorkflow::new();
        let wf = engine
            .create_workflow(CreateWorkflow {
                name: "tagged".into(),
                nodes: vec![node("Start", "fake.manualTrigger", json!({}))],
                ..Default::default()
            })
            .await
            .unwrap();
        let made = engine
            .create_tag(CreateTag {
                name: "prod".into(),
            })
            .await
            .unwrap();
        let e = engine
            .create_tag(CreateTag {
                name: "prod".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), mosaic_core::ErrorKind::Conflict);
        let set = engine
            .set_workflow_tags(SetWorkflowTags {
                id: wf.id.clone(),
                tags: vec!["prod".into(), "nightly".into(), "prod".into()],
            })
            .await
            .unwrap();
        let names: Vec<&str> = set.tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["prod", "nightly"]);
        assert_eq!(set.tags[0].id, made.id);
        let all = engine.list_tags(ListTags::default()).await.unwrap();
        assert_eq!(all.items.len(), 2);
        let on = engine
            .activate_workflow(WorkflowRef { id: wf.id.clone() })
            .await
            .unwrap();
        assert_eq!(on.tags, ["prod", "nightly"]);
        let e = engine
            .set_workflow_tags(SetWorkflowTags {
                id: wf.id.clone(),
                tags: vec![" ".into()],
            })
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some("tags[0]"));
        let cleared = engine
            .set_workflow_tags(SetWorkflowTags {
                id: wf.id.clone(),
                tags: vec![],
            })
            .await
            .unwrap();
        assert!(cleared.tags.is_empty());
        let e = engine
            .get_workflow_tags(WorkflowRef { id: "404".into() })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), mosaic_core::ErrorKind::NotFound);
    }

    #[tokio::test(start_paused = true)]
    async fn webhook_triggers_get_a_webhook_id_and_keep_it() {
        let engine = FakeWorkflow::new();
        let wf = engine
            .create_workflow(CreateWorkflow {
                name: "hooked".into(),
                nodes: vec![
                    node("Hook", "fake.webhookTrigger", json!({})),
                    node("Step", "fake.noop", json!({})),
                ],
                connections: vec![edge("Hook", "Step")],
                ..Default::default()
            })
            .await
            .unwrap();
        let hook_id = wf.nodes[0].webhook_id.clone().unwrap();
        assert_eq!(hook_id, "00000000-0000-4000-8000-000000000001");
        assert_eq!(wf.nodes[1].webhook_id, None);
        let mut nodes = wf.nodes.clone();
        nodes[0].webhook_id = None;
        let updated = engine
            .update_workflow(UpdateWorkflow {
                id: wf.id.clone(),
                nodes: Some(nodes),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            updated.nodes[0].webhook_id.as_deref(),
            Some(hook_id.as_str())
        );
    }
}
