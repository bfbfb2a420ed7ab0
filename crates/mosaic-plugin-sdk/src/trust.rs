//! Integrity and trust: content hashes, ed25519 manifest signatures, the
//! host's trusted keys, and the [`TrustLevel`] that decides what a plugin
//! may do.
//!
//! A manifest may carry
//!
//! ```json
//! "integrity": {
//!   "contentHash": "sha256:<64 hex digits>",
//!   "signature": { "keyId": "<id of a key the host trusts>", "value": "<base64 of 64 bytes>" }
//! }
//! ```
//!
//! The signature is ed25519 over [`signing_payload`]: the canonical JSON
//! ([`canonical_json`]) of the whole manifest without
//! `integrity.signature` — so it covers the content hash too. The content
//! hash is SHA-256 over the plugin's content (for a statically linked plugin
//! what its factory reports, for a discovered one the other files of its
//! directory; see [`directory_content`]).
//!
//! [`TrustStore::evaluate`] turns all of that into a [`TrustDecision`]:
//! a quarantined plugin, a bad signature by a known key, or a content hash
//! that does not match is refused with a `PermissionDenied` error saying
//! why. Otherwise the plugin gets the level of the key that signed it (or the
//! store's level for unsigned plugins of its origin), and the level's
//! [`Grants`] cut down what its manifest asks for.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use mosaic_core::{Error, ErrorKind, Result};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::manifest::{FilesystemPermission, Permissions, PluginManifest, canonical_json};
pub use crate::manifest::{Integrity, ManifestSignature};
use crate::net::is_internal_ip;

/// SHA-256 of `content`.
pub fn content_hash(content: &[u8]) -> [u8; 32] {
    Sha256::digest(content).into()
}

/// The content of a plugin directory for hashing: every regular file below
/// `dir` except `plugin.json`, in sorted relative-path order, each framed as
/// `<path>\0<length as 8 bytes big-endian><bytes>`.
pub fn directory_content(dir: &Path) -> Result<Vec<u8>> {
    fn walk(
        root: &Path,
        dir: &Path,
        out: &mut Vec<(String, std::path::PathBuf)>,
    ) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            let ty = entry.file_type()?;
            if ty.is_dir() {
                walk(root, &path, out)?;
            } else if ty.is_file() {
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                if rel != "plugin.json" {
                    out.push((rel, path));
                }
            }
        }
        Ok(())
    }
    let io = |e: std::io::Error| {
        Error::new(
            ErrorKind::Internal,
            format!("cannot read plugin directory {}: {e}", dir.display()),
        )
    };
    let mut files = Vec::new();
    walk(dir, dir, &mut files).map_err(io)?;
    files.sort();
    let mut out = Vec::new();
    for (rel, path) in files {
        let bytes = std::fs::read(&path).map_err(io)?;
        out.extend_from_slice(rel.as_bytes());
        out.push(0);
        out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        out.extend_from_slice(&bytes);
    }
    Ok(out)
}

/// The text a manifest signature covers: the canonical JSON of the manifest
/// without `integrity.signature`.
pub fn signing_payload(manifest: &PluginManifest) -> String {
    let mut v = manifest.to_value();
    if let Some(integrity) = v.get_mut("integrity").and_then(Value::as_object_mut) {
        integrity.remove("signature");
        if integrity.is_empty()
            && let Some(m) = v.as_object_mut()
        {
            m.remove("integrity");
        }
    }
    canonical_json(&v)
}

/// Record `content`'s hash in the manifest (do this before signing).
pub fn set_content_hash(manifest: &mut PluginManifest, content: &[u8]) {
    manifest
        .integrity
        .get_or_insert_with(Integrity::default)
        .content_hash = Some(content_hash(content));
}

/// Sign the manifest with `key`, recording `key_id` (a release tool's job;
/// also handy in tests).
pub fn sign_manifest(manifest: &mut PluginManifest, key_id: impl Into<String>, key: &SigningKey) {
    let payload = signing_payload(manifest);
    let value = key.sign(payload.as_bytes());
    manifest
        .integrity
        .get_or_insert_with(Integrity::default)
        .signature = Some(ManifestSignature {
        key_id: key_id.into(),
        value,
    });
}

/// How far the host trusts a plugin. Ordered: `Quarantined` < `Untrusted`
/// < `Community` < `Verified` < `Internal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrustLevel {
    /// Known bad: never loaded.
    Quarantined,
    /// Unknown origin: loaded only if the host allows it, with no network,
    /// environment or file access.
    Untrusted,
    /// Signed by a community key: declared https hosts given by exact name
    /// (no wildcard patterns, no loopback, link-local or private addresses,
    /// no `localhost` or cloud metadata names; no plain http), declared
    /// environment variables, no files.
    Community,
    /// Signed by a key the host vouches for: everything it declares.
    Verified,
    /// Built by the host's own team: everything it declares.
    Internal,
}

impl TrustLevel {
    /// Every level, lowest first.
    pub const ALL: [TrustLevel; 5] = [
        TrustLevel::Quarantined,
        TrustLevel::Untrusted,
        TrustLevel::Community,
        TrustLevel::Verified,
        TrustLevel::Internal,
    ];

    /// A short name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TrustLevel::Quarantined => "quarantined",
            TrustLevel::Untrusted => "untrusted",
            TrustLevel::Community => "community",
            TrustLevel::Verified => "verified",
            TrustLevel::Internal => "internal",
        }
    }

    /// What a plugin at this level may do.
    pub const fn grants(self) -> Grants {
        match self {
            TrustLevel::Internal | TrustLevel::Verified => Grants {
                network: true,
                plain_http: true,
                any_host: true,
                environment: true,
                filesystem: true,
            },
            TrustLevel::Community => Grants {
                network: true,
                plain_http: false,
                any_host: false,
                environment: true,
                filesystem: false,
            },
            TrustLevel::Untrusted | TrustLevel::Quarantined => Grants {
                network: false,
                plain_http: false,
                any_host: false,
                environment: false,
                filesystem: false,
            },
        }
    }
}

impl fmt::Display for TrustLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a trust level allows, at most (a plugin still gets only what its
/// manifest declares).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grants {
    /// Any network access.
    pub network: bool,
    /// Plain `http://` (when declared).
    pub plain_http: bool,
    /// Host patterns that can match more than one host (any pattern with a
    /// `*` or `?` wildcard, not only `*`) and hosts inside the machine or
    /// its network (loopback, link-local and private IP literals,
    /// `localhost`, cloud metadata names). Without it only exact public
    /// host names (optionally with a port) are kept.
    pub any_host: bool,
    /// Reading declared environment variables.
    pub environment: bool,
    /// Reading declared files.
    pub filesystem: bool,
}

impl Grants {
    /// `declared` cut down to these grants, plus a description of each
    /// permission withheld.
    pub fn restrict(&self, declared: &Permissions) -> (Permissions, Vec<String>) {
        let mut out = declared.clone();
        let mut withheld = Vec::new();
        if !self.network && !out.network.hosts.is_empty() {
            withheld.push(format!(
                "network access to {}",
                out.network.hosts.join(", ")
            ));
            out.network.hosts.clear();
            out.network.allow_http = false;
        }
        if !self.any_host {
            let (mut wild, mut internal, mut inexact) = (Vec::new(), Vec::new(), Vec::new());
            out.network.hosts.retain(|h| match exact_host_concern(h) {
                None => true,
                Some(HostConcern::Wildcard) => {
                    wild.push(h.clone());
                    false
                }
                Some(HostConcern::Internal) => {
                    internal.push(h.clone());
                    false
                }
                Some(HostConcern::NotAHostName) => {
                    inexact.push(h.clone());
                    false
                }
            });
            if !wild.is_empty() {
                withheld.push(format!("wildcard host patterns {}", wild.join(", ")));
            }
            if !internal.is_empty() {
                withheld.push(format!(
                    "loopback, private, link-local or metadata hosts {}",
                    internal.join(", ")
                ));
            }
            if !inexact.is_empty() {
                withheld.push(format!(
                    "host patterns that are not exact host names {}",
                    inexact.join(", ")
                ));
            }
        }
        if !self.plain_http && out.network.allow_http {
            withheld.push("plain http".to_owned());
            out.network.allow_http = false;
        }
        if !self.environment && !out.environment.is_empty() {
            withheld.push(format!(
                "environment variables {}",
                out.environment.join(", ")
            ));
            out.environment.clear();
        }
        if !self.filesystem && out.filesystem != FilesystemPermission::None {
            withheld.push("file access".to_owned());
            out.filesystem = FilesystemPermission::None;
        }
        (out, withheld)
    }
}

/// Why a host pattern is withheld from a level without [`Grants::any_host`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HostConcern {
    /// It has a `*` or `?` wildcard, so it can match hosts nobody reviewed.
    Wildcard,
    /// It names the machine itself, its private network, or a cloud
    /// metadata service.
    Internal,
    /// It is not a plain host name or IP literal (with an optional port).
    NotAHostName,
}

/// Host names that reach the machine itself or a cloud metadata service.
const INTERNAL_NAMES: &[&str] = &["localhost", "metadata", "metadata.google.internal"];

/// `None` when `pattern` is an exact, public host (optionally `:port`) that
/// a plugin below [`TrustLevel::Verified`] may reach; else why not.
fn exact_host_concern(pattern: &str) -> Option<HostConcern> {
    if pattern.contains(['*', '?']) {
        return Some(HostConcern::Wildcard);
    }
    if crate::net::HostPattern::new(pattern).is_err() {
        return Some(HostConcern::NotAHostName);
    }
    // Split off the port the way `HostPattern` does.
    let host = match pattern.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => pattern,
    };
    let bracketed = host.starts_with('[') && host.ends_with(']') && host.len() > 2;
    let name_like = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if !bracketed && !name_like {
        return Some(HostConcern::NotAHostName);
    }
    let lower = host.to_ascii_lowercase();
    // `localhost.` is `localhost`: a fully qualified name may end in a dot.
    let name = lower.strip_suffix('.').unwrap_or(&lower);
    if INTERNAL_NAMES.contains(&name) || name.ends_with(".localhost") {
        return Some(HostConcern::Internal);
    }
    // Parse the way URLs are parsed, so every spelling of an address that a
    // URL would normalize to (`127.1`, `0x7f.0.0.1`, `2130706433`) counts.
    let ip = match url::Host::parse(&lower) {
        Ok(url::Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
        Ok(url::Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
        Ok(url::Host::Domain(_)) => None,
        // Not a host a URL can name; an IP literal that does not parse.
        Err(_) if bracketed => return Some(HostConcern::NotAHostName),
        Err(_) => None,
    };
    match ip {
        Some(ip) if is_internal_ip(ip) => Some(HostConcern::Internal),
        _ => None,
    }
}

/// Where a manifest came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A factory compiled into the host.
    Static,
    /// A `plugin.json` found on disk.
    Discovered,
}

/// The outcome of [`TrustStore::evaluate`] for a plugin that may load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustDecision {
    /// The level granted.
    pub level: TrustLevel,
    /// The key whose valid signature earned it, if any.
    pub signed_by: Option<String>,
    /// Whether a declared content hash was checked and matched.
    pub content_verified: bool,
    /// The permissions the plugin gets.
    pub permissions: Permissions,
    /// What the manifest asked for but the level does not allow.
    pub withheld: Vec<String>,
}

/// The host's trusted keys, quarantine list and trust policy.
#[derive(Clone)]
pub struct TrustStore {
    keys: BTreeMap<String, (VerifyingKey, TrustLevel)>,
    quarantined: BTreeSet<String>,
    unsigned_static: TrustLevel,
    unsigned_discovered: TrustLevel,
    minimum: TrustLevel,
}

impl fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustStore")
            .field(
                "keys",
                &self
                    .keys
                    .iter()
                    .map(|(k, (_, l))| (k, l))
                    .collect::<Vec<_>>(),
            )
            .field("quarantined", &self.quarantined)
            .field("unsigned_static", &self.unsigned_static)
            .field("unsigned_discovered", &self.unsigned_discovered)
            .field("minimum", &self.minimum)
            .finish()
    }
}

impl Default for TrustStore {
    fn default() -> Self {
        Self::new()
    }
}

impl TrustStore {
    /// No keys; unsigned statically linked plugins are `Internal` (their code
    /// is compiled into the host), unsigned discovered ones `Untrusted`; the
    /// minimum level to load is `Community`.
    pub fn new() -> Self {
        TrustStore {
            keys: BTreeMap::new(),
            quarantined: BTreeSet::new(),
            unsigned_static: TrustLevel::Internal,
            unsigned_discovered: TrustLevel::Untrusted,
            minimum: TrustLevel::Community,
        }
    }

    /// Trust signatures by `key` (named `key_id` in manifests) at `level`.
    pub fn trust_key(
        mut self,
        key_id: impl Into<String>,
        key: VerifyingKey,
        level: TrustLevel,
    ) -> Self {
        self.keys.insert(key_id.into(), (key, level));
        self
    }

    /// Quarantine a plugin id, one version of it (`id@1.2.3`), or a key id.
    pub fn quarantine(mut self, what: impl Into<String>) -> Self {
        self.quarantined.insert(what.into());
        self
    }

    /// The level of unsigned plugins of `origin`.
    pub fn unsigned(mut self, origin: Origin, level: TrustLevel) -> Self {
        match origin {
            Origin::Static => self.unsigned_static = level,
            Origin::Discovered => self.unsigned_discovered = level,
        }
        self
    }

    /// The lowest level that may load.
    pub fn minimum(mut self, level: TrustLevel) -> Self {
        self.minimum = level;
        self
    }

    /// Decide whether `manifest` may load and with what permissions.
    /// `content` is the plugin's content, needed when the manifest declares
    /// a content hash.
    pub fn evaluate(
        &self,
        manifest: &PluginManifest,
        origin: Origin,
        content: Option<&[u8]>,
    ) -> Result<TrustDecision> {
        let key = manifest.key();
        let refuse = |why: String| {
            Err(Error::new(
                ErrorKind::PermissionDenied,
                format!("plugin `{key}` refused: {why}"),
            ))
        };
        if self.quarantined.contains(&manifest.id) || self.quarantined.contains(&key) {
            return refuse("it is quarantined".into());
        }
        let integrity = manifest.integrity.clone().unwrap_or_default();
        let mut content_verified = false;
        if let Some(expected) = integrity.content_hash {
            match content {
                None => return refuse(
                    "it declares a content hash but no content was supplied to check it against"
                        .into(),
                ),
                Some(c) if content_hash(c) != expected => {
                    return refuse(format!(
                        "content hash mismatch: manifest says sha256:{}, content is sha256:{}",
                        hex::encode(expected),
                        hex::encode(content_hash(c))
                    ));
                }
                Some(_) => content_verified = true,
            }
        }
        let unsigned = match origin {
            Origin::Static => self.unsigned_static,
            Origin::Discovered => self.unsigned_discovered,
        };
        let (level, signed_by) = match &integrity.signature {
            None => (unsigned, None),
            Some(sig) => {
                if self.quarantined.contains(&sig.key_id) {
                    return refuse(format!("its signing key `{}` is quarantined", sig.key_id));
                }
                match self.keys.get(&sig.key_id) {
                    // A key the host does not know proves nothing.
                    None => (unsigned.min(TrustLevel::Untrusted), None),
                    Some((vk, level)) => {
                        let payload = signing_payload(manifest);
                        if vk.verify_strict(payload.as_bytes(), &sig.value).is_err() {
                            return refuse(format!(
                                "bad signature: it does not verify with key `{}` (the manifest was changed after signing, or signed with another key)",
                                sig.key_id
                            ));
                        }
                        (*level, Some(sig.key_id.clone()))
                    }
                }
            }
        };
        if level == TrustLevel::Quarantined {
            return refuse("its trust level is quarantined".into());
        }
        if level < self.minimum {
            return refuse(format!(
                "trust level {level} is below the host's minimum of {}",
                self.minimum
            ));
        }
        let (permissions, withheld) = level.grants().restrict(&manifest.permissions);
        Ok(TrustDecision {
            level,
            signed_by,
            content_verified,
            permissions,
            withheld,
        })
    }
}

#[cfg(test)]
mod tests;
