//! The n8n adapter against a real n8n (`mosaic_testing::N8nServer`,
//! installed by `bash .ci/servers/install-n8n.sh`).
//!
//! n8n takes seconds to start, so one server serves the whole binary: a
//! single test starts it, runs every scenario in turn (each a named async
//! function), reports which failed and how, and stops the server at the
//! end. A missing n8n fails the test with the install command; it is never
//! skipped.
#![cfg(feature = "n8n")]

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures::StreamExt;
use mosaic_core::page::paginate;
use mosaic_core::workflow::*;
use mosaic_core::{ErrorKind, PageRequest};
use mosaic_providers::n8n::{N8n, N8nConfig};
use mosaic_testing::N8nServer;
use mosaic_testing::conformance::workflow::{self as suite, WorkflowSetup};
use serde_json::{Value, json};

type Outcome = Result<(), String>;
type Scenario<'a> = Pin<Box<dyn Future<Output = Outcome> + 'a>>;

/// How long a scenario waits for an execution to show up or finish.
const EXECUTION_WAIT: Duration = Duration::from_secs(60);

macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            return Err(format!($($arg)*));
        }
    };
}

/// A provider error as a scenario failure naming the call.
trait Ctx<T> {
    fn ctx(self, what: &str) -> Result<T, String>;
}

impl<T> Ctx<T> for mosaic_core::Result<T> {
    fn ctx(self, what: &str) -> Result<T, String> {
        self.map_err(|e| format!("{what}: {e} ({})", e.kind()))
    }
}

/// The error of `r`, which must be of `kind`.
fn expect_err<T: std::fmt::Debug>(
    what: &str,
    r: mosaic_core::Result<T>,
    kind: ErrorKind,
) -> Result<mosaic_core::Error, String> {
    match r {
        Ok(v) => Err(format!("{what} succeeded ({v:?}); expected {kind}")),
        Err(e) if e.kind() == kind => Ok(e),
        Err(e) => Err(format!("{what}: expected {kind}, got {} ({e})", e.kind())),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_adapter_against_a_real_n8n() {
    let started = Instant::now();
    let server = tokio::task::spawn_blocking(N8nServer::start)
        .await
        .expect("the start task")
        .unwrap_or_else(|e| panic!("n8n did not start: {e}"));
    eprintln!(
        "n8n up on {} after {:.1}s",
        server.base_url(),
        started.elapsed().as_secs_f64()
    );
    let n8n = N8n::new(N8nConfig::new(server.base_url(), server.api_key().clone()))
        .expect("the provider");
    let base = server.base_url();
    let key = server.api_key().expose().to_owned();

    let scenarios: Vec<(&str, Scenario<'_>)> = vec![
        (
            "the workflow conformance suite",
            Box::pin(conformance(&n8n)),
        ),
        (
            "a webhook workflow runs when its webhook is called",
            Box::pin(webhook_runs(&n8n)),
        ),
        ("listings walk real cursors", Box::pin(pagination(&n8n))),
        (
            "errors as the real server words them",
            Box::pin(errors(&n8n, &base, &key)),
        ),
        (
            "running executions are listed when asked for",
            Box::pin(running_executions(&n8n)),
        ),
        ("a failed execution is retried", Box::pin(retry(&n8n))),
        (
            "tags survive activation and filter listings",
            Box::pin(tags(&n8n)),
        ),
        (
            "stopping an execution is unsupported",
            Box::pin(stop_is_unsupported(&n8n)),
        ),
    ];
    let total = scenarios.len();
    let mut failures = Vec::new();
    for (name, scenario) in scenarios {
        let at = Instant::now();
        let outcome = scenario.await;
        let secs = at.elapsed().as_secs_f64();
        match outcome {
            Ok(()) => eprintln!("ok     {name} ({secs:.1}s)"),
            Err(why) => {
                eprintln!("FAILED {name} ({secs:.1}s): {why}");
                failures.push(format!("{name}: {why}"));
            }
        }
    }
    let log = server.log_tail();
    drop(server);
    eprintln!(
        "{} passed, {} failed",
        total - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} scenarios failed:\n  {}\nn8n log: {log}",
        failures.len(),
        failures.join("\n  ")
    );
}

fn node(name: &str, node_type: &str, version: &str, x: i64, parameters: Value) -> WorkflowNode {
    WorkflowNode {
        name: name.to_owned(),
        node_type: node_type.to_owned(),
        type_version: Some(version.to_owned()),
        parameters,
        position: Some([x, 0]),
        ..Default::default()
    }
}

fn edge(from: &str, to: &str) -> Connection {
    Connection {
        from: from.to_owned(),
        output: 0,
        to: to.to_owned(),
        input: 0,
    }
}

/// A workflow started by a POST webhook at `path` (empty: the webhook id)
/// whose second node is `next`.
fn hooked(name: &str, path: &str, next: WorkflowNode) -> CreateWorkflow {
    let mut params = json!({"httpMethod": "POST"});
    if !path.is_empty() {
        params["path"] = json!(path);
    }
    let hook = node("Hook", "n8n-nodes-base.webhook", "2", 0, params);
    let edges = vec![edge("Hook", &next.name)];
    CreateWorkflow {
        name: name.to_owned(),
        nodes: vec![hook, next],
        connections: edges,
        settings: json!({}),
    }
}

fn noop() -> WorkflowNode {
    node("Step", "n8n-nodes-base.noOp", "1", 200, json!({}))
}

/// Poll the workflow's executions until one satisfies `done`.
async fn wait_for_execution(
    n8n: &N8n,
    workflow_id: &str,
    status: Option<ExecutionStatus>,
    done: impl Fn(&Execution) -> bool,
) -> Result<Execution, String> {
    let start = Instant::now();
    loop {
        let page = n8n
            .list_executions(ListExecutions {
                workflow_id: Some(workflow_id.to_owned()),
                status,
                page: PageRequest::default(),
            })
            .await
            .ctx("list_executions")?;
        if let Some(e) = page.items.into_iter().find(|e| done(e)) {
            return Ok(e);
        }
        if start.elapsed() > EXECUTION_WAIT {
            return Err(format!(
                "no matching execution of workflow {workflow_id} after {EXECUTION_WAIT:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn conformance(n8n: &N8n) -> Outcome {
    let setup = WorkflowSetup {
        // Activation needs a trigger n8n can listen with; a webhook node
        // saved through Mosaic gets its webhook id and so registers.
        trigger_type: "n8n-nodes-base.webhook".to_owned(),
        step_type: "n8n-nodes-base.noOp".to_owned(),
        type_version: Some("1".to_owned()),
        prefix: "mosaic-conformance".to_owned(),
        page_size: 2,
        page_items: 5,
        poll_interval: Duration::from_millis(500),
        max_wait: Duration::from_secs(60),
    };
    let report = suite::run(n8n, &setup).await;
    for check in report.checks() {
        eprintln!("    conformance: {} — {:?}", check.name, check.outcome);
    }
    let failed = report.failures();
    ensure!(
        failed.is_empty(),
        "conformance checks failed: {}",
        failed
            .iter()
            .map(|c| format!("{} ({:?})", c.name, c.outcome))
            .collect::<Vec<_>>()
            .join("; ")
    );
    // Only the checks of what n8n cannot do may be skipped.
    let skipped: Vec<&str> = report.skipped().iter().map(|c| c.name).collect();
    for name in &skipped {
        ensure!(
            name.contains("node types") || name.contains("executions: a run"),
            "conformance check skipped unexpectedly: {name}"
        );
    }
    Ok(())
}

async fn webhook_runs(n8n: &N8n) -> Outcome {
    let w = n8n
        .create_workflow(hooked("mosaic webhook orders", "mosaic-orders", noop()))
        .await
        .ctx("create_workflow")?;
    let hook = w
        .nodes
        .iter()
        .find(|n| n.name == "Hook")
        .ok_or("the webhook node was not stored")?;
    let webhook_id = hook
        .webhook_id
        .clone()
        .ok_or("the webhook node was stored without a webhook id")?;
    ensure!(
        webhook_id.len() == 36 && webhook_id.as_bytes()[14] == b'4',
        "the webhook id `{webhook_id}` is not a UUID v4"
    );
    let active = n8n
        .activate_workflow(WorkflowRef { id: w.id.clone() })
        .await
        .ctx("activate_workflow")?;
    ensure!(active.active, "activation returned an inactive workflow");
    // An update that does not name the webhook id keeps it.
    let renamed = n8n
        .update_workflow(UpdateWorkflow {
            id: w.id.clone(),
            name: Some("mosaic webhook orders (renamed)".to_owned()),
            nodes: Some(
                w.nodes
                    .iter()
                    .cloned()
                    .map(|mut n| {
                        n.webhook_id = None;
                        n
                    })
                    .collect(),
            ),
            ..Default::default()
        })
        .await
        .ctx("update_workflow")?;
    let kept = renamed
        .nodes
        .iter()
        .find(|n| n.name == "Hook")
        .and_then(|n| n.webhook_id.clone());
    ensure!(
        kept.as_deref() == Some(webhook_id.as_str()),
        "the update changed the webhook id to {kept:?}"
    );

    let answer = n8n
        .trigger_webhook(&w.id, json!({"order": 42, "item": "lamp"}))
        .await
        .ctx("trigger_webhook")?;
    ensure!(
        answer["message"] == "Workflow was started",
        "the webhook answered {answer}"
    );
    let listed =
        wait_for_execution(n8n, &w.id, None, |e| e.status == ExecutionStatus::Success).await?;
    ensure!(
        listed.mode.as_deref() == Some("webhook"),
        "the execution's mode is {:?}",
        listed.mode
    );
    let full = n8n
        .get_execution(ExecutionRef {
            id: listed.id.clone(),
        })
        .await
        .ctx("get_execution")?;
    let body = &full.data["resultData"]["runData"]["Hook"][0]["data"]["main"][0][0]["json"]["body"];
    ensure!(
        *body == json!({"order": 42, "item": "lamp"}),
        "the execution's webhook input is {body}"
    );
    ensure!(
        full.finished_at.is_some() && full.workflow_id == w.id,
        "the execution is {full:?}"
    );

    // Without a path, the webhook listens under its webhook id.
    let bare = n8n
        .create_workflow(hooked("mosaic webhook by id", "", noop()))
        .await
        .ctx("create_workflow without a path")?;
    n8n.activate_workflow(WorkflowRef {
        id: bare.id.clone(),
    })
    .await
    .ctx("activate_workflow without a path")?;
    let answer = n8n
        .trigger_webhook(&bare.id, json!({"via": "id"}))
        .await
        .ctx("trigger_webhook by webhook id")?;
    ensure!(
        answer["message"] == "Workflow was started",
        "the webhook answered {answer}"
    );
    wait_for_execution(n8n, &bare.id, None, |e| {
        e.status == ExecutionStatus::Success
    })
    .await?;
    for id in [w.id, bare.id] {
        n8n.deactivate_workflow(WorkflowRef { id: id.clone() })
            .await
            .ctx("deactivate_workflow")?;
        n8n.delete_workflow(WorkflowRef { id })
            .await
            .ctx("delete_workflow")?;
    }
    Ok(())
}

async fn pagination(n8n: &N8n) -> Outcome {
    let mut ids = Vec::new();
    for i in 0..7 {
        let w = n8n
            .create_workflow(CreateWorkflow {
                name: format!("mosaic paging {i}"),
                nodes: vec![node(
                    "Start",
                    "n8n-nodes-base.manualTrigger",
                    "1",
                    0,
                    json!({}),
                )],
                ..Default::default()
            })
            .await
            .ctx("create_workflow")?;
        ids.push(w.id);
    }
    let pages = std::sync::atomic::AtomicUsize::new(0);
    let listed: Vec<Workflow> = paginate(
        ListWorkflows {
            page: PageRequest::with_size(3),
            ..Default::default()
        },
        |p| {
            pages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            n8n.list_workflows(p)
        },
    )
    .collect::<Vec<_>>()
    .await
    .into_iter()
    .collect::<mosaic_core::Result<_>>()
    .ctx("list_workflows")?;
    let pages = pages.into_inner();
    let listed_ids: Vec<&str> = listed.iter().map(|w| w.id.as_str()).collect();
    for id in &ids {
        let times = listed_ids.iter().filter(|l| **l == id.as_str()).count();
        ensure!(times == 1, "workflow {id} was listed {times} times");
    }
    ensure!(
        pages >= 3 && pages == listed.len().div_ceil(3),
        "{} workflows came in {pages} pages of 3",
        listed.len()
    );

    // Executions too: three webhook runs, two per page.
    let w = n8n
        .create_workflow(hooked("mosaic paging runs", "mosaic-paging", noop()))
        .await
        .ctx("create_workflow")?;
    n8n.activate_workflow(WorkflowRef { id: w.id.clone() })
        .await
        .ctx("activate_workflow")?;
    for run in 0..3 {
        n8n.trigger_webhook(&w.id, json!({"run": run}))
            .await
            .ctx("trigger_webhook")?;
    }
    let start = Instant::now();
    let runs: Vec<Execution> = loop {
        let all: Vec<Execution> = paginate(
            ListExecutions {
                workflow_id: Some(w.id.clone()),
                status: Some(ExecutionStatus::Success),
                page: PageRequest::with_size(2),
            },
            |p| n8n.list_executions(p),
        )
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<mosaic_core::Result<_>>()
        .ctx("list_executions")?;
        if all.len() >= 3 || start.elapsed() > EXECUTION_WAIT {
            break all;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut run_ids: Vec<&str> = runs.iter().map(|e| e.id.as_str()).collect();
    run_ids.sort_unstable();
    run_ids.dedup();
    ensure!(
        runs.len() == 3 && run_ids.len() == 3,
        "three runs were listed as {:?}",
        runs.iter().map(|e| &e.id).collect::<Vec<_>>()
    );
    n8n.deactivate_workflow(WorkflowRef { id: w.id.clone() })
        .await
        .ctx("deactivate_workflow")?;
    ids.push(w.id);
    for id in ids {
        n8n.delete_workflow(WorkflowRef { id })
            .await
            .ctx("delete_workflow")?;
    }
    Ok(())
}

async fn errors(n8n: &N8n, base: &str, key: &str) -> Outcome {
    let stranger = N8n::new(N8nConfig::new(base, "not-a-valid-key")).ctx("provider")?;
    let e = expect_err(
        "list_workflows with a bad key",
        stranger.list_workflows(ListWorkflows::default()).await,
        ErrorKind::Unauthenticated,
    )?;
    ensure!(e.status() == Some(401), "status {:?}", e.status());
    ensure!(
        e.message().contains("unauthorized"),
        "the 401 says `{}`",
        e.message()
    );

    let e = expect_err(
        "get_workflow of a missing id",
        n8n.get_workflow(WorkflowRef {
            id: "MissingWorkflow1".to_owned(),
        })
        .await,
        ErrorKind::NotFound,
    )?;
    ensure!(
        e.status() == Some(404) && e.message().contains("Not Found"),
        "the 404 is {e}"
    );
    expect_err(
        "get_execution of a missing id",
        n8n.get_execution(ExecutionRef {
            id: "987654".to_owned(),
        })
        .await,
        ErrorKind::NotFound,
    )?;

    // n8n validates bodies against its OpenAPI description.
    let e = expect_err(
        "create_workflow with settings that are not an object",
        n8n.create_workflow(CreateWorkflow {
            name: "mosaic bad settings".to_owned(),
            settings: json!("weekly"),
            ..Default::default()
        })
        .await,
        ErrorKind::InvalidInput,
    )?;
    ensure!(
        e.status() == Some(400) && e.message().contains("settings"),
        "the 400 is {e}"
    );

    // Activating a workflow that nothing can start.
    let w = n8n
        .create_workflow(CreateWorkflow {
            name: "mosaic no trigger".to_owned(),
            nodes: vec![node("Step", "n8n-nodes-base.noOp", "1", 0, json!({}))],
            ..Default::default()
        })
        .await
        .ctx("create_workflow")?;
    let e = expect_err(
        "activate_workflow without a trigger",
        n8n.activate_workflow(WorkflowRef { id: w.id.clone() })
            .await,
        ErrorKind::InvalidInput,
    )?;
    ensure!(e.status() == Some(400), "the activation error is {e}");
    n8n.delete_workflow(WorkflowRef { id: w.id })
        .await
        .ctx("delete_workflow")?;

    // Tag names: 24 characters are stored, 25 refused before sending.
    let longest = n8n
        .create_tag(CreateTag {
            name: "mosaic-24-characters-tag".to_owned(),
        })
        .await
        .ctx("create_tag of 24 characters")?;
    ensure!(longest.name.len() == 24, "stored as `{}`", longest.name);
    let e = expect_err(
        "create_tag of 25 characters",
        n8n.create_tag(CreateTag {
            name: "mosaic-25-characters-tags".to_owned(),
        })
        .await,
        ErrorKind::InvalidInput,
    )?;
    ensure!(e.status().is_none(), "the long name reached n8n: {e}");

    // A tag name that is taken.
    let name = "mosaic errors taken";
    n8n.create_tag(CreateTag {
        name: name.to_owned(),
    })
    .await
    .ctx("create_tag")?;
    let e = expect_err(
        "create_tag of a taken name",
        n8n.create_tag(CreateTag {
            name: name.to_owned(),
        })
        .await,
        ErrorKind::Conflict,
    )?;
    ensure!(
        e.status() == Some(409) && e.message().contains("already exists"),
        "the 409 is {e}"
    );
    ensure!(
        !format!("{e:?}").contains(key) && !e.to_string().contains(key),
        "an error shows the API key"
    );
    Ok(())
}

async fn running_executions(n8n: &N8n) -> Outcome {
    let wait = node(
        "Wait",
        "n8n-nodes-base.wait",
        "1.1",
        200,
        json!({"amount": 6}),
    );
    let w = n8n
        .create_workflow(hooked("mosaic slow", "mosaic-slow", wait))
        .await
        .ctx("create_workflow")?;
    n8n.activate_workflow(WorkflowRef { id: w.id.clone() })
        .await
        .ctx("activate_workflow")?;
    n8n.trigger_webhook(&w.id, json!({"slow": true}))
        .await
        .ctx("trigger_webhook")?;
    let running = wait_for_execution(n8n, &w.id, Some(ExecutionStatus::Running), |e| {
        e.status == ExecutionStatus::Running
    })
    .await?;
    // n8n leaves running executions out of an unfiltered listing.
    let all = n8n
        .list_executions(ListExecutions {
            workflow_id: Some(w.id.clone()),
            ..Default::default()
        })
        .await
        .ctx("list_executions without a status")?;
    let finished_meanwhile = all.items.iter().any(|e| e.id == running.id);
    if finished_meanwhile {
        let now = n8n
            .get_execution(ExecutionRef {
                id: running.id.clone(),
            })
            .await
            .ctx("get_execution")?;
        ensure!(
            now.status != ExecutionStatus::Running,
            "an unfiltered listing showed the running execution {}",
            running.id
        );
    }
    expect_err(
        "list_executions of queued ones",
        n8n.list_executions(ListExecutions {
            status: Some(ExecutionStatus::Queued),
            ..Default::default()
        })
        .await,
        ErrorKind::InvalidInput,
    )?;
    // Not finished: retrying it is a conflict.
    expect_err(
        "retry_execution of a running execution",
        n8n.retry_execution(ExecutionRef {
            id: running.id.clone(),
        })
        .await,
        ErrorKind::Conflict,
    )?;
    wait_for_execution(n8n, &w.id, None, |e| {
        e.id == running.id && e.status == ExecutionStatus::Success
    })
    .await?;
    n8n.deactivate_workflow(WorkflowRef { id: w.id.clone() })
        .await
        .ctx("deactivate_workflow")?;
    n8n.delete_workflow(WorkflowRef { id: w.id })
        .await
        .ctx("delete_workflow")?;
    Ok(())
}

async fn retry(n8n: &N8n) -> Outcome {
    let boom = node(
        "Boom",
        "n8n-nodes-base.stopAndError",
        "1",
        200,
        json!({"errorMessage": "mosaic boom"}),
    );
    let w = n8n
        .create_workflow(hooked("mosaic failing", "mosaic-failing", boom))
        .await
        .ctx("create_workflow")?;
    n8n.activate_workflow(WorkflowRef { id: w.id.clone() })
        .await
        .ctx("activate_workflow")?;
    n8n.trigger_webhook(&w.id, json!({"attempt": 1}))
        .await
        .ctx("trigger_webhook")?;
    let failed = wait_for_execution(n8n, &w.id, Some(ExecutionStatus::Error), |_| true).await?;
    let again = n8n
        .retry_execution(ExecutionRef {
            id: failed.id.clone(),
        })
        .await
        .ctx("retry_execution")?;
    ensure!(
        again.id != failed.id && again.workflow_id == w.id,
        "the retry is {again:?}"
    );
    ensure!(
        again.mode.as_deref() == Some("retry") && again.status == ExecutionStatus::Error,
        "the retry ran as {:?} and ended {:?}",
        again.mode,
        again.status
    );
    let fetched = n8n
        .get_execution(ExecutionRef {
            id: again.id.clone(),
        })
        .await
        .ctx("get_execution of the retry")?;
    let body =
        &fetched.data["resultData"]["runData"]["Hook"][0]["data"]["main"][0][0]["json"]["body"];
    ensure!(
        *body == json!({"attempt": 1}),
        "the retry ran with input {body}"
    );

    // A successful execution cannot be retried.
    let ok = n8n
        .create_workflow(hooked("mosaic fine", "mosaic-fine", noop()))
        .await
        .ctx("create_workflow")?;
    n8n.activate_workflow(WorkflowRef { id: ok.id.clone() })
        .await
        .ctx("activate_workflow")?;
    n8n.trigger_webhook(&ok.id, json!({}))
        .await
        .ctx("trigger_webhook")?;
    let done = wait_for_execution(n8n, &ok.id, Some(ExecutionStatus::Success), |_| true).await?;
    expect_err(
        "retry_execution of a successful execution",
        n8n.retry_execution(ExecutionRef { id: done.id }).await,
        ErrorKind::Conflict,
    )?;
    expect_err(
        "retry_execution of a missing execution",
        n8n.retry_execution(ExecutionRef {
            id: "987654".to_owned(),
        })
        .await,
        ErrorKind::NotFound,
    )?;
    for id in [w.id, ok.id] {
        n8n.deactivate_workflow(WorkflowRef { id: id.clone() })
            .await
            .ctx("deactivate_workflow")?;
        n8n.delete_workflow(WorkflowRef { id })
            .await
            .ctx("delete_workflow")?;
    }
    Ok(())
}

async fn tags(n8n: &N8n) -> Outcome {
    let w = n8n
        .create_workflow(hooked("mosaic tagged", "mosaic-tagged", noop()))
        .await
        .ctx("create_workflow")?;
    let other = n8n
        .create_workflow(hooked("mosaic untagged", "mosaic-untagged", noop()))
        .await
        .ctx("create_workflow")?;
    let made = n8n
        .create_tag(CreateTag {
            name: "mosaic-billing".to_owned(),
        })
        .await
        .ctx("create_tag")?;
    // One existing tag and one that the call makes.
    let set = n8n
        .set_workflow_tags(SetWorkflowTags {
            id: w.id.clone(),
            tags: vec!["mosaic-billing".to_owned(), "mosaic-nightly".to_owned()],
        })
        .await
        .ctx("set_workflow_tags")?;
    let mut names: Vec<&str> = set.tags.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    ensure!(
        names == ["mosaic-billing", "mosaic-nightly"],
        "set_workflow_tags answered {names:?}"
    );
    ensure!(
        set.tags.iter().any(|t| t.id == made.id),
        "the existing tag was not reused"
    );
    let all = n8n.list_tags(ListTags::default()).await.ctx("list_tags")?;
    let nightly = all
        .items
        .iter()
        .filter(|t| t.name == "mosaic-nightly")
        .count();
    ensure!(nightly == 1, "`mosaic-nightly` is listed {nightly} times");

    for (verb, active) in [("activate", true), ("deactivate", false)] {
        let r = WorkflowRef { id: w.id.clone() };
        let got = if active {
            n8n.activate_workflow(r).await
        } else {
            n8n.deactivate_workflow(r).await
        }
        .ctx(verb)?;
        let mut names: Vec<&str> = got.tags.iter().map(String::as_str).collect();
        names.sort_unstable();
        ensure!(
            got.active == active && names == ["mosaic-billing", "mosaic-nightly"],
            "{verb} returned active={} tags={names:?}",
            got.active
        );
    }

    let tagged = n8n
        .list_workflows(ListWorkflows {
            tags: vec!["mosaic-billing".to_owned(), "mosaic-nightly".to_owned()],
            ..Default::default()
        })
        .await
        .ctx("list_workflows by tags")?;
    let ids: Vec<&str> = tagged.items.iter().map(|w| w.id.as_str()).collect();
    ensure!(ids == [w.id.as_str()], "tag filter listed {ids:?}");

    let cleared = n8n
        .set_workflow_tags(SetWorkflowTags {
            id: w.id.clone(),
            tags: Vec::new(),
        })
        .await
        .ctx("set_workflow_tags to none")?;
    ensure!(cleared.tags.is_empty(), "tags left: {:?}", cleared.tags);
    let read = n8n
        .get_workflow_tags(WorkflowRef { id: w.id.clone() })
        .await
        .ctx("get_workflow_tags")?;
    ensure!(read.tags.is_empty(), "tags read back: {:?}", read.tags);
    expect_err(
        "set_workflow_tags on a missing workflow",
        n8n.set_workflow_tags(SetWorkflowTags {
            id: "MissingWorkflow1".to_owned(),
            tags: vec!["mosaic-never-made".to_owned()],
        })
        .await,
        ErrorKind::NotFound,
    )?;
    let all = n8n.list_tags(ListTags::default()).await.ctx("list_tags")?;
    ensure!(
        !all.items.iter().any(|t| t.name == "mosaic-never-made"),
        "a tag was made for a missing workflow"
    );
    for id in [w.id, other.id] {
        n8n.delete_workflow(WorkflowRef { id })
            .await
            .ctx("delete_workflow")?;
    }
    Ok(())
}

async fn stop_is_unsupported(n8n: &N8n) -> Outcome {
    ensure!(
        !WorkflowProvider::capabilities(n8n).supports(WorkflowOp::StopExecution),
        "stop_execution is claimed"
    );
    let e = expect_err(
        "stop_execution",
        n8n.stop_execution(ExecutionRef { id: "1".to_owned() })
            .await,
        ErrorKind::Unsupported,
    )?;
    ensure!(
        e.message().contains("no endpoint that stops"),
        "the reason is not named: {e}"
    );
    Ok(())
}
