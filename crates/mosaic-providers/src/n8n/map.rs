//! n8n JSON ⇄ Mosaic's workflow types.
//!
//! n8n keys connections by source node name, then connection type, then
//! output index: `{"A": {"main": [[{"node": "B", "type": "main", "index":
//! 0}]]}}`. Mosaic's [`Connection`] list is flat; only `main` connections
//! (the data flow) are listed. Other connection types (the `ai_*` links
//! between AI sub-nodes) are not represented in the flat list; an update
//! that replaces the connections keeps them from the stored workflow for
//! source nodes that still exist, so they are never dropped silently.

use std::collections::BTreeMap;

use mosaic_core::workflow::{Connection, Execution, ExecutionStatus, Tag, Workflow, WorkflowNode};
use mosaic_core::{Error, Result};
use serde_json::{Map, Value};

use super::wire;

/// The connection type of the data flow.
pub(crate) const MAIN: &str = "main";

/// Whether an n8n node type starts workflows: every `…Trigger` type
/// (`n8n-nodes-base.manualTrigger`, `scheduleTrigger`, `formTrigger`,
/// `@n8n/n8n-nodes-langchain.chatTrigger`, …), the webhook node, and the
/// legacy start, cron, interval and IMAP nodes.
pub(crate) fn is_trigger_type(node_type: &str) -> bool {
    const OTHERS: &[&str] = &[
        "n8n-nodes-base.webhook",
        "n8n-nodes-base.start",
        "n8n-nodes-base.cron",
        "n8n-nodes-base.interval",
        "n8n-nodes-base.emailReadImap",
    ];
    let short = node_type.rsplit('.').next().unwrap_or(node_type);
    short.to_ascii_lowercase().ends_with("trigger") || OTHERS.contains(&node_type)
}

/// Whether n8n registers an HTTP endpoint for a node of this type, so the
/// node needs a `webhookId`: the webhook, form, chat and MCP triggers, the
/// wait and form nodes (they resume over HTTP), and the app triggers (every
/// other `…Trigger` but the ones that start by hand, on a schedule, from
/// another workflow, on errors or on local events). A `webhookId` on a
/// node that does not listen is ignored by n8n.
pub(crate) fn needs_webhook_id(node_type: &str) -> bool {
    const LISTENING: &[&str] = &[
        "n8n-nodes-base.webhook",
        "n8n-nodes-base.wait",
        "n8n-nodes-base.form",
    ];
    const NOT_LISTENING: &[&str] = &[
        "manualtrigger",
        "scheduletrigger",
        "executeworkflowtrigger",
        "errortrigger",
        "localfiletrigger",
        "n8ntrigger",
        "workflowtrigger",
        "evaluationtrigger",
    ];
    if LISTENING.contains(&node_type) {
        return true;
    }
    let short = node_type.rsplit('.').next().unwrap_or(node_type);
    let short = short.to_ascii_lowercase();
    short.ends_with("trigger") && !NOT_LISTENING.contains(&short.as_str())
}

/// A new webhook id: a random UUID (version 4), as n8n's editor makes them.
pub(crate) fn new_webhook_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A node's type version as Mosaic's string (`1`, `2.1`).
fn version_string(n: &serde_json::Number) -> String {
    n.to_string()
}

/// A Mosaic type version as n8n's number.
fn version_number(v: &str, at: &str) -> Result<serde_json::Number> {
    let v = v.trim();
    if let Ok(i) = v.parse::<i64>() {
        return Ok(i.into());
    }
    v.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .ok_or_else(|| Error::invalid_input(at, format!("`{v}` is not a node type version")))
}

pub(crate) fn node(n: &wire::Node) -> WorkflowNode {
    let position = match n.position.as_deref() {
        Some([x, y]) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                Some([x.round() as i64, y.round() as i64])
            }
            _ => None,
        },
        _ => None,
    };
    WorkflowNode {
        id: n.id.clone().unwrap_or_default(),
        name: n.name.clone(),
        node_type: n.node_type.clone(),
        type_version: n.type_version.as_ref().map(version_string),
        parameters: n.parameters.clone().unwrap_or(Value::Object(Map::new())),
        position,
        webhook_id: n.webhook_id.clone(),
    }
}

/// Mosaic nodes as n8n nodes. A node with the id (or, without an id, the
/// name) of a `stored` node starts from that node, so the fields Mosaic
/// does not model (credentials, notes, retry settings) stay, and so does
/// its webhook id unless the node names another. A node that listens for
/// HTTP calls ([`needs_webhook_id`]) and has no webhook id gets a new one:
/// without it n8n would not register the node's webhook.
pub(crate) fn nodes_out(nodes: &[WorkflowNode], stored: &[wire::Node]) -> Result<Vec<wire::Node>> {
    let mut out = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        let at = format!("nodes[{i}]");
        if n.name.trim().is_empty() {
            return Err(Error::invalid_input(
                format!("{at}.name"),
                "a node needs a name",
            ));
        }
        if n.node_type.trim().is_empty() {
            return Err(Error::invalid_input(
                format!("{at}.node_type"),
                "a node needs a type",
            ));
        }
        let base = stored.iter().find(|s| match s.id.as_deref() {
            Some(id) if !n.id.is_empty() => id == n.id,
            _ => n.id.is_empty() && s.name == n.name,
        });
        let rest = base.map(|b| b.rest.clone()).unwrap_or_default();
        let type_version = match &n.type_version {
            Some(v) => Some(version_number(v, &format!("{at}.type_version"))?),
            None => base.and_then(|b| b.type_version.clone()),
        };
        let id = if n.id.is_empty() {
            base.and_then(|b| b.id.clone())
        } else {
            Some(n.id.clone())
        };
        let webhook_id = match n.webhook_id.as_deref().map(str::trim) {
            Some(w) if !w.is_empty() => Some(w.to_owned()),
            _ => base
                .and_then(|b| b.webhook_id.clone())
                .filter(|w| !w.trim().is_empty())
                .or_else(|| needs_webhook_id(&n.node_type).then(new_webhook_id)),
        };
        out.push(wire::Node {
            id,
            name: n.name.clone(),
            node_type: n.node_type.clone(),
            type_version,
            position: Some(match n.position {
                Some([x, y]) => vec![x.into(), y.into()],
                None => base
                    .and_then(|b| b.position.clone())
                    .unwrap_or_else(|| vec![0.into(), 0.into()]),
            }),
            parameters: Some(match &n.parameters {
                Value::Null => Value::Object(Map::new()),
                p => p.clone(),
            }),
            webhook_id,
            rest,
        });
    }
    Ok(out)
}

/// The `main` connections as a flat list, in source-name, output, target
/// order.
pub(crate) fn connections(c: &wire::Connections) -> Vec<Connection> {
    let mut out = Vec::new();
    for (from, kinds) in c {
        let Some(outputs) = kinds.get(MAIN) else {
            continue;
        };
        for (output, targets) in outputs.iter().enumerate() {
            for t in targets.iter().flatten() {
                if t.kind != MAIN {
                    continue;
                }
                out.push(Connection {
                    from: from.clone(),
                    output: output as u32,
                    to: t.node.clone(),
                    input: t.index,
                });
            }
        }
    }
    out
}

/// A flat list as n8n's `main` connections, plus the non-`main`
/// connection types of `stored` whose source is among `nodes`.
pub(crate) fn connections_out(
    list: &[Connection],
    stored: &wire::Connections,
    nodes: &[wire::Node],
) -> Result<wire::Connections> {
    let mut out: wire::Connections = BTreeMap::new();
    for (i, c) in list.iter().enumerate() {
        if c.from.is_empty() || c.to.is_empty() {
            return Err(Error::invalid_input(
                format!("connections[{i}]"),
                "a connection needs a source and a target node name",
            ));
        }
        let outputs = out
            .entry(c.from.clone())
            .or_default()
            .entry(MAIN.to_owned())
            .or_default();
        let k = c.output as usize;
        if k > 1024 {
            return Err(Error::invalid_input(
                format!("connections[{i}].output"),
                "output index out of range",
            ));
        }
        if outputs.len() <= k {
            outputs.resize(k + 1, Some(Vec::new()));
        }
        outputs[k].get_or_insert_with(Vec::new).push(wire::Target {
            node: c.to.clone(),
            kind: MAIN.to_owned(),
            index: c.input,
        });
    }
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    for (from, kinds) in stored {
        if !names.contains(&from.as_str()) {
            continue;
        }
        for (kind, outputs) in kinds {
            if kind == MAIN {
                continue;
            }
            out.entry(from.clone())
                .or_default()
                .insert(kind.clone(), outputs.clone());
        }
    }
    Ok(out)
}

pub(crate) fn workflow(w: wire::Workflow) -> Workflow {
    Workflow {
        connections: connections(&w.connections),
        nodes: w.nodes.iter().map(node).collect(),
        id: w.id,
        name: w.name,
        active: w.active,
        tags: w.tags.into_iter().flatten().map(|t| t.name).collect(),
        settings: w.settings.unwrap_or(Value::Object(Map::new())),
        created_at: w.created_at,
        updated_at: w.updated_at,
    }
}

pub(crate) fn tag(t: wire::Tag) -> Tag {
    Tag {
        id: t.id,
        name: t.name,
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

/// n8n's status (or, from versions without one, `finished`/`stoppedAt`)
/// as Mosaic's.
pub(crate) fn status(e: &wire::Execution) -> ExecutionStatus {
    match e.status.as_deref() {
        Some("new") => ExecutionStatus::Queued,
        Some("running") => ExecutionStatus::Running,
        Some("waiting") => ExecutionStatus::Waiting,
        Some("success") => ExecutionStatus::Success,
        Some("canceled") => ExecutionStatus::Cancelled,
        Some("error" | "crashed") => ExecutionStatus::Error,
        // `unknown`, absent or a newer status: fall back to the flags.
        _ => match (e.finished, e.stopped_at.is_some()) {
            (Some(true), _) => ExecutionStatus::Success,
            (_, true) => ExecutionStatus::Error,
            _ => ExecutionStatus::Running,
        },
    }
}

/// The `status` filter value of `GET /executions`; n8n cannot filter by
/// the queued (`new`) state.
pub(crate) fn status_filter(s: ExecutionStatus) -> Option<&'static str> {
    match s {
        ExecutionStatus::Queued => None,
        ExecutionStatus::Running => Some("running"),
        ExecutionStatus::Waiting => Some("waiting"),
        ExecutionStatus::Success => Some("success"),
        ExecutionStatus::Error => Some("error"),
        ExecutionStatus::Cancelled => Some("canceled"),
    }
}

/// An execution; `id` fills in an id the answer left out.
pub(crate) fn execution(e: wire::Execution, id: Option<&str>) -> Execution {
    Execution {
        status: status(&e),
        id: e.id.or_else(|| id.map(str::to_owned)).unwrap_or_default(),
        workflow_id: e.workflow_id.unwrap_or_default(),
        mode: e.mode,
        started_at: e.started_at,
        finished_at: e.stopped_at,
        data: e.data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(node: &str, index: u32) -> wire::Target {
        wire::Target {
            node: node.into(),
            kind: MAIN.into(),
            index,
        }
    }

    #[test]
    fn triggers() {
        for ty in [
            "n8n-nodes-base.manualTrigger",
            "n8n-nodes-base.scheduleTrigger",
            "n8n-nodes-base.webhook",
            "@n8n/n8n-nodes-langchain.chatTrigger",
            "n8n-nodes-base.cron",
        ] {
            assert!(is_trigger_type(ty), "{ty}");
        }
        for ty in ["n8n-nodes-base.set", "n8n-nodes-base.httpRequest", ""] {
            assert!(!is_trigger_type(ty), "{ty}");
        }
    }

    #[test]
    fn connections_round_trip_and_keep_other_kinds() {
        let mut stored: wire::Connections = BTreeMap::new();
        stored.entry("If".into()).or_default().insert(
            MAIN.into(),
            vec![
                Some(vec![t("A", 0)]),
                None,
                Some(vec![t("B", 1), t("C", 0)]),
            ],
        );
        stored.entry("Model".into()).or_default().insert(
            "ai_languageModel".into(),
            vec![Some(vec![wire::Target {
                node: "Agent".into(),
                kind: "ai_languageModel".into(),
                index: 0,
            }])],
        );
        let flat = connections(&stored);
        assert_eq!(
            flat,
            vec![
                Connection {
                    from: "If".into(),
                    output: 0,
                    to: "A".into(),
                    input: 0
                },
                Connection {
                    from: "If".into(),
                    output: 2,
                    to: "B".into(),
                    input: 1
                },
                Connection {
                    from: "If".into(),
                    output: 2,
                    to: "C".into(),
                    input: 0
                },
            ]
        );
        let node = |name: &str| wire::Node {
            id: None,
            name: name.into(),
            node_type: "x".into(),
            type_version: None,
            position: None,
            parameters: None,
            webhook_id: None,
            rest: Map::new(),
        };
        let back = connections_out(&flat, &stored, &[node("If"), node("Model")]).unwrap();
        assert_eq!(connections(&back), flat);
        assert!(back["Model"].contains_key("ai_languageModel"));
        // The null output became an empty one; the targets are the same.
        assert_eq!(back["If"][MAIN][1], Some(vec![]));
        // A removed source node takes its other-kind links with it.
        let back = connections_out(&flat, &stored, &[node("If")]).unwrap();
        assert!(!back.contains_key("Model"));
    }

    #[test]
    fn nodes_keep_unmodelled_fields() {
        let stored: Vec<wire::Node> = serde_json::from_value(serde_json::json!([
            {"id": "a1", "name": "Jira", "type": "n8n-nodes-base.jira", "typeVersion": 1,
             "position": [250, 300], "parameters": {"operation": "get"},
             "credentials": {"jiraSoftwareCloudApi": {"id": "35", "name": "jiraApi"}}}
        ]))
        .unwrap();
        let mut m = node(&stored[0]);
        assert_eq!(m.type_version.as_deref(), Some("1"));
        assert_eq!(m.position, Some([250, 300]));
        m.parameters = serde_json::json!({"operation": "create"});
        m.type_version = Some("2.1".into());
        let out = nodes_out(&[m], &stored).unwrap();
        let v = serde_json::to_value(&out[0]).unwrap();
        assert_eq!(v["credentials"]["jiraSoftwareCloudApi"]["id"], "35");
        assert_eq!(v["typeVersion"], 2.1);
        assert_eq!(v["parameters"]["operation"], "create");
        let bad = WorkflowNode {
            name: "X".into(),
            node_type: "t".into(),
            type_version: Some("one".into()),
            ..Default::default()
        };
        assert_eq!(
            nodes_out(&[bad], &[]).unwrap_err().field(),
            Some("nodes[0].type_version")
        );
    }

    #[test]
    fn statuses() {
        let e = |status: Option<&str>, finished: Option<bool>, stopped: bool| wire::Execution {
            id: None,
            workflow_id: None,
            finished,
            mode: None,
            started_at: None,
            stopped_at: stopped.then(|| "2024-01-01T00:00:00.000Z".to_owned()),
            status: status.map(str::to_owned),
            data: Value::Null,
        };
        assert_eq!(
            status(&e(Some("crashed"), None, true)),
            ExecutionStatus::Error
        );
        assert_eq!(
            status(&e(Some("canceled"), None, true)),
            ExecutionStatus::Cancelled
        );
        assert_eq!(
            status(&e(Some("new"), None, false)),
            ExecutionStatus::Queued
        );
        assert_eq!(status(&e(None, Some(true), true)), ExecutionStatus::Success);
        assert_eq!(
            status(&e(Some("unknown"), Some(false), true)),
            ExecutionStatus::Error
        );
        assert_eq!(
            status(&e(None, Some(false), false)),
            ExecutionStatus::Running
        );
        for s in [
            ExecutionStatus::Queued,
            ExecutionStatus::Running,
            ExecutionStatus::Waiting,
            ExecutionStatus::Success,
            ExecutionStatus::Error,
            ExecutionStatus::Cancelled,
        ] {
            match status_filter(s) {
                Some(f) => assert_eq!(status(&e(Some(f), None, false)), s),
                None => assert_eq!(s, ExecutionStatus::Queued),
            }
        }
    }
}
