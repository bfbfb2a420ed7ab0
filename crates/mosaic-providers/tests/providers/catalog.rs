//! The forge plugins: manifests (plugin.json + config schema) parse, their
//! declared capabilities match the providers', configuration is validated
//! against the schema, and an instance only starts for an allowlisted base
//! URL.
#![cfg(all(
    feature = "github",
    feature = "gitea",
    feature = "gitlab",
    feature = "bitbucket"
))]

use mosaic_core::git::{GitOp, GitProvider, RepoRef};
use mosaic_core::{ErrorKind, Family, OpKind};
use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext, PluginFactory};
use mosaic_providers::bitbucket::Bitbucket;
use mosaic_providers::catalog;
use mosaic_providers::gitea::Gitea;
use mosaic_providers::github::GitHub;
use mosaic_providers::gitlab::GitLab;
use serde_json::{Value, json};
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn factory(id: &str) -> std::sync::Arc<dyn PluginFactory> {
    catalog::factories()
        .unwrap()
        .into_iter()
        .find(|f| f.manifest().id == id)
        .unwrap_or_else(|| panic!("no factory `{id}`"))
}

#[test]
fn every_manifest_parses_and_declares_the_providers_capabilities() {
    let factories = catalog::factories().unwrap();
    let ids: Vec<&str> = factories.iter().map(|f| f.manifest().id.as_str()).collect();
    let forges: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| ["github", "gitea", "gitlab", "bitbucket"].contains(id))
        .collect();
    assert_eq!(forges, ["github", "gitea", "gitlab", "bitbucket"]);
    let caps = [
        ("github", GitHub::operations()),
        ("gitea", Gitea::operations()),
        ("gitlab", GitLab::operations()),
        ("bitbucket", Bitbucket::operations()),
    ];
    for (id, provider_caps) in caps {
        let m = factory(id).manifest().clone();
        assert_eq!(m.provider, id);
        assert_eq!(m.families, [Family::Git]);
        assert!(m.config.schema.is_some(), "{id}: config schema attached");
        let declared = m
            .capabilities
            .get(&Family::Git)
            .cloned()
            .unwrap_or_default();
        let mut declared: Vec<&str> = declared.to_vec();
        declared.sort_unstable();
        let mut actual: Vec<&str> = provider_caps.names().collect();
        actual.sort_unstable();
        assert_eq!(
            declared, actual,
            "{id}: manifest capabilities match the provider"
        );
        assert!(
            !m.permissions.network.hosts.is_empty(),
            "{id}: declares its hosts"
        );
    }
    assert!(!Bitbucket::operations().supports(GitOp::CreateRelease));
    assert_eq!(
        <GitOp as OpKind>::ALL.len(),
        GitHub::operations().names().count()
    );
}

#[test]
fn configuration_is_validated_with_defaults_and_secrets() {
    let m = factory("github").manifest().clone();
    let cfg = PluginConfig::resolve(
        &m,
        Some(&json!({"auth": {"type": "token", "token": "ghp_secret"}})),
        &Env::fixed::<&str, &str>([]),
    )
    .unwrap();
    assert_eq!(
        cfg.get("base_url"),
        Some(&json!("https://api.github.com")),
        "default applied"
    );
    assert_eq!(cfg.get("timeout_secs"), Some(&json!(30)));
    assert!(
        !cfg.redacted().to_string().contains("ghp_secret"),
        "{}",
        cfg.redacted()
    );
    let parsed: mosaic_providers::github::GitHubConfig = cfg.parse().unwrap();
    assert_eq!(parsed.base_url, "https://api.github.com");

    let bad: &[(&str, Value)] = &[
        ("github", json!({"auth": {"type": "token"}})),
        (
            "github",
            json!({"auth": {"type": "app", "app_id": "1", "installation_id": 0, "private_key": "k"}}),
        ),
        ("gitea", json!({"auth": {"type": "token", "token": "t"}})),
        (
            "gitlab",
            json!({"auth": {"type": "private_token", "token": "t"}, "timeout_secs": -1}),
        ),
        (
            "bitbucket",
            json!({"auth": {"type": "app_password", "username": "u"}}),
        ),
        (
            "bitbucket",
            json!({"auth": {"type": "access_token", "token": "t"}, "retry": {"max_attempts": 3}}),
        ),
        (
            "gitlab",
            json!({"auth": {"type": "oauth", "token": "t"}, "surprise": true}),
        ),
    ];
    for (id, value) in bad {
        let m = factory(id).manifest().clone();
        let e = PluginConfig::resolve(&m, Some(value), &Env::fixed::<&str, &str>([])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{id}: {value}");
    }
    let good: &[(&str, Value)] = &[
        (
            "gitea",
            json!({"base_url": "https://git.example.com/api/v1", "auth": {"type": "basic", "username": "u", "password": "p"}}),
        ),
        (
            "gitlab",
            json!({"auth": {"type": "oauth", "token": "t"}, "timeout_secs": 5}),
        ),
        (
            "bitbucket",
            json!({"auth": {"type": "app_password", "username": "u", "app_password": "p"}, "user_agent": "host/1"}),
        ),
        (
            "github",
            json!({"base_url": "https://ghe.example.com/api/v3", "auth": {"type": "app", "app_id": "1", "installation_id": 2, "private_key": "k"}}),
        ),
    ];
    for (id, value) in good {
        let m = factory(id).manifest().clone();
        PluginConfig::resolve(&m, Some(value), &Env::fixed::<&str, &str>([]))
            .unwrap_or_else(|e| panic!("{id}: {e:?}"));
    }
}

#[tokio::test]
async fn an_instance_starts_only_for_an_allowlisted_base_url() {
    let f = factory("gitlab");
    let m = f.manifest().clone();
    // gitlab.com is declared; another host is not
    let cfg = PluginConfig::resolve(&m, Some(&json!({"base_url": "https://gitlab.internal.example/api/v4", "auth": {"type": "private_token", "token": "t"}})), &Env::fixed::<&str, &str>([])).unwrap();
    let mut plugin = f.create().unwrap();
    let e = plugin
        .initialize(PluginContext::builder(&m).build(), cfg)
        .await
        .expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(plugin.services().git.is_none());

    let cfg = PluginConfig::resolve(
        &m,
        Some(&json!({"auth": {"type": "private_token", "token": "t"}})),
        &Env::fixed::<&str, &str>([]),
    )
    .unwrap();
    let mut plugin = f.create().unwrap();
    plugin
        .initialize(PluginContext::builder(&m).build(), cfg)
        .await
        .unwrap();
    let git = plugin.services().git.expect("a git service");
    assert!(git.capabilities().supports(GitOp::CreatePullRequest));
}

#[tokio::test]
async fn a_granted_host_serves_calls() {
    let s = MockServer::start().await;
    Mock::given(path("/api/v1/repos/team/app"))
        .and(header("authorization", "token t"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": 1, "name": "app", "full_name": "team/app", "owner": {"login": "team"}}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let f = factory("gitea");
    let m = f.manifest().clone();
    let mut perms = m.permissions.clone();
    perms.network.hosts = vec![format!("127.0.0.1:{}", s.address().port())];
    perms.network.allow_http = true;
    let cfg = PluginConfig::resolve(&m, Some(&json!({"base_url": format!("{}/api/v1", s.uri()), "auth": {"type": "token", "token": "t"}})), &Env::fixed::<&str, &str>([])).unwrap();
    let mut plugin = f.create().unwrap();
    plugin
        .initialize(PluginContext::builder(&m).permissions(perms).build(), cfg)
        .await
        .unwrap();
    let repo = plugin
        .services()
        .git
        .unwrap()
        .get_repository(RepoRef::new("team", "app"))
        .await
        .unwrap();
    assert_eq!(repo.full_name, "team/app");
}
