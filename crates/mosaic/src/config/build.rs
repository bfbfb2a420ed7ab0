//! From a checked [`MosaicConfig`] to stacks, routers and clients, using
//! only the public builders of `mosaic-router`.

use std::time::Duration;

use mosaic_core::{Error, ErrorKind, Operation, Request, Result};
use mosaic_router::router::{CostModel, FailoverPolicy, Provider, Rule};
use mosaic_router::{
    BulkheadConfig, BulkheadLayer, CircuitBreakerConfig, CircuitBreakerHandle, CircuitBreakerLayer,
    KindSet, Quota, RateLimitConfig, RateLimitLayer, RateLimitMode, RetryConfig, RetryLayer,
    Router, Strategy, TimeoutLayer, TraceLayer,
};
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceBuilder};

use mosaic_core::ai::price::PriceTable;
use mosaic_router::budget::{
    BudgetConfig, BudgetLayer, BudgetLimit, BudgetWindow, MemoryBudgetStore,
};

use super::file::{
    AccessSpec, AiSpec, RateLimitSpec, RateMode, RedisSpec, RouteSpec, StackSpec, StrategySpec,
    WindowSpec,
};

type Boxed<R, T> = BoxCloneSyncService<Request<R>, T, Error>;

/// A built stack and its breaker's handle (the instance's health).
pub(crate) type Stack<R, T> = (Boxed<R, T>, Option<CircuitBreakerHandle>);

/// Wrap `service` in the layers `spec` asks for: (outermost first) a
/// trace per attempt when `trace_attempts`, bulkhead, rate limit, circuit breaker, retry, timeout — composed
/// statically (an absent layer is a pass-through branch) and boxed once.
/// Returns the breaker's handle, which the router reads as the instance's
/// health.
pub(crate) fn stack<R, S>(
    name: &str,
    service: S,
    spec: &StackSpec,
    redis: &Redis,
    trace_attempts: bool,
) -> Result<Stack<R, S::Response>>
where
    R: Operation + Clone + Send + Sync + 'static,
    S: Service<Request<R>, Error = Error> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
{
    let timeout = spec.timeout.map(TimeoutLayer::of);
    let retry = match &spec.retry {
        None => None,
        Some(r) if r.attempts == 0 => {
            return Err(Error::config(format!(
                "providers.{name}.stack.retry.attempts: at least 1 (the first attempt counts)"
            )));
        }
        Some(r) => {
            let mut cfg = RetryConfig::new().max_attempts(r.attempts);
            if let Some(d) = r.base_delay {
                cfg = cfg.base_delay(d);
            }
            if let Some(d) = r.max_delay {
                cfg = cfg.max_delay(d);
            }
            Some(RetryLayer::new(cfg))
        }
    };
    let breaker = match &spec.breaker {
        None => None,
        Some(b) if !(b.failure_rate > 0.0 && b.failure_rate <= 1.0) || b.window == 0 => {
            return Err(Error::config(format!(
                "providers.{name}.stack.breaker: failure_rate must be in (0, 1] and window at least 1"
            )));
        }
        Some(b) => {
            let cfg = CircuitBreakerConfig::new(name.to_owned())
                .failure_rate_threshold(b.failure_rate * 100.0)
                .sliding_window(mosaic_router::SlidingWindow::CountBased(b.window))
                .minimum_calls(b.minimum_calls.unwrap_or(b.window))
                .wait_in_open(b.open_for);
            let cfg = match b.half_open_calls {
                Some(n) => cfg.permitted_calls_in_half_open(n),
                None => cfg,
            };
            Some(CircuitBreakerLayer::new(cfg))
        }
    };
    let health = breaker.as_ref().map(CircuitBreakerLayer::handle);
    let rate_limit = spec
        .rate_limit
        .as_ref()
        .map(|l| {
            let place = format!("providers.{name}.stack.rate_limit");
            rate_limit(&place, name, l, redis, false)
        })
        .transpose()?;
    let bulkhead = match &spec.bulkhead {
        None => None,
        Some(b) if b.max_concurrent == 0 => {
            return Err(Error::config(format!(
                "providers.{name}.stack.bulkhead.max_concurrent: at least 1"
            )));
        }
        Some(b) => {
            let mut cfg = BulkheadConfig::new(name.to_owned(), b.max_concurrent);
            if b.queue > 0 {
                cfg = cfg.queue(b.queue, b.max_wait.unwrap_or(Duration::from_secs(1)));
            }
            Some(BulkheadLayer::new(cfg))
        }
    };
    let trace = trace_attempts.then(|| TraceLayer::new().provider(name.to_owned()));
    let svc = ServiceBuilder::new()
        .option_layer(trace)
        .option_layer(bulkhead)
        .option_layer(rate_limit)
        .option_layer(breaker)
        .option_layer(retry)
        .option_layer(timeout)
        .service(service);
    Ok((BoxCloneSyncService::new(svc), health))
}

/// A rate limiter named `name` per `spec` (at `place` in the file), in
/// Redis when `spec.shared`; with `per_tenant`, one quota per tenant.
pub(crate) fn rate_limit(
    place: &str,
    name: &str,
    spec: &RateLimitSpec,
    redis: &Redis,
    per_tenant: bool,
) -> Result<RateLimitLayer> {
    let quota = match (spec.per_second, spec.per_minute, spec.per_hour) {
        (Some(n), None, None) => Quota::per_second(n),
        (None, Some(n), None) => Quota::per_minute(n),
        (None, None, Some(n)) => Quota::per_hour(n),
        _ => {
            return Err(Error::config(format!(
                "{place}: give exactly one of per_second, per_minute, per_hour"
            )));
        }
    };
    if quota.limit() == 0 {
        return Err(Error::config(format!(
            "{place}: the limit must be at least 1"
        )));
    }
    let quota = match spec.burst {
        Some(b) => quota.with_burst(b),
        None => quota,
    };
    let mode = match spec.mode {
        RateMode::Reject => RateLimitMode::Throw,
        RateMode::Queue => RateLimitMode::Queue {
            max_wait: spec.max_wait.unwrap_or(quota.period()),
        },
    };
    let config = RateLimitConfig::new(name.to_owned(), quota)
        .mode(mode)
        .per_tenant(per_tenant);
    let config = if spec.shared {
        redis.share_limit(place, config)?
    } else {
        config
    };
    Ok(RateLimitLayer::new(config))
}

/// What `[redis]` opens, for the layers that share state through it.
#[derive(Clone, Default)]
pub(crate) struct Redis {
    /// The quota store (`rate_limit.shared`).
    #[cfg(feature = "redis")]
    pub(crate) limits: Option<mosaic_router::rate_limit::redis::RedisStore>,
    /// The cache tier (`cache.shared`), connected asynchronously.
    #[cfg(feature = "redis")]
    pub(crate) cache: Option<mosaic_cache::RedisStore>,
    /// The budgets' counters (`ai.shared_budgets`).
    #[cfg(feature = "redis")]
    pub(crate) budgets: Option<mosaic_router::budget::redis::RedisBudgetStore>,
    /// What shared state does while Redis is down.
    pub(crate) fail_closed: bool,
}

impl Redis {
    /// The quota store of `spec` (`url` already resolved); nothing
    /// connects until a shared limiter's first call.
    pub(crate) fn open(spec: Option<&RedisSpec>) -> Result<Redis> {
        let Some(spec) = spec else {
            return Ok(Redis::default());
        };
        #[cfg(feature = "redis")]
        {
            use mosaic_router::rate_limit::redis::{FailureMode, RedisStore};
            let prefix = spec.prefix.as_deref().unwrap_or("mosaic");
            let store = RedisStore::new(&spec.url)
                .map_err(|e| Error::config(format!("`redis.url`: {}", e.message())))?
                .prefix(format!("{prefix}:ratelimit"))
                .on_failure(match spec.on_failure {
                    super::file::RedisFailure::Open => FailureMode::Open,
                    super::file::RedisFailure::Closed => FailureMode::Closed,
                });
            let budgets = mosaic_router::budget::redis::RedisBudgetStore::new(&spec.url)
                .map_err(|e| Error::config(format!("`redis.url`: {}", e.message())))?
                .prefix(format!("{prefix}:budget"));
            Ok(Redis {
                limits: Some(store),
                cache: None,
                budgets: Some(budgets),
                fail_closed: spec.on_failure == super::file::RedisFailure::Closed,
            })
        }
        #[cfg(not(feature = "redis"))]
        {
            let _ = spec;
            Err(no_redis_feature("redis"))
        }
    }

    fn share_limit(&self, place: &str, config: RateLimitConfig) -> Result<RateLimitConfig> {
        #[cfg(feature = "redis")]
        {
            match &self.limits {
                Some(store) => Ok(config.redis(store.clone())),
                None => Err(Error::config(format!(
                    "`{place}.shared`: a shared quota needs a `[redis]` section"
                ))),
            }
        }
        #[cfg(not(feature = "redis"))]
        {
            let _ = config;
            Err(no_redis_feature(&format!("{place}.shared")))
        }
    }
}

#[cfg(not(feature = "redis"))]
fn no_redis_feature(place: &str) -> Error {
    Error::config(format!(
        "`{place}`: Redis support is not compiled in (enable the `redis` feature of `mosaic`)"
    ))
}

/// The error kind named `name` (as `ErrorKind::as_str` spells it).
pub(crate) fn error_kind(name: &str) -> Option<ErrorKind> {
    ErrorKind::ALL.iter().copied().find(|k| k.as_str() == name)
}

/// The budget layer of `[[ai.budgets]]` over `store` (memory) or, with
/// `ai.shared_budgets`, Redis; `None` without budgets.
pub(crate) fn budgets(
    ai: &AiSpec,
    prices: &PriceTable,
    store: &MemoryBudgetStore,
    redis: &Redis,
) -> Result<Option<BudgetLayer>> {
    if ai.budgets.is_empty() {
        return Ok(None);
    }
    let mut limits = Vec::with_capacity(ai.budgets.len());
    for (i, b) in ai.budgets.iter().enumerate() {
        let place = format!("ai.budgets[{i}]");
        let window = match b.per {
            WindowSpec::Minute => BudgetWindow::Minute,
            WindowSpec::Hour => BudgetWindow::Hour,
            WindowSpec::Day => BudgetWindow::Day,
            WindowSpec::Month => BudgetWindow::Month,
        };
        let mut limit = match (b.usd, b.tokens) {
            (Some(usd), None) => BudgetLimit::usd(b.name.clone(), usd, window),
            (None, Some(tokens)) => BudgetLimit::tokens(b.name.clone(), tokens, window),
            _ => {
                return Err(Error::config(format!(
                    "`{place}`: give exactly one of usd, tokens"
                )));
            }
        };
        if let Some(t) = &b.tenant {
            limit = limit.tenant(t.as_str());
        }
        if let Some(p) = &b.principal {
            limit = limit.principal(p.as_str());
        }
        if let Some(m) = &b.model {
            limit = limit.model(m.as_str());
        }
        limits.push(limit.hard(!b.soft));
    }
    let config = BudgetConfig::new(prices.clone()).limits_from(limits);
    let config = if redis.fail_closed {
        config.fail_closed()
    } else {
        config.fail_open()
    };
    let config = if ai.shared_budgets {
        shared_budgets(config, redis)?
    } else {
        config.store(store.clone())
    };
    BudgetLayer::new(config)
        .map(Some)
        .map_err(|e| Error::config(format!("`ai.budgets`: {}", e.message())))
}

#[cfg(feature = "redis")]
fn shared_budgets(config: BudgetConfig, redis: &Redis) -> Result<BudgetConfig> {
    match &redis.budgets {
        Some(store) => Ok(config.store(store.clone())),
        None => Err(Error::config(
            "`ai.shared_budgets`: shared budgets need a `[redis]` section",
        )),
    }
}

#[cfg(not(feature = "redis"))]
fn shared_budgets(config: BudgetConfig, _redis: &Redis) -> Result<BudgetConfig> {
    let _ = config;
    Err(no_redis_feature("ai.shared_budgets"))
}

/// The router rule of one `[[routes.FAMILY]]` entry.
pub(crate) fn rule(family: &str, index: usize, spec: &RouteSpec) -> Rule {
    let name = spec
        .name
        .clone()
        .unwrap_or_else(|| format!("{family}[{index}]"));
    let mut r = Rule::any().named(name);
    let m = &spec.matches;
    if let Some(g) = &m.operation {
        r = r.operation(g.as_str());
    }
    if let Some(g) = &m.subject {
        r = r.subject(g.as_str());
    }
    if let Some(g) = &m.tenant {
        r = r.tenant(g.as_str());
    }
    for (k, v) in &m.labels {
        r = r.label(k.clone(), v.as_str());
    }
    match m.access {
        Some(AccessSpec::Read) => r = r.reads(),
        Some(AccessSpec::Write) => r = r.writes(),
        None => {}
    }
    r = match &spec.weights {
        Some(w) => r.to_weighted(spec.to.iter().cloned().zip(w.iter().copied())),
        None => r.to(spec.to.iter().cloned()),
    };
    r = r.strategy(match spec.strategy {
        StrategySpec::Failover => Strategy::Failover,
        StrategySpec::RoundRobin => Strategy::RoundRobin,
        StrategySpec::LeastBusy => Strategy::LeastOutstanding,
        StrategySpec::Latency => Strategy::LowestLatency,
        StrategySpec::Weighted => Strategy::WeightedRoundRobin,
        StrategySpec::WeightedRandom => Strategy::WeightedRandom,
        StrategySpec::Cost => Strategy::LowestCost,
    });
    if let Some(n) = spec.max_attempts {
        r = r.max_attempts(n);
    }
    if let Some(kinds) = &spec.failover_on {
        r = r.failover_on(KindSet::of(kinds.iter().filter_map(|k| error_kind(k))));
    }
    r
}

/// A router over `instances` (name, stack, breaker health) with the
/// family's rules, then `extra`, else one failover rule over every
/// instance in order; `policy` replaces the default failover policy and
/// `cost` ranks candidates for `strategy = "cost"`.
pub(crate) fn router<R, T, C>(
    family: &str,
    instances: Vec<(String, Boxed<R, T>, Option<CircuitBreakerHandle>)>,
    routes: &[RouteSpec],
    extra: Vec<Rule>,
    policy: Option<FailoverPolicy>,
    cost: Option<C>,
) -> Result<Router<R, Boxed<R, T>>>
where
    R: Operation + Clone + Send + Sync + 'static,
    T: Send + 'static,
    C: CostModel<R>,
{
    let names: Vec<String> = instances.iter().map(|(n, _, _)| n.clone()).collect();
    let mut b = Router::builder();
    for (name, svc, health) in instances {
        let mut p = Provider::new(name, svc);
        if let Some(h) = health {
            p = p.health(h);
        }
        b = b.register(p);
    }
    b = b
        .rules(routes.iter().enumerate().map(|(i, r)| rule(family, i, r)))
        .rules(extra)
        .default_rule(
            Rule::any()
                .named(format!("{family}[default]"))
                .to(names)
                .strategy(Strategy::Failover),
        );
    if let Some(policy) = policy {
        b = b.failover_policy(policy);
    }
    if let Some(cost) = cost {
        b = b.cost_model(cost);
    }
    b.build()
}
