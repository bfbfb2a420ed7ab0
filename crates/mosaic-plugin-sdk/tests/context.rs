//! The plugin context: the allowlisted HTTP client (against local servers),
//! environment and file permissions, secrets, and trust cutting permissions.

use mosaic_core::ErrorKind;
use mosaic_plugin_sdk::config::Env;
use mosaic_plugin_sdk::manifest::FilesystemPermission;
use mosaic_plugin_sdk::{PluginConfig, PluginContext, PluginManifest, TrustLevel};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn manifest(permissions: Value) -> PluginManifest {
    PluginManifest::from_value(&json!({
        "id": "netty", "name": "Netty", "version": "1.0.0", "families": ["git"],
        "provider": "netty", "engines": {"mosaic": "*"},
        "permissions": permissions,
        "config": {"schema": {"type": "object", "properties": {
            "token": {"type": "string", "x-secret": true},
            "url": {"type": "string"}
        }}}
    }))
    .unwrap()
}

fn context(permissions: Value) -> PluginContext {
    PluginContext::builder(&manifest(permissions)).build()
}

async fn server() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ok"))
        .respond_with(ResponseTemplate::new(200).set_body_string("fine"))
        .mount(&s)
        .await;
    s
}

fn port(s: &MockServer) -> u16 {
    s.address().port()
}

#[tokio::test]
async fn allowed_host_passes_other_hosts_are_refused_before_sending() {
    let allowed = server().await;
    let other = server().await;
    let ctx = context(json!({"network": {"hosts": ["127.0.0.1"], "allowHttp": true}}));
    let http = ctx.http();

    let ok = http
        .send(http.get(&format!("{}/ok", allowed.uri())).unwrap())
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "fine");

    // the other server, reached by a name outside the allowlist
    let e = http
        .get(&format!("http://localhost:{}/ok", port(&other)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert!(e.to_string().contains("host `localhost:"), "{e}");
    assert!(
        e.to_string()
            .contains("not in the plugin's network allowlist"),
        "{e}"
    );
    assert_eq!(e.provider(), Some("netty"));
    assert!(!http.allows("https://example.com/"));
    assert!(http.allows(&format!("{}/ok", allowed.uri())));
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn redirects_are_checked_hop_by_hop() {
    let allowed = server().await;
    let other = server().await;
    Mock::given(path("/away"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("http://localhost:{}/ok", port(&other))),
        )
        .mount(&allowed)
        .await;
    Mock::given(path("/home"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/ok"))
        .mount(&allowed)
        .await;
    let ctx = context(json!({"network": {"hosts": ["127.0.0.1"], "allowHttp": true}}));
    let http = ctx.http();

    // a redirect to the same host is followed
    let r = http
        .send(http.get(&format!("{}/home", allowed.uri())).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // a redirect to another host is refused, and nothing reaches it
    let e = http
        .send(http.get(&format!("{}/away", allowed.uri())).unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(e.to_string().contains("redirect refused"), "{e}");
    assert!(other.received_requests().await.unwrap().is_empty());

    // the same holds when the builder is sent directly with reqwest
    let raw = http
        .get(&format!("{}/away", allowed.uri()))
        .unwrap()
        .send()
        .await
        .unwrap_err();
    assert!(raw.is_redirect(), "{raw}");
    assert_eq!(http.map_error(&raw).kind(), ErrorKind::PermissionDenied);
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn plain_http_only_when_allowed_and_ports_when_given() {
    let s = server().await;
    let https_only = context(json!({"network": ["127.0.0.1"]}));
    let e = https_only
        .http()
        .get(&format!("{}/ok", s.uri()))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert!(e.to_string().contains("plain http"), "{e}");
    assert!(https_only.http().allows("https://127.0.0.1/ok"));
    assert!(!https_only.http().allows("ftp://127.0.0.1/ok"));

    let other = server().await;
    let pinned = context(
        json!({"network": {"hosts": [format!("127.0.0.1:{}", port(&s))], "allowHttp": true}}),
    );
    assert!(pinned.http().allows(&format!("{}/ok", s.uri())));
    assert!(!pinned.http().allows(&format!("{}/ok", other.uri())));

    let globbed = context(json!({"network": ["*.example.com"]}));
    assert!(globbed.http().allows("https://API.example.com/v1"));
    assert!(globbed.http().allows("https://a.b.example.com/"));
    assert!(!globbed.http().allows("https://example.com/"));
    assert!(!globbed.http().allows("https://example.com.evil.net/"));

    let nothing = context(json!({}));
    assert_eq!(
        nothing
            .http()
            .get("https://api.github.com/")
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
}

#[tokio::test]
async fn the_inner_client_refuses_names_outside_the_allowlist() {
    let allowed = server().await;
    let other = server().await;
    let ctx = context(json!({"network": {"hosts": ["127.0.0.1"], "allowHttp": true}}));
    // even a request that bypasses the wrapper's check cannot resolve other names
    let (client, _) = ctx
        .http()
        .get(&format!("{}/ok", allowed.uri()))
        .unwrap()
        .build_split();
    let e = client
        .get(format!("http://localhost:{}/ok", port(&other)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        ctx.http().map_error(&e).kind(),
        ErrorKind::PermissionDenied,
        "{e:?}"
    );
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn environment_only_by_declared_name() {
    let m = manifest(json!({"environment": ["NETTY_TOKEN", "NETTY_UNSET"]}));
    let ctx = PluginContext::builder(&m)
        .env(Env::fixed([("NETTY_TOKEN", "t0k3n"), ("HOME", "/root")]))
        .build();
    assert_eq!(ctx.env("NETTY_TOKEN").unwrap().as_deref(), Some("t0k3n"));
    assert_eq!(ctx.env("NETTY_UNSET").unwrap(), None);
    assert_eq!(
        ctx.env_secret("NETTY_TOKEN").unwrap().unwrap().expose(),
        "t0k3n"
    );
    let e = ctx.env("HOME").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert!(e.to_string().contains("`HOME`"), "{e}");
}

#[tokio::test]
async fn files_only_below_declared_readonly_paths() {
    let allowed = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(allowed.path().join("ca.pem"), "cert").unwrap();
    std::fs::write(outside.path().join("secret"), "no").unwrap();
    let ctx = context(json!({"filesystem": {"readonly": [allowed.path()]}}));
    assert_eq!(
        ctx.read_file(allowed.path().join("ca.pem")).await.unwrap(),
        b"cert"
    );
    let e = ctx
        .read_file(outside.path().join("secret"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    // no escaping through `..` or a symbolic link
    let sneaky = allowed
        .path()
        .join("..")
        .join(outside.path().file_name().unwrap())
        .join("secret");
    assert_eq!(
        ctx.read_file(&sneaky).await.unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path().join("secret"), allowed.path().join("link"))
            .unwrap();
        assert_eq!(
            ctx.read_file(allowed.path().join("link"))
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::PermissionDenied
        );
    }
    let none = context(json!({"filesystem": "none"}));
    assert_eq!(
        none.read_file(allowed.path().join("ca.pem"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
}

#[tokio::test]
async fn secrets_come_from_the_context_and_never_print() {
    let m = manifest(json!({}));
    let config = PluginConfig::resolve(
        &m,
        Some(&json!({"token": "ghp_abcdef123456", "url": "https://x"})),
        &Env::fixed::<&str, &str>([]),
    )
    .unwrap();
    let ctx = PluginContext::builder(&m)
        .config(config)
        .trust(TrustLevel::Verified)
        .build();
    assert_eq!(ctx.secret("token").unwrap().expose(), "ghp_abcdef123456");
    assert_eq!(ctx.config().get_str("url"), Some("https://x"));
    let dbg = format!("{ctx:?}");
    assert!(!dbg.contains("ghp_abcdef123456"), "{dbg}");
    assert_eq!(ctx.trust(), TrustLevel::Verified);
    assert_eq!(ctx.permissions().filesystem, FilesystemPermission::None);
    assert_eq!(ctx.id(), "netty");
    // the state store is shared by clones of the context
    ctx.clone().state().set("k", json!(1)).await.unwrap();
    assert_eq!(ctx.state().get("k"), Some(json!(1)));
    ctx.metrics().counter("mosaic_test_total").increment(1);
}
