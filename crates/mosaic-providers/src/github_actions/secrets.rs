//! Actions secrets: sealed-box encryption with the repository's (or an
//! environment's) public key, and the secret endpoints.

use super::PROVIDER;
use base64::Engine as _;
use crypto_box::PublicKey;
use crypto_box::aead::OsRng;
use crypto_box::aead::rand_core::CryptoRngCore;
use mosaic_core::cicd::{SecretInfo, WriteSecret};
use mosaic_core::{Error, Result, Secret};

use super::{GitHubActions, map, wire};
use crate::http::path::segment;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Encrypt `value` for GitHub: a libsodium sealed box
/// (`crypto_box_seal`: X25519 + XSalsa20-Poly1305 with an ephemeral key)
/// to the base64 Curve25519 `public_key` GitHub hands out, base64-encoded
/// as `encrypted_value` expects. Uses the operating system's CSPRNG.
///
/// Fails with `Provider` when the key is not 32 base64-encoded bytes.
pub fn seal_secret(public_key: &str, value: &Secret) -> Result<String> {
    seal_secret_with(&mut OsRng, public_key, value)
}

/// [`seal_secret`] with the given random source for the ephemeral key.
pub fn seal_secret_with(
    rng: &mut impl CryptoRngCore,
    public_key: &str,
    value: &Secret,
) -> Result<String> {
    let bad_key = || {
        Error::new(
            mosaic_core::ErrorKind::Provider,
            "the secrets public key is not a base64 Curve25519 key",
        )
        .with_provider(PROVIDER)
    };
    let raw = b64().decode(public_key.trim()).map_err(|_| bad_key())?;
    let key = PublicKey::from_slice(&raw).map_err(|_| bad_key())?;
    let sealed = key
        .seal(rng, value.expose().as_bytes())
        .map_err(|_| Error::internal("sealing the secret failed"))?;
    Ok(b64().encode(sealed))
}

/// Names GitHub accepts: letters, digits and `_`, not starting with a
/// digit nor with `GITHUB_`.
fn check_name(name: &str) -> Result<()> {
    let bad = |why: &str| Error::invalid_input("name", why.to_owned());
    if name.is_empty() {
        return Err(bad("must not be empty"));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(bad("may only contain letters, digits and `_`"));
    }
    if name.as_bytes()[0].is_ascii_digit() {
        return Err(bad("must not start with a digit"));
    }
    if name.to_ascii_uppercase().starts_with("GITHUB_") {
        return Err(bad("must not start with `GITHUB_`"));
    }
    Ok(())
}

impl GitHubActions {
    /// `{repo}/actions/secrets` or `{repo}/environments/{env}/secrets`.
    pub(crate) fn secrets_path(repo: &str, environment: Option<&str>) -> Result<String> {
        match environment {
            None => Ok(format!("{repo}/actions/secrets")),
            Some(env) => {
                crate::ci::require("environment", env)?;
                Ok(format!("{repo}/environments/{}/secrets", segment(env)))
            }
        }
    }

    async fn get_secret_info(
        &self,
        base: &str,
        name: &str,
        env: Option<&str>,
    ) -> Result<SecretInfo> {
        let s: wire::Secret = self
            .http
            .get(&format!("{base}/{}", segment(name)))
            .send_json()
            .await?;
        Ok(map::secret(s, env))
    }

    /// Create (`must_exist == false`, `Conflict` if present) or replace
    /// (`must_exist == true`, `NotFound` if absent) a secret.
    pub(crate) async fn put_secret(&self, p: WriteSecret, must_exist: bool) -> Result<SecretInfo> {
        let repo = super::cicd::repo_path(&p.project)?;
        check_name(&p.name)?;
        if p.protected {
            return Err(Error::invalid_input(
                "protected",
                "GitHub secrets have no protected-ref flag; scope the secret to an environment with protection rules instead",
            ));
        }
        let env = p.environment.as_deref();
        let base = Self::secrets_path(&repo, env)?;
        match self.get_secret_info(&base, &p.name, env).await {
            Ok(_) if !must_exist => {
                return Err(
                    Error::conflict(format!("secret `{}` already exists", p.name))
                        .with_provider(PROVIDER),
                );
            }
            Err(e) if e.is_not_found() && !must_exist => {}
            Ok(_) => {}
            Err(e) => return Err(e),
        }
        let key: wire::PublicKey = self
            .http
            .get(&format!("{base}/public-key"))
            .send_json()
            .await?;
        let encrypted = seal_secret(&key.key, &p.value)?;
        self.http
            .put(&format!("{base}/{}", segment(&p.name)))
            .json(&wire::WriteSecret {
                encrypted_value: &encrypted,
                key_id: &key.key_id,
            })
            .send_unit()
            .await?;
        self.get_secret_info(&base, &p.name, env).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for ok in ["TOKEN", "a_1", "_X"] {
            check_name(ok).unwrap();
        }
        for bad in ["", "1A", "A-B", "GITHUB_TOKEN", "github_x", "A B", "Ä"] {
            assert_eq!(check_name(bad).unwrap_err().field(), Some("name"), "{bad}");
        }
    }

    #[test]
    fn sealed_values_open_with_the_secret_key() {
        let sk = crypto_box::SecretKey::generate(&mut OsRng);
        let pk = b64().encode(sk.public_key().as_bytes());
        let sealed = seal_secret(&pk, &Secret::new("hunter2")).unwrap();
        let raw = b64().decode(sealed).unwrap();
        // ephemeral public key (32) + tag (16) + message
        assert_eq!(raw.len(), 32 + 16 + 7);
        assert_eq!(sk.unseal(&raw).unwrap(), b"hunter2");
        let again = seal_secret(&pk, &Secret::new("hunter2")).unwrap();
        assert_ne!(again, b64().encode(&raw), "each seal uses a fresh key");
    }

    #[test]
    fn bad_keys_are_errors_without_the_value() {
        for key in ["", "not base64!", "AAAA"] {
            let e = seal_secret(key, &Secret::new("hunter2")).unwrap_err();
            assert!(!format!("{e:?}{e}").contains("hunter2"));
        }
    }
}
