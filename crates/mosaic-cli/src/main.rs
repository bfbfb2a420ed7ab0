//! `mosaic`: check a deployment file and print its plan, list the
//! providers this build knows, print the file's JSON Schema, serve the
//! deployment to an agent over MCP.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mosaic::config::file::{RouteSpec, StackSpec};
use mosaic::config::{Format, MosaicConfig};
use mosaic::{Family, Mosaic};

/// Mosaic's command line.
#[derive(Debug, Parser)]
#[command(name = "mosaic", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a deployment file (TOML, or JSON for `.json`) and print the
    /// resolved plan: instances, their stacks, the rules per family.
    Check {
        /// The file.
        file: PathBuf,
    },
    /// Which instance would serve an operation, in which order, and why:
    /// the matching rule, the rules before it that do not match, the
    /// candidates with their health. Needs no credentials: every instance
    /// is stood in for by an in-memory one of its family.
    Route {
        /// The file.
        file: PathBuf,
        /// An operation name, e.g. `git.pull_request.list` or `ai.chat`.
        operation: String,
        /// The call's subject (`owner/repo`, a model name, …).
        subject: Option<String>,
        /// The caller's tenant.
        #[arg(long)]
        tenant: Option<String>,
        /// A context label `key=value` (repeatable).
        #[arg(long = "label", value_name = "KEY=VALUE")]
        labels: Vec<String>,
    },
    /// The provider kinds this build knows, with their families and
    /// configuration keys.
    Providers,
    /// The JSON Schema of the deployment file.
    Schema,
    /// Serve the deployment to an agent over MCP (Model Context Protocol):
    /// one tool per operation its providers support, reads by default and
    /// the writes its `[mcp]` section allows, every call through its
    /// routes, failover, retries, limits and cache. Over stdio (one
    /// session, until the client closes standard input), or streamable
    /// HTTP with `--http`.
    Mcp {
        /// The file.
        file: PathBuf,
        /// Serve streamable HTTP on this address (`127.0.0.1:8080`) at
        /// `/mcp` instead of stdio, until interrupted.
        #[arg(long, value_name = "ADDR")]
        http: Option<String>,
        /// With `--http`: also accept this `Host` header (loopback names
        /// only by default; repeatable).
        #[arg(long = "allow-host", value_name = "HOST", requires = "http")]
        allow_hosts: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = match cli.command {
        Command::Check { file } => check(&file),
        Command::Route {
            file,
            operation,
            subject,
            tenant,
            labels,
        } => route(&file, &operation, subject.as_deref(), tenant, &labels),
        Command::Providers => providers(),
        Command::Schema => schema(),
        Command::Mcp {
            file,
            http,
            allow_hosts,
        } => mcp(&file, http.as_deref(), &allow_hosts),
    };
    match out {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            for f in e.fields() {
                eprintln!("  {}: {}", f.field, f.message);
            }
            ExitCode::FAILURE
        }
    }
}

/// Serve `path` over MCP: stdio, or streamable HTTP on `http`.
fn mcp(
    path: &std::path::Path,
    http: Option<&str>,
    allow_hosts: &[String],
) -> mosaic::Result<String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| mosaic::Error::internal(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        // Instances the program would supply (`kind = "host"`) have no
        // program here: in-memory stand-ins of their family serve them.
        let (config, host, _) = stand_ins(&read(path)?, false);
        if !host.is_empty() {
            eprintln!(
                "mosaic mcp: {} served by in-memory stand-ins (kind = \"host\")",
                host.join(", ")
            );
        }
        let server = mosaic_mcp::McpServer::new(Mosaic::connect(&config).await?);
        let Some(addr) = http else {
            server.serve_stdio().await?;
            return Ok(String::new());
        };
        let options = allow_hosts
            .iter()
            .fold(mosaic_mcp::HttpOptions::new(), |o, h| o.allow_host(h));
        let http = server.serve_http(addr, options).await?;
        eprintln!("mosaic mcp: serving {} at {}", path.display(), http.url());
        let _ = tokio::signal::ctrl_c().await;
        http.shutdown().await;
        Ok(String::new())
    })
}

fn schema() -> mosaic::Result<String> {
    Ok(serde_json::to_string_pretty(&MosaicConfig::json_schema()).unwrap_or_default() + "\n")
}

fn family_label(f: Family) -> &'static str {
    f.as_str()
}

fn routes(config: &MosaicConfig) -> [(&'static str, &Vec<RouteSpec>); 6] {
    let r = &config.routes;
    [
        ("git", &r.git),
        ("cicd", &r.cicd),
        ("ai", &r.ai),
        ("kb", &r.kb),
        ("workflow", &r.workflow),
        ("project", &r.project),
    ]
}

fn stack_summary(s: &StackSpec) -> String {
    let mut parts = Vec::new();
    if let Some(b) = &s.bulkhead {
        parts.push(format!("bulkhead {} at once", b.max_concurrent));
    }
    if let Some(l) = &s.rate_limit {
        let rate = match (l.per_second, l.per_minute, l.per_hour) {
            (Some(n), _, _) => format!("{n}/s"),
            (_, Some(n), _) => format!("{n}/min"),
            (_, _, Some(n)) => format!("{n}/h"),
            _ => "?".into(),
        };
        let shared = if l.shared { ", shared" } else { "" };
        parts.push(format!("rate limit {rate} ({:?}{shared})", l.mode).to_lowercase());
    }
    if let Some(b) = &s.breaker {
        parts.push(format!(
            "breaker at {:.0}% of {} calls, open {:?}",
            b.failure_rate * 100.0,
            b.window,
            b.open_for
        ));
    }
    if let Some(r) = &s.retry {
        parts.push(format!("retry {} attempts", r.attempts));
    }
    if let Some(t) = &s.timeout {
        parts.push(format!("timeout {t:?}"));
    }
    if parts.is_empty() {
        "no layers".into()
    } else {
        parts.join(" → ")
    }
}

fn read(path: &std::path::Path) -> mosaic::Result<MosaicConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        mosaic::Error::config(format!("cannot read {}: {}", path.display(), e.kind()))
    })?;
    MosaicConfig::parse(&text, Format::of_path(path), &path.display().to_string())
}

/// `config` with in-memory stand-ins: instances the program supplies
/// (`kind = "host"`) become fakes of the family their routes or aliases
/// give them, and with `all`, every instance becomes a fake of its kind's
/// family and state shared through Redis becomes local. Returns the
/// host instances, and those whose family nothing tells.
fn stand_ins(config: &MosaicConfig, all: bool) -> (MosaicConfig, Vec<String>, Vec<String>) {
    let mut out = config.clone();
    let mut host = Vec::new();
    let mut unrouted = Vec::new();
    for (name, spec) in out.providers.iter_mut() {
        if spec.kind == "host" {
            let aliased = config
                .ai
                .aliases
                .values()
                .any(|ts| ts.iter().any(|t| &t.provider == name));
            let family = routes(config)
                .into_iter()
                .find(|(_, rs)| rs.iter().any(|r| r.to.contains(name)))
                .map(|(f, _)| f)
                .or(aliased.then_some("ai"));
            spec.kind = format!("fake-{}", family.unwrap_or("git"));
            if family.is_none() {
                unrouted.push(name.clone());
            }
            host.push(name.clone());
        } else if all && let Some(f) = mosaic::config::family_of(&spec.kind) {
            spec.kind = format!("fake-{}", f.as_str());
            spec.settings.clear();
        }
        if all && let Some(l) = spec.stack.rate_limit.as_mut() {
            l.shared = false;
        }
    }
    if all {
        out.redis = None;
        for t in out.tenants.values_mut() {
            t.rate_limit.shared = false;
        }
        if let Some(c) = out.cache.as_mut() {
            c.shared = false;
        }
    }
    (out, host, unrouted)
}

fn route(
    path: &std::path::Path,
    operation: &str,
    subject: Option<&str>,
    tenant: Option<String>,
    labels: &[String],
) -> mosaic::Result<String> {
    let config = read(path)?;
    let (dry, _, _) = stand_ins(&config, true);
    let mosaic = Mosaic::build(&dry)?;
    let mut context = mosaic::RequestContext::new();
    if let Some(t) = tenant {
        context = context.with_tenant(t);
    }
    for label in labels {
        let (k, v) = label.split_once('=').ok_or_else(|| {
            mosaic::Error::new(
                mosaic::ErrorKind::InvalidInput,
                format!("--label `{label}`: expected KEY=VALUE"),
            )
        })?;
        context = context.with_label(k.to_owned(), v.to_owned());
    }
    let why = mosaic.route(operation, subject, &context)?;
    Ok(format!("{why}\n"))
}

fn check(path: &std::path::Path) -> mosaic::Result<String> {
    let config = read(path)?;
    // Instances the program supplies (`kind = "host"`) are checked as
    // stand-ins of the family their routes give them.
    let (checked, host, unrouted) = stand_ins(&config, false);
    let instances = Mosaic::build(&checked)?.instances();

    let mut out = format!("{}: ok\n\ninstances:\n", path.display());
    for (name, family) in &instances {
        let spec = &config.providers[name];
        let kind = if host.contains(name) {
            "host (supplied by the program)".to_owned()
        } else {
            spec.kind.clone()
        };
        let family = if unrouted.contains(name) {
            "?"
        } else {
            family_label(*family)
        };
        out.push_str(&format!(
            "  {name:<16} {family:<9} {kind}\n  {:<16} {}\n",
            "",
            stack_summary(&spec.stack)
        ));
    }
    let mut by_family: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, family) in &instances {
        by_family
            .entry(family_label(*family))
            .or_default()
            .push(name);
    }
    if let Some(c) = &config.cache {
        out.push_str(&format!(
            "\ncache: {} entries per family, ttl {:?}, {} operation ttl(s), stale if error {:?}\n",
            c.entries.unwrap_or(10_000),
            c.ttl.unwrap_or(std::time::Duration::from_secs(60)),
            c.operations.len(),
            c.stale_if_error.unwrap_or_default()
        ));
    }
    for (tenant, t) in &config.tenants {
        out.push_str(&format!(
            "tenant {tenant}: {}\n",
            stack_summary(&StackSpec {
                rate_limit: Some(t.rate_limit.clone()),
                ..Default::default()
            })
        ));
    }
    for (alias, targets) in &config.ai.aliases {
        let to: Vec<String> = targets
            .iter()
            .map(|t| format!("{} as {}", t.provider, t.model))
            .collect();
        out.push_str(&format!(
            "ai alias {alias}: {} (failover)\n",
            to.join(" → ")
        ));
    }
    if !config.ai.context_fallback {
        out.push_str("ai: no failover on context length\n");
    }
    if let Some(o) = &config.observability {
        out.push_str(&format!(
            "observability: request traces {}, attempt traces {}\n",
            if o.requests { "on" } else { "off" },
            if o.attempts { "on" } else { "off" }
        ));
    }
    if config.redis.is_some() {
        out.push_str("redis: configured (shared quotas and cache tier)\n");
    }
    out.push_str("\nroutes:\n");
    for (family, rules) in routes(&config) {
        let Some(instances) = by_family.get(family) else {
            continue;
        };
        if rules.is_empty() {
            out.push_str(&format!(
                "  {family}[default]  any → {} (failover)\n",
                instances.join(", ")
            ));
        }
        for (i, r) in rules.iter().enumerate() {
            let name = r.name.clone().unwrap_or_else(|| format!("{family}[{i}]"));
            let m = &r.matches;
            let mut cond = Vec::new();
            if let Some(g) = &m.operation {
                cond.push(format!("operation {g}"));
            }
            if let Some(g) = &m.subject {
                cond.push(format!("subject {g}"));
            }
            if let Some(g) = &m.tenant {
                cond.push(format!("tenant {g}"));
            }
            for (k, v) in &m.labels {
                cond.push(format!("label {k}={v}"));
            }
            if let Some(a) = m.access {
                cond.push(format!("{a:?}s").to_lowercase());
            }
            let cond = if cond.is_empty() {
                "any".to_owned()
            } else {
                cond.join(", ")
            };
            out.push_str(&format!(
                "  {name:<16} {cond} → {} ({})\n",
                r.to.join(", "),
                format!("{:?}", r.strategy).to_lowercase()
            ));
        }
    }
    Ok(out)
}

fn providers() -> mosaic::Result<String> {
    let mut out = String::new();
    for f in mosaic::providers::catalog::factories()? {
        let m = f.manifest();
        let families: Vec<&str> = m.families.iter().map(|f| family_label(*f)).collect();
        let keys: Vec<String> = m
            .config
            .schema
            .as_ref()
            .and_then(|s| {
                s.raw()
                    .get("properties")
                    .and_then(|p| p.as_object())
                    .cloned()
            })
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let ops: usize = m.capabilities.values().map(|c| c.len()).sum();
        out.push_str(&format!(
            "{:<16} {:<8} {ops:>3} operations  keys: {}\n",
            m.id,
            families.join(","),
            keys.join(", ")
        ));
    }
    out.push_str("forgejo          git      (the gitea provider)\n");
    for k in mosaic::config::kinds() {
        if k.starts_with("fake-") {
            out.push_str(&format!("{k:<16} (in-memory fake, no settings)\n"));
        }
    }
    out.push_str("host             (an instance the program supplies in code)\n");
    Ok(out)
}
