//! A deployment declared in `declarative/mosaic.toml`: instances, their
//! layers and the routing rules come from the file; the program only asks
//! for the git client. It prints what it observed and exits non-zero when a
//! behaviour the file declares did not happen.
//!
//! `cargo run -p mosaic-examples --example declarative`

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use mosaic::git::{CreateRepository, GitOp, GitProvider, RepoRef, Repository};
use mosaic::{Capabilities, Error, ErrorKind, Mosaic, MosaicConfig, Result};

/// The host's own forge: its first answer is a transient failure.
#[derive(Default)]
struct Flaky {
    calls: AtomicU32,
}

#[mosaic::async_trait]
impl GitProvider for Flaky {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository])
    }
    async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(Error::unavailable("warming up"));
        }
        Ok(Repository {
            full_name: format!("{}/{}", r.owner, r.name),
            ..Default::default()
        })
    }
}

fn check(ok: bool, what: &str) -> std::result::Result<(), String> {
    if ok {
        println!("  ok  {what}");
        Ok(())
    } else {
        Err(format!("not observed: {what}"))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/declarative/mosaic.toml");
    let text = std::fs::read_to_string(path)?;
    let config = MosaicConfig::parse(&text, mosaic::config::Format::Toml, path)?;
    let flaky = Arc::new(Flaky::default());
    let mosaic = Mosaic::builder(config)
        .git("flaky", flaky.clone())
        .build()?;
    println!(
        "instances: {:?}",
        mosaic.instances().keys().collect::<Vec<_>>()
    );
    let git = mosaic.git()?;

    let mut internal = CreateRepository::new("internal-tools");
    internal.owner = Some("acme".into());
    let mut public = CreateRepository::new("website");
    public.owner = Some("acme".into());
    git.create_repository(internal).await?;
    git.create_repository(public).await?;

    // Reads follow `default` (primary first): the public repository is
    // there; the internal one was written to the mirror only.
    let site = git.get_repository(RepoRef::new("acme", "website")).await;
    let tools = git
        .get_repository(RepoRef::new("acme", "internal-tools"))
        .await;
    let legacy = git.get_repository(RepoRef::new("acme", "legacy-app")).await;

    check(
        site.is_ok(),
        "acme/website was created on primary and read back",
    )?;
    check(
        tools
            .as_ref()
            .is_err_and(|e| e.kind() == ErrorKind::NotFound),
        "acme/internal-tools was written to the mirror only (primary answers NotFound)",
    )?;
    let calls = flaky.calls.load(Ordering::SeqCst);
    check(
        legacy.is_ok() && calls == 2,
        &format!(
            "acme/legacy-app went to the host's instance, which failed once and was retried ({calls} calls)"
        ),
    )?;
    Ok(())
}
