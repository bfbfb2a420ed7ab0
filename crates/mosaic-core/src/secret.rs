//! [`Secret`]: a credential or secret value that never prints.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret string: tokens, passwords, webhook secrets, CI secret values.
///
/// `Debug`, `Display` and `Serialize` all print `[REDACTED]`; the value is
/// zeroized on drop. Only [`Secret::expose`] reveals it, at the one place
/// that must send it.
///
/// ```
/// use mosaic_core::Secret;
/// let token = Secret::new("ghp_example");
/// assert_eq!(format!("{token:?}"), "Secret([REDACTED])");
/// assert_eq!(serde_json::to_string(&token).unwrap(), "\"[REDACTED]\"");
/// assert_eq!(token.expose(), "ghp_example");
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wrap a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The secret value. Call it only where the value is sent.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl Default for Secret {
    /// An empty secret.
    fn default() -> Self {
        Secret::new(String::new())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl From<SecretString> for Secret {
    fn from(s: SecretString) -> Self {
        Secret(s)
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.expose().as_bytes(), other.expose().as_bytes());
        // Length is not secret; the contents are compared without early exit.
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("[REDACTED]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

#[cfg(test)]
impl proptest::arbitrary::Arbitrary for Secret {
    type Parameters = ();
    type Strategy = proptest::strategy::Map<&'static str, fn(String) -> Secret>;
    fn arbitrary_with(_: ()) -> Self::Strategy {
        use proptest::strategy::Strategy;
        "[a-zA-Z0-9_]{0,24}".prop_map(Secret::new)
    }
}

/// A secret is a write-only string in a schema: callers send one, answers
/// never carry it.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "writeOnly": true,
            "description": "A secret value; never echoed back."
        })
    }
}
