//! A plugin host: manifests discovered in a directory, configuration
//! validated against each plugin's JSON Schema (every violation reported at
//! its JSON pointer), dependency-ordered start, and a hot swap under
//! traffic — plus a swap with a bad configuration that rolls back.
//!
//! At startup the program writes four `plugin.json` files into a temporary
//! directory, as a deployment would ship them:
//!
//! * `mirror/` — a forge gateway (family `git`) whose schema requires a
//!   `base_url`, keeps `token` secret and bounds `timeout_ms`;
//! * `tracker/` — an issue tracker (family `project`) that depends on
//!   `mirror ^1.0`, so it starts after it;
//! * `broken/` — a manifest with several mistakes, each reported at its
//!   pointer;
//! * `future/` — a plugin for an SDK version that does not exist yet.
//!
//! The implementations of `mirror` and `tracker` are statically linked (as
//! every Mosaic provider is) over in-memory backends from `mosaic-testing`.
//!
//! Offline, no credentials. Run it with
//! `cargo run -p mosaic-examples --example plugin_host`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use mosaic_core::git::{GitOp, GitProvider, RepoRef, Repository};
use mosaic_core::project::ProjectProvider;
use mosaic_core::{Capabilities, Error, Family, Result};
use mosaic_plugin_sdk::{
    Plugin, PluginConfig, PluginContext, PluginHost, PluginManifest, PluginQuery, PluginServices,
    SwapOptions, async_trait, factory,
};
use mosaic_testing::{FakeGit, FakeProject};
use serde_json::json;

// ---- the manifests, as shipped on disk ----------------------------------------

fn manifests() -> [(&'static str, serde_json::Value); 4] {
    [
        (
            "mirror",
            json!({
                "id": "mirror",
                "name": "Forge mirror gateway",
                "version": "1.2.0",
                "description": "Read access to the company's forge mirror.",
                "families": ["git"],
                "provider": "mirror",
                "engines": {"mosaic": "^0.1"},
                "capabilities": {"git": ["git.repository.get"]},
                "permissions": {"network": {"hosts": ["*.mirror.example"]}},
                "config": {"schema": {
                    "type": "object",
                    "required": ["base_url"],
                    "properties": {
                        "base_url": {"type": "string", "pattern": "^https://"},
                        "token": {"type": "string", "minLength": 8, "x-secret": true},
                        "timeout_ms": {"type": "integer", "minimum": 100, "maximum": 60000, "default": 5000}
                    },
                    "additionalProperties": false
                }},
                "limits": {"callTimeoutMs": 2000, "maxConcurrency": 32}
            }),
        ),
        (
            "tracker",
            json!({
                "id": "tracker",
                "name": "Issue tracker",
                "version": "1.0.0",
                "families": ["project"],
                "provider": "tracker",
                "engines": {"mosaic": "^0.1"},
                "dependencies": {"mirror": "^1.0"}
            }),
        ),
        (
            "broken",
            json!({
                "id": "Broken Plugin",
                "name": "",
                "version": "1.x",
                "families": ["git", "telepathy"],
                "provider": "broken",
                "engines": {"mosaic": "^0.1"},
                "limits": {"callTimeoutMs": -5},
                "colour": "blue"
            }),
        ),
        (
            "future",
            json!({
                "id": "future",
                "name": "From the future",
                "version": "3.0.0",
                "families": ["ai"],
                "provider": "future",
                "engines": {"mosaic": "^9.0"}
            }),
        ),
    ]
}

fn write_manifests(dir: &Path) -> Result<()> {
    for (sub, manifest) in manifests() {
        let d = dir.join(sub);
        let text =
            serde_json::to_string_pretty(&manifest).map_err(|e| Error::internal(e.to_string()))?;
        std::fs::create_dir_all(&d)
            .and_then(|()| std::fs::write(d.join("plugin.json"), text))
            .map_err(|e| Error::internal(format!("writing {}: {e}", d.display())))?;
    }
    Ok(())
}

fn read_manifest(dir: &Path, sub: &str) -> Result<PluginManifest> {
    let path = dir.join(sub).join("plugin.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::internal(format!("reading {}: {e}", path.display())))?;
    PluginManifest::parse(&text)
}

// ---- the statically linked implementations ------------------------------------

/// The mirror's provider: repositories from the backend, each marked with
/// the base URL this instance was configured with.
struct Mirror {
    backend: FakeGit,
    base_url: String,
}

#[async_trait]
impl GitProvider for Mirror {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository])
    }

    async fn get_repository(&self, repo: RepoRef) -> Result<Repository> {
        let mut r = self.backend.get_repository(repo).await?;
        r.web_url = Some(format!("{}/{}", self.base_url, r.full_name));
        Ok(r)
    }
}

struct MirrorPlugin {
    backend: FakeGit,
    provider: Option<Arc<Mirror>>,
}

#[async_trait]
impl Plugin for MirrorPlugin {
    async fn initialize(&mut self, _ctx: PluginContext, config: PluginConfig) -> Result<()> {
        // validated against the schema, defaults applied, before this runs
        let base_url = config.get_str("base_url").unwrap_or_default().to_owned();
        self.provider = Some(Arc::new(Mirror {
            backend: self.backend.clone(),
            base_url,
        }));
        Ok(())
    }

    fn services(&self) -> PluginServices {
        let mut services = PluginServices::new();
        if let Some(p) = &self.provider {
            services = services.with_git(p.clone());
        }
        services
    }
}

struct TrackerPlugin {
    backend: FakeProject,
}

#[async_trait]
impl Plugin for TrackerPlugin {
    async fn initialize(&mut self, _ctx: PluginContext, _config: PluginConfig) -> Result<()> {
        Ok(())
    }

    fn services(&self) -> PluginServices {
        let tracker: Arc<dyn ProjectProvider> = Arc::new(self.backend.clone());
        PluginServices::new().with_project(tracker)
    }
}

fn print_error(indent: &str, e: &Error) {
    println!("{indent}{}", e.kind());
    if e.fields().is_empty() {
        println!("{indent}  {e}");
    }
    for f in e.fields() {
        println!(
            "{indent}  at {:<28} {}",
            format!("`{}`", f.field),
            f.message
        );
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::internal(e.to_string()))?;
    write_manifests(dir.path())?;
    let host = PluginHost::builder()
        .drain_timeout(Duration::from_secs(5))
        .build();

    // 1. discovery ------------------------------------------------------------
    println!("1. Discovering manifests in {}", dir.path().display());
    let report = host.discover(dir.path())?;
    println!("   registered: {}", report.registered.join(", "));
    for (path, e) in &report.errors {
        let name = path
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!("   refused {name}/plugin.json:");
        print_error("     ", e);
    }
    assert_eq!(report.registered.len(), 2);
    assert_eq!(report.errors.len(), 2);

    // the implementations attach to the discovered manifests
    let backend = FakeGit::named("mirror");
    backend.seed_repository("acme/website").create()?;
    let mirror_backend = backend.clone();
    host.register(factory(read_manifest(dir.path(), "mirror")?, move || {
        Ok(Box::new(MirrorPlugin {
            backend: mirror_backend.clone(),
            provider: None,
        }))
    }))?;
    let tracker_backend = FakeProject::named("tracker");
    host.register(factory(read_manifest(dir.path(), "tracker")?, move || {
        Ok(Box::new(TrackerPlugin {
            backend: tracker_backend.clone(),
        }))
    }))?;
    let git_plugins: Vec<String> = host
        .search(&PluginQuery::new().family(Family::Git))
        .into_iter()
        .map(|p| format!("{} {} ({})", p.id, p.version, p.state))
        .collect();
    println!("   registry search, family git: {}", git_plugins.join(", "));

    // 2. configuration validation -------------------------------------------
    println!("2. Configuring mirror with a bad configuration");
    let secret = "hunter2-but-longer";
    let bad = json!({"base_url": "ftp://mirror.example", "token": secret, "timeout_ms": 20, "colour": "red"});
    let Err(e) = host.configure("mirror", bad).await else {
        return Err(Error::internal("a bad configuration was accepted"));
    };
    print_error("   ", &e);
    assert!(e.fields().len() >= 3);
    assert!(
        !format!("{e} {e:?}").contains(secret),
        "a secret never appears"
    );
    println!("   (the token's value appears in no message)");
    host.configure(
        "mirror",
        json!({"base_url": "https://eu.mirror.example", "token": secret}),
    )
    .await?;
    println!("   a valid configuration is accepted (timeout_ms defaults to 5000)");

    // 3. start in dependency order -----------------------------------------------
    let started = host.start_all().await?;
    println!(
        "3. Started in dependency order: {}",
        started.started.join(" → ")
    );
    let mirror = host.handle("mirror")?;
    let site = RepoRef::new("acme", "website");
    let repo = mirror.get_repository(site.clone()).await?;
    println!(
        "   mirror generation {:?} serves {}",
        mirror.generation(),
        repo.web_url.unwrap_or_default()
    );

    // 4. hot swap under traffic -----------------------------------------------------
    println!("4. Hot swap to another region while 4 tasks keep calling");
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (mirror, site, stop) = (mirror.clone(), site.clone(), stop.clone());
        let (ok, failed) = (ok.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match mirror.get_repository(site.clone()).await {
                    Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                };
                tokio::task::yield_now().await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let swap = host
        .swap(
            "mirror",
            SwapOptions::new()
                .config(json!({"base_url": "https://us.mirror.example", "token": secret})),
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.map_err(|e| Error::internal(e.to_string()))?;
    }
    let repo = mirror.get_repository(site.clone()).await?;
    println!(
        "   generation {} (prepared in {:?}, old one drained in {:?}): {} calls during the swap, {} failed; now serving {}",
        swap.generation,
        swap.prepare,
        swap.drain,
        ok.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        repo.web_url.clone().unwrap_or_default()
    );
    assert_eq!(failed.load(Ordering::Relaxed), 0);
    assert!(swap.drained);

    // 5. a swap with a bad configuration rolls back ---------------------------------
    println!("5. Hot swap with a configuration the schema rejects");
    let Err(e) = host
        .swap(
            "mirror",
            SwapOptions::new()
                .config(json!({"base_url": "https://ap.mirror.example", "timeout_ms": "fast"})),
        )
        .await
    else {
        return Err(Error::internal("a bad swap was accepted"));
    };
    print_error("   ", &e);
    let after = mirror.get_repository(site).await?;
    println!(
        "   rolled back: generation {:?} still serves {}",
        mirror.generation(),
        after.web_url.clone().unwrap_or_default()
    );
    assert_eq!(after.web_url, repo.web_url);

    for (plugin, e) in host.stop_all().await {
        eprintln!("stopping {plugin}: {e}");
    }
    println!("   stopped: mirror is {}", host.state("mirror")?);
    Ok(())
}
