//! Property: after any sequence of writes through the layer, no read returns
//! data older than the last write — for one tier and for two tiers, with
//! time passing, concurrent reads and writes, and several tenants.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use mosaic_cache::{Cache, CacheConfig, CacheLayer, MemoryStore};
use mosaic_core::git::{GitRequest, GitResponse, GitService};
use proptest::prelude::*;
use tower::{Layer, ServiceExt};

const REPOS: [&str; 3] = ["a", "b", "c"];
const TENANTS: [&str; 2] = ["t1", "t2"];

#[derive(Debug, Clone)]
enum Step {
    /// Read a repository's description.
    Read { repo: usize, tenant: usize },
    /// List a repository's branches.
    List { repo: usize, tenant: usize },
    /// Change a repository's description.
    Update { repo: usize, tenant: usize },
    /// Create a branch.
    Branch { repo: usize, tenant: usize },
    /// A slow read in the air while a write lands, and a read right after
    /// the write (while the slow read is still in the air).
    Race { repo: usize, tenant: usize },
    /// Let time pass.
    Wait { secs: u64 },
}

fn step() -> impl Strategy<Value = Step> {
    let r = 0..REPOS.len();
    let t = 0..TENANTS.len();
    prop_oneof![
        4 => (r.clone(), t.clone()).prop_map(|(repo, tenant)| Step::Read { repo, tenant }),
        2 => (r.clone(), t.clone()).prop_map(|(repo, tenant)| Step::List { repo, tenant }),
        2 => (r.clone(), t.clone()).prop_map(|(repo, tenant)| Step::Update { repo, tenant }),
        1 => (r.clone(), t.clone()).prop_map(|(repo, tenant)| Step::Branch { repo, tenant }),
        1 => (r.clone(), t.clone()).prop_map(|(repo, tenant)| Step::Race { repo, tenant }),
        1 => (0u64..90).prop_map(|secs| Step::Wait { secs }),
    ]
}

type Stack = Cache<GitService<Forge>, GitResponse>;

async fn send(svc: &Stack, tenant: usize, op: GitRequest) -> GitResponse {
    svc.clone()
        .oneshot(req_for(TENANTS[tenant], op))
        .await
        .expect("the forge answers every call")
}

/// Run the steps; return the first read that saw older data than the last write.
async fn run(steps: Vec<Step>, two_tier: bool) -> Result<(), String> {
    let forge = Forge::new();
    for r in REPOS {
        forge.put_repo("acme", r, "0");
    }
    // calls take a little time so that concurrent calls overlap; reads take
    // longer, so a read can start before a write and end after it
    forge.set_delay(Some(Duration::from_millis(3)));
    forge.set_read_delay(Some(Duration::from_millis(10)));
    let config = CacheConfig::new()
        .with_ttl(Duration::from_secs(60))
        .with_stale_while_revalidate(Duration::from_secs(30));
    let layer: CacheLayer<GitResponse> = if two_tier {
        let shared = Arc::new(MemoryStore::<GitResponse>::new(1000));
        CacheLayer::with_shared(config, shared).expect("no feed: no runtime needed")
    } else {
        CacheLayer::new(config)
    };
    let svc = layer.layer(GitService::new(forge.clone()));
    let mut version = [0u32; REPOS.len()];
    let mut branches = [0usize; REPOS.len()];

    let check_read = |resp: &GitResponse, repo: usize, version: &[u32]| {
        let got: u32 = description(resp).parse().unwrap();
        if got < version[repo] {
            Err(format!(
                "read {got} of {} after write {}",
                REPOS[repo], version[repo]
            ))
        } else {
            Ok(())
        }
    };

    for s in steps {
        match s {
            Step::Read { repo, tenant } => {
                let resp = send(&svc, tenant, get_repo("acme", REPOS[repo])).await;
                check_read(&resp, repo, &version)?;
            }
            Step::List { repo, tenant } => {
                let resp = send(&svc, tenant, list_branches("acme", REPOS[repo])).await;
                let n = branch_names(&resp).len();
                if n < branches[repo] {
                    return Err(format!(
                        "listed {n} branches after creating {}",
                        branches[repo]
                    ));
                }
            }
            Step::Update { repo, tenant } => {
                version[repo] += 1;
                let d = version[repo].to_string();
                send(&svc, tenant, update_description("acme", REPOS[repo], &d)).await;
            }
            Step::Branch { repo, tenant } => {
                branches[repo] += 1;
                let name = format!("b{}", branches[repo]);
                send(&svc, tenant, create_branch("acme", REPOS[repo], &name)).await;
            }
            Step::Race { repo, tenant } => {
                version[repo] += 1;
                let d = version[repo].to_string();
                let slow_read = send(&svc, tenant, get_repo("acme", REPOS[repo]));
                let write_then_read = async {
                    send(
                        &svc,
                        1 - tenant,
                        update_description("acme", REPOS[repo], &d),
                    )
                    .await;
                    send(&svc, tenant, get_repo("acme", REPOS[repo])).await
                };
                // the slow read overlaps the write and may see either version
                let (_, after) = tokio::join!(slow_read, write_then_read);
                check_read(&after, repo, &version)?;
            }
            Step::Wait { secs } => tokio::time::sleep(Duration::from_secs(secs)).await,
        }
    }
    Ok(())
}

fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn no_read_is_older_than_the_last_write(steps in proptest::collection::vec(step(), 1..40)) {
        let outcome = paused_runtime().block_on(run(steps, false));
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }

    #[test]
    fn no_read_is_older_than_the_last_write_with_a_shared_tier(steps in proptest::collection::vec(step(), 1..40)) {
        let outcome = paused_runtime().block_on(run(steps, true));
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}

#[test]
fn the_property_is_checked_against_a_cache_that_does_serve_hits() {
    // Guard against a vacuous property: the same kind of run hits the cache.
    paused_runtime().block_on(async {
        let forge = Forge::new().with_repo("acme", "a", "0");
        let layer = CacheLayer::<GitResponse>::new(CacheConfig::new());
        let svc = layer.layer(GitService::new(forge.clone()));
        for _ in 0..5 {
            send(&svc, 0, get_repo("acme", "a")).await;
        }
        assert_eq!(forge.reads(), 1);
        assert_eq!(layer.stats().snapshot().hits, 4);
    });
}
