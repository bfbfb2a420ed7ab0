//! A real OpenAI/Anthropic-compatible AI gateway (the LiteLLM proxy) for
//! tests.
//!
//! [`AiGatewayServer::start`] writes a LiteLLM configuration of mock models
//! (no model is ever called: every answer comes from LiteLLM's
//! `mock_response` machinery), starts `litellm` on a free loopback port
//! without a database, waits until `/health/liveliness` answers, and kills
//! the process when the value is dropped. The gateway speaks OpenAI's API
//! under `/v1` (chat completions, completions, embeddings, models) and
//! Anthropic's Messages API at `/v1/messages`, and checks the master key on
//! every request.
//!
//! The models (their names are the constants of this module):
//!
//! | model | answers |
//! |---|---|
//! | [`CHAT_MODEL`] | [`CHAT_REPLY`], streamed in pieces with usage on OpenAI's API; listed with a context window of [`CHAT_CONTEXT_WINDOW`] and [`CHAT_MAX_OUTPUT_TOKENS`] |
//! | [`SMALL_MODEL`] | a context-window error (LiteLLM's `ContextWindowExceededError`, HTTP 400) on either API; listed with a context window of [`SMALL_CONTEXT_WINDOW`] |
//! | [`TOOL_MODEL`] | a call of the tool `get_weather` with `{"city": "Paris"}` (not streamed: LiteLLM's mock streams text only) |
//! | [`EMBEDDING_MODEL`] | the vector [`EMBEDDING`] — one vector per request, whatever the number of inputs (LiteLLM's mock) |
//! | [`RELAY_MODEL`] | [`CHAT_MODEL`]'s answer, fetched by the gateway from itself over OpenAI's API, so that Anthropic's `/v1/messages` translates it and streams real Anthropic events (a mock model answers `/v1/messages` with one JSON message, even when asked to stream) |
//! | [`TOOL_RELAY_MODEL`] | [`TOOL_MODEL`]'s answer the same way: a `tool_use` block on `/v1/messages` |
//!
//! The binary is looked up in `$MOSAIC_LITELLM` (the path of the `litellm`
//! executable), then `<servers>/litellm/bin/litellm` where `<servers>` is
//! `$MOSAIC_SERVERS_DIR` or `<workspace>/target/test-servers` (where
//! `bash .ci/servers/install-litellm.sh` installs it), then `PATH`. A
//! missing binary is a `Config` error naming the install command; the
//! helper never skips silently. LiteLLM is told to make no outbound call
//! (local model cost map and Anthropic beta headers, telemetry off).
//!
//! Waiting for the gateway uses the real clock (`std::thread::sleep`
//! between bounded polls), never tokio's, so the helper works the same
//! under paused time. LiteLLM takes seconds to start (it imports a large
//! Python package): start one gateway per test binary and share it.
//!
//! ```no_run
//! use mosaic_testing::AiGatewayServer;
//! use mosaic_testing::ai_gateway_server::CHAT_MODEL;
//!
//! let gateway = AiGatewayServer::start().expect("litellm");
//! let openai_base = gateway.openai_base_url(); // "http://127.0.0.1:<port>/v1"
//! let anthropic_base = gateway.base_url(); // "http://127.0.0.1:<port>"
//! let key = gateway.master_key();
//! # let _ = (openai_base, anthropic_base, key, CHAT_MODEL);
//! ```

use std::ffi::OsString;
use std::fmt;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::server_process::{Binary, free_port, log_tail, servers_dir};
use mosaic_core::{Error, Result};
use serde_json::{Value, json};

/// Environment variable naming the `litellm` executable to run.
pub const LITELLM_ENV: &str = "MOSAIC_LITELLM";

/// Environment variable naming the directory test servers are installed in
/// (default `<workspace>/target/test-servers`).
pub use crate::server_process::SERVERS_DIR_ENV;

/// The command that installs the gateway.
pub const INSTALL_HINT: &str =
    "install it with `bash .ci/servers/install-litellm.sh` (or run `cargo xtask test`)";

/// A chat model answering [`CHAT_REPLY`].
pub const CHAT_MODEL: &str = "mosaic-chat";
/// What [`CHAT_MODEL`] answers.
pub const CHAT_REPLY: &str = "Hello from the gateway!";
/// The context window [`CHAT_MODEL`] is listed with.
pub const CHAT_CONTEXT_WINDOW: u32 = 128_000;
/// The output limit [`CHAT_MODEL`] is listed with.
pub const CHAT_MAX_OUTPUT_TOKENS: u32 = 4_096;
/// A chat model with a small context window that answers every request
/// with a context-window error.
pub const SMALL_MODEL: &str = "mosaic-small";
/// The context window [`SMALL_MODEL`] is listed with.
pub const SMALL_CONTEXT_WINDOW: u32 = 16;
/// The output limit [`SMALL_MODEL`] is listed with.
pub const SMALL_MAX_OUTPUT_TOKENS: u32 = 8;
/// A chat model answering with a call of `get_weather` (not streamed).
pub const TOOL_MODEL: &str = "mosaic-tools";
/// The id of [`TOOL_MODEL`]'s tool call.
pub const TOOL_CALL_ID: &str = "call_mosaic_1";
/// An embedding model answering [`EMBEDDING`].
pub const EMBEDDING_MODEL: &str = "mosaic-embed";
/// The vector [`EMBEDDING_MODEL`] answers.
pub const EMBEDDING: [f32; 3] = [0.1, 0.2, 0.3];
/// [`CHAT_MODEL`] relayed through the gateway's own OpenAI API (real
/// Anthropic streaming on `/v1/messages`).
pub const RELAY_MODEL: &str = "mosaic-relay";
/// [`TOOL_MODEL`] relayed through the gateway's own OpenAI API (a
/// `tool_use` block on `/v1/messages`).
pub const TOOL_RELAY_MODEL: &str = "mosaic-tools-relay";

/// How often the helper polls the gateway while it starts.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// The longest wait for the gateway to come up (it imports a large Python
/// package; a busy two-core machine needs tens of seconds).
const START_TIMEOUT: Duration = Duration::from_secs(180);
/// How many fresh ports to try when the chosen one is taken meanwhile.
const PORT_ATTEMPTS: u32 = 3;

/// A running LiteLLM proxy owned by a test. Killed on drop.
///
/// See the [module documentation](self).
pub struct AiGatewayServer {
    binary: PathBuf,
    port: u16,
    master_key: String,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl fmt::Debug for AiGatewayServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AiGatewayServer")
            .field("binary", &self.binary)
            .field("port", &self.port)
            .field("master_key", &"<redacted>")
            .field("dir", &self.dir.path())
            .field("running", &self.child.is_some())
            .finish()
    }
}

impl AiGatewayServer {
    /// Write the configuration, start `litellm` on a free loopback port and
    /// wait until it is alive.
    ///
    /// # Errors
    /// `Config` when the binary cannot be found or run (the message names
    /// the install command), `Unavailable` when the gateway does not come
    /// up (the message includes the end of its log).
    pub fn start() -> Result<AiGatewayServer> {
        let binary = find_binary(
            std::env::var_os(LITELLM_ENV),
            &servers_dir(std::env::var_os(SERVERS_DIR_ENV)),
            std::env::var_os("PATH"),
        )?;
        let mut last_error = None;
        for attempt in 0..PORT_ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix("mosaic-litellm-")
                .tempdir()
                .map_err(|e| {
                    Error::internal("cannot create a temporary directory for litellm")
                        .with_source(e)
                })?;
            let mut server = AiGatewayServer {
                binary: binary.clone(),
                port: free_port()?,
                master_key: format!("sk-mosaic-test-{}-{attempt}", std::process::id()),
                dir,
                child: None,
            };
            match server.launch() {
                Ok(()) => return Ok(server),
                Err(e) => {
                    let port_taken = e.message().contains("address already in use");
                    last_error = Some(e);
                    if !port_taken {
                        break;
                    }
                }
            }
        }
        Err(last_error.unwrap_or_else(|| Error::unavailable("litellm did not start")))
    }

    /// The gateway's root, `http://127.0.0.1:<port>` (Anthropic's API is
    /// at `/v1/messages` under it).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The base URL of OpenAI's API, `http://127.0.0.1:<port>/v1`.
    pub fn openai_base_url(&self) -> String {
        format!("{}/v1", self.base_url())
    }

    /// The master key every request must carry (`Authorization: Bearer`
    /// or `x-api-key`).
    pub fn master_key(&self) -> &str {
        &self.master_key
    }

    /// The TCP port the gateway listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The socket address, `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The directory holding the configuration (`config.yaml`) and the
    /// gateway's log (`litellm.log`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The last lines of the gateway's log, for failure messages.
    pub fn log_tail(&self) -> String {
        log_tail(&self.dir.path().join("litellm.log"), 20)
    }

    /// Whether the process is running (it may have exited on its own).
    pub fn is_running(&mut self) -> bool {
        match &mut self.child {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kill the gateway and wait until the process is gone. Stopping a
    /// stopped gateway does nothing.
    ///
    /// # Errors
    /// `Internal` when the process cannot be killed or reaped.
    pub fn stop(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            if matches!(child.try_wait(), Ok(None)) {
                child
                    .kill()
                    .map_err(|e| Error::internal("cannot kill litellm").with_source(e))?;
            }
            child
                .wait()
                .map_err(|e| Error::internal("cannot reap litellm").with_source(e))?;
        }
        Ok(())
    }

    fn launch(&mut self) -> Result<()> {
        let config_path = self.dir.path().join("config.yaml");
        let config = config(self.port, &self.master_key);
        // JSON is YAML: LiteLLM reads it as its YAML configuration.
        let text = serde_json::to_string_pretty(&config).map_err(|e| {
            Error::internal("cannot encode the litellm configuration").with_source(e)
        })?;
        std::fs::write(&config_path, text).map_err(|e| {
            Error::internal("cannot write the litellm configuration").with_source(e)
        })?;
        let log_path = self.dir.path().join("litellm.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| Error::internal("cannot create the litellm log").with_source(e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| Error::internal("cannot share the litellm log").with_source(e))?;
        let mut cmd = Command::new(&self.binary);
        cmd.arg("--config")
            .arg(&config_path)
            .arg("--host")
            .arg("127.0.0.1")
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--telemetry")
            .arg("False")
            .current_dir(self.dir.path())
            // No outbound calls: the bundled cost map and beta headers.
            .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            .env("LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "True")
            .env("LITELLM_DONT_SHOW_FEEDBACK_BOX", "True")
            .env("DISABLE_ADMIN_UI", "True")
            // The relay models call the gateway itself on loopback.
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            // No database, whatever the environment says.
            .env_remove("DATABASE_URL")
            .env_remove("LITELLM_MASTER_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err));
        let child = cmd.spawn().map_err(|e| {
            Error::config(format!(
                "cannot run the LiteLLM proxy at {}: {INSTALL_HINT}, or set {LITELLM_ENV}",
                self.binary.display()
            ))
            .with_source(e)
        })?;
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(Error::unavailable(format!(
                    "litellm on port {} exited during startup ({status}); log: {}",
                    self.port,
                    log_tail(&log_path, 8)
                )));
            }
            if alive(self.addr()) {
                return Ok(());
            }
            std::thread::sleep(POLL_INTERVAL);
        }
        let _ = self.stop();
        Err(Error::unavailable(format!(
            "litellm on port {} was not alive after {}s; log: {}",
            self.port,
            START_TIMEOUT.as_secs(),
            log_tail(&log_path, 8)
        )))
    }
}

impl Drop for AiGatewayServer {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The LiteLLM configuration: the mock models, the master key, no
/// database and no callbacks.
fn config(port: u16, master_key: &str) -> Value {
    let own_api = format!("http://127.0.0.1:{port}/v1");
    json!({
        "model_list": [
            {
                "model_name": CHAT_MODEL,
                "litellm_params": {
                    "model": format!("openai/{CHAT_MODEL}"),
                    "api_key": "mock-only",
                    "mock_response": CHAT_REPLY,
                },
                "model_info": {
                    "mode": "chat",
                    "max_input_tokens": CHAT_CONTEXT_WINDOW,
                    "max_output_tokens": CHAT_MAX_OUTPUT_TOKENS,
                },
            },
            {
                "model_name": SMALL_MODEL,
                "litellm_params": {
                    "model": format!("openai/{SMALL_MODEL}"),
                    "api_key": "mock-only",
                    // LiteLLM raises this error for the mock on both APIs.
                    "mock_response": "litellm.ContextWindowExceededError",
                },
                "model_info": {
                    "mode": "chat",
                    "max_input_tokens": SMALL_CONTEXT_WINDOW,
                    "max_output_tokens": SMALL_MAX_OUTPUT_TOKENS,
                },
            },
            {
                "model_name": TOOL_MODEL,
                "litellm_params": {
                    "model": format!("openai/{TOOL_MODEL}"),
                    "api_key": "mock-only",
                    "mock_tool_calls": [{
                        "id": TOOL_CALL_ID,
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"},
                    }],
                },
                "model_info": {"mode": "chat", "supports_function_calling": true},
            },
            {
                "model_name": EMBEDDING_MODEL,
                "litellm_params": {
                    "model": format!("openai/{EMBEDDING_MODEL}"),
                    "api_key": "mock-only",
                    "mock_response": EMBEDDING,
                },
                "model_info": {"mode": "embedding", "max_input_tokens": 8192},
            },
            {
                "model_name": RELAY_MODEL,
                "litellm_params": {
                    "model": format!("openai/{CHAT_MODEL}"),
                    "api_base": own_api,
                    "api_key": master_key,
                },
                "model_info": {
                    "mode": "chat",
                    "max_input_tokens": CHAT_CONTEXT_WINDOW,
                    "max_output_tokens": CHAT_MAX_OUTPUT_TOKENS,
                },
            },
            {
                "model_name": TOOL_RELAY_MODEL,
                "litellm_params": {
                    "model": format!("openai/{TOOL_MODEL}"),
                    "api_base": own_api,
                    "api_key": master_key,
                },
                "model_info": {"mode": "chat", "supports_function_calling": true},
            },
        ],
        "litellm_settings": {
            "telemetry": false,
            "num_retries": 0,
            "request_timeout": 60,
        },
        "router_settings": {"num_retries": 0},
        "general_settings": {"master_key": master_key},
    })
}

/// Locate the binary: `$MOSAIC_LITELLM`, then the install script's
/// virtualenv under `servers`, then `PATH`.
fn find_binary(
    override_path: Option<OsString>,
    servers: &Path,
    search_path: Option<OsString>,
) -> Result<PathBuf> {
    Binary {
        program: "litellm",
        env: LITELLM_ENV,
        installed: Some(servers.join("litellm/bin/litellm")),
        defaults: &[],
        what: "the LiteLLM proxy (`litellm`, PyPI `litellm[proxy]`)",
        hint: INSTALL_HINT,
    }
    .find(override_path, search_path)
}

/// Whether `GET /health/liveliness` answers 200.
fn alive(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let limit = Some(Duration::from_secs(2));
    if stream.set_read_timeout(limit).is_err() || stream.set_write_timeout(limit).is_err() {
        return false;
    }
    let request =
        b"GET /health/liveliness HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_binary_names_the_install_command() {
        let none = tempfile::tempdir().unwrap();
        let err =
            find_binary(None, none.path(), Some(OsString::from("/nonexistent-dir"))).unwrap_err();
        assert_eq!(err.kind(), mosaic_core::ErrorKind::Config);
        let msg = err.to_string();
        assert!(msg.contains("bash .ci/servers/install-litellm.sh"), "{msg}");
        assert!(msg.contains("cargo xtask test"), "{msg}");

        let err = find_binary(
            Some(OsString::from("/nonexistent/litellm")),
            none.path(),
            None,
        )
        .unwrap_err();
        assert_eq!(err.kind(), mosaic_core::ErrorKind::Config);
        assert!(err.to_string().contains(LITELLM_ENV), "{err}");
    }

    #[test]
    fn the_installed_binary_comes_before_path() {
        let servers = tempfile::tempdir().unwrap();
        let bin = servers.path().join("litellm/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("litellm"), "").unwrap();
        let on_path = tempfile::tempdir().unwrap();
        std::fs::write(on_path.path().join("litellm"), "").unwrap();
        let found = find_binary(
            None,
            servers.path(),
            Some(on_path.path().as_os_str().to_owned()),
        )
        .unwrap();
        assert_eq!(found, bin.join("litellm"));
        std::fs::remove_file(bin.join("litellm")).unwrap();
        let found = find_binary(
            None,
            servers.path(),
            Some(on_path.path().as_os_str().to_owned()),
        )
        .unwrap();
        assert_eq!(found, on_path.path().join("litellm"));
    }

    #[test]
    fn the_configuration_names_every_model_and_the_key() {
        let c = config(4321, "sk-k");
        let names: Vec<&str> = c["model_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["model_name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                CHAT_MODEL,
                SMALL_MODEL,
                TOOL_MODEL,
                EMBEDDING_MODEL,
                RELAY_MODEL,
                TOOL_RELAY_MODEL
            ]
        );
        assert_eq!(c["general_settings"]["master_key"], "sk-k");
        assert_eq!(
            c["model_list"][4]["litellm_params"]["api_base"],
            "http://127.0.0.1:4321/v1"
        );
        assert!(c["general_settings"].get("database_url").is_none());
    }

    #[test]
    fn a_binary_that_is_not_litellm_fails_clearly() {
        let mut server = AiGatewayServer {
            binary: PathBuf::from("/bin/true"),
            port: free_port().unwrap(),
            master_key: "sk-k".to_owned(),
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        let err = server.launch().unwrap_err();
        assert_eq!(err.kind(), mosaic_core::ErrorKind::Unavailable);
        assert!(err.to_string().contains("exited during startup"), "{err}");
        assert!(!format!("{server:?}").contains("sk-k"));
    }
}
