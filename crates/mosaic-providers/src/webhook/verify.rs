//! Signature primitives shared by the forges' webhook handlers.
//!
//! Every comparison is constant-time in the compared contents. A blank key
//! (empty, or nothing but whitespace) never verifies anything: anyone can
//! compute an HMAC under the empty key, so accepting it would accept forged
//! deliveries.

use hmac::{KeyInit, Mac};
use mosaic_core::{Error, ErrorKind, Secret};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{Forge, WebhookError};

type HmacSha256 = hmac::Hmac<Sha256>;

/// HMAC-SHA256 of `body` under `secret`.
pub fn hmac_sha256(secret: &[u8], body: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 of `body` under `secret`, as lowercase hex (what the forges
/// send).
pub fn hmac_sha256_hex(secret: &[u8], body: &[u8]) -> String {
    hex::encode(hmac_sha256(secret, body))
}

/// Whether two byte strings are equal, in time independent of where they
/// differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Whether `key` is empty or nothing but ASCII whitespace: such a key is
/// known to everyone, so nothing signed with it is authentic.
pub fn is_blank_key(key: &[u8]) -> bool {
    key.iter().all(u8::is_ascii_whitespace)
}

/// `secret`, or a [`ErrorKind::Config`] error when it is blank (see
/// [`is_blank_key`]). `what` names the setting (`webhook secret`,
/// `webhook token`); the value never appears in the error.
#[cfg_attr(
    not(any(
        feature = "github",
        feature = "gitea",
        feature = "gitlab",
        feature = "bitbucket"
    )),
    allow(dead_code)
)]
pub(crate) fn require_key(forge: Forge, what: &str, secret: Secret) -> mosaic_core::Result<Secret> {
    if is_blank_key(secret.expose().as_bytes()) {
        return Err(Error::new(
            ErrorKind::Config,
            format!(
                "the {forge} {what} is empty; set it to the value configured on the hook \
                 (anyone can sign a delivery with an empty key)"
            ),
        )
        .with_provider(forge.as_str()));
    }
    Ok(secret)
}

/// Check a hex HMAC-SHA256 signature, optionally behind a prefix such as
/// `sha256=`, found in header `header`. A blank `secret` never verifies
/// (the signature is reported as not matching).
pub fn check_hmac_sha256(
    header: &'static str,
    given: Option<&str>,
    prefix: &str,
    secret: &[u8],
    body: &[u8],
) -> Result<(), WebhookError> {
    let given = given
        .filter(|g| !g.is_empty())
        .ok_or(WebhookError::MissingSignature { header })?;
    let hex_part = given
        .strip_prefix(prefix)
        .ok_or(WebhookError::MalformedSignature { header })?;
    let given =
        hex::decode(hex_part.trim()).map_err(|_| WebhookError::MalformedSignature { header })?;
    if given.len() != 32 {
        return Err(WebhookError::MalformedSignature { header });
    }
    if is_blank_key(secret) {
        return Err(WebhookError::InvalidSignature { header });
    }
    if constant_time_eq(&given, &hmac_sha256(secret, body)) {
        Ok(())
    } else {
        Err(WebhookError::InvalidSignature { header })
    }
}

/// Check a shared token sent verbatim (GitLab's `X-Gitlab-Token`). A blank
/// `expected` token never verifies.
pub fn check_token(
    header: &'static str,
    given: Option<&str>,
    expected: &str,
) -> Result<(), WebhookError> {
    let given = given
        .filter(|g| !g.is_empty())
        .ok_or(WebhookError::MissingSignature { header })?;
    if is_blank_key(expected.as_bytes()) {
        return Err(WebhookError::InvalidSignature { header });
    }
    if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(WebhookError::InvalidSignature { header })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn check_outcomes() {
        let sig = format!("sha256={}", hmac_sha256_hex(b"k", b"body"));
        assert!(check_hmac_sha256("h", Some(&sig), "sha256=", b"k", b"body").is_ok());
        assert!(matches!(
            check_hmac_sha256("h", Some(&sig), "sha256=", b"k", b"other"),
            Err(WebhookError::InvalidSignature { .. })
        ));
        assert!(matches!(
            check_hmac_sha256("h", None, "sha256=", b"k", b"body"),
            Err(WebhookError::MissingSignature { .. })
        ));
        assert!(matches!(
            check_hmac_sha256("h", Some("sha1=abc"), "sha256=", b"k", b"body"),
            Err(WebhookError::MalformedSignature { .. })
        ));
        assert!(matches!(
            check_hmac_sha256("h", Some("sha256=zz"), "sha256=", b"k", b"body"),
            Err(WebhookError::MalformedSignature { .. })
        ));
        assert!(check_token("t", Some("abc"), "abc").is_ok());
        assert!(check_token("t", Some("abd"), "abc").is_err());
        assert!(check_token("t", Some(""), "abc").is_err());
    }

    #[test]
    fn a_blank_key_never_verifies() {
        let body = b"{\"forged\": true}";
        for key in ["", " ", "\t\n "] {
            // Anyone can compute this signature: it must not be accepted.
            let hex = hmac_sha256_hex(key.as_bytes(), body);
            for (given, prefix) in [(format!("sha256={hex}"), "sha256="), (hex.clone(), "")] {
                assert!(
                    matches!(
                        check_hmac_sha256("h", Some(&given), prefix, key.as_bytes(), body),
                        Err(WebhookError::InvalidSignature { .. })
                    ),
                    "key {key:?} prefix {prefix:?}"
                );
            }
            assert!(matches!(
                check_token("t", Some(key), key),
                Err(WebhookError::InvalidSignature { .. } | WebhookError::MissingSignature { .. })
            ));
            assert!(matches!(
                check_token("t", Some("anything"), key),
                Err(WebhookError::InvalidSignature { .. })
            ));
        }
        assert!(is_blank_key(b"") && is_blank_key(b" \t") && !is_blank_key(b" k "));
    }

    #[test]
    fn require_key_refuses_blank_secrets_without_echoing() {
        for blank in ["", "   ", "\n"] {
            let e = require_key(Forge::GitHub, "webhook secret", Secret::new(blank)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config);
            assert_eq!(e.provider(), Some("github"));
            assert!(e.to_string().contains("webhook secret is empty"), "{e}");
        }
        let ok = require_key(Forge::Gitea, "webhook secret", Secret::new("s3cr3t")).unwrap();
        assert_eq!(ok.expose(), "s3cr3t");
    }
}
