//! `mosaic.live.toml`, the main job's deployment on real providers, when
//! their credentials are set.
//!
//! | variables | instance | call |
//! |---|---|---|
//! | `GITHUB_TOKEN` | `github` | the token's user's first repositories |
//! | `GITEA_URL` + `GITEA_TOKEN` | `gitea` | the same, on Gitea / Forgejo |
//! | `OPENAI_API_KEY` (and optional `OPENAI_BASE_URL`) | `openai` | models |
//! | `OLLAMA_URL` | `ollama` | local models |
//!
//! Instances whose variables are missing are dropped from the file (with
//! the rules' and the alias's references to them); the rest is built by
//! `Mosaic` exactly as the file says, so every call goes through the
//! configured stack, router, cache and traces. Nothing is written.

use mosaic::{Mosaic, MosaicConfig};
use mosaic_core::ai::{AiProvider, ListModels};
use mosaic_core::git::{GitProvider, ListRepositories};
use mosaic_core::{PageRequest, RequestContext};
use serde_json::Value;

use crate::stack::Counters;

/// The `env:VAR` references (without a default) in `v`.
fn required_vars(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            if let Some(var) = s.strip_prefix("env:")
                && !var.contains(":-")
            {
                out.push(var.to_owned());
            }
        }
        Value::Object(o) => o.values().for_each(|c| required_vars(c, out)),
        Value::Array(a) => a.iter().for_each(|c| required_vars(c, out)),
        _ => {}
    }
}

fn is_set(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !v.trim().is_empty())
}

/// `config` without the instances whose variables are missing.
fn present(mut config: MosaicConfig) -> MosaicConfig {
    config.providers.retain(|_, spec| {
        let mut vars = Vec::new();
        required_vars(&Value::Object(spec.settings.clone()), &mut vars);
        vars.iter().all(|v| is_set(v))
    });
    let kept = config.providers.clone();
    for routes in [
        &mut config.routes.git,
        &mut config.routes.cicd,
        &mut config.routes.ai,
        &mut config.routes.kb,
        &mut config.routes.workflow,
        &mut config.routes.project,
    ] {
        for r in routes.iter_mut() {
            r.to.retain(|n| kept.contains_key(n));
        }
        routes.retain(|r| !r.to.is_empty());
    }
    for targets in config.ai.aliases.values_mut() {
        targets.retain(|t| kept.contains_key(&t.provider));
    }
    config.ai.aliases.retain(|_, t| !t.is_empty());
    config
}

/// Build the live deployment from whatever credentials are set and make
/// its read-only calls; one line each.
pub(crate) async fn run(c: &Counters) -> Vec<String> {
    let mut out = vec![
        "8. Real providers: mosaic.live.toml, read-only (set GITHUB_TOKEN, GITEA_URL+GITEA_TOKEN, OPENAI_API_KEY or OLLAMA_URL)".to_owned(),
    ];
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/orchestrator/mosaic.live.toml");
    let config = match MosaicConfig::read(std::path::Path::new(path)) {
        Ok(c) => present(c),
        Err(e) => {
            out.push(format!("   mosaic.live.toml: {e}"));
            return out;
        }
    };
    if config.providers.is_empty() {
        out.push("   none set: skipped".to_owned());
        return out;
    }
    let mosaic = match Mosaic::build(&config) {
        Ok(m) => m,
        Err(e) => {
            out.push(format!("   mosaic.live.toml: {e}"));
            return out;
        }
    };
    out.push(format!(
        "   instances: {:?}",
        mosaic.instances().keys().collect::<Vec<_>>()
    ));
    let who = |op: &str| {
        mosaic
            .route(op, None, &RequestContext::new())
            .ok()
            .and_then(|e| e.target().map(str::to_owned))
            .unwrap_or_default()
    };
    if let Ok(git) = mosaic.git() {
        let line = match c
            .call(git.list_repositories(ListRepositories {
                owner: None,
                page: PageRequest::with_size(5),
            }))
            .await
        {
            Ok(page) => format!(
                "   repositories (rule picks {}): {}",
                who("git.repository.list"),
                page.items
                    .iter()
                    .map(|r| r.full_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Err(e) => format!("   repositories: failed: {e}"),
        };
        out.push(line);
    }
    if let Ok(ai) = mosaic.ai() {
        let line = match c
            .call(ai.list_models(ListModels {
                page: PageRequest::with_size(5),
            }))
            .await
        {
            Ok(page) => format!(
                "   models (rule picks {}): {}",
                who("ai.model.list"),
                page.items
                    .iter()
                    .take(5)
                    .map(|m| m.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Err(e) => format!("   models: failed: {e}"),
        };
        out.push(line);
    }
    out
}
