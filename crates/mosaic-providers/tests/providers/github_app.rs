//! GitHub App auth: the app JWT, the installation token exchange, caching,
//! refresh before expiry (on paused time) and refresh after a 401.
#![cfg(feature = "github")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use mosaic_core::Secret;
use mosaic_core::git::{GitProvider, RepoRef};
use mosaic_providers::github::app::AppCredentials;
use mosaic_providers::github::{GitHub, GitHubConfig};
use mosaic_providers::http::Transport;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = include_str!("../fixtures/github-app-test-key.pem");
const PUB: &str = include_str!("../fixtures/github-app-test-key.pub.pem");
const T0: u64 = 1_700_000_000;

fn fixed_clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0)
}

/// A client without pooled connections, so no idle timers run while time
/// is paused.
fn token_response(token: &str, life: u64) -> ResponseTemplate {
    let date = httpdate::fmt_http_date(fixed_clock());
    let expires =
        humantime::format_rfc3339_seconds(fixed_clock() + Duration::from_secs(life)).to_string();
    ResponseTemplate::new(201)
        .insert_header("date", date.as_str())
        .set_body_json(json!({"token": token, "expires_at": expires, "permissions": {"contents": "read"}, "repository_selection": "all"}))
}

fn repo() -> serde_json::Value {
    json!({"id": 1, "name": "r", "full_name": "o/r", "owner": {"login": "o"}})
}

#[derive(serde::Deserialize)]
struct Claims {
    iat: u64,
    exp: u64,
    iss: String,
}

#[test]
fn app_jwt_is_rs256_with_documented_claims() {
    let http = Transport::builder("github", "http://127.0.0.1:9")
        .build()
        .unwrap();
    let creds = AppCredentials::new("12345", 42, &Secret::new(KEY), http)
        .unwrap()
        .with_wall_clock(fixed_clock);
    let jwt = creds.app_jwt().unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_exp = false;
    v.set_required_spec_claims(&["iss", "exp", "iat"]);
    let data = jsonwebtoken::decode::<Claims>(
        jwt.expose(),
        &DecodingKey::from_rsa_pem(PUB.as_bytes()).unwrap(),
        &v,
    )
    .unwrap();
    assert_eq!(data.header.alg, Algorithm::RS256);
    assert_eq!(data.claims.iss, "12345");
    assert_eq!(data.claims.iat, T0 - 60);
    assert_eq!(data.claims.exp, T0 + 540);
    assert!(
        data.claims.exp - data.claims.iat <= 600,
        "GitHub allows at most 10 minutes"
    );
}

#[test]
fn bad_private_key_is_a_config_error_without_the_key() {
    let http = Transport::builder("github", "http://127.0.0.1:9")
        .build()
        .unwrap();
    let e = AppCredentials::new(
        "1",
        1,
        &Secret::new("-----BEGIN RSA PRIVATE KEY-----\nnot-a-key\n"),
        http,
    )
    .unwrap_err();
    assert_eq!(e.kind(), mosaic_core::ErrorKind::Config);
    assert!(!e.to_string().contains("not-a-key"));
}

#[tokio::test(start_paused = true)]
async fn installation_token_is_cached_and_refreshed_before_expiry() {
    let s = MockServer::start().await;
    // the first exchange hands out tok-1, the second tok-2
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c2 = calls.clone();
    Mock::given(method("POST"))
        .and(path("/app/installations/42/access_tokens"))
        .respond_with(move |req: &Request| {
            let auth = req
                .headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            assert!(
                auth.starts_with("Bearer ey"),
                "the app JWT is sent as Bearer"
            );
            let n = c2.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            token_response(&format!("ghs_tok-{n}"), 3600)
        })
        .expect(2)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r"))
        .and(header("authorization", "Bearer ghs_tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo()))
        .expect(2)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r"))
        .and(header("authorization", "Bearer ghs_tok-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo()))
        .expect(1)
        .mount(&s)
        .await;
    let mut cfg = GitHubConfig::app("12345", 42, Secret::new(KEY)).with_base_url(s.uri());
    cfg.http.timeout_secs = 0;
    cfg.http.connect_timeout_secs = 0;
    let gh = GitHub::with_client(cfg, crate::paused_client("github", &s.uri())).unwrap();
    let r = RepoRef::new("o", "r");
    gh.get_repository(r.clone()).await.unwrap();
    // 50 minutes later the token (valid 60, refreshed 5 before) is reused
    tokio::time::advance(Duration::from_secs(50 * 60)).await;
    gh.get_repository(r.clone()).await.unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    // past 55 minutes it is replaced before use
    tokio::time::advance(Duration::from_secs(6 * 60)).await;
    gh.get_repository(r).await.unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_401_drops_the_cached_token() {
    let s = MockServer::start().await;
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c2 = calls.clone();
    Mock::given(method("POST"))
        .and(path("/app/installations/7/access_tokens"))
        .respond_with(move |_: &Request| {
            let n = c2.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            token_response(&format!("ghs_t{n}"), 3600)
        })
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer ghs_t1"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "Bad credentials"})),
        )
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer ghs_t2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo()))
        .mount(&s)
        .await;
    let gh =
        GitHub::new(GitHubConfig::app("1", 7, Secret::new(KEY)).with_base_url(s.uri())).unwrap();
    let e = gh.get_repository(RepoRef::new("o", "r")).await.unwrap_err();
    assert_eq!(e.kind(), mosaic_core::ErrorKind::Unauthenticated);
    gh.get_repository(RepoRef::new("o", "r")).await.unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    // the token never shows in debug output
    let dbg = format!("{gh:?} {:?}", gh.transport().credentials());
    assert!(
        !dbg.contains("ghs_t") && !dbg.contains("PRIVATE KEY"),
        "{dbg}"
    );
    let _ = gh.transport().credentials().auth().await.unwrap();
}

#[tokio::test]
async fn failed_exchange_is_reported() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/app/installations/9/access_tokens"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&s)
        .await;
    let gh =
        GitHub::new(GitHubConfig::app("1", 9, Secret::new(KEY)).with_base_url(s.uri())).unwrap();
    let e = gh.get_repository(RepoRef::new("o", "r")).await.unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(
        s.received_requests().await.unwrap().len(),
        1,
        "no API call without a token"
    );
}
