//! Mosaic's project commands, run as `cargo xtask <command>` (an alias in
//! `.cargo/config.toml`).
//!
//! * `cargo xtask test [ARGS...]` — install what the test suite needs, then
//!   run `cargo test --workspace --all-features [ARGS...]`;
//! * `cargo xtask install` — only install;
//! * `cargo xtask wasm-guests` — only build the WebAssembly guests;
//! * `cargo xtask servers` — say where each test server is looked for and
//!   whether it is there.
//!
//! What is installed, each step skipped when already done:
//!
//! | server | used by | installed with |
//! |---|---|---|
//! | `redis-server` | `mosaic_testing::RedisServer` | Debian's `redis-server` package (`apt-get`) |
//! | n8n | `mosaic_testing::N8nServer` | `.ci/servers/install-n8n.sh` (npm, pinned) |
//! | LiteLLM proxy | `mosaic_testing::AiGatewayServer` | `.ci/servers/install-litellm.sh` (PyPI, in a virtualenv) |
//! | WebAssembly guests | `mosaic-wasm`'s tests | Debian's `clang`, `lld`, `wasi-libc`, `libclang-rt-dev-wasm32` (`apt-get`); built into `target/wasm-guests` |
//!
//! n8n and LiteLLM go to `$MOSAIC_SERVERS_DIR`, by default
//! `<workspace>/target/test-servers` — where the test helpers look — so a
//! plain `cargo test --workspace --all-features` finds them afterwards.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

mod wasm_guests;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  test [ARGS...]   install the test servers, then cargo test --workspace --all-features [ARGS...]
  install          install the test servers only
  servers          show where each test server is looked for
  wasm-guests      build only the WebAssembly guests (installing their toolchains)
";

/// Where `redis-server` is looked for after `PATH` (as `RedisServer` does).
const REDIS_LOCATIONS: &[&str] = &[
    "/usr/bin/redis-server",
    "/usr/local/bin/redis-server",
    "/usr/sbin/redis-server",
];

fn main() -> ExitCode {
    let mut args = env::args_os().skip(1);
    let command = args.next();
    let rest: Vec<OsString> = args.collect();
    let result = match command.as_ref().and_then(|c| c.to_str()) {
        Some("test") => install().and_then(|()| test(&rest)),
        Some("install") if rest.is_empty() => install(),
        Some("wasm-guests") if rest.is_empty() => wasm_guests::build(),
        Some("servers") if rest.is_empty() => {
            servers();
            Ok(())
        }
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown or malformed command\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn workspace() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Where n8n and LiteLLM are installed.
fn servers_dir() -> PathBuf {
    match env::var_os("MOSAIC_SERVERS_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => workspace().join("target").join("test-servers"),
    }
}

fn on_path(binary: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(binary))
        .find(|p| p.is_file())
}

fn redis_server() -> Option<PathBuf> {
    if let Some(p) = env::var_os("MOSAIC_REDIS_SERVER").map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    on_path("redis-server").or_else(|| {
        REDIS_LOCATIONS
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
    })
}

/// Run `command`, failing with what it was and how it ended.
fn run(what: &str, command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("{what}: cannot start {:?}: {e}", command.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn step(title: &str) {
    println!("\n==> {title}");
}

fn install() -> Result<(), String> {
    let started = Instant::now();
    step("redis-server");
    match redis_server() {
        Some(p) => println!("found {}", p.display()),
        None => install_redis()?,
    }
    let dir = servers_dir();
    let scripts = workspace().join(".ci").join("servers");
    for (name, script) in [("n8n", "install-n8n.sh"), ("LiteLLM", "install-litellm.sh")] {
        step(name);
        run(
            &format!("installing {name}"),
            Command::new("bash")
                .arg(scripts.join(script))
                .env("MOSAIC_SERVERS_DIR", &dir),
        )?;
    }
    step("WebAssembly guests");
    wasm_guests::build()?;
    println!(
        "\ntest servers ready in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Debian's package, with `sudo` when not root.
fn install_redis() -> Result<(), String> {
    if on_path("apt-get").is_none() {
        return Err(
            "redis-server is not installed and apt-get is not available: install Redis \
             (the `redis-server` binary) with the system's package manager, or point \
             MOSAIC_REDIS_SERVER at it"
                .into(),
        );
    }
    println!("installing Debian's redis-server package");
    apt_install(&["redis-server"])?;
    match redis_server() {
        Some(p) => {
            println!("installed {}", p.display());
            Ok(())
        }
        None => Err("apt-get installed redis-server but the binary is not to be found".into()),
    }
}

/// `apt-get update` and `apt-get install` of `packages`, with `sudo` when
/// not root.
fn apt_install(packages: &[&str]) -> Result<(), String> {
    if on_path("apt-get").is_none() {
        return Err(format!(
            "apt-get is not available: install {} with the system's package manager",
            packages.join(" ")
        ));
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    let apt = |args: &[&str]| {
        let mut c = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run("apt-get update", &mut apt(&["update", "-qq"]))?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend_from_slice(packages);
    run(
        &format!("apt-get install {}", packages.join(" ")),
        &mut apt(&args),
    )
}

fn test(args: &[OsString]) -> Result<(), String> {
    step("cargo test --workspace --all-features");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    run(
        "the test suite",
        Command::new(cargo)
            .current_dir(workspace())
            .args(["test", "--workspace", "--all-features"])
            .args(args)
            .env("MOSAIC_SERVERS_DIR", servers_dir()),
    )
}

fn servers() {
    let dir = servers_dir();
    let show = |name: &str, path: Option<PathBuf>, fallback: &str| match path {
        Some(p) => println!("{name:<14} {}", p.display()),
        None => println!("{name:<14} missing (looked for {fallback})"),
    };
    show("redis-server", redis_server(), "PATH and /usr/bin");
    let n8n = dir.join("n8n/node_modules/.bin/n8n");
    show(
        "n8n",
        n8n.is_file().then(|| n8n.clone()),
        &n8n.display().to_string(),
    );
    let litellm = dir.join("litellm/bin/litellm");
    show(
        "litellm",
        litellm.is_file().then(|| litellm.clone()),
        &litellm.display().to_string(),
    );
    let guests = wasm_guests::out_dir().join("c");
    show(
        "wasm guests",
        guests.is_dir().then(|| guests.clone()),
        &guests.display().to_string(),
    );
}
