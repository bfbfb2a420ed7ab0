//! The shared transport against a local mock server: URLs, auth headers,
//! error mapping, rate limits, pagination, decode errors, timeouts.

use std::time::Duration;

use mosaic_core::{Cursor, ErrorKind, PageRequest, Secret};
use mosaic_providers::http::{Auth, Transport};
use serde::Deserialize;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn transport(server: &MockServer, prefix: &str, auth: Auth) -> Transport {
    Transport::builder("test", format!("{}{prefix}", server.uri()))
        .auth(auth)
        .user_agent("mosaic-test/1")
        .build()
        .unwrap()
}

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: u32,
}

#[tokio::test]
async fn prefix_query_headers_body_and_auth_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v3/repos/a%2Fb/items"))
        .and(query_param("x", "1 2"))
        .and(header("authorization", "Bearer tok"))
        .and(header("user-agent", "mosaic-test/1"))
        .and(header("accept", "application/json"))
        .and(header("content-type", "application/json"))
        .and(body_json(serde_json::json!({"name": "n"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"id": 7})))
        .expect(1)
        .mount(&server)
        .await;
    let http = transport(&server, "/api/v3/", Auth::bearer(Secret::new("tok")));
    let seg = mosaic_providers::http::path::segment("a/b");
    let item: Item = http
        .post(&format!("/repos/{seg}/items"))
        .query("x", "1 2")
        .json(&serde_json::json!({"name": "n"}))
        .send_json()
        .await
        .unwrap();
    assert_eq!(item, Item { id: 7 });
}

#[tokio::test]
async fn every_auth_kind_reaches_the_server() {
    let server = MockServer::start().await;
    let cases: Vec<(Auth, &str, &str)> = vec![
        (Auth::token("t1"), "authorization", "token t1"),
        (Auth::private_token("t2"), "private-token", "t2"),
        (Auth::basic("u", "p"), "authorization", "Basic dTpw"),
        (Auth::header("X-Key", "t3").unwrap(), "x-key", "t3"),
    ];
    for (i, (auth, name, value)) in cases.into_iter().enumerate() {
        Mock::given(method("GET"))
            .and(path(format!("/k{i}")))
            .and(header(name, value))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
        transport(&server, "", auth)
            .get(&format!("/k{i}"))
            .send_unit()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn error_mapping_table() {
    let server = MockServer::start().await;
    let table: &[(u16, &str, ErrorKind)] = &[
        (400, r#"{"message":"bad"}"#, ErrorKind::InvalidInput),
        (
            401,
            r#"{"message":"Bad credentials"}"#,
            ErrorKind::Unauthenticated,
        ),
        (
            403,
            r#"{"message":"Must have admin rights"}"#,
            ErrorKind::PermissionDenied,
        ),
        (404, r#"{"message":"Not Found"}"#, ErrorKind::NotFound),
        (409, r#"{"message":"conflict"}"#, ErrorKind::Conflict),
        (
            422,
            r#"{"message":"Validation Failed","errors":[{"field":"name","code":"missing_field"}]}"#,
            ErrorKind::InvalidInput,
        ),
        (429, "", ErrorKind::RateLimited),
        (500, "", ErrorKind::Unavailable),
        (503, "", ErrorKind::Unavailable),
    ];
    for (status, body, kind) in table {
        Mock::given(path(format!("/s{status}")))
            .respond_with(ResponseTemplate::new(*status).set_body_string(*body))
            .mount(&server)
            .await;
        let err = transport(&server, "", Auth::None)
            .get(&format!("/s{status}"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), *kind, "status {status}");
        assert_eq!(err.status(), Some(*status));
        assert_eq!(err.provider(), Some("test"));
    }
    let err = transport(&server, "", Auth::None)
        .get("/s422")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("name"));
}

#[tokio::test]
async fn rate_limits_carry_retry_after() {
    let server = MockServer::start().await;
    let date = httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    Mock::given(path("/primary"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("date", date.as_str())
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", "1700000120")
                .set_body_string(r#"{"message":"API rate limit exceeded"}"#),
        )
        .mount(&server)
        .await;
    Mock::given(path("/too-many"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "17"))
        .mount(&server)
        .await;
    let when = httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_045));
    Mock::given(path("/dated"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("date", date.as_str())
                .insert_header("retry-after", when.as_str()),
        )
        .mount(&server)
        .await;
    let http = transport(&server, "", Auth::None);
    let e = http.get("/primary").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
    let e = http.get("/too-many").send().await.unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(17)));
    let e = http.get("/dated").send().await.unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(45)));
}

#[tokio::test]
async fn link_pagination_across_three_pages() {
    let server = MockServer::start().await;
    let base = format!("{}/api", server.uri());
    for page in 1..=3u32 {
        let mut resp = ResponseTemplate::new(200)
            .set_body_json(serde_json::json!([{"id": page}]))
            .insert_header("x-total-count", "3");
        if page < 3 {
            resp = resp.insert_header(
                "link",
                format!(r#"<{base}/items?page={}&per_page=1>; rel="next", <{base}/items?page=3&per_page=1>; rel="last""#, page + 1).as_str(),
            );
        }
        let m = Mock::given(method("GET")).and(path("/api/items"));
        let m = if page == 1 {
            m.and(query_param("per_page", "1"))
                .and(query_param_is_missing("page"))
        } else {
            m.and(query_param("page", page.to_string()))
        };
        m.respond_with(resp).expect(1).mount(&server).await;
    }
    let http = transport(&server, "/api", Auth::None);
    let mut req = PageRequest::with_size(1);
    let mut seen = vec![];
    for _ in 0..10 {
        let resp = http
            .get("/items")
            .page(&req, "per_page", 30, 100)
            .send()
            .await
            .unwrap();
        let items: Vec<Item> = resp.json().unwrap();
        let page = resp.link_page(items);
        assert_eq!(page.total, Some(3));
        seen.extend(page.items.iter().map(|i| i.id));
        match page.next {
            Some(next) => req.cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, vec![1, 2, 3]);
    // a cursor to another host is refused before anything is sent
    let bad = PageRequest {
        cursor: Some(Cursor::new("http://elsewhere.invalid/api/items?page=2")),
        per_page: None,
    };
    let e = http
        .get("/items")
        .page(&bad, "per_page", 30, 100)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("page.cursor"));
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_naming_the_path() {
    let server = MockServer::start().await;
    Mock::given(path("/items"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"[{"id":1},{"id":"two"}]"#))
        .mount(&server)
        .await;
    let e = transport(&server, "", Auth::None)
        .get("/items")
        .send_json::<Vec<Item>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("$[1].id"), "{e}");
    assert_eq!(e.provider(), Some("test"));
}

#[tokio::test]
async fn connect_errors_and_timeouts() {
    // nothing listens on port 9 of loopback
    let http = Transport::builder("test", "http://127.0.0.1:9")
        .build()
        .unwrap();
    let e = http.get("/x").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);

    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let e = transport(&server, "", Auth::None)
        .get("/slow")
        .timeout(Duration::from_millis(50))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn secrets_never_appear_in_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(r#"{"message":"Bearer topsecret123 is not valid"}"#),
        )
        .mount(&server)
        .await;
    let http = transport(&server, "", Auth::bearer("topsecret123"));
    let e = http.get("/x").send().await.unwrap_err();
    let all = format!("{e} {e:?} {http:?}");
    assert!(!all.contains("topsecret123"), "{all}");
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
}

#[tokio::test]
async fn bad_paths_and_base_urls_are_refused() {
    let http = Transport::builder("test", "http://h/api").build().unwrap();
    let seg = mosaic_providers::http::path::segment("..");
    assert_eq!(
        http.url(&format!("/repos/{seg}/x")).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        http.url("/a/%2e%2E/b").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    for bad in ["ftp://h", "not a url", "http://h/api?x=1", "http://u:p@h/"] {
        let e = Transport::builder("test", bad).build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{bad}");
    }
}

#[tokio::test]
async fn a_given_egress_client_is_used() {
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .and(header("user-agent", "mosaic-test/1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let http = Transport::builder("test", server.uri())
        .egress(crate::paused_client("test", &server.uri()))
        .user_agent("mosaic-test/1")
        .build()
        .unwrap();
    http.get("/x").send().await.unwrap();
}

#[tokio::test]
async fn token_cursors_go_back_as_a_query_parameter() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/search"))
        .and(query_param("start_cursor", "abc=="))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"results": [], "next_cursor": null})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let http = transport(&server, "", Auth::None);
    let page = PageRequest {
        cursor: Some(Cursor::new("abc==")),
        per_page: None,
    };
    http.get("/search")
        .cursor_param("start_cursor", &page)
        .send()
        .await
        .unwrap();
    let next: Option<String> = None;
    let p = mosaic_providers::http::pagination::body_next_page(vec![1u8], next, Some(1));
    assert_eq!((p.next, p.total), (None, Some(1)));
}
