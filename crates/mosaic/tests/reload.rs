//! `Mosaic::reload`: validate, then swap; bad configurations change
//! nothing; unchanged instances keep their state; calls in flight finish
//! where they started.
#![cfg(feature = "testing")]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use mosaic::config::Format;
use mosaic::git::{CreateRepository, GitOp, GitProvider, RepoRef, Repository};
use mosaic::{Capabilities, Error, ErrorKind, Mosaic, MosaicConfig, Result};

fn config(text: &str) -> MosaicConfig {
    MosaicConfig::parse(text, Format::Toml, "mosaic.toml").unwrap()
}

const A: &str = r#"
[providers.a]
kind = "fake-git"
stack = { timeout = "5s" }
"#;

const AB: &str = r#"
[providers.a]
kind = "fake-git"
stack = { timeout = "5s" }
[providers.b]
kind = "fake-git"
[[routes.git]]
to = ["b", "a"]
strategy = "round_robin"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_callers_through_a_hundred_reloads_lose_no_call() {
    let mosaic = Mosaic::from_str(A).unwrap();
    let valid = [config(A), config(AB)];
    let invalid = [
        "[providers.a]\nkind = \"fake-git\"\n[[routes.git]]\nto = [\"missing\"]\n",
        "[providers.a]\nkind = \"no-such-kind\"\n",
        "[providers.a]\nkind = \"fake-git\"\nstack = { retry = { attempts = 0 } }\n",
    ];
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let mut callers = Vec::new();
    for c in 0..8 {
        let (mosaic, done, ok) = (mosaic.clone(), done.clone(), ok.clone());
        callers.push(tokio::spawn(async move {
            let mut n = 0u32;
            let mut failures = Vec::new();
            while !done.load(Ordering::SeqCst) || n < 20 {
                let mut req = CreateRepository::new(format!("repo-{c}-{n}"));
                req.owner = Some("acme".into());
                match mosaic.git().unwrap().create_repository(req).await {
                    Ok(_) => {
                        ok.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => failures.push(e.to_string()),
                }
                n += 1;
                tokio::task::yield_now().await;
            }
            failures
        }));
    }
    let mut rejected = 0;
    for i in 0..100 {
        if i % 4 == 3 {
            let bad = MosaicConfig::parse(invalid[i % 3], Format::Toml, "bad.toml");
            let refused = match bad {
                Ok(c) => mosaic.reload(&c).is_err(),
                Err(_) => true,
            };
            assert!(refused, "reload {i} should be refused");
            rejected += 1;
        } else {
            mosaic.reload(&valid[i % 2]).unwrap();
        }
        tokio::task::yield_now().await;
    }
    done.store(true, Ordering::SeqCst);
    for c in callers {
        let failures = c.await.unwrap();
        assert!(failures.is_empty(), "{failures:?}");
    }
    assert_eq!(rejected, 25);
    assert!(ok.load(Ordering::SeqCst) >= 160);
}

/// A forge that always fails, counting calls, after an optional delay.
#[derive(Default)]
struct Down {
    calls: AtomicU32,
    delay: Duration,
    fail: bool,
}

#[async_trait::async_trait]
impl GitProvider for Down {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository])
    }
    async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        if self.fail {
            return Err(Error::unavailable("down"));
        }
        Ok(Repository {
            full_name: format!("{}/{}", r.owner, r.name),
            ..Default::default()
        })
    }
}

#[tokio::test(start_paused = true)]
async fn unchanged_instances_keep_their_breaker_and_a_bad_reload_changes_nothing() {
    let down = Arc::new(Down {
        fail: true,
        ..Default::default()
    });
    let with_breaker = r#"
        [providers.d]
        kind = "host"
        stack = { breaker = { failure_rate = 0.5, window = 2, open_for = "60s" } }
    "#;
    let mosaic = Mosaic::builder(config(with_breaker))
        .git("d", down.clone())
        .build()
        .unwrap();
    let r = RepoRef::new("acme", "x");
    for _ in 0..2 {
        assert!(
            mosaic
                .git()
                .unwrap()
                .get_repository(r.clone())
                .await
                .is_err()
        );
    }
    assert_eq!(down.calls.load(Ordering::SeqCst), 2);

    // A refused reload: the old configuration keeps serving.
    let bad = config("[providers.d]\nkind = \"host\"\n[[routes.git]]\nto = [\"nope\"]\n");
    assert!(mosaic.reload(&bad).is_err());
    assert_eq!(mosaic.config().routes.git.len(), 0);

    // Another instance added; `d` unchanged: its breaker is still open, so
    // the call does not reach it.
    let mut more = with_breaker.to_owned();
    more.push_str("\n[providers.other]\nkind = \"fake-ai\"\n");
    mosaic.reload(&config(&more)).unwrap();
    assert!(
        mosaic
            .git()
            .unwrap()
            .get_repository(r.clone())
            .await
            .is_err()
    );
    assert_eq!(
        down.calls.load(Ordering::SeqCst),
        2,
        "the open breaker was kept"
    );
    assert_eq!(mosaic.instances().len(), 2);

    // `d`'s stack changed: a new breaker, so the call reaches it again.
    let changed = r#"
        [providers.d]
        kind = "host"
        stack = { breaker = { failure_rate = 0.5, window = 4, open_for = "60s" } }
    "#;
    mosaic.reload(&config(changed)).unwrap();
    assert!(mosaic.git().unwrap().get_repository(r).await.is_err());
    assert_eq!(down.calls.load(Ordering::SeqCst), 3);
    let e = mosaic.ai().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoProvider);
}

#[tokio::test(start_paused = true)]
async fn a_call_in_flight_finishes_where_it_started() {
    let slow = Arc::new(Down {
        delay: Duration::from_secs(2),
        ..Default::default()
    });
    let mosaic = Mosaic::builder(config("[providers.slow]\nkind = \"host\"\n"))
        .git("slow", slow.clone())
        .build()
        .unwrap();
    let git = mosaic.git().unwrap();
    let call = tokio::spawn(async move { git.get_repository(RepoRef::new("acme", "x")).await });
    tokio::task::yield_now().await;
    assert_eq!(slow.calls.load(Ordering::SeqCst), 1);
    // The new configuration has no `slow` at all (and `kind = "host"` with
    // no supplied instance of another name would be refused, so it is a
    // fake).
    let err = mosaic.reload(&config("[providers.fast]\nkind = \"fake-git\"\n"));
    // The host supplied `slow`, which the new file no longer declares.
    assert!(err.is_err());
    let fast_and_slow = "[providers.slow]\nkind = \"host\"\n[providers.fast]\nkind = \"fake-git\"\n[[routes.git]]\nto = [\"fast\"]\n";
    mosaic.reload(&config(fast_and_slow)).unwrap();
    tokio::time::advance(Duration::from_secs(3)).await;
    let repo = call.await.unwrap().unwrap();
    assert_eq!(repo.full_name, "acme/x");
    // New calls follow the new routes.
    let e = mosaic
        .git()
        .unwrap()
        .get_repository(RepoRef::new("acme", "x"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(slow.calls.load(Ordering::SeqCst), 1);
}
