//! Workflow-engine domain types: workflows as node graphs, executions,
//! node types and validation reports.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::page::{PageRequest, paginated};

#[cfg(test)]
use proptest_derive::Arbitrary;

/// One node of a workflow graph.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct WorkflowNode {
    /// The engine's id of the node.
    pub id: String,
    /// Unique name within the workflow (connections refer to it).
    pub name: String,
    /// Node type (`n8n-nodes-base.webhook`, …).
    pub node_type: String,
    /// Type version.
    pub type_version: Option<String>,
    /// Parameters.
    #[cfg_attr(test, proptest(strategy = "crate::testing::arb_json()"))]
    pub parameters: serde_json::Value,
    /// Canvas position `[x, y]`.
    pub position: Option<[i64; 2]>,
    /// The id under which the engine registers the node's webhook, for
    /// nodes that listen for HTTP calls (n8n's `webhookId`, a UUID). `None`
    /// lets the provider assign one where the engine needs it.
    #[serde(default, alias = "webhookId")]
    pub webhook_id: Option<String>,
}

/// A directed edge between two nodes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Connection {
    /// Source node name.
    pub from: String,
    /// Output index of the source.
    pub output: u32,
    /// Target node name.
    pub to: String,
    /// Input index of the target.
    pub input: u32,
}

/// A workflow.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Workflow {
    /// The engine's id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether its triggers are live.
    pub active: bool,
    /// Nodes.
    pub nodes: Vec<WorkflowNode>,
    /// Edges.
    pub connections: Vec<Connection>,
    /// Tags.
    pub tags: Vec<String>,
    /// Settings, as the engine stores them.
    #[cfg_attr(test, proptest(strategy = "crate::testing::arb_json()"))]
    pub settings: serde_json::Value,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
    /// Last update time (RFC 3339).
    pub updated_at: Option<String>,
}

/// Parameters of `create_workflow`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateWorkflow {
    /// Name.
    pub name: String,
    /// Nodes.
    pub nodes: Vec<WorkflowNode>,
    /// Edges.
    pub connections: Vec<Connection>,
    /// Settings.
    #[cfg_attr(test, proptest(strategy = "crate::testing::arb_json()"))]
    pub settings: serde_json::Value,
}

/// Parameters of `update_workflow`: only the `Some` fields change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct UpdateWorkflow {
    /// Workflow id.
    pub id: String,
    /// New name.
    pub name: Option<String>,
    /// New nodes.
    pub nodes: Option<Vec<WorkflowNode>>,
    /// New edges.
    pub connections: Option<Vec<Connection>>,
    /// New settings.
    #[cfg_attr(
        test,
        proptest(strategy = "proptest::option::of(crate::testing::arb_json())")
    )]
    pub settings: Option<serde_json::Value>,
}

/// A workflow by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct WorkflowRef {
    /// Workflow id.
    pub id: String,
}

/// Parameters of `list_workflows`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListWorkflows {
    /// Only active (or inactive) workflows.
    pub active: Option<bool>,
    /// Only workflows with all these tags.
    pub tags: Vec<String>,
    /// Which page.
    pub page: PageRequest,
}

/// State of an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    /// Waiting to start.
    #[default]
    Queued,
    /// Running.
    Running,
    /// Waiting (for a webhook, a timer).
    Waiting,
    /// Finished successfully.
    Success,
    /// Finished with an error.
    Error,
    /// Stopped.
    Cancelled,
}

/// One run of a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Execution {
    /// The engine's id.
    pub id: String,
    /// The workflow.
    pub workflow_id: String,
    /// State.
    pub status: ExecutionStatus,
    /// How it was started (`manual`, `trigger`, `webhook`, …).
    pub mode: Option<String>,
    /// Start time (RFC 3339).
    pub started_at: Option<String>,
    /// End time (RFC 3339).
    pub finished_at: Option<String>,
    /// Output data (`Null` when not fetched).
    #[cfg_attr(test, proptest(strategy = "crate::testing::arb_json()"))]
    #[serde(default)]
    pub data: serde_json::Value,
}

/// Parameters of `run_workflow`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct RunWorkflow {
    /// Workflow id.
    pub id: String,
    /// Input for the trigger.
    #[cfg_attr(test, proptest(strategy = "crate::testing::arb_json()"))]
    pub input: serde_json::Value,
}

/// An execution by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ExecutionRef {
    /// Execution id.
    pub id: String,
}

/// Parameters of `list_executions`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListExecutions {
    /// Only executions of this workflow.
    pub workflow_id: Option<String>,
    /// Only executions in this state.
    pub status: Option<ExecutionStatus>,
    /// Which page.
    pub page: PageRequest,
}

/// A node type the engine offers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct NodeType {
    /// Type name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Description.
    pub description: Option<String>,
    /// Whether it starts workflows.
    pub trigger: bool,
    /// Versions offered.
    pub versions: Vec<String>,
}

/// A tag that groups workflows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Tag {
    /// The engine's id.
    pub id: String,
    /// Name, unique within the engine ([`Workflow::tags`] lists these).
    pub name: String,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
    /// Last update time (RFC 3339).
    pub updated_at: Option<String>,
}

/// Parameters of `list_tags`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListTags {
    /// Which page.
    pub page: PageRequest,
}

/// Parameters of `create_tag`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateTag {
    /// Name (a tag of that name already existing is `Conflict`).
    pub name: String,
}

/// The tags one workflow carries (the answer of `get_workflow_tags` and
/// `set_workflow_tags`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct WorkflowTags {
    /// Workflow id.
    pub id: String,
    /// Its tags.
    pub tags: Vec<Tag>,
}

/// Parameters of `set_workflow_tags`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct SetWorkflowTags {
    /// Workflow id.
    pub id: String,
    /// The tag names the workflow carries afterwards (replacing the ones it
    /// had; empty removes them all). A name no tag has yet creates that tag.
    pub tags: Vec<String>,
}

/// Parameters of `list_node_types`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListNodeTypes {
    /// Which page.
    pub page: PageRequest,
}

/// Parameters of `validate_workflow`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ValidateWorkflow {
    /// Nodes.
    pub nodes: Vec<WorkflowNode>,
    /// Edges.
    pub connections: Vec<Connection>,
}

/// How serious a validation finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The workflow cannot run.
    #[default]
    Error,
    /// Suspicious but runnable.
    Warning,
}

/// One validation finding.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ValidationIssue {
    /// The node concerned, if any.
    pub node: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How serious.
    pub severity: Severity,
}

/// The result of validating a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ValidationReport {
    /// Whether there is no error-level finding.
    pub valid: bool,
    /// Findings.
    pub issues: Vec<ValidationIssue>,
}

impl ValidationReport {
    /// A report of `issues` (valid unless one is an error).
    pub fn of(issues: Vec<ValidationIssue>) -> Self {
        ValidationReport {
            valid: !issues.iter().any(|i| i.severity == Severity::Error),
            issues,
        }
    }
}

/// Check a workflow graph locally: at least one node, unique node names,
/// connections between existing nodes, a trigger node present (per
/// `is_trigger`), and every non-trigger node reachable from a trigger.
pub fn validate_graph(
    nodes: &[WorkflowNode],
    connections: &[Connection],
    is_trigger: impl Fn(&WorkflowNode) -> bool,
) -> ValidationReport {
    let mut issues = Vec::new();
    let mut err = |node: Option<&str>, message: String| {
        issues.push(ValidationIssue {
            node: node.map(str::to_owned),
            message,
            severity: Severity::Error,
        })
    };
    if nodes.is_empty() {
        err(None, "the workflow has no nodes".into());
        return ValidationReport::of(issues);
    }
    let mut by_name: BTreeMap<&str, &WorkflowNode> = BTreeMap::new();
    for n in nodes {
        if by_name.insert(n.name.as_str(), n).is_some() {
            err(Some(&n.name), format!("duplicate node name `{}`", n.name));
        }
    }
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in connections {
        for end in [&c.from, &c.to] {
            if !by_name.contains_key(end.as_str()) {
                err(
                    Some(end),
                    format!("connection refers to unknown node `{end}`"),
                );
            }
        }
        edges
            .entry(c.from.as_str())
            .or_default()
            .push(c.to.as_str());
    }
    let triggers: Vec<&str> = nodes
        .iter()
        .filter(|n| is_trigger(n))
        .map(|n| n.name.as_str())
        .collect();
    if triggers.is_empty() {
        err(None, "the workflow has no trigger node".into());
    } else {
        let mut seen: std::collections::BTreeSet<&str> = triggers.iter().copied().collect();
        let mut stack = triggers.clone();
        while let Some(n) = stack.pop() {
            for next in edges.get(n).into_iter().flatten() {
                if seen.insert(next) {
                    stack.push(next);
                }
            }
        }
        for n in nodes {
            if !seen.contains(n.name.as_str()) {
                err(
                    Some(&n.name),
                    format!("node `{}` is not reachable from a trigger", n.name),
                );
            }
        }
    }
    ValidationReport::of(issues)
}

paginated!(ListWorkflows, ListExecutions, ListNodeTypes, ListTags);
