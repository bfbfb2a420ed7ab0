//! `[redis]`: shared quotas and the shared cache tier against a real
//! `redis-server`, two `Mosaic` values standing in for two replicas.
//!
//! Real sockets cannot run on paused time; nothing here waits on a clock:
//! the quotas are per minute and the cache entries live a minute.
#![cfg(all(feature = "redis", feature = "testing"))]

use std::sync::{Arc, Mutex};

use mosaic::git::{GitOp, GitProvider, RepoRef, Repository};
use mosaic::testing::RedisServer;
use mosaic::{Capabilities, ErrorKind, Mosaic, MosaicConfig, Result};

/// A forge counting `get_repository` calls.
#[derive(Default)]
struct Counting(Mutex<u32>);

#[async_trait::async_trait]
impl GitProvider for Counting {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository])
    }
    async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
        *self.0.lock().unwrap() += 1;
        Ok(Repository {
            full_name: format!("{}/{}", r.owner, r.name),
            ..Default::default()
        })
    }
}

impl Counting {
    fn calls(&self) -> u32 {
        *self.0.lock().unwrap()
    }
}

fn config(text: &str) -> MosaicConfig {
    MosaicConfig::parse(text, mosaic::config::Format::Toml, "mosaic.toml").unwrap()
}

async fn replica(text: &str, forge: Arc<Counting>) -> Mosaic {
    Mosaic::builder(config(text))
        .git("a", forge)
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_shared_quota_is_one_quota_for_every_replica() {
    let server = RedisServer::start().expect("redis-server must be installed");
    // The URL comes by reference, as it would in a deployment.
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("redis-url");
    std::fs::write(&secret, format!("{}\n", server.url())).unwrap();
    let text = format!(
        r#"
        [redis]
        url = "file:{}"
        prefix = "quota-test"
        [providers.a]
        kind = "host"
        stack = {{ rate_limit = {{ per_minute = 3, shared = true }} }}
        "#,
        secret.display()
    );
    let (fa, fb) = (Arc::new(Counting::default()), Arc::new(Counting::default()));
    let a = replica(&text, fa.clone()).await;
    let b = replica(&text, fb.clone()).await;
    let repo = || RepoRef::new("acme", "tools");
    a.git().unwrap().get_repository(repo()).await.unwrap();
    b.git().unwrap().get_repository(repo()).await.unwrap();
    a.git().unwrap().get_repository(repo()).await.unwrap();
    let e = b.git().unwrap().get_repository(repo()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited, "{e}");
    assert_eq!((fa.calls(), fb.calls()), (2, 1));

    // The same file without `shared`: each replica its own quota.
    let local = text.replace(", shared = true", "");
    let c = replica(&local, Arc::new(Counting::default())).await;
    for _ in 0..3 {
        c.git().unwrap().get_repository(repo()).await.unwrap();
    }
}

#[tokio::test]
async fn a_shared_cache_serves_one_replicas_read_to_another() {
    let server = RedisServer::start().expect("redis-server must be installed");
    let text = format!(
        r#"
        [redis]
        url = "{}"
        prefix = "cache-test"
        [providers.a]
        kind = "host"
        [cache]
        ttl = "1m"
        shared = true
        "#,
        server.url()
    );
    let (fa, fb) = (Arc::new(Counting::default()), Arc::new(Counting::default()));
    let a = replica(&text, fa.clone()).await;
    let b = replica(&text, fb.clone()).await;
    let repo = RepoRef::new("acme", "tools");
    let got = a.git().unwrap().get_repository(repo.clone()).await.unwrap();
    let hit = b.git().unwrap().get_repository(repo.clone()).await.unwrap();
    assert_eq!(got.full_name, hit.full_name);
    assert_eq!(
        (fa.calls(), fb.calls()),
        (1, 0),
        "b read a's entry from Redis"
    );

    // Memory-only caches do not share.
    let local = text.replace("shared = true", "");
    let (fc, fd) = (Arc::new(Counting::default()), Arc::new(Counting::default()));
    let c = replica(&local, fc.clone()).await;
    let d = replica(&local, fd.clone()).await;
    c.git().unwrap().get_repository(repo.clone()).await.unwrap();
    d.git().unwrap().get_repository(repo).await.unwrap();
    assert_eq!((fc.calls(), fd.calls()), (1, 1));
}

#[test]
fn shared_state_needs_a_redis_section_and_an_async_build() {
    let e = Mosaic::builder(config(
        r#"
        [providers.a]
        kind = "host"
        stack = { rate_limit = { per_minute = 3, shared = true } }
        "#,
    ))
    .git("a", Arc::new(Counting::default()))
    .build()
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(
        e.to_string()
            .contains("providers.a.stack.rate_limit.shared"),
        "{e}"
    );
    assert!(e.to_string().contains("[redis]"), "{e}");

    let e = Mosaic::from_str(
        r#"
        [redis]
        url = "redis://127.0.0.1:1"
        [providers.a]
        kind = "fake-git"
        [cache]
        shared = true
        "#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("Mosaic::connect"), "{e}");

    // A bad URL is refused without echoing it.
    let e = Mosaic::from_str(
        r#"
        [redis]
        url = "mongodb://user:hunter2@db"
        [providers.a]
        kind = "fake-git"
        "#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("redis.url"), "{e}");
    assert!(!e.to_string().contains("hunter2"), "{e}");
}

#[tokio::test]
async fn an_unreachable_redis_fails_open_or_closed_as_the_file_says() {
    for (mode, admitted) in [("open", true), ("closed", false)] {
        let text = format!(
            r#"
            [redis]
            url = "redis://127.0.0.1:1"
            on_failure = "{mode}"
            prefix = "unreachable"
            [providers.a]
            kind = "host"
            stack = {{ rate_limit = {{ per_minute = 100, shared = true }} }}
            "#
        );
        let forge = Arc::new(Counting::default());
        let m = replica(&text, forge.clone()).await;
        let r = m
            .git()
            .unwrap()
            .get_repository(RepoRef::new("acme", "x"))
            .await;
        assert_eq!(r.is_ok(), admitted, "{mode}: {r:?}");
        assert_eq!(forge.calls(), u32::from(admitted));
    }
}
