//! The example Rust guest (`guests/rust/woodpecker`, built by `cargo xtask
//! wasm-guests`): Woodpecker's read operations against a loopback
//! wiremock server, then the CI/CD conformance suite.

#[allow(dead_code)]
mod guests;

use std::time::Duration;

use mosaic_core::cicd::{
    CiCdOp, CiCdProvider, JobRef, ListJobs, ListPipelines, PipelineRef, PipelineStatus,
};
use mosaic_core::{Cursor, ErrorKind, OpKind, PageRequest, Secret};
use mosaic_plugin_sdk::{Allowlist, HostPattern, HttpClient};
use mosaic_testing::conformance::cicd::{CiCdSetup, run};
use mosaic_wasm::{Credential, HostEnv, Sandbox, WasmLimits, WasmProvider, WasmRuntime};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "wp-secret-token";

fn module() -> Option<Vec<u8>> {
    guests::built("rust/woodpecker.wasm")
}

fn pipeline(n: u64, status: &str) -> serde_json::Value {
    json!({
        "id": 100 + n, "number": n, "status": status, "event": "push",
        "branch": "main", "ref": "refs/heads/main", "commit": format!("c0ffee{n}"),
        "created": 1_700_000_000, "started": 1_700_000_005, "finished": 1_700_000_065,
        "workflows": [{"id": 1, "name": "build", "state": status, "children": [
            {"id": 11, "name": "clone", "state": "success", "started": 1_700_000_005, "finished": 1_700_000_010},
            {"id": 12, "name": "test", "state": status, "started": 1_700_000_010, "finished": 1_700_000_065}
        ]}]
    })
}

/// Every request must carry the host's credential.
fn auth() -> impl wiremock::Match + 'static {
    header("authorization", format!("Bearer {TOKEN}").as_str())
}

/// A Woodpecker stand-in: repository `acme/site` is id 7 with pipelines 1
/// and 2; anything else is 404. Every mock requires the token.
async fn server() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/repos/lookup/acme/site"))
        .and(auth())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": 7, "full_name": "acme/site"})),
        )
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/repos/7/pipelines"))
        .and(query_param("page", "1"))
        .and(query_param("perPage", "2"))
        .and(auth())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([pipeline(2, "running"), pipeline(1, "success")])),
        )
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/repos/7/pipelines"))
        .and(query_param("page", "2"))
        .and(auth())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&s)
        .await;
    for (n, st) in [(1, "success"), (2, "running")] {
        Mock::given(method("GET"))
            .and(path(format!("/api/repos/7/pipelines/{n}")))
            .and(auth())
            .respond_with(ResponseTemplate::new(200).set_body_json(pipeline(n, st)))
            .mount(&s)
            .await;
    }
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})))
        .mount(&s)
        .await;
    s
}

fn provider(bytes: &[u8], server: &MockServer) -> WasmProvider {
    let rt = WasmRuntime::new().unwrap();
    let limits = WasmLimits::default().cpu(Duration::from_secs(2));
    let module = rt.load("woodpecker-wasm", bytes, limits).unwrap();
    let mut allow = Allowlist::default();
    allow.grant([HostPattern::new(&server.uri()).unwrap()]);
    let env = HostEnv::new("woodpecker-wasm")
        .with_http(HttpClient::new(
            "woodpecker-wasm",
            allow,
            "mosaic-test",
            Some(Duration::from_secs(5)),
        ))
        .with_config(
            [("base_url".to_owned(), json!(server.uri()))]
                .into_iter()
                .collect(),
        )
        .with_credential(Credential {
            header: http::header::AUTHORIZATION,
            prefix: "Bearer ".into(),
            secret: Secret::new(TOKEN),
        });
    WasmProvider::new(Sandbox::new(module, env, limits))
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_pipelines_and_steps_through_the_host() {
    let Some(bytes) = module() else { return };
    let server = server().await;
    let ci = provider(&bytes, &server).cicd();
    assert!(ci.capabilities().supports(CiCdOp::GetPipeline));
    assert!(!ci.capabilities().supports(CiCdOp::CreatePipeline));

    let page = ci
        .list_pipelines(ListPipelines {
            project: "acme/site".into(),
            page: PageRequest {
                cursor: None,
                per_page: Some(2),
            },
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.next, Some(Cursor::new("2")));
    let p = &page.items[0];
    assert_eq!(p.id, "2");
    assert_eq!(p.status, PipelineStatus::Running);
    assert_eq!(p.reference.as_deref(), Some("main"));
    assert_eq!(p.sha.as_deref(), Some("c0ffee2"));
    assert_eq!(p.created_at.as_deref(), Some("2023-11-14T22:13:20Z"));
    assert_eq!(
        p.web_url,
        Some(format!("{}/repos/7/pipeline/2", server.uri()))
    );

    let one = ci
        .get_pipeline(PipelineRef::new("acme/site", "1"))
        .await
        .unwrap();
    assert_eq!(one.status, PipelineStatus::Success);
    assert_eq!(one.finished_at.as_deref(), Some("2023-11-14T22:14:25Z"));

    let jobs = ci
        .list_jobs(ListJobs {
            project: "7".into(),
            pipeline: "1".into(),
            page: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(
        jobs.items.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        ["1/11", "1/12"]
    );
    assert_eq!(jobs.items[1].stage.as_deref(), Some("build"));
    let job = ci
        .get_job(JobRef {
            project: "acme/site".into(),
            id: "1/12".into(),
        })
        .await
        .unwrap();
    assert_eq!(job.name, "test");

    let missing = ci
        .get_pipeline(PipelineRef::new("acme/site", "99"))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(missing.status(), Some(404));
    let bad = ci
        .get_pipeline(PipelineRef::new("acme/site", "x"))
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);

    // every request carried the host's credential (the mocks require it);
    // the module itself never saw the token
    let requests = server.received_requests().await.unwrap();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| {
        r.headers
            .get("authorization")
            .is_some_and(|v| v == format!("Bearer {TOKEN}").as_str())
    }));
    assert!(!bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()));
}

#[tokio::test(flavor = "multi_thread")]
async fn passes_the_cicd_conformance_suite() {
    let Some(bytes) = module() else { return };
    let server = server().await;
    let ci = provider(&bytes, &server).cicd();
    let setup = CiCdSetup {
        project: "acme/site".into(),
        poll_interval: Duration::from_millis(10),
        max_wait: Duration::from_secs(5),
        ..Default::default()
    };
    let report = run(&ci, &setup).await;
    report.assert_passed();
    // the read checks really ran
    assert!(report.passed().len() >= 2, "{:?}", report.checks());
    assert!(
        CiCdOp::ALL
            .iter()
            .filter(|o| ci.capabilities().supports(**o))
            .count()
            == 4
    );
}
