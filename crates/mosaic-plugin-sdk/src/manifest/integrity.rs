//! The `integrity` section of a manifest: the content hash and the
//! signature the trust module checks.

use base64::Engine as _;
use ed25519_dalek::Signature;
use serde_json::{Value, json};

use crate::pointer::{Problems, child};

/// The `integrity` section of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Integrity {
    /// SHA-256 of the plugin's content.
    pub content_hash: Option<[u8; 32]>,
    /// Signature over the manifest.
    pub signature: Option<ManifestSignature>,
}

/// An ed25519 signature over a manifest, by a named key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestSignature {
    /// Which key signed (looked up in the host's [`TrustStore`](crate::trust::TrustStore)).
    pub key_id: String,
    /// The signature.
    pub value: Signature,
}

impl Integrity {
    pub(crate) fn parse(v: &Value, ptr: &str, p: &mut Problems) -> Option<Self> {
        let Some(obj) = v.as_object() else {
            p.expected(ptr, "an object {contentHash, signature}", v);
            return None;
        };
        let mut out = Integrity::default();
        for (k, v) in obj {
            let kp = child(ptr, k);
            match k.as_str() {
                "contentHash" => {
                    let parsed = v
                        .as_str()
                        .and_then(|s| s.strip_prefix("sha256:"))
                        .and_then(|h| hex::decode(h).ok())
                        .and_then(|b| <[u8; 32]>::try_from(b).ok());
                    match parsed {
                        Some(h) => out.content_hash = Some(h),
                        None => p.push(kp, "expected \"sha256:\" followed by 64 hex digits"),
                    }
                }
                "signature" => out.signature = parse_signature(v, &kp, p),
                _ => p.push(kp, "unknown key; expected one of contentHash, signature"),
            }
        }
        Some(out)
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut m = serde_json::Map::new();
        if let Some(h) = &self.content_hash {
            m.insert(
                "contentHash".into(),
                json!(format!("sha256:{}", hex::encode(h))),
            );
        }
        if let Some(s) = &self.signature {
            m.insert(
                "signature".into(),
                json!({
                    "keyId": s.key_id,
                    "value": base64::engine::general_purpose::STANDARD.encode(s.value.to_bytes()),
                }),
            );
        }
        Value::Object(m)
    }
}

fn parse_signature(v: &Value, ptr: &str, p: &mut Problems) -> Option<ManifestSignature> {
    let Some(obj) = v.as_object() else {
        p.expected(ptr, "an object {keyId, value}", v);
        return None;
    };
    for k in obj.keys() {
        if k != "keyId" && k != "value" {
            p.push(child(ptr, k), "unknown key; expected one of keyId, value");
        }
    }
    let key_id = match obj.get("keyId") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(other) => {
            p.expected(&child(ptr, "keyId"), "a non-empty key id string", other);
            None
        }
        None => {
            p.push(child(ptr, "keyId"), "required key is missing");
            None
        }
    };
    let value = match obj.get("value") {
        Some(Value::String(s)) => {
            let sig = base64::engine::general_purpose::STANDARD
                .decode(s)
                .ok()
                .and_then(|b| <[u8; 64]>::try_from(b).ok())
                .map(|b| Signature::from_bytes(&b));
            if sig.is_none() {
                p.push(
                    child(ptr, "value"),
                    "expected base64 (standard alphabet) of a 64-byte ed25519 signature",
                );
            }
            sig
        }
        Some(other) => {
            p.expected(&child(ptr, "value"), "a base64 string", other);
            None
        }
        None => {
            p.push(child(ptr, "value"), "required key is missing");
            None
        }
    };
    Some(ManifestSignature {
        key_id: key_id?,
        value: value?,
    })
}
