//! Behaviour of the cache layer over the in-memory tier, on paused tokio time.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use mosaic_cache::{Cache, CacheConfig, CacheLayer, CacheStatus, StaleReason, Tier, observe};
use mosaic_core::ai::{
    AiOp, AiProvider, AiRequest, AiResponse, AiService, ChatChunk, ChatRequest, ChatResponse,
    ChatStream, EmbeddingRequest, Embeddings,
};
use mosaic_core::git::{GitRequest, GitResponse, GitService, RepoRef, Repository};
use mosaic_core::{Capabilities, Error, ErrorKind, Family, Request, RequestContext, Result};
use tower::{Layer, ServiceExt};

type Stack = Cache<GitService<Forge>, GitResponse>;

fn stack(forge: &Forge, config: CacheConfig) -> (CacheLayer<GitResponse>, Stack) {
    let layer = CacheLayer::new(config);
    let svc = layer.layer(GitService::new(forge.clone()));
    (layer, svc)
}

async fn call(svc: &Stack, r: Request<GitRequest>) -> (Result<GitResponse>, Option<CacheStatus>) {
    observe(svc.clone().oneshot(r)).await
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[tokio::test(start_paused = true)]
async fn a_read_is_served_from_memory_until_its_ttl_ends() {
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    let (layer, svc) = stack(&forge, CacheConfig::new().with_ttl(secs(30)));

    let (r, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(description(&r.unwrap()), "v1");
    assert_eq!(s, Some(CacheStatus::Miss));

    forge.put_repo("acme", "tools", "v2"); // changed behind the cache's back
    tokio::time::advance(secs(29)).await;
    let (r, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(description(&r.unwrap()), "v1");
    assert_eq!(s, Some(CacheStatus::Hit(Tier::Memory)));
    assert_eq!(forge.reads(), 1);

    tokio::time::advance(secs(1)).await;
    let (r, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(description(&r.unwrap()), "v2");
    assert_eq!(s, Some(CacheStatus::Miss));
    assert_eq!(forge.reads(), 2);

    let stats = layer.stats().snapshot();
    assert_eq!((stats.hits, stats.misses), (1, 2));
    assert!(stats.hit_ratio() > 0.3 && stats.hit_ratio() < 0.4);
}

#[tokio::test(start_paused = true)]
async fn ttl_is_chosen_per_operation_then_family_then_default() {
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    let config = CacheConfig::new()
        .with_ttl(secs(100))
        .with_family_ttl(Family::Git, secs(50))
        .with_operation_ttl("git.branch.list", secs(5))
        .with_operation_ttl("git.branch.get", Duration::ZERO);
    let (layer, svc) = stack(&forge, config);

    call(&svc, req(get_repo("acme", "tools"))).await.0.unwrap();
    call(&svc, req(list_branches("acme", "tools")))
        .await
        .0
        .unwrap();
    tokio::time::advance(secs(6)).await;
    assert_eq!(
        call(&svc, req(get_repo("acme", "tools"))).await.1,
        Some(CacheStatus::Hit(Tier::Memory))
    );
    assert_eq!(
        call(&svc, req(list_branches("acme", "tools"))).await.1,
        Some(CacheStatus::Miss)
    );
    tokio::time::advance(secs(45)).await;
    assert_eq!(
        call(&svc, req(get_repo("acme", "tools"))).await.1,
        Some(CacheStatus::Miss)
    );

    // TTL zero: never cached, always upstream
    let get_branch = || {
        req(GitRequest::GetBranch(mosaic_core::git::BranchRef {
            repo: RepoRef::new("acme", "tools"),
            branch: "main".into(),
        }))
    };
    let before = forge.reads();
    assert_eq!(call(&svc, get_branch()).await.1, Some(CacheStatus::Bypass));
    assert_eq!(call(&svc, get_branch()).await.1, Some(CacheStatus::Bypass));
    assert_eq!(forge.reads(), before + 2);
    assert_eq!(layer.stats().snapshot().bypassed, 2);
}

#[tokio::test(start_paused = true)]
async fn sixty_four_simultaneous_reads_make_one_upstream_call() {
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    forge.set_delay(Some(Duration::from_millis(50)));
    let (layer, svc) = stack(&forge, CacheConfig::new());

    let calls = (0..64).map(|_| call(&svc, req(get_repo("acme", "tools"))));
    let results = futures::future::join_all(calls).await;

    assert_eq!(forge.reads(), 1, "one upstream call for 64 identical reads");
    let mut statuses = std::collections::HashMap::new();
    for (r, s) in results {
        assert_eq!(description(&r.unwrap()), "v1");
        *statuses.entry(s.unwrap()).or_insert(0) += 1;
    }
    assert_eq!(statuses[&CacheStatus::Miss], 1);
    assert_eq!(statuses[&CacheStatus::Coalesced], 63);
    let stats = layer.stats().snapshot();
    assert_eq!((stats.misses, stats.coalesced), (1, 63));

    // afterwards it is an ordinary hit
    assert_eq!(
        call(&svc, req(get_repo("acme", "tools"))).await.1,
        Some(CacheStatus::Hit(Tier::Memory))
    );
}

#[tokio::test(start_paused = true)]
async fn coalesced_callers_share_the_leaders_error_without_caching_it() {
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    forge.set_delay(Some(Duration::from_millis(10)));
    forge.fail_with(Some(Error::permission_denied_for_test()));
    let (_layer, svc) = stack(&forge, CacheConfig::new());
    let results =
        futures::future::join_all((0..8).map(|_| call(&svc, req(get_repo("acme", "tools"))))).await;
    assert_eq!(forge.reads(), 1);
    for (r, _) in results {
        assert_eq!(r.unwrap_err().kind(), ErrorKind::PermissionDenied);
    }
    forge.fail_with(None);
    let (r, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert!(r.is_ok());
    assert_eq!(s, Some(CacheStatus::Miss), "errors are not cached");
}

trait TestErrors {
    fn permission_denied_for_test() -> Error;
}
impl TestErrors for Error {
    fn permission_denied_for_test() -> Error {
        Error::new(ErrorKind::PermissionDenied, "no access")
    }
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_leader_hands_the_call_to_a_waiting_caller() {
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    forge.set_delay(Some(Duration::from_millis(100)));
    let (_layer, svc) = stack(&forge, CacheConfig::new());

    let leader = tokio::spawn({
        let svc = svc.clone();
        async move { call(&svc, req(get_repo("acme", "tools"))).await }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    let follower = tokio::spawn({
        let svc = svc.clone();
        async move { call(&svc, req(get_repo("acme", "tools"))).await }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    leader.abort();
    let (r, s) = follower.await.unwrap();
    assert_eq!(description(&r.unwrap()), "v1");
    assert_eq!(s, Some(CacheStatus::Miss), "the follower led the next call");
    assert_eq!(forge.reads(), 2);
}

#[tokio::test(start_paused = true)]
async fn tenants_never_see_each_others_answers() {
    // an upstream whose answer depends on the tenant
    let upstream_calls = Arc::new(AtomicUsize::new(0));
    let upstream = tower::service_fn({
        let calls = upstream_calls.clone();
        move |r: Request<GitRequest>| {
            calls.fetch_add(1, Ordering::SeqCst);
            let tenant = r.context.tenant().unwrap_or("-").to_owned();
            async move {
                Ok::<_, Error>(GitResponse::GetRepository(Repository {
                    description: Some(format!("seen by {tenant}")),
                    ..Default::default()
                }))
            }
        }
    });
    let layer = CacheLayer::<GitResponse>::new(CacheConfig::new());
    let svc = layer.layer(upstream);
    let ask = |tenant: Option<&str>| {
        let ctx = match tenant {
            Some(t) => RequestContext::new().with_tenant(t),
            None => RequestContext::new(),
        };
        svc.clone()
            .oneshot(Request::with_context(ctx, get_repo("acme", "tools")))
    };
    assert_eq!(description(&ask(Some("a")).await.unwrap()), "seen by a");
    assert_eq!(description(&ask(Some("b")).await.unwrap()), "seen by b");
    assert_eq!(description(&ask(None).await.unwrap()), "seen by -");
    assert_eq!(upstream_calls.load(Ordering::SeqCst), 3);
    for _ in 0..3 {
        assert_eq!(description(&ask(Some("a")).await.unwrap()), "seen by a");
        assert_eq!(description(&ask(Some("b")).await.unwrap()), "seen by b");
        assert_eq!(description(&ask(None).await.unwrap()), "seen by -");
    }
    assert_eq!(
        upstream_calls.load(Ordering::SeqCst),
        3,
        "each tenant hits its own entry"
    );
}

#[tokio::test(start_paused = true)]
async fn creating_a_branch_drops_that_repositorys_branch_listings_only() {
    let forge = Forge::new();
    let (layer, svc) = stack(&forge, CacheConfig::new());

    assert!(
        branch_names(
            &call(&svc, req(list_branches("acme", "tools")))
                .await
                .0
                .unwrap()
        )
        .is_empty()
    );
    assert!(
        branch_names(
            &call(&svc, req(list_branches("acme", "other")))
                .await
                .0
                .unwrap()
        )
        .is_empty()
    );
    assert_eq!(forge.reads(), 2);

    let (r, s) = call(&svc, req(create_branch("acme", "tools", "feature"))).await;
    r.unwrap();
    assert_eq!(s, Some(CacheStatus::Bypass));

    let (r, s) = call(&svc, req(list_branches("acme", "tools"))).await;
    assert_eq!(branch_names(&r.unwrap()), ["feature"]);
    assert_eq!(s, Some(CacheStatus::Miss));
    let (_, s) = call(&svc, req(list_branches("acme", "other"))).await;
    assert_eq!(
        s,
        Some(CacheStatus::Hit(Tier::Memory)),
        "another repository keeps its entry"
    );
    // git:acme/tools, git:acme, git:
    assert_eq!(layer.stats().snapshot().invalidations, 3);
}

#[tokio::test(start_paused = true)]
async fn a_rejected_write_keeps_the_cache_and_an_ambiguous_one_drops_it() {
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    let (layer, svc) = stack(&forge, CacheConfig::new());
    call(&svc, req(get_repo("acme", "tools"))).await.0.unwrap();

    forge.fail_with(Some(Error::conflict("stale version")));
    let (r, _) = call(&svc, req(update_description("acme", "tools", "v2"))).await;
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(
        call(&svc, req(get_repo("acme", "tools"))).await.1,
        Some(CacheStatus::Hit(Tier::Memory)),
        "a rejected write changed nothing"
    );

    forge.fail_with(Some(Error::timeout("no answer")));
    let (r, _) = call(&svc, req(update_description("acme", "tools", "v2"))).await;
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Timeout);
    forge.fail_with(None);
    assert_eq!(
        call(&svc, req(get_repo("acme", "tools"))).await.1,
        Some(CacheStatus::Miss),
        "a write that may have happened drops the entry"
    );
    assert_eq!(layer.stats().snapshot().invalidations, 3);
}

#[tokio::test(start_paused = true)]
async fn writes_are_never_cached() {
    let forge = Forge::new();
    let (_layer, svc) = stack(&forge, CacheConfig::new());
    for _ in 0..3 {
        let (r, s) = call(
            &svc,
            req(GitRequest::CreateRepository(
                mosaic_core::git::CreateRepository::new("tools"),
            )),
        )
        .await;
        r.unwrap();
        assert_eq!(s, Some(CacheStatus::Bypass));
    }
    assert_eq!(forge.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn an_expired_entry_is_served_stale_when_the_upstream_fails_within_the_grace() {
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    let config = CacheConfig::new()
        .with_ttl(secs(10))
        .with_stale_if_error(secs(60));
    let (layer, svc) = stack(&forge, config);
    call(&svc, req(get_repo("acme", "tools"))).await.0.unwrap();

    tokio::time::advance(secs(30)).await; // expired 20 s ago
    forge.fail_with(Some(Error::unavailable("502 from upstream")));
    let (r, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(description(&r.unwrap()), "v1");
    assert_eq!(
        s,
        Some(CacheStatus::Stale(StaleReason::UpstreamError(
            ErrorKind::Unavailable
        )))
    );
    assert!(s.unwrap().is_stale());
    assert_eq!(layer.stats().snapshot().stale_serves, 1);

    // a non-retryable error is the caller's business: no stale answer
    forge.fail_with(Some(Error::new(ErrorKind::PermissionDenied, "revoked")));
    let (r, _) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(r.unwrap_err().kind(), ErrorKind::PermissionDenied);

    // past the grace window the error goes through
    forge.fail_with(Some(Error::unavailable("502 from upstream")));
    tokio::time::advance(secs(41)).await; // expired 61 s ago
    let (r, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Unavailable);
    assert_eq!(s, Some(CacheStatus::Miss));
    assert_eq!(layer.stats().snapshot().stale_serves, 1);
}

#[tokio::test(start_paused = true)]
async fn an_invalidated_entry_is_never_served_stale() {
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    let (_layer, svc) = stack(&forge, CacheConfig::new().with_ttl(secs(10)));
    call(&svc, req(get_repo("acme", "tools"))).await.0.unwrap();
    call(&svc, req(update_description("acme", "tools", "v2")))
        .await
        .0
        .unwrap();
    forge.fail_with(Some(Error::unavailable("down")));
    let (r, _) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Unavailable);
}

#[tokio::test(start_paused = true)]
async fn stale_while_revalidate_answers_at_once_and_refreshes_in_the_background() {
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    let config = CacheConfig::new()
        .with_ttl(secs(10))
        .with_stale_while_revalidate(secs(30));
    let (layer, svc) = stack(&forge, config);
    call(&svc, req(get_repo("acme", "tools"))).await.0.unwrap();
    forge.put_repo("acme", "tools", "v2");
    forge.set_delay(Some(secs(1)));

    tokio::time::advance(secs(15)).await;
    let (r, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(description(&r.unwrap()), "v1");
    assert_eq!(s, Some(CacheStatus::Stale(StaleReason::Revalidating)));
    // a second stale read while the refresh is in the air starts no second refresh
    let (_, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(s, Some(CacheStatus::Stale(StaleReason::Revalidating)));

    tokio::time::sleep(secs(2)).await; // the background refresh completes
    assert_eq!(forge.reads(), 2);
    let (r, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(description(&r.unwrap()), "v2");
    assert_eq!(s, Some(CacheStatus::Hit(Tier::Memory)));
    assert_eq!(layer.stats().snapshot().stale_serves, 2);

    // beyond the window: an ordinary miss
    tokio::time::advance(secs(60)).await;
    let (_, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(s, Some(CacheStatus::Miss));
}

#[tokio::test(start_paused = true)]
async fn not_found_is_only_remembered_when_negative_caching_is_on() {
    let forge = Forge::new();
    let (_l, off) = stack(&forge, CacheConfig::new());
    for _ in 0..2 {
        let (r, s) = call(&off, req(get_repo("acme", "ghost"))).await;
        assert!(r.unwrap_err().is_not_found());
        assert_eq!(s, Some(CacheStatus::Miss));
    }
    assert_eq!(forge.reads(), 2);

    let forge = Forge::new();
    let (layer, on) = stack(&forge, CacheConfig::new().with_negative_ttl(secs(5)));
    let (r, s) = call(&on, req(get_repo("acme", "ghost"))).await;
    assert!(r.unwrap_err().is_not_found());
    assert_eq!(s, Some(CacheStatus::Miss));
    let (r, s) = call(&on, req(get_repo("acme", "ghost"))).await;
    let err = r.unwrap_err();
    assert!(err.is_not_found());
    assert!(err.to_string().contains("acme/ghost"), "{err}");
    assert_eq!(s, Some(CacheStatus::Hit(Tier::Memory)));
    assert_eq!(forge.reads(), 1);
    assert_eq!(layer.stats().snapshot().negative_hits, 1);

    forge.put_repo("acme", "ghost", "now here");
    tokio::time::advance(secs(5)).await;
    let (r, _) = call(&on, req(get_repo("acme", "ghost"))).await;
    assert_eq!(description(&r.unwrap()), "now here");

    // and creating it (under its owner) through the layer drops the
    // negative entry at once
    let forge = Forge::new();
    let (_l, on) = stack(&forge, CacheConfig::new().with_negative_ttl(secs(60)));
    assert!(call(&on, req(get_repo("me", "fresh"))).await.0.is_err());
    let mut create = mosaic_core::git::CreateRepository::new("fresh");
    create.owner = Some("me".into());
    call(&on, req(GitRequest::CreateRepository(create)))
        .await
        .0
        .unwrap();
    assert!(call(&on, req(get_repo("me", "fresh"))).await.0.is_ok());
}

#[tokio::test(start_paused = true)]
async fn the_least_recently_used_entry_is_evicted_at_the_entry_bound() {
    let forge = Forge::new()
        .with_repo("acme", "a", "a")
        .with_repo("acme", "b", "b")
        .with_repo("acme", "c", "c");
    let (layer, svc) = stack(&forge, CacheConfig::new().with_max_entries(2));
    call(&svc, req(get_repo("acme", "a"))).await.0.unwrap();
    call(&svc, req(get_repo("acme", "b"))).await.0.unwrap();
    call(&svc, req(get_repo("acme", "a"))).await.0.unwrap(); // a is now the most recent
    call(&svc, req(get_repo("acme", "c"))).await.0.unwrap(); // evicts b
    assert_eq!(layer.stats().snapshot().evictions, 1);
    assert_eq!(layer.memory_len(), 2);
    assert_eq!(
        call(&svc, req(get_repo("acme", "a"))).await.1,
        Some(CacheStatus::Hit(Tier::Memory))
    );
    assert_eq!(
        call(&svc, req(get_repo("acme", "b"))).await.1,
        Some(CacheStatus::Miss)
    );
}

#[tokio::test(start_paused = true)]
async fn the_byte_bound_keeps_the_memory_tier_small() {
    let forge = Forge::new();
    for i in 0..20 {
        forge.put_repo("acme", &format!("r{i}"), &"x".repeat(200));
    }
    let (layer, svc) = stack(&forge, CacheConfig::new().with_max_bytes(2_000));
    for i in 0..20 {
        call(&svc, req(get_repo("acme", &format!("r{i}"))))
            .await
            .0
            .unwrap();
    }
    let held = layer.memory_len();
    assert!(held > 0 && held < 20, "held {held}");
    assert!(layer.stats().snapshot().evictions >= 20 - held as u64);
    // the most recent one is still there
    assert_eq!(
        call(&svc, req(get_repo("acme", "r19"))).await.1,
        Some(CacheStatus::Hit(Tier::Memory))
    );
}

#[tokio::test(start_paused = true)]
async fn a_read_that_starts_after_a_write_never_joins_a_call_from_before_it() {
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    let (_layer, svc) = stack(&forge, CacheConfig::new());
    forge.set_delay(Some(Duration::from_millis(100)));
    // a slow read of v1 is in the air ...
    let early = tokio::spawn({
        let svc = svc.clone();
        async move { call(&svc, req(get_repo("acme", "tools"))).await }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    // ... while a write lands (the provider answers reads with the old state
    // until the write is applied, so the early read sees v1)
    forge.set_delay(None);
    call(&svc, req(update_description("acme", "tools", "v2")))
        .await
        .0
        .unwrap();
    // a read after the write: must not join the early flight, must not get v1
    let (r, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(description(&r.unwrap()), "v2");
    assert_eq!(s, Some(CacheStatus::Miss));
    let (r, _) = early.await.unwrap();
    r.unwrap();
    // and the early answer was not cached over the newer one
    let (r, _) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(description(&r.unwrap()), "v2");
}

#[tokio::test(start_paused = true)]
async fn manual_invalidation_and_clearing() {
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    let (layer, svc) = stack(&forge, CacheConfig::new());
    call(&svc, req(get_repo("acme", "tools"))).await.0.unwrap();
    layer.invalidate(&["git:acme/tools".to_owned()]).await;
    assert_eq!(
        call(&svc, req(get_repo("acme", "tools"))).await.1,
        Some(CacheStatus::Miss)
    );
    layer.clear_memory();
    assert_eq!(
        call(&svc, req(get_repo("acme", "tools"))).await.1,
        Some(CacheStatus::Miss)
    );
    assert_eq!(layer.memory_len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_disabled_memory_tier_still_coalesces_but_keeps_nothing() {
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    forge.set_delay(Some(Duration::from_millis(5)));
    let (layer, svc) = stack(&forge, CacheConfig::new().with_max_entries(0));
    let results =
        futures::future::join_all((0..4).map(|_| call(&svc, req(get_repo("acme", "tools"))))).await;
    assert!(results.iter().all(|(r, _)| r.is_ok()));
    assert_eq!(forge.reads(), 1);
    assert_eq!(
        call(&svc, req(get_repo("acme", "tools"))).await.1,
        Some(CacheStatus::Miss)
    );
    assert_eq!(layer.memory_len(), 0);
}

/// An AI provider: plain chat, a stream, and embeddings.
#[derive(Clone, Default)]
struct Model {
    calls: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl AiProvider for Model {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([AiOp::Chat, AiOp::ChatStream, AiOp::Embed])
    }
    async fn chat(&self, p: ChatRequest) -> Result<ChatResponse> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(ChatResponse {
            model: p.model,
            ..Default::default()
        })
    }
    async fn chat_stream(&self, _p: ChatRequest) -> Result<ChatStream> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(ChatStream::from_chunks(vec![Ok(ChatChunk {
            delta: "hello".into(),
            ..Default::default()
        })]))
    }
    async fn embed(&self, p: EmbeddingRequest) -> Result<Embeddings> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(Embeddings {
            model: p.model,
            vectors: vec![vec![0.5; 3]; p.inputs.len()],
            ..Default::default()
        })
    }
}

#[tokio::test(start_paused = true)]
async fn ai_chat_and_streams_pass_through_while_embeddings_are_cached() {
    use futures::StreamExt;
    let model = Model::default();
    let layer = CacheLayer::<AiResponse>::new(CacheConfig::new());
    let svc = layer.layer(AiService::new(model.clone()));
    let chat = || ChatRequest::new("m", "hi");

    for _ in 0..2 {
        let (r, s) = observe(svc.clone().oneshot(Request::new(AiRequest::Chat(chat())))).await;
        assert!(matches!(r.unwrap(), AiResponse::Chat(_)));
        assert_eq!(s, Some(CacheStatus::Bypass));
    }
    for _ in 0..2 {
        let (r, s) = observe(
            svc.clone()
                .oneshot(Request::new(AiRequest::ChatStream(chat()))),
        )
        .await;
        let AiResponse::ChatStream(stream) = r.unwrap() else {
            panic!("not a stream")
        };
        let chunks: Vec<_> = stream.collect().await;
        assert_eq!(chunks.len(), 1);
        assert_eq!(s, Some(CacheStatus::Bypass));
    }
    assert_eq!(model.calls.load(Ordering::SeqCst), 4);

    let embed = || {
        AiRequest::Embed(EmbeddingRequest {
            model: "e".into(),
            inputs: vec!["a".into(), "b".into()],
            dimensions: None,
        })
    };
    svc.clone().oneshot(Request::new(embed())).await.unwrap();
    let (r, s) = observe(svc.clone().oneshot(Request::new(embed()))).await;
    let AiResponse::Embed(e) = r.unwrap() else {
        panic!("not embeddings")
    };
    assert_eq!(e.vectors.len(), 2);
    assert_eq!(s, Some(CacheStatus::Hit(Tier::Memory)));
    assert_eq!(model.calls.load(Ordering::SeqCst), 5);
}

#[tokio::test(start_paused = true)]
async fn the_layer_works_under_a_client_and_a_service_builder() {
    use mosaic_core::git::{GitClient, GitProvider};
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    let layer = CacheLayer::<GitResponse>::new(CacheConfig::new());
    let git = GitClient::new(
        tower::ServiceBuilder::new()
            .layer(layer.clone())
            .service(GitService::new(forge.clone())),
    )
    .with_context(RequestContext::new().with_tenant("acme-corp"));
    for _ in 0..5 {
        let repo = git
            .get_repository(RepoRef::new("acme", "tools"))
            .await
            .unwrap();
        assert_eq!(repo.description.as_deref(), Some("v1"));
    }
    assert_eq!(forge.reads(), 1);
    assert_eq!(layer.stats().snapshot().hits, 4);
}
