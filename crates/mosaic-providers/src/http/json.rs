//! JSON bodies: decoding that names the JSON path that failed, and encoding.

use std::fmt;

use bytes::Bytes;
use mosaic_core::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A body that did not decode, with the path to the offending value.
#[derive(Debug)]
pub struct DecodeError {
    path: String,
    inner: serde_json::Error,
}

impl DecodeError {
    /// Where decoding failed, as a JSONPath-like string: `$` for the
    /// document itself, `$.items[3].owner.login` for a nested value.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.path, self.inner)
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.inner)
    }
}

/// Decode `body` as `T`, naming the path of any failure.
///
/// The body is decoded at full speed first; only a body that fails is
/// decoded again with path tracking, to say where.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> std::result::Result<T, DecodeError> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(_) => decode_tracked(body),
    }
}

fn decode_tracked<T: DeserializeOwned>(body: &[u8]) -> std::result::Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = render_path(&e.path().to_string());
        DecodeError {
            path,
            inner: e.into_inner(),
        }
    })?;
    de.end().map_err(|inner| DecodeError {
        path: "$".to_owned(),
        inner,
    })?;
    Ok(value)
}

fn render_path(p: &str) -> String {
    if p.is_empty() || p == "." {
        "$".to_owned()
    } else if p.starts_with('[') {
        format!("${p}")
    } else {
        format!("$.{p}")
    }
}

/// Decode `body` as `T` into a `Decode` [`Error`] naming the path and
/// `what` was being read (e.g. `GET /repos/{owner}/{repo}`).
pub fn decode_as<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    decode(body).map_err(|e| {
        let place = format!("`{}` of {}", e.path(), mosaic_core::redact(what));
        Error::decode(place, e)
    })
}

/// Encode `value` as a JSON body. Fails with `Internal` (a value Mosaic
/// built that JSON cannot hold, e.g. a map with non-string keys).
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Bytes> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| Error::internal("request body could not be encoded as JSON").with_source(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Owner {
        #[allow(dead_code)]
        login: String,
    }
    #[derive(Debug, Deserialize)]
    struct Repo {
        #[allow(dead_code)]
        owner: Owner,
    }

    #[test]
    fn failure_names_the_path() {
        let body = br#"[{"owner":{"login":"a"}},{"owner":{"login":7}}]"#;
        let err = decode::<Vec<Repo>>(body).unwrap_err();
        assert_eq!(err.path(), "$[1].owner.login");
        let err = decode_as::<Vec<Repo>>(body, "GET /user/repos").unwrap_err();
        assert_eq!(err.kind(), mosaic_core::ErrorKind::Decode);
        assert!(err.message().contains("$[1].owner.login"), "{err}");
        assert!(err.message().contains("GET /user/repos"), "{err}");
    }

    #[test]
    fn trailing_garbage_and_truncation_are_errors() {
        assert!(decode::<Vec<u8>>(b"[1] x").is_err());
        let e = decode::<Repo>(br#"{"owner":{"login":"#).unwrap_err();
        assert!(e.path().starts_with('$'));
        assert_eq!(decode::<Vec<u8>>(b"[1,2]").unwrap(), vec![1, 2]);
    }
}
