//! Packages: `plugin.json` plus a module, signed together, loaded by a
//! [`PluginHost`] as a `wasm` plugin.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use mosaic_core::{Error, ErrorKind, Result};
use mosaic_plugin_sdk::trust::{content_hash, directory_content, set_content_hash, sign_manifest};
use mosaic_plugin_sdk::{
    HealthStatus, Plugin, PluginConfig, PluginContext, PluginFactory, PluginHost, PluginManifest,
    PluginServices,
};
use serde::Deserialize;

use crate::host::{Credential, HostEnv};
use crate::limits::WasmLimits;
use crate::runtime::{WasmModule, WasmRuntime};
use crate::sandbox::Sandbox;
use crate::service::WasmProvider;

/// The manifest key holding a package's WebAssembly settings.
pub const MANIFEST_KEY: &str = "x-wasm";

/// The module's file name when the manifest names none.
pub const DEFAULT_MODULE: &str = "plugin.wasm";

/// A package's `x-wasm` section.
///
/// ```json
/// "x-wasm": {
///   "module": "plugin.wasm",
///   "limits": { "memoryBytes": 16777216, "cpuMs": 500, "instances": 4 },
///   "credential": { "secret": "token", "header": "authorization", "prefix": "token " }
/// }
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Section {
    #[serde(default)]
    module: Option<String>,
    #[serde(default)]
    limits: serde_json::Value,
    #[serde(default)]
    credential: Option<CredentialSpec>,
}

/// Which configuration secret the host sends, and how.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialSpec {
    /// The configuration key (or JSON pointer) of the secret.
    secret: String,
    /// The header (default `authorization`).
    #[serde(default = "authorization")]
    header: String,
    /// Text before the secret (default `Bearer `).
    #[serde(default = "bearer")]
    prefix: String,
}

fn authorization() -> String {
    "authorization".into()
}

fn bearer() -> String {
    "Bearer ".into()
}

fn section(manifest: &PluginManifest) -> Result<Section> {
    match manifest.extensions.get(MANIFEST_KEY) {
        None => Ok(Section::default()),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
            Error::config(format!("plugin `{}`: /{MANIFEST_KEY}: {e}", manifest.key()))
        }),
    }
}

fn module_path(dir: &Path, section: &Section, manifest: &PluginManifest) -> Result<PathBuf> {
    let name = section.module.as_deref().unwrap_or(DEFAULT_MODULE);
    let ok = !name.is_empty()
        && !name.contains(['/', '\\'])
        && name != ".."
        && name != "."
        && name != "plugin.json";
    if !ok {
        return Err(Error::config(format!(
            "plugin `{}`: /{MANIFEST_KEY}/module must be a file name in the package directory",
            manifest.key()
        )));
    }
    Ok(dir.join(name))
}

/// A package read from disk and compiled: the manifest, the module, and the
/// bytes its content hash covers.
///
/// A package is a directory holding `plugin.json` and the module (default
/// `plugin.wasm`). The manifest's `integrity.contentHash` covers every other
/// file of the directory ([`directory_content`]) and its ed25519 signature
/// covers the manifest, hash included — so one signature covers both.
/// [`sign_package`] writes both.
pub struct WasmPackage {
    manifest: PluginManifest,
    module: WasmModule,
    content: Vec<u8>,
    limits: WasmLimits,
    credential: Option<CredentialSpec>,
    dir: PathBuf,
}

impl fmt::Debug for WasmPackage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasmPackage")
            .field("plugin", &self.manifest.key())
            .field("dir", &self.dir)
            .field("limits", &self.limits)
            .finish()
    }
}

impl WasmPackage {
    /// Read and compile the package in `dir` with `runtime`, under the
    /// host's `limits` (narrowed by what the manifest asks for).
    ///
    /// The manifest must declare a content hash and the directory's content
    /// must match it; every capability the manifest lists must be an
    /// operation the module exports. Signatures and trust are the host's
    /// to check ([`install`] goes through [`PluginHost::discover`]).
    pub fn open(runtime: &WasmRuntime, dir: impl AsRef<Path>, limits: WasmLimits) -> Result<Self> {
        let dir = dir.as_ref();
        let manifest_path = dir.join("plugin.json");
        let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
            Error::new(
                ErrorKind::NotFound,
                format!("cannot read {}: {e}", manifest_path.display()),
            )
        })?;
        let manifest = PluginManifest::parse(&text)?;
        let key = manifest.key();
        let section = section(&manifest)?;
        let path = module_path(dir, &section, &manifest)?;
        let content = directory_content(dir)?;
        let Some(expected) = manifest.integrity.as_ref().and_then(|i| i.content_hash) else {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!("wasm plugin `{key}` declares no integrity.contentHash; sign the package"),
            ));
        };
        if content_hash(&content) != expected {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!("wasm plugin `{key}` refused: content hash mismatch"),
            ));
        }
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::new(
                ErrorKind::NotFound,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        let limits = limits.narrowed(&section.limits);
        let module = runtime.load(&manifest.id, &bytes, limits)?;
        for names in manifest.capabilities.values() {
            for name in names {
                if !module.supports(name) {
                    return Err(Error::config(format!(
                        "wasm plugin `{key}` lists capability `{name}` but its module exports no `{}`",
                        crate::abi::export_name(name)
                    )));
                }
            }
        }
        Ok(WasmPackage {
            manifest,
            module,
            content,
            limits,
            credential: section.credential,
            dir: dir.to_path_buf(),
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &PluginManifest {
        &self.manifest
    }

    /// The compiled module.
    pub fn module(&self) -> &WasmModule {
        &self.module
    }

    /// The limits its instances run under.
    pub fn limits(&self) -> &WasmLimits {
        &self.limits
    }

    /// The package directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The package as a [`PluginFactory`].
    pub fn into_factory(self) -> WasmPluginFactory {
        WasmPluginFactory {
            package: Arc::new(self),
        }
    }
}

/// A [`PluginFactory`] making [`WasmPlugin`]s from one package.
#[derive(Debug, Clone)]
pub struct WasmPluginFactory {
    package: Arc<WasmPackage>,
}

impl PluginFactory for WasmPluginFactory {
    fn manifest(&self) -> &PluginManifest {
        &self.package.manifest
    }

    fn create(&self) -> Result<Box<dyn Plugin>> {
        Ok(Box::new(WasmPlugin {
            package: self.package.clone(),
            provider: None,
        }))
    }

    fn content(&self) -> Option<Vec<u8>> {
        Some(self.package.content.clone())
    }
}

/// One instance of a package, driven by a [`PluginHost`] like any plugin.
///
/// On `initialize` it builds a [`Sandbox`] whose host functions use the
/// context's allowlisted HTTP client, the configuration's non-secret values
/// and the credential the manifest's `x-wasm.credential` names (sent by the
/// host, never shown to the guest).
pub struct WasmPlugin {
    package: Arc<WasmPackage>,
    provider: Option<WasmProvider>,
}

impl fmt::Debug for WasmPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasmPlugin")
            .field("plugin", &self.package.manifest.key())
            .field("initialized", &self.provider.is_some())
            .finish()
    }
}

impl WasmPlugin {
    /// The provider, once initialized.
    pub fn provider(&self) -> Option<&WasmProvider> {
        self.provider.as_ref()
    }
}

#[async_trait::async_trait]
impl Plugin for WasmPlugin {
    async fn initialize(&mut self, context: PluginContext, config: PluginConfig) -> Result<()> {
        let id = context.id().to_owned();
        let values: BTreeMap<String, serde_json::Value> = match config.values() {
            serde_json::Value::Object(m) => m.clone().into_iter().collect(),
            _ => BTreeMap::new(),
        };
        let mut env = HostEnv::new(id.clone())
            .with_http(context.http().clone())
            .with_config(values);
        if let Some(spec) = &self.package.credential
            && let Some(secret) = context
                .secret(&spec.secret)
                .or_else(|| config.secret(&spec.secret))
        {
            let header = http::HeaderName::from_bytes(spec.header.as_bytes())
                .map_err(|_| Error::config(format!("plugin `{id}`: bad credential header name")))?;
            env = env.with_credential(Credential {
                header,
                prefix: spec.prefix.clone(),
                secret: secret.clone(),
            });
        }
        let sandbox = Sandbox::new(self.package.module.clone(), env, self.package.limits);
        self.provider = Some(WasmProvider::new(sandbox));
        Ok(())
    }

    async fn health(&self) -> HealthStatus {
        match &self.provider {
            Some(_) => HealthStatus::Healthy,
            None => HealthStatus::Unhealthy("not initialized".into()),
        }
    }

    fn services(&self) -> PluginServices {
        self.provider
            .as_ref()
            .map(WasmProvider::services)
            .unwrap_or_default()
    }
}

/// What [`install`] did.
#[derive(Debug, Default)]
pub struct InstallReport {
    /// `id@version` of each package installed.
    pub installed: Vec<String>,
    /// `id@version` of each package whose implementation was installed
    /// before (left as it was).
    pub unchanged: Vec<String>,
    /// Each package that could not be installed, with why.
    pub errors: Vec<(PathBuf, Error)>,
}

/// Install every package in `dir` and its immediate subdirectories into
/// `host`, at run time.
///
/// The host discovers each `plugin.json` first ([`PluginHost::discover`]),
/// so its trust store judges the signature and content hash exactly as for
/// any discovered plugin (an unsigned package is `Untrusted` and refused by
/// default); then each directory holding a module is compiled and attached
/// as the implementation of the version discovered. One bad package does
/// not stop the others. Installing a new version of a running plugin makes
/// it available to [`PluginHost::swap`].
pub fn install(
    host: &PluginHost,
    runtime: &WasmRuntime,
    dir: impl AsRef<Path>,
    limits: WasmLimits,
) -> Result<InstallReport> {
    let dir = dir.as_ref();
    let discovered = host.discover(dir)?;
    let mut report = InstallReport::default();
    for (path, e) in discovered.errors {
        report.errors.push((path, e));
    }
    let mut dirs = vec![dir.to_path_buf()];
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            Error::new(
                ErrorKind::NotFound,
                format!("cannot read {}: {e}", dir.display()),
            )
        })?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    dirs.extend(subdirs);
    for d in dirs {
        let manifest = d.join("plugin.json");
        if !manifest.is_file() {
            continue;
        }
        let package = match WasmPackage::open(runtime, &d, limits) {
            Ok(p) => p,
            Err(e) => {
                if !report.errors.iter().any(|(p, _)| p == &manifest) {
                    report.errors.push((manifest, e));
                }
                continue;
            }
        };
        let key = package.manifest().key();
        if !discovered.registered.contains(&key) {
            continue;
        }
        match host.register(package.into_factory()) {
            Ok(()) => report.installed.push(key),
            Err(e) if e.kind() == ErrorKind::Conflict => report.unchanged.push(key),
            Err(e) => report.errors.push((manifest, e)),
        }
    }
    Ok(report)
}

/// Sign the package in `dir`: record the content hash of its files in
/// `plugin.json` and sign the manifest with `key` as `key_id`. The
/// manifest is rewritten in its canonical form.
pub fn sign_package(dir: impl AsRef<Path>, key_id: &str, key: &SigningKey) -> Result<()> {
    let dir = dir.as_ref();
    let path = dir.join("plugin.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::new(
            ErrorKind::NotFound,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let mut manifest = PluginManifest::parse(&text)?;
    if let Some(i) = manifest.integrity.as_mut() {
        i.signature = None;
    }
    let content = directory_content(dir)?;
    set_content_hash(&mut manifest, &content);
    sign_manifest(&mut manifest, key_id, key);
    let out = serde_json::to_string_pretty(&manifest.to_value())
        .map_err(|e| Error::internal(format!("cannot write the manifest: {e}")))?;
    std::fs::write(&path, out)
        .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))
}
