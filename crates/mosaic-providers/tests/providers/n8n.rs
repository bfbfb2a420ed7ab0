//! n8n against a local mock server: requests and parsed results per
//! operation (bodies shaped like the public API's OpenAPI examples),
//! connections both ways, cursors across three pages, webhook ids, tags,
//! retries, the running-executions filter, stop (unsupported), the webhook
//! trigger, local validation, error mapping, malformed bodies and the
//! plugin. `tests/n8n_real.rs` runs the adapter against a real n8n.
#![cfg(feature = "n8n")]

use std::time::Duration;

use futures::StreamExt;
use mosaic_core::page::paginate;
use mosaic_core::workflow::*;
use mosaic_core::{ErrorKind, PageRequest};
use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext};
use mosaic_providers::n8n::{self, N8n, N8nConfig};
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{
    body_json, header, header_exists, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "n8n_api_7f3a9c";

fn provider(s: &MockServer) -> N8n {
    N8n::new(N8nConfig::new(s.uri(), KEY)).unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

/// A workflow as the API reference shows it: a Jira node with
/// credentials, settings, static data and a tag.
fn jira_workflow(id: &str, name: &str, active: bool) -> Value {
    json!({
        "id": id, "name": name, "active": active,
        "createdAt": "2024-03-01T10:00:00.000Z", "updatedAt": "2024-03-02T11:30:00.000Z",
        "isArchived": false, "versionId": "7c0c3d5e-1b8f-4e0e-9a57-2a3e4c5d6f70", "triggerCount": 1,
        "nodes": [
            {"id": "9d1e3f0a-5b2c-4d6e-8f70-1a2b3c4d5e6f", "name": "Start", "type": "n8n-nodes-base.manualTrigger",
             "typeVersion": 1, "position": [-300, 80], "parameters": {}},
            {"id": "0f5532f9-36ba-4bef-86c7-30d607400b15", "name": "Jira", "webhookId": "0f5532f9-36ba-4bef-86c7-30d607400b15",
             "disabled": false, "notesInFlow": false, "notes": "", "type": "n8n-nodes-base.jira", "typeVersion": 1,
             "executeOnce": false, "alwaysOutputData": false, "retryOnFail": false, "maxTries": 0, "waitBetweenTries": 0,
             "onError": "stopWorkflow", "position": [-100, 80], "parameters": {"additionalProperties": {}},
             "credentials": {"jiraSoftwareCloudApi": {"id": "35", "name": "jiraApi"}}}
        ],
        "connections": {"Start": {"main": [[{"node": "Jira", "type": "main", "index": 0}]]}},
        "settings": {"saveExecutionProgress": true, "saveManualExecutions": true, "saveDataErrorExecution": "all",
            "saveDataSuccessExecution": "all", "executionTimeout": 3600, "timezone": "America/New_York", "executionOrder": "v1"},
        "staticData": {"lastId": 1},
        "tags": [{"id": "2tUt1wbLX592XDdX", "name": "Production", "createdAt": "2024-03-01T10:00:00.000Z", "updatedAt": "2024-03-01T10:00:00.000Z"}]
    })
}

fn execution(id: u64, workflow: &str, status: &str) -> Value {
    json!({"id": id, "data": {}, "finished": status == "success", "mode": "manual", "retryOf": null,
        "retrySuccessId": null, "startedAt": "2024-03-03T09:00:00.000Z", "stoppedAt": "2024-03-03T09:00:05.000Z",
        "workflowId": workflow, "waitTill": null, "customData": {}, "status": status})
}

fn node(name: &str, ty: &str, x: i64) -> WorkflowNode {
    WorkflowNode {
        id: String::new(),
        name: name.into(),
        node_type: ty.into(),
        type_version: Some("1".into()),
        parameters: json!({}),
        position: Some([x, 0]),
        webhook_id: None,
    }
}

fn conn(from: &str, to: &str) -> Connection {
    Connection {
        from: from.into(),
        output: 0,
        to: to.into(),
        input: 0,
    }
}

#[tokio::test]
async fn create_sends_nodes_connections_and_settings() {
    let s = MockServer::start().await;
    let n = provider(&s);
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows"))
        .and(header("x-n8n-api-key", KEY))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": "Sync issues",
            "nodes": [
                {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [-300, 0], "parameters": {}},
                {"name": "Jira", "type": "n8n-nodes-base.jira", "typeVersion": 1, "position": [-100, 0], "parameters": {}}
            ],
            "connections": {"Start": {"main": [[{"node": "Jira", "type": "main", "index": 0}]]}},
            "settings": {}
        })))
        .respond_with(ok(jira_workflow("2tUt1wbLX592XDdX", "Sync issues", false)))
        .expect(1)
        .mount(&s)
        .await;
    let w = n
        .create_workflow(CreateWorkflow {
            name: "Sync issues".into(),
            nodes: vec![
                node("Start", "n8n-nodes-base.manualTrigger", -300),
                node("Jira", "n8n-nodes-base.jira", -100),
            ],
            connections: vec![conn("Start", "Jira")],
            settings: Value::Null,
        })
        .await
        .unwrap();
    assert_eq!(w.id, "2tUt1wbLX592XDdX");
    assert!(!w.active);
    assert_eq!(w.tags, ["Production"]);
    assert_eq!(w.connections, vec![conn("Start", "Jira")]);
    assert_eq!(w.nodes[1].id, "0f5532f9-36ba-4bef-86c7-30d607400b15");
    assert_eq!(w.nodes[1].position, Some([-100, 80]));
    assert_eq!(w.nodes[1].type_version.as_deref(), Some("1"));
    assert_eq!(w.settings["timezone"], "America/New_York");
    assert_eq!(w.created_at.as_deref(), Some("2024-03-01T10:00:00.000Z"));

    // Checked locally, before any request.
    let e = n
        .create_workflow(CreateWorkflow {
            name: " ".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.field(), Some("name"));
    let e = n
        .create_workflow(CreateWorkflow {
            name: "x".into(),
            nodes: vec![node("A", "", 0)],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("nodes[0].node_type"));
}

#[tokio::test]
async fn get_and_delete() {
    let s = MockServer::start().await;
    let n = provider(&s);
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/2tUt1wbLX592XDdX"))
        .and(header("x-n8n-api-key", KEY))
        .respond_with(ok(jira_workflow("2tUt1wbLX592XDdX", "Sync issues", true)))
        .mount(&s)
        .await;
    let w = n
        .get_workflow(WorkflowRef {
            id: "2tUt1wbLX592XDdX".into(),
        })
        .await
        .unwrap();
    assert!(w.active);
    assert_eq!(w.nodes.len(), 2);

    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&s)
        .await;
    let e = n
        .get_workflow(WorkflowRef {
            id: "missing".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.provider(), Some("n8n"));

    Mock::given(method("DELETE"))
        .and(path("/api/v1/workflows/2tUt1wbLX592XDdX"))
        .respond_with(ok(jira_workflow("2tUt1wbLX592XDdX", "Sync issues", false)))
        .expect(1)
        .mount(&s)
        .await;
    n.delete_workflow(WorkflowRef {
        id: "2tUt1wbLX592XDdX".into(),
    })
    .await
    .unwrap();
    // A blank id never reaches the server.
    let e = n
        .delete_workflow(WorkflowRef { id: "".into() })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("id"));
}

#[tokio::test]
async fn update_merges_with_the_stored_workflow() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let mut stored = jira_workflow("2tUt1wbLX592XDdX", "Sync issues", true);
    // An AI link the flat list cannot show: it must survive the update.
    stored["connections"]["Model"] =
        json!({"ai_languageModel": [[{"node": "Jira", "type": "ai_languageModel", "index": 0}]]});
    stored["nodes"].as_array_mut().unwrap().push(json!({"id": "m1", "name": "Model",
        "type": "@n8n/n8n-nodes-langchain.lmChatOpenAi", "typeVersion": 1, "position": [0, 200], "parameters": {}}));
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/2tUt1wbLX592XDdX"))
        .respond_with(ok(stored.clone()))
        .expect(2)
        .mount(&s)
        .await;
    let mut current = n
        .get_workflow(WorkflowRef {
            id: "2tUt1wbLX592XDdX".into(),
        })
        .await
        .unwrap();
    assert_eq!(current.connections, vec![conn("Start", "Jira")]);
    // Change the Jira node's parameters and add a second target.
    current.nodes[1].parameters = json!({"operation": "create"});
    current.nodes.push(node("Log", "n8n-nodes-base.noOp", 100));
    current.connections.push(Connection {
        from: "Jira".into(),
        output: 1,
        to: "Log".into(),
        input: 0,
    });
    let expected = json!({
        "name": "Sync issues",
        "nodes": [
            {"id": "9d1e3f0a-5b2c-4d6e-8f70-1a2b3c4d5e6f", "name": "Start", "type": "n8n-nodes-base.manualTrigger",
             "typeVersion": 1, "position": [-300, 80], "parameters": {}},
            {"id": "0f5532f9-36ba-4bef-86c7-30d607400b15", "name": "Jira", "webhookId": "0f5532f9-36ba-4bef-86c7-30d607400b15",
             "disabled": false, "notesInFlow": false, "notes": "", "type": "n8n-nodes-base.jira", "typeVersion": 1,
             "executeOnce": false, "alwaysOutputData": false, "retryOnFail": false, "maxTries": 0, "waitBetweenTries": 0,
             "onError": "stopWorkflow", "position": [-100, 80], "parameters": {"operation": "create"},
             "credentials": {"jiraSoftwareCloudApi": {"id": "35", "name": "jiraApi"}}},
            {"id": "m1", "name": "Model", "type": "@n8n/n8n-nodes-langchain.lmChatOpenAi", "typeVersion": 1,
             "position": [0, 200], "parameters": {}},
            {"name": "Log", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [100, 0], "parameters": {}}
        ],
        "connections": {
            "Start": {"main": [[{"node": "Jira", "type": "main", "index": 0}]]},
            "Jira": {"main": [[], [{"node": "Log", "type": "main", "index": 0}]]},
            "Model": {"ai_languageModel": [[{"node": "Jira", "type": "ai_languageModel", "index": 0}]]}
        },
        "settings": {"saveExecutionProgress": true, "saveManualExecutions": true, "saveDataErrorExecution": "all",
            "saveDataSuccessExecution": "all", "executionTimeout": 3600, "timezone": "America/New_York", "executionOrder": "v1"}
    });
    Mock::given(method("PUT"))
        .and(path("/api/v1/workflows/2tUt1wbLX592XDdX"))
        .and(body_json(expected))
        .respond_with(ok(jira_workflow("2tUt1wbLX592XDdX", "Sync issues", true)))
        .expect(1)
        .mount(&s)
        .await;
    n.update_workflow(UpdateWorkflow {
        id: "2tUt1wbLX592XDdX".into(),
        name: None,
        nodes: Some(current.nodes),
        connections: Some(current.connections),
        settings: None,
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn rename_only_keeps_everything_else() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let stored = jira_workflow("w1", "Old", false);
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/w1"))
        .respond_with(ok(stored.clone()))
        .mount(&s)
        .await;
    // Nodes and connections are written back exactly as stored.
    let body = json!({"name": "New", "nodes": stored["nodes"], "connections": stored["connections"],
        "settings": {"timezone": "Europe/Berlin"}});
    Mock::given(method("PUT"))
        .and(path("/api/v1/workflows/w1"))
        .and(body_json(body))
        .respond_with(ok(jira_workflow("w1", "New", false)))
        .expect(1)
        .mount(&s)
        .await;
    let w = n
        .update_workflow(UpdateWorkflow {
            id: "w1".into(),
            name: Some("New".into()),
            settings: Some(json!({"timezone": "Europe/Berlin"})),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(w.name, "New");
}

#[tokio::test]
async fn list_workflows_walks_three_pages_and_filters_tags() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let wf = |id: &str, tags: &[&str]| {
        let mut w = jira_workflow(id, id, true);
        w["tags"] = json!(
            tags.iter()
                .map(|t| json!({"id": t, "name": t}))
                .collect::<Vec<_>>()
        );
        w
    };
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows"))
        .and(query_param("limit", "2"))
        .and(query_param("active", "true"))
        .and(query_param("tags", "prod,sync"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok(
            json!({"data": [wf("a", &["prod", "sync"]), wf("b", &["prod"])], "nextCursor": "MTIz"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows"))
        .and(query_param("cursor", "MTIz"))
        .respond_with(ok(json!({"data": [wf("c", &["sync", "prod"]), wf("d", &["sync", "prod", "x"])], "nextCursor": "NDU2"})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows"))
        .and(query_param("cursor", "NDU2"))
        .respond_with(ok(
            json!({"data": [wf("e", &["prod", "sync"])], "nextCursor": null}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let ids: Vec<String> = paginate(
        ListWorkflows {
            active: Some(true),
            tags: vec!["prod".into(), "sync".into()],
            page: PageRequest::with_size(2),
        },
        move |p| {
            let n = n.clone();
            async move { n.list_workflows(p).await }
        },
    )
    .map(|r| r.unwrap().id)
    .collect()
    .await;
    // `b` has only one of the two tags.
    assert_eq!(ids, ["a", "c", "d", "e"]);
}

#[tokio::test]
async fn activate_and_deactivate() {
    let s = MockServer::start().await;
    let n = provider(&s);
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/w1/activate"))
        .and(header("x-n8n-api-key", KEY))
        .respond_with(ok(jira_workflow("w1", "A", true)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/w1/deactivate"))
        .respond_with(ok(jira_workflow("w1", "A", false)))
        .expect(1)
        .mount(&s)
        .await;
    let r = WorkflowRef { id: "w1".into() };
    assert!(n.activate_workflow(r.clone()).await.unwrap().active);
    assert!(!n.deactivate_workflow(r).await.unwrap().active);

    // Activating a workflow without a trigger: n8n answers 400.
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/w2/activate"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"message": "Workflow has no node to start the workflow - at least one trigger, poller or webhook node is required"}),
        ))
        .mount(&s)
        .await;
    let e = n
        .activate_workflow(WorkflowRef { id: "w2".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains("no node to start"), "{e}");
}

#[tokio::test]
async fn executions_get_list_and_delete() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let mut full = execution(1000, "2tUt1wbLX592XDdX", "success");
    full["data"] = json!({"resultData": {"runData": {"Start": [{"startTime": 1709456400000u64}]}}});
    Mock::given(method("GET"))
        .and(path("/api/v1/executions/1000"))
        .and(query_param("includeData", "true"))
        .respond_with(ok(full))
        .expect(1)
        .mount(&s)
        .await;
    let e = n
        .get_execution(ExecutionRef { id: "1000".into() })
        .await
        .unwrap();
    assert_eq!(e.id, "1000");
    assert_eq!(e.workflow_id, "2tUt1wbLX592XDdX");
    assert_eq!(e.status, ExecutionStatus::Success);
    assert_eq!(e.mode.as_deref(), Some("manual"));
    assert_eq!(e.finished_at.as_deref(), Some("2024-03-03T09:00:05.000Z"));
    assert!(e.data["resultData"]["runData"]["Start"].is_array());

    let pg = |ids: &[u64], next: Option<&str>| {
        ok(
            json!({"data": ids.iter().map(|i| execution(*i, "w1", "error")).collect::<Vec<_>>(), "nextCursor": next}),
        )
    };
    Mock::given(method("GET"))
        .and(path("/api/v1/executions"))
        .and(query_param("workflowId", "w1"))
        .and(query_param("status", "error"))
        .and(query_param("limit", "2"))
        .and(query_param_is_missing("cursor"))
        .respond_with(pg(&[9, 8], Some("Y3VyMQ")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions"))
        .and(query_param("workflowId", "w1"))
        .and(query_param("cursor", "Y3VyMQ"))
        .respond_with(pg(&[7, 6], Some("Y3VyMg")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions"))
        .and(query_param("cursor", "Y3VyMg"))
        .respond_with(pg(&[5], None))
        .expect(1)
        .mount(&s)
        .await;
    let n2 = n.clone();
    let all: Vec<Execution> = paginate(
        ListExecutions {
            workflow_id: Some("w1".into()),
            status: Some(ExecutionStatus::Error),
            page: PageRequest::with_size(2),
        },
        move |p| {
            let n = n2.clone();
            async move { n.list_executions(p).await }
        },
    )
    .map(|r| r.unwrap())
    .collect()
    .await;
    let ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["9", "8", "7", "6", "5"]);
    assert!(all.iter().all(|e| e.status == ExecutionStatus::Error));

    Mock::given(method("DELETE"))
        .and(path("/api/v1/executions/1000"))
        .respond_with(ok(execution(1000, "w1", "success")))
        .expect(1)
        .mount(&s)
        .await;
    let e = n.delete_execution("1000").await.unwrap();
    assert_eq!(e.id, "1000");
}

#[tokio::test]
async fn stop_is_unsupported_and_sends_nothing() {
    let s = MockServer::start().await;
    let n = provider(&s);
    // n8n's public API has no stop endpoint (`POST /executions/{id}/stop`
    // answers 404 on a real server).
    let e = n
        .stop_execution(ExecutionRef { id: "1001".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(e.provider(), Some("n8n"));
    assert!(e.message().contains("no endpoint that stops"), "{e}");
    assert!(!WorkflowProvider::capabilities(&n).supports(WorkflowOp::StopExecution));
    assert!(s.received_requests().await.unwrap().is_empty());
}

/// Whether the JSON body's `nodes[i].webhookId` is a UUID v4.
fn webhook_id_at(req: &Request, i: usize) -> Option<String> {
    let body: Value = serde_json::from_slice(&req.body).ok()?;
    body["nodes"][i]["webhookId"].as_str().map(str::to_owned)
}

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && [8, 13, 18, 23].iter().all(|i| b[*i] == b'-')
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
        && s.chars()
            .filter(|c| *c != '-')
            .all(|c| c.is_ascii_hexdigit())
}

#[tokio::test]
async fn webhook_nodes_get_a_webhook_id_and_keep_it() {
    let s = MockServer::start().await;
    let n = provider(&s);
    // Create: the webhook node gets a fresh UUID, the other node none.
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows"))
        .and(|r: &Request| {
            webhook_id_at(r, 0).is_some_and(|id| is_uuid_v4(&id))
                && webhook_id_at(r, 1).is_none()
                && serde_json::from_slice::<Value>(&r.body).is_ok_and(|b| b["name"] == "Hooked")
        })
        .respond_with(ok(jira_workflow("w1", "Hooked", false)))
        .expect(2)
        .mount(&s)
        .await;
    n.create_workflow(CreateWorkflow {
        name: "Hooked".into(),
        nodes: vec![
            node("Hook", "n8n-nodes-base.webhook", 0),
            node("Step", "n8n-nodes-base.noOp", 200),
        ],
        connections: vec![conn("Hook", "Step")],
        settings: Value::Null,
    })
    .await
    .unwrap();
    let sent: Vec<String> = s
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| webhook_id_at(r, 0))
        .collect();
    assert_eq!(sent.len(), 1);

    // Two creates, two different ids; a given id is sent as is.
    let mut given = node("Form", "n8n-nodes-base.formTrigger", 0);
    given.webhook_id = Some("0b7a9c1e-5f1d-4c8e-9a2b-3c4d5e6f7a8b".into());
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows"))
        .and(|r: &Request| {
            webhook_id_at(r, 0).as_deref() == Some("0b7a9c1e-5f1d-4c8e-9a2b-3c4d5e6f7a8b")
        })
        .respond_with(ok(jira_workflow("w2", "Form", false)))
        .expect(1)
        .mount(&s)
        .await;
    n.create_workflow(CreateWorkflow {
        name: "Form".into(),
        nodes: vec![given],
        ..Default::default()
    })
    .await
    .unwrap();
    n.create_workflow(CreateWorkflow {
        name: "Hooked".into(),
        nodes: vec![
            node("Hook", "n8n-nodes-base.webhook", 0),
            node("Step", "n8n-nodes-base.noOp", 200),
        ],
        connections: vec![conn("Hook", "Step")],
        settings: Value::Null,
    })
    .await
    .unwrap();
    let mut ids: Vec<String> = s
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/v1/workflows")
        .filter_map(|r| webhook_id_at(r, 0))
        .collect();
    assert_eq!(ids.len(), 3);
    ids.dedup();
    assert_eq!(ids.len(), 3, "{ids:?}");

    // Update: a node that names no webhook id keeps the stored one, and
    // reading maps it onto the Mosaic node.
    let mut stored = jira_workflow("w9", "Orders", true);
    stored["nodes"][0] = json!({"id": "h1", "name": "Webhook", "type": "n8n-nodes-base.webhook", "typeVersion": 2,
        "webhookId": "4c1d7f0e-1111-4222-8333-444455556666", "position": [0, 0],
        "parameters": {"httpMethod": "POST", "path": "orders"}});
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/w9"))
        .respond_with(ok(stored.clone()))
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/workflows/w9"))
        .and(|r: &Request| {
            webhook_id_at(r, 0).as_deref() == Some("4c1d7f0e-1111-4222-8333-444455556666")
        })
        .respond_with(ok(stored.clone()))
        .expect(1)
        .mount(&s)
        .await;
    let current = n
        .get_workflow(WorkflowRef { id: "w9".into() })
        .await
        .unwrap();
    assert_eq!(
        current.nodes[0].webhook_id.as_deref(),
        Some("4c1d7f0e-1111-4222-8333-444455556666")
    );
    let mut nodes = current.nodes.clone();
    nodes[0].webhook_id = None;
    nodes[0].parameters = json!({"httpMethod": "POST", "path": "orders/v2"});
    n.update_workflow(UpdateWorkflow {
        id: "w9".into(),
        nodes: Some(nodes),
        ..Default::default()
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn activation_answers_without_tags_are_completed() {
    let s = MockServer::start().await;
    let n = provider(&s);
    // n8n answers activate and deactivate without the workflow's tags.
    let mut bare = jira_workflow("w1", "A", true);
    bare.as_object_mut().unwrap().remove("tags");
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/w1/activate"))
        .respond_with(ok(bare.clone()))
        .expect(1)
        .mount(&s)
        .await;
    bare["active"] = json!(false);
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/w1/deactivate"))
        .respond_with(ok(bare))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/w1/tags"))
        .and(header("x-n8n-api-key", KEY))
        .respond_with(ok(json!([
            {"id": "t1", "name": "Production", "createdAt": "2024-03-01T10:00:00.000Z", "updatedAt": "2024-03-01T10:00:00.000Z"},
            {"id": "t2", "name": "Billing", "createdAt": "2024-03-01T10:00:00.000Z", "updatedAt": "2024-03-01T10:00:00.000Z"}
        ])))
        .expect(2)
        .mount(&s)
        .await;
    let r = WorkflowRef { id: "w1".into() };
    let on = n.activate_workflow(r.clone()).await.unwrap();
    assert!(on.active);
    assert_eq!(on.tags, ["Production", "Billing"]);
    let off = n.deactivate_workflow(r).await.unwrap();
    assert!(!off.active);
    assert_eq!(off.tags, ["Production", "Billing"]);

    // An answer that lists its tags (even none) needs no second request.
    let mut untagged = jira_workflow("w2", "B", true);
    untagged["tags"] = json!([]);
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/w2/activate"))
        .respond_with(ok(untagged))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/w2/tags"))
        .respond_with(ok(json!([])))
        .expect(0)
        .mount(&s)
        .await;
    let w = n
        .activate_workflow(WorkflowRef { id: "w2".into() })
        .await
        .unwrap();
    assert!(w.tags.is_empty());
}

#[tokio::test]
async fn running_executions_are_asked_for_by_status() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let mut running = execution(77, "w1", "running");
    running["stoppedAt"] = Value::Null;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions"))
        .and(query_param("status", "running"))
        .and(query_param("workflowId", "w1"))
        .respond_with(ok(json!({"data": [running], "nextCursor": null})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions"))
        .and(query_param_is_missing("status"))
        .respond_with(ok(json!({"data": [], "nextCursor": null})))
        .expect(1)
        .mount(&s)
        .await;
    let page = n
        .list_executions(ListExecutions {
            workflow_id: Some("w1".into()),
            status: Some(ExecutionStatus::Running),
            page: PageRequest::default(),
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].status, ExecutionStatus::Running);
    assert_eq!(page.items[0].finished_at, None);
    n.list_executions(ListExecutions::default()).await.unwrap();
    // n8n's filter has no queued state: refused before any request.
    let e = n
        .list_executions(ListExecutions {
            status: Some(ExecutionStatus::Queued),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.field(), Some("status"));
    assert_eq!(s.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retry_checks_the_state_then_posts() {
    let s = MockServer::start().await;
    let n = provider(&s);
    for (id, status) in [
        (500, "error"),
        (501, "success"),
        (502, "running"),
        (503, "crashed"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/executions/{id}")))
            .and(query_param("includeData", "false"))
            .respond_with(ok(execution(id, "w1", status)))
            .mount(&s)
            .await;
    }
    let mut retried = execution(600, "w1", "success");
    retried["mode"] = json!("retry");
    retried["retryOf"] = json!(500);
    Mock::given(method("POST"))
        .and(path("/api/v1/executions/500/retry"))
        .and(header("x-n8n-api-key", KEY))
        .and(body_json(json!({})))
        .respond_with(ok(retried))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/executions/503/retry"))
        .respond_with(ok(execution(601, "w1", "error")))
        .expect(1)
        .mount(&s)
        .await;
    let e = n
        .retry_execution(ExecutionRef { id: "500".into() })
        .await
        .unwrap();
    assert_eq!(e.id, "600");
    assert_eq!(e.mode.as_deref(), Some("retry"));
    assert_eq!(e.status, ExecutionStatus::Success);
    // A crashed execution counts as failed.
    let e = n
        .retry_execution(ExecutionRef { id: "503".into() })
        .await
        .unwrap();
    assert_eq!(e.status, ExecutionStatus::Error);
    // n8n would answer these with a server error or a second run.
    for id in ["501", "502"] {
        let e = n
            .retry_execution(ExecutionRef { id: id.into() })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conflict, "{id}: {e}");
    }
    let posts = s
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 2);

    Mock::given(method("GET"))
        .and(path("/api/v1/executions/404"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&s)
        .await;
    let e = n
        .retry_execution(ExecutionRef { id: "404".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

fn tag(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "createdAt": "2024-03-01T10:00:00.000Z", "updatedAt": "2024-03-02T10:00:00.000Z"})
}

#[tokio::test]
async fn tags_list_create_get_and_set() {
    let s = MockServer::start().await;
    let n = provider(&s);
    Mock::given(method("GET"))
        .and(path("/api/v1/tags"))
        .and(query_param("limit", "1"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok(
            json!({"data": [tag("t1", "Production")], "nextCursor": "MQ"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let page = n
        .list_tags(ListTags {
            page: PageRequest::with_size(1),
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].id, "t1");
    assert_eq!(page.items[0].name, "Production");
    assert_eq!(
        page.items[0].updated_at.as_deref(),
        Some("2024-03-02T10:00:00.000Z")
    );
    assert_eq!(page.next.as_ref().map(|c| c.as_str()), Some("MQ"));

    Mock::given(method("POST"))
        .and(path("/api/v1/tags"))
        .and(body_json(json!({"name": "Billing"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(tag("t2", "Billing")))
        .expect(1)
        .mount(&s)
        .await;
    let t = n
        .create_tag(CreateTag {
            name: " Billing ".into(),
        })
        .await
        .unwrap();
    assert_eq!((t.id.as_str(), t.name.as_str()), ("t2", "Billing"));
    let e = n
        .create_tag(CreateTag { name: " ".into() })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("name"));
    // n8n stores at most 24 characters and words any failure to store as
    // "Tag already exists": longer names never reach it.
    let e = n
        .create_tag(CreateTag {
            name: "a-name-of-25-characters!!".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains("24"), "{e}");
    let e = n
        .set_workflow_tags(SetWorkflowTags {
            id: "w1".into(),
            tags: vec!["fine".into(), "é".repeat(25)],
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("tags[1]"));

    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/w1/tags"))
        .respond_with(ok(json!([tag("t1", "Production")])))
        .mount(&s)
        .await;
    let got = n
        .get_workflow_tags(WorkflowRef { id: "w1".into() })
        .await
        .unwrap();
    assert_eq!(got.id, "w1");
    assert_eq!(got.tags.len(), 1);

    // Set by name: `Production` exists (on the second page of tags),
    // `Nightly` is made; the workflow gets both ids in the given order.
    Mock::given(method("GET"))
        .and(path("/api/v1/tags"))
        .and(query_param("limit", "250"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok(
            json!({"data": [tag("t2", "Billing")], "nextCursor": "Mg"}),
        ))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/tags"))
        .and(query_param("cursor", "Mg"))
        .respond_with(ok(
            json!({"data": [tag("t1", "Production")], "nextCursor": null}),
        ))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/tags"))
        .and(body_json(json!({"name": "Nightly"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(tag("t3", "Nightly")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/workflows/w1/tags"))
        .and(body_json(json!([{"id": "t3"}, {"id": "t1"}])))
        .respond_with(ok(json!([tag("t1", "Production"), tag("t3", "Nightly")])))
        .expect(1)
        .mount(&s)
        .await;
    let set = n
        .set_workflow_tags(SetWorkflowTags {
            id: "w1".into(),
            tags: vec!["Nightly".into(), "Production".into(), "Nightly".into()],
        })
        .await
        .unwrap();
    let names: Vec<&str> = set.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Production", "Nightly"]);

    // Clearing needs no tag lookup.
    Mock::given(method("PUT"))
        .and(path("/api/v1/workflows/w2/tags"))
        .and(body_json(json!([])))
        .respond_with(ok(json!([])))
        .expect(1)
        .mount(&s)
        .await;
    let before = s.received_requests().await.unwrap().len();
    let set = n
        .set_workflow_tags(SetWorkflowTags {
            id: "w2".into(),
            tags: vec![],
        })
        .await
        .unwrap();
    assert!(set.tags.is_empty());
    assert_eq!(s.received_requests().await.unwrap().len(), before + 1);
    let e = n
        .set_workflow_tags(SetWorkflowTags {
            id: "w2".into(),
            tags: vec!["ok".into(), "".into()],
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("tags[1]"));

    // A missing workflow fails before any tag is made.
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/gone/tags"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&s)
        .await;
    let e = n
        .set_workflow_tags(SetWorkflowTags {
            id: "gone".into(),
            tags: vec!["Brand new".into()],
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        !s.received_requests()
            .await
            .unwrap()
            .iter()
            .any(|r| r.url.path() == "/api/v1/tags"
                && r.method.as_str() == "POST"
                && String::from_utf8_lossy(&r.body).contains("Brand new"))
    );
}

#[tokio::test]
async fn run_and_node_types_are_unsupported_and_validation_is_local() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let caps = WorkflowProvider::capabilities(&n);
    assert!(!caps.supports(WorkflowOp::RunWorkflow));
    assert!(!caps.supports(WorkflowOp::ListNodeTypes));
    assert!(!caps.supports(WorkflowOp::StopExecution));
    assert!(caps.supports(WorkflowOp::ValidateWorkflow));
    assert!(caps.supports(WorkflowOp::RetryExecution));
    assert!(caps.supports(WorkflowOp::SetWorkflowTags));
    assert_eq!(caps.len(), 15);
    let e = n.run_workflow(RunWorkflow::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let e = n
        .list_node_types(ListNodeTypes::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);

    let good = n
        .validate_workflow(ValidateWorkflow {
            nodes: vec![
                node("Hook", "n8n-nodes-base.webhook", 0),
                node("Set", "n8n-nodes-base.set", 200),
            ],
            connections: vec![conn("Hook", "Set")],
        })
        .await
        .unwrap();
    assert!(good.valid, "{good:?}");
    let bad = n
        .validate_workflow(ValidateWorkflow {
            nodes: vec![
                node("Set", "n8n-nodes-base.set", 0),
                node("Other", "n8n-nodes-base.noOp", 200),
            ],
            connections: vec![conn("Set", "Ghost")],
        })
        .await
        .unwrap();
    assert!(!bad.valid);
    let messages: Vec<&str> = bad.issues.iter().map(|i| i.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("no trigger")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("unknown node `Ghost`")),
        "{messages:?}"
    );
    let unreachable = n
        .validate_workflow(ValidateWorkflow {
            nodes: vec![
                node("Cron", "n8n-nodes-base.scheduleTrigger", 0),
                node("Island", "n8n-nodes-base.set", 200),
            ],
            connections: vec![],
        })
        .await
        .unwrap();
    assert!(!unreachable.valid);
    assert_eq!(unreachable.issues[0].node.as_deref(), Some("Island"));
    let mut versioned = node("Start", "n8n-nodes-base.manualTrigger", 0);
    versioned.type_version = Some("v2".into());
    let r = n
        .validate_workflow(ValidateWorkflow {
            nodes: vec![versioned],
            connections: vec![],
        })
        .await
        .unwrap();
    assert!(!r.valid);
    // Nothing of this reached the server.
    assert!(s.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn webhook_trigger_calls_the_production_url_without_the_api_key() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let mut w = jira_workflow("w9", "Orders", true);
    w["nodes"][0] = json!({"id": "h1", "name": "Webhook", "type": "n8n-nodes-base.webhook", "typeVersion": 2,
        "webhookId": "4c1d7f0e-1111-2222-3333-444455556666", "position": [0, 0],
        "parameters": {"httpMethod": "POST", "path": "orders/new", "options": {}}});
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/w9"))
        .respond_with(ok(w.clone()))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/webhook/orders/new"))
        .and(body_json(json!({"order": 42})))
        .respond_with(ok(json!({"message": "Workflow was started"})))
        .expect(1)
        .mount(&s)
        .await;
    let answer = n.trigger_webhook("w9", json!({"order": 42})).await.unwrap();
    assert_eq!(answer["message"], "Workflow was started");
    let hook_call = s
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r: &Request| r.url.path() == "/webhook/orders/new")
        .unwrap();
    assert!(!hook_call.headers.contains_key("x-n8n-api-key"));

    // GET webhooks take the input as query parameters; the webhook id
    // stands in for an empty path.
    let mut g = w.clone();
    g["id"] = json!("w10");
    g["nodes"][0]["parameters"] = json!({"path": ""});
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/w10"))
        .respond_with(ok(g))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/webhook/4c1d7f0e-1111-2222-3333-444455556666"))
        .and(query_param("q", "x"))
        .and(query_param("n", "3"))
        .respond_with(ResponseTemplate::new(200).set_body_string("done"))
        .expect(1)
        .mount(&s)
        .await;
    let answer = n
        .trigger_webhook("w10", json!({"q": "x", "n": 3}))
        .await
        .unwrap();
    assert_eq!(answer, json!("done"));

    // Inactive workflows have no production webhook; workflows without a
    // webhook node cannot be triggered this way.
    let mut inactive = w.clone();
    inactive["active"] = json!(false);
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/w11"))
        .respond_with(ok(inactive))
        .mount(&s)
        .await;
    assert_eq!(
        n.trigger_webhook("w11", json!({}))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Conflict
    );
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/w12"))
        .respond_with(ok(jira_workflow("w12", "No hook", true)))
        .mount(&s)
        .await;
    assert_eq!(
        n.trigger_webhook("w12", json!({}))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn error_mapping_table() {
    let s = MockServer::start().await;
    let n = provider(&s);
    type Row = (
        u16,
        &'static [(&'static str, &'static str)],
        Value,
        ErrorKind,
    );
    let table: &[Row] = &[
        (
            400,
            &[],
            json!({"message": "request/body must have required property 'settings'"}),
            ErrorKind::InvalidInput,
        ),
        (
            401,
            &[],
            json!({"message": "'X-N8N-API-KEY' header required"}),
            ErrorKind::Unauthenticated,
        ),
        (
            403,
            &[],
            json!({"message": "Forbidden"}),
            ErrorKind::PermissionDenied,
        ),
        (
            404,
            &[],
            json!({"message": "Not Found"}),
            ErrorKind::NotFound,
        ),
        (
            409,
            &[],
            json!({"message": "Conflict"}),
            ErrorKind::Conflict,
        ),
        (
            415,
            &[],
            json!({"message": "Unsupported media type"}),
            ErrorKind::InvalidInput,
        ),
        (
            429,
            &[("retry-after", "7")],
            json!({"message": "Too many requests"}),
            ErrorKind::RateLimited,
        ),
        (
            500,
            &[],
            json!({"message": "Internal server error"}),
            ErrorKind::Unavailable,
        ),
        (
            503,
            &[],
            json!({"message": "Service unavailable"}),
            ErrorKind::Unavailable,
        ),
    ];
    for (i, (status, headers, body, kind)) in table.iter().enumerate() {
        let id = format!("e{i}");
        let mut resp = ResponseTemplate::new(*status).set_body_json(body.clone());
        for (k, v) in *headers {
            resp = resp.insert_header(*k, *v);
        }
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/workflows/{id}")))
            .respond_with(resp)
            .mount(&s)
            .await;
        let e = n.get_workflow(WorkflowRef { id }).await.unwrap_err();
        assert_eq!(e.kind(), *kind, "status {status}");
        assert_eq!(e.status(), Some(*status));
        assert_eq!(e.provider(), Some("n8n"));
        let text = body["message"].as_str().unwrap();
        assert!(e.message().contains(text), "{e}");
        assert!(!format!("{e:?}").contains(KEY));
        if *status == 429 {
            assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        }
    }
}

#[tokio::test]
async fn malformed_bodies_are_decode_errors() {
    let s = MockServer::start().await;
    let n = provider(&s);
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/bad"))
        .respond_with(ok(
            json!({"id": "bad", "name": "x", "nodes": [{"name": "A", "type": 5}]}),
        ))
        .mount(&s)
        .await;
    let e = n
        .get_workflow(WorkflowRef { id: "bad".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("$.nodes[0].type"), "{e}");
    Mock::given(method("GET"))
        .and(path("/api/v1/executions"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy login</html>"))
        .mount(&s)
        .await;
    let e = n
        .list_executions(ListExecutions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn base_url_variants_and_config() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/w1"))
        .and(header_exists("x-n8n-api-key"))
        .respond_with(ok(jira_workflow("w1", "A", false)))
        .expect(2)
        .mount(&s)
        .await;
    for base in [format!("{}/", s.uri()), format!("{}/api/v1", s.uri())] {
        let n = N8n::new(N8nConfig::new(base, KEY)).unwrap();
        n.get_workflow(WorkflowRef { id: "w1".into() })
            .await
            .unwrap();
    }
    let cfg = N8nConfig::from_json(
        json!({"base_url": "https://n8n.example.com", "api_key": "k", "timeout_secs": 5}),
    )
    .unwrap();
    assert_eq!(cfg.webhook_path, "webhook");
    assert_eq!(cfg.http.timeout_secs, 5);
    assert!(N8nConfig::from_json(json!({"base_url": "https://n8n.example.com"})).is_err());
    assert!(!format!("{cfg:?}").contains("\"k\""));
}

#[tokio::test]
async fn plugin_manifest_schema_and_instance() {
    let f = n8n::plugin_factory().unwrap();
    let m = f.manifest();
    assert_eq!(m.id, "n8n");
    assert_eq!(
        m.capabilities_of(mosaic_core::Family::Workflow),
        Some(N8n::operations())
    );
    let env = Env::fixed(Vec::<(String, String)>::new());
    let good = json!({"base_url": "https://acme.app.n8n.cloud", "api_key": "key-secret-1"});
    let cfg = PluginConfig::resolve(m, Some(&good), &env).unwrap();
    assert!(!cfg.redacted().to_string().contains("key-secret-1"));
    for bad in [
        json!({"base_url": "https://acme.app.n8n.cloud"}),
        json!({"base_url": "ftp://x", "api_key": "k"}),
        json!({"base_url": "https://acme.app.n8n.cloud", "api_key": "k", "unknown": 1}),
    ] {
        assert!(PluginConfig::resolve(m, Some(&bad), &env).is_err(), "{bad}");
    }
    let mut plugin = f.create().unwrap();
    let ctx = PluginContext::builder(m).config(cfg.clone()).build();
    plugin.initialize(ctx, cfg).await.unwrap();
    assert!(plugin.services().workflow.is_some());

    // A self-hosted URL outside the granted hosts is refused.
    let other = json!({"base_url": "https://n8n.internal.example", "api_key": "k"});
    let cfg = PluginConfig::resolve(m, Some(&other), &env).unwrap();
    let mut plugin = f.create().unwrap();
    let ctx = PluginContext::builder(m).config(cfg.clone()).build();
    assert!(plugin.initialize(ctx, cfg).await.is_err());
}

#[cfg(feature = "github")]
#[test]
fn the_catalog_lists_the_plugin() {
    let factories = mosaic_providers::catalog::factories().unwrap();
    let f = factories
        .iter()
        .find(|f| f.manifest().id == "n8n")
        .expect("listed in the catalog");
    assert_eq!(f.manifest().families, [mosaic_core::Family::Workflow]);
    assert_eq!(
        f.manifest().capabilities_of(mosaic_core::Family::Workflow),
        Some(N8n::operations())
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Err(e) = N8n::parse_workflow(&body) {
            prop_assert_eq!(e.kind(), ErrorKind::Decode);
        }
        if let Err(e) = N8n::parse_executions(&body) {
            prop_assert_eq!(e.kind(), ErrorKind::Decode);
        }
    }

    #[test]
    fn json_shaped_bodies_decode_or_fail_typed(
        name in prop_oneof![Just(json!("w")), Just(json!(1)), Just(Value::Null)],
        id in prop_oneof![Just(json!("x")), Just(json!(7)), Just(json!([]))],
        nodes in prop_oneof![Just(json!([])), Just(json!([{"name": "A", "type": "t", "position": [1, 2, 3]}])), Just(json!({})), Just(json!([{"name": "A"}]))],
        connections in prop_oneof![Just(json!({})), Just(json!({"A": {"main": [null, [{"node": "B", "type": "main", "index": 0}]]}})), Just(json!({"A": {"main": [[{"node": 1}]]}})), Just(json!([]))],
        status in prop_oneof![Just(json!("success")), Just(json!("brand-new")), Just(json!(3)), Just(Value::Null)],
    ) {
        let w = json!({"id": id, "name": name, "nodes": nodes, "connections": connections}).to_string();
        match N8n::parse_workflow(w.as_bytes()) {
            Ok(w) => prop_assert!(w.connections.iter().all(|c| !c.from.is_empty())),
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Decode),
        }
        let l = json!({"data": [{"id": id, "status": status, "workflowId": "w"}], "nextCursor": null}).to_string();
        match N8n::parse_executions(l.as_bytes()) {
            Ok(p) => prop_assert!(p.next.is_none()),
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Decode),
        }
    }
}
