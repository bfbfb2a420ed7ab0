//! Plugin SDK costs, each beside the direct path of the same in-memory
//! provider:
//!
//! * `plugin_load`: parse a manifest with a realistic configuration schema,
//!   validate the configuration (defaults, env overrides, secrets) and
//!   initialize the plugin — directly, and through a `PluginHost` (register
//!   + load) — against building the provider from its settings by hand.
//! * `plugin_swap`: a hot swap, timed up to the atomic switch (the drain is
//!   excluded; there are no calls in flight), and the whole swap including
//!   stopping and disposing the old instance.
//! * `plugin_call`: one call through a `PluginHandle` (without limits, and
//!   with the manifest's `maxConcurrency` semaphore) against a direct call
//!   of the provider (concrete and `Arc<dyn GitProvider>`).
//!
//! Run: `cargo bench -p mosaic-benches --bench plugin -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use mosaic_core::git::{GitOp, GitProvider, RepoRef, Repository};
use mosaic_core::{Capabilities, Result};
use mosaic_plugin_sdk::config::Env;
use mosaic_plugin_sdk::{
    Plugin, PluginConfig, PluginContext, PluginHost, PluginManifest, PluginServices, SwapOptions,
    async_trait, factory,
};
use serde_json::{Value, json};

/// A manifest shaped like a real forge adapter's: 20 settings, nested
/// objects, formats, patterns, enums, defaults and three secrets.
fn manifest_text() -> String {
    serde_json::to_string_pretty(&json!({
        "id": "bench-forge",
        "name": "Bench forge",
        "version": "1.4.2",
        "description": "GitHub-like forge adapter used by the benchmarks",
        "families": ["git", "cicd"],
        "provider": "github",
        "author": "The Mosaic developers",
        "license": "MIT OR Apache-2.0",
        "keywords": ["forge", "ci", "bench"],
        "engines": {"mosaic": "^0.1"},
        "capabilities": {"git": "*", "cicd": ["cicd.pipeline.trigger", "cicd.pipeline.get", "cicd.pipeline.log"]},
        "permissions": {
            "network": {"hosts": ["api.github.com", "uploads.github.com", "*.githubusercontent.com"]},
            "environment": ["GITHUB_TOKEN", "GITHUB_APP_KEY"],
            "filesystem": {"readonly": ["/etc/ssl/certs"]}
        },
        "config": {
            "schema": {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "additionalProperties": false,
                "required": ["auth"],
                "properties": {
                    "baseUrl": {"type": "string", "format": "uri", "default": "https://api.github.com"},
                    "uploadUrl": {"type": "string", "format": "uri", "default": "https://uploads.github.com"},
                    "userAgent": {"type": "string", "minLength": 1, "default": "mosaic"},
                    "auth": {
                        "type": "object",
                        "additionalProperties": false,
                        "properties": {
                            "kind": {"enum": ["token", "app"], "default": "token"},
                            "token": {"type": "string", "pattern": "^(ghp_|github_pat_|gho_)[A-Za-z0-9_]+$", "x-secret": true},
                            "appId": {"type": "integer", "minimum": 1},
                            "installationId": {"type": "integer", "minimum": 1},
                            "privateKey": {"type": "string", "writeOnly": true}
                        }
                    },
                    "webhookSecret": {"type": "string", "minLength": 16, "x-secret": true},
                    "timeouts": {
                        "type": "object",
                        "properties": {
                            "connectMs": {"type": "integer", "minimum": 1, "default": 5000},
                            "requestMs": {"type": "integer", "minimum": 1, "default": 30000}
                        }
                    },
                    "retry": {
                        "type": "object",
                        "properties": {
                            "maxAttempts": {"type": "integer", "minimum": 1, "maximum": 10, "default": 3},
                            "backoffMs": {"type": "integer", "minimum": 0, "default": 200},
                            "jitter": {"type": "boolean", "default": true}
                        }
                    },
                    "rateLimit": {
                        "type": "object",
                        "properties": {
                            "perHour": {"type": "integer", "minimum": 1, "default": 5000},
                            "reserve": {"type": "integer", "minimum": 0, "default": 100}
                        }
                    },
                    "perPage": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100},
                    "orgs": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9-]+$"}, "uniqueItems": true},
                    "tls": {
                        "type": "object",
                        "properties": {
                            "verify": {"type": "boolean", "default": true},
                            "caFile": {"type": "string"}
                        }
                    }
                }
            },
            "defaults": {"userAgent": "mosaic-bench/1.0"}
        },
        "limits": {"maxConcurrency": 256, "hookTimeoutMs": 10000}
    }))
    .unwrap()
}

fn supplied_config() -> Value {
    json!({
        "auth": {"kind": "token", "token": "ghp_0123456789abcdefABCDEF0123456789abcd"},
        "webhookSecret": "whsec-0123456789abcdef",
        "orgs": ["acme", "umbrella", "initech"],
        "retry": {"maxAttempts": 5}
    })
}

fn env() -> Env {
    Env::fixed([
        ("MOSAIC_BENCH_FORGE__PER_PAGE", "50"),
        ("MOSAIC_BENCH_FORGE__TLS__VERIFY", "true"),
    ])
}

/// The in-memory provider measured everywhere.
struct Forge {
    owner: String,
}

impl Forge {
    /// The direct construction: read the settings by hand.
    fn from_settings(settings: &Value) -> Forge {
        Forge {
            owner: settings["userAgent"]
                .as_str()
                .unwrap_or("mosaic")
                .to_owned(),
        }
    }
}

#[async_trait]
impl GitProvider for Forge {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository])
    }

    async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
        Ok(Repository {
            name: r.name,
            owner: self.owner.clone(),
            ..Default::default()
        })
    }
}

#[derive(Default)]
struct ForgePlugin {
    forge: Option<Arc<Forge>>,
}

#[async_trait]
impl Plugin for ForgePlugin {
    async fn initialize(&mut self, context: PluginContext, config: PluginConfig) -> Result<()> {
        // what an adapter does: read settings and its secret
        let token = config
            .secret("/auth/token")
            .map(|s| s.expose().len())
            .unwrap_or(0);
        black_box((token, context.http().allowlist().is_empty()));
        self.forge = Some(Arc::new(Forge::from_settings(config.values())));
        Ok(())
    }

    fn services(&self) -> PluginServices {
        match &self.forge {
            Some(f) => PluginServices::new().with_git(f.clone()),
            None => PluginServices::new(),
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn load(c: &mut Criterion) {
    let rt = runtime();
    let text = manifest_text();
    let supplied = supplied_config();
    let env = env();
    let mut g = c.benchmark_group("plugin_load");
    g.bench_function("direct_construct", |b| {
        b.iter(|| {
            let settings: Value =
                serde_json::from_str(&serde_json::to_string(&supplied).unwrap()).unwrap();
            black_box(Forge::from_settings(&settings))
        })
    });
    g.bench_function("parse_manifest", |b| {
        b.iter(|| black_box(PluginManifest::parse(&text).unwrap()))
    });
    let parsed = PluginManifest::parse(&text).unwrap();
    g.bench_function("resolve_config", |b| {
        b.iter(|| black_box(PluginConfig::resolve(&parsed, Some(&supplied), &env).unwrap()))
    });
    g.bench_function("parse_validate_initialize", |b| {
        b.to_async(&rt).iter(|| async {
            let manifest = PluginManifest::parse(&text).unwrap();
            let config = PluginConfig::resolve(&manifest, Some(&supplied), &env).unwrap();
            let context = PluginContext::builder(&manifest)
                .env(env.clone())
                .config(config.clone())
                .build();
            let mut plugin = ForgePlugin::default();
            plugin.initialize(context, config).await.unwrap();
            black_box(plugin.services())
        })
    });
    g.bench_function("host_register_and_load", |b| {
        b.to_async(&rt).iter(|| async {
            let manifest = PluginManifest::parse(&text).unwrap();
            let host = PluginHost::builder().env(env.clone()).build();
            host.register(factory(manifest, || Ok(Box::new(ForgePlugin::default()))))
                .unwrap();
            host.configure("bench-forge", supplied.clone())
                .await
                .unwrap();
            black_box(host.load("bench-forge").await.unwrap())
        })
    });
    g.finish();
}

fn swap(c: &mut Criterion) {
    let rt = runtime();
    let host = PluginHost::builder().env(env()).build();
    let manifest = PluginManifest::parse(&manifest_text()).unwrap();
    host.register(factory(manifest, || Ok(Box::new(ForgePlugin::default()))))
        .unwrap();
    rt.block_on(async {
        host.configure("bench-forge", supplied_config())
            .await
            .unwrap();
        host.start("bench-forge").await.unwrap();
    });
    let forge = Forge { owner: "o".into() };
    let mut g = c.benchmark_group("plugin_swap");
    g.bench_function("direct_call", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(forge.get_repository(RepoRef::new("o", "r")).await.unwrap())
        })
    });
    g.bench_function("swap_to_switch", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let host = host.clone();
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let report = host.swap("bench-forge", SwapOptions::new()).await.unwrap();
                    total += report.prepare;
                }
                total
            }
        })
    });
    g.bench_function("swap_total", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let host = host.clone();
            async move {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(host.swap("bench-forge", SwapOptions::new()).await.unwrap());
                }
                start.elapsed()
            }
        })
    });
    g.finish();
}

fn call(c: &mut Criterion) {
    let rt = runtime();
    let host = PluginHost::builder().env(env()).build();
    let manifest = PluginManifest::parse(&manifest_text()).unwrap();
    host.register(factory(manifest, || Ok(Box::new(ForgePlugin::default()))))
        .unwrap();
    // the same plugin without limits (no concurrency semaphore on the path)
    let mut unlimited = PluginManifest::parse(&manifest_text()).unwrap();
    unlimited.id = "bench-forge-unlimited".into();
    unlimited.limits = Default::default();
    host.register(factory(unlimited, || Ok(Box::new(ForgePlugin::default()))))
        .unwrap();
    let (limited, handle) = rt.block_on(async {
        host.configure("bench-forge", supplied_config())
            .await
            .unwrap();
        host.configure("bench-forge-unlimited", supplied_config())
            .await
            .unwrap();
        (
            host.start("bench-forge").await.unwrap(),
            host.start("bench-forge-unlimited").await.unwrap(),
        )
    });
    let forge = Forge { owner: "o".into() };
    let dyn_forge: Arc<dyn GitProvider> = Arc::new(Forge { owner: "o".into() });
    let mut g = c.benchmark_group("plugin_call");
    g.bench_function("direct_call", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(forge.get_repository(RepoRef::new("o", "r")).await.unwrap())
        })
    });
    g.bench_function("direct_dyn_call", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                dyn_forge
                    .get_repository(RepoRef::new("o", "r"))
                    .await
                    .unwrap(),
            )
        })
    });
    g.bench_function("plugin_handle", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(handle.get_repository(RepoRef::new("o", "r")).await.unwrap())
        })
    });
    g.bench_function("plugin_handle_max_concurrency", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                limited
                    .get_repository(RepoRef::new("o", "r"))
                    .await
                    .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, load, swap, call);
criterion_main!(benches);
