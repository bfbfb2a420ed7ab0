//! Wiki.js against a local mock server: each GraphQL document and its
//! variables, parsed results, locales as spaces, offset paging across
//! three pages, history, conflicts, GraphQL error mapping, malformed
//! answers and the plugin.
#![cfg(feature = "wikijs")]

use futures::StreamExt;
use mosaic_core::kb::*;
use mosaic_core::page::paginate;
use mosaic_core::{ErrorKind, PageRequest};
use mosaic_plugin_sdk::manifest::{NetworkPermission, Permissions};
use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext};
use mosaic_providers::wikijs::{self, WikiJs, WikiJsConfig};
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn provider(s: &MockServer) -> WikiJs {
    WikiJs::new(WikiJsConfig::new(s.uri(), "wjs-key")).unwrap()
}

fn data(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "data": v }))
}

/// A mock for one GraphQL document with exactly these variables.
fn gql(query: &str, variables: Value) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", "Bearer wjs-key"))
        .and(body_json(json!({ "query": query, "variables": variables })))
}

fn ok_result() -> Value {
    json!({"succeeded": true, "errorCode": 0, "slug": "ok", "message": "Operation succeeded."})
}

fn page(id: i64, path: &str, editor: &str, content: &str) -> Value {
    json!({"id": id, "path": path, "locale": "en", "title": "Setup guide", "description": "How to set up",
        "content": content, "render": "<h1>Setup</h1><p>Run <code>make</code>.</p>", "editor": editor,
        "contentType": if editor == "markdown" { "markdown" } else { "html" },
        "createdAt": "2023-04-01T10:00:00.000Z", "updatedAt": "2023-04-02T12:00:00.500Z", "authorName": "Administrator"})
}

#[test]
fn documents_match_the_wiki_js_2_schema() {
    // The documents name the schema's fields and arguments.
    assert!(wikijs::PAGE.contains("single(id: $id)"));
    assert!(wikijs::CREATE.contains("create(content: $content, description: $description, editor: $editor, isPublished: $isPublished, isPrivate: $isPrivate, locale: $locale, path: $path, tags: $tags, title: $title)"));
    assert!(
        wikijs::HISTORY
            .contains("history(id: $id, offsetPage: $offsetPage, offsetSize: $offsetSize)")
    );
    assert!(wikijs::MOVE.contains(
        "move(id: $id, destinationPath: $destinationPath, destinationLocale: $destinationLocale)"
    ));
    assert!(wikijs::COMMENTS.contains("list(locale: $locale, path: $path)"));
}

#[tokio::test]
async fn locales_are_spaces() {
    let s = MockServer::start().await;
    let w = provider(&s);
    gql(
        "query { localization { locales { code name nativeName isInstalled updatedAt } } }",
        json!({}),
    )
    .respond_with(data(json!({"localization": {"locales": [
        {"code": "en", "name": "English", "nativeName": "English", "isInstalled": true, "updatedAt": "2023-01-01T00:00:00Z"},
        {"code": "fr", "name": "French", "nativeName": "Français", "isInstalled": true, "updatedAt": "2023-01-01T00:00:00Z"},
        {"code": "de", "name": "German", "nativeName": "Deutsch", "isInstalled": false, "updatedAt": "2023-01-01T00:00:00Z"}]}})))
    .mount(&s)
    .await;
    let l = w.list_spaces(ListSpaces::default()).await.unwrap();
    assert_eq!(
        l.items.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["en", "fr"]
    );
    let fr = w.get_space(SpaceRef { id: "fr".into() }).await.unwrap();
    assert_eq!(fr.description.as_deref(), Some("Français"));
    assert_eq!(
        w.get_space(SpaceRef { id: "de".into() })
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    for e in [
        w.create_space(CreateSpace::default()).await.unwrap_err(),
        w.update_space(UpdateSpace::default()).await.unwrap_err(),
        w.delete_space(SpaceRef::default()).await.unwrap_err(),
        w.upload_attachment(UploadAttachment::default())
            .await
            .unwrap_err(),
    ] {
        assert!(e.is_unsupported());
    }
    let caps = KnowledgeBaseProvider::capabilities(&w);
    assert!(!caps.supports(KbOp::CreateSpace) && !caps.supports(KbOp::UploadAttachment));
    assert!(caps.supports(KbOp::ListRevisions));
}

#[tokio::test]
async fn create_get_update_move_delete() {
    let s = MockServer::start().await;
    let w = provider(&s);
    gql(
        wikijs::CREATE,
        json!({"content": "# Setup\n\nRun `make`.\n", "description": "", "editor": "markdown", "isPublished": true,
            "isPrivate": false, "locale": "en", "path": "docs/guides/setup-guide", "tags": [], "title": "Setup guide"}),
    )
    .respond_with(data(json!({"pages": {"create": {"responseResult": ok_result(),
        "page": {"id": 42, "path": "docs/guides/setup-guide", "locale": "en", "title": "Setup guide", "description": "",
            "createdAt": "2023-04-01T10:00:00.000Z", "updatedAt": "2023-04-01T10:00:00.000Z"}}}})))
    .expect(1)
    .mount(&s)
    .await;
    gql(wikijs::PAGE, json!({"id": 42}))
        .respond_with(data(json!({"pages": {"single": page(42, "docs/guides/setup-guide", "markdown", "# Setup\n\nRun `make`.\n")}})))
        .mount(&s)
        .await;
    let p = w
        .create_page(CreateKbPage {
            space_id: "en".into(),
            parent_id: Some("/docs/guides/".into()),
            title: "Setup guide".into(),
            body: "# Setup\n\nRun `make`.\n".into(),
        })
        .await
        .unwrap();
    assert_eq!(p.id, "42");
    assert_eq!(p.space_id, "en");
    assert_eq!(p.parent_id.as_deref(), Some("docs/guides"));
    assert_eq!(p.version, Some(1_680_436_800_500));
    assert_eq!(
        p.web_url,
        Some(format!("{}/en/docs/guides/setup-guide", s.uri()))
    );
    assert_eq!(p.body.as_deref(), Some("# Setup\n\nRun `make`.\n"));

    // Stale version: checkConflicts says the page changed.
    gql(
        wikijs::CHECK_CONFLICTS,
        json!({"id": 42, "checkoutDate": "2023-04-01T00:00:00.000Z"}),
    )
    .respond_with(data(json!({"pages": {"checkConflicts": true}})))
    .expect(1)
    .mount(&s)
    .await;
    let e = w
        .update_page(UpdateKbPage {
            id: "42".into(),
            title: None,
            body: Some("x".into()),
            version: Some(1_680_307_200_000),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);

    gql(
        wikijs::CHECK_CONFLICTS,
        json!({"id": 42, "checkoutDate": "2023-04-02T12:00:00.500Z"}),
    )
    .respond_with(data(json!({"pages": {"checkConflicts": false}})))
    .expect(1)
    .mount(&s)
    .await;
    gql(wikijs::UPDATE, json!({"id": 42, "content": "new", "title": "Renamed"}))
        .respond_with(data(json!({"pages": {"update": {"responseResult": ok_result(), "page": {"id": 42, "updatedAt": "2023-04-03T00:00:00Z"}}}})))
        .expect(1)
        .mount(&s)
        .await;
    w.update_page(UpdateKbPage {
        id: "42".into(),
        title: Some("Renamed".into()),
        body: Some("new".into()),
        version: Some(1_680_436_800_500),
    })
    .await
    .unwrap();

    gql(
        wikijs::MOVE,
        json!({"id": 42, "destinationPath": "archive/setup-guide", "destinationLocale": "en"}),
    )
    .respond_with(data(
        json!({"pages": {"move": {"responseResult": ok_result()}}}),
    ))
    .expect(1)
    .mount(&s)
    .await;
    w.move_page(MoveKbPage {
        id: "42".into(),
        space_id: None,
        parent_id: Some("archive".into()),
    })
    .await
    .unwrap();

    gql(wikijs::DELETE, json!({"id": 42}))
        .respond_with(data(
            json!({"pages": {"delete": {"responseResult": ok_result()}}}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    w.delete_page(KbPageRef { id: "42".into() }).await.unwrap();
}

#[tokio::test]
async fn visual_editor_pages_are_converted_both_ways() {
    let s = MockServer::start().await;
    let w = provider(&s);
    gql(wikijs::PAGE, json!({"id": 7}))
        .respond_with(data(json!({"pages": {"single": page(7, "home", "ckeditor", "<h2>Hello</h2><p>A <em>visual</em> page</p>")}})))
        .mount(&s)
        .await;
    let p = w.get_page(KbPageRef { id: "7".into() }).await.unwrap();
    assert_eq!(p.body.as_deref(), Some("## Hello\n\nA *visual* page\n"));
    assert_eq!(p.parent_id, None);
    // Writing keeps the editor: the Markdown goes in as HTML.
    gql(
        wikijs::UPDATE,
        json!({"id": 7, "content": "<p><strong>bold</strong></p>", "title": null}),
    )
    .respond_with(data(
        json!({"pages": {"update": {"responseResult": ok_result(), "page": {"id": 7}}}}),
    ))
    .expect(1)
    .mount(&s)
    .await;
    w.update_page(UpdateKbPage {
        id: "7".into(),
        title: None,
        body: Some("**bold**".into()),
        version: None,
    })
    .await
    .unwrap();
    let html = w
        .export_page(ExportKbPage {
            id: "7".into(),
            format: DocFormat::Html,
        })
        .await
        .unwrap();
    assert_eq!(html.content, b"<h1>Setup</h1><p>Run <code>make</code>.</p>");
    let txt = w
        .export_page(ExportKbPage {
            id: "7".into(),
            format: DocFormat::PlainText,
        })
        .await
        .unwrap();
    assert_eq!(txt.content, b"Hello\n\nA visual page");
}

#[tokio::test]
async fn list_pages_walks_three_pages_below_a_folder() {
    let s = MockServer::start().await;
    let w = provider(&s);
    let item = |id: i64, path: &str| json!({"id": id, "path": path, "locale": "en", "title": path, "description": "", "createdAt": "2023-01-01T00:00:00Z", "updatedAt": "2023-01-01T00:00:00Z"});
    gql(wikijs::LIST, json!({"locale": "en"}))
        .respond_with(data(json!({"pages": {"list": [
            item(1, "docs/a"), item(2, "docs/b"), item(3, "home"), item(4, "docs/c"), item(5, "docs/d/e"), item(6, "docsx/f"), item(7, "docs/g")]}})))
        .expect(3)
        .mount(&s)
        .await;
    let paths: Vec<String> = paginate(
        ListKbPages {
            space_id: "en".into(),
            parent_id: Some("docs".into()),
            page: PageRequest::with_size(2),
        },
        move |p| {
            let w = w.clone();
            async move { w.list_pages(p).await }
        },
    )
    .map(|r| r.unwrap().title)
    .collect()
    .await;
    assert_eq!(paths, ["docs/a", "docs/b", "docs/c", "docs/d/e", "docs/g"]);
}

#[tokio::test]
async fn search_history_comments_import() {
    let s = MockServer::start().await;
    let w = provider(&s);
    gql(wikijs::SEARCH, json!({"query": "setup", "path": null, "locale": "en"}))
        .respond_with(data(json!({"pages": {"search": {"results": [
            {"id": "42", "title": "Setup guide", "description": "How to set up", "path": "docs/setup", "locale": "en"}],
            "suggestions": [], "totalHits": 1}}})))
        .expect(1)
        .mount(&s)
        .await;
    let hits = w
        .search(Search {
            query: "setup".into(),
            space_id: Some("en".into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(hits.items[0].page_id, "42");
    assert_eq!(hits.items[0].excerpt.as_deref(), Some("How to set up"));

    gql(wikijs::HISTORY, json!({"id": 42, "offsetPage": 0, "offsetSize": 2}))
        .respond_with(data(json!({"pages": {"history": {"trail": [
            {"versionId": 9, "versionDate": "2023-04-02T12:00:00Z", "authorName": "Ada", "actionType": "edit", "valueBefore": null, "valueAfter": null},
            {"versionId": 8, "versionDate": "2023-04-01T12:00:00Z", "authorName": "Ada", "actionType": "move", "valueBefore": "a", "valueAfter": "b"}],
            "total": 3}}})))
        .expect(1)
        .mount(&s)
        .await;
    let r = w
        .list_revisions(ListRevisions {
            page_id: "42".into(),
            page: PageRequest::with_size(2),
        })
        .await
        .unwrap();
    assert_eq!(
        r.items.iter().map(|x| x.version).collect::<Vec<_>>(),
        [9, 8]
    );
    assert_eq!(r.items[1].message.as_deref(), Some("move"));
    assert_eq!(r.next.as_ref().unwrap().as_str(), "1");
    assert_eq!(r.total, Some(3));

    gql(
        wikijs::COMMENT,
        json!({"pageId": 42, "content": "Looks **good**"}),
    )
    .respond_with(data(
        json!({"comments": {"create": {"responseResult": ok_result(), "id": 5}}}),
    ))
    .expect(1)
    .mount(&s)
    .await;
    let c = w
        .add_comment(AddComment {
            page_id: "42".into(),
            body: "Looks **good**".into(),
        })
        .await
        .unwrap();
    assert_eq!(c.id, "5");
    gql(wikijs::PAGE, json!({"id": 42}))
        .respond_with(data(
            json!({"pages": {"single": page(42, "docs/setup", "markdown", "x")}}),
        ))
        .mount(&s)
        .await;
    gql(wikijs::COMMENTS, json!({"locale": "en", "path": "docs/setup"}))
        .respond_with(data(json!({"comments": {"list": [
            {"id": 5, "content": "Looks **good**", "render": "<p>Looks <strong>good</strong></p>", "authorName": "Ada", "createdAt": "2023-04-03T00:00:00Z"}]}})))
        .expect(1)
        .mount(&s)
        .await;
    let cs = w
        .list_comments(ListComments {
            page_id: "42".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(cs.items[0].author.as_deref(), Some("Ada"));
    assert_eq!(cs.items[0].body, "Looks **good**");

    gql(
        wikijs::CREATE,
        json!({"content": "<p>imported</p>", "description": "", "editor": "ckeditor", "isPublished": true,
            "isPrivate": false, "locale": "en", "path": "imported-page", "tags": [], "title": "Imported page"}),
    )
    .respond_with(data(json!({"pages": {"create": {"responseResult": ok_result(), "page": {"id": 43}}}})))
    .expect(1)
    .mount(&s)
    .await;
    gql(wikijs::PAGE, json!({"id": 43}))
        .respond_with(data(
            json!({"pages": {"single": page(43, "imported-page", "ckeditor", "<p>imported</p>")}}),
        ))
        .mount(&s)
        .await;
    let p = w
        .import_page(ImportKbPage {
            space_id: String::new(),
            parent_id: None,
            title: "Imported page".into(),
            format: DocFormat::Html,
            content: b"<p>imported</p>".to_vec(),
        })
        .await
        .unwrap();
    assert_eq!(p.body.as_deref(), Some("imported\n"));
}

#[tokio::test]
async fn error_mapping_table() {
    let s = MockServer::start().await;
    let w = provider(&s);
    // GraphQL errors (HTTP 200) and failed responseResults.
    let cases: Vec<(i64, Value, ErrorKind)> = vec![
        (
            1,
            json!({"errors": [{"message": "Forbidden", "locations": [{"line": 1, "column": 30}], "path": ["pages", "single"]}], "data": {"pages": {"single": null}}}),
            ErrorKind::PermissionDenied,
        ),
        (
            2,
            json!({"errors": [{"message": "This page does not exist.", "extensions": {"exception": {"name": "PageNotFound", "code": 6003}}}], "data": {"pages": {"single": null}}}),
            ErrorKind::NotFound,
        ),
        (
            3,
            json!({"errors": [{"message": "Unauthorized"}]}),
            ErrorKind::Unauthenticated,
        ),
        (
            4,
            json!({"errors": [{"message": "Cannot query field \"nope\" on type \"Page\".", "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}),
            ErrorKind::Provider,
        ),
        (
            5,
            json!({"data": {"pages": {"single": null}}}),
            ErrorKind::NotFound,
        ),
    ];
    for (id, body, kind) in cases {
        gql(wikijs::PAGE, json!({"id": id}))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&s)
            .await;
        let e = w
            .get_page(KbPageRef { id: id.to_string() })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{id}: {e}");
        assert_eq!(e.provider(), Some("wikijs"));
    }
    let failed = |slug: &str, code: i64, message: &str| json!({"pages": {"delete": {"responseResult": {"succeeded": false, "errorCode": code, "slug": slug, "message": message}}}});
    for (id, slug, code, kind) in [
        (10, "PageNotFound", 6003, ErrorKind::NotFound),
        (11, "PageDeleteForbidden", 6010, ErrorKind::PermissionDenied),
        (12, "PageGenericError", 6001, ErrorKind::Provider),
    ] {
        gql(wikijs::DELETE, json!({"id": id}))
            .respond_with(data(failed(slug, code, "nope")))
            .mount(&s)
            .await;
        let e = w
            .delete_page(KbPageRef { id: id.to_string() })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{slug}");
        assert!(e.message().contains(slug), "{e}");
    }
    gql(
        wikijs::CREATE,
        json!({"content": "x", "description": "", "editor": "markdown", "isPublished": true, "isPrivate": false,
            "locale": "en", "path": "dup", "tags": [], "title": "Dup"}),
    )
    .respond_with(data(json!({"pages": {"create": {"responseResult": {"succeeded": false, "errorCode": 6002, "slug": "PageDuplicateCreate", "message": "Cannot create this page because an entry already exists at the same path."}, "page": null}}})))
    .mount(&s)
    .await;
    let e = w
        .create_page(CreateKbPage {
            space_id: "en".into(),
            title: "Dup".into(),
            body: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    // HTTP-level failures still map by status.
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_json(
            json!({"query": wikijs::PAGE, "variables": {"id": 99}}),
        ))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s)
        .await;
    let e = w.get_page(KbPageRef { id: "99".into() }).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(!format!("{e:?}").contains("wjs-key"));
    // Ids are numbers.
    assert_eq!(
        w.get_page(KbPageRef {
            id: "docs/x".into()
        })
        .await
        .unwrap_err()
        .field(),
        Some("id")
    );
}

#[tokio::test]
async fn malformed_answers_are_decode_errors() {
    let s = MockServer::start().await;
    let w = provider(&s);
    for (id, body) in [
        (
            1,
            json!({"data": {"pages": {"single": {"id": "one", "path": "x", "locale": "en"}}}})
                .to_string(),
        ),
        (2, json!({"data": {"pages": 5}}).to_string()),
        (3, "{\"data\": ".to_owned()),
    ] {
        gql(wikijs::PAGE, json!({"id": id}))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&s)
            .await;
        let e = w
            .get_page(KbPageRef { id: id.to_string() })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{id}: {e}");
    }
    let e = WikiJs::parse_page(
        br#"{"data": {"pages": {"single": {"id": 1, "path": 7, "locale": "en"}}}}"#,
    )
    .unwrap_err();
    assert!(e.message().contains("pages.single.path"), "{e}");
}

#[tokio::test]
async fn plugin_manifest_schema_and_instance() {
    let f = wikijs::plugin_factory().unwrap();
    let m = f.manifest();
    assert_eq!(m.id, "wikijs");
    assert_eq!(
        m.capabilities_of(mosaic_core::Family::KnowledgeBase),
        Some(WikiJs::operations())
    );
    let env = Env::fixed(Vec::<(String, String)>::new());
    let cfg = PluginConfig::resolve(
        m,
        Some(&json!({"base_url": "https://wiki.example.com", "token": "k-secret"})),
        &env,
    )
    .unwrap();
    let parsed: WikiJsConfig = cfg.parse().unwrap();
    assert_eq!(parsed.locale, "en");
    assert_eq!(parsed.editor, wikijs::Editor::Markdown);
    assert!(
        PluginConfig::resolve(
            m,
            Some(&json!({"base_url": "https://wiki.example.com", "token": "k", "editor": "word"})),
            &env
        )
        .is_err()
    );
    let mut plugin = f.create().unwrap();
    let ctx = PluginContext::builder(m)
        .permissions(Permissions {
            network: NetworkPermission {
                hosts: vec!["wiki.example.com".into()],
                allow_http: false,
            },
            ..Default::default()
        })
        .config(cfg.clone())
        .build();
    plugin.initialize(ctx, cfg).await.unwrap();
    assert!(plugin.services().kb.is_some());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn arbitrary_answers_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = WikiJs::parse_page(&body);
    }

    #[test]
    fn arbitrary_pages_are_bodies_or_typed_errors(editor in "(markdown|ckeditor|code|asciidoc)", content in "[<>/a-z\" =!#*]{0,60}") {
        let body = json!({"data": {"pages": {"single": {"id": 1, "path": "p", "locale": "en", "editor": editor, "content": content, "render": content}}}}).to_string();
        if let Err(e) = WikiJs::parse_page(body.as_bytes()) {
            prop_assert_eq!(e.kind(), ErrorKind::Decode);
        }
    }
}
