//! Credential formats (DESIGN.md § Credentials).
//!
//! - public key: `pk_<env>_<22 base62>`, not secret; OAuth client id: `ci_<env>_<22 base62>`;
//! - secrets: `<kind>_<env>_<32 base62><6 base62 CRC32 of everything before it>`, where the kind
//!   is `sk` (API secret), `cs` (OAuth client secret), `at` (OAuth access token) or `gt` (gateway
//!   token).
//!
//! The checksum lets Portico (and secret scanners) refuse a mistyped or made-up secret without a
//! database lookup, and the environment in the prefix tells a sandbox key from a production one
//! before any lookup too. Only the SHA-256 of a secret is ever stored.

use rand::Rng as _;
use rand::distributions::Uniform;
use std::fmt;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PUBLIC_RANDOM_CHARS: usize = 22;
const SECRET_RANDOM_CHARS: usize = 32;
const CHECKSUM_CHARS: usize = 6;

/// `n` characters drawn uniformly from the base62 alphabet by the operating system's generator.
fn random_base62(n: usize) -> String {
    let alphabet = Uniform::from(0..BASE62.len());
    let mut rng = rand::rngs::OsRng;
    (0..n).map(|_| char::from(BASE62[rng.sample(alphabet)])).collect()
}

/// A CRC32 written as exactly six base62 digits (62^6 > 2^32), most significant first.
fn checksum(body: &str) -> String {
    let mut value = u64::from(crc32fast::hash(body.as_bytes()));
    let mut digits = [b'0'; CHECKSUM_CHARS];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8_lossy(&digits).into_owned()
}

/// Environment slugs appear inside keys, between underscores: lower-case letters and digits.
pub fn is_valid_environment_slug(slug: &str) -> bool {
    (1..=20).contains(&slug.len()) && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

pub fn new_public_key(environment: &str) -> String {
    format!("pk_{environment}_{}", random_base62(PUBLIC_RANDOM_CHARS))
}

pub fn new_client_id(environment: &str) -> String {
    format!("ci_{environment}_{}", random_base62(PUBLIC_RANDOM_CHARS))
}

/// The environment slug inside a public key or client id, if it has the documented shape.
pub fn environment_of_identifier<'a>(identifier: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = identifier.strip_prefix(prefix)?.strip_prefix('_')?;
    let (environment, random) = rest.split_once('_')?;
    (is_valid_environment_slug(environment)
        && random.len() == PUBLIC_RANDOM_CHARS
        && random.bytes().all(|b| b.is_ascii_alphanumeric()))
    .then_some(environment)
}

/// What a secret is for; its prefix says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    ApiSecret,
    ClientSecret,
    AccessToken,
    GatewayToken,
}

impl SecretKind {
    pub fn prefix(self) -> &'static str {
        match self {
            Self::ApiSecret => "sk",
            Self::ClientSecret => "cs",
            Self::AccessToken => "at",
            Self::GatewayToken => "gt",
        }
    }
}

/// A plain secret. It is never serialised by derive, never printed, and lives only as long as
/// the response that reveals it.
pub struct PlainSecret(String);

impl PlainSecret {
    pub fn generate(kind: SecretKind, environment: &str) -> Self {
        let body = format!("{}_{environment}_{}", kind.prefix(), random_base62(SECRET_RANDOM_CHARS));
        let checksum = checksum(&body);
        Self(body + &checksum)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_exposed(self) -> String {
        self.0
    }

    pub fn digest(&self) -> String {
        crate::backend::tokens::sha256_hex(&self.0)
    }
}

impl fmt::Debug for PlainSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainSecret([redacted])")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretFormatError {
    #[error("not a Portico secret")]
    Malformed,
    #[error("checksum mismatch")]
    Checksum,
}

/// Checks a presented API secret's shape and checksum and returns its environment slug.
pub fn check_secret(candidate: &str) -> Result<&str, SecretFormatError> {
    check(SecretKind::ApiSecret, candidate)
}

/// Checks a presented secret's shape and checksum and returns its environment slug. Runs before
/// any database lookup, so garbage costs nothing.
pub fn check(kind: SecretKind, candidate: &str) -> Result<&str, SecretFormatError> {
    let rest = candidate
        .strip_prefix(kind.prefix())
        .and_then(|rest| rest.strip_prefix('_'))
        .ok_or(SecretFormatError::Malformed)?;
    let (environment, tail) = rest.split_once('_').ok_or(SecretFormatError::Malformed)?;
    if !is_valid_environment_slug(environment)
        || tail.len() != SECRET_RANDOM_CHARS + CHECKSUM_CHARS
        || !tail.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(SecretFormatError::Malformed);
    }
    let (body, given) = candidate.split_at(candidate.len() - CHECKSUM_CHARS);
    if checksum(body) != given {
        return Err(SecretFormatError::Checksum);
    }
    Ok(environment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_keys_have_the_documented_shape() {
        let key = new_public_key("sandbox");
        let random = key.strip_prefix("pk_sandbox_").unwrap();
        assert_eq!(random.len(), 22);
        assert!(random.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(new_public_key("sandbox"), key);
    }

    #[test]
    fn secrets_carry_a_checksum_that_verifies() {
        let secret = PlainSecret::generate(SecretKind::ApiSecret, "production");
        let text = secret.expose();
        assert!(text.starts_with("sk_production_"));
        assert_eq!(text.len(), "sk_production_".len() + 32 + 6);
        assert_eq!(check_secret(text), Ok("production"));
    }

    #[test]
    fn a_changed_character_fails_the_checksum() {
        let secret = PlainSecret::generate(SecretKind::ApiSecret, "sandbox").into_exposed();
        let mut bytes = secret.into_bytes();
        let at = "sk_sandbox_".len() + 5;
        bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_eq!(check_secret(&tampered), Err(SecretFormatError::Checksum));
    }

    #[test]
    fn malformed_secrets_are_refused() {
        for bad in [
            "",
            "sk_",
            "pk_sandbox_abc",
            "sk_sandbox_short",
            "sk_Sandbox_0123456789012345678901234567890123456",
            "sk_sand_box_x",
        ] {
            assert_eq!(check_secret(bad), Err(SecretFormatError::Malformed), "{bad}");
        }
        let long = format!("sk_sandbox_{}", "a".repeat(39));
        assert_eq!(check_secret(&long), Err(SecretFormatError::Malformed));
    }

    #[test]
    fn checksums_are_six_base62_digits_of_crc32() {
        // The standard check value: CRC32("123456789") = 0xCBF43926.
        assert_eq!(checksum("123456789").len(), 6);
        let mut value = 0u64;
        for c in checksum("123456789").bytes() {
            value = value * 62 + BASE62.iter().position(|&b| b == c).unwrap() as u64;
        }
        assert_eq!(value, 0xCBF4_3926);
    }

    #[test]
    fn secrets_never_print() {
        let secret = PlainSecret::generate(SecretKind::ApiSecret, "sandbox");
        assert!(!format!("{secret:?}").contains("sk_"));
    }

    #[test]
    fn each_kind_of_secret_is_refused_as_another_kind() {
        for kind in [
            SecretKind::ApiSecret,
            SecretKind::ClientSecret,
            SecretKind::AccessToken,
            SecretKind::GatewayToken,
        ] {
            let secret = PlainSecret::generate(kind, "uat");
            assert!(secret.expose().starts_with(&format!("{}_uat_", kind.prefix())));
            assert_eq!(check(kind, secret.expose()), Ok("uat"));
            let other = if kind == SecretKind::ApiSecret {
                SecretKind::GatewayToken
            } else {
                SecretKind::ApiSecret
            };
            assert_eq!(check(other, secret.expose()), Err(SecretFormatError::Malformed));
        }
    }

    #[test]
    fn identifiers_name_their_environment() {
        let client_id = new_client_id("production");
        assert_eq!(environment_of_identifier(&client_id, "ci"), Some("production"));
        assert_eq!(environment_of_identifier(&client_id, "pk"), None);
        assert_eq!(environment_of_identifier("ci_production_short", "ci"), None);
        assert_eq!(environment_of_identifier("ci_production", "ci"), None);
    }

    #[test]
    fn environment_slugs_fit_between_underscores() {
        assert!(is_valid_environment_slug("uat"));
        assert!(!is_valid_environment_slug("pre_prod"));
        assert!(!is_valid_environment_slug("Prod"));
        assert!(!is_valid_environment_slug(""));
    }
}
