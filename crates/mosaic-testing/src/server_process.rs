//! What the real-server helpers ([`RedisServer`](crate::RedisServer),
//! [`N8nServer`](crate::N8nServer), [`AiGatewayServer`](crate::AiGatewayServer))
//! share: where installed servers live, finding a binary, a free loopback
//! port and the end of a server's log.

use std::ffi::OsString;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};

use mosaic_core::{Error, Result};

/// Environment variable naming the directory test servers are installed in
/// (default `<workspace>/target/test-servers`, where `cargo xtask install`
/// and the scripts in `.ci/servers` put them).
pub const SERVERS_DIR_ENV: &str = "MOSAIC_SERVERS_DIR";

/// The directory test servers are installed in: `env` (the value of
/// [`SERVERS_DIR_ENV`]) when set, or `<workspace>/target/test-servers`.
pub(crate) fn servers_dir(env: Option<OsString>) -> PathBuf {
    match env {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => {
            // crates/mosaic-testing → the workspace root
            let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            dir.pop();
            dir.pop();
            dir.join("target").join("test-servers")
        }
    }
}

/// How to find one server's binary, and what to say when it is missing.
pub(crate) struct Binary<'a> {
    /// The file name looked for in `PATH`.
    pub program: &'a str,
    /// The variable that names the binary explicitly.
    pub env: &'a str,
    /// Where the install script puts it (looked at before `PATH`).
    pub installed: Option<PathBuf>,
    /// Usual install locations (looked at after `PATH`).
    pub defaults: &'a [&'a str],
    /// What the server is, for messages (`n8n (npm \`n8n\`)`).
    pub what: &'a str,
    /// How to install it.
    pub hint: &'a str,
}

impl Binary<'_> {
    /// The binary: `override_path` (the value of `self.env`) when set, then
    /// the install location, then `search_path` (a `PATH` value), then the
    /// usual locations. `Config` naming how to install it when none is a
    /// file.
    pub(crate) fn find(
        &self,
        override_path: Option<OsString>,
        search_path: Option<OsString>,
    ) -> Result<PathBuf> {
        if let Some(path) = override_path.filter(|p| !p.is_empty()) {
            let path = PathBuf::from(path);
            if path.is_file() {
                return Ok(path);
            }
            return Err(Error::config(format!(
                "{} points to {}, which is not a file: {}, or fix the variable",
                self.env,
                path.display(),
                self.hint
            )));
        }
        let on_path = search_path
            .iter()
            .flat_map(std::env::split_paths)
            .map(|d| d.join(self.program));
        let mut candidates = self.installed.iter().cloned().chain(on_path);
        if let Some(found) = candidates.find(|p| p.is_file()) {
            return Ok(found);
        }
        if let Some(found) = self
            .defaults
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
        {
            return Ok(found);
        }
        let mut places: Vec<String> = self
            .installed
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        places.push("PATH".into());
        places.extend(self.defaults.iter().map(|d| (*d).to_owned()));
        Err(Error::config(format!(
            "{} was not found in {}, nor named by {}: {}",
            self.what,
            places.join(", "),
            self.env,
            self.hint
        )))
    }
}

/// A loopback port free at the time of asking.
pub(crate) fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| Error::unavailable("cannot bind a loopback port").with_source(e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::unavailable("cannot read the bound port").with_source(e))
}

/// The last `lines` non-blank lines of a server's log on one line, for an
/// error message.
pub(crate) fn log_tail(log: &Path, lines: usize) -> String {
    match std::fs::read_to_string(log) {
        Ok(text) => {
            let all: Vec<&str> = text
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.trim().is_empty())
                .collect();
            let tail = &all[all.len().saturating_sub(lines)..];
            if tail.is_empty() {
                "(empty)".to_owned()
            } else {
                tail.join(" | ")
            }
        }
        Err(_) => "(no log written)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_servers_dir_is_under_the_workspace_target() {
        let dir = servers_dir(None);
        assert!(dir.ends_with("target/test-servers"), "{}", dir.display());
        assert!(!dir.to_string_lossy().contains(".."), "{}", dir.display());
        assert_eq!(
            servers_dir(Some(OsString::from("/opt/servers"))),
            PathBuf::from("/opt/servers")
        );
    }

    #[test]
    fn the_log_tail_keeps_the_last_non_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("server.log");
        assert_eq!(log_tail(&log, 3), "(no log written)");
        std::fs::write(&log, "one\n\ntwo  \nthree\n\n").unwrap();
        assert_eq!(log_tail(&log, 2), "two | three");
        std::fs::write(&log, "\n \n").unwrap();
        assert_eq!(log_tail(&log, 2), "(empty)");
    }
}
