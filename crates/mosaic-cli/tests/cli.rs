//! The `mosaic` command on the shipped example and on broken files.

use std::process::Command;

fn mosaic(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_prints_the_plan_of_the_shipped_example() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/declarative/mosaic.toml"
    );
    let (ok, out, err) = mosaic(&["check", file]);
    assert!(ok, "{err}");
    for needle in [
        "mirror",
        "breaker at 50% of 10 calls",
        "host (supplied by the program)",
        "internal-writes",
        "subject acme/internal-*, writes → mirror (failover)",
        "default",
        "primary, mirror (failover)",
    ] {
        assert!(out.contains(needle), "`{needle}` missing from:\n{out}");
    }
}

#[test]
fn check_accepts_the_main_jobs_file() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/orchestrator/mosaic.toml"
    );
    let (ok, out, err) = mosaic(&["check", file]);
    assert!(ok, "{err}");
    assert!(out.contains("subject */internal-* → gitea"), "{out}");
    assert!(out.contains("rate limit 10/s (queue)"), "{out}");
    assert!(
        out.contains("cache: 10000 entries per family, ttl 60s"),
        "{out}"
    );
}

#[test]
fn check_fails_with_the_place_of_the_problem() {
    let dir = std::env::temp_dir().join(format!("mosaic-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[providers.a]\nkind = \"fake-git\"\nstack = { timout = \"1s\" }\n",
    )
    .unwrap();
    let (ok, _, err) = mosaic(&["check", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("bad.toml:3:"), "{err}");
    assert!(err.contains("timout"), "{err}");

    let dangling = dir.join("dangling.toml");
    std::fs::write(
        &dangling,
        "[providers.a]\nkind = \"fake-git\"\n[[routes.git]]\nto = [\"b\"]\n",
    )
    .unwrap();
    let (ok, _, err) = mosaic(&["check", dangling.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("routes.git[0].to[0]"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn providers_and_schema() {
    let (ok, out, _) = mosaic(&["providers"]);
    assert!(ok);
    for id in ["github", "gitea", "openai", "jira", "fake-git", "host"] {
        assert!(out.contains(id), "{id}: {out}");
    }
    let (ok, out, _) = mosaic(&["schema"]);
    assert!(ok);
    let schema: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(schema["properties"]["providers"].is_object(), "{out}");
}

#[test]
fn route_explains_the_shipped_examples() {
    let declarative = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/declarative/mosaic.toml"
    );
    let (ok, out, err) = mosaic(&[
        "route",
        declarative,
        "git.pull_request.list",
        "acme/site",
        "--tenant",
        "acme",
    ]);
    assert!(ok, "{err}");
    for needle in [
        "skipped rule internal-writes: the operation is a read",
        "rule default (failover): primary → mirror",
        "primary: available",
    ] {
        assert!(out.contains(needle), "`{needle}` missing from:\n{out}");
    }

    let main_job = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/orchestrator/mosaic.toml"
    );
    let (ok, out, err) = mosaic(&[
        "route",
        main_job,
        "git.repository.get",
        "acme/internal-tools",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("rule internal (failover): gitea"), "{out}");
    let (ok, out, err) = mosaic(&["route", main_job, "git.repository.get", "acme/site"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("skipped rule internal: subject \"acme/site\""),
        "{out}"
    );
    assert!(out.contains("github → gitea"), "{out}");

    // The live variant needs no credentials to be explained.
    let live = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/orchestrator/mosaic.live.toml"
    );
    let (ok, out, err) = mosaic(&["route", live, "ai.chat", "chat"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("rule ai.aliases.chat (failover): openai → ollama"),
        "{out}"
    );
}

#[test]
fn route_refuses_unknown_operations_and_bad_labels() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/orchestrator/mosaic.toml"
    );
    let (ok, _, err) = mosaic(&["route", file, "git.repo.gets", "acme/x"]);
    assert!(!ok);
    assert!(err.contains("`git.repo.gets` is not an operation"), "{err}");
    let (ok, _, err) = mosaic(&[
        "route",
        file,
        "git.repository.get",
        "x",
        "--label",
        "region",
    ]);
    assert!(!ok);
    assert!(err.contains("KEY=VALUE"), "{err}");
    let git_only = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/declarative/mosaic.toml"
    );
    let (ok, _, err) = mosaic(&["route", git_only, "ai.chat", "chat"]);
    assert!(!ok);
    assert!(err.contains("no ai provider is configured"), "{err}");
}
