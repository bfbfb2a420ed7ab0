//! Budgets shared through a real `redis-server`: two replicas spending one
//! budget, keys and their expiry, and an unreachable Redis.
#![cfg(feature = "redis")]

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use mosaic_core::ai::price::{ModelPrice, PriceTable};
use mosaic_core::ai::{AiRequest, AiResponse, ChatRequest, ChatResponse, Usage};
use mosaic_core::error::BudgetAmount;
use mosaic_core::{Error, ErrorKind, Request, RequestContext, Result};
use mosaic_router::SeededRng;
use mosaic_router::budget::redis::RedisBudgetStore;
use mosaic_router::budget::{
    Budget, BudgetConfig, BudgetEvent, BudgetLayer, BudgetLimit, BudgetWindow, ManualClock,
    StoreFailure,
};
use mosaic_testing::RedisServer;
use tower::util::BoxCloneSyncService;
use tower::{Layer, ServiceExt};

/// Every call must come back quickly: a hang fails the test instead of stalling it.
const NO_HANG: Duration = Duration::from_secs(10);

/// A thousandth of a dollar per token, in and out: exact in nano-dollars.
fn prices() -> PriceTable {
    PriceTable::new().with("m", ModelPrice::per_million(1_000.0, 1_000.0))
}

type Svc = Budget<BoxCloneSyncService<Request<AiRequest>, AiResponse, Error>>;

/// A replica: a layer over a model that reports a seeded-random share of
/// the output it was allowed, after a short real pause (so that calls of
/// both replicas interleave), and adds up the tokens it reported.
fn replica(layer: &BudgetLayer, seed: u64, used: Arc<AtomicU64>) -> Svc {
    let rng = Arc::new(SeededRng::new(seed));
    let provider = tower::service_fn(move |req: Request<AiRequest>| {
        let (rng, used) = (rng.clone(), used.clone());
        async move {
            let AiRequest::Chat(chat) = &req.operation else {
                unreachable!()
            };
            tokio::time::sleep(Duration::from_millis(rng.below(3))).await;
            let input = (chat.prompt_chars() / 4) as u64;
            let output = 1 + rng.below(u64::from(chat.max_tokens.unwrap_or(1)));
            used.fetch_add(input + output, Ordering::SeqCst);
            Ok::<_, Error>(AiResponse::Chat(ChatResponse {
                usage: Usage {
                    input_tokens: input,
                    output_tokens: output,
                    cached_input_tokens: None,
                },
                ..Default::default()
            }))
        }
    });
    layer.layer(BoxCloneSyncService::new(provider))
}

fn call(tenant: &str) -> Request<AiRequest> {
    // 10 tokens in, at most 20 out: 0.03 USD reserved
    Request::with_context(
        RequestContext::new().with_tenant(tenant),
        AiRequest::Chat(ChatRequest::new("m", "x".repeat(40)).max_tokens(20)),
    )
}

async fn send(svc: &Svc, request: Request<AiRequest>) -> Result<AiResponse> {
    tokio::time::timeout(NO_HANG, svc.clone().oneshot(request))
        .await
        .expect("the budget layer answered in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_spending_one_budget_never_overspend() {
    let redis = RedisServer::start().expect("redis-server must be installed");
    let limit_usd = 1.0;
    let estimate_usd = 0.03;
    let layer = || {
        BudgetLayer::new(
            BudgetConfig::new(prices())
                .limit(BudgetLimit::usd("shared", limit_usd, BudgetWindow::Day).per_tenant())
                .store(RedisBudgetStore::new(&redis.url()).unwrap())
                .fail_closed(),
        )
        .unwrap()
    };
    let (one, two) = (layer(), layer());
    let used = Arc::new(AtomicU64::new(0));
    let served = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let replicas: Vec<Svc> = [&one, &two]
        .into_iter()
        .enumerate()
        .map(|(r, layer)| replica(layer, 7 + r as u64, used.clone()))
        .collect();
    // each replica serves once before the race, so both take part whatever
    // order the scheduler runs the rest in
    for (r, svc) in replicas.iter().enumerate() {
        send(svc, call("acme")).await.expect("the first call fits");
        served[r].fetch_add(1, Ordering::SeqCst);
    }
    let mut tasks = Vec::new();
    for _ in 1..50 {
        for (r, svc) in replicas.iter().enumerate() {
            let (svc, served) = (svc.clone(), served[r].clone());
            tasks.push(tokio::spawn(async move {
                match send(&svc, call("acme")).await {
                    Ok(_) => {
                        served.fetch_add(1, Ordering::SeqCst);
                        None
                    }
                    Err(e) => Some(e),
                }
            }));
        }
    }
    let mut refused = 0;
    for t in tasks {
        if let Some(e) = t.await.unwrap() {
            assert_eq!(e.kind(), ErrorKind::BudgetExceeded, "{e}");
            refused += 1;
        }
    }
    one.settled().await;
    two.settled().await;
    let (a, b) = (
        served[0].load(Ordering::SeqCst),
        served[1].load(Ordering::SeqCst),
    );
    assert!(a > 0 && b > 0, "both replicas served: {a} + {b}");
    assert!(refused > 0, "the budget was binding");
    assert_eq!(a + b + refused, 100);
    // what the provider reported, in dollars
    let spent_usd = used.load(Ordering::SeqCst) as f64 / 1_000.0;
    assert!(
        spent_usd <= limit_usd + estimate_usd + 1e-9,
        "spent {spent_usd} USD of {limit_usd}"
    );
    // the shared counter holds exactly what was used
    let ctx = RequestContext::new().with_tenant("acme");
    for layer in [&one, &two] {
        let status = layer.status(&ctx, Some("m")).await.unwrap();
        let BudgetAmount::Usd(counted) = status[0].spent else {
            panic!("{status:?}")
        };
        assert!(
            (counted - spent_usd).abs() < 1e-9,
            "{counted} vs {spent_usd}"
        );
    }
    // another tenant's budget is untouched
    let other = one
        .status(&RequestContext::new().with_tenant("globex"), Some("m"))
        .await
        .unwrap();
    assert_eq!(other[0].spent, BudgetAmount::Usd(0.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_carry_the_window_and_expire_after_it() {
    let redis = RedisServer::start().expect("redis-server must be installed");
    // 2026-03-10T23:59:00Z: the day ends in a minute
    let clock = ManualClock::at_unix(1_773_187_140);
    let layer = BudgetLayer::new(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::tokens("day:tokens", 1_000, BudgetWindow::Day).per_tenant())
            .store(RedisBudgetStore::new(&redis.url()).unwrap().prefix("test"))
            .clock(clock.clone()),
    )
    .unwrap();
    let used = Arc::new(AtomicU64::new(0));
    let svc = replica(&layer, 1, used.clone());
    send(&svc, call("a,b")).await.unwrap();
    layer.settled().await;
    let key = "test:day%3Atokens:1773100800:tenant=a%2Cb";
    let value = redis.command(&["GET", key]).unwrap();
    let value = String::from_utf8_lossy(&value);
    assert!(
        value.ends_with(&format!("{}\r\n", used.load(Ordering::SeqCst))),
        "{value:?}"
    );
    let ttl = redis.command(&["PTTL", key]).unwrap();
    let ttl: i64 = String::from_utf8_lossy(&ttl[1..]).trim().parse().unwrap();
    // the minute left plus ten minutes of grace
    assert!(ttl > 650_000 && ttl <= 660_000, "{ttl}");
    // the next day is another key
    clock.advance(Duration::from_secs(60));
    send(&svc, call("a,b")).await.unwrap();
    layer.settled().await;
    let keys = String::from_utf8(redis.command(&["KEYS", "test:*"]).unwrap()).unwrap();
    assert!(keys.contains("1773187200"), "{keys}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_reservation_adds_nothing_to_any_budget() {
    let redis = RedisServer::start().expect("redis-server must be installed");
    let layer = BudgetLayer::new(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::tokens("big", 1_000_000, BudgetWindow::Month))
            .limit(BudgetLimit::tokens("small", 20, BudgetWindow::Minute).per_tenant())
            .store(RedisBudgetStore::new(&redis.url()).unwrap()),
    )
    .unwrap();
    let mut events = layer.subscribe();
    let svc = replica(&layer, 3, Arc::new(AtomicU64::new(0)));
    let err = send(&svc, call("a")).await.unwrap_err();
    assert_eq!(err.budget().unwrap().name(), "small");
    let status = layer
        .status(&RequestContext::new().with_tenant("a"), Some("m"))
        .await
        .unwrap();
    assert_eq!(status[0].spent, BudgetAmount::Tokens(0));
    assert!(matches!(events.try_recv(), Ok(BudgetEvent::Refused { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_fails_open_or_closed_without_hanging() {
    // a stopped server: connection refused
    let mut stopped = RedisServer::start().expect("redis-server must be installed");
    let refused_url = stopped.url();
    stopped.stop().unwrap();
    // a socket that accepts connections but never answers
    let black_hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!(
        "redis://127.0.0.1:{}/",
        black_hole.local_addr().unwrap().port()
    );

    for url in [refused_url, silent_url] {
        let layer = |failure: StoreFailure| {
            BudgetLayer::new(
                BudgetConfig::new(prices())
                    .limit(BudgetLimit::tokens("t", 1, BudgetWindow::Day))
                    .store(
                        RedisBudgetStore::new(&url)
                            .unwrap()
                            .connect_timeout(Duration::from_millis(200))
                            .command_timeout(Duration::from_millis(200)),
                    )
                    .on_store_failure(failure),
            )
            .unwrap()
        };
        let used = Arc::new(AtomicU64::new(0));

        let open = layer(StoreFailure::Open);
        let mut events = open.subscribe();
        let svc = replica(&open, 1, used.clone());
        // over the one-token limit, yet admitted
        send(&svc, call("a")).await.unwrap();
        assert!(used.load(Ordering::SeqCst) > 0);
        match events.try_recv() {
            Ok(BudgetEvent::StoreUnavailable {
                failure, request, ..
            }) => {
                assert_eq!(failure, StoreFailure::Open);
                assert!(request.is_some());
            }
            other => panic!("{url}: {other:?}"),
        }
        tokio::time::timeout(NO_HANG, open.settled()).await.unwrap();

        let closed = layer(StoreFailure::Closed);
        let before = used.load(Ordering::SeqCst);
        let svc = replica(&closed, 1, used.clone());
        let err = send(&svc, call("a")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{url}: {err}");
        assert!(err.to_string().contains("fail-closed"), "{err}");
        assert_eq!(
            used.load(Ordering::SeqCst),
            before,
            "never reached the provider"
        );
    }
    drop(black_hole);
}

#[test]
fn debug_output_hides_the_url() {
    let store = RedisBudgetStore::new("redis://:hunter2@127.0.0.1:6379/").unwrap();
    let dbg = format!("{store:?}");
    assert!(!dbg.contains("hunter2"), "{dbg}");
    let err = RedisBudgetStore::new("not a url").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(!err.to_string().contains("hunter2"));
}
