//! [`StateStore`]: per-plugin key/value state that outlives plugin instances.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mosaic_core::{Error, ErrorKind, Result};
use parking_lot::RwLock;
use serde_json::Value;

/// A plugin's state: JSON values by key, in memory and, when file-backed,
/// persisted to one JSON file after every change (written to a temporary
/// file and renamed, so a crash leaves the old or the new state, never half).
///
/// The host keeps one store per plugin id and hands the same store to every
/// instance, so state survives a hot swap; a version upgrade may rewrite it
/// with the plugin's [`Plugin::migrate_state`](crate::Plugin::migrate_state).
/// Cheap to clone (clones share the state).
#[derive(Clone)]
pub struct StateStore {
    inner: Arc<Inner>,
}

struct Inner {
    data: RwLock<BTreeMap<String, Value>>,
    file: Option<PathBuf>,
    write: tokio::sync::Mutex<()>,
}

impl fmt::Debug for StateStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateStore")
            .field("keys", &self.inner.data.read().keys().collect::<Vec<_>>())
            .field("file", &self.inner.file)
            .finish()
    }
}

impl Default for StateStore {
    fn default() -> Self {
        Self::memory()
    }
}

impl StateStore {
    /// An in-memory store.
    pub fn memory() -> Self {
        StateStore {
            inner: Arc::new(Inner {
                data: RwLock::new(BTreeMap::new()),
                file: None,
                write: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// A store persisted in `path` (loaded now if it exists).
    pub fn file(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let data = match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice::<BTreeMap<String, Value>>(&bytes).map_err(|e| {
                    Error::new(
                        ErrorKind::Decode,
                        format!(
                            "plugin state file {} is not a JSON object: {e}",
                            path.display()
                        ),
                    )
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(io_error(&path, e)),
        };
        Ok(StateStore {
            inner: Arc::new(Inner {
                data: RwLock::new(data),
                file: Some(path),
                write: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The backing file, if any.
    pub fn path(&self) -> Option<&Path> {
        self.inner.file.as_deref()
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.inner.data.read().get(key).cloned()
    }

    /// Every key.
    pub fn keys(&self) -> Vec<String> {
        self.inner.data.read().keys().cloned().collect()
    }

    /// A copy of everything.
    pub fn snapshot(&self) -> BTreeMap<String, Value> {
        self.inner.data.read().clone()
    }

    /// Set `key` (and persist).
    pub async fn set(&self, key: impl Into<String>, value: Value) -> Result<()> {
        let _w = self.inner.write.lock().await;
        self.inner.data.write().insert(key.into(), value);
        self.persist().await
    }

    /// Remove `key` (and persist); returns the old value.
    pub async fn remove(&self, key: &str) -> Result<Option<Value>> {
        let _w = self.inner.write.lock().await;
        let old = self.inner.data.write().remove(key);
        self.persist().await?;
        Ok(old)
    }

    /// Replace everything (and persist).
    pub async fn replace(&self, data: BTreeMap<String, Value>) -> Result<()> {
        let _w = self.inner.write.lock().await;
        *self.inner.data.write() = data;
        self.persist().await
    }

    async fn persist(&self) -> Result<()> {
        let Some(path) = &self.inner.file else {
            return Ok(());
        };
        let bytes = serde_json::to_vec_pretty(&*self.inner.data.read())
            .map_err(|e| Error::internal(format!("cannot encode plugin state: {e}")))?;
        let tmp = path.with_extension("json.tmp");
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| io_error(dir, e))?;
        }
        tokio::fs::write(&tmp, bytes)
            .await
            .map_err(|e| io_error(&tmp, e))?;
        tokio::fs::rename(&tmp, path)
            .await
            .map_err(|e| io_error(path, e))
    }
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Unavailable,
        format!("plugin state file {}: {e}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn memory_and_file_round_trip() {
        let m = StateStore::memory();
        m.set("a", json!(1)).await.unwrap();
        assert_eq!(m.clone().get("a"), Some(json!(1)));
        assert_eq!(m.remove("a").await.unwrap(), Some(json!(1)));
        assert!(m.keys().is_empty());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.json");
        let f = StateStore::file(&path).unwrap();
        f.set("cursor", json!({"page": 3})).await.unwrap();
        f.set("n", json!(7)).await.unwrap();
        let reopened = StateStore::file(&path).unwrap();
        assert_eq!(reopened.get("cursor"), Some(json!({"page": 3})));
        assert_eq!(reopened.keys(), ["cursor", "n"]);

        std::fs::write(&path, b"[1,2]").unwrap();
        assert_eq!(
            StateStore::file(&path).unwrap_err().kind(),
            ErrorKind::Decode
        );
    }
}
