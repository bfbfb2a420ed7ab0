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

fn loopback(s: &MockServer) -> Value {
    json!({"network": {"hosts": [format!("127.0.0.1:{}", port(s))], "allowHttp": true}})
}

#[tokio::test]
async fn allowed_host_passes_other_hosts_are_refused_before_sending() {
    let allowed = server().await;
    let other = server().await;
    let ctx = context(loopback(&allowed));
    let http = ctx.http();

    let ok = http
        .execute(http.get(&format!("{}/ok", allowed.uri())).unwrap())
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
    assert!(e.to_string().contains("grant_hosts(\"netty\""), "{e}");
    assert_eq!(e.provider(), Some("netty"));
    // the same address on another port is another server
    assert!(!http.allows(&format!("{}/ok", other.uri())));
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
    Mock::given(path("/port"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("http://127.0.0.1:{}/ok", port(&other))),
        )
        .mount(&allowed)
        .await;
    Mock::given(path("/home"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/ok"))
        .mount(&allowed)
        .await;
    let ctx = context(loopback(&allowed));
    let http = ctx.http();

    // a redirect to the same host is followed
    let r = http
        .execute(http.get(&format!("{}/home", allowed.uri())).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // a redirect to another host, or another port of the same address, is
    // refused, and nothing reaches it
    for hop in ["/away", "/port"] {
        let e = http
            .execute(http.get(&format!("{}{hop}", allowed.uri())).unwrap())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
        assert!(e.to_string().contains("redirect refused"), "{e}");
    }
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn plain_http_only_when_allowed_and_ports_when_given() {
    let s = server().await;
    let https_only = context(json!({"network": ["127.0.0.1"]}));
    let e = https_only.http().get("http://127.0.0.1/ok").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert!(e.to_string().contains("plain http"), "{e}");
    assert!(https_only.http().allows("https://127.0.0.1/ok"));
    assert!(!https_only.http().allows("https://127.0.0.1:8443/ok"));
    assert!(!https_only.http().allows("ftp://127.0.0.1/ok"));

    let other = server().await;
    let pinned = context(loopback(&s));
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
async fn a_request_pointed_elsewhere_after_the_check_is_still_refused() {
    let allowed = server().await;
    let other = server().await;
    let ctx = context(loopback(&allowed));
    // the URL of a checked request is changed before sending: to another
    // port of the allowed address, to an IP literal, to another name
    for target in [
        format!("http://127.0.0.1:{}/ok", port(&other)),
        format!("http://2130706433:{}/ok", port(&other)),
        format!("http://localhost:{}/ok", port(&other)),
    ] {
        let mut req = ctx.http().get(&format!("{}/ok", allowed.uri())).unwrap();
        *req.url_mut() = url::Url::parse(&target).unwrap();
        let e = ctx.http().execute(req).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{target}: {e}");
    }
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn grants_add_hosts_the_manifest_does_not_declare() {
    let s = server().await;
    let m = manifest(json!({}));
    let ctx = PluginContext::builder(&m)
        .grant_hosts([mosaic_plugin_sdk::HostPattern::new(&format!(
            "http://127.0.0.1:{}",
            port(&s)
        ))
        .unwrap()])
        .build();
    let r = ctx
        .http()
        .execute(ctx.http().get(&format!("{}/ok", s.uri())).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        !ctx.http()
            .allows(&format!("https://127.0.0.1:{}/ok", port(&s)))
    );
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

#[tokio::test]
async fn below_verified_a_declared_name_may_not_resolve_to_an_internal_address() {
    let s = server().await;
    // `localhost` stands for any public-looking name pointed at 127.0.0.1.
    let perms =
        json!({"network": {"hosts": [format!("localhost:{}", port(&s))], "allowHttp": true}});
    let m = manifest(perms);
    let url = format!("http://localhost:{}/ok", port(&s));

    let community = PluginContext::builder(&m)
        .trust(TrustLevel::Community)
        .build();
    let e = community
        .http()
        .execute(community.http().get(&url).unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(e.to_string().contains("internal address"), "{e}");
    assert!(s.received_requests().await.unwrap().is_empty());

    // Granted by the host: allowed.
    let granted = PluginContext::builder(&m)
        .trust(TrustLevel::Community)
        .grant_hosts([mosaic_plugin_sdk::HostPattern::new(&format!(
            "http://localhost:{}",
            port(&s)
        ))
        .unwrap()])
        .build();
    let r = granted
        .http()
        .execute(granted.http().get(&url).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Internal trust: allowed.
    let internal = PluginContext::builder(&m).build();
    let r = internal
        .http()
        .execute(internal.http().get(&url).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
