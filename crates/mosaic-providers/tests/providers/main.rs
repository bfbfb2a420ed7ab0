//! Integration tests of every provider against recorded HTTP exchanges (wiremock),
//! in one test binary so the HTTP/TLS stack is linked once.

mod ai_conformance;
mod ai_failover;
mod ai_gateway;
mod ai_stream;
mod ai_truncation;
mod anthropic;
mod bitbucket;
mod bookstack;
mod catalog;
mod config_schemas;
mod confluence;
mod conformance_cicd;
mod conformance_git;
mod conformance_kb;
mod conformance_project;
mod convert;
mod convert_fixpoint;
mod convert_limits;
mod gitea;
mod gitea_merge;
mod github;
mod github_actions;
mod github_app;
mod github_dialect;
mod github_webhook;
mod gitlab;
mod gitlab_ci;
mod http_transport;
mod jenkins;
mod jira;
mod linear;
mod n8n;
mod notion;
mod ollama;
mod openai;
mod plugin_host;
mod prices;
mod run_pipeline;
mod trust_boundary;
mod wikijs;
mod woodpecker;

/// An allowlisted client confined to `uri`'s origin that keeps no idle
/// connections (for tests on paused time).
pub(crate) fn paused_client(provider: &str, uri: &str) -> mosaic_plugin_sdk::HttpClient {
    let url = url::Url::parse(uri).unwrap();
    mosaic_plugin_sdk::HttpClient::new(
        provider,
        mosaic_plugin_sdk::Allowlist::for_url(&url),
        "mosaic-test",
        None,
    )
    .without_idle_pool()
}

/// An allowlisted client granted plain http to each of `servers`.
pub(crate) fn allowing(
    provider: &str,
    servers: &[&wiremock::MockServer],
) -> mosaic_plugin_sdk::HttpClient {
    let mut allow = mosaic_plugin_sdk::Allowlist::default();
    allow.grant(servers.iter().map(|s| {
        mosaic_plugin_sdk::HostPattern::new(&format!("http://127.0.0.1:{}", s.address().port()))
            .unwrap()
    }));
    mosaic_plugin_sdk::HttpClient::new(provider, allow, "mosaic-test", None)
}
