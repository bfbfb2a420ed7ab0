//! The trust boundary of the send core: request paths never leave the base
//! path, downloads follow redirects only to allowed hosts and without
//! credentials, directly built providers reach only their own origin,
//! secrets stay out of errors, `Debug` and traces, and no provider module
//! builds its own HTTP client or request.

use std::io::Write;
use std::sync::{Arc, Mutex};

use mosaic_core::{ErrorKind, Secret};
use mosaic_providers::http::{Auth, Transport};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn transport(base: &str) -> Transport {
    Transport::builder("test", base).build().unwrap()
}

#[test]
fn reported_escapes_are_refused() {
    let t = transport("https://api.example.com/api/v3");
    for p in [
        "/..\\..\\..\\admin",
        "/.\t.\\admin",
        "/.\r.\\admin",
        "/.\n./admin",
        "/%2e%2e/admin",
        "/a/../../admin",
        "/repos\\..\\..\\admin",
    ] {
        let e = t.url(p).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{p:?}");
    }
    assert_eq!(
        t.url("/repos/o/r").unwrap().as_str(),
        "https://api.example.com/api/v3/repos/o/r"
    );
}

proptest! {
    #[test]
    fn no_path_leaves_the_base_path(p in "/[a-z./\\\\%\t\r\n 2eE?#]{0,24}") {
        let t = transport("https://api.example.com/api/v3");
        if let Ok(url) = t.url(&p) {
            prop_assert_eq!(url.host_str(), Some("api.example.com"));
            prop_assert!(url.path().starts_with("/api/v3/"), "{} -> {}", p, url);
            prop_assert!(!url.path().split('/').any(|s| s == ".." || s == "."), "{}", url);
            let rest = &url.path()["/api/v3/".len()..];
            prop_assert_eq!(rest.split('/').count(), p.split('/').count() - 1);
        }
    }
}

#[tokio::test]
async fn downloads_follow_redirects_only_to_allowed_hosts_without_credentials() {
    let api = MockServer::start().await;
    let storage = MockServer::start().await;
    Mock::given(path("/api/logs"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{}/blob", storage.uri())),
        )
        .mount(&api)
        .await;
    Mock::given(path("/blob"))
        .respond_with(ResponseTemplate::new(200).set_body_string("log text"))
        .mount(&storage)
        .await;

    // Not allowed: refused before anything reaches the storage host.
    let confined = Transport::builder("test", format!("{}/api", api.uri()))
        .auth(Auth::private_token(Secret::new("glpat-secret")))
        .build()
        .unwrap();
    let e = confined
        .get("/logs")
        .follow_redirects()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(e.to_string().contains("redirect refused"), "{e}");
    assert!(storage.received_requests().await.unwrap().is_empty());

    // An ordinary request does not follow a redirect to another origin.
    let e = confined.get("/logs").send().await.unwrap_err();
    assert_ne!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(storage.received_requests().await.unwrap().is_empty());

    // Allowed: followed, and the credentials stay behind.
    let allowed = Transport::builder("test", format!("{}/api", api.uri()))
        .auth(Auth::private_token(Secret::new("glpat-secret")))
        .allow_hosts([format!("http://127.0.0.1:{}", storage.address().port())])
        .build()
        .unwrap();
    let body = allowed
        .get("/logs")
        .follow_redirects()
        .send()
        .await
        .unwrap();
    assert_eq!(body.text(), "log text");
    let got = storage.received_requests().await.unwrap();
    assert_eq!(got.len(), 1);
    assert!(!got[0].headers.contains_key("private-token"));
    assert!(!got[0].headers.contains_key("authorization"));
    let first = api.received_requests().await.unwrap();
    assert_eq!(
        first.last().unwrap().headers["private-token"],
        "glpat-secret"
    );
}

#[test]
fn an_invalid_allowed_host_is_a_config_error() {
    let e = Transport::builder("test", "https://api.example.com")
        .allow_hosts(["storage.example.com/path"])
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
}

#[tokio::test]
async fn a_base_url_off_the_egress_allowlist_is_refused_with_the_grant_to_add() {
    let http = mosaic_plugin_sdk::HttpClient::new(
        "gitea",
        mosaic_plugin_sdk::Allowlist::default(),
        "ua",
        None,
    );
    let e = Transport::builder("gitea", "https://git.internal.example:3000/api/v1")
        .egress(http)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert!(
        e.to_string()
            .contains("grant_hosts(\"gitea\", [\"git.internal.example:3000\"])"),
        "{e}"
    );
}

/// Collects everything a tracing subscriber writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything a failing call can show: the error's text, `Debug` and
/// source chain, the transport's `Debug`, and what tracing recorded.
async fn everything_shown(secret: &str, server: &MockServer) -> String {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut shown = String::new();

    // Secrets in base URLs: query, path, userinfo, unparseable text.
    for base in [
        format!("https://h.example.com/api?token={secret}"),
        format!("https://user:{secret}@h.example.com/api"),
        format!("ftp://h.example.com/{secret}"),
        format!("not a url {secret}"),
    ] {
        let e = Transport::builder("test", base).build().unwrap_err();
        shown.push_str(&format!("{e} {e:?}\n"));
    }
    // A secret in a base path: Debug, and a request that fails to connect.
    let t = Transport::builder("test", format!("http://127.0.0.1:9/hooks/{secret}"))
        .auth(Auth::bearer(Secret::new(secret)))
        .build()
        .unwrap();
    shown.push_str(&format!("{t:?}\n"));
    let e = t.get("/x").send().await.unwrap_err();
    shown.push_str(&format!("{e} {e:?}\n"));
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        shown.push_str(&format!("{s}\n"));
        source = s.source();
    }
    // A server that echoes the credential headers back.
    for auth in [
        Auth::private_token(Secret::new(secret)),
        Auth::header("x-api-key", Secret::new(secret)).unwrap(),
        Auth::bearer(Secret::new(secret)),
    ] {
        let t = Transport::builder("test", format!("{}/echo", server.uri()))
            .auth(auth)
            .build()
            .unwrap();
        let e = t.get("/fail").send().await.unwrap_err();
        shown.push_str(&format!("{e} {e:?}\n"));
    }
    shown.push_str(&String::from_utf8_lossy(&capture.0.lock().unwrap()));
    shown
}

#[tokio::test]
async fn random_secrets_never_show() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = "[A-Za-z0-9]{12,32}";
    for _ in 0..16 {
        let secret = strategy.new_tree(&mut runner).unwrap().current();
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/echo/fail"))
            .respond_with(ResponseTemplate::new(400).set_body_string(format!(
                "bad request; you sent private-token: {secret}, x-api-key: {secret}, \
                 Authorization: Bearer {secret}"
            )))
            .mount(&server)
            .await;
        let shown = everything_shown(&secret, &server).await;
        assert!(!shown.contains(&secret), "{secret} shown in:\n{shown}");
    }
}

#[test]
fn no_provider_module_builds_its_own_client_or_request() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                if p != src.join("http") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for needle in [
                    "reqwest::Client",
                    "reqwest::Request",
                    "ClientBuilder",
                    "reqwest::get(",
                ] {
                    if text.contains(needle) {
                        offenders.push(format!("{}: {needle}", p.display()));
                    }
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}
