//! Confluence Cloud against a local mock server: v2 and v1 requests and
//! parsed results per operation (bodies shaped like the REST reference's
//! examples), version conflicts, cursors across three pages, error
//! mapping, malformed bodies and the plugin.
#![cfg(feature = "confluence")]

use std::time::Duration;

use futures::StreamExt;
use mosaic_core::kb::*;
use mosaic_core::page::paginate;
use mosaic_core::{ErrorKind, PageRequest};
use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext};
use mosaic_providers::confluence::{self, Confluence, ConfluenceConfig};
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{
    body_json, body_string_contains, header, header_exists, method, path, query_param,
    query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn provider(s: &MockServer) -> Confluence {
    Confluence::new(ConfluenceConfig::new(
        format!("{}/wiki", s.uri()),
        "ada@example.com",
        "tok123",
    ))
    .unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

// base64("ada@example.com:tok123")
const BASIC: &str = "Basic YWRhQGV4YW1wbGUuY29tOnRvazEyMw==";

fn space_v2(id: &str, key: &str, name: &str) -> Value {
    json!({"id": id, "key": key, "name": name, "type": "global", "status": "current",
        "authorId": "5b10ac8d82e05b22cc7d4ef5", "createdAt": "2023-01-03T10:00:00.000Z", "homepageId": "65537",
        "description": {"plain": {"value": "Engineering docs", "representation": "plain"}},
        "icon": null, "_links": {"webui": format!("/spaces/{key}")}})
}

fn space_v1(id: u64, key: &str, name: &str) -> Value {
    json!({"id": id, "key": key, "name": name, "type": "global", "status": "current",
        "description": {"plain": {"value": "Engineering docs", "representation": "plain", "embeddedContent": []}},
        "_links": {"webui": format!("/spaces/{key}"), "self": format!("https://example.atlassian.net/wiki/rest/api/space/{key}")},
        "_expandable": {"homepage": "/rest/api/content/65537"}})
}

fn page_v2(id: &str, title: &str, version: u64, storage: Option<&str>) -> Value {
    let mut v = json!({"id": id, "status": "current", "title": title, "spaceId": "98306", "parentId": "65537",
        "parentType": "page", "position": 0, "authorId": "5b10ac8d82e05b22cc7d4ef5", "ownerId": "5b10ac8d82e05b22cc7d4ef5",
        "createdAt": "2024-02-01T09:00:00.000Z",
        "version": {"createdAt": "2024-02-03T12:30:00.000Z", "message": "", "number": version, "minorEdit": false, "authorId": "5b10ac8d82e05b22cc7d4ef5"},
        "_links": {"webui": format!("/spaces/ENG/pages/{id}/{title}"), "editui": format!("/pages/resumedraft.action?draftId={id}"), "tinyui": "/x/AQAB"}});
    if let Some(s) = storage {
        v["body"] = json!({"storage": {"representation": "storage", "value": s}});
    }
    v
}

#[tokio::test]
async fn spaces_v2_reads_and_v1_writes() {
    let s = MockServer::start().await;
    let c = provider(&s);
    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/spaces/98306"))
        .and(header("authorization", BASIC))
        .and(query_param("description-format", "plain"))
        .respond_with(ok(space_v2("98306", "ENG", "Engineering")))
        .mount(&s)
        .await;
    let sp = c.get_space(SpaceRef { id: "98306".into() }).await.unwrap();
    assert_eq!(sp.key.as_deref(), Some("ENG"));
    assert_eq!(sp.description.as_deref(), Some("Engineering docs"));
    assert_eq!(sp.web_url, Some(format!("{}/wiki/spaces/ENG", s.uri())));

    Mock::given(method("POST"))
        .and(path("/wiki/rest/api/space"))
        .and(body_json(json!({"key": "OPSTEAM", "name": "Ops team", "description": {"plain": {"value": "Runbooks", "representation": "plain"}}})))
        .respond_with(ok(space_v1(98307, "OPSTEAM", "Ops team")))
        .expect(1)
        .mount(&s)
        .await;
    let sp = c
        .create_space(CreateSpace {
            key: None,
            name: "Ops team".into(),
            description: Some("Runbooks".into()),
            parent: None,
        })
        .await
        .unwrap();
    assert_eq!(sp.id, "98307");
    assert_eq!(
        c.create_space(CreateSpace {
            key: Some("no spaces".into()),
            name: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err()
        .field(),
        Some("key")
    );

    Mock::given(method("PUT"))
        .and(path("/wiki/rest/api/space/ENG"))
        .and(body_json(json!({"name": "Eng"})))
        .respond_with(ok(space_v1(98306, "ENG", "Eng")))
        .expect(1)
        .mount(&s)
        .await;
    let sp = c
        .update_space(UpdateSpace {
            id: "98306".into(),
            name: Some("Eng".into()),
            description: None,
        })
        .await
        .unwrap();
    assert_eq!(sp.name, "Eng");

    Mock::given(method("DELETE"))
        .and(path("/wiki/rest/api/space/ENG"))
        .respond_with(ResponseTemplate::new(202).set_body_json(
            json!({"id": "long-task-1", "links": {"status": "/rest/api/longtask/long-task-1"}}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    c.delete_space(SpaceRef { id: "98306".into() })
        .await
        .unwrap();
}

#[tokio::test]
async fn list_spaces_follows_cursors_across_three_pages() {
    let s = MockServer::start().await;
    let c = provider(&s);
    let page = |ids: &[&str], next: Option<&str>| {
        let mut v = json!({"results": ids.iter().map(|i| space_v2(i, &format!("K{i}"), i)).collect::<Vec<_>>(), "_links": {"base": "https://example.atlassian.net/wiki"}});
        if let Some(n) = next {
            v["_links"]["next"] = json!(format!(
                "/wiki/api/v2/spaces?limit=2&description-format=plain&cursor={n}"
            ));
        }
        ok(v)
    };
    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/spaces"))
        .and(query_param("limit", "2"))
        .and(query_param_is_missing("cursor"))
        .respond_with(page(&["1", "2"], Some("eyJpZCI6Mn0")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/spaces"))
        .and(query_param("cursor", "eyJpZCI6Mn0"))
        .respond_with(page(&["3", "4"], Some("eyJpZCI6NH0")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/spaces"))
        .and(query_param("cursor", "eyJpZCI6NH0"))
        .respond_with(page(&["5"], None))
        .expect(1)
        .mount(&s)
        .await;
    let ids: Vec<String> = paginate(
        ListSpaces {
            page: PageRequest::with_size(2),
        },
        move |p| {
            let c = c.clone();
            async move { c.list_spaces(p).await }
        },
    )
    .map(|r| r.unwrap().id)
    .collect()
    .await;
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
}

#[tokio::test]
async fn pages_round_trip_storage_and_markdown() {
    let s = MockServer::start().await;
    let c = provider(&s);
    let storage = "<h1>Runbook</h1><p>Restart with <code>systemctl</code>:</p><ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\"><ac:parameter ac:name=\"language\">bash</ac:parameter><ac:plain-text-body><![CDATA[systemctl restart app]]></ac:plain-text-body></ac:structured-macro>";
    Mock::given(method("POST"))
        .and(path("/wiki/api/v2/pages"))
        .and(body_json(
            json!({"spaceId": "98306", "status": "current", "title": "Runbook", "parentId": "65537",
            "body": {"representation": "storage", "value": storage}}),
        ))
        .respond_with(ok(page_v2("131073", "Runbook", 1, None)))
        .expect(1)
        .mount(&s)
        .await;
    let md = "# Runbook\n\nRestart with `systemctl`:\n\n```bash\nsystemctl restart app\n```\n";
    let p = c
        .create_page(CreateKbPage {
            space_id: "98306".into(),
            parent_id: Some("65537".into()),
            title: "Runbook".into(),
            body: md.into(),
        })
        .await
        .unwrap();
    assert_eq!(p.id, "131073");
    assert_eq!(p.version, Some(1));
    assert_eq!(p.body.as_deref(), Some(md));

    // A page with an info macro: the macro survives as a raw block.
    let with_macro = "<p>Intro</p><ac:structured-macro ac:name=\"info\" ac:schema-version=\"1\"><ac:rich-text-body><p>Heads up</p></ac:rich-text-body></ac:structured-macro>";
    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/pages/131073"))
        .and(query_param("body-format", "storage"))
        .respond_with(ok(page_v2("131073", "Runbook", 7, Some(with_macro))))
        .mount(&s)
        .await;
    let p = c
        .get_page(KbPageRef {
            id: "131073".into(),
        })
        .await
        .unwrap();
    assert_eq!(p.version, Some(7));
    assert_eq!(p.space_id, "98306");
    assert_eq!(p.parent_id.as_deref(), Some("65537"));
    assert_eq!(p.updated_at.as_deref(), Some("2024-02-03T12:30:00.000Z"));
    assert_eq!(
        p.web_url,
        Some(format!("{}/wiki/spaces/ENG/pages/131073/Runbook", s.uri()))
    );
    let body = p.body.unwrap();
    assert!(
        body.starts_with("Intro\n\n```raw:confluence macro:info\n"),
        "{body}"
    );

    // Updating with the body as read keeps the macro byte for byte.
    Mock::given(method("PUT"))
        .and(path("/wiki/api/v2/pages/131073"))
        .and(body_json(
            json!({"id": "131073", "status": "current", "title": "Runbook v2",
            "body": {"representation": "storage", "value": with_macro}, "version": {"number": 8}}),
        ))
        .respond_with(ok(page_v2("131073", "Runbook v2", 8, None)))
        .expect(1)
        .mount(&s)
        .await;
    let p = c
        .update_page(UpdateKbPage {
            id: "131073".into(),
            title: Some("Runbook v2".into()),
            body: Some(body.clone()),
            version: Some(7),
        })
        .await
        .unwrap();
    assert_eq!(p.version, Some(8));

    // A stale version is a conflict, found before anything is written.
    let e = c
        .update_page(UpdateKbPage {
            id: "131073".into(),
            title: None,
            body: Some("x".into()),
            version: Some(5),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn update_conflict_from_confluence_and_title_only_update() {
    let s = MockServer::start().await;
    let c = provider(&s);
    Mock::given(method("PUT"))
        .and(path("/wiki/api/v2/pages/9"))
        .and(body_json(json!({"id": "9", "status": "current", "title": "T", "body": {"representation": "storage", "value": "<p>b</p>"}, "version": {"number": 3}})))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({"errors": [{"status": 409, "code": "CONFLICT", "title": "Version must be incremented on update. Current version is: 4", "detail": null}]})))
        .expect(1)
        .mount(&s)
        .await;
    let e = c
        .update_page(UpdateKbPage {
            id: "9".into(),
            title: Some("T".into()),
            body: Some("b".into()),
            version: Some(2),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert_eq!(e.status(), Some(409));

    // Title only: the current body and version are read and sent back.
    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/pages/10"))
        .respond_with(ok(page_v2(
            "10",
            "Old",
            4,
            Some("<p>keep <strong>me</strong></p>"),
        )))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path("/wiki/api/v2/pages/10"))
        .and(body_json(json!({"id": "10", "status": "current", "title": "New", "body": {"representation": "storage", "value": "<p>keep <strong>me</strong></p>"}, "version": {"number": 5}})))
        .respond_with(ok(page_v2("10", "New", 5, Some("<p>keep <strong>me</strong></p>"))))
        .expect(1)
        .mount(&s)
        .await;
    let p = c
        .update_page(UpdateKbPage {
            id: "10".into(),
            title: Some("New".into()),
            body: None,
            version: None,
        })
        .await
        .unwrap();
    assert_eq!(p.body.as_deref(), Some("keep **me**\n"));
}

#[tokio::test]
async fn delete_move_list_children() {
    let s = MockServer::start().await;
    let c = provider(&s);
    Mock::given(method("DELETE"))
        .and(path("/wiki/api/v2/pages/77"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    c.delete_page(KbPageRef { id: "77".into() }).await.unwrap();

    Mock::given(method("PUT"))
        .and(path("/wiki/rest/api/content/77/move/append/55"))
        .respond_with(ok(json!({"pageId": "77"})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/pages/77"))
        .respond_with(ok(page_v2("77", "Moved", 2, Some("<p>m</p>"))))
        .mount(&s)
        .await;
    let p = c
        .move_page(MoveKbPage {
            id: "77".into(),
            space_id: None,
            parent_id: Some("55".into()),
        })
        .await
        .unwrap();
    assert_eq!(p.title, "Moved");
    // To a space root: under that space's home page.
    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/spaces/4242"))
        .respond_with(ok(space_v2("4242", "NEW", "New")))
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path("/wiki/rest/api/content/77/move/append/65537"))
        .respond_with(ok(json!({"pageId": "77"})))
        .expect(1)
        .mount(&s)
        .await;
    c.move_page(MoveKbPage {
        id: "77".into(),
        space_id: Some("4242".into()),
        parent_id: None,
    })
    .await
    .unwrap();

    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/spaces/98306/pages"))
        .and(query_param("limit", "25"))
        .respond_with(ok(json!({"results": [page_v2("1", "A", 1, None), page_v2("2", "B", 3, None)],
            "_links": {"next": "/wiki/api/v2/spaces/98306/pages?cursor=abc", "base": "https://example.atlassian.net/wiki"}})))
        .expect(1)
        .mount(&s)
        .await;
    let l = c
        .list_pages(ListKbPages {
            space_id: "98306".into(),
            parent_id: None,
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(l.items.len(), 2);
    assert_eq!(l.items[1].version, Some(3));
    assert_eq!(l.items[0].body, None);
    assert_eq!(l.next.unwrap().as_str(), "abc");

    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/pages/65537/children"))
        .respond_with(ok(json!({"results": [{"id": "3", "status": "current", "title": "Child", "spaceId": "98306", "childPosition": 0}], "_links": {}})))
        .expect(1)
        .mount(&s)
        .await;
    let l = c
        .list_pages(ListKbPages {
            space_id: "98306".into(),
            parent_id: Some("65537".into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(l.items[0].parent_id.as_deref(), Some("65537"));
    assert!(l.next.is_none());
}

#[tokio::test]
async fn attachments_search_comments_revisions_export() {
    let s = MockServer::start().await;
    let c = provider(&s);
    Mock::given(method("POST"))
        .and(path("/wiki/rest/api/content/131073/child/attachment"))
        .and(header("x-atlassian-token", "no-check"))
        .and(header_exists("content-type"))
        .and(body_string_contains("filename=\"diagram.png\""))
        .and(body_string_contains("name=\"minorEdit\""))
        .respond_with(ok(json!({"results": [{"id": "att720905", "type": "attachment", "status": "current", "title": "diagram.png",
            "metadata": {"mediaType": "image/png"}, "extensions": {"mediaType": "image/png", "fileSize": 4, "comment": ""},
            "_links": {"webui": "/pages/viewpageattachments.action?pageId=131073", "download": "/download/attachments/131073/diagram.png?version=1"}}], "size": 1})))
        .expect(1)
        .mount(&s)
        .await;
    let a = c
        .upload_attachment(UploadAttachment {
            page_id: "131073".into(),
            filename: "diagram.png".into(),
            media_type: Some("image/png".into()),
            content: b"PNG!".to_vec(),
        })
        .await
        .unwrap();
    assert_eq!(a.id, "att720905");
    assert_eq!(a.size, 4);
    assert_eq!(
        a.download_url,
        Some(format!(
            "{}/wiki/download/attachments/131073/diagram.png?version=1",
            s.uri()
        ))
    );

    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/spaces/98306"))
        .respond_with(ok(space_v2("98306", "ENG", "Engineering")))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/wiki/rest/api/search"))
        .and(query_param("cql", "type = page AND text ~ \"deploy \\\"now\\\"\" AND space = \"ENG\""))
        .and(query_param("limit", "25"))
        .and(query_param("expand", "content.space"))
        .respond_with(ok(json!({"results": [{"content": {"id": "131073", "type": "page", "status": "current", "title": "Runbook",
                "space": {"id": 98306, "key": "ENG", "name": "Engineering"}},
            "title": "@@@hl@@@Deploy@@@endhl@@@ runbook", "excerpt": "how to @@@hl@@@deploy@@@endhl@@@ now",
            "url": "/spaces/ENG/pages/131073/Runbook", "entityType": "content", "lastModified": "2024-02-03T12:30:00.000Z"}],
            "start": 0, "limit": 25, "size": 1, "totalSize": 1, "cqlQuery": "type = page", "searchDuration": 35,
            "_links": {"base": "https://example.atlassian.net/wiki", "context": "/wiki"}})))
        .expect(1)
        .mount(&s)
        .await;
    let hits = c
        .search(Search {
            query: "deploy \"now\"".into(),
            space_id: Some("98306".into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(hits.total, Some(1));
    let h = &hits.items[0];
    assert_eq!(
        (h.page_id.as_str(), h.title.as_str()),
        ("131073", "Deploy runbook")
    );
    assert_eq!(h.excerpt.as_deref(), Some("how to deploy now"));
    assert_eq!(h.space_id.as_deref(), Some("98306"));

    Mock::given(method("POST"))
        .and(path("/wiki/api/v2/footer-comments"))
        .and(body_json(json!({"pageId": "131073", "body": {"representation": "storage", "value": "<p>Ship <em>it</em></p>"}})))
        .respond_with(ok(json!({"id": "622593", "status": "current", "title": "Re: Runbook", "pageId": "131073",
            "version": {"createdAt": "2024-02-04T08:00:00.000Z", "message": "", "number": 1, "minorEdit": false, "authorId": "5b10ac8d82e05b22cc7d4ef5"},
            "body": {"storage": {"representation": "storage", "value": "<p>Ship <em>it</em></p>"}},
            "_links": {"webui": "/spaces/ENG/pages/131073/Runbook?focusedCommentId=622593"}})))
        .expect(1)
        .mount(&s)
        .await;
    let cm = c
        .add_comment(AddComment {
            page_id: "131073".into(),
            body: "Ship *it*".into(),
        })
        .await
        .unwrap();
    assert_eq!(cm.body, "Ship *it*");
    assert_eq!(cm.author.as_deref(), Some("5b10ac8d82e05b22cc7d4ef5"));

    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/pages/131073/footer-comments"))
        .and(query_param("body-format", "storage"))
        .respond_with(ok(json!({"results": [{"id": "622593", "status": "current", "title": "Re: Runbook", "pageId": "131073",
            "version": {"createdAt": "2024-02-04T08:00:00.000Z", "number": 1, "authorId": "u1"},
            "body": {"storage": {"representation": "storage", "value": "<p>first</p>"}}}], "_links": {}})))
        .expect(1)
        .mount(&s)
        .await;
    let cs = c
        .list_comments(ListComments {
            page_id: "131073".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(cs.items[0].body, "first");

    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/pages/131073/versions"))
        .and(query_param("sort", "-modified-date"))
        .respond_with(ok(json!({"results": [
            {"createdAt": "2024-02-03T12:30:00.000Z", "message": "typo", "number": 2, "minorEdit": true, "authorId": "u1"},
            {"createdAt": "2024-02-01T09:00:00.000Z", "message": "", "number": 1, "minorEdit": false, "authorId": "u2"}],
            "_links": {}})))
        .expect(1)
        .mount(&s)
        .await;
    let rv = c
        .list_revisions(ListRevisions {
            page_id: "131073".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(
        rv.items.iter().map(|r| r.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(rv.items[0].message.as_deref(), Some("typo"));
    assert_eq!(rv.items[1].message, None);

    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/pages/131073"))
        .and(query_param("body-format", "export_view"))
        .respond_with(ok(json!({"id": "131073", "title": "Runbook", "body": {"export_view": {"representation": "export_view", "value": "<h1 id=\"Runbook\">Runbook</h1>"}}})))
        .expect(1)
        .mount(&s)
        .await;
    let html = c
        .export_page(ExportKbPage {
            id: "131073".into(),
            format: DocFormat::Html,
        })
        .await
        .unwrap();
    assert_eq!(html.content, b"<h1 id=\"Runbook\">Runbook</h1>");
    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/pages/131073"))
        .and(query_param("body-format", "storage"))
        .respond_with(ok(page_v2(
            "131073",
            "Runbook",
            2,
            Some("<h2>Steps</h2><ol><li>one</li></ol>"),
        )))
        .mount(&s)
        .await;
    let md = c
        .export_page(ExportKbPage {
            id: "131073".into(),
            format: DocFormat::Markdown,
        })
        .await
        .unwrap();
    assert_eq!(md.content, b"## Steps\n\n1. one\n");
    assert!(
        c.export_page(ExportKbPage {
            id: "131073".into(),
            format: DocFormat::Pdf
        })
        .await
        .unwrap_err()
        .is_unsupported()
    );
}

#[tokio::test]
async fn error_mapping_table() {
    let s = MockServer::start().await;
    let c = provider(&s);
    let v2 = |status: u16, code: &str, title: &str| {
        ResponseTemplate::new(status).set_body_json(
            json!({"errors": [{"status": status, "code": code, "title": title, "detail": null}]}),
        )
    };
    let cases: Vec<(&str, ResponseTemplate, ErrorKind, Option<u64>)> = vec![
        (
            "400",
            v2(
                400,
                "INVALID_REQUEST_PARAMETER",
                "Provided value {abc} for 'id' is not the correct type.",
            ),
            ErrorKind::InvalidInput,
            None,
        ),
        (
            "401",
            v2(401, "UNAUTHORIZED", "Unauthorized"),
            ErrorKind::Unauthenticated,
            None,
        ),
        (
            "403",
            v2(403, "FORBIDDEN", "Forbidden"),
            ErrorKind::PermissionDenied,
            None,
        ),
        (
            "404",
            v2(404, "NOT_FOUND", "Not Found"),
            ErrorKind::NotFound,
            None,
        ),
        (
            "409",
            v2(409, "CONFLICT", "Conflict"),
            ErrorKind::Conflict,
            None,
        ),
        (
            "413",
            v2(413, "REQUEST_ENTITY_TOO_LARGE", "Request too large"),
            ErrorKind::InvalidInput,
            None,
        ),
        (
            "429",
            ResponseTemplate::new(429)
                .insert_header("retry-after", "17")
                .set_body_string("Rate limit exceeded"),
            ErrorKind::RateLimited,
            Some(17),
        ),
        (
            "500",
            v2(500, "INTERNAL_SERVER_ERROR", "Internal Server Error"),
            ErrorKind::Unavailable,
            None,
        ),
        (
            "503",
            ResponseTemplate::new(503),
            ErrorKind::Unavailable,
            None,
        ),
    ];
    for (id, resp, kind, retry) in cases {
        Mock::given(path(format!("/wiki/api/v2/pages/{id}")))
            .respond_with(resp)
            .mount(&s)
            .await;
        let e = c.get_page(KbPageRef { id: id.into() }).await.unwrap_err();
        assert_eq!(e.kind(), kind, "{id}");
        assert_eq!(e.provider(), Some("confluence"));
        assert_eq!(e.status().map(|s| s.to_string()).as_deref(), Some(id));
        assert_eq!(e.retry_after(), retry.map(Duration::from_secs));
        assert!(!format!("{e:?}").contains("tok123"));
    }
    // v1 error bodies carry a message.
    Mock::given(path("/wiki/rest/api/space/ENG"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"statusCode": 404, "data": {"authorized": false, "valid": true, "errors": [], "successful": false}, "message": "No space with key : ENG"})))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/wiki/api/v2/spaces/1"))
        .respond_with(ok(space_v2("1", "ENG", "E")))
        .mount(&s)
        .await;
    let e = c
        .delete_space(SpaceRef { id: "1".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("No space with key"), "{e}");
}

#[tokio::test]
async fn malformed_bodies_are_decode_errors() {
    let s = MockServer::start().await;
    let c = provider(&s);
    let cases = [
        ("m1", json!({"id": 5, "title": "x"})),
        ("m2", json!({"id": "1", "version": {"number": "seven"}})),
        (
            "m3",
            json!({"id": "1", "body": {"storage": {"value": "<p>unclosed"}}}),
        ),
    ];
    for (id, body) in cases {
        Mock::given(path(format!("/wiki/api/v2/pages/{id}")))
            .respond_with(ok(body))
            .mount(&s)
            .await;
        let e = c.get_page(KbPageRef { id: id.into() }).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{id}: {e}");
        assert_eq!(e.provider(), Some("confluence"));
    }
    Mock::given(path("/wiki/api/v2/spaces"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"results\": [{\"id\": \"1\""))
        .mount(&s)
        .await;
    assert_eq!(
        c.list_spaces(ListSpaces::default())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Decode
    );
}

#[tokio::test]
async fn plugin_manifest_schema_and_instance() {
    let f = confluence::plugin_factory().unwrap();
    let m = f.manifest();
    assert_eq!(m.id, "confluence");
    assert_eq!(
        m.capabilities_of(mosaic_core::Family::KnowledgeBase),
        Some(Confluence::operations())
    );
    let env = Env::fixed(Vec::<(String, String)>::new());
    let good = json!({"base_url": "https://example.atlassian.net/wiki", "email": "ada@example.com", "api_token": "tok-secret"});
    let cfg = PluginConfig::resolve(m, Some(&good), &env).unwrap();
    assert!(!cfg.redacted().to_string().contains("tok-secret"));
    assert!(
        PluginConfig::resolve(
            m,
            Some(&json!({"base_url": "https://example.atlassian.net/wiki", "email": "a"})),
            &env
        )
        .is_err()
    );
    assert!(
        PluginConfig::resolve(
            m,
            Some(&json!({"base_url": "ftp://x", "email": "a", "api_token": "t"})),
            &env
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
    fn arbitrary_page_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Confluence::parse_page(&body);
    }

    #[test]
    fn arbitrary_storage_is_markdown_or_a_decode_error(storage in "[<>/a-z\" =!\\[\\]:-]{0,80}") {
        let body = json!({"id": "1", "body": {"storage": {"value": storage}}}).to_string();
        match Confluence::parse_page(body.as_bytes()) {
            Ok(_) => {}
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Decode),
        }
    }
}
