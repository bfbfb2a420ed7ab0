//! A real `redis-server` process for tests.
//!
//! [`RedisServer::start`] launches the `redis-server` binary on a free
//! loopback port with its working directory in a fresh temporary directory,
//! waits until the server answers `PING`, and kills it when the value is
//! dropped. [`RedisServer::stop`] and [`RedisServer::restart`] let a test
//! take Redis away mid-run and bring it back on the **same port** (with an
//! empty dataset: persistence is switched off).
//!
//! A missing binary is an error whose message names the package to install
//! (`redis-server`); the helper never skips silently.
//!
//! Waiting for the server uses the real clock (`std::thread::sleep` between a
//! bounded number of `PING` attempts), never tokio's clock, so the helper
//! works the same inside `#[tokio::test(start_paused = true)]`: paused time
//! is neither advanced nor consulted. The calls are synchronous and block the
//! calling thread for the few milliseconds the server needs to come up.
//!
//! ```no_run
//! use mosaic_testing::RedisServer;
//!
//! let mut redis = RedisServer::start().expect("redis-server");
//! let url = redis.url(); // "redis://127.0.0.1:<port>/"
//! redis.stop().unwrap();
//! assert!(!redis.is_running());
//! redis.restart().unwrap();
//! assert!(redis.ping());
//! # let _ = url;
//! ```

use std::ffi::OsString;
use std::fmt;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::server_process::{Binary, free_port, log_tail};
use mosaic_core::{Error, Result};

/// Environment variable that overrides where the `redis-server` binary is.
pub const REDIS_SERVER_ENV: &str = "MOSAIC_REDIS_SERVER";

/// Where the binary is looked for after `PATH`.
const DEFAULT_LOCATIONS: &[&str] = &[
    "/usr/bin/redis-server",
    "/usr/local/bin/redis-server",
    "/usr/sbin/redis-server",
];
/// How often the helper polls the server while it starts.
const POLL_INTERVAL: Duration = Duration::from_millis(20);
/// How many polls before giving up (250 × 20 ms = 5 s).
const POLL_ATTEMPTS: u32 = 250;
/// How many fresh ports to try when the chosen one is taken meanwhile.
const PORT_ATTEMPTS: u32 = 5;

/// A running (or stopped) `redis-server` owned by a test.
///
/// Killed on drop. See the [module documentation](self).
pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    dir: tempfile::TempDir,
    extra_args: Vec<OsString>,
    child: Option<Child>,
    starts: u32,
}

impl fmt::Debug for RedisServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisServer")
            .field("binary", &self.binary)
            .field("port", &self.port)
            .field("dir", &self.dir.path())
            .field("running", &self.child.is_some())
            .field("starts", &self.starts)
            .finish()
    }
}

impl RedisServer {
    /// Start `redis-server` on a free loopback port and wait until it answers
    /// `PING`.
    ///
    /// # Errors
    /// `Config` when the binary cannot be found (the message names the
    /// package `redis-server`), `Unavailable` when it does not come up
    /// (the message includes the end of its log).
    pub fn start() -> Result<RedisServer> {
        Self::start_with_args(std::iter::empty::<&str>())
    }

    /// Like [`start`](Self::start), passing extra command-line arguments to
    /// the server (e.g. `["--maxmemory", "1mb"]`).
    pub fn start_with_args<I, S>(args: I) -> Result<RedisServer>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let binary = find_binary(
            std::env::var_os(REDIS_SERVER_ENV),
            std::env::var_os("PATH"),
            DEFAULT_LOCATIONS,
        )?;
        let extra_args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix("mosaic-redis-")
                .tempdir()
                .map_err(|e| {
                    Error::internal("cannot create a temporary directory for redis-server")
                        .with_source(e)
                })?;
            let mut server = RedisServer {
                binary: binary.clone(),
                port: free_port()?,
                dir,
                extra_args: extra_args.clone(),
                child: None,
                starts: 0,
            };
            match server.launch() {
                Ok(()) => return Ok(server),
                // most likely the port was taken between probing and launching
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| Error::unavailable("redis-server did not start")))
    }

    /// The TCP port the server listens on (stable across restarts).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The socket address, `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// A connection URL, `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The server's working directory (its log file is `redis.log` there).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// How many times the process was launched (1 after `start`, +1 per restart).
    pub fn starts(&self) -> u32 {
        self.starts
    }

    /// Whether the process is running (it may have exited on its own).
    pub fn is_running(&mut self) -> bool {
        match &mut self.child {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Send one `PING` and report whether `+PONG` came back.
    pub fn ping(&self) -> bool {
        ping(self.addr())
    }

    /// Send a command (as RESP) and return the raw reply bytes, for tests that
    /// want to inspect or prepare server state without a Redis client crate.
    ///
    /// # Errors
    /// `Unavailable` when the server cannot be reached.
    pub fn command<S: AsRef<[u8]>>(&self, args: &[S]) -> Result<Vec<u8>> {
        let mut stream = connect(self.addr()).map_err(|e| {
            Error::unavailable(format!("cannot reach redis-server on port {}", self.port))
                .with_source(e)
        })?;
        stream
            .write_all(&encode_command(args))
            .map_err(io_unavailable)?;
        read_reply(&mut stream).map_err(io_unavailable)
    }

    /// Remove every key (`FLUSHALL`).
    ///
    /// # Errors
    /// `Unavailable` when the server cannot be reached or refuses.
    pub fn flush_all(&self) -> Result<()> {
        let reply = self.command(&["FLUSHALL"])?;
        if reply.starts_with(b"+OK") {
            Ok(())
        } else {
            Err(Error::unavailable(format!(
                "FLUSHALL failed: {}",
                String::from_utf8_lossy(&reply).trim_end()
            )))
        }
    }

    /// Kill the server (as a crash would: no graceful shutdown) and wait until
    /// the process is gone. Clients see connection errors afterwards.
    /// Stopping a stopped server does nothing.
    ///
    /// # Errors
    /// `Internal` when the process cannot be killed or reaped.
    pub fn stop(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            if matches!(child.try_wait(), Ok(None)) {
                child
                    .kill()
                    .map_err(|e| Error::internal("cannot kill redis-server").with_source(e))?;
            }
            child
                .wait()
                .map_err(|e| Error::internal("cannot reap redis-server").with_source(e))?;
        }
        Ok(())
    }

    /// Stop the server (if running) and start it again on the same port,
    /// waiting until it answers `PING`. The dataset starts empty.
    ///
    /// # Errors
    /// `Unavailable` when the server does not come back (e.g. the port was
    /// taken meanwhile by another process).
    pub fn restart(&mut self) -> Result<()> {
        self.stop()?;
        // The kernel frees the listening socket with the process; wait (on
        // the real clock, bounded) until the port is bindable again.
        for _ in 0..POLL_ATTEMPTS {
            if TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).is_ok() {
                break;
            }
            std::thread::sleep(POLL_INTERVAL);
        }
        self.launch()
    }

    fn launch(&mut self) -> Result<()> {
        let log = self.dir.path().join("redis.log");
        let mut cmd = Command::new(&self.binary);
        cmd.arg("--port")
            .arg(self.port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--logfile")
            .arg(&log)
            .arg("--save")
            .arg("")
            .arg("--appendonly")
            .arg("no")
            .arg("--daemonize")
            .arg("no")
            .arg("--protected-mode")
            .arg("no")
            .args(&self.extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd.spawn().map_err(|e| {
            Error::config(format!(
                "cannot run {}: install the package `redis-server` (e.g. `apt-get install redis-server`) or set {REDIS_SERVER_ENV}",
                self.binary.display()
            ))
            .with_source(e)
        })?;
        self.child = Some(child);
        self.starts += 1;
        for _ in 0..POLL_ATTEMPTS {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(Error::unavailable(format!(
                    "redis-server on port {} exited during startup ({status}); log: {}",
                    self.port,
                    log_tail(&log, 5)
                )));
            }
            if ping(self.addr()) {
                return Ok(());
            }
            std::thread::sleep(POLL_INTERVAL);
        }
        let _ = self.stop();
        Err(Error::unavailable(format!(
            "redis-server on port {} did not answer PING after {} attempts; log: {}",
            self.port,
            POLL_ATTEMPTS,
            log_tail(&log, 5)
        )))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn io_unavailable(e: std::io::Error) -> Error {
    Error::unavailable("redis-server connection failed").with_source(e)
}

/// Locate the binary: `$MOSAIC_REDIS_SERVER`, then `PATH`, then the usual
/// install locations.
fn find_binary(
    override_path: Option<OsString>,
    search_path: Option<OsString>,
    defaults: &[&str],
) -> Result<PathBuf> {
    Binary {
        program: "redis-server",
        env: REDIS_SERVER_ENV,
        installed: None,
        defaults,
        what: "the `redis-server` binary",
        hint: "install the package `redis-server` (e.g. `apt-get install redis-server`, \
               or `cargo xtask install`)",
    }
    .find(override_path, search_path)
}

fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_millis(200))?;
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    stream.set_write_timeout(Some(Duration::from_millis(500)))?;
    Ok(stream)
}

fn ping(addr: SocketAddr) -> bool {
    let Ok(mut stream) = connect(addr) else {
        return false;
    };
    if stream.write_all(b"*1\r\n$4\r\nPING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    stream.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

fn encode_command<S: AsRef<[u8]>>(args: &[S]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Read one complete RESP reply (any type, nested) and return its bytes.
fn read_reply(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    read_value(stream, &mut out)?;
    Ok(out)
}

fn read_line(stream: &mut TcpStream, out: &mut Vec<u8>) -> std::io::Result<String> {
    let start = out.len();
    let mut byte = [0u8; 1];
    loop {
        stream.read_exact(&mut byte)?;
        out.push(byte[0]);
        if out.len() >= start + 2 && out[out.len() - 2..] == *b"\r\n" {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&out[start..out.len() - 2]).into_owned())
}

fn read_value(stream: &mut TcpStream, out: &mut Vec<u8>) -> std::io::Result<()> {
    let line = read_line(stream, out)?;
    let (tag, rest) = line.split_at(line.len().min(1));
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "malformed RESP reply");
    match tag {
        "+" | "-" | ":" => Ok(()),
        "$" => {
            let len: i64 = rest.parse().map_err(|_| bad())?;
            if len >= 0 {
                let mut buf = vec![0u8; len as usize + 2];
                stream.read_exact(&mut buf)?;
                out.extend_from_slice(&buf);
            }
            Ok(())
        }
        "*" => {
            let len: i64 = rest.parse().map_err(|_| bad())?;
            for _ in 0..len.max(0) {
                read_value(stream, out)?;
            }
            Ok(())
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_resp_arrays() {
        assert_eq!(
            encode_command(&["SET", "k", "v"]),
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n".to_vec()
        );
    }

    #[test]
    fn a_missing_binary_names_the_package() {
        let err = find_binary(None, Some(OsString::from("/nonexistent-dir")), &[]).unwrap_err();
        assert_eq!(err.kind(), mosaic_core::ErrorKind::Config);
        assert!(err.to_string().contains("`redis-server`"), "{err}");
        assert!(err.to_string().contains("install the package"), "{err}");

        let err = find_binary(
            Some(OsString::from("/nonexistent/redis")),
            None,
            DEFAULT_LOCATIONS,
        )
        .unwrap_err();
        assert_eq!(err.kind(), mosaic_core::ErrorKind::Config);
        assert!(err.to_string().contains("`redis-server`"), "{err}");
    }

    #[test]
    fn a_binary_that_is_not_redis_fails_clearly() {
        // `true` exits at once: startup must report the exit, not hang or succeed.
        let dir = tempfile::tempdir().unwrap();
        let mut server = RedisServer {
            binary: PathBuf::from("/bin/true"),
            port: free_port().unwrap(),
            dir,
            extra_args: Vec::new(),
            child: None,
            starts: 0,
        };
        let err = server.launch().unwrap_err();
        assert_eq!(err.kind(), mosaic_core::ErrorKind::Unavailable);
        assert!(err.to_string().contains("exited during startup"), "{err}");
    }
}
