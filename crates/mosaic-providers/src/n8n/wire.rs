//! The JSON of n8n's public REST API v1, as far as Mosaic reads and writes
//! it. Fields the API may add are ignored; node fields Mosaic does not model
//! (credentials, notes…) are kept in [`Node::rest`] so an update writes them
//! back unchanged.

use std::collections::BTreeMap;

use mosaic_core::Cursor;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::http::{HttpResponse, PageBody};

/// An id as n8n sends it: a string (workflows) or a number (executions
/// of older versions).
#[derive(Deserialize)]
#[serde(untagged)]
enum Id {
    S(String),
    N(serde_json::Number),
}

impl From<Id> for String {
    fn from(id: Id) -> String {
        match id {
            Id::S(s) => s,
            Id::N(n) => n.to_string(),
        }
    }
}

/// An id that n8n sends as a string or a number, as a string.
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Id::deserialize(d).map(String::from)
}

/// Like [`string_or_number`], for optional (or `null`) ids.
pub(crate) fn opt_string_or_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    Ok(Option::<Id>::deserialize(d)?.map(String::from))
}

/// A workflow (`GET /workflows/{id}`, and the answers of create, update,
/// delete, activate and deactivate).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Workflow {
    /// Id.
    #[serde(default, deserialize_with = "string_or_number")]
    pub(crate) id: String,
    /// Name.
    pub(crate) name: String,
    /// Whether the triggers are live.
    #[serde(default)]
    pub(crate) active: bool,
    /// Nodes.
    #[serde(default)]
    pub(crate) nodes: Vec<Node>,
    /// Connections, keyed by source node name, then connection type.
    #[serde(default)]
    pub(crate) connections: Connections,
    /// Settings.
    #[serde(default)]
    pub(crate) settings: Option<Value>,
    /// Tags (absent from the answers of activate and deactivate).
    #[serde(default)]
    pub(crate) tags: Option<Vec<Tag>>,
    /// Creation time.
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    /// Last update time.
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
}

/// `{"<source>": {"main": [[{"node", "type", "index"}], …]}}`: for each
/// source node and connection type, one list of targets per output (a
/// `null` output has no targets).
pub(crate) type Connections = BTreeMap<String, BTreeMap<String, Vec<Option<Vec<Target>>>>>;

/// One end of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Target {
    /// Target node name.
    pub(crate) node: String,
    /// Connection type (`main`, `ai_tool`, …).
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// Input index on the target.
    pub(crate) index: u32,
}

/// A workflow node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Node {
    /// Id (a UUID n8n assigns when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<String>,
    /// Unique name.
    pub(crate) name: String,
    /// Type (`n8n-nodes-base.webhook`).
    #[serde(rename = "type")]
    pub(crate) node_type: String,
    /// Type version (a number: `1`, `2.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) type_version: Option<serde_json::Number>,
    /// Canvas position `[x, y]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) position: Option<Vec<serde_json::Number>>,
    /// Parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) parameters: Option<Value>,
    /// The id n8n registers the node's webhook under (nodes that listen
    /// for HTTP calls; without it n8n registers no webhook).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) webhook_id: Option<String>,
    /// Every other field, kept as sent.
    #[serde(flatten)]
    pub(crate) rest: Map<String, Value>,
}

/// A tag (`GET /tags`, `POST /tags`, `GET`/`PUT /workflows/{id}/tags`,
/// and inside workflows).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Tag {
    /// Id.
    #[serde(default, deserialize_with = "string_or_number")]
    pub(crate) id: String,
    /// Name.
    pub(crate) name: String,
    /// Creation time.
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    /// Last update time.
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
}

/// The body of `POST /tags`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TagBody<'a> {
    /// Name.
    pub(crate) name: &'a str,
}

/// One item of the body of `PUT /workflows/{id}/tags`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TagId<'a> {
    /// Tag id.
    pub(crate) id: &'a str,
}

/// A page of a listing: `{"data": [...], "nextCursor": "..."}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct List<T> {
    /// Items.
    pub(crate) data: Vec<T>,
    /// The cursor of the next page (`null` on the last).
    #[serde(default)]
    pub(crate) next_cursor: Option<String>,
}

impl<T> List<T> {
    /// The page, continued by `nextCursor`.
    pub(crate) fn page(self) -> mosaic_core::Page<T> {
        let next = self.next_cursor.filter(|c| !c.is_empty()).map(Cursor::new);
        mosaic_core::Page::new(self.data, next)
    }
}

impl<T: DeserializeOwned> PageBody for List<T> {
    type Item = T;
    fn into_page(self, _: &HttpResponse) -> mosaic_core::Page<T> {
        self.page()
    }
}

/// An execution (`GET /executions/{id}`, list items, the answer of stop).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Execution {
    /// Id (absent from some stop answers).
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub(crate) id: Option<String>,
    /// Workflow id.
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub(crate) workflow_id: Option<String>,
    /// Whether it ran to completion (deprecated upstream; used when
    /// `status` is missing).
    #[serde(default)]
    pub(crate) finished: Option<bool>,
    /// How it started (`manual`, `trigger`, `webhook`, …).
    #[serde(default)]
    pub(crate) mode: Option<String>,
    /// Start time.
    #[serde(default)]
    pub(crate) started_at: Option<String>,
    /// Stop time.
    #[serde(default)]
    pub(crate) stopped_at: Option<String>,
    /// Status (`new`, `running`, `waiting`, `success`, `error`, `crashed`,
    /// `canceled`, `unknown`).
    #[serde(default)]
    pub(crate) status: Option<String>,
    /// Run data, with `includeData=true`.
    #[serde(default)]
    pub(crate) data: Value,
}

/// The body of `POST /workflows` and `PUT /workflows/{id}`: the API takes
/// exactly these fields (its schema forbids the read-only ones).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WorkflowBody {
    /// Name.
    pub(crate) name: String,
    /// Nodes.
    pub(crate) nodes: Vec<Node>,
    /// Connections.
    pub(crate) connections: Connections,
    /// Settings (an object; `{}` for the defaults).
    pub(crate) settings: Value,
}
