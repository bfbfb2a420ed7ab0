//! BookStack against a local mock server: requests and parsed results per
//! operation (bodies shaped like BookStack's API examples), the
//! shelf/book/chapter/page mapping, offset paging across three pages,
//! exports, audit-log revisions, error mapping, malformed bodies and the
//! plugin.
#![cfg(feature = "bookstack")]

use std::time::Duration;

use futures::StreamExt;
use mosaic_core::kb::*;
use mosaic_core::page::paginate;
use mosaic_core::{ErrorKind, PageRequest};
use mosaic_plugin_sdk::manifest::{NetworkPermission, Permissions};
use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext};
use mosaic_providers::bookstack::{self, BookStack, BookStackConfig};
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{
    body_json, body_string_contains, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn provider(s: &MockServer) -> BookStack {
    BookStack::new(BookStackConfig::new(
        format!("{}/api", s.uri()),
        "tid",
        "tsecret",
    ))
    .unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn user() -> Value {
    json!({"id": 1, "name": "Admin", "slug": "admin"})
}

fn book(id: u64, name: &str) -> Value {
    json!({"id": id, "name": name, "slug": name.to_lowercase().replace(' ', "-"), "description": "This is my own little book",
        "description_html": "<p>This is my own <em>little</em> book</p>", "created_at": "2020-01-12T14:09:59.000000Z",
        "updated_at": "2020-01-12T14:11:51.000000Z", "created_by": user(), "updated_by": user(), "owned_by": user(),
        "default_template_id": null})
}

fn page(id: u64, chapter: u64, markdown: &str, html: &str) -> Value {
    json!({"id": id, "book_id": 16, "chapter_id": chapter, "name": "A page written in markdown", "slug": "a-page-written-in-markdown",
        "html": html, "raw_html": html, "priority": 13, "created_at": "2020-02-02T21:40:38.000000Z",
        "updated_at": "2020-11-28T14:43:20.000000Z", "created_by": user(), "updated_by": user(), "owned_by": user(),
        "draft": false, "markdown": markdown, "revision_count": 5, "template": false, "editor": "markdown", "tags": []})
}

#[tokio::test]
async fn books_are_spaces_and_shelves_group_them() {
    let s = MockServer::start().await;
    let b = provider(&s);
    Mock::given(method("POST"))
        .and(path("/api/books"))
        .and(header("authorization", "Token tid:tsecret"))
        .and(body_json(
            json!({"name": "My own book", "description": "This is my own little book"}),
        ))
        .respond_with(ok(book(16, "My own book")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/shelves/14"))
        .respond_with(ok(json!({"id": 14, "name": "My shelf", "slug": "my-shelf", "books": [book(2, "Other"), book(3, "Third")]})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/shelves/14"))
        .and(body_json(json!({"books": [2, 3, 16]})))
        .respond_with(ok(
            json!({"id": 14, "name": "My shelf", "slug": "my-shelf"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let sp = b
        .create_space(CreateSpace {
            key: None,
            name: "My own book".into(),
            description: Some("This is my own little book".into()),
            parent: Some("14".into()),
        })
        .await
        .unwrap();
    assert_eq!(sp.id, "16");
    assert_eq!(sp.key.as_deref(), Some("my-own-book"));
    assert_eq!(sp.web_url, Some(format!("{}/books/my-own-book", s.uri())));

    Mock::given(method("GET"))
        .and(path("/api/books/16"))
        .respond_with(ok(book(16, "My own book")))
        .mount(&s)
        .await;
    assert_eq!(
        b.get_space(SpaceRef { id: "16".into() })
            .await
            .unwrap()
            .name,
        "My own book"
    );
    Mock::given(method("PUT"))
        .and(path("/api/books/16"))
        .and(body_json(json!({"name": "Renamed"})))
        .respond_with(ok(book(16, "Renamed")))
        .expect(1)
        .mount(&s)
        .await;
    b.update_space(UpdateSpace {
        id: "16".into(),
        name: Some("Renamed".into()),
        description: None,
    })
    .await
    .unwrap();
    Mock::given(method("DELETE"))
        .and(path("/api/books/16"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    b.delete_space(SpaceRef { id: "16".into() }).await.unwrap();
    // Ids are numbers: anything else is refused before a request.
    let e = b
        .get_space(SpaceRef { id: "abc".into() })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("id"));
}

#[tokio::test]
async fn list_spaces_pages_by_offset_across_three_pages() {
    let s = MockServer::start().await;
    let b = provider(&s);
    for (off, ids) in [(0u64, vec![1u64, 2]), (2, vec![3, 4]), (4, vec![5])] {
        Mock::given(method("GET"))
            .and(path("/api/books"))
            .and(query_param("count", "2"))
            .and(query_param("offset", off.to_string()))
            .respond_with(ok(json!({"data": ids.iter().map(|i| book(*i, &format!("B{i}"))).collect::<Vec<_>>(), "total": 5})))
            .expect(1)
            .mount(&s)
            .await;
    }
    let names: Vec<String> = paginate(
        ListSpaces {
            page: PageRequest::with_size(2),
        },
        move |p| {
            let b = b.clone();
            async move { b.list_spaces(p).await }
        },
    )
    .map(|r| r.unwrap().name)
    .collect()
    .await;
    assert_eq!(names, ["B1", "B2", "B3", "B4", "B5"]);
}

#[tokio::test]
async fn pages_in_books_and_chapters() {
    let s = MockServer::start().await;
    let b = provider(&s);
    Mock::given(method("POST"))
        .and(path("/api/pages"))
        .and(body_json(
            json!({"name": "Intro", "chapter_id": 50, "markdown": "# Hi\n\nthere\n"}),
        ))
        .respond_with(ok(page(
            358,
            50,
            "# Hi\r\n\r\nthere\r\n",
            "<h1>Hi</h1><p>there</p>",
        )))
        .expect(1)
        .mount(&s)
        .await;
    let p = b
        .create_page(CreateKbPage {
            space_id: "16".into(),
            parent_id: Some("50".into()),
            title: "Intro".into(),
            body: "# Hi\n\nthere\n".into(),
        })
        .await
        .unwrap();
    assert_eq!(p.id, "358");
    assert_eq!(p.space_id, "16");
    assert_eq!(p.parent_id.as_deref(), Some("50"));
    assert_eq!(p.version, Some(5));
    assert_eq!(p.body.as_deref(), Some("# Hi\n\nthere\n"));
    assert_eq!(p.web_url, Some(format!("{}/link/358", s.uri())));

    // A WYSIWYG page (no Markdown source): its HTML is converted.
    Mock::given(method("GET"))
        .and(path("/api/pages/306"))
        .respond_with(ok(page(306, 0, "", "<h1 id=\"bkmrk-t\">Title</h1><p id=\"bkmrk-p\">Some <strong>bold</strong> text</p><ul><li>a</li></ul>")))
        .mount(&s)
        .await;
    let p = b.get_page(KbPageRef { id: "306".into() }).await.unwrap();
    assert_eq!(p.parent_id, None);
    assert_eq!(
        p.body.as_deref(),
        Some("# Title\n\nSome **bold** text\n\n- a\n")
    );

    // Optimistic check on the revision count.
    let e = b
        .update_page(UpdateKbPage {
            id: "306".into(),
            title: None,
            body: Some("x".into()),
            version: Some(4),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    Mock::given(method("PUT"))
        .and(path("/api/pages/306"))
        .and(body_json(json!({"name": "New", "markdown": "new body"})))
        .respond_with(ok(page(306, 0, "new body", "<p>new body</p>")))
        .expect(1)
        .mount(&s)
        .await;
    let p = b
        .update_page(UpdateKbPage {
            id: "306".into(),
            title: Some("New".into()),
            body: Some("new body".into()),
            version: Some(5),
        })
        .await
        .unwrap();
    assert_eq!(p.body.as_deref(), Some("new body"));

    Mock::given(method("PUT"))
        .and(path("/api/pages/307"))
        .and(body_json(json!({"chapter_id": 51})))
        .respond_with(ok(page(307, 51, "m", "<p>m</p>")))
        .expect(1)
        .mount(&s)
        .await;
    let p = b
        .move_page(MoveKbPage {
            id: "307".into(),
            space_id: None,
            parent_id: Some("51".into()),
        })
        .await
        .unwrap();
    assert_eq!(p.parent_id.as_deref(), Some("51"));
    Mock::given(method("PUT"))
        .and(path("/api/pages/308"))
        .and(body_json(json!({"book_id": 17})))
        .respond_with(ok(page(308, 0, "m", "<p>m</p>")))
        .expect(1)
        .mount(&s)
        .await;
    b.move_page(MoveKbPage {
        id: "308".into(),
        space_id: Some("17".into()),
        parent_id: None,
    })
    .await
    .unwrap();

    Mock::given(method("DELETE"))
        .and(path("/api/pages/308"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    b.delete_page(KbPageRef { id: "308".into() }).await.unwrap();

    Mock::given(method("GET"))
        .and(path("/api/pages"))
        .and(query_param("filter[book_id]", "16"))
        .and(query_param("filter[chapter_id]", "50"))
        .and(query_param("offset", "0"))
        .respond_with(ok(json!({"data": [{"id": 1, "book_id": 16, "chapter_id": 50, "name": "How to create page content",
            "slug": "how-to-create-page-content", "priority": 0, "draft": false, "revision_count": 3, "template": false,
            "created_at": "2019-05-05T21:49:58.000000Z", "updated_at": "2020-07-04T15:50:58.000000Z", "created_by": 1,
            "updated_by": 1, "owned_by": 1, "editor": "wysiwyg", "book_slug": "example-book"}], "total": 1})))
        .expect(1)
        .mount(&s)
        .await;
    let l = b
        .list_pages(ListKbPages {
            space_id: "16".into(),
            parent_id: Some("50".into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(l.items[0].title, "How to create page content");
    assert_eq!(l.items[0].body, None);
    assert_eq!(l.total, Some(1));
    assert!(l.next.is_none());
}

#[tokio::test]
async fn exports_imports_attachments_search() {
    let s = MockServer::start().await;
    let b = provider(&s);
    for (kind, body) in [
        ("markdown", &b"# How this is built\n"[..]),
        (
            "html",
            b"<!doctype html><html><body><h1>How</h1></body></html>",
        ),
        ("pdf", b"%PDF-1.7\n%\xe2\xe3"),
        ("plaintext", b"How this is built"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/api/pages/306/export/{kind}")))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(body.to_vec()))
            .expect(1)
            .mount(&s)
            .await;
    }
    for (format, start) in [
        (DocFormat::Markdown, &b"# How"[..]),
        (DocFormat::Html, b"<!doctype"),
        (DocFormat::Pdf, b"%PDF"),
        (DocFormat::PlainText, b"How"),
    ] {
        let d = b
            .export_page(ExportKbPage {
                id: "306".into(),
                format,
            })
            .await
            .unwrap();
        assert_eq!(d.format, format);
        assert!(d.content.starts_with(start), "{format:?}");
    }

    Mock::given(method("POST"))
        .and(path("/api/pages"))
        .and(body_json(
            json!({"name": "Imported", "book_id": 16, "html": "<p>hi</p>"}),
        ))
        .respond_with(ok(page(400, 0, "", "<p>hi</p>")))
        .expect(1)
        .mount(&s)
        .await;
    let p = b
        .import_page(ImportKbPage {
            space_id: "16".into(),
            parent_id: None,
            title: "Imported".into(),
            format: DocFormat::Html,
            content: b"<p>hi</p>".to_vec(),
        })
        .await
        .unwrap();
    assert_eq!(p.body.as_deref(), Some("hi\n"));
    assert_eq!(
        b.import_page(ImportKbPage {
            space_id: "16".into(),
            format: DocFormat::Pdf,
            title: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err()
        .field(),
        Some("format")
    );

    Mock::given(method("POST"))
        .and(path("/api/attachments"))
        .and(body_string_contains("name=\"uploaded_to\"\r\n\r\n306"))
        .and(body_string_contains("filename=\"notes.txt\""))
        .respond_with(ok(json!({"id": 5, "name": "notes.txt", "extension": "txt", "uploaded_to": 306, "external": false,
            "order": 2, "created_by": 1, "updated_by": 1, "created_at": "2021-10-20T06:35:46.000000Z", "updated_at": "2021-10-20T06:35:46.000000Z"})))
        .expect(1)
        .mount(&s)
        .await;
    let a = b
        .upload_attachment(UploadAttachment {
            page_id: "306".into(),
            filename: "notes.txt".into(),
            media_type: Some("text/plain".into()),
            content: b"hello".to_vec(),
        })
        .await
        .unwrap();
    assert_eq!((a.id.as_str(), a.size), ("5", 5));
    assert_eq!(a.download_url, Some(format!("{}/attachments/5", s.uri())));

    Mock::given(method("GET"))
        .and(path("/api/search"))
        .and(query_param("query", "cats {type:page}"))
        .and(query_param("page", "1"))
        .and(query_param("count", "2"))
        .respond_with(ok(json!({"data": [
            {"name": "The hows and whys of cats", "id": 396, "slug": "the-hows-and-whys-of-cats", "book_id": 1, "chapter_id": 75,
             "draft": false, "template": false, "created_at": "2021-05-15T16:28:10.000000Z", "updated_at": "2021-11-14T15:56:49.000000Z",
             "type": "page", "url": "https://example.com/books/my-book/page/the-hows-and-whys-of-cats",
             "preview_html": {"name": "The hows and whys of <strong>cats</strong>", "content": "...people ask why <strong>cats</strong>? but there are..."},
             "tags": []},
            {"name": "How advanced are cats?", "id": 362, "slug": "how-advanced-are-cats", "book_id": 13, "chapter_id": 73,
             "type": "page", "url": "https://example.com/books/my-book/page/how-advanced-are-cats",
             "preview_html": {"name": "How advanced are <strong>cats</strong>?", "content": "<strong>cats</strong> are advanced"}, "tags": []}
        ], "total": 3})))
        .expect(1)
        .mount(&s)
        .await;
    let hits = b
        .search(Search {
            query: "cats".into(),
            space_id: Some("1".into()),
            page: PageRequest::with_size(2),
        })
        .await
        .unwrap();
    assert_eq!(hits.items.len(), 1, "other books are left out");
    assert_eq!(hits.items[0].page_id, "396");
    assert_eq!(
        hits.items[0].excerpt.as_deref(),
        Some("...people ask why cats? but there are...")
    );
    assert_eq!(hits.next.unwrap().as_str(), "2");
}

#[tokio::test]
async fn comments_and_audit_log_revisions() {
    let s = MockServer::start().await;
    let b = provider(&s);
    Mock::given(method("POST"))
        .and(path("/api/comments"))
        .and(body_json(json!({"page_id": 306, "html": "<p>Nice <strong>work</strong></p>"})))
        .respond_with(ok(json!({"id": 40, "commentable_id": 306, "commentable_type": "page", "parent_id": null, "local_id": 4,
            "content_ref": "", "archived": false, "created_by": 3, "updated_by": 3, "created_at": "2025-07-01T10:00:00.000000Z"})))
        .expect(1)
        .mount(&s)
        .await;
    let c = b
        .add_comment(AddComment {
            page_id: "306".into(),
            body: "Nice **work**".into(),
        })
        .await
        .unwrap();
    assert_eq!(c.id, "40");
    assert_eq!(c.body, "Nice **work**");
    assert_eq!(c.author.as_deref(), Some("3"));

    Mock::given(method("GET"))
        .and(path("/api/comments"))
        .and(query_param("filter[commentable_type]", "page"))
        .and(query_param("filter[commentable_id]", "306"))
        .respond_with(ok(json!({"data": [{"id": 40, "commentable_id": 306, "commentable_type": "page", "parent_id": null,
            "local_id": 4, "content_ref": "", "created_by": 3, "updated_by": 3, "created_at": "2025-07-01T10:00:00.000000Z"}], "total": 1})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/comments/40"))
        .respond_with(ok(json!({"id": 40, "commentable_id": 306, "commentable_type": "page", "html": "<p>Nice <strong>work</strong></p>",
            "parent_id": null, "local_id": 4, "content_ref": "", "created_by": {"id": 3, "name": "Barry", "slug": "barry"},
            "updated_by": {"id": 3, "name": "Barry", "slug": "barry"}, "created_at": "2025-07-01T10:00:00.000000Z", "replies": []})))
        .expect(1)
        .mount(&s)
        .await;
    let cs = b
        .list_comments(ListComments {
            page_id: "306".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(cs.items[0].author.as_deref(), Some("Barry"));
    assert_eq!(cs.items[0].body, "Nice **work**");

    // Revisions: page read for the revision count, then audit-log pages.
    Mock::given(method("GET"))
        .and(path("/api/pages/306"))
        .respond_with(ok(page(306, 0, "x", "<p>x</p>")))
        .expect(1)
        .mount(&s)
        .await;
    let event = |id: u64, kind: &str, at: &str| {
        json!({"id": id, "type": kind, "detail": "", "user_id": 1, "loggable_id": 306, "loggable_type": "page",
            "ip": "127.0.x.x", "created_at": at, "user": {"id": 1, "name": "Admins", "slug": "admins"}})
    };
    Mock::given(method("GET"))
        .and(path("/api/audit-log"))
        .and(query_param("filter[loggable_type]", "page"))
        .and(query_param("filter[loggable_id]", "306"))
        .and(query_param("sort", "-created_at"))
        .and(query_param("offset", "0"))
        .respond_with(ok(json!({"data": [
            event(9, "page_update", "2021-09-29T12:40:00.000000Z"),
            event(8, "page_move", "2021-09-29T12:39:00.000000Z"),
            event(7, "page_update", "2021-09-29T12:38:00.000000Z")], "total": 6})))
        .expect(1)
        .mount(&s)
        .await;
    let first = b
        .list_revisions(ListRevisions {
            page_id: "306".into(),
            page: PageRequest::with_size(3),
        })
        .await
        .unwrap();
    assert_eq!(
        first.items.iter().map(|r| r.version).collect::<Vec<_>>(),
        [5, 4]
    );
    assert_eq!(first.items[0].author.as_deref(), Some("Admins"));
    let cursor = first.next.clone().unwrap();
    assert_eq!(cursor.as_str(), "3:2:5");
    Mock::given(method("GET"))
        .and(path("/api/audit-log"))
        .and(query_param("offset", "3"))
        .respond_with(ok(json!({"data": [
            event(6, "page_update", "2021-09-29T12:37:00.000000Z"),
            event(5, "page_update", "2021-09-29T12:36:00.000000Z"),
            event(4, "page_create", "2021-09-29T12:32:13.000000Z")], "total": 6})))
        .expect(1)
        .mount(&s)
        .await;
    let second = b
        .list_revisions(ListRevisions {
            page_id: "306".into(),
            page: PageRequest {
                cursor: Some(cursor),
                per_page: Some(3),
            },
        })
        .await
        .unwrap();
    assert_eq!(
        second.items.iter().map(|r| r.version).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    assert!(second.next.is_none());
}

#[tokio::test]
async fn error_mapping_table() {
    let s = MockServer::start().await;
    let b = provider(&s);
    let err = |status: u16, message: &str| {
        ResponseTemplate::new(status)
            .set_body_json(json!({"error": {"code": status, "message": message}}))
    };
    let cases: Vec<(u64, ResponseTemplate, ErrorKind, Option<u64>)> = vec![
        (1, err(401, "No authorization token found on the request"), ErrorKind::Unauthenticated, None),
        (2, err(403, "The owner of the used API token does not have permission to make API calls"), ErrorKind::PermissionDenied, None),
        (3, err(404, "Page not found"), ErrorKind::NotFound, None),
        (4, ResponseTemplate::new(422).set_body_json(json!({"error": {"code": 422, "message": "The given data was invalid.", "validation": {"name": ["The name field is required."]}}})), ErrorKind::InvalidInput, None),
        (5, err(429, "Too Many Attempts.").insert_header("retry-after", "42").insert_header("x-ratelimit-limit", "180").insert_header("x-ratelimit-remaining", "0"), ErrorKind::RateLimited, Some(42)),
        (6, err(500, "An unknown error occurred"), ErrorKind::Unavailable, None),
    ];
    for (n, resp, kind, retry) in cases {
        Mock::given(path(format!("/api/pages/{n}")))
            .respond_with(resp)
            .mount(&s)
            .await;
        let e = b
            .get_page(KbPageRef { id: n.to_string() })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{n}");
        assert_eq!(e.provider(), Some("bookstack"));
        assert_eq!(e.retry_after(), retry.map(Duration::from_secs));
        assert!(!format!("{e:?}{e}").contains("tsecret"));
    }
    let e = b.get_page(KbPageRef { id: "3".into() }).await.unwrap_err();
    assert!(e.message().contains("Page not found"), "{e}");
}

#[tokio::test]
async fn malformed_bodies_are_decode_errors() {
    let s = MockServer::start().await;
    let b = provider(&s);
    for (n, body) in [
        (1, "{\"id\": \"x\"}"),
        (2, "{\"id\": 2, \"book_id\": 1, \"name\": 5}"),
        (3, "[1,2"),
        (4, "<html>oops</html>"),
    ] {
        Mock::given(path(format!("/api/pages/{n}")))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&s)
            .await;
        let e = b
            .get_page(KbPageRef { id: n.to_string() })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{n}");
    }
    Mock::given(path("/api/books"))
        .and(query_param_is_missing("nope"))
        .respond_with(ok(json!({"data": [{"id": 1}], "total": 1})))
        .mount(&s)
        .await;
    let e = b.list_spaces(ListSpaces::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("data[0]"), "{e}");
}

#[tokio::test]
async fn plugin_manifest_schema_and_instance() {
    let f = bookstack::plugin_factory().unwrap();
    let m = f.manifest();
    assert_eq!(m.id, "bookstack");
    assert_eq!(
        m.capabilities_of(mosaic_core::Family::KnowledgeBase),
        Some(BookStack::operations())
    );
    let env = Env::fixed(Vec::<(String, String)>::new());
    let good = json!({"base_url": "https://docs.example.com/api", "token_id": "abc", "token_secret": "s3cr3t"});
    let cfg = PluginConfig::resolve(m, Some(&good), &env).unwrap();
    assert!(!cfg.redacted().to_string().contains("s3cr3t"));
    assert!(
        PluginConfig::resolve(
            m,
            Some(&json!({"base_url": "https://docs.example.com/api", "token_id": "abc"})),
            &env
        )
        .is_err()
    );
    // A self-hosted instance: the host grants its name.
    let mut plugin = f.create().unwrap();
    let ctx = PluginContext::builder(m)
        .permissions(Permissions {
            network: NetworkPermission {
                hosts: vec!["docs.example.com".into()],
                allow_http: false,
            },
            ..Default::default()
        })
        .config(cfg.clone())
        .build();
    plugin.initialize(ctx, cfg.clone()).await.unwrap();
    assert!(plugin.services().kb.is_some());
    // Without the grant, the instance refuses to start.
    let mut plugin = f.create().unwrap();
    let ctx = PluginContext::builder(m).config(cfg.clone()).build();
    assert!(plugin.initialize(ctx, cfg).await.is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn arbitrary_page_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = BookStack::parse_page(&body);
    }

    #[test]
    fn arbitrary_html_bodies_convert(html in "[<>/a-z\" =!&;]{0,80}") {
        let body = json!({"id": 1, "book_id": 1, "name": "x", "markdown": "", "html": html}).to_string();
        let _ = BookStack::parse_page(body.as_bytes());
    }
}
