//! Every provider of the catalog started through a real `PluginHost`
//! against a loopback server the host granted, one call each; without the
//! grant, the plugin does not start.
#![cfg(feature = "full")]

use mosaic_core::ErrorKind;
use mosaic_core::ai::{AiProvider, ListModels};
use mosaic_core::cicd::{CiCdProvider, ListPipelines};
use mosaic_core::git::{GitProvider, ListRepositories};
use mosaic_core::kb::{KnowledgeBaseProvider, ListSpaces};
use mosaic_core::project::{ListProjects, ProjectProvider};
use mosaic_core::workflow::{ListWorkflows, WorkflowProvider};
use mosaic_plugin_sdk::{Env, PluginHandle, PluginHost};
use mosaic_providers::catalog;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A configuration for each provider with its base URL at `base`.
fn config(id: &str, base: &str) -> Value {
    match id {
        "github" | "github-actions" => {
            json!({"base_url": base, "auth": {"type": "token", "token": "ghp_t"}})
        }
        "gitea" => {
            json!({"base_url": format!("{base}/api/v1"), "auth": {"type": "token", "token": "t"}})
        }
        "gitlab" | "gitlab-ci" => {
            json!({"base_url": format!("{base}/api/v4"), "auth": {"type": "private_token", "token": "glpat-t"}})
        }
        "bitbucket" => {
            json!({"base_url": format!("{base}/2.0"), "auth": {"type": "access_token", "token": "t"}})
        }
        "jenkins" => json!({"base_url": base, "username": "u", "api_token": "t"}),
        "woodpecker" => json!({"base_url": base, "token": "t"}),
        "openai" => json!({"base_url": format!("{base}/v1"), "api_key": "sk-t"}),
        "anthropic" => json!({"base_url": base, "api_key": "sk-ant-t"}),
        "ollama" => json!({"base_url": base}),
        "notion" => json!({"base_url": format!("{base}/v1"), "token": "secret_t"}),
        "bookstack" => {
            json!({"base_url": format!("{base}/api"), "token_id": "i", "token_secret": "s"})
        }
        "confluence" | "jira" => {
            json!({"base_url": base, "email": "a@example.com", "api_token": "t"})
        }
        "wikijs" => json!({"base_url": base, "token": "t"}),
        "n8n" => json!({"base_url": base, "api_key": "k"}),
        "linear" => json!({"base_url": base, "api_key": "lin_api_t"}),
        other => panic!("no configuration for `{other}`"),
    }
}

/// One read call through the handle's family.
async fn call(id: &str, h: &PluginHandle) -> mosaic_core::Result<()> {
    match id {
        "github" | "gitea" | "gitlab" | "bitbucket" => h
            .list_repositories(ListRepositories {
                owner: Some("team".into()),
                ..Default::default()
            })
            .await
            .map(drop),
        "github-actions" | "gitlab-ci" | "jenkins" | "woodpecker" => h
            .list_pipelines(ListPipelines {
                project: "team/app".into(),
                definition: (id == "jenkins").then(|| "build".into()),
                ..Default::default()
            })
            .await
            .map(drop),
        "openai" | "anthropic" | "ollama" => h.list_models(ListModels::default()).await.map(drop),
        "notion" | "bookstack" | "confluence" | "wikijs" => {
            h.list_spaces(ListSpaces::default()).await.map(drop)
        }
        "n8n" => h.list_workflows(ListWorkflows::default()).await.map(drop),
        "linear" | "jira" => h.list_projects(ListProjects::default()).await.map(drop),
        other => panic!("no call for `{other}`"),
    }
}

#[tokio::test]
async fn every_provider_starts_through_the_host_with_a_grant_and_serves_a_call() {
    let factories = catalog::factories().unwrap();
    let ids: Vec<String> = factories.iter().map(|f| f.manifest().id.clone()).collect();
    assert_eq!(ids.len(), 18, "{ids:?}");
    for want in [
        "github",
        "gitea",
        "gitlab",
        "bitbucket",
        "github-actions",
        "gitlab-ci",
        "jenkins",
        "woodpecker",
        "openai",
        "anthropic",
        "ollama",
        "notion",
        "bookstack",
        "confluence",
        "wikijs",
        "n8n",
        "linear",
        "jira",
    ] {
        assert!(ids.iter().any(|i| i == want), "catalog lacks `{want}`");
    }

    for factory in factories {
        let id = factory.manifest().id.clone();
        // Every answer is a 404 with a JSON message: the call must reach
        // the server through the granted client and come back mapped.
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(
                ResponseTemplate::new(404).set_body_json(json!({"message": "no such thing"})),
            )
            .mount(&server)
            .await;
        let grant = format!("http://127.0.0.1:{}", server.address().port());

        // Without the grant: refused at start, naming the host and the fix.
        let host = PluginHost::builder()
            .env(Env::fixed::<&str, &str>([]))
            .build();
        host.register_arc(factory.clone()).unwrap();
        host.configure(&id, config(&id, &server.uri()))
            .await
            .unwrap();
        let e = host.start(&id).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{id}: {e}");
        let text = e.to_string();
        assert!(text.contains("grant_hosts("), "{id}: {text}");
        assert!(
            text.contains(&format!("127.0.0.1:{}", server.address().port())),
            "{id}: {text}"
        );
        assert!(server.received_requests().await.unwrap().is_empty(), "{id}");

        // With it: started, and a call reaches the server.
        let host = PluginHost::builder()
            .env(Env::fixed::<&str, &str>([]))
            .grant_hosts(&id, [grant.as_str()])
            .unwrap()
            .build();
        host.register_arc(factory.clone()).unwrap();
        host.configure(&id, config(&id, &server.uri()))
            .await
            .unwrap();
        let handle = host
            .start(&id)
            .await
            .unwrap_or_else(|e| panic!("{id} does not start: {e}"));
        let r = call(&id, &handle).await;
        let received = server.received_requests().await.unwrap();
        assert!(
            !received.is_empty(),
            "{id}: no request reached the server ({r:?})"
        );
        let e = r.expect_err("every answer is a 404");
        assert_ne!(e.kind(), ErrorKind::PermissionDenied, "{id}: {e}");
        assert_eq!(e.provider(), Some(id.as_str()), "{id}: {e}");
    }
}
