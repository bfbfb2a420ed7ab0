//! `mosaic.toml`: every section changes behaviour, and bad files are
//! refused with their place.
#![cfg(feature = "testing")]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mosaic::ai::AiProvider;
use mosaic::config::Format;
use mosaic::git::{CreateRepository, GitOp, GitProvider, RepoRef, Repository};
use mosaic::{Capabilities, Error, ErrorKind, Mosaic, MosaicConfig, Result};

/// A forge whose `get_repository` answers from a script (then `Ok`),
/// after `delay`, counting calls.
#[derive(Default)]
struct Scripted {
    script: Mutex<VecDeque<ErrorKind>>,
    delay: Duration,
    calls: Mutex<u32>,
}

impl Scripted {
    fn failing(kinds: &[ErrorKind]) -> Arc<Scripted> {
        Arc::new(Scripted {
            script: Mutex::new(kinds.iter().copied().collect()),
            ..Default::default()
        })
    }
    fn slow(delay: Duration) -> Arc<Scripted> {
        Arc::new(Scripted {
            delay,
            ..Default::default()
        })
    }
    fn calls(&self) -> u32 {
        *self.calls.lock().unwrap()
    }
}

#[async_trait::async_trait]
impl GitProvider for Scripted {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository])
    }
    async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
        *self.calls.lock().unwrap() += 1;
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        if let Some(kind) = self.script.lock().unwrap().pop_front() {
            return Err(Error::new(kind, "scripted failure"));
        }
        Ok(Repository {
            full_name: format!("{}/{}", r.owner, r.name),
            ..Default::default()
        })
    }
}

fn config(text: &str) -> MosaicConfig {
    MosaicConfig::parse(text, Format::Toml, "mosaic.toml").unwrap()
}

fn create(name: &str) -> CreateRepository {
    let mut c = CreateRepository::new(name);
    c.owner = Some("acme".into());
    c
}

fn repo() -> RepoRef {
    RepoRef::new("acme", "tools")
}

#[tokio::test]
async fn routes_send_each_subject_to_its_instance() {
    let m = Mosaic::from_str(
        r#"
        [providers.public]
        kind = "fake-git"
        [providers.internal]
        kind = "fake-git"

        [[routes.git]]
        match = { subject = "acme/internal-*", access = "write" }
        to = ["internal"]

        [[routes.git]]
        to = ["public"]
        "#,
    )
    .unwrap();
    let git = m.git().unwrap();
    git.create_repository(create("internal-tools"))
        .await
        .unwrap();
    git.create_repository(create("site")).await.unwrap();
    // Reads match only the second rule, so they go to `public`: it has
    // `site` but not `internal-tools`, which the first rule sent to
    // `internal`.
    git.get_repository(RepoRef::new("acme", "site"))
        .await
        .unwrap();
    let e = git
        .get_repository(RepoRef::new("acme", "internal-tools"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(m.instances().len(), 2);
    assert!(m.ai().is_err_and(|e| e.kind() == ErrorKind::NoProvider));
}

#[tokio::test]
async fn failover_moves_to_the_next_instance_on_a_transient_failure() {
    let down = Scripted::failing(&[ErrorKind::Unavailable]);
    let up = Scripted::failing(&[]);
    let m = Mosaic::builder(config(
        r#"
        [providers.a]
        kind = "host"
        [providers.b]
        kind = "host"
        [[routes.git]]
        to = ["a", "b"]
        strategy = "failover"
        "#,
    ))
    .git("a", down.clone())
    .git("b", up.clone())
    .build()
    .unwrap();
    m.git().unwrap().get_repository(repo()).await.unwrap();
    assert_eq!((down.calls(), up.calls()), (1, 1));
}

#[tokio::test]
async fn round_robin_alternates() {
    let a = Scripted::failing(&[]);
    let b = Scripted::failing(&[]);
    let m = Mosaic::builder(config(
        r#"
        [providers.a]
        kind = "host"
        [providers.b]
        kind = "host"
        [[routes.git]]
        to = ["a", "b"]
        strategy = "round_robin"
        "#,
    ))
    .git("a", a.clone())
    .git("b", b.clone())
    .build()
    .unwrap();
    for _ in 0..4 {
        m.git().unwrap().get_repository(repo()).await.unwrap();
    }
    assert_eq!((a.calls(), b.calls()), (2, 2));
}

fn one(stack: &str) -> MosaicConfig {
    config(&format!(
        "[providers.a]\nkind = \"host\"\nstack = {stack}\n"
    ))
}

#[tokio::test(start_paused = true)]
async fn stack_timeout_bounds_each_call() {
    let slow = Scripted::slow(Duration::from_secs(5));
    let m = Mosaic::builder(one(r#"{ timeout = "100ms" }"#))
        .git("a", slow.clone())
        .build()
        .unwrap();
    let e = m.git().unwrap().get_repository(repo()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
}

#[tokio::test(start_paused = true)]
async fn stack_retry_retries_transient_failures() {
    let flaky = Scripted::failing(&[ErrorKind::Unavailable, ErrorKind::Unavailable]);
    let m = Mosaic::builder(one(r#"{ retry = { attempts = 3, base_delay = "10ms" } }"#))
        .git("a", flaky.clone())
        .build()
        .unwrap();
    m.git().unwrap().get_repository(repo()).await.unwrap();
    assert_eq!(flaky.calls(), 3);

    let flaky = Scripted::failing(&[ErrorKind::Unavailable, ErrorKind::Unavailable]);
    let m = Mosaic::builder(one(r#"{ retry = { attempts = 2 } }"#))
        .git("a", flaky.clone())
        .build()
        .unwrap();
    assert!(m.git().unwrap().get_repository(repo()).await.is_err());
    assert_eq!(flaky.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn stack_breaker_opens_after_failures() {
    let down = Scripted::failing(&[ErrorKind::Unavailable; 10]);
    let m = Mosaic::builder(one(
        r#"{ breaker = { failure_rate = 0.5, window = 4, open_for = "30s" } }"#,
    ))
    .git("a", down.clone())
    .build()
    .unwrap();
    let git = m.git().unwrap();
    for _ in 0..4 {
        let e = git.get_repository(repo()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
    }
    let e = git.get_repository(repo()).await.unwrap_err();
    // Open: refused without reaching the provider (the router reports the
    // only candidate unavailable).
    assert_eq!(down.calls(), 4, "{e}");
    assert!(
        matches!(e.kind(), ErrorKind::CircuitOpen | ErrorKind::NoProvider),
        "{e}"
    );
}

#[tokio::test(start_paused = true)]
async fn stack_rate_limit_rejects_the_excess() {
    let ok = Scripted::failing(&[]);
    let m = Mosaic::builder(one(r#"{ rate_limit = { per_second = 2 } }"#))
        .git("a", ok.clone())
        .build()
        .unwrap();
    let git = m.git().unwrap();
    git.get_repository(repo()).await.unwrap();
    git.get_repository(repo()).await.unwrap();
    let e = git.get_repository(repo()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited, "{e}");
    assert_eq!(ok.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn stack_bulkhead_limits_concurrency() {
    let slow = Scripted::slow(Duration::from_secs(1));
    let m = Mosaic::builder(one(r#"{ bulkhead = { max_concurrent = 1 } }"#))
        .git("a", slow.clone())
        .build()
        .unwrap();
    let git = m.git().unwrap();
    let (first, second) = futures::join!(git.get_repository(repo()), async {
        tokio::task::yield_now().await;
        git.get_repository(repo()).await
    });
    assert!(first.is_ok());
    let e = second.unwrap_err();
    assert_ne!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(slow.calls(), 1);
}

#[test]
fn an_unknown_key_names_file_line_column_and_path() {
    let text = "[providers.a]\nkind = \"fake-git\"\nstack = { timeout = \"1s\", retyr = { attempts = 2 } }\n";
    let e = MosaicConfig::parse(text, Format::Toml, "deploy/mosaic.toml").unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(msg.contains("deploy/mosaic.toml:3:"), "{msg}");
    assert!(msg.contains("providers.a.stack"), "{msg}");
    assert!(msg.contains("retyr"), "{msg}");

    let e = MosaicConfig::parse("[tenants.acme]\nrate = 1\n", Format::Toml, "m.toml").unwrap_err();
    assert!(e.to_string().contains("m.toml:2:"), "{e}");
    assert!(e.to_string().contains("tenants.acme"), "{e}");
    let e = MosaicConfig::parse(
        "[cache]\nttl = \"1s\"\nmemory = 5\n",
        Format::Toml,
        "m.toml",
    )
    .unwrap_err();
    assert!(e.to_string().contains("m.toml:3:"), "{e}");
}

#[test]
fn json_is_accepted_with_the_same_checks() {
    let c = MosaicConfig::parse(
        r#"{"providers": {"a": {"kind": "fake-git"}}}"#,
        Format::Json,
        "m.json",
    )
    .unwrap();
    assert!(Mosaic::build(&c).unwrap().git().is_ok());
    let e = MosaicConfig::parse(
        "{\"providers\": {\"a\": {\"kind\": \"fake-git\",\n \"stack\": {\"timout\": \"1s\"}}}}",
        Format::Json,
        "m.json",
    )
    .unwrap_err();
    assert!(e.to_string().contains("m.json:2:"), "{e}");
    assert!(e.to_string().contains("timout"), "{e}");
}

#[test]
fn dangling_and_cross_family_routes_are_refused() {
    let e = Mosaic::from_str(
        r#"
        [providers.a]
        kind = "fake-git"
        [providers.bot]
        kind = "fake-ai"
        [[routes.git]]
        to = ["a", "gitea"]
        [[routes.git]]
        to = ["bot"]
        "#,
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("routes.git[0].to[1]"), "{msg}");
    assert!(msg.contains("no provider named `gitea`"), "{msg}");
    assert!(msg.contains("routes.git[1].to[0]"), "{msg}");
}

#[test]
fn bad_stack_values_and_kinds_are_refused() {
    for (text, needle) in [
        (
            "[providers.a]\nkind = \"fake-git\"\nstack = { timeout = \"soon\" }",
            "duration",
        ),
        (
            "[providers.a]\nkind = \"fake-git\"\nstack = { retry = { attempts = 0 } }",
            "attempts",
        ),
        (
            "[providers.a]\nkind = \"fake-git\"\nstack = { rate_limit = { per_second = 1, per_hour = 5 } }",
            "exactly one",
        ),
        (
            "[providers.a]\nkind = \"fake-git\"\nstack = { breaker = { failure_rate = 2.0, window = 4, open_for = \"1s\" } }",
            "failure_rate",
        ),
        (
            "[providers.a]\nkind = \"gitlab-enterprise\"",
            "unknown kind",
        ),
        ("[providers.a]\nkind = \"host\"", "supplied no instance"),
        (
            "[providers.a]\nkind = \"fake-git\"\ncolour = \"blue\"",
            "takes no settings",
        ),
    ] {
        let e = Mosaic::from_str(text).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{text}");
        assert!(e.to_string().contains(needle), "{text}: {e}");
    }
}

#[cfg(feature = "gitea")]
#[test]
fn provider_settings_are_checked_by_the_provider_schema_and_secrets_stay_hidden() {
    // SAFETY of the test: a variable name no other test uses.
    let var = "MOSAIC_CONFIG_TEST_GITEA_TOKEN";
    let e = Mosaic::from_str(&format!(
        "[providers.g]\nkind = \"gitea\"\nbase_url = \"https://git.example.com/api/v1\"\nauth = {{ type = \"token\", token = \"env:{var}\" }}\n"
    ))
    .unwrap_err();
    assert!(e.to_string().contains(var), "{e}");
    assert!(e.to_string().contains("not set"), "{e}");

    let e = Mosaic::from_str(
        "[providers.g]\nkind = \"gitea\"\nbase_ur = \"https://git.example.com/api/v1\"\nauth = { type = \"token\", token = \"s3cr3t-value\" }\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("providers.g"), "{e}");
    assert!(e.fields().iter().any(|f| f.field == "/base_ur"), "{e}");
    assert!(!format!("{e}{e:?}").contains("s3cr3t-value"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("token");
    std::fs::write(&secret, "from-a-file\n").unwrap();
    let m = Mosaic::from_str(&format!(
        "[providers.g]\nkind = \"gitea\"\nbase_url = \"https://git.example.com/api/v1\"\nauth = {{ type = \"token\", token = \"file:{}\" }}\n",
        secret.display()
    ))
    .unwrap();
    assert!(m.git().is_ok());

    // `env:VAR:-default`: the default when the variable is unset.
    let m = Mosaic::from_str(&format!(
        "[providers.g]\nkind = \"gitea\"\nbase_url = \"env:MOSAIC_CONFIG_TEST_UNSET_URL:-https://git.example.com/api/v1\"\nauth = {{ type = \"token\", token = \"file:{}\" }}\n",
        secret.display()
    ))
    .unwrap();
    assert!(m.git().is_ok());
    let e = Mosaic::from_str(&format!(
        "[providers.g]\nkind = \"gitea\"\nbase_url = \"env:MOSAIC_CONFIG_TEST_UNSET_URL:-not a url\"\nauth = {{ type = \"token\", token = \"file:{}\" }}\n",
        secret.display()
    ))
    .unwrap_err();
    assert!(e.to_string().contains("base_url"), "{e}");
}

#[test]
fn from_path_reads_toml_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("mosaic.toml");
    std::fs::write(&toml, "[providers.a]\nkind = \"fake-ai\"\n").unwrap();
    assert!(Mosaic::from_path(&toml).unwrap().ai().is_ok());
    let json = dir.path().join("mosaic.json");
    std::fs::write(&json, r#"{"providers": {"a": {"kind": "fake-kb"}}}"#).unwrap();
    assert!(Mosaic::from_path(&json).unwrap().kb().is_ok());
    let e = Mosaic::from_path(dir.path().join("missing.toml")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
}

#[test]
fn the_committed_json_schema_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/mosaic.schema.json");
    let current = serde_json::to_string_pretty(&MosaicConfig::json_schema()).unwrap() + "\n";
    if std::env::var_os("MOSAIC_WRITE_SCHEMA").is_some() {
        std::fs::write(path, &current).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == current,
        "{path} is stale: run `MOSAIC_WRITE_SCHEMA=1 cargo test -p mosaic --all-features --test config` and commit it"
    );
    // The schema refuses what the parser refuses.
    let schema = MosaicConfig::json_schema();
    let stack = &schema["$defs"]["StackSpec"];
    assert_eq!(
        stack["additionalProperties"],
        serde_json::json!(false),
        "{stack}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_queued_rate_limit_waits_at_most_max_wait() {
    for (stack, expect_ok) in [
        (
            r#"{ rate_limit = { per_minute = 1, mode = "queue" } }"#,
            true,
        ),
        (
            r#"{ rate_limit = { per_minute = 1, mode = "queue", max_wait = "1s" } }"#,
            false,
        ),
    ] {
        let ok = Scripted::failing(&[]);
        let m = Mosaic::builder(one(stack))
            .git("a", ok.clone())
            .build()
            .unwrap();
        let git = m.git().unwrap();
        git.get_repository(repo()).await.unwrap();
        let second = git.get_repository(repo()).await;
        assert_eq!(second.is_ok(), expect_ok, "{stack}: {second:?}");
    }
}

proptest::proptest! {
    #[test]
    fn any_text_is_a_config_or_a_located_error(text in "[\\PC\n\"\\[\\]{}=,:.a-z0-9]{0,200}") {
        for (format, origin) in [(Format::Toml, "f.toml"), (Format::Json, "f.json")] {
            if let Err(e) = MosaicConfig::parse(&text, format, origin) {
                proptest::prop_assert_eq!(e.kind(), ErrorKind::Config);
                proptest::prop_assert!(e.to_string().starts_with(origin), "{}", e);
            }
        }
    }
}

#[test]
fn trailing_json_is_refused() {
    let e = MosaicConfig::parse(r#"{"providers": {}} {"more": 1}"#, Format::Json, "m.json")
        .unwrap_err();
    assert!(e.to_string().starts_with("m.json:1:"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn the_cache_section_caches_reads_with_its_ttls() {
    let file = |extra: &str| {
        config(&format!(
            "[providers.a]\nkind = \"host\"\n[cache]\nttl = \"60s\"\n{extra}\n"
        ))
    };
    for (extra, after_two_seconds) in [
        ("", 1),
        ("operations = { \"git.repository.get\" = \"1s\" }", 2),
    ] {
        let ok = Scripted::failing(&[]);
        let m = Mosaic::builder(file(extra))
            .git("a", ok.clone())
            .build()
            .unwrap();
        let git = m.git().unwrap();
        git.get_repository(repo()).await.unwrap();
        git.get_repository(repo()).await.unwrap();
        assert_eq!(ok.calls(), 1, "{extra}: the second read is a hit");
        assert_eq!(m.git_cache_stats().unwrap().hits, 1);
        tokio::time::advance(Duration::from_secs(2)).await;
        git.get_repository(repo()).await.unwrap();
        assert_eq!(ok.calls(), after_two_seconds, "{extra}");
    }

    // Without [cache], every read reaches the provider.
    let ok = Scripted::failing(&[]);
    let m = Mosaic::builder(config("[providers.a]\nkind = \"host\"\n"))
        .git("a", ok.clone())
        .build()
        .unwrap();
    for _ in 0..2 {
        m.git().unwrap().get_repository(repo()).await.unwrap();
    }
    assert_eq!(ok.calls(), 2);
    assert!(m.git_cache_stats().is_none());
}

#[tokio::test(start_paused = true)]
async fn an_unchanged_cache_survives_a_reload() {
    let ok = Scripted::failing(&[]);
    let text = "[providers.a]\nkind = \"host\"\n[cache]\nttl = \"60s\"\n";
    let m = Mosaic::builder(config(text))
        .git("a", ok.clone())
        .build()
        .unwrap();
    m.git().unwrap().get_repository(repo()).await.unwrap();
    m.reload(&config(&format!(
        "{text}\n[providers.b]\nkind = \"fake-ai\"\n"
    )))
    .unwrap();
    m.git().unwrap().get_repository(repo()).await.unwrap();
    assert_eq!(ok.calls(), 1, "served from the kept cache");
    m.reload(&config(
        "[providers.a]\nkind = \"host\"\n[cache]\nttl = \"30s\"\n",
    ))
    .unwrap();
    m.git().unwrap().get_repository(repo()).await.unwrap();
    assert_eq!(ok.calls(), 2, "a changed [cache] starts empty");
}

#[test]
fn yaml_is_accepted_with_the_same_checks() {
    let c = MosaicConfig::parse(
        "providers:\n  a:\n    kind: fake-git\n    stack:\n      timeout: 1s\n",
        Format::Yaml,
        "m.yaml",
    )
    .unwrap();
    assert_eq!(c.providers["a"].stack.timeout, Some(Duration::from_secs(1)));
    assert!(Mosaic::build(&c).unwrap().git().is_ok());
    let e = MosaicConfig::parse(
        "providers:\n  a:\n    kind: fake-git\n    stack:\n      timout: 1s\n",
        Format::Yaml,
        "deploy/m.yaml",
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("deploy/m.yaml:5:"), "{msg}");
    assert!(msg.contains("providers.a.stack"), "{msg}");
    assert!(msg.contains("timout"), "{msg}");
    // A secret-looking value of the wrong type is not echoed.
    let e = MosaicConfig::parse(
        "providers:\n  a:\n    kind: fake-git\n    stack:\n      retry: s3cr3t-token\n",
        Format::Yaml,
        "m.yaml",
    )
    .unwrap_err();
    assert!(!e.to_string().contains("s3cr3t"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    for name in ["mosaic.yaml", "mosaic.yml"] {
        let path = dir.path().join(name);
        std::fs::write(&path, "providers:\n  a:\n    kind: fake-ai\n").unwrap();
        assert!(Mosaic::from_path(&path).unwrap().ai().is_ok());
    }
}

/// `git` calls as `tenant` (none for `None`).
fn as_tenant(m: &Mosaic, tenant: Option<&str>) -> mosaic::git::GitClient<mosaic::GitStack> {
    let ctx = match tenant {
        Some(t) => mosaic::RequestContext::new().with_tenant(t),
        None => mosaic::RequestContext::new(),
    };
    m.git().unwrap().with_context(ctx)
}

#[tokio::test(start_paused = true)]
async fn tenants_have_their_own_quotas() {
    let ok = Scripted::failing(&[]);
    let m = Mosaic::builder(config(
        r#"
        [providers.a]
        kind = "host"
        [tenants.acme]
        rate_limit = { per_second = 1 }
        [tenants."*"]
        rate_limit = { per_second = 2 }
        "#,
    ))
    .git("a", ok.clone())
    .build()
    .unwrap();
    let admitted = |tenant: Option<&'static str>, calls: usize| {
        let git = as_tenant(&m, tenant);
        async move {
            let mut n = 0;
            for _ in 0..calls {
                match git.get_repository(repo()).await {
                    Ok(_) => n += 1,
                    Err(e) => assert_eq!(e.kind(), ErrorKind::RateLimited, "{e}"),
                }
            }
            n
        }
    };
    assert_eq!(admitted(Some("acme"), 3).await, 1, "acme's own quota");
    assert_eq!(admitted(Some("beta"), 3).await, 2, "the `*` quota");
    assert_eq!(
        admitted(Some("gamma"), 3).await,
        2,
        "each tenant its own `*` quota"
    );
    assert_eq!(admitted(None, 5).await, 5, "no tenant, no quota");
    assert_eq!(ok.calls(), 10);
    // A tenant's quota refills with time.
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(admitted(Some("acme"), 1).await, 1);
}

/// Counts `mosaic.request` spans and the providers they record.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<String>>>);

struct ProviderField(String);

impl tracing::field::Visit for ProviderField {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "provider" {
            self.0 = value.to_owned();
        }
    }
    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

impl<S> tracing_subscriber::Layer<S> for Spans
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if attrs.metadata().name() == "mosaic.request" {
            let mut spans = self.0.lock().unwrap();
            spans.push(String::new());
            if let Some(span) = ctx.span(id) {
                span.extensions_mut().insert(spans.len() - 1);
            }
        }
    }
    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let Some(&i) = span.extensions().get::<usize>() else {
            return;
        };
        let mut field = ProviderField(String::new());
        values.record(&mut field);
        if !field.0.is_empty() {
            self.0.lock().unwrap()[i] = field.0;
        }
    }
}

#[tokio::test]
async fn observability_traces_requests_and_attempts_as_configured() {
    use tracing_subscriber::layer::SubscriberExt;
    for (section, expect) in [
        // The router records the provider that served on the request's
        // span; an attempt's span has it from the start.
        ("", vec![]),
        ("[observability]\n", vec!["a"]),
        (
            "[observability]\nrequests = false\nattempts = true\n",
            vec!["a"],
        ),
        ("[observability]\nattempts = true\n", vec!["a", "a"]),
    ] {
        let spans = Spans::default();
        let subscriber = tracing_subscriber::registry().with(spans.clone());
        let _guard = tracing::subscriber::set_default(subscriber);
        let m =
            Mosaic::from_str(&format!("[providers.a]\nkind = \"fake-git\"\n{section}")).unwrap();
        let git = m.git().unwrap();
        let _ = git.get_repository(repo()).await;
        let mut seen = spans.0.lock().unwrap().clone();
        seen.sort();
        assert_eq!(seen, expect, "{section:?}");
    }
}

/// A model that records the names it is asked for and refuses prompts
/// with `refuse` when set.
struct Model {
    seen: Mutex<Vec<String>>,
    refuse: Option<ErrorKind>,
}

impl Model {
    fn new(refuse: Option<ErrorKind>) -> Arc<Model> {
        Arc::new(Model {
            seen: Mutex::new(Vec::new()),
            refuse,
        })
    }
    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl AiProvider for Model {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([mosaic::ai::AiOp::Chat])
    }
    async fn chat(&self, r: mosaic::ai::ChatRequest) -> Result<mosaic::ai::ChatResponse> {
        self.seen.lock().unwrap().push(r.model.clone());
        if let Some(kind) = self.refuse {
            return Err(Error::new(kind, "scripted refusal"));
        }
        Ok(mosaic::ai::ChatResponse {
            model: r.model,
            ..Default::default()
        })
    }
}

const ALIASES: &str = r#"
    [providers.small]
    kind = "host"
    [providers.large]
    kind = "host"
    [ai.aliases]
    chat = [
        { provider = "small", model = "small-8k" },
        { provider = "large", model = "large-128k" },
    ]
"#;

fn two_models(text: &str, small: &Arc<Model>, large: &Arc<Model>) -> Result<Mosaic> {
    Mosaic::builder(config(text))
        .ai("small", small.clone())
        .ai("large", large.clone())
        .build()
}

#[tokio::test]
async fn an_alias_sends_each_instance_its_own_model_and_falls_back_on_context_length() {
    let (small, large) = (
        Model::new(Some(ErrorKind::ContextLengthExceeded)),
        Model::new(None),
    );
    let m = two_models(ALIASES, &small, &large).unwrap();
    let answer = m
        .ai()
        .unwrap()
        .chat(mosaic::ai::ChatRequest::new("chat", "a long prompt"))
        .await
        .unwrap();
    assert_eq!(answer.model, "large-128k");
    assert_eq!(small.seen(), ["small-8k"]);
    assert_eq!(large.seen(), ["large-128k"]);

    // With the fallback off, the refusal is the answer.
    let (small, large) = (
        Model::new(Some(ErrorKind::ContextLengthExceeded)),
        Model::new(None),
    );
    let off = ALIASES.replace(
        "[ai.aliases]",
        "[ai]\ncontext_fallback = false\n[ai.aliases]",
    );
    let m = two_models(&off, &small, &large).unwrap();
    let e = m
        .ai()
        .unwrap()
        .chat(mosaic::ai::ChatRequest::new("chat", "a long prompt"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ContextLengthExceeded, "{e}");
    assert!(large.seen().is_empty());

    // An earlier rule on the alias wins over the alias's own order.
    let (small, large) = (Model::new(None), Model::new(None));
    let first = format!(
        "{ALIASES}\n[[routes.ai]]\nmatch = {{ subject = \"chat\" }}\nto = [\"large\", \"small\"]\n"
    );
    let m = two_models(&first, &small, &large).unwrap();
    m.ai()
        .unwrap()
        .chat(mosaic::ai::ChatRequest::new("chat", "hi"))
        .await
        .unwrap();
    assert_eq!(
        (small.seen().len(), large.seen()),
        (0, vec!["large-128k".to_owned()])
    );
}

#[test]
fn aliases_are_checked_against_instances_and_routes() {
    let (small, large) = (Model::new(None), Model::new(None));
    let bad = ALIASES.replace(r#"provider = "large""#, r#"provider = "larg""#);
    let e = two_models(&bad, &small, &large).unwrap_err();
    assert!(e.to_string().contains("ai.aliases.chat[1].provider"), "{e}");
    assert!(e.to_string().contains("larg"), "{e}");

    let only_small = r#"
        [providers.small]
        kind = "host"
        [providers.large]
        kind = "host"
        [ai.aliases]
        chat = [{ provider = "small", model = "small-8k" }]
        [[routes.ai]]
        match = { subject = "chat" }
        to = ["small", "large"]
    "#;
    let e = two_models(only_small, &small, &large).unwrap_err();
    assert!(e.to_string().contains("routes.ai[0].to[1]"), "{e}");
    assert!(e.to_string().contains("no model for alias `chat`"), "{e}");
}

#[test]
fn errors_found_after_parsing_name_their_line_and_column() {
    let text = "[providers.a]\nkind = \"fake-git\"\n\n[[routes.git]]\nto = [\"a\", \"ghost\"]\n";
    let e = Mosaic::from_str(text).unwrap_err();
    assert!(e.to_string().starts_with("mosaic.toml:5:12:"), "{e}");
    assert!(e.to_string().contains("routes.git[0].to[1]"), "{e}");

    let text = "[providers.a]\nkind = \"fake-git\"\nstack = { retry = { attempts = 0 } }\n";
    let e = Mosaic::from_str(text).unwrap_err();
    assert!(e.to_string().starts_with("mosaic.toml:3:21:"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deploy.toml");
    std::fs::write(
        &path,
        "[providers.a]\nkind = \"fake-ai\"\n[ai.aliases]\nchat = [{ provider = \"b\", model = \"m\" }]\n",
    )
    .unwrap();
    let e = Mosaic::from_path(&path).unwrap_err();
    let at = format!("{}:4:", path.display());
    assert!(e.to_string().starts_with(&at), "{e}");
    assert!(e.to_string().contains("ai.aliases.chat[0].provider"), "{e}");
}

#[tokio::test]
async fn weighted_routes_split_by_weight_and_bad_weights_are_refused() {
    let (a, b) = (Scripted::failing(&[]), Scripted::failing(&[]));
    let m = Mosaic::builder(config(
        r#"
        [providers.a]
        kind = "host"
        [providers.b]
        kind = "host"
        [[routes.git]]
        to = ["a", "b"]
        weights = [3, 1]
        strategy = "weighted"
        "#,
    ))
    .git("a", a.clone())
    .git("b", b.clone())
    .build()
    .unwrap();
    let git = m.git().unwrap();
    for _ in 0..8 {
        git.get_repository(repo()).await.unwrap();
    }
    assert_eq!((a.calls(), b.calls()), (6, 2));

    for (weights, needle) in [
        ("[3]", "1 weights for 2 candidates"),
        ("[1, 0]", "routes.git[0].weights[1]"),
    ] {
        let e = Mosaic::from_str(&format!(
            "[providers.a]\nkind = \"fake-git\"\n[providers.b]\nkind = \"fake-git\"\n[[routes.git]]\nto = [\"a\", \"b\"]\nweights = {weights}\nstrategy = \"weighted\"\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains(needle), "{e}");
        assert!(e.to_string().starts_with("mosaic.toml:7:"), "{e}");
    }
}

#[tokio::test]
async fn the_cost_strategy_ranks_by_the_files_prices_under_each_instances_model() {
    let text = r#"
        [providers.small]
        kind = "host"
        [providers.large]
        kind = "host"
        [ai.aliases]
        chat = [
            { provider = "small", model = "small-8k" },
            { provider = "large", model = "large-128k" },
        ]
        [ai.prices]
        small-8k = { input = 3.0, output = 15.0 }
        large-128k = { input = 0.1, output = 0.4 }
        [[routes.ai]]
        match = { subject = "chat" }
        to = ["small", "large"]
        strategy = "cost"
    "#;
    let (small, large) = (Model::new(None), Model::new(None));
    let m = two_models(text, &small, &large).unwrap();
    let answer = m
        .ai()
        .unwrap()
        .chat(mosaic::ai::ChatRequest::new("chat", "hi"))
        .await
        .unwrap();
    assert_eq!(answer.model, "large-128k", "the cheaper model first");
    assert!(small.seen().is_empty());
    // Swap the prices: the other instance goes first.
    let swapped = text
        .replace("input = 3.0, output = 15.0", "input = 0.01, output = 0.01")
        .replace("input = 0.1, output = 0.4", "input = 9.0, output = 9.0");
    let (small, large) = (Model::new(None), Model::new(None));
    let m = two_models(&swapped, &small, &large).unwrap();
    let answer = m
        .ai()
        .unwrap()
        .chat(mosaic::ai::ChatRequest::new("chat", "hi"))
        .await
        .unwrap();
    assert_eq!(answer.model, "small-8k");
    assert!(large.seen().is_empty());

    let negative = text.replace("input = 0.1", "input = -1.0");
    let e = two_models(&negative, &Model::new(None), &Model::new(None)).unwrap_err();
    assert!(e.to_string().contains("ai.prices.large-128k"), "{e}");

    let e = Mosaic::from_str(
        "[providers.a]\nkind = \"fake-git\"\n[[routes.git]]\nto = [\"a\"]\nstrategy = \"cost\"\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("routes.git[0].strategy"), "{e}");
}

#[tokio::test]
async fn observability_genai_traces_each_ai_instance() {
    use tracing_subscriber::layer::SubscriberExt;
    for (section, expect) in [
        ("", 0),
        ("[observability]\nrequests = false\ngenai = true\n", 1),
    ] {
        let names = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = names.clone();
        let layer = GenAiSpans(seen);
        let subscriber = tracing_subscriber::registry().with(layer);
        let _guard = tracing::subscriber::set_default(subscriber);
        let text = format!("{ALIASES}\n{section}");
        let m = two_models(&text, &Model::new(None), &Model::new(None)).unwrap();
        m.ai()
            .unwrap()
            .chat(mosaic::ai::ChatRequest::new("chat", "hi"))
            .await
            .unwrap();
        assert_eq!(names.lock().unwrap().len(), expect, "{section:?}");
    }
}

/// Counts `gen_ai` spans.
struct GenAiSpans(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for GenAiSpans {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if attrs.metadata().name() == "gen_ai" {
            self.0
                .lock()
                .unwrap()
                .push(attrs.metadata().name().to_owned());
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_routes_failover_on_decides_which_errors_move_on() {
    let text = |kinds: &str| {
        format!(
            "[providers.a]\nkind = \"host\"\n[providers.b]\nkind = \"host\"\n[[routes.git]]\nto = [\"a\", \"b\"]\nfailover_on = {kinds}\n"
        )
    };
    // NotFound moves on only when the route lists it.
    for (kinds, b_calls) in [(r#"["unavailable"]"#, 0), (r#"["not_found"]"#, 1)] {
        let (a, b) = (
            Scripted::failing(&[ErrorKind::NotFound]),
            Scripted::failing(&[]),
        );
        let m = Mosaic::builder(config(&text(kinds)))
            .git("a", a.clone())
            .git("b", b.clone())
            .build()
            .unwrap();
        let _ = m.git().unwrap().get_repository(repo()).await;
        assert_eq!(b.calls(), b_calls, "{kinds}");
    }
    let e = Mosaic::from_str(
        "[providers.a]\nkind = \"fake-git\"\n[[routes.git]]\nto = [\"a\"]\nfailover_on = [\"unavailabel\"]\n",
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("routes.git[0].failover_on[0]"),
        "{e}"
    );
    assert!(e.to_string().contains("unavailable"), "{e}");
    assert!(e.to_string().starts_with("mosaic.toml:5:"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn stale_if_error_and_max_attempts_change_what_a_caller_sees() {
    // A read expired a second ago is served stale while the provider fails,
    // only with `stale_if_error`.
    for (extra, served) in [("stale_if_error = \"1m\"", true), ("", false)] {
        let flaky = Scripted::failing(&[]);
        let m = Mosaic::builder(config(&format!(
            "[providers.a]\nkind = \"host\"\n[cache]\nttl = \"1s\"\n{extra}\n"
        )))
        .git("a", flaky.clone())
        .build()
        .unwrap();
        let git = m.git().unwrap();
        git.get_repository(repo()).await.unwrap();
        tokio::time::advance(Duration::from_secs(2)).await;
        flaky
            .script
            .lock()
            .unwrap()
            .extend([ErrorKind::Unavailable; 3]);
        assert_eq!(
            git.get_repository(repo()).await.is_ok(),
            served,
            "{extra:?}"
        );
    }

    // `max_attempts` bounds the candidates tried.
    for (limit, c_calls) in [("", 1), ("max_attempts = 2", 0)] {
        let (a, b, c) = (
            Scripted::failing(&[ErrorKind::Unavailable]),
            Scripted::failing(&[ErrorKind::Unavailable]),
            Scripted::failing(&[]),
        );
        let m = Mosaic::builder(config(&format!(
            "[providers.a]\nkind = \"host\"\n[providers.b]\nkind = \"host\"\n[providers.c]\nkind = \"host\"\n[[routes.git]]\nto = [\"a\", \"b\", \"c\"]\n{limit}\n"
        )))
        .git("a", a)
        .git("b", b)
        .git("c", c.clone())
        .build()
        .unwrap();
        let _ = m.git().unwrap().get_repository(repo()).await;
        assert_eq!(c.calls(), c_calls, "{limit:?}");
    }
}

#[tokio::test]
async fn a_budget_refuses_the_call_that_would_pass_it_and_keeps_its_count_across_reloads() {
    let text = r#"
        [providers.small]
        kind = "host"
        [providers.large]
        kind = "host"
        [ai.aliases]
        chat = [
            { provider = "small", model = "small-8k" },
            { provider = "large", model = "large-128k" },
        ]
        [ai.prices]
        small-8k = { input = 4000.0, output = 4000.0 }
        large-128k = { input = 4000.0, output = 4000.0 }
        [[ai.budgets]]
        name = "acme-daily"
        usd = 2.0
        per = "day"
        tenant = "acme"
    "#;
    let (small, large) = (Model::new(None), Model::new(None));
    let m = two_models(text, &small, &large).unwrap();
    let ai = m
        .ai()
        .unwrap()
        .with_context(mosaic::RequestContext::new().with_tenant("acme"));
    // Each call is estimated at well over a dollar at these prices: the
    // first fits, the second would pass $2 and is refused before it is sent.
    let prompt = "word ".repeat(200);
    let mut req = mosaic::ai::ChatRequest::new("chat", prompt);
    req.max_tokens = Some(100);
    ai.chat(req.clone()).await.unwrap();
    let e = ai.chat(req.clone()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BudgetExceeded, "{e}");
    let details = e.budget().expect("budget details");
    assert_eq!(details.name(), "acme-daily");
    assert_eq!(
        small.seen().len(),
        1,
        "the refused call reached no provider"
    );
    assert!(large.seen().is_empty());

    // Another tenant is not under this budget.
    let other = m
        .ai()
        .unwrap()
        .with_context(mosaic::RequestContext::new().with_tenant("beta"));
    other.chat(req.clone()).await.unwrap();

    // A reload that keeps the budget keeps what was spent.
    let reloaded = config(&text.replace(
        "[providers.large]",
        "[observability]\nrequests = true\n[providers.large]",
    ));
    m.reload(&reloaded).unwrap();
    let e = m
        .ai()
        .unwrap()
        .with_context(mosaic::RequestContext::new().with_tenant("acme"))
        .chat(req)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BudgetExceeded, "{e}");

    let bad = text.replace("usd = 2.0", "usd = 2.0\ntokens = 5");
    let e = two_models(&bad, &Model::new(None), &Model::new(None)).unwrap_err();
    assert!(e.to_string().contains("ai.budgets[0]"), "{e}");
    assert!(e.to_string().contains("exactly one of usd, tokens"), "{e}");
}
