//! The JSON of n8n's public REST API v1, as far as Mosaic reads and writes
//! it. Fields the API may add are ignored; node fields Mosaic does not model
//! (credentials, notes…) are kept in [`Node::rest`] so an update writes them
//! back unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// An id that n8n sends as a string (workflows) or a number (executions
/// of older versions).
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        N(serde_json::Number),
    }
    Ok(match Id::deserialize(d)? {
        Id::S(s) => s,
        Id::N(n) => n.to_string(),
    })
}

/// Like [`string_or_number`], for optional (or `null`) ids.
pub(crate) fn opt_string_or_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        N(serde_json::Number),
    }
    Ok(Option::<Id>::deserialize(d)?.map(|id| match id {
        Id::S(s) => s,
        Id::N(n) => n.to_string(),
    }))
}

/// A workflow (`GET /workflows/{id}`, and the answers of create, update,
/// delete, activate and deactivate).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
    /// Id.
    #[serde(default, deserialize_with = "string_or_number")]
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether the triggers are live.
    #[serde(default)]
    pub active: bool,
    /// Nodes.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// Connections, keyed by source node name, then connection type.
    #[serde(default)]
    pub connections: Connections,
    /// Settings.
    #[serde(default)]
    pub settings: Option<Value>,
    /// Tags (absent from the answers of activate and deactivate).
    #[serde(default)]
    pub tags: Option<Vec<Tag>>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update time.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `{"<source>": {"main": [[{"node", "type", "index"}], …]}}`: for each
/// source node and connection type, one list of targets per output (a
/// `null` output has no targets).
pub type Connections = BTreeMap<String, BTreeMap<String, Vec<Option<Vec<Target>>>>>;

/// One end of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Target node name.
    pub node: String,
    /// Connection type (`main`, `ai_tool`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Input index on the target.
    pub index: u32,
}

/// A workflow node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// Id (a UUID n8n assigns when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Unique name.
    pub name: String,
    /// Type (`n8n-nodes-base.webhook`).
    #[serde(rename = "type")]
    pub node_type: String,
    /// Type version (a number: `1`, `2.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_version: Option<serde_json::Number>,
    /// Canvas position `[x, y]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Vec<serde_json::Number>>,
    /// Parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// The id n8n registers the node's webhook under (nodes that listen
    /// for HTTP calls; without it n8n registers no webhook).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_id: Option<String>,
    /// Every other field, kept as sent.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// A tag (`GET /tags`, `POST /tags`, `GET`/`PUT /workflows/{id}/tags`,
/// and inside workflows).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    /// Id.
    #[serde(default, deserialize_with = "string_or_number")]
    pub id: String,
    /// Name.
    pub name: String,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update time.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// The body of `POST /tags`.
#[derive(Debug, Clone, Serialize)]
pub struct TagBody<'a> {
    /// Name.
    pub name: &'a str,
}

/// One item of the body of `PUT /workflows/{id}/tags`.
#[derive(Debug, Clone, Serialize)]
pub struct TagId<'a> {
    /// Tag id.
    pub id: &'a str,
}

/// A page of a listing: `{"data": [...], "nextCursor": "..."}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct List<T> {
    /// Items.
    pub data: Vec<T>,
    /// The cursor of the next page (`null` on the last).
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// An execution (`GET /executions/{id}`, list items, the answer of stop).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// Id (absent from some stop answers).
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub id: Option<String>,
    /// Workflow id.
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub workflow_id: Option<String>,
    /// Whether it ran to completion (deprecated upstream; used when
    /// `status` is missing).
    #[serde(default)]
    pub finished: Option<bool>,
    /// How it started (`manual`, `trigger`, `webhook`, …).
    #[serde(default)]
    pub mode: Option<String>,
    /// Start time.
    #[serde(default)]
    pub started_at: Option<String>,
    /// Stop time.
    #[serde(default)]
    pub stopped_at: Option<String>,
    /// Status (`new`, `running`, `waiting`, `success`, `error`, `crashed`,
    /// `canceled`, `unknown`).
    #[serde(default)]
    pub status: Option<String>,
    /// Run data, with `includeData=true`.
    #[serde(default)]
    pub data: Value,
}

/// The body of `POST /workflows` and `PUT /workflows/{id}`: the API takes
/// exactly these fields (its schema forbids the read-only ones).
#[derive(Debug, Clone, Serialize)]
pub struct WorkflowBody {
    /// Name.
    pub name: String,
    /// Nodes.
    pub nodes: Vec<Node>,
    /// Connections.
    pub connections: Connections,
    /// Settings (an object; `{}` for the defaults).
    pub settings: Value,
}
