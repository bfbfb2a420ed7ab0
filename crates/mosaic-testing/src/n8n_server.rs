//! A real n8n workflow engine for tests.
//!
//! [`N8nServer::start`] runs `n8n start` on a free loopback port (its task
//! broker on a second free port, without which n8n exits) with its own data
//! directory (`N8N_USER_FOLDER`, a fresh temporary directory holding the
//! SQLite database), waits until the public API answers, makes the owner
//! account and an API key with every scope through n8n's own REST API, and
//! kills the process and its children (the task runner) when the value is
//! dropped. Telemetry, version checks, templates, personalization and
//! community packages are switched off; n8n makes no outbound call.
//!
//! The binary is looked up in `$MOSAIC_N8N` (the path of the `n8n`
//! executable), then `<servers>/n8n/node_modules/.bin/n8n` where
//! `<servers>` is `$MOSAIC_SERVERS_DIR` or `<workspace>/target/test-servers`
//! (where `bash .ci/servers/install-n8n.sh` installs it), then `PATH`. A
//! missing binary is a `Config` error naming the install command; the
//! helper never skips silently.
//!
//! Waiting for the server uses the real clock (`std::thread::sleep`
//! between bounded polls), never tokio's, so the helper works the same
//! under paused time. n8n takes seconds to start (about 15 s on a busy
//! two-core machine, most of it loading node packages; the first start of
//! a data directory also runs the database migrations): start one server
//! per test binary and share it.
//!
//! ```no_run
//! use mosaic_testing::N8nServer;
//!
//! let n8n = N8nServer::start().expect("n8n");
//! let base = n8n.base_url(); // "http://127.0.0.1:<port>"
//! let key = n8n.api_key().clone(); // sent as `X-N8N-API-KEY`
//! # let _ = (base, key);
//! ```

use std::collections::hash_map::RandomState;
use std::ffi::OsString;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::server_process::{Binary, free_port, log_tail, servers_dir};
use mosaic_core::{Error, Result, Secret};
use serde_json::{Value, json};

/// Environment variable naming the `n8n` executable to run.
pub const N8N_ENV: &str = "MOSAIC_N8N";

/// Environment variable naming the directory test servers are installed in
/// (default `<workspace>/target/test-servers`).
pub use crate::server_process::SERVERS_DIR_ENV;

/// The command that installs n8n.
pub const INSTALL_HINT: &str =
    "install it with `bash .ci/servers/install-n8n.sh` (or run `cargo xtask test`)";

/// The owner account's e-mail address.
pub const OWNER_EMAIL: &str = "owner@mosaic.test";

/// How often the helper polls n8n while it starts.
const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// The longest wait for n8n to come up: loading its packages and migrating
/// a new database takes minutes on a slow machine.
const START_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest wait for one HTTP answer while provisioning.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How many fresh ports to try when a chosen one is taken meanwhile.
const PORT_ATTEMPTS: u32 = 3;
/// The `browser-id` header n8n ties a session cookie to.
const BROWSER_ID: &str = "mosaic-testing";

/// A running n8n owned by a test, with an owner account and an API key.
/// Killed (with its children) on drop.
///
/// See the [module documentation](self).
pub struct N8nServer {
    binary: PathBuf,
    port: u16,
    broker_port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
    api_key: Secret,
}

impl fmt::Debug for N8nServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("N8nServer")
            .field("binary", &self.binary)
            .field("port", &self.port)
            .field("broker_port", &self.broker_port)
            .field("dir", &self.dir.path())
            .field("running", &self.child.is_some())
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl N8nServer {
    /// Start n8n on free loopback ports with a new data directory, wait
    /// until its API answers, and make the owner account and an API key.
    ///
    /// # Errors
    /// `Config` when the binary cannot be found or run (the message names
    /// the install command), `Unavailable` when n8n does not come up or the
    /// account cannot be made (the message includes the end of its log).
    pub fn start() -> Result<N8nServer> {
        let binary = find_binary(
            std::env::var_os(N8N_ENV),
            &servers_dir(std::env::var_os(SERVERS_DIR_ENV)),
            std::env::var_os("PATH"),
        )?;
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix("mosaic-n8n-")
                .tempdir()
                .map_err(|e| {
                    Error::internal("cannot create a temporary directory for n8n").with_source(e)
                })?;
            let port = free_port()?;
            let mut broker_port = free_port()?;
            while broker_port == port {
                broker_port = free_port()?;
            }
            let mut server = N8nServer {
                binary: binary.clone(),
                port,
                broker_port,
                dir,
                child: None,
                api_key: Secret::default(),
            };
            match server.launch() {
                Ok(()) => return Ok(server),
                Err(e) => {
                    let port_taken = e.message().contains("already in use")
                        || e.message().contains("EADDRINUSE");
                    last_error = Some(e);
                    if !port_taken {
                        break;
                    }
                }
            }
        }
        Err(last_error.unwrap_or_else(|| Error::unavailable("n8n did not start")))
    }

    /// The instance root, `http://127.0.0.1:<port>` (the public API is at
    /// `/api/v1`, production webhooks under `/webhook/`).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An API key with every scope, for the `X-N8N-API-KEY` header.
    pub fn api_key(&self) -> &Secret {
        &self.api_key
    }

    /// The TCP port n8n listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The socket address, `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The data directory (`N8N_USER_FOLDER`); n8n's log is `n8n.log` in it.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The last lines of n8n's log, for failure messages.
    pub fn log_tail(&self) -> String {
        log_tail(&self.dir.path().join("n8n.log"), 20)
    }

    /// Whether the process is running (it may have exited on its own).
    pub fn is_running(&mut self) -> bool {
        match &mut self.child {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kill n8n and its children and wait until the process is gone.
    /// Stopping a stopped server does nothing.
    ///
    /// # Errors
    /// `Internal` when the process cannot be killed or reaped.
    pub fn stop(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            // n8n leads its own process group (see `launch`): the task
            // runner it spawned goes with it.
            let group = format!("-{}", child.id());
            let _ = Command::new("kill")
                .args(["-KILL", "--", &group])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if matches!(child.try_wait(), Ok(None)) {
                child
                    .kill()
                    .map_err(|e| Error::internal("cannot kill n8n").with_source(e))?;
            }
            child
                .wait()
                .map_err(|e| Error::internal("cannot reap n8n").with_source(e))?;
        }
        Ok(())
    }

    fn launch(&mut self) -> Result<()> {
        let log_path = self.dir.path().join("n8n.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| Error::internal("cannot create the n8n log").with_source(e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| Error::internal("cannot share the n8n log").with_source(e))?;
        let port = self.port.to_string();
        let mut cmd = Command::new(&self.binary);
        cmd.arg("start")
            .current_dir(self.dir.path())
            // Settings of another instance must not leak in.
            .env_remove("N8N_CONFIG_FILES")
            .env_remove("N8N_ENCRYPTION_KEY")
            .env_remove("N8N_PATH")
            .env_remove("N8N_ENDPOINT_WEBHOOK")
            .env_remove("N8N_ENDPOINT_REST")
            .envs(environment(self.dir.path(), self.port, self.broker_port))
            .env("WEBHOOK_URL", format!("http://127.0.0.1:{port}/"))
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err));
        let child = cmd.spawn().map_err(|e| {
            Error::config(format!(
                "cannot run n8n at {}: {INSTALL_HINT}, or set {N8N_ENV}",
                self.binary.display()
            ))
            .with_source(e)
        })?;
        self.child = Some(child);
        let started = Instant::now();
        let deadline = started + START_TIMEOUT;
        let result = self
            .wait_until_ready(deadline, &log_path)
            .and_then(|()| self.provision(deadline));
        match result {
            Ok(key) => {
                self.api_key = Secret::new(key);
                Ok(())
            }
            Err(e) => {
                let _ = self.stop();
                Err(e)
            }
        }
    }

    /// Poll until the public API is mounted (an unauthenticated call
    /// answers 401). n8n answers other paths earlier, while it still loads.
    fn wait_until_ready(&mut self, deadline: Instant, log_path: &Path) -> Result<()> {
        loop {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(Error::unavailable(format!(
                    "n8n on port {} (task broker {}) exited during startup ({status}); log: {}",
                    self.port,
                    self.broker_port,
                    log_tail(log_path, 8)
                )));
            }
            if let Ok(r) = call(self.addr(), "GET", "/api/v1/workflows", &[], None)
                && r.status == 401
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Error::unavailable(format!(
                    "n8n on port {} did not answer on its public API within {}s; log: {}",
                    self.port,
                    START_TIMEOUT.as_secs(),
                    log_tail(log_path, 8)
                )));
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// Make the owner account, log in with it and create an API key with
    /// every scope n8n offers; returns the key.
    fn provision(&self, deadline: Instant) -> Result<String> {
        let addr = self.addr();
        let owner = json!({
            "email": OWNER_EMAIL,
            "firstName": "Mosaic",
            "lastName": "Tests",
            "password": password(),
        });
        let base = [
            ("content-type", "application/json"),
            ("browser-id", BROWSER_ID),
        ];
        // The REST routes may still be registering right after the public
        // API answers: a 404 is retried until the deadline.
        let setup = loop {
            let r = call(addr, "POST", "/rest/owner/setup", &base, Some(&owner))?;
            if r.status != 404 || Instant::now() >= deadline {
                break r;
            }
            std::thread::sleep(POLL_INTERVAL);
        };
        let setup = setup.ok("owner setup")?;
        let cookie = setup.cookie("n8n-auth").ok_or_else(|| {
            Error::unavailable("n8n's owner setup answered without a session cookie")
        })?;
        let cookie = format!("n8n-auth={cookie}");
        let authed = [
            ("content-type", "application/json"),
            ("browser-id", BROWSER_ID),
            ("cookie", cookie.as_str()),
        ];
        let scopes = call(addr, "GET", "/rest/api-keys/scopes", &authed, None)?
            .ok("API key scopes")?
            .json("API key scopes")?;
        let scopes = scopes
            .get("data")
            .filter(|s| s.is_array())
            .cloned()
            .ok_or_else(|| Error::unavailable("n8n listed no API key scopes"))?;
        let request = json!({
            "label": "mosaic-tests",
            "scopes": scopes,
            "expiresAt": null,
        });
        let key = call(addr, "POST", "/rest/api-keys", &authed, Some(&request))?
            .ok("API key creation")?
            .json("API key creation")?;
        key.pointer("/data/rawApiKey")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| Error::unavailable("n8n's API key answer carries no `rawApiKey`"))
    }
}

impl Drop for N8nServer {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The environment n8n runs with: its data directory, loopback ports, and
/// everything that would call out switched off.
fn environment(dir: &Path, port: u16, broker_port: u16) -> Vec<(&'static str, OsString)> {
    let s = |v: &str| OsString::from(v);
    vec![
        ("N8N_USER_FOLDER", dir.as_os_str().to_owned()),
        ("N8N_PORT", s(&port.to_string())),
        ("N8N_LISTEN_ADDRESS", s("127.0.0.1")),
        ("N8N_HOST", s("127.0.0.1")),
        ("N8N_PROTOCOL", s("http")),
        ("N8N_SECURE_COOKIE", s("false")),
        ("N8N_RUNNERS_BROKER_PORT", s(&broker_port.to_string())),
        ("N8N_RUNNERS_BROKER_LISTEN_ADDRESS", s("127.0.0.1")),
        ("N8N_RUNNERS_MODE", s("internal")),
        ("DB_TYPE", s("sqlite")),
        ("EXECUTIONS_MODE", s("regular")),
        ("N8N_DIAGNOSTICS_ENABLED", s("false")),
        ("N8N_VERSION_NOTIFICATIONS_ENABLED", s("false")),
        ("N8N_PERSONALIZATION_ENABLED", s("false")),
        ("N8N_TEMPLATES_ENABLED", s("false")),
        ("N8N_HIRING_BANNER_ENABLED", s("false")),
        ("N8N_COMMUNITY_PACKAGES_ENABLED", s("false")),
        ("N8N_PUBLIC_API_DISABLED", s("false")),
        ("N8N_PUBLIC_API_SWAGGERUI_DISABLED", s("true")),
        ("N8N_DISABLE_UI", s("true")),
        ("N8N_LOG_LEVEL", s("info")),
        ("N8N_LOG_OUTPUT", s("console")),
    ]
}

/// A password for the owner account (n8n asks for 8+ characters with a
/// digit and an upper-case letter); nobody logs in with it again.
fn password() -> String {
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("Mosaic-{:016x}-9", h.finish())
}

/// Locate the binary: `$MOSAIC_N8N`, then the install script's folder
/// under `servers`, then `PATH`.
fn find_binary(
    override_path: Option<OsString>,
    servers: &Path,
    search_path: Option<OsString>,
) -> Result<PathBuf> {
    Binary {
        program: "n8n",
        env: N8N_ENV,
        installed: Some(servers.join("n8n/node_modules/.bin/n8n")),
        defaults: &[],
        what: "n8n (npm `n8n`)",
        hint: INSTALL_HINT,
    }
    .find(override_path, search_path)
}

/// An HTTP answer: status, headers (names lower-cased) and body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    /// The answer itself if it is a success, else `Unavailable` naming
    /// `what` with n8n's message.
    fn ok(self, what: &str) -> Result<Answer> {
        if (200..300).contains(&self.status) {
            return Ok(self);
        }
        let text = String::from_utf8_lossy(&self.body);
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| text.chars().take(200).collect());
        Err(Error::unavailable(format!(
            "n8n refused the {what} (HTTP {}): {message}",
            self.status
        ))
        .with_status(self.status))
    }

    fn json(self, what: &str) -> Result<Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::unavailable(format!("n8n's answer to the {what} is not JSON")).with_source(e)
        })
    }

    /// The value of the cookie `name` that the answer sets.
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .find_map(|(_, v)| {
                let pair = v.split(';').next()?.trim();
                let (k, value) = pair.split_once('=')?;
                (k.trim() == name).then(|| value.trim().to_owned())
            })
    }
}

/// One HTTP/1.1 exchange over a fresh connection (`Connection: close`).
fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Result<Answer> {
    let unavailable =
        |e: std::io::Error| Error::unavailable(format!("n8n {method} {path}")).with_source(e);
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_millis(500)).map_err(unavailable)?;
    stream
        .set_read_timeout(Some(CALL_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(CALL_TIMEOUT)))
        .map_err(unavailable)?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\naccept: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).map_err(unavailable)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(unavailable)?;
    parse_answer(&raw).ok_or_else(|| {
        Error::unavailable(format!("n8n sent a malformed answer to {method} {path}"))
    })
}

/// Split a raw HTTP/1.1 answer (read to the end of the connection) into
/// status, headers and body, undoing chunked transfer encoding.
fn parse_answer(raw: &[u8]) -> Option<Answer> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        body = dechunk(&body)?;
    }
    Some(Answer {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_binary_names_the_install_command() {
        let servers = tempfile::tempdir().unwrap();
        let e = find_binary(None, servers.path(), Some(OsString::new())).unwrap_err();
        assert_eq!(e.kind(), mosaic_core::ErrorKind::Config);
        let msg = e.message();
        assert!(msg.contains("bash .ci/servers/install-n8n.sh"), "{msg}");
        assert!(msg.contains("cargo xtask test"), "{msg}");
        assert!(msg.contains(N8N_ENV), "{msg}");
        let e = find_binary(
            Some(OsString::from("/nonexistent/n8n")),
            servers.path(),
            None,
        )
        .unwrap_err();
        assert!(e.message().contains("/nonexistent/n8n"), "{e}");
    }

    #[test]
    fn the_override_then_the_installed_binary_then_path() {
        let servers = tempfile::tempdir().unwrap();
        let on_path = tempfile::tempdir().unwrap();
        std::fs::write(on_path.path().join("n8n"), "").unwrap();
        let path_var = std::env::join_paths([on_path.path()]).unwrap();
        assert_eq!(
            find_binary(None, servers.path(), Some(path_var.clone())).unwrap(),
            on_path.path().join("n8n")
        );
        let bin = servers.path().join("n8n/node_modules/.bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("n8n"), "").unwrap();
        assert_eq!(
            find_binary(None, servers.path(), Some(path_var.clone())).unwrap(),
            bin.join("n8n")
        );
        let chosen = on_path.path().join("n8n");
        assert_eq!(
            find_binary(
                Some(chosen.clone().into_os_string()),
                servers.path(),
                Some(path_var)
            )
            .unwrap(),
            chosen
        );
    }

    #[test]
    fn the_environment_keeps_n8n_local_and_quiet() {
        let env = environment(Path::new("/data"), 4000, 4001);
        let get = |k: &str| {
            env.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_str().unwrap().to_owned())
        };
        assert_eq!(get("N8N_USER_FOLDER").as_deref(), Some("/data"));
        assert_eq!(get("N8N_PORT").as_deref(), Some("4000"));
        assert_eq!(get("N8N_RUNNERS_BROKER_PORT").as_deref(), Some("4001"));
        assert_eq!(get("N8N_LISTEN_ADDRESS").as_deref(), Some("127.0.0.1"));
        for off in [
            "N8N_DIAGNOSTICS_ENABLED",
            "N8N_VERSION_NOTIFICATIONS_ENABLED",
            "N8N_PERSONALIZATION_ENABLED",
            "N8N_TEMPLATES_ENABLED",
        ] {
            assert_eq!(get(off).as_deref(), Some("false"), "{off}");
        }
    }

    #[test]
    fn passwords_meet_n8ns_rules() {
        let p = password();
        assert!(p.len() >= 8);
        assert!(p.chars().any(|c| c.is_ascii_digit()));
        assert!(p.chars().any(|c| c.is_ascii_uppercase()));
    }

    #[test]
    fn answers_parse_with_and_without_chunking() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nSet-Cookie: n8n-auth=abc.def; Path=/; HttpOnly\r\nContent-Length: 11\r\n\r\n{\"data\":[]}";
        let a = parse_answer(plain).unwrap();
        assert_eq!(a.status, 200);
        assert_eq!(a.cookie("n8n-auth").as_deref(), Some("abc.def"));
        assert_eq!(a.cookie("other"), None);
        assert_eq!(a.json("x").unwrap(), json!({"data": []}));
        let chunked = b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"mes\r\n10\r\nsage\":\"nope\"}   \r\n0\r\n\r\n";
        let a = parse_answer(chunked).unwrap();
        assert_eq!(a.status, 401);
        let e = a.ok("owner setup").unwrap_err();
        assert_eq!(e.kind(), mosaic_core::ErrorKind::Unavailable);
        assert!(e.message().contains("nope"), "{e}");
        assert!(parse_answer(b"garbage").is_none());
    }

    #[test]
    fn debug_hides_the_api_key() {
        let server = N8nServer {
            binary: PathBuf::from("n8n"),
            port: 1,
            broker_port: 2,
            dir: tempfile::tempdir().unwrap(),
            child: None,
            api_key: Secret::new("n8n_api_very_secret"),
        };
        assert!(!format!("{server:?}").contains("very_secret"));
    }
}
