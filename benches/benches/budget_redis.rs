//! The budget check against a real `redis-server` (started by
//! `mosaic_testing::RedisServer` on a free loopback port), in one run:
//!
//! * `direct_provider`: the in-memory model answering a chat call;
//! * `raw_redis_get`: one raw `GET` on a multiplexed connection — the
//!   cheapest Redis round trip there is;
//! * `budget_check`: the chat call through a [`BudgetLayer`] with one
//!   per-tenant USD limit in Redis. The model reports exactly the usage the
//!   layer reserved, so the call costs one `EVALSHA` round trip (the
//!   reserve script) and reconciliation has nothing to write;
//! * `budget_check_and_settle`: the same with a model that reports less
//!   than was reserved, so each call also queues a background `adjust`
//!   round trip on the same connection;
//! * `budget_check_paired`: raw `GET`s and budget checks alternating in
//!   one loop (load from other processes falls on both alike); the ratio of
//!   their total times is printed as `paired: ...` — the figure the aim
//!   (≤ 1.3× a raw round trip) is judged on;
//! * `budget_check_then_settled_paired`: the same with the settling model,
//!   each call waiting until its reconciliation is written (two round
//!   trips: the worst case a caller could see, were reconciliation not in
//!   the background).
//!
//! Run: `cargo bench -p mosaic-benches --bench budget_redis -- --warm-up-time 1 --measurement-time 3`

use std::cell::Cell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use mosaic_core::ai::price::{ModelPrice, PriceTable};
use mosaic_core::ai::{AiRequest, AiResponse, ChatRequest, ChatResponse, Usage};
use mosaic_core::{Error, Request, RequestContext};
use mosaic_router::budget::redis::RedisBudgetStore;
use mosaic_router::budget::{Budget, BudgetConfig, BudgetLayer, BudgetLimit, BudgetWindow};
use tower::util::BoxCloneSyncService;
use tower::{Layer, ServiceExt};

type Model = BoxCloneSyncService<Request<AiRequest>, AiResponse, Error>;

/// 400 characters ≈ 100 tokens in, at most 50 out.
const PROMPT_CHARS: usize = 400;
const MAX_TOKENS: u32 = 50;

fn call() -> Request<AiRequest> {
    Request::with_context(
        RequestContext::new().with_tenant("acme"),
        AiRequest::Chat(ChatRequest::new("m", "x".repeat(PROMPT_CHARS)).max_tokens(MAX_TOKENS)),
    )
}

/// A model that reports `output` tokens out and the layer's estimate in.
fn model(output: u64) -> Model {
    BoxCloneSyncService::new(tower::service_fn(
        move |req: Request<AiRequest>| async move {
            let AiRequest::Chat(chat) = &req.operation else {
                unreachable!("the bench sends chat calls only")
            };
            Ok::<_, Error>(AiResponse::Chat(ChatResponse {
                model: chat.model.clone(),
                usage: Usage {
                    input_tokens: (chat.prompt_chars() / 4) as u64,
                    output_tokens: output,
                    cached_input_tokens: None,
                },
                ..Default::default()
            }))
        },
    ))
}

fn budget(url: &str, output: u64) -> (BudgetLayer, Budget<Model>) {
    let layer = BudgetLayer::new(
        BudgetConfig::new(PriceTable::new().with("m", ModelPrice::per_million(1.0, 2.0)))
            // never binding: the bench measures the check, not refusals
            .limit(BudgetLimit::usd("tenant-daily", 1e6, BudgetWindow::Day).per_tenant())
            .store(RedisBudgetStore::new(url).expect("redis url"))
            .fail_closed(),
    )
    .expect("budget config");
    let svc = layer.layer(model(output));
    (layer, svc)
}

/// Raw `GET`s and `svc` calls alternating; returns the time spent in
/// `svc` and adds the raw time to `raw_total`.
async fn paired(
    iters: u64,
    raw: &redis::aio::MultiplexedConnection,
    (svc, layer): (&Budget<Model>, Option<&BudgetLayer>),
    raw_total: &Cell<Duration>,
) -> Duration {
    let mut spent = Duration::ZERO;
    for _ in 0..iters {
        let mut conn = raw.clone();
        let t0 = Instant::now();
        let v: Option<Vec<u8>> = redis::cmd("GET")
            .arg("bench:raw")
            .query_async(&mut conn)
            .await
            .unwrap();
        black_box(v);
        let t1 = Instant::now();
        black_box(svc.clone().oneshot(call()).await.unwrap());
        if let Some(layer) = layer {
            // the reconciliation's round trip counts too
            layer.settled().await;
        }
        let t2 = Instant::now();
        raw_total.set(raw_total.get() + (t1 - t0));
        spent += t2 - t1;
    }
    spent
}

fn bench_budget(c: &mut Criterion) {
    let server = mosaic_testing::RedisServer::start()
        .expect("redis-server (install the package `redis-server`)");
    let url = server.url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let exact = u64::from(MAX_TOKENS);
    let (exact_layer, checked) = budget(&url, exact);
    let (settle_layer, settling) = budget(&url, exact / 2);
    let raw = rt.block_on(async {
        // connect and load the script before measuring
        checked.clone().oneshot(call()).await.expect("warm");
        settling.clone().oneshot(call()).await.expect("warm");
        settle_layer.settled().await;
        let mut raw = redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let _: () = redis::cmd("SET")
            .arg("bench:raw")
            .arg("0")
            .query_async(&mut raw)
            .await
            .unwrap();
        raw
    });
    let direct = model(exact);

    let mut g = c.benchmark_group("budget_redis");
    g.bench_function("direct_provider", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(direct.clone().oneshot(call()).await.unwrap()) })
    });
    g.bench_function("raw_redis_get", |b| {
        b.to_async(&rt).iter(|| {
            let mut conn = raw.clone();
            async move {
                let v: Option<Vec<u8>> = redis::cmd("GET")
                    .arg("bench:raw")
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                black_box(v)
            }
        })
    });
    g.bench_function("budget_check", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(checked.clone().oneshot(call()).await.unwrap()) })
    });
    g.bench_function("budget_check_and_settle", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(settling.clone().oneshot(call()).await.unwrap()) })
    });
    let (raw_a, check) = (Cell::new(Duration::ZERO), Cell::new(Duration::ZERO));
    g.bench_function("budget_check_paired", |b| {
        b.iter_custom(|iters| {
            let t = rt.block_on(paired(iters, &raw, (&checked, None), &raw_a));
            check.set(check.get() + t);
            t
        })
    });
    let (raw_b, settle) = (Cell::new(Duration::ZERO), Cell::new(Duration::ZERO));
    g.bench_function("budget_check_then_settled_paired", |b| {
        b.iter_custom(|iters| {
            let t = rt.block_on(paired(
                iters,
                &raw,
                (&settling, Some(&settle_layer)),
                &raw_b,
            ));
            settle.set(settle.get() + t);
            t
        })
    });
    g.finish();
    rt.block_on(exact_layer.settled());
    eprintln!(
        "paired: budget check / raw redis GET = {:.2}",
        check.get().as_secs_f64() / raw_a.get().as_secs_f64()
    );
    eprintln!(
        "paired: budget check then settled (two round trips) / raw redis GET = {:.2}",
        settle.get().as_secs_f64() / raw_b.get().as_secs_f64()
    );
    drop(server);
}

criterion_group!(benches, bench_budget);
criterion_main!(benches);
