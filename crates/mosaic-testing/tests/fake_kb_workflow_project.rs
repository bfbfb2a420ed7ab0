//! `FakeKnowledgeBase`, `FakeWorkflow` and `FakeProject` behaviour.

use std::time::Duration;

use mosaic_core::kb::{self, KnowledgeBaseProvider};
use mosaic_core::project::{self, ProjectProvider};
use mosaic_core::workflow::*;
use mosaic_core::{ErrorKind, PageRequest};
use mosaic_testing::{FakeKnowledgeBase, FakeProject, FakeWorkflow};
use serde_json::json;

#[tokio::test]
async fn kb_search_ranks_titles_and_versions_lock() {
    let kb = FakeKnowledgeBase::new();
    let space = kb.seed_space("Engineering").key("ENG").create().unwrap();
    let a = kb
        .seed_page(&space.id)
        .title("Runbook")
        .body("restart the deploy service when it hangs")
        .create()
        .unwrap();
    let b = kb
        .seed_page(&space.id)
        .title("Deploy guide")
        .body("how we ship")
        .create()
        .unwrap();
    let hits = kb
        .search(kb::Search {
            query: "deploy".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let ids: Vec<&str> = hits.items.iter().map(|h| h.page_id.as_str()).collect();
    assert_eq!(ids, [b.id.as_str(), a.id.as_str()]);
    assert!(
        hits.items[1]
            .excerpt
            .as_deref()
            .unwrap()
            .contains("deploy service")
    );

    let stale = kb
        .update_page(kb::UpdateKbPage {
            id: a.id.clone(),
            body: Some("new".into()),
            version: Some(7),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(stale.kind(), ErrorKind::Conflict);
    let v2 = kb
        .update_page(kb::UpdateKbPage {
            id: a.id.clone(),
            body: Some("new".into()),
            version: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(v2.version, Some(2));
    let revs = kb
        .list_revisions(kb::ListRevisions {
            page_id: a.id.clone(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(
        revs.items.iter().map(|r| r.version).collect::<Vec<_>>(),
        [2, 1]
    );
    let dup = kb
        .create_page(kb::CreateKbPage {
            space_id: space.id.clone(),
            title: "runbook".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::Conflict);
    let html = kb
        .export_page(kb::ExportKbPage {
            id: b.id.clone(),
            format: kb::DocFormat::Html,
        })
        .await
        .unwrap();
    assert!(
        String::from_utf8(html.content)
            .unwrap()
            .contains("<h1>Deploy guide</h1>")
    );
    let pdf = kb
        .export_page(kb::ExportKbPage {
            id: b.id.clone(),
            format: kb::DocFormat::Pdf,
        })
        .await
        .unwrap_err();
    assert!(pdf.is_unsupported());
    let imported = kb
        .import_page(kb::ImportKbPage {
            space_id: space.id.clone(),
            title: "From HTML".into(),
            format: kb::DocFormat::Html,
            content: b"<h2>Hello</h2><p>world</p>".to_vec(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(imported.body.as_deref(), Some("## Hello\n\nworld\n"));
}

#[tokio::test]
async fn kb_subtrees_move_and_delete_together() {
    let kb = FakeKnowledgeBase::new();
    let s1 = kb.seed_space("One").create().unwrap();
    let s2 = kb.seed_space("Two").create().unwrap();
    let parent = kb.seed_page(&s1.id).title("Parent").create().unwrap();
    let child = kb
        .create_page(kb::CreateKbPage {
            space_id: s1.id.clone(),
            parent_id: Some(parent.id.clone()),
            title: "Child".into(),
            body: "c".into(),
        })
        .await
        .unwrap();
    let cycle = kb
        .move_page(kb::MoveKbPage {
            id: parent.id.clone(),
            space_id: None,
            parent_id: Some(child.id.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(cycle.field(), Some("parent_id"));
    kb.move_page(kb::MoveKbPage {
        id: parent.id.clone(),
        space_id: Some(s2.id.clone()),
        parent_id: None,
    })
    .await
    .unwrap();
    let moved = kb
        .get_page(kb::KbPageRef {
            id: child.id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(moved.space_id, s2.id);
    kb.delete_page(kb::KbPageRef {
        id: parent.id.clone(),
    })
    .await
    .unwrap();
    assert!(
        kb.get_page(kb::KbPageRef { id: child.id })
            .await
            .unwrap_err()
            .is_not_found()
    );
}

fn node(name: &str, kind: &str, parameters: serde_json::Value) -> WorkflowNode {
    WorkflowNode {
        name: name.into(),
        node_type: kind.into(),
        parameters,
        ..Default::default()
    }
}

fn edge(from: &str, output: u32, to: &str) -> Connection {
    Connection {
        from: from.into(),
        output,
        to: to.into(),
        input: 0,
    }
}

#[tokio::test(start_paused = true)]
async fn workflows_branch_wait_fail_and_stop() {
    let engine = FakeWorkflow::new();
    let wf = engine
        .create_workflow(CreateWorkflow {
            name: "route".into(),
            nodes: vec![
                node("start", "fake.manualTrigger", json!({})),
                node("check", "fake.if", json!({"field": "ok", "equals": true})),
                node("wait", "fake.wait", json!({"seconds": 10})),
                node("boom", "fake.fail", json!({"message": "not ok"})),
            ],
            connections: vec![
                edge("start", 0, "check"),
                edge("check", 0, "wait"),
                edge("check", 1, "boom"),
            ],
            ..Default::default()
        })
        .await
        .unwrap();
    let good = engine
        .run_workflow(RunWorkflow {
            id: wf.id.clone(),
            input: json!({"ok": true}),
        })
        .await
        .unwrap();
    let bad = engine
        .run_workflow(RunWorkflow {
            id: wf.id.clone(),
            input: json!({"ok": false}),
        })
        .await
        .unwrap();
    assert_eq!(good.status, ExecutionStatus::Running);
    tokio::time::advance(Duration::from_secs(3)).await;
    let bad = engine
        .get_execution(ExecutionRef { id: bad.id })
        .await
        .unwrap();
    assert_eq!(bad.status, ExecutionStatus::Error);
    assert_eq!(bad.data["failed_node"], "boom");
    let running = engine
        .get_execution(ExecutionRef {
            id: good.id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(running.status, ExecutionStatus::Running);
    tokio::time::advance(Duration::from_secs(10)).await;
    let done = engine
        .get_execution(ExecutionRef {
            id: good.id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(done.status, ExecutionStatus::Success);
    assert_eq!(done.data["output"], json!({"ok": true}));

    let third = engine
        .run_workflow(RunWorkflow {
            id: wf.id.clone(),
            input: json!({"ok": true}),
        })
        .await
        .unwrap();
    let stopped = engine
        .stop_execution(ExecutionRef {
            id: third.id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(stopped.status, ExecutionStatus::Cancelled);
    let again = engine
        .stop_execution(ExecutionRef { id: third.id })
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Conflict);
    let failed = engine
        .list_executions(ListExecutions {
            workflow_id: Some(wf.id.clone()),
            status: Some(ExecutionStatus::Error),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(failed.items.len(), 1);
}

#[tokio::test]
async fn workflows_need_a_runnable_graph_to_activate() {
    let engine = FakeWorkflow::new();
    let bad_type = engine
        .create_workflow(CreateWorkflow {
            name: "x".into(),
            nodes: vec![node("a", "no.such.type", json!({}))],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_type.field(), Some("nodes[0].node_type"));
    let draft = engine
        .create_workflow(CreateWorkflow {
            name: "draft".into(),
            nodes: vec![node("lonely", "fake.noop", json!({}))],
            ..Default::default()
        })
        .await
        .unwrap();
    let refused = engine
        .activate_workflow(WorkflowRef {
            id: draft.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);
    let report = engine
        .validate_workflow(ValidateWorkflow {
            nodes: draft.nodes.clone(),
            connections: vec![],
        })
        .await
        .unwrap();
    assert!(!report.valid);
    let fixed = engine
        .update_workflow(UpdateWorkflow {
            id: draft.id.clone(),
            nodes: Some(vec![
                node("t", "fake.webhookTrigger", json!({})),
                node("lonely", "fake.noop", json!({})),
            ]),
            connections: Some(vec![edge("t", 0, "lonely")]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(fixed.nodes.iter().all(|n| !n.id.is_empty()));
    assert!(
        engine
            .activate_workflow(WorkflowRef {
                id: draft.id.clone()
            })
            .await
            .unwrap()
            .active
    );
    let active = engine
        .list_workflows(ListWorkflows {
            active: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(active.items.len(), 1);
}

#[tokio::test]
async fn tracker_workflow_and_search() {
    let t = FakeProject::new();
    t.seed_project("ENG").name("Engineering").create().unwrap();
    t.seed_user("ana").name("Ana").create().unwrap();
    let i = t
        .create_issue(project::CreateIssue {
            project_id: "proj-ENG".into(),
            title: "Login fails on Safari".into(),
            description: Some("cookie is dropped".into()),
            labels: vec!["bug".into()],
            assignees: vec!["ana".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(i.key, "ENG-1");
    assert_eq!(i.status_category, project::StatusCategory::Todo);
    let bad = t
        .create_issue(project::CreateIssue {
            project_id: "ENG".into(),
            title: "x".into(),
            assignees: vec!["nobody".into()],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("assignees[0]"));
    t.transition_issue(project::TransitionIssue {
        id: i.id.clone(),
        to: "Done".into(),
    })
    .await
    .unwrap();
    let illegal = t
        .transition_issue(project::TransitionIssue {
            id: "ENG-1".into(),
            to: "Cancelled".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(illegal.kind(), ErrorKind::Conflict);
    let unknown = t
        .transition_issue(project::TransitionIssue {
            id: "ENG-1".into(),
            to: "Limbo".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.field(), Some("to"));
    let found = t
        .search_issues(project::SearchIssues {
            query: "safari COOKIE".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    let done = t
        .list_issues(project::ListIssues {
            project_id: "ENG".into(),
            status: Some("done".into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(done.items.len(), 1);
    let labels = t.list_labels(project::ListLabels::default()).await.unwrap();
    assert_eq!(labels.items[0].name, "bug");
}
