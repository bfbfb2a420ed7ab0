//! Jira Cloud against a local mock server: requests and parsed results per
//! operation (bodies shaped like the REST v3 reference's examples), ADF
//! descriptions and comments both ways, transitions by name, JQL search
//! with `nextPageToken`, offset listings across three pages, error bodies,
//! malformed answers and the plugin.
#![cfg(feature = "jira")]

use std::time::Duration;

use futures::StreamExt;
use mosaic_core::page::paginate;
use mosaic_core::project::*;
use mosaic_core::{ErrorKind, PageRequest};
use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext};
use mosaic_providers::jira::{self, Jira, JiraConfig};
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

// base64("ada@example.com:atl-tok-123")
const BASIC: &str = "Basic YWRhQGV4YW1wbGUuY29tOmF0bC10b2stMTIz";
const FIELDS: &str = "summary,description,status,labels,assignee,priority,project,created,updated";
const ACCOUNT: &str = "5b10a2844c20165700ede21g";

fn provider(s: &MockServer) -> Jira {
    Jira::new(JiraConfig::new(s.uri(), "ada@example.com", "atl-tok-123")).unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

/// The ADF of "Steps:\n\n1. Open **Safari**\n2. Log in".
fn steps_adf() -> Value {
    json!({"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Steps:"}]},
        {"type": "orderedList", "attrs": {"order": 1}, "content": [
            {"type": "listItem", "content": [{"type": "paragraph", "content": [
                {"type": "text", "text": "Open "}, {"type": "text", "text": "Safari", "marks": [{"type": "strong"}]}]}]},
            {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Log in"}]}]}
        ]}
    ]})
}

const STEPS_MD: &str = "Steps:\n\n1. Open **Safari**\n2. Log in\n";

fn issue(key: &str, status: (&str, &str), description: Value) -> Value {
    json!({
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": "10002", "key": key,
        "self": format!("https://your-domain.atlassian.net/rest/api/3/issue/10002"),
        "fields": {
            "summary": "Login fails on Safari",
            "description": description,
            "status": {"self": "https://your-domain.atlassian.net/rest/api/3/status/3", "description": "", "iconUrl": "",
                "name": status.0, "id": "3",
                "statusCategory": {"self": "", "id": 4, "key": status.1, "colorName": "yellow", "name": "In Progress"}},
            "labels": ["frontend", "safari"],
            "assignee": {"self": "", "accountId": ACCOUNT, "displayName": "Mia Krystof", "active": true},
            "priority": {"self": "", "iconUrl": "", "name": "High", "id": "2"},
            "project": {"self": "", "id": "10000", "key": "ED", "name": "Edison Project", "projectTypeKey": "software"},
            "created": "2024-01-10T10:00:00.000+0000",
            "updated": "2024-01-11T12:30:00.000+0100"
        }
    })
}

async fn mount_issue(s: &MockServer, key: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path(format!("/rest/api/3/issue/{key}")))
        .and(query_param("fields", FIELDS))
        .and(header("authorization", BASIC))
        .respond_with(ok(body))
        .mount(s)
        .await;
}

#[tokio::test]
async fn projects_across_three_pages() {
    let s = MockServer::start().await;
    let j = provider(&s);
    let page = |start: u64, keys: &[&str], last: bool| {
        ok(
            json!({"self": "", "nextPage": "", "maxResults": 2, "startAt": start, "total": 5, "isLast": last,
            "values": keys.iter().enumerate().map(|(i, k)| json!({"id": format!("1000{}", start as usize + i), "key": k,
                "name": format!("Project {k}"), "description": "", "projectTypeKey": "software", "simplified": false, "style": "classic",
                "avatarUrls": {}})).collect::<Vec<_>>()}),
        )
    };
    for (start, keys, last) in [
        (0, vec!["EX", "ABC"], false),
        (2, vec!["DEF", "GHI"], false),
        (4, vec!["JKL"], true),
    ] {
        Mock::given(method("GET"))
            .and(path("/rest/api/3/project/search"))
            .and(query_param("startAt", start.to_string()))
            .and(query_param("maxResults", "2"))
            .and(query_param("expand", "description"))
            .and(header("authorization", BASIC))
            .respond_with(page(start, &keys, last))
            .expect(1)
            .mount(&s)
            .await;
    }
    let site = s.uri();
    let all: Vec<Project> = paginate(
        ListProjects {
            page: PageRequest::with_size(2),
        },
        move |p| {
            let j = j.clone();
            async move { j.list_projects(p).await }
        },
    )
    .map(|r| r.unwrap())
    .collect()
    .await;
    let keys: Vec<&str> = all.iter().map(|p| p.key.as_deref().unwrap()).collect();
    assert_eq!(keys, ["EX", "ABC", "DEF", "GHI", "JKL"]);
    assert_eq!(all[0].id, "10000");
    assert_eq!(all[0].description, None);
    assert_eq!(all[4].web_url, Some(format!("{site}/browse/JKL")));
}

#[tokio::test]
async fn get_project_and_bad_cursor() {
    let s = MockServer::start().await;
    let j = provider(&s);
    Mock::given(method("GET"))
        .and(path("/rest/api/3/project/EX"))
        .and(query_param("expand", "description"))
        .respond_with(ok(json!({"id": "10000", "key": "EX", "name": "Example",
            "description": "This project was created as an example for REST.", "assigneeType": "PROJECT_LEAD"})))
        .mount(&s)
        .await;
    let p = j.get_project(ProjectRef { id: "EX".into() }).await.unwrap();
    assert_eq!(p.name, "Example");
    assert_eq!(
        p.description.as_deref(),
        Some("This project was created as an example for REST.")
    );
    let e = j
        .list_projects(ListProjects {
            page: PageRequest {
                cursor: Some("next-please".into()),
                per_page: None,
            },
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("page.cursor"));
}

#[tokio::test]
async fn get_issue_converts_adf_to_markdown() {
    let s = MockServer::start().await;
    let j = provider(&s);
    mount_issue(
        &s,
        "ED-1",
        issue("ED-1", ("In Progress", "indeterminate"), steps_adf()),
    )
    .await;
    let i = j.get_issue(IssueRef { id: "ED-1".into() }).await.unwrap();
    assert_eq!(i.id, "10002");
    assert_eq!(i.key, "ED-1");
    assert_eq!(i.project_id, "10000");
    assert_eq!(i.title, "Login fails on Safari");
    assert_eq!(i.description.as_deref(), Some(STEPS_MD));
    assert_eq!(i.status, "In Progress");
    assert_eq!(i.status_category, StatusCategory::InProgress);
    assert_eq!(i.labels, ["frontend", "safari"]);
    assert_eq!(i.assignees, [ACCOUNT]);
    assert_eq!(i.priority.as_deref(), Some("High"));
    assert_eq!(
        i.created_at.as_deref(),
        Some("2024-01-10T10:00:00.000+00:00")
    );
    assert_eq!(
        i.updated_at.as_deref(),
        Some("2024-01-11T12:30:00.000+01:00")
    );
    assert_eq!(i.web_url, Some(format!("{}/browse/ED-1", s.uri())));

    // A panel (outside the model) survives as a raw block, not dropped.
    let with_panel = json!({"type": "doc", "version": 1, "content": [
        {"type": "panel", "attrs": {"panelType": "info"}, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Heads up"}]}]}]});
    mount_issue(&s, "ED-2", issue("ED-2", ("Done", "done"), with_panel)).await;
    let i = j.get_issue(IssueRef { id: "ED-2".into() }).await.unwrap();
    let d = i.description.unwrap();
    assert!(d.contains("raw:adf") && d.contains("Heads up"), "{d}");
    assert_eq!(i.status_category, StatusCategory::Done);

    // No description.
    mount_issue(&s, "ED-3", issue("ED-3", ("To Do", "new"), Value::Null)).await;
    let i = j.get_issue(IssueRef { id: "ED-3".into() }).await.unwrap();
    assert_eq!(i.description, None);
    assert_eq!(i.status_category, StatusCategory::Todo);
}

#[tokio::test]
async fn create_issue_sends_adf_then_reads_the_issue() {
    let s = MockServer::start().await;
    let j = provider(&s);
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue"))
        .and(header("authorization", BASIC))
        .and(body_json(json!({"fields": {
            "project": {"key": "ED"},
            "summary": "Login fails on Safari",
            "issuetype": {"name": "Bug"},
            "description": steps_adf(),
            "labels": ["frontend", "safari"],
            "assignee": {"accountId": ACCOUNT},
            "priority": {"name": "High"}
        }})))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"id": "10002", "key": "ED-24",
            "self": "https://your-domain.atlassian.net/rest/api/3/issue/10002",
            "transition": {"status": 200, "errorCollection": {"errorMessages": [], "errors": {}}}}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    mount_issue(&s, "ED-24", issue("ED-24", ("To Do", "new"), steps_adf())).await;
    let i = j
        .create_issue(CreateIssue {
            project_id: "ED".into(),
            title: "Login fails on Safari".into(),
            description: Some(STEPS_MD.into()),
            issue_type: Some("Bug".into()),
            labels: vec!["frontend".into(), "safari".into()],
            assignees: vec![ACCOUNT.into()],
            priority: Some("High".into()),
        })
        .await
        .unwrap();
    assert_eq!(i.key, "ED-24");
    assert_eq!(i.description.as_deref(), Some(STEPS_MD));

    // Project by id; the issue type defaults to Task.
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue"))
        .and(body_json(json!({"fields": {"project": {"id": "10000"}, "summary": "Chore", "issuetype": {"name": "Task"}}})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "10003", "key": "ED-25", "self": ""})))
        .expect(1)
        .mount(&s)
        .await;
    mount_issue(&s, "ED-25", issue("ED-25", ("To Do", "new"), Value::Null)).await;
    j.create_issue(CreateIssue {
        project_id: "10000".into(),
        title: "Chore".into(),
        ..Default::default()
    })
    .await
    .unwrap();

    // Refused before sending.
    let base = CreateIssue {
        project_id: "ED".into(),
        title: "x".into(),
        ..Default::default()
    };
    let e = j
        .create_issue(CreateIssue {
            assignees: vec!["a".into(), "b".into()],
            ..base.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("assignees"));
    let e = j
        .create_issue(CreateIssue {
            labels: vec!["two words".into()],
            ..base.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("labels"));
    let e = j
        .create_issue(CreateIssue {
            title: "".into(),
            ..base
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("title"));
}

#[tokio::test]
async fn update_issue_puts_changed_fields() {
    let s = MockServer::start().await;
    let j = provider(&s);
    Mock::given(method("PUT"))
        .and(path("/rest/api/3/issue/ED-1"))
        .and(body_json(json!({"fields": {
            "summary": "Login fails on Safari 17",
            "description": {"type": "doc", "version": 1, "content": [
                {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Cause"}]},
                {"type": "codeBlock", "attrs": {"language": "js"}, "content": [{"type": "text", "text": "login()"}]}]},
            "labels": [],
            "assignee": null
        }})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    mount_issue(&s, "ED-1", issue("ED-1", ("To Do", "new"), Value::Null)).await;
    let i = j
        .update_issue(UpdateIssue {
            id: "ED-1".into(),
            title: Some("Login fails on Safari 17".into()),
            description: Some("## Cause\n\n```js\nlogin()\n```\n".into()),
            labels: Some(vec![]),
            assignees: Some(vec![]),
            priority: None,
        })
        .await
        .unwrap();
    assert_eq!(i.key, "ED-1");
}

#[tokio::test]
async fn transition_by_name_or_target_status() {
    let s = MockServer::start().await;
    let j = provider(&s);
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/ED-1/transitions"))
        .respond_with(ok(json!({"expand": "transitions", "transitions": [
            {"id": "2", "name": "Close Issue", "hasScreen": false, "isAvailable": true, "isConditional": false, "isGlobal": false, "isInitial": false,
             "to": {"self": "", "description": "", "iconUrl": "", "id": "10000", "name": "Closed",
                "statusCategory": {"self": "", "id": 3, "key": "done", "colorName": "green", "name": "Done"}}},
            {"id": "711", "name": "QA Review", "hasScreen": true, "isAvailable": true,
             "to": {"self": "", "description": "", "iconUrl": "", "id": "5", "name": "In Review",
                "statusCategory": {"self": "", "id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"}}}
        ]})))
        .expect(3)
        .mount(&s)
        .await;
    for (to, id) in [("close issue", "2"), ("in review", "711")] {
        Mock::given(method("POST"))
            .and(path("/rest/api/3/issue/ED-1/transitions"))
            .and(body_json(json!({"transition": {"id": id}})))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&s)
            .await;
        mount_issue(&s, "ED-1", issue("ED-1", ("Closed", "done"), Value::Null)).await;
        j.transition_issue(TransitionIssue {
            id: "ED-1".into(),
            to: to.into(),
        })
        .await
        .unwrap();
    }
    let e = j
        .transition_issue(TransitionIssue {
            id: "ED-1".into(),
            to: "Reopen".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("to"));
    assert!(e.message().contains("Close Issue (→ Closed)"), "{e}");
}

#[tokio::test]
async fn jql_search_follows_next_page_tokens() {
    let s = MockServer::start().await;
    let j = provider(&s);
    let jql = r#"project = "ED" AND (assignee = currentUser() AND text ~ "safari") ORDER BY updated DESC"#;
    let answer = |keys: &[&str], token: Option<&str>| {
        let mut v = json!({"issues": keys.iter().map(|k| issue(k, ("To Do", "new"), Value::Null)).collect::<Vec<_>>(),
            "isLast": token.is_none()});
        if let Some(t) = token {
            v["nextPageToken"] = json!(t);
        }
        ok(v)
    };
    Mock::given(method("GET"))
        .and(path("/rest/api/3/search/jql"))
        .and(query_param("jql", jql))
        .and(query_param("maxResults", "2"))
        .and(query_param("fields", FIELDS))
        .and(query_param_is_missing("nextPageToken"))
        .respond_with(answer(&["ED-1", "ED-2"], Some("CAEaAggD")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/search/jql"))
        .and(query_param("nextPageToken", "CAEaAggD"))
        .respond_with(answer(&["ED-3", "ED-4"], Some("CAEaAggF")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/search/jql"))
        .and(query_param("nextPageToken", "CAEaAggF"))
        .respond_with(answer(&["ED-5"], None))
        .expect(1)
        .mount(&s)
        .await;
    let keys: Vec<String> = paginate(
        SearchIssues {
            query: r#"assignee = currentUser() AND text ~ "safari" ORDER BY updated DESC"#.into(),
            project_id: Some("ED".into()),
            page: PageRequest::with_size(2),
        },
        move |p| {
            let j = j.clone();
            async move { j.search_issues(p).await }
        },
    )
    .map(|r| r.unwrap().key)
    .collect()
    .await;
    assert_eq!(keys, ["ED-1", "ED-2", "ED-3", "ED-4", "ED-5"]);
}

#[tokio::test]
async fn list_issues_builds_jql() {
    let s = MockServer::start().await;
    let j = provider(&s);
    Mock::given(method("GET"))
        .and(path("/rest/api/3/search/jql"))
        .and(query_param(
            "jql",
            r#"project = "ED" AND status = "In \"QA\"" ORDER BY created DESC"#,
        ))
        .and(query_param("maxResults", "50"))
        .respond_with(ok(json!({"issues": [issue("ED-9", ("In \"QA\"", "indeterminate"), Value::Null)], "isLast": true})))
        .expect(1)
        .mount(&s)
        .await;
    let p = j
        .list_issues(ListIssues {
            project_id: "ED".into(),
            status: Some("In \"QA\"".into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(p.items[0].key, "ED-9");
    assert!(p.next.is_none());
    let e = j.search_issues(SearchIssues::default()).await.unwrap_err();
    assert_eq!(e.field(), Some("query"));
}

#[tokio::test]
async fn comments_both_ways() {
    let s = MockServer::start().await;
    let j = provider(&s);
    let body_adf = json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "Reproduced on "}, {"type": "text", "text": "17.4", "marks": [{"type": "code"}]},
        {"type": "text", "text": ", see "}, {"type": "text", "text": "log", "marks": [{"type": "link", "attrs": {"href": "https://example.com/log"}}]},
        {"type": "text", "text": "."}]}]});
    let md = "Reproduced on `17.4`, see [log](https://example.com/log).\n";
    let comment = |id: &str| {
        json!({"author": {"accountId": ACCOUNT, "active": false, "displayName": "Mia Krystof"},
            "body": body_adf, "created": "2021-01-17T12:34:00.000+0000", "id": id,
            "self": "", "updated": "2021-01-18T23:45:00.000+0000"})
    };
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/ED-1/comment"))
        .and(body_json(json!({"body": body_adf})))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment("10000")))
        .expect(1)
        .mount(&s)
        .await;
    let c = j
        .add_comment(AddComment {
            issue_id: "ED-1".into(),
            body: md.into(),
        })
        .await
        .unwrap();
    assert_eq!(c.id, "10000");
    assert_eq!(c.body, md);
    assert_eq!(c.author.as_deref(), Some(ACCOUNT));
    assert_eq!(
        c.created_at.as_deref(),
        Some("2021-01-17T12:34:00.000+00:00")
    );

    for (start, ids) in [(0u64, vec!["1", "2"]), (2, vec!["3", "4"]), (4, vec!["5"])] {
        Mock::given(method("GET"))
            .and(path("/rest/api/3/issue/ED-1/comment"))
            .and(query_param("startAt", start.to_string()))
            .and(query_param("maxResults", "2"))
            .respond_with(ok(
                json!({"comments": ids.iter().map(|i| comment(i)).collect::<Vec<_>>(),
                "maxResults": 2, "startAt": start, "total": 5}),
            ))
            .expect(1)
            .mount(&s)
            .await;
    }
    let ids: Vec<String> = paginate(
        ListComments {
            issue_id: "ED-1".into(),
            page: PageRequest::with_size(2),
        },
        move |p| {
            let j = j.clone();
            async move { j.list_comments(p).await }
        },
    )
    .map(|r| r.unwrap().id)
    .collect()
    .await;
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
}

#[tokio::test]
async fn labels_and_assignable_users() {
    let s = MockServer::start().await;
    let j = provider(&s);
    for (start, values, last) in [
        (0u64, vec!["performance", "security"], false),
        (2, vec!["ux", "api"], false),
        (4, vec!["ops"], true),
    ] {
        Mock::given(method("GET"))
            .and(path("/rest/api/3/label"))
            .and(query_param("startAt", start.to_string()))
            .and(query_param("maxResults", "2"))
            .respond_with(ok(json!({"isLast": last, "maxResults": 2, "startAt": start, "total": 5, "values": values})))
            .expect(1)
            .mount(&s)
            .await;
    }
    let j2 = j.clone();
    let names: Vec<String> = paginate(
        ListLabels {
            project_id: Some("ED".into()),
            page: PageRequest::with_size(2),
        },
        move |p| {
            let j = j2.clone();
            async move { j.list_labels(p).await }
        },
    )
    .map(|r| r.unwrap().name)
    .collect()
    .await;
    assert_eq!(names, ["performance", "security", "ux", "api", "ops"]);

    let user = |id: &str, name: &str| {
        json!({"accountId": id, "accountType": "atlassian", "active": true, "avatarUrls": {}, "displayName": name,
            "key": "", "name": "", "self": "", "timeZone": "Australia/Sydney"})
    };
    Mock::given(method("GET"))
        .and(path("/rest/api/3/user/assignable/search"))
        .and(query_param("project", "ED"))
        .and(query_param("startAt", "0"))
        .and(query_param("maxResults", "2"))
        .respond_with(ok(json!([user(ACCOUNT, "Mia Krystof")])))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/user/assignable/search"))
        .and(query_param("startAt", "2"))
        .respond_with(ok(
            json!([user("5b10ac8d82e05b22cc7d4ef5", "Emma Richards"),
            {"accountId": "x1", "displayName": "Ann", "emailAddress": "ann@example.com"}]),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/user/assignable/search"))
        .and(query_param("startAt", "4"))
        .respond_with(ok(json!([])))
        .expect(1)
        .mount(&s)
        .await;
    // The first page is short (Jira filtered it), yet the walk goes on
    // until an empty page.
    let users: Vec<User> = paginate(
        ListAssignees {
            project_id: "ED".into(),
            page: PageRequest::with_size(2),
        },
        move |p| {
            let j = j.clone();
            async move { j.list_assignees(p).await }
        },
    )
    .map(|r| r.unwrap())
    .collect()
    .await;
    let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Mia Krystof", "Emma Richards", "Ann"]);
    assert_eq!(users[2].email.as_deref(), Some("ann@example.com"));
}

#[tokio::test]
async fn error_bodies_become_typed_errors() {
    let s = MockServer::start().await;
    let j = provider(&s);
    type Row = (
        u16,
        &'static [(&'static str, &'static str)],
        Value,
        ErrorKind,
    );
    let rows: Vec<Row> = vec![
        (
            400,
            &[],
            json!({"errorMessages": [], "errors": {"summary": "You must specify a summary of the issue.", "issuetype": "Specify an issue type"}}),
            ErrorKind::InvalidInput,
        ),
        (
            400,
            &[],
            json!({"errorMessages": ["Field 'nope' does not exist or you do not have permission to view it."], "errors": {}}),
            ErrorKind::InvalidInput,
        ),
        (
            401,
            &[],
            json!({"errorMessages": ["Client must be authenticated to access this resource."], "errors": {}}),
            ErrorKind::Unauthenticated,
        ),
        (
            403,
            &[],
            json!({"errorMessages": ["You do not have permission to create issues in this project."], "errors": {}}),
            ErrorKind::PermissionDenied,
        ),
        (
            404,
            &[],
            json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}),
            ErrorKind::NotFound,
        ),
        (
            409,
            &[],
            json!({"errorMessages": ["Conflict"], "errors": {}}),
            ErrorKind::Conflict,
        ),
        (
            429,
            &[("retry-after", "9")],
            json!({"errorMessages": ["Rate limit exceeded."], "errors": {}}),
            ErrorKind::RateLimited,
        ),
        (
            503,
            &[],
            json!("<html><body>Service Unavailable</body></html>"),
            ErrorKind::Unavailable,
        ),
    ];
    for (i, (status, headers, body, kind)) in rows.into_iter().enumerate() {
        let key = format!("ED-{}", 100 + i);
        let mut resp = match &body {
            Value::String(t) => ResponseTemplate::new(status).set_body_string(t.clone()),
            v => ResponseTemplate::new(status).set_body_json(v.clone()),
        };
        for (k, v) in headers {
            resp = resp.insert_header(*k, *v);
        }
        Mock::given(method("GET"))
            .and(path(format!("/rest/api/3/issue/{key}")))
            .respond_with(resp)
            .mount(&s)
            .await;
        let e = j.get_issue(IssueRef { id: key }).await.unwrap_err();
        assert_eq!(e.kind(), kind, "row {i}: {e}");
        assert_eq!(e.status(), Some(status));
        assert_eq!(e.provider(), Some("jira"));
        assert!(!format!("{e:?}{e}").contains("atl-tok-123"));
        if let Some(m) = body["errorMessages"].get(0).and_then(Value::as_str) {
            assert!(e.message().contains(m), "row {i}: {e}");
        }
        if i == 0 {
            let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
            assert_eq!(fields, ["issuetype", "summary"]);
            assert!(e.message().contains("You must specify a summary"), "{e}");
        }
        if status == 429 {
            assert_eq!(e.retry_after(), Some(Duration::from_secs(9)));
        }
    }
}

#[tokio::test]
async fn malformed_answers_are_decode_errors() {
    let s = MockServer::start().await;
    let j = provider(&s);
    let mut bad = issue("ED-1", ("To Do", "new"), Value::Null);
    bad["fields"]["labels"] = json!("frontend");
    mount_issue(&s, "ED-1", bad).await;
    let e = j
        .get_issue(IssueRef { id: "ED-1".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("$.fields.labels"), "{e}");
    // Malformed ADF names its pointer.
    mount_issue(
        &s,
        "ED-2",
        issue(
            "ED-2",
            ("To Do", "new"),
            json!({"type": "doc", "content": [{"content": []}]}),
        ),
    )
    .await;
    let e = j
        .get_issue(IssueRef { id: "ED-2".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("/content/0/type"), "{e}");
    assert_eq!(e.provider(), Some("jira"));
}

#[tokio::test]
async fn plugin_manifest_schema_and_instance() {
    let f = jira::plugin_factory().unwrap();
    let m = f.manifest();
    assert_eq!(m.id, "jira");
    assert_eq!(
        m.capabilities_of(mosaic_core::Family::Project),
        Some(Jira::operations())
    );
    let env = Env::fixed(Vec::<(String, String)>::new());
    let good = json!({"base_url": "https://your-domain.atlassian.net", "email": "ada@example.com", "api_token": "atl-secret-9"});
    let cfg = PluginConfig::resolve(m, Some(&good), &env).unwrap();
    assert!(!cfg.redacted().to_string().contains("atl-secret-9"));
    for bad in [
        json!({"base_url": "https://your-domain.atlassian.net", "email": "a"}),
        json!({"base_url": "ftp://x", "email": "a", "api_token": "t"}),
    ] {
        assert!(PluginConfig::resolve(m, Some(&bad), &env).is_err(), "{bad}");
    }
    let mut plugin = f.create().unwrap();
    let ctx = PluginContext::builder(m).config(cfg.clone()).build();
    plugin.initialize(ctx, cfg).await.unwrap();
    assert!(plugin.services().project.is_some());
}

#[cfg(feature = "github")]
#[test]
fn the_catalog_lists_the_plugin() {
    let factories = mosaic_providers::catalog::factories().unwrap();
    let f = factories
        .iter()
        .find(|f| f.manifest().id == "jira")
        .expect("listed in the catalog");
    assert_eq!(f.manifest().families, [mosaic_core::Family::Project]);
    assert_eq!(
        f.manifest().capabilities_of(mosaic_core::Family::Project),
        Some(Jira::operations())
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_issue_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let j = Jira::new(JiraConfig::new("https://x.atlassian.net", "a@b.c", "t")).unwrap();
        if let Err(e) = j.parse_issue(&body) {
            prop_assert_eq!(e.kind(), ErrorKind::Decode);
        }
    }

    #[test]
    fn arbitrary_error_bodies_keep_the_status_kind(
        status in 400u16..600,
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let j = Jira::new(JiraConfig::new("https://x.atlassian.net", "a@b.c", "t")).unwrap();
        let e = j.parse_error(status, &Default::default(), &body);
        prop_assert_eq!(e.status(), Some(status));
        prop_assert_eq!(e.provider(), Some("jira"));
    }

    #[test]
    fn adf_shaped_descriptions_convert_or_fail_typed(
        node in prop_oneof![
            Just(json!({"type": "paragraph", "content": [{"type": "text", "text": "hi"}]})),
            Just(json!({"type": "text"})),
            Just(json!({"type": "bulletList", "content": "x"})),
            Just(json!({"type": "mention", "attrs": {"id": "1", "text": "@Ann"}})),
            Just(json!(["not", "a", "node"])),
            Just(json!({"type": "heading", "attrs": {"level": "two"}, "content": []})),
        ],
    ) {
        let j = Jira::new(JiraConfig::new("https://x.atlassian.net", "a@b.c", "t")).unwrap();
        let body = json!({"id": "1", "key": "ED-1", "fields": {"description": {"type": "doc", "version": 1, "content": [node]}}}).to_string();
        match j.parse_issue(body.as_bytes()) {
            Ok(i) => prop_assert_eq!(i.key, "ED-1"),
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Decode),
        }
    }
}
