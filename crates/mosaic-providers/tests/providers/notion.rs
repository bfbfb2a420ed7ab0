//! Notion against a local mock server: requests and parsed results per
//! operation (bodies shaped like the API reference's examples), block
//! pagination and nesting, error mapping, malformed bodies and the plugin.
#![cfg(feature = "notion")]

use std::time::Duration;

use futures::StreamExt;
use mosaic_core::kb::*;
use mosaic_core::page::paginate;
use mosaic_core::{ErrorKind, PageRequest};
use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext};
use mosaic_providers::notion::{self, Notion, NotionConfig};
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{
    body_json, body_partial_json, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DB: &str = "d9824bdc-8445-4327-be8b-5b47500af6ce";
const PAGE: &str = "59833787-2cf9-4fdf-8782-e53db20768a5";
const PARENT: &str = "98ad959b-2b6a-4774-80ee-00246fb0ea9b";

fn provider(s: &MockServer) -> Notion {
    Notion::new(NotionConfig::new("secret_abc").with_base_url(format!("{}/v1", s.uri()))).unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn rt(text: &str) -> Value {
    json!({"type": "text", "text": {"content": text, "link": null},
        "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"},
        "plain_text": text, "href": null})
}

fn database(id: &str, title: &str) -> Value {
    json!({"object": "database", "id": id, "created_time": "2021-07-08T23:50:00.000Z",
        "last_edited_time": "2021-07-08T23:50:00.000Z", "title": [rt(title)], "description": [rt("All the tasks")],
        "is_inline": false, "properties": {
            "Task name": {"id": "title", "name": "Task name", "type": "title", "title": {}},
            "Done": {"id": "%3Dfrz", "name": "Done", "type": "checkbox", "checkbox": {}}},
        "parent": {"type": "page_id", "page_id": PARENT}, "url": format!("https://www.notion.so/{}", id.replace('-', "")),
        "archived": false})
}

fn page(id: &str, title: &str) -> Value {
    json!({"object": "page", "id": id, "created_time": "2022-03-01T19:05:00.000Z",
        "last_edited_time": "2022-07-06T20:25:00.000Z", "created_by": {"object": "user", "id": "ee5f0f84"},
        "last_edited_by": {"object": "user", "id": "0c3e9826"}, "cover": null, "icon": null,
        "parent": {"type": "database_id", "database_id": DB}, "archived": false,
        "properties": {"Done": {"id": "%3Dfrz", "type": "checkbox", "checkbox": false},
            "Task name": {"id": "title", "type": "title", "title": [rt(title)]}},
        "url": format!("https://www.notion.so/{}", id.replace('-', ""))})
}

fn block(id: &str, t: &str, inner: Value, has_children: bool) -> Value {
    json!({"object": "block", "id": id, "parent": {"type": "page_id", "page_id": PAGE},
        "created_time": "2022-03-01T19:05:00.000Z", "last_edited_time": "2022-03-01T19:05:00.000Z",
        "created_by": {"object": "user", "id": "ee5f0f84"}, "last_edited_by": {"object": "user", "id": "ee5f0f84"},
        "has_children": has_children, "archived": false, "type": t, t: inner})
}

fn list(results: Vec<Value>, next: Option<&str>) -> Value {
    json!({"object": "list", "results": results, "next_cursor": next, "has_more": next.is_some(), "type": "block", "block": {}})
}

#[tokio::test]
async fn spaces_are_databases() {
    let s = MockServer::start().await;
    let n = provider(&s);
    Mock::given(method("POST"))
        .and(path("/v1/databases"))
        .and(header("authorization", "Bearer secret_abc"))
        .and(header("notion-version", "2022-06-28"))
        .and(body_json(json!({
            "parent": {"type": "page_id", "page_id": PARENT},
            "title": [{"type": "text", "text": {"content": "Tasks"}}],
            "properties": {"Name": {"title": {}}},
            "description": [{"type": "text", "text": {"content": "All the tasks"}}]
        })))
        .respond_with(ok(database(DB, "Tasks")))
        .expect(1)
        .mount(&s)
        .await;
    let sp = n
        .create_space(CreateSpace {
            name: "Tasks".into(),
            description: Some("All the tasks".into()),
            parent: Some(PARENT.into()),
            key: None,
        })
        .await
        .unwrap();
    assert_eq!(sp.id, DB);
    assert_eq!(sp.name, "Tasks");
    assert_eq!(sp.description.as_deref(), Some("All the tasks"));
    assert_eq!(
        sp.web_url.as_deref(),
        Some("https://www.notion.so/d9824bdc84454327be8b5b47500af6ce")
    );

    // Without a parent page nothing is sent.
    let e = n
        .create_space(CreateSpace {
            name: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("parent"));

    Mock::given(method("GET"))
        .and(path(format!("/v1/databases/{DB}")))
        .respond_with(ok(database(DB, "Tasks")))
        .mount(&s)
        .await;
    assert_eq!(
        n.get_space(SpaceRef { id: DB.into() }).await.unwrap().name,
        "Tasks"
    );

    Mock::given(method("PATCH"))
        .and(path(format!("/v1/databases/{DB}")))
        .and(body_json(
            json!({"title": [{"type": "text", "text": {"content": "Todo"}}]}),
        ))
        .respond_with(ok(database(DB, "Todo")))
        .expect(1)
        .mount(&s)
        .await;
    let sp = n
        .update_space(UpdateSpace {
            id: DB.into(),
            name: Some("Todo".into()),
            description: None,
        })
        .await
        .unwrap();
    assert_eq!(sp.name, "Todo");

    Mock::given(method("DELETE"))
        .and(path(format!("/v1/blocks/{DB}")))
        .respond_with(ok(block(
            DB,
            "child_database",
            json!({"title": "Todo"}),
            false,
        )))
        .expect(1)
        .mount(&s)
        .await;
    n.delete_space(SpaceRef { id: DB.into() }).await.unwrap();
}

#[tokio::test]
async fn list_spaces_walks_three_pages() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let filter = json!({"property": "object", "value": "database"});
    Mock::given(method("POST"))
        .and(path("/v1/search"))
        .and(body_json(json!({"filter": filter, "page_size": 2})))
        .respond_with(ok(list(
            vec![database("d1", "A"), database("d2", "B")],
            Some("c2"),
        )))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/search"))
        .and(body_json(
            json!({"filter": filter, "page_size": 2, "start_cursor": "c2"}),
        ))
        .respond_with(ok(list(
            vec![database("d3", "C"), database("d4", "D")],
            Some("c3"),
        )))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/search"))
        .and(body_json(
            json!({"filter": filter, "page_size": 2, "start_cursor": "c3"}),
        ))
        .respond_with(ok(list(vec![database("d5", "E")], None)))
        .expect(1)
        .mount(&s)
        .await;
    let names: Vec<String> = paginate(
        ListSpaces {
            page: PageRequest::with_size(2),
        },
        move |p| {
            let n = n.clone();
            async move { n.list_spaces(p).await }
        },
    )
    .map(|r| r.unwrap().name)
    .collect()
    .await;
    assert_eq!(names, ["A", "B", "C", "D", "E"]);
}

#[tokio::test]
async fn get_page_reads_nested_paginated_blocks() {
    let s = MockServer::start().await;
    let n = provider(&s);
    Mock::given(method("GET"))
        .and(path(format!("/v1/pages/{PAGE}")))
        .respond_with(ok(page(PAGE, "Launch")))
        .expect(1)
        .mount(&s)
        .await;
    // Top-level children: two pages.
    Mock::given(method("GET"))
        .and(path(format!("/v1/blocks/{PAGE}/children")))
        .and(query_param("page_size", "100"))
        .and(query_param_is_missing("start_cursor"))
        .respond_with(ok(list(
            vec![
                block(
                    "b1",
                    "heading_2",
                    json!({"rich_text": [rt("Plan")], "is_toggleable": false, "color": "default"}),
                    false,
                ),
                block(
                    "b2",
                    "bulleted_list_item",
                    json!({"rich_text": [rt("one")], "color": "default"}),
                    true,
                ),
            ],
            Some("b3"),
        )))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/blocks/{PAGE}/children")))
        .and(query_param("start_cursor", "b3"))
        .respond_with(ok(list(
            vec![
                block(
                    "b3",
                    "code",
                    json!({"caption": [], "rich_text": [rt("cargo run")], "language": "shell"}),
                    false,
                ),
                block("b4", "child_page", json!({"title": "Sub page"}), true),
            ],
            None,
        )))
        .expect(1)
        .mount(&s)
        .await;
    // Children of the list item.
    Mock::given(method("GET"))
        .and(path("/v1/blocks/b2/children"))
        .respond_with(ok(list(
            vec![block(
                "b5",
                "bulleted_list_item",
                json!({"rich_text": [rt("nested")], "color": "default"}),
                false,
            )],
            None,
        )))
        .expect(1)
        .mount(&s)
        .await;
    let p = n.get_page(KbPageRef { id: PAGE.into() }).await.unwrap();
    assert_eq!(p.title, "Launch");
    assert_eq!(p.space_id, DB);
    assert_eq!(p.parent_id, None);
    assert_eq!(p.version, None);
    assert_eq!(p.updated_at.as_deref(), Some("2022-07-06T20:25:00.000Z"));
    let body = p.body.unwrap();
    assert!(
        body.starts_with(
            "## Plan\n\n- one\n  - nested\n\n```shell\ncargo run\n```\n\n```raw:notion child_page\n"
        ),
        "{body}"
    );
    // The child page is not read into the body (its children were never fetched).
}

#[tokio::test]
async fn create_page_appends_blocks_then_nested_children() {
    let s = MockServer::start().await;
    let n = provider(&s);
    Mock::given(method("GET"))
        .and(path(format!("/v1/databases/{DB}")))
        .respond_with(ok(database(DB, "Tasks")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/pages"))
        .and(body_json(json!({
            "parent": {"database_id": DB},
            "properties": {"Task name": {"title": [{"type": "text", "text": {"content": "Launch"}}]}}
        })))
        .respond_with(ok(page(PAGE, "Launch")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v1/blocks/{PAGE}/children")))
        .and(body_json(json!({"children": [
            {"object": "block", "type": "paragraph", "paragraph": {"rich_text": [
                {"type": "text", "text": {"content": "Go "}},
                {"type": "text", "text": {"content": "now"}, "annotations": {"bold": true}}]}},
            {"object": "block", "type": "bulleted_list_item", "bulleted_list_item": {"rich_text": [{"type": "text", "text": {"content": "a"}}]}}
        ]})))
        .respond_with(ok(list(
            vec![
                block("n1", "paragraph", json!({"rich_text": [rt("Go now")]}), false),
                block("n2", "bulleted_list_item", json!({"rich_text": [rt("a")]}), false),
            ],
            None,
        )))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/blocks/n2/children"))
        .and(body_json(json!({"children": [
            {"object": "block", "type": "numbered_list_item", "numbered_list_item": {"rich_text": [{"type": "text", "text": {"content": "b"}}]}}
        ]})))
        .respond_with(ok(list(vec![block("n3", "numbered_list_item", json!({"rich_text": [rt("b")]}), false)], None)))
        .expect(1)
        .mount(&s)
        .await;
    let p = n
        .create_page(CreateKbPage {
            space_id: DB.into(),
            parent_id: None,
            title: "Launch".into(),
            body: "Go **now**\n\n- a\n  1. b\n".into(),
        })
        .await
        .unwrap();
    assert_eq!(p.id, PAGE);
    assert_eq!(p.body.as_deref(), Some("Go **now**\n\n- a\n  1. b\n"));
}

#[tokio::test]
async fn append_batches_one_hundred_blocks() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let made = |k: usize| -> Vec<Value> {
        (0..k)
            .map(|i| {
                block(
                    &format!("x{i}"),
                    "paragraph",
                    json!({"rich_text": []}),
                    false,
                )
            })
            .collect()
    };
    Mock::given(method("POST"))
        .and(path("/v1/pages"))
        .and(body_partial_json(json!({"parent": {"page_id": PARENT}, "properties": {"title": {"title": [{"type": "text", "text": {"content": "Big"}}]}}})))
        .respond_with(ok(page(PAGE, "Big")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v1/blocks/{PAGE}/children")))
        .and(body_partial_json(
            json!({"children": [{"paragraph": {"rich_text": [{"text": {"content": "p0"}}]}}]}),
        ))
        .respond_with(ok(list(made(100), None)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v1/blocks/{PAGE}/children")))
        .and(body_partial_json(
            json!({"children": [{"paragraph": {"rich_text": [{"text": {"content": "p100"}}]}}]}),
        ))
        .respond_with(ok(list(made(30), None)))
        .expect(1)
        .mount(&s)
        .await;
    let body: Vec<String> = (0..130).map(|i| format!("p{i}")).collect();
    n.create_page(CreateKbPage {
        space_id: String::new(),
        parent_id: Some(PARENT.into()),
        title: "Big".into(),
        body: body.join("\n\n"),
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn update_page_replaces_blocks_but_keeps_child_pages() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let e = n
        .update_page(UpdateKbPage {
            id: PAGE.into(),
            version: Some(3),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("version"));

    Mock::given(method("GET"))
        .and(path(format!("/v1/pages/{PAGE}")))
        .respond_with(ok(page(PAGE, "Old")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v1/pages/{PAGE}")))
        .and(body_json(json!({"properties": {"Task name": {"title": [{"type": "text", "text": {"content": "New"}}]}}})))
        .respond_with(ok(page(PAGE, "New")))
        .expect(1)
        .mount(&s)
        .await;
    // Old children (read once to delete, once after the update: the second
    // read returns the new body).
    Mock::given(method("GET"))
        .and(path(format!("/v1/blocks/{PAGE}/children")))
        .respond_with(ok(list(
            vec![
                block("o1", "paragraph", json!({"rich_text": [rt("old")]}), false),
                block("o2", "child_page", json!({"title": "Keep me"}), true),
            ],
            None,
        )))
        .up_to_n_times(1)
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/blocks/o1"))
        .respond_with(ok(block(
            "o1",
            "paragraph",
            json!({"rich_text": []}),
            false,
        )))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/blocks/o2"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v1/blocks/{PAGE}/children")))
        .and(body_json(json!({"children": [{"object": "block", "type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": "new"}}]}}]})))
        .respond_with(ok(list(vec![block("n1", "paragraph", json!({"rich_text": [rt("new")]}), false)], None)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/blocks/{PAGE}/children")))
        .respond_with(ok(list(
            vec![block(
                "n1",
                "paragraph",
                json!({"rich_text": [rt("new")]}),
                false,
            )],
            None,
        )))
        .expect(1)
        .mount(&s)
        .await;
    let p = n
        .update_page(UpdateKbPage {
            id: PAGE.into(),
            title: Some("New".into()),
            body: Some("new".into()),
            version: None,
        })
        .await
        .unwrap();
    assert_eq!(p.title, "New");
    assert_eq!(p.body.as_deref(), Some("new\n"));

    Mock::given(method("PATCH"))
        .and(path("/v1/pages/gone"))
        .and(body_json(json!({"archived": true})))
        .respond_with(ok(page("gone", "x")))
        .expect(1)
        .mount(&s)
        .await;
    n.delete_page(KbPageRef { id: "gone".into() })
        .await
        .unwrap();
}

#[tokio::test]
async fn list_pages_and_search() {
    let s = MockServer::start().await;
    let n = provider(&s);
    Mock::given(method("POST"))
        .and(path(format!("/v1/databases/{DB}/query")))
        .and(body_json(json!({"page_size": 10, "start_cursor": "k1"})))
        .respond_with(ok(json!({"object": "list", "results": [page(PAGE, "Launch")], "next_cursor": "k2", "has_more": true, "type": "page_or_database", "page_or_database": {}})))
        .expect(1)
        .mount(&s)
        .await;
    let got = n
        .list_pages(ListKbPages {
            space_id: DB.into(),
            parent_id: None,
            page: PageRequest {
                cursor: Some("k1".into()),
                per_page: Some(10),
            },
        })
        .await
        .unwrap();
    assert_eq!(got.items[0].title, "Launch");
    assert_eq!(got.items[0].body, None);
    assert_eq!(got.next.as_ref().map(|c| c.as_str()), Some("k2"));

    Mock::given(method("GET"))
        .and(path(format!("/v1/blocks/{PARENT}/children")))
        .respond_with(ok(list(
            vec![
                block("c1", "paragraph", json!({"rich_text": []}), false),
                block("c2", "child_page", json!({"title": "Child"}), false),
            ],
            None,
        )))
        .expect(1)
        .mount(&s)
        .await;
    let got = n
        .list_pages(ListKbPages {
            space_id: DB.into(),
            parent_id: Some(PARENT.into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(got.items.len(), 1);
    assert_eq!(
        (got.items[0].id.as_str(), got.items[0].title.as_str()),
        ("c2", "Child")
    );

    Mock::given(method("POST"))
        .and(path("/v1/search"))
        .and(body_json(json!({"query": "launch", "filter": {"property": "object", "value": "page"}, "page_size": 100})))
        .respond_with(ok(json!({"object": "list", "results": [page(PAGE, "Launch")], "next_cursor": null, "has_more": false})))
        .expect(1)
        .mount(&s)
        .await;
    let hits = n
        .search(Search {
            query: "launch".into(),
            space_id: None,
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(hits.items[0].page_id, PAGE);
    assert_eq!(hits.items[0].space_id.as_deref(), Some(DB));
    assert_eq!(hits.items[0].title, "Launch");
    assert!(hits.next.is_none());

    Mock::given(method("GET"))
        .and(path(format!("/v1/databases/{DB}")))
        .respond_with(ok(database(DB, "Tasks")))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/databases/{DB}/query")))
        .and(body_json(json!({"filter": {"property": "Task name", "title": {"contains": "lau"}}, "page_size": 100})))
        .respond_with(ok(json!({"object": "list", "results": [page(PAGE, "Launch")], "next_cursor": null, "has_more": false})))
        .expect(1)
        .mount(&s)
        .await;
    let hits = n
        .search(Search {
            query: "lau".into(),
            space_id: Some(DB.into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(hits.items.len(), 1);
}

#[tokio::test]
async fn export_import_and_comments() {
    let s = MockServer::start().await;
    let n = provider(&s);
    Mock::given(method("GET"))
        .and(path(format!("/v1/pages/{PAGE}")))
        .respond_with(ok(page(PAGE, "Launch")))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/blocks/{PAGE}/children")))
        .respond_with(ok(list(
            vec![block("b1", "paragraph", json!({"rich_text": [rt("Hello "), {"type": "text", "text": {"content": "world", "link": null}, "annotations": {"bold": true, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"}, "plain_text": "world", "href": null}]}), false)],
            None,
        )))
        .mount(&s)
        .await;
    let md = n
        .export_page(ExportKbPage {
            id: PAGE.into(),
            format: DocFormat::Markdown,
        })
        .await
        .unwrap();
    assert_eq!(md.content, b"Hello **world**\n");
    let html = n
        .export_page(ExportKbPage {
            id: PAGE.into(),
            format: DocFormat::Html,
        })
        .await
        .unwrap();
    assert_eq!(html.content, b"<p>Hello <strong>world</strong></p>");
    let txt = n
        .export_page(ExportKbPage {
            id: PAGE.into(),
            format: DocFormat::PlainText,
        })
        .await
        .unwrap();
    assert_eq!(txt.content, b"Hello world");
    assert!(
        n.export_page(ExportKbPage {
            id: PAGE.into(),
            format: DocFormat::Pdf
        })
        .await
        .unwrap_err()
        .is_unsupported()
    );

    Mock::given(method("POST"))
        .and(path("/v1/pages"))
        .and(body_json(json!({"parent": {"page_id": PARENT}, "properties": {"title": {"title": [{"type": "text", "text": {"content": "Imported"}}]}}})))
        .respond_with(ok(page("imp", "Imported")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/blocks/imp/children"))
        .and(body_json(json!({"children": [{"object": "block", "type": "heading_1", "heading_1": {"rich_text": [{"type": "text", "text": {"content": "T"}}]}}]})))
        .respond_with(ok(list(vec![block("h", "heading_1", json!({"rich_text": [rt("T")]}), false)], None)))
        .expect(1)
        .mount(&s)
        .await;
    let p = n
        .import_page(ImportKbPage {
            space_id: String::new(),
            parent_id: Some(PARENT.into()),
            title: "Imported".into(),
            format: DocFormat::Html,
            content: b"<h1>T</h1>".to_vec(),
        })
        .await
        .unwrap();
    assert_eq!(p.body.as_deref(), Some("# T\n"));

    let comment = json!({"object": "comment", "id": "c1", "parent": {"type": "page_id", "page_id": PAGE},
        "discussion_id": "disc1", "created_time": "2022-07-15T16:52:00.000Z", "last_edited_time": "2022-07-15T19:16:00.000Z",
        "created_by": {"object": "user", "id": "067dee40"},
        "rich_text": [rt("Looks "), {"type": "text", "text": {"content": "good", "link": null}, "annotations": {"bold": false, "italic": true, "strikethrough": false, "underline": false, "code": false, "color": "default"}, "plain_text": "good", "href": null}]});
    Mock::given(method("POST"))
        .and(path("/v1/comments"))
        .and(body_json(
            json!({"parent": {"page_id": PAGE}, "rich_text": [
            {"type": "text", "text": {"content": "Looks "}},
            {"type": "text", "text": {"content": "good"}, "annotations": {"italic": true}}]}),
        ))
        .respond_with(ok(comment.clone()))
        .expect(1)
        .mount(&s)
        .await;
    let c = n
        .add_comment(AddComment {
            page_id: PAGE.into(),
            body: "Looks *good*".into(),
        })
        .await
        .unwrap();
    assert_eq!(c.body, "Looks *good*");
    assert_eq!(c.author.as_deref(), Some("067dee40"));
    Mock::given(method("GET"))
        .and(path("/v1/comments"))
        .and(query_param("block_id", PAGE))
        .and(query_param("page_size", "100"))
        .respond_with(ok(json!({"object": "list", "results": [comment], "next_cursor": null, "has_more": false, "type": "comment", "comment": {}})))
        .expect(1)
        .mount(&s)
        .await;
    let cs = n
        .list_comments(ListComments {
            page_id: PAGE.into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(cs.items[0].id, "c1");
    assert_eq!(
        cs.items[0].created_at.as_deref(),
        Some("2022-07-15T16:52:00.000Z")
    );
}

#[tokio::test]
async fn missing_operations_are_unsupported() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let caps = KnowledgeBaseProvider::capabilities(&n);
    for op in [KbOp::MovePage, KbOp::UploadAttachment, KbOp::ListRevisions] {
        assert!(!caps.supports(op), "{op:?}");
    }
    assert!(caps.supports(KbOp::Search));
    assert!(
        n.move_page(MoveKbPage::default())
            .await
            .unwrap_err()
            .is_unsupported()
    );
    assert!(
        n.upload_attachment(UploadAttachment::default())
            .await
            .unwrap_err()
            .is_unsupported()
    );
    assert!(
        n.list_revisions(ListRevisions::default())
            .await
            .unwrap_err()
            .is_unsupported()
    );
    assert!(s.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn error_mapping_table() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let err = |status: u16, code: &str, message: &str| {
        ResponseTemplate::new(status).set_body_json(json!({"object": "error", "status": status, "code": code, "message": message, "request_id": "r1"}))
    };
    let cases: Vec<(&str, ResponseTemplate, ErrorKind, Option<u64>)> = vec![
        (
            "e400",
            err(
                400,
                "validation_error",
                "body failed validation: body.title should be an array",
            ),
            ErrorKind::InvalidInput,
            None,
        ),
        (
            "e401",
            err(401, "unauthorized", "API token is invalid."),
            ErrorKind::Unauthenticated,
            None,
        ),
        (
            "e403",
            err(
                403,
                "restricted_resource",
                "API token does not have access to this resource.",
            ),
            ErrorKind::PermissionDenied,
            None,
        ),
        (
            "e404",
            err(
                404,
                "object_not_found",
                "Could not find database with ID: e404.",
            ),
            ErrorKind::NotFound,
            None,
        ),
        (
            "e409",
            err(
                409,
                "conflict_error",
                "Transaction could not be completed, please retry.",
            ),
            ErrorKind::Conflict,
            None,
        ),
        (
            "e429",
            err(
                429,
                "rate_limited",
                "You have been rate limited. Please try again in a few minutes.",
            )
            .insert_header("retry-after", "3"),
            ErrorKind::RateLimited,
            Some(3),
        ),
        (
            "e500",
            err(500, "internal_server_error", "Unexpected error occurred."),
            ErrorKind::Unavailable,
            None,
        ),
        (
            "e502",
            err(
                502,
                "bad_gateway",
                "Notion encountered an issue while attempting to complete this request.",
            ),
            ErrorKind::Unavailable,
            None,
        ),
        (
            "e503",
            err(503, "service_unavailable", "Notion is unavailable."),
            ErrorKind::Unavailable,
            None,
        ),
    ];
    for (id, resp, kind, retry) in cases {
        Mock::given(path(format!("/v1/databases/{id}")))
            .respond_with(resp)
            .mount(&s)
            .await;
        let e = n.get_space(SpaceRef { id: id.into() }).await.unwrap_err();
        assert_eq!(e.kind(), kind, "{id}");
        assert_eq!(e.provider(), Some("notion"));
        assert_eq!(e.status().map(u32::from), id[1..].parse().ok());
        assert_eq!(e.retry_after(), retry.map(Duration::from_secs));
        assert!(!e.to_string().contains("secret_abc"));
    }
    let e = n
        .get_space(SpaceRef { id: "e404".into() })
        .await
        .unwrap_err();
    assert!(e.message().contains("Could not find database"), "{e}");
}

#[tokio::test]
async fn malformed_bodies_are_decode_errors() {
    let s = MockServer::start().await;
    let n = provider(&s);
    let cases = [
        ("m1", "{\"object\": \"database\""),
        ("m2", "{\"object\": \"database\", \"id\": 5}"),
        (
            "m3",
            "{\"object\": \"database\", \"id\": \"x\", \"title\": \"nope\"}",
        ),
        ("m4", "not json"),
    ];
    for (id, body) in cases {
        Mock::given(path(format!("/v1/databases/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&s)
            .await;
        let e = n.get_space(SpaceRef { id: id.into() }).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{id}");
    }
    // A block without its type object, deep in the children.
    Mock::given(method("GET"))
        .and(path("/v1/pages/p1"))
        .respond_with(ok(page("p1", "P")))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/blocks/p1/children"))
        .respond_with(ok(list(
            vec![json!({"object": "block", "id": "z", "type": "paragraph", "has_children": false})],
            None,
        )))
        .mount(&s)
        .await;
    let e = n.get_page(KbPageRef { id: "p1".into() }).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("/0/paragraph"), "{e}");
}

#[tokio::test]
async fn plugin_manifest_schema_and_instance() {
    let f = notion::plugin_factory().unwrap();
    let m = f.manifest();
    assert_eq!(m.id, "notion");
    assert_eq!(
        m.capabilities_of(mosaic_core::Family::KnowledgeBase),
        Some(Notion::operations())
    );
    let cfg = PluginConfig::resolve(
        m,
        Some(&json!({"token": "secret_xyz"})),
        &Env::fixed(Vec::<(String, String)>::new()),
    )
    .unwrap();
    assert!(!format!("{:?}", cfg.redacted()).contains("secret_xyz"));
    let parsed: NotionConfig = cfg.parse().unwrap();
    assert_eq!(parsed.base_url, "https://api.notion.com/v1");
    assert_eq!(parsed.http.timeout_secs, 30);
    assert!(
        PluginConfig::resolve(
            m,
            Some(&json!({"token": ""})),
            &Env::fixed(Vec::<(String, String)>::new())
        )
        .is_err()
    );
    assert!(
        PluginConfig::resolve(
            m,
            Some(&json!({"base_url": "https://x"})),
            &Env::fixed(Vec::<(String, String)>::new())
        )
        .is_err()
    );

    let mut plugin = f.create().unwrap();
    let ctx = PluginContext::builder(m).config(cfg.clone()).build();
    plugin.initialize(ctx, cfg).await.unwrap();
    assert!(plugin.services().kb.is_some());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn arbitrary_block_listings_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Notion::parse_block_children(&body);
    }

    #[test]
    fn arbitrary_json_block_listings_are_typed_errors(v in prop_oneof![
        Just(json!({"results": [{"type": "heading_1"}]})),
        Just(json!({"results": [{"type": "code", "code": {"rich_text": 3}}]})),
        Just(json!({"results": "x"})),
        Just(json!({"results": [{"type": "bulleted_list_item", "bulleted_list_item": {"rich_text": [{"type": "text", "text": {}}]}}]})),
    ]) {
        let e = Notion::parse_block_children(v.to_string().as_bytes()).unwrap_err();
        prop_assert_eq!(e.kind(), ErrorKind::Decode);
        prop_assert_eq!(e.provider(), Some("notion"));
    }
}

#[cfg(feature = "_forge")]
#[test]
fn the_catalog_lists_the_knowledge_bases() {
    let ids: Vec<String> = mosaic_providers::catalog::factories()
        .unwrap()
        .iter()
        .map(|f| f.manifest().id.clone())
        .collect();
    assert!(ids.iter().any(|i| i == "notion"), "{ids:?}");
    #[cfg(feature = "bookstack")]
    assert!(ids.iter().any(|i| i == "bookstack"), "{ids:?}");
    #[cfg(feature = "confluence")]
    assert!(ids.iter().any(|i| i == "confluence"), "{ids:?}");
    #[cfg(feature = "wikijs")]
    assert!(ids.iter().any(|i| i == "wikijs"), "{ids:?}");
}
