//! The main job: a host orchestrator on Mosaic, offline and without
//! credentials.
//!
//! In-memory providers from `mosaic-testing` are registered as plugins;
//! `orchestrator/mosaic.toml` declares everything around them (the program
//! supplies the instances, `kind = "host"`): the layers around each
//! instance, the routing rules, a response cache in front of the router,
//! the `chat` model alias over two AI models, and traces —
//!
//! ```text
//! trace → cache → router ─┬→ breaker → rate limit → retry → timeout → faults → github (plugin)
//!                         └→ breaker → rate limit → retry → timeout → faults → gitea  (plugin)
//! ```
//!
//! — then drives a scenario and narrates it: routing by rule, cache hits
//! and invalidation, an outage (breaker opens, traffic fails over, breaker
//! recovers), a rate limit reached and queued, a hot swap under traffic, a
//! CI pipeline, and AI calls through the alias with a fallback on context
//! overflow. It ends with a summary table. Every claim it prints is
//! checked against what happened, and the run fails when one did not
//! occur. With provider tokens in the environment (see the README) it
//! also runs `orchestrator/mosaic.live.toml`, the same deployment on real
//! providers, read-only.
//!
//! Run it with `cargo run --example orchestrator`.

mod live;
mod plugins;
mod stack;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mosaic::{Mosaic, MosaicConfig};
use mosaic_cache::StatsSnapshot;
use mosaic_core::ai::{AiClient, AiProvider, AiService, ChatRequest};
use mosaic_core::cicd::{CiCdClient, CiCdProvider, CiCdService, PipelineRef, TriggerPipeline};
use mosaic_core::git::{
    CreateBranch, CreateIssue, CreateRepository, GitClient, GitProvider, GitService, ListBranches,
    ListIssues, RepoRef, StateFilter,
};
use mosaic_core::{ErrorKind, RequestContext, Result};
use mosaic_plugin_sdk::{PluginHost, SwapOptions};
use mosaic_testing::fake::Price;
use mosaic_testing::{FakeAi, FakeCiCd, FakeGit, FaultLayer, FaultRule, JobPlan, PipelinePlan};
use plugins::Backend;
use stack::{Counters, measured};
use tower::Layer;

#[tokio::main]
async fn main() -> Result<()> {
    let bar = ProgressBar::with_draw_target(Some(9), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
            .map_err(|e| mosaic_core::Error::internal(e.to_string()))?
            .progress_chars("=> "),
    );
    let say = |line: String| narrate(&bar, line);
    let counters = Counters::default();

    say("Mosaic orchestrator — in-memory providers registered as plugins\n".into());

    // ---- the providers' backends and the plugin host ------------------------
    let github_srv = FakeGit::named("github").with_login("acme-bot");
    let gitea_srv = FakeGit::named("gitea").with_login("acme-bot");
    for repo in ["website", "api"] {
        github_srv
            .seed_repository(format!("acme/{repo}"))
            .create()?;
        // gitea mirrors the public repositories
        gitea_srv.seed_repository(format!("acme/{repo}")).create()?;
    }
    let ci_srv = FakeCiCd::named("ci");
    ci_srv
        .seed_definition("acme/website")
        .id("deploy")
        .name("Deploy")
        .plan(
            PipelinePlan::new()
                .queue_delay(Duration::from_millis(50))
                .job(JobPlan::new("build", Duration::from_millis(150)).stage("build"))
                .job(JobPlan::new("deploy", Duration::from_millis(100)).stage("deploy")),
        )
        .create()?;
    let (ai_small, ai_large) = (FakeAi::named("ai-small"), FakeAi::named("ai-large"));
    for (ai, model, window, price) in [
        (&ai_small, "small-8k", 8_192, (0.15, 0.60)),
        (&ai_large, "large-200k", 200_000, (3.0, 15.0)),
    ] {
        ai.seed_model(model)
            .chat()
            .streaming()
            .tools()
            .context_window(window)
            .price(Price {
                input_per_mtok: price.0,
                output_per_mtok: price.1,
            })
            .create()?;
    }

    let host = PluginHost::new();
    plugins::register(
        &host,
        &[
            ("github", "github", Backend::Git(github_srv.clone())),
            ("gitea", "gitea", Backend::Git(gitea_srv.clone())),
            ("ci", "woodpecker", Backend::CiCd(ci_srv.clone())),
            ("ai-small", "ollama", Backend::Ai(ai_small.clone())),
            ("ai-large", "anthropic", Backend::Ai(ai_large.clone())),
        ],
    )?;
    let report = host.start_all().await?;
    say(format!("plugin host: started {:?}", report.started));

    // ---- the deployment: mosaic.toml -----------------------------------------
    // The file declares the layers around each instance, the routing rules,
    // the cache, the model alias and the traces; the program supplies the
    // instances (the plugins, behind a fault injector and a call counter).
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/orchestrator/mosaic.toml");
    let config = MosaicConfig::read(std::path::Path::new(path))?;
    let gh_faults = FaultLayer::new(7);
    let gh_fault_handle = gh_faults.handle();
    let forge = |name: &str, faults: FaultLayer| -> Result<Arc<dyn GitProvider>> {
        let svc = faults.layer(GitService::new(host.handle(name)?));
        Ok(Arc::new(GitClient::new(measured(name, &counters, svc))))
    };
    let ci_instance: Arc<dyn CiCdProvider> = Arc::new(CiCdClient::new(measured(
        "ci",
        &counters,
        CiCdService::new(host.handle("ci")?),
    )));
    let model = |name: &str| -> Result<Arc<dyn AiProvider>> {
        let svc = AiService::new(host.handle(name)?);
        Ok(Arc::new(AiClient::new(measured(name, &counters, svc))))
    };
    let mosaic = Mosaic::builder(config)
        .git("github", forge("github", gh_faults)?)
        .git("gitea", forge("gitea", FaultLayer::new(8))?)
        .cicd("ci", ci_instance)
        .ai("ai-small", model("ai-small")?)
        .ai("ai-large", model("ai-large")?)
        .build()?;
    say(format!(
        "mosaic.toml: instances {:?}, git rules {:?}",
        mosaic.instances().keys().collect::<Vec<_>>(),
        mosaic
            .config()
            .routes
            .git
            .iter()
            .filter_map(|r| r.name.clone())
            .collect::<Vec<_>>()
    ));
    let breaker = |name: &str| {
        mosaic.breaker(name).ok_or_else(|| {
            mosaic_core::Error::config(format!("mosaic.toml gives `{name}` no breaker"))
        })
    };
    let (gh_breaker, gt_breaker) = (breaker("github")?, breaker("gitea")?);
    let transitions = Arc::new(Mutex::new(Vec::new()));
    for b in [&gh_breaker, &gt_breaker] {
        let mut events = b.subscribe();
        let (transitions, bar) = (transitions.clone(), bar.clone());
        tokio::spawn(async move {
            while let Ok(change) = events.recv().await {
                narrate(
                    &bar,
                    format!(
                        "    breaker {}: {} → {}",
                        change.breaker, change.from, change.to
                    ),
                );
                transitions.lock().unwrap().push(format!(
                    "{}: {} → {}",
                    change.breaker, change.from, change.to
                ));
            }
        });
    }

    let cache_stats = || {
        mosaic
            .git_cache_stats()
            .ok_or_else(|| mosaic_core::Error::config("mosaic.toml configures no [cache]"))
    };
    let git = mosaic
        .git()?
        .with_context(
            RequestContext::new()
                .with_tenant("acme")
                .with_principal("orchestrator"),
        )
        .with_timeout(Duration::from_secs(10));
    let c = &counters;

    // 1. routing by rule ------------------------------------------------------
    bar.set_message("routing by rule");
    say(
        "1. Routing by rule: `*/internal-*` → gitea, everything else → github (gitea as failover)"
            .into(),
    );
    let internal = c
        .call(git.create_repository(CreateRepository {
            auto_init: true,
            ..CreateRepository::new("internal-tools").in_owner("acme")
        }))
        .await?;
    let website = c
        .call(git.get_repository(RepoRef::new("acme", "website")))
        .await?;
    let internal_ref = RepoRef::new("acme", "internal-tools");
    expect(
        gitea_srv.repository(&internal_ref).is_some()
            && github_srv.repository(&internal_ref).is_none(),
        "the internal repository was created on gitea only",
    )?;
    say(format!(
        "   created {} on gitea ({} repos there, none of them internal on github); read {} from github",
        internal.full_name,
        gitea_srv.repositories().len(),
        website.full_name
    ));
    bar.inc(1);

    // 2. cache hits and invalidation ----------------------------------------
    bar.set_message("cache");
    say("2. Cache: repeated reads hit, a write drops the listings it changes".into());
    let site = RepoRef::new("acme", "website");
    let list = || ListBranches {
        repo: site.clone(),
        ..Default::default()
    };
    let before = cache_stats()?;
    c.call(git.get_repository(site.clone())).await?;
    let branches = c.call(git.list_branches(list())).await?;
    c.call(git.list_branches(list())).await?;
    c.call(git.create_branch(CreateBranch {
        repo: site.clone(),
        name: "release/1.2".into(),
        from: "main".into(),
    }))
    .await?;
    let after_write = c.call(git.list_branches(list())).await?;
    // A dashboard polls the same few objects: the cache absorbs it.
    for i in 0..200 {
        let repo = RepoRef::new("acme", if i % 2 == 0 { "website" } else { "api" });
        c.call(git.get_repository(repo)).await?;
    }
    let s = cache_stats()?;
    expect(
        s.hits > before.hits && s.invalidations > before.invalidations,
        "cache hits and an invalidation",
    )?;
    say(format!(
        "   a dashboard polls 2 repositories 200 times; in all: hits +{}, misses +{}, invalidations +{}; branches {} → {} after the write",
        s.hits - before.hits,
        s.misses - before.misses,
        s.invalidations - before.invalidations,
        branches.items.len(),
        after_write.items.len()
    ));
    bar.inc(1);

    // 3. outage: breaker opens, traffic fails over, breaker recovers ---------
    bar.set_message("outage");
    say("3. Outage: github answers 503 to everything".into());
    gh_fault_handle.set_rules([FaultRule::error(ErrorKind::Unavailable)]);
    let issues = |tag: String| ListIssues {
        repo: site.clone(),
        state: StateFilter::All,
        labels: vec![tag],
        ..Default::default()
    };
    let gitea_before = gitea_srv.calls().len();
    let mut ok = 0;
    for i in 0..20 {
        // distinct label filters: distinct cache keys, so every read goes upstream
        if c.call(git.list_issues(issues(format!("outage-{i}"))))
            .await
            .is_ok()
        {
            ok += 1;
        }
    }
    let served_by_gitea = gitea_srv.calls().len() - gitea_before;
    let opened = gh_breaker.state().to_string();
    expect(
        ok == 20 && served_by_gitea > 0,
        "every read answered during the outage, gitea serving",
    )?;
    say(format!(
        "   {ok}/20 reads answered (gitea served {served_by_gitea}), github breaker is {opened}"
    ));
    gh_fault_handle.clear_rules();
    say("   github heals; after the open interval the breaker probes it again".into());
    tokio::time::sleep(Duration::from_millis(900)).await;
    for i in 0..6 {
        c.call(git.list_issues(issues(format!("recovered-{i}"))))
            .await?;
    }
    let recovered = gh_breaker.state().to_string();
    expect(
        transitions
            .lock()
            .unwrap()
            .iter()
            .any(|t| t.starts_with("github") && t.ends_with("open") && !t.ends_with("half_open")),
        "the github breaker opened during the outage",
    )?;
    say(format!("   github breaker is {recovered}"));
    bar.inc(1);

    // 4. a rate limit reached and queued --------------------------------------
    bar.set_message("rate limit");
    say("4. Rate limit: gitea allows 10 requests/s (burst 5); 25 writes arrive at once".into());
    let started = tokio::time::Instant::now();
    let writes = (0..25).map(|i| {
        let git = git.clone();
        let repo = internal_ref.clone();
        async move {
            c.call(git.create_issue(CreateIssue {
                repo,
                title: format!("Flaky test #{i}"),
                ..Default::default()
            }))
            .await
        }
    });
    let results = futures::future::join_all(writes).await;
    let done = results.iter().filter(|r| r.is_ok()).count();
    let took = started.elapsed();
    // 25 writes at 10/s with a burst of 5 cannot all pass at once: if all
    // succeeded and it took over a second, the excess waited.
    expect(
        done == 25 && took >= Duration::from_secs(1),
        "all 25 writes succeeded and the excess waited",
    )?;
    say(format!(
        "   {done}/25 written in {:.1}s: the excess waited in the queue instead of failing",
        took.as_secs_f64()
    ));
    bar.inc(1);

    // 5. hot swap under traffic -----------------------------------------------
    bar.set_message("hot swap");
    say("5. Hot swap: github's plugin gets a new configuration while 4 tasks keep calling".into());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for t in 0..4 {
        let (git, stop, site, c) = (git.clone(), stop.clone(), site.clone(), counters.clone());
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut i) = (0u32, 0u32, 0u32);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let req = ListIssues {
                    repo: site.clone(),
                    labels: vec![format!("swap-{t}-{i}")],
                    ..Default::default()
                };
                match c.call(git.list_issues(req)).await {
                    Ok(_) => ok += 1,
                    Err(_) => failed += 1,
                }
                tokio::task::yield_now().await;
            }
            (ok, failed)
        }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let swap = host
        .swap(
            "github",
            SwapOptions::new().config(serde_json::json!({"client": "v2"})),
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut ok, mut failed) = (0, 0);
    for t in tasks {
        let (o, f) = t
            .await
            .map_err(|e| mosaic_core::Error::internal(e.to_string()))?;
        ok += o;
        failed += f;
    }
    expect(
        ok > 0 && failed == 0,
        "calls during the hot swap, none failed",
    )?;
    say(format!(
        "   swapped to generation {} (prepared in {:?}, drained in {:?}); {ok} calls during the swap, {failed} failed",
        swap.generation, swap.prepare, swap.drain
    ));
    bar.inc(1);

    // 6. CI ---------------------------------------------------------------------
    bar.set_message("ci");
    say("6. CI: trigger the deploy pipeline and follow it".into());
    let ci = mosaic.cicd()?;
    let run = c
        .call(ci.trigger_pipeline(TriggerPipeline {
            project: "acme/website".into(),
            definition: "deploy".into(),
            reference: Some("main".into()),
            ..Default::default()
        }))
        .await?;
    let mut seen = vec![run.status];
    loop {
        let p = c
            .call(ci.get_pipeline(PipelineRef::new("acme/website", &run.id)))
            .await?;
        if seen.last() != Some(&p.status) {
            seen.push(p.status);
        }
        if p.status.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    expect(
        seen.last().is_some_and(|s| s.is_finished()),
        "the pipeline finished",
    )?;
    say(format!(
        "   pipeline {}: {}",
        run.id,
        seen.iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(" → ")
    ));
    bar.inc(1);

    // 7. AI through the alias, with a fallback on context overflow ----------
    bar.set_message("ai");
    say(
        "7. AI: `chat` is small-8k on ai-small, then large-200k on ai-large; a prompt too long for the small one falls back"
            .into(),
    );
    let ai = mosaic.ai()?;
    let short = c
        .call(ai.chat(ChatRequest::new(
            "chat",
            "Summarise the release notes in one line.",
        )))
        .await?;
    let long_prompt = "log line with a stack trace ".repeat(2_000);
    let long = c
        .call(ai.chat(ChatRequest::new("chat", long_prompt)))
        .await?;
    let (small_calls, large_calls) = (ai_small.calls().len(), ai_large.calls().len());
    // short: ai-small only; long: ai-small (refused), then ai-large.
    expect(
        short.model == "small-8k" && long.model == "large-200k",
        "each model was sent its own name for the alias",
    )?;
    expect(
        small_calls == 2 && large_calls == 1,
        "the short prompt answered by ai-small, the long one refused there and answered by ai-large",
    )?;
    say(format!(
        "   short prompt: {} in / {} out tokens, ${:.6}, answered by {}",
        short.usage.input_tokens,
        short.usage.output_tokens,
        short.cost_usd.unwrap_or(0.0),
        short.model,
    ));
    say(format!(
        "   long prompt: {} input tokens > 8192 → ai-small refused it ({small_calls} calls there in all), {} answered ({large_calls} call), ${:.4}",
        long.usage.input_tokens,
        long.model,
        long.cost_usd.unwrap_or(0.0)
    ));
    bar.inc(1);

    // 8. real providers, read-only, when their tokens are set -----------------
    bar.set_message("live providers");
    for line in live::run(&counters).await {
        say(line);
    }
    bar.inc(1);

    // 9. summary ------------------------------------------------------------------
    bar.set_message("summary");
    bar.inc(1);
    bar.finish_and_clear();
    let transitions = transitions.lock().unwrap().clone();
    print_summary(&counters, &cache_stats()?, &transitions);
    for (plugin, err) in host.stop_all().await {
        eprintln!("stopping {plugin}: {err}");
    }
    Ok(())
}

/// `Ok` when a behaviour the narration claims was observed; the run fails
/// otherwise.
fn expect(observed: bool, what: &str) -> Result<()> {
    if observed {
        Ok(())
    } else {
        Err(mosaic_core::Error::internal(format!(
            "claimed behaviour did not occur: {what}"
        )))
    }
}

/// Print a line above the progress bar (or plainly, when output is not a terminal).
fn narrate(bar: &ProgressBar, line: String) {
    if bar.is_hidden() {
        println!("{line}");
    } else {
        bar.println(line);
    }
}

fn print_summary(c: &Counters, s: &StatsSnapshot, transitions: &[String]) {
    let line = "─".repeat(58);
    println!("\n{line}\n Summary\n{line}");
    println!(" {:<34} {:>21}", "requests per provider", "");
    for (name, n) in c.per_provider() {
        println!("   {name:<32} {n:>21}");
    }
    println!(" {:<34} {:>21}", "outcomes (top-level calls)", "");
    for (kind, n) in c.outcomes() {
        println!("   {kind:<32} {n:>21}");
    }
    let lookups = s.hits + s.misses;
    println!(
        " {:<34} {:>21}",
        "cache hit rate",
        format!(
            "{:.1}% ({} of {})",
            if lookups == 0 {
                0.0
            } else {
                100.0 * s.hits as f64 / lookups as f64
            },
            s.hits,
            lookups
        )
    );
    println!(" {:<34} {:>21}", "cache invalidations", s.invalidations);
    println!(
        "   (the outage and hot-swap phases use distinct reads on purpose, to reach the providers)"
    );
    println!(" {:<34} {:>21}", "breaker transitions", transitions.len());
    for t in transitions {
        println!("   {t}");
    }
    let fmt = |d: Option<Duration>| {
        d.map_or("-".to_owned(), |d| {
            format!("{:.1} µs", d.as_secs_f64() * 1e6)
        })
    };
    println!(
        " {:<34} {:>21}",
        "added latency p50",
        fmt(c.added_percentile(0.50))
    );
    println!(
        " {:<34} {:>21}",
        "added latency p99",
        fmt(c.added_percentile(0.99))
    );
    println!(
        "   (stack time minus provider time, including deliberate waits:\n    rate-limit queueing and retry backoff)"
    );
    println!("{line}");
}
