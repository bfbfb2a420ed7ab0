//! Linear against a local mock server: the GraphQL document and variables
//! of every operation, parsed results (answers shaped like the API's
//! schema and examples), Relay cursors across three pages, GraphQL error
//! mapping, malformed answers and the plugin.
#![cfg(feature = "linear")]

use std::time::Duration;

use futures::StreamExt;
use mosaic_core::page::paginate;
use mosaic_core::project::*;
use mosaic_core::{ErrorKind, PageRequest};
use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext};
use mosaic_providers::linear::{self, Linear, LinearConfig};
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "lin_api_Xq81bK2v";
const TEAM_ID: &str = "9cfb482a-81e3-4154-b5b9-2c805e70a02d";
const USER_ID: &str = "e5c1a6b2-3d4f-4e5a-8b6c-7d8e9f0a1b2c";

fn provider(s: &MockServer) -> Linear {
    Linear::new(LinearConfig::api_key(KEY).with_base_url(s.uri())).unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

/// Matches a GraphQL request: the document starts with `op` and the
/// variables are exactly `vars`.
struct Gql {
    op: String,
    vars: Value,
}

impl Match for Gql {
    fn matches(&self, r: &Request) -> bool {
        let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
            return false;
        };
        body["query"]
            .as_str()
            .is_some_and(|q| q.starts_with(&self.op))
            && body["variables"] == self.vars
    }
}

fn gql(op: &str, vars: Value) -> Gql {
    Gql {
        op: op.to_owned(),
        vars,
    }
}

async fn expect(s: &MockServer, op: &str, vars: Value, answer: Value) {
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", KEY))
        .and(header("content-type", "application/json"))
        .and(gql(op, vars))
        .respond_with(ok(answer))
        .expect(1)
        .mount(s)
        .await;
}

fn team(id: &str, key: &str, name: &str) -> Value {
    json!({"id": id, "key": key, "name": name, "description": "Product engineering"})
}

fn issue(identifier: &str, state: (&str, &str), labels: &[&str]) -> Value {
    json!({
        "id": format!("a1b2c3d4-0000-4000-8000-{:0>12}", identifier.replace('-', "").to_lowercase()),
        "identifier": identifier,
        "title": "Login fails on Safari",
        "description": "Steps:\n\n1. Open **Safari**\n2. Log in",
        "priority": 2,
        "priorityLabel": "High",
        "url": format!("https://linear.app/acme/issue/{identifier}/login-fails-on-safari"),
        "createdAt": "2024-05-01T08:00:00.000Z",
        "updatedAt": "2024-05-02T09:30:00.000Z",
        "state": {"name": state.0, "type": state.1},
        "team": {"id": TEAM_ID},
        "assignee": {"id": USER_ID},
        "labels": {"nodes": labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>()}
    })
}

fn page_info(next: Option<&str>) -> Value {
    json!({"hasNextPage": next.is_some(), "endCursor": next})
}

#[tokio::test]
async fn teams_are_projects_across_three_pages() {
    let s = MockServer::start().await;
    let l = provider(&s);
    let teams = |ids: &[&str], next: Option<&str>| {
        json!({"data": {"teams": {
            "nodes": ids.iter().map(|k| team(&format!("00000000-0000-4000-8000-0000000000{k}"), k, k)).collect::<Vec<_>>(),
            "pageInfo": page_info(next)}}})
    };
    expect(
        &s,
        "query Teams(",
        json!({"first": 2, "after": null}),
        teams(&["01", "02"], Some("c2")),
    )
    .await;
    expect(
        &s,
        "query Teams(",
        json!({"first": 2, "after": "c2"}),
        teams(&["03", "04"], Some("c4")),
    )
    .await;
    expect(
        &s,
        "query Teams(",
        json!({"first": 2, "after": "c4"}),
        teams(&["05"], None),
    )
    .await;
    let keys: Vec<String> = paginate(
        ListProjects {
            page: PageRequest::with_size(2),
        },
        move |p| {
            let l = l.clone();
            async move { l.list_projects(p).await }
        },
    )
    .map(|r| r.unwrap().key.unwrap())
    .collect()
    .await;
    assert_eq!(keys, ["01", "02", "03", "04", "05"]);
}

#[tokio::test]
async fn get_project_by_key_or_id() {
    let s = MockServer::start().await;
    let l = provider(&s);
    expect(
        &s,
        "query Team(",
        json!({"filter": {"key": {"eqIgnoreCase": "eng"}}}),
        json!({"data": {"teams": {"nodes": [team(TEAM_ID, "ENG", "Engineering")]}}}),
    )
    .await;
    let p = l
        .get_project(ProjectRef { id: "eng".into() })
        .await
        .unwrap();
    assert_eq!(p.id, TEAM_ID);
    assert_eq!(p.key.as_deref(), Some("ENG"));
    assert_eq!(p.description.as_deref(), Some("Product engineering"));
    expect(
        &s,
        "query Team(",
        json!({"filter": {"id": {"eq": TEAM_ID}}}),
        json!({"data": {"teams": {"nodes": [team(TEAM_ID, "ENG", "Engineering")]}}}),
    )
    .await;
    let p = l
        .get_project(ProjectRef { id: TEAM_ID.into() })
        .await
        .unwrap();
    assert_eq!(p.name, "Engineering");
    expect(
        &s,
        "query Team(",
        json!({"filter": {"key": {"eqIgnoreCase": "NOPE"}}}),
        json!({"data": {"teams": {"nodes": []}}}),
    )
    .await;
    let e = l
        .get_project(ProjectRef { id: "NOPE".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn get_issue_maps_every_field() {
    let s = MockServer::start().await;
    let l = provider(&s);
    expect(
        &s,
        "query Issue(",
        json!({"id": "ENG-42"}),
        json!({"data": {"issue": issue("ENG-42", ("In Progress", "started"), &["Bug", "Frontend"])}}),
    )
    .await;
    let i = l
        .get_issue(IssueRef {
            id: "ENG-42".into(),
        })
        .await
        .unwrap();
    assert_eq!(i.key, "ENG-42");
    assert_eq!(i.project_id, TEAM_ID);
    assert_eq!(i.status, "In Progress");
    assert_eq!(i.status_category, StatusCategory::InProgress);
    assert_eq!(i.labels, ["Bug", "Frontend"]);
    assert_eq!(i.assignees, [USER_ID]);
    assert_eq!(i.priority.as_deref(), Some("High"));
    assert_eq!(
        i.description.as_deref(),
        Some("Steps:\n\n1. Open **Safari**\n2. Log in")
    );
    assert_eq!(
        i.web_url.as_deref(),
        Some("https://linear.app/acme/issue/ENG-42/login-fails-on-safari")
    );
    assert_eq!(i.created_at.as_deref(), Some("2024-05-01T08:00:00.000Z"));

    // No priority, no assignee, a cancelled state.
    let mut bare = issue("ENG-43", ("Canceled", "canceled"), &[]);
    bare["priority"] = json!(0);
    bare["priorityLabel"] = json!("No priority");
    bare["assignee"] = Value::Null;
    expect(
        &s,
        "query Issue(",
        json!({"id": "ENG-43"}),
        json!({"data": {"issue": bare}}),
    )
    .await;
    let i = l
        .get_issue(IssueRef {
            id: "ENG-43".into(),
        })
        .await
        .unwrap();
    assert_eq!(i.priority, None);
    assert!(i.assignees.is_empty());
    assert_eq!(i.status_category, StatusCategory::Cancelled);

    // A missing issue: Linear answers an INVALID_INPUT "Entity not found".
    expect(
        &s,
        "query Issue(",
        json!({"id": "ENG-999"}),
        json!({"errors": [{"message": "Entity not found: Issue", "path": ["issue"],
            "locations": [{"line": 1, "column": 30}],
            "extensions": {"type": "invalid input", "code": "INVALID_INPUT", "statusCode": 400,
                "userError": true, "userPresentableMessage": "Could not find referenced Issue."}}],
            "data": null}),
    )
    .await;
    let e = l
        .get_issue(IssueRef {
            id: "ENG-999".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.message().contains("Could not find referenced Issue"),
        "{e}"
    );
}

#[tokio::test]
async fn create_issue_resolves_team_and_labels() {
    let s = MockServer::start().await;
    let l = provider(&s);
    expect(
        &s,
        "query Team(",
        json!({"filter": {"key": {"eqIgnoreCase": "ENG"}}}),
        json!({"data": {"teams": {"nodes": [team(TEAM_ID, "ENG", "Engineering")]}}}),
    )
    .await;
    expect(
        &s,
        "query LabelLookup(",
        json!({"filter": {"and": [
            {"name": {"in": ["Bug", "Frontend"]}},
            {"or": [{"team": {"id": {"eq": TEAM_ID}}}, {"team": {"null": true}}]}
        ]}}),
        json!({"data": {"issueLabels": {"nodes": [
            {"id": "lbl-ws-bug", "name": "Bug", "color": "#eb5757", "team": null},
            {"id": "lbl-eng-bug", "name": "Bug", "color": "#eb5757", "team": {"id": TEAM_ID}},
            {"id": "lbl-fe", "name": "Frontend", "color": "#4ea7fc", "team": null}
        ]}}}),
    )
    .await;
    expect(
        &s,
        "mutation IssueCreate(",
        json!({"input": {"teamId": TEAM_ID, "title": "Login fails on Safari",
            "description": "Steps:\n\n1. Open **Safari**\n2. Log in",
            "labelIds": ["lbl-eng-bug", "lbl-fe"], "assigneeId": USER_ID, "priority": 2}}),
        json!({"data": {"issueCreate": {"success": true,
            "issue": issue("ENG-44", ("Todo", "unstarted"), &["Bug", "Frontend"])}}}),
    )
    .await;
    let i = l
        .create_issue(CreateIssue {
            project_id: "ENG".into(),
            title: "Login fails on Safari".into(),
            description: Some("Steps:\n\n1. Open **Safari**\n2. Log in".into()),
            issue_type: None,
            labels: vec!["Bug".into(), "Frontend".into()],
            assignees: vec![USER_ID.into()],
            priority: Some("High".into()),
        })
        .await
        .unwrap();
    assert_eq!(i.key, "ENG-44");
    assert_eq!(i.status_category, StatusCategory::Todo);
}

#[tokio::test]
async fn create_issue_refuses_what_linear_cannot_hold() {
    let s = MockServer::start().await;
    let l = provider(&s);
    let base = CreateIssue {
        project_id: TEAM_ID.into(),
        title: "t".into(),
        ..Default::default()
    };
    let two = CreateIssue {
        assignees: vec!["a".into(), "b".into()],
        ..base.clone()
    };
    assert_eq!(
        l.create_issue(two).await.unwrap_err().field(),
        Some("assignees")
    );
    let typed = CreateIssue {
        issue_type: Some("Bug".into()),
        ..base.clone()
    };
    assert_eq!(
        l.create_issue(typed).await.unwrap_err().field(),
        Some("issue_type")
    );
    let prio = CreateIssue {
        priority: Some("P0".into()),
        ..base.clone()
    };
    assert_eq!(
        l.create_issue(prio).await.unwrap_err().field(),
        Some("priority")
    );
    let untitled = CreateIssue {
        title: "  ".into(),
        ..base.clone()
    };
    assert_eq!(
        l.create_issue(untitled).await.unwrap_err().field(),
        Some("title")
    );
    assert!(s.received_requests().await.unwrap().is_empty());

    // An unknown label name is reported, not dropped.
    expect(
        &s,
        "query LabelLookup(",
        json!({"filter": {"and": [
            {"name": {"in": ["Nope"]}},
            {"or": [{"team": {"id": {"eq": TEAM_ID}}}, {"team": {"null": true}}]}
        ]}}),
        json!({"data": {"issueLabels": {"nodes": []}}}),
    )
    .await;
    let e = l
        .create_issue(CreateIssue {
            labels: vec!["Nope".into()],
            ..base
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("labels"));
    assert!(e.message().contains("Nope"));
}

#[tokio::test]
async fn update_issue_sends_only_what_changes() {
    let s = MockServer::start().await;
    let l = provider(&s);
    expect(
        &s,
        "query IssueTeam(",
        json!({"id": "ENG-42"}),
        json!({"data": {"issue": {"team": {"id": TEAM_ID}}}}),
    )
    .await;
    expect(
        &s,
        "query LabelLookup(",
        json!({"filter": {"and": [
            {"name": {"in": ["Backend"]}},
            {"or": [{"team": {"id": {"eq": TEAM_ID}}}, {"team": {"null": true}}]}
        ]}}),
        json!({"data": {"issueLabels": {"nodes": [{"id": "lbl-be", "name": "Backend", "color": "#0f783c", "team": {"id": TEAM_ID}}]}}}),
    )
    .await;
    expect(
        &s,
        "mutation IssueUpdate(",
        json!({"id": "ENG-42", "input": {"title": "Login fails on Safari 17", "assigneeId": null,
            "priority": 4, "labelIds": ["lbl-be"]}}),
        json!({"data": {"issueUpdate": {"success": true,
            "issue": issue("ENG-42", ("Todo", "unstarted"), &["Backend"])}}}),
    )
    .await;
    let i = l
        .update_issue(UpdateIssue {
            id: "ENG-42".into(),
            title: Some("Login fails on Safari 17".into()),
            description: None,
            labels: Some(vec!["Backend".into()]),
            assignees: Some(vec![]),
            priority: Some("low".into()),
        })
        .await
        .unwrap();
    assert_eq!(i.labels, ["Backend"]);

    // A refused mutation is an error, not a success.
    expect(
        &s,
        "mutation IssueUpdate(",
        json!({"id": "ENG-43", "input": {"description": "x"}}),
        json!({"data": {"issueUpdate": {"success": false, "issue": null}}}),
    )
    .await;
    let e = l
        .update_issue(UpdateIssue {
            id: "ENG-43".into(),
            description: Some("x".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Provider);
}

#[tokio::test]
async fn transition_by_state_name() {
    let s = MockServer::start().await;
    let l = provider(&s);
    let states = json!({"data": {"issue": {"id": "a1b2c3d4-0000-4000-8000-00000000eng42", "team": {"id": TEAM_ID,
    "states": {"nodes": [
        {"id": "st-backlog", "name": "Backlog", "type": "backlog"},
        {"id": "st-todo", "name": "Todo", "type": "unstarted"},
        {"id": "st-progress", "name": "In Progress", "type": "started"},
        {"id": "st-done", "name": "Done", "type": "completed"}
    ]}}}}});
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(gql("query IssueStates(", json!({"id": "ENG-42"})))
        .respond_with(ok(states))
        .expect(2)
        .mount(&s)
        .await;
    expect(
        &s,
        "mutation IssueUpdate(",
        json!({"id": "a1b2c3d4-0000-4000-8000-00000000eng42", "input": {"stateId": "st-progress"}}),
        json!({"data": {"issueUpdate": {"success": true,
            "issue": issue("ENG-42", ("In Progress", "started"), &[])}}}),
    )
    .await;
    let i = l
        .transition_issue(TransitionIssue {
            id: "ENG-42".into(),
            to: "in progress".into(),
        })
        .await
        .unwrap();
    assert_eq!(i.status, "In Progress");
    let e = l
        .transition_issue(TransitionIssue {
            id: "ENG-42".into(),
            to: "Shipped".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("to"));
    assert!(
        e.message().contains("Backlog, Todo, In Progress, Done"),
        "{e}"
    );
}

#[tokio::test]
async fn list_issues_filters_and_walks_three_pages() {
    let s = MockServer::start().await;
    let l = provider(&s);
    let filter = json!({"team": {"key": {"eqIgnoreCase": "ENG"}}, "state": {"name": {"eqIgnoreCase": "Todo"}}});
    let answer = |ids: &[&str], next: Option<&str>| {
        json!({"data": {"issues": {
            "nodes": ids.iter().map(|k| issue(k, ("Todo", "unstarted"), &[])).collect::<Vec<_>>(),
            "pageInfo": page_info(next)}}})
    };
    expect(
        &s,
        "query Issues(",
        json!({"filter": filter, "first": 2, "after": null}),
        answer(&["ENG-1", "ENG-2"], Some("YXJyYXljb25uZWN0aW9uOjE=")),
    )
    .await;
    expect(
        &s,
        "query Issues(",
        json!({"filter": filter, "first": 2, "after": "YXJyYXljb25uZWN0aW9uOjE="}),
        answer(&["ENG-3", "ENG-4"], Some("YXJyYXljb25uZWN0aW9uOjM=")),
    )
    .await;
    expect(
        &s,
        "query Issues(",
        json!({"filter": filter, "first": 2, "after": "YXJyYXljb25uZWN0aW9uOjM="}),
        answer(&["ENG-5"], None),
    )
    .await;
    let keys: Vec<String> = paginate(
        ListIssues {
            project_id: "ENG".into(),
            status: Some("Todo".into()),
            page: PageRequest::with_size(2),
        },
        move |p| {
            let l = l.clone();
            async move { l.list_issues(p).await }
        },
    )
    .map(|r| r.unwrap().key)
    .collect()
    .await;
    assert_eq!(keys, ["ENG-1", "ENG-2", "ENG-3", "ENG-4", "ENG-5"]);
}

#[tokio::test]
async fn search_is_full_text() {
    let s = MockServer::start().await;
    let l = provider(&s);
    expect(
        &s,
        "query SearchIssues(",
        json!({"term": "safari login", "filter": {"team": {"id": {"eq": TEAM_ID}}}, "first": 50, "after": null}),
        json!({"data": {"searchIssues": {"nodes": [issue("ENG-42", ("Todo", "unstarted"), &[])],
            "pageInfo": page_info(None), "totalCount": 1}}}),
    )
    .await;
    let p = l
        .search_issues(SearchIssues {
            query: "safari login".into(),
            project_id: Some(TEAM_ID.into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(p.total, Some(1));
    assert_eq!(p.items[0].key, "ENG-42");
    assert!(p.next.is_none());
    let e = l.search_issues(SearchIssues::default()).await.unwrap_err();
    assert_eq!(e.field(), Some("query"));
}

#[tokio::test]
async fn comments_labels_and_members() {
    let s = MockServer::start().await;
    let l = provider(&s);
    let c = |id: &str, body: &str| json!({"id": id, "body": body, "createdAt": "2024-05-03T10:00:00.000Z", "user": {"id": USER_ID}});
    expect(
        &s,
        "mutation CommentCreate(",
        json!({"input": {"issueId": "ENG-42", "body": "Reproduced on **17.4**"}}),
        json!({"data": {"commentCreate": {"success": true, "comment": c("cm-1", "Reproduced on **17.4**")}}}),
    )
    .await;
    let cm = l
        .add_comment(AddComment {
            issue_id: "ENG-42".into(),
            body: "Reproduced on **17.4**".into(),
        })
        .await
        .unwrap();
    assert_eq!(cm.id, "cm-1");
    assert_eq!(cm.author.as_deref(), Some(USER_ID));

    expect(
        &s,
        "query IssueComments(",
        json!({"id": "ENG-42", "first": 10, "after": null}),
        json!({"data": {"issue": {"comments": {"nodes": [c("cm-1", "a"), {"id": "cm-2", "body": "bot", "createdAt": null, "user": null}],
            "pageInfo": page_info(Some("cur-2"))}}}}),
    )
    .await;
    let p = l
        .list_comments(ListComments {
            issue_id: "ENG-42".into(),
            page: PageRequest::with_size(10),
        })
        .await
        .unwrap();
    assert_eq!(p.items.len(), 2);
    assert_eq!(p.items[1].author, None);
    assert_eq!(p.next.as_ref().map(|c| c.as_str()), Some("cur-2"));

    expect(
        &s,
        "query Labels(",
        json!({"filter": {"or": [{"team": {"key": {"eqIgnoreCase": "ENG"}}}, {"team": {"null": true}}]}, "first": 50, "after": null}),
        json!({"data": {"issueLabels": {"nodes": [
            {"id": "lbl-eng-bug", "name": "Bug", "color": "#eb5757", "team": {"id": TEAM_ID}},
            {"id": "lbl-fe", "name": "Frontend", "color": "#4ea7fc", "team": null}],
            "pageInfo": page_info(None)}}}),
    )
    .await;
    let labels = l
        .list_labels(ListLabels {
            project_id: Some("ENG".into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(labels.items[0].color.as_deref(), Some("#eb5757"));
    assert_eq!(labels.items[1].name, "Frontend");
    expect(
        &s,
        "query Labels(",
        json!({"filter": null, "first": 50, "after": null}),
        json!({"data": {"issueLabels": {"nodes": [], "pageInfo": page_info(None)}}}),
    )
    .await;
    l.list_labels(ListLabels::default()).await.unwrap();

    expect(
        &s,
        "query TeamMembers(",
        json!({"filter": {"key": {"eqIgnoreCase": "ENG"}}, "first": 50, "after": null}),
        json!({"data": {"teams": {"nodes": [{"members": {"nodes": [
            {"id": USER_ID, "name": "Ada Lovelace", "displayName": "ada", "email": "ada@example.com"}],
            "pageInfo": page_info(None)}}]}}}),
    )
    .await;
    let users = l
        .list_assignees(ListAssignees {
            project_id: "ENG".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(users.items[0].name, "Ada Lovelace");
    assert_eq!(users.items[0].email.as_deref(), Some("ada@example.com"));
}

#[tokio::test]
async fn oauth_tokens_use_bearer() {
    let s = MockServer::start().await;
    let l = Linear::new(LinearConfig::oauth("lin_oauth_8f2e").with_base_url(s.uri())).unwrap();
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", "Bearer lin_oauth_8f2e"))
        .respond_with(ok(
            json!({"data": {"teams": {"nodes": [team(TEAM_ID, "ENG", "Engineering")]}}}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    l.get_project(ProjectRef { id: "ENG".into() })
        .await
        .unwrap();
    // Neither or both credentials: a configuration error.
    let mut both = LinearConfig::api_key("a");
    both.access_token = Some("b".into());
    assert_eq!(Linear::new(both).unwrap_err().kind(), ErrorKind::Config);
}

#[tokio::test]
async fn error_mapping_table() {
    let s = MockServer::start().await;
    let l = provider(&s);
    let gql_error = |code: &str, kind: &str, msg: &str| {
        json!({"errors": [{"message": msg, "path": ["issue"],
            "extensions": {"code": code, "type": kind, "userError": true}}], "data": null})
    };
    type Row = (u16, Vec<(&'static str, String)>, Value, ErrorKind);
    let rows: Vec<Row> = vec![
        (
            400,
            vec![
                ("x-ratelimit-requests-remaining", "0".into()),
                ("retry-after", "12".into()),
            ],
            gql_error("RATELIMITED", "ratelimited", "Rate limit exceeded"),
            ErrorKind::RateLimited,
        ),
        (
            200,
            vec![],
            gql_error(
                "AUTHENTICATION_ERROR",
                "authentication error",
                "Authentication required, not authenticated",
            ),
            ErrorKind::Unauthenticated,
        ),
        (
            401,
            vec![],
            gql_error(
                "AUTHENTICATION_ERROR",
                "authentication error",
                "Invalid API key",
            ),
            ErrorKind::Unauthenticated,
        ),
        (
            200,
            vec![],
            gql_error(
                "FORBIDDEN",
                "forbidden",
                "You don't have access to this team",
            ),
            ErrorKind::PermissionDenied,
        ),
        (
            200,
            vec![],
            gql_error(
                "FEATURE_NOT_ACCESSIBLE",
                "feature not accessible",
                "Feature not available on your plan",
            ),
            ErrorKind::PermissionDenied,
        ),
        (
            200,
            vec![],
            gql_error(
                "USAGE_LIMIT_EXCEEDED",
                "usage limit exceeded",
                "Issue limit reached",
            ),
            ErrorKind::QuotaExceeded,
        ),
        (
            400,
            vec![],
            gql_error(
                "INVALID_INPUT",
                "invalid input",
                "Argument Validation Error",
            ),
            ErrorKind::InvalidInput,
        ),
        (
            400,
            vec![],
            gql_error(
                "GRAPHQL_VALIDATION_FAILED",
                "graphql error",
                "Cannot query field \"nope\" on type \"Issue\".",
            ),
            ErrorKind::InvalidInput,
        ),
        (
            200,
            vec![],
            gql_error("LOCK_TIMEOUT", "lock timeout", "Lock timeout"),
            ErrorKind::Unavailable,
        ),
        (
            500,
            vec![],
            gql_error("INTERNAL_ERROR", "internal error", "Internal server error"),
            ErrorKind::Unavailable,
        ),
        (
            502,
            vec![],
            json!("<html>Bad gateway</html>"),
            ErrorKind::Unavailable,
        ),
        (
            429,
            vec![("retry-after", "5".into())],
            json!({}),
            ErrorKind::RateLimited,
        ),
    ];
    for (i, (status, headers, body, kind)) in rows.into_iter().enumerate() {
        let id = format!("ENG-{}", 900 + i);
        let mut resp = match &body {
            Value::String(t) => ResponseTemplate::new(status).set_body_string(t.clone()),
            v => ResponseTemplate::new(status).set_body_json(v.clone()),
        };
        for (k, v) in &headers {
            resp = resp.insert_header(*k, v.as_str());
        }
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .and(gql("query Issue(", json!({"id": id})))
            .respond_with(resp)
            .mount(&s)
            .await;
        let e = l.get_issue(IssueRef { id: id.clone() }).await.unwrap_err();
        assert_eq!(e.kind(), kind, "row {i}: {e}");
        assert_eq!(e.provider(), Some("linear"), "row {i}");
        assert!(!format!("{e:?}{e}").contains(KEY));
        if status != 200 {
            assert_eq!(e.status(), Some(status), "row {i}");
        }
        if kind == ErrorKind::RateLimited {
            assert!(e.retry_after().is_some(), "row {i}");
        }
        if kind == ErrorKind::InvalidInput {
            assert_eq!(e.field(), Some("issue"), "row {i}");
        }
    }
}

#[tokio::test]
async fn rate_limit_reset_header_gives_the_wait() {
    let s = MockServer::start().await;
    let l = provider(&s);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let date = httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(now.as_secs()));
    let reset_ms = (now.as_secs() + 30) * 1000;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("date", date.as_str())
                .insert_header("x-ratelimit-requests-limit", "1500")
                .insert_header("x-ratelimit-requests-remaining", "0")
                .insert_header("x-ratelimit-requests-reset", reset_ms.to_string().as_str())
                .set_body_json(json!({"errors": [{"message": "Rate limit exceeded",
                    "extensions": {"code": "RATELIMITED", "type": "ratelimited"}}]})),
        )
        .mount(&s)
        .await;
    let e = l
        .get_issue(IssueRef { id: "ENG-1".into() })
        .await
        .unwrap_err();
    assert!(e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn malformed_answers_are_decode_errors() {
    let s = MockServer::start().await;
    let l = provider(&s);
    let mut bad = issue("ENG-1", ("Todo", "unstarted"), &[]);
    bad["state"]["name"] = json!(7);
    expect(
        &s,
        "query Issue(",
        json!({"id": "ENG-1"}),
        json!({"data": {"issue": bad}}),
    )
    .await;
    let e = l
        .get_issue(IssueRef { id: "ENG-1".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("$.data.issue.state.name"), "{e}");
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(gql("query Issue(", json!({"id": "ENG-2"})))
        .respond_with(ResponseTemplate::new(200).set_body_string("not json"))
        .mount(&s)
        .await;
    let e = l
        .get_issue(IssueRef { id: "ENG-2".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    expect(
        &s,
        "query Issue(",
        json!({"id": "ENG-3"}),
        json!({"data": null}),
    )
    .await;
    let e = l
        .get_issue(IssueRef { id: "ENG-3".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn plugin_manifest_schema_and_instance() {
    let f = linear::plugin_factory().unwrap();
    let m = f.manifest();
    assert_eq!(m.id, "linear");
    assert_eq!(
        m.capabilities_of(mosaic_core::Family::Project),
        Some(Linear::operations())
    );
    let env = Env::fixed(Vec::<(String, String)>::new());
    let good = json!({"api_key": "lin_api_secret_1"});
    let cfg = PluginConfig::resolve(m, Some(&good), &env).unwrap();
    assert!(!cfg.redacted().to_string().contains("lin_api_secret_1"));
    for bad in [
        json!({}),
        json!({"api_key": "a", "access_token": "b"}),
        json!({"api_key": "a", "base_url": "ftp://x"}),
        json!({"api_key": "a", "extra": true}),
    ] {
        assert!(PluginConfig::resolve(m, Some(&bad), &env).is_err(), "{bad}");
    }
    let mut plugin = f.create().unwrap();
    let ctx = PluginContext::builder(m).config(cfg.clone()).build();
    plugin.initialize(ctx, cfg).await.unwrap();
    assert!(plugin.services().project.is_some());
    let oauth = PluginConfig::resolve(m, Some(&json!({"access_token": "t"})), &env).unwrap();
    let parsed: LinearConfig = oauth.parse().unwrap();
    assert_eq!(parsed.base_url, "https://api.linear.app");
    assert!(parsed.access_token.is_some() && parsed.api_key.is_none());
}

#[cfg(feature = "github")]
#[test]
fn the_catalog_lists_the_plugin() {
    let factories = mosaic_providers::catalog::factories().unwrap();
    let f = factories
        .iter()
        .find(|f| f.manifest().id == "linear")
        .expect("listed in the catalog");
    assert_eq!(f.manifest().families, [mosaic_core::Family::Project]);
    assert_eq!(
        f.manifest().capabilities_of(mosaic_core::Family::Project),
        Some(Linear::operations())
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_answers_never_panic(
        status in prop_oneof![Just(200u16), Just(400), Just(401), Just(500), 100u16..600],
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let l = Linear::new(LinearConfig::api_key("k")).unwrap();
        let r = l.parse_issue_answer(status, &Default::default(), &body);
        prop_assert!(r.is_err());
    }

    #[test]
    fn json_shaped_answers_decode_or_fail_typed(
        errors in prop_oneof![Just(Value::Null), Just(json!([])), Just(json!([{"message": 1}])), Just(json!([{"extensions": {"code": "RATELIMITED"}}])), Just(json!("x"))],
        state in prop_oneof![Just(json!({"name": "Todo", "type": "unstarted"})), Just(json!({"name": "Todo"})), Just(json!(null))],
        labels in prop_oneof![Just(json!({"nodes": []})), Just(json!([])), Just(json!({"nodes": [{"name": null}]}))],
    ) {
        let l = Linear::new(LinearConfig::api_key("k")).unwrap();
        let mut i = issue("ENG-1", ("Todo", "unstarted"), &[]);
        i["state"] = state;
        i["labels"] = labels;
        let body = json!({"data": {"issue": i}, "errors": errors}).to_string();
        match l.parse_issue_answer(200, &Default::default(), body.as_bytes()) {
            Ok(issue) => prop_assert_eq!(issue.key, "ENG-1"),
            Err(e) => prop_assert!(matches!(e.kind(), ErrorKind::Decode | ErrorKind::RateLimited | ErrorKind::Provider), "{:?}", e),
        }
    }
}
