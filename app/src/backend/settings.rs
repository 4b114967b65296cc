//! One typed configuration, read once at start-up from the environment (see the README's table).
//! Values that would let someone in (database and SMTP URLs with passwords) are wrapped in
//! [`Secret`] so that printing the settings cannot leak them.

use crate::backend::client::{ProxyNetwork, ProxyNetworkError};
use std::fmt;
use std::path::PathBuf;

/// A value that is never printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("PORTICO_BASE_URL must be an absolute http or https URL without a path, got {0:?}")]
    BaseUrl(String),
    #[error("{name} must be a whole number, got {value:?}")]
    Number { name: &'static str, value: String },
    #[error("PORTICO_TRUSTED_PROXIES: {0}")]
    TrustedProxy(#[from] ProxyNetworkError),
}

/// How many attempts a client address or an email address gets per window, for the endpoints that
/// an attacker would hammer (sign-in, sign-up, reset, resend).
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    pub window_seconds: i64,
    pub per_email: i32,
    pub per_client: i32,
}

/// How the gateway API records what it sees.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    /// Count requests per credential and day (`PORTICO_RECORD_USAGE`, on unless `false`/`0`/`off`).
    pub record_usage: bool,
    /// Failed verifications of one credential within a UTC day that make Portico email its owners
    /// (at most once a day).
    pub failure_alert_threshold: i64,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: Secret,
    /// Scheme, host and port only, without a trailing slash: `https://portal.example.com`.
    pub base_url: String,
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    pub outbox_dir: PathBuf,
    /// Canonical (lower-cased) operator addresses.
    pub admin_emails: Vec<String>,
    pub rate_limits: RateLimitSettings,
    pub gateway: GatewaySettings,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`PORTICO_TRUSTED_PROXIES`,
    /// comma-separated addresses or networks); none by default, so the TCP peer is the client.
    pub trusted_proxies: Vec<ProxyNetwork>,
    pub terms_version: String,
}

impl Settings {
    pub fn from_env() -> Result<Self, SettingsError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let number = |name: &'static str, default: i64| -> Result<i64, SettingsError> {
            match var(name) {
                None => Ok(default),
                Some(value) => value.trim().parse().map_err(|_| SettingsError::Number { name, value }),
            }
        };
        let base_url = parse_base_url(&var("PORTICO_BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3000".into()))?;
        let admin_emails = var("PORTICO_ADMIN_EMAILS")
            .unwrap_or_default()
            .split(',')
            .filter_map(|address| crate::accounts::email::Email::parse(address).ok())
            .map(|email| email.canonical())
            .collect();
        let trusted_proxies = var("PORTICO_TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .filter(|entry| !entry.trim().is_empty())
            .map(ProxyNetwork::parse)
            .collect::<Result<_, _>>()?;
        Ok(Self {
            database_url: Secret::new(
                var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/portico.sqlite3?mode=rwc".into()),
            ),
            mail_from: var("PORTICO_MAIL_FROM").unwrap_or_else(|| "Portico <no-reply@portico.localhost>".into()),
            base_url,
            smtp_url: var("PORTICO_SMTP_URL").map(Secret::new),
            outbox_dir: var("PORTICO_OUTBOX_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| "data/outbox".into()),
            admin_emails,
            rate_limits: RateLimitSettings {
                window_seconds: number("PORTICO_RATE_LIMIT_WINDOW_SECONDS", 15 * 60)?,
                per_email: number("PORTICO_RATE_LIMIT_PER_EMAIL", 10)? as i32,
                per_client: number("PORTICO_RATE_LIMIT_PER_CLIENT", 100)? as i32,
            },
            gateway: GatewaySettings {
                record_usage: !matches!(
                    var("PORTICO_RECORD_USAGE")
                        .map(|v| v.trim().to_ascii_lowercase())
                        .as_deref(),
                    Some("false" | "0" | "off" | "no")
                ),
                failure_alert_threshold: number("PORTICO_FAILURE_ALERT_THRESHOLD", 100)?.max(1),
            },
            trusted_proxies,
            terms_version: "2026-11".into(),
        })
    }

    /// Whether cookies must be `Secure`: whenever people reach Portico over https.
    pub fn is_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// An absolute link for an email; `path_and_query` starts with `/`.
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base_url, path_and_query)
    }

    pub fn is_operator(&self, canonical_email: &str) -> bool {
        self.admin_emails.iter().any(|admin| admin == canonical_email)
    }
}

/// Keeps only `scheme://host[:port]`, so that links and the origin check agree on one origin.
pub fn parse_base_url(input: &str) -> Result<String, SettingsError> {
    let trimmed = input.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| SettingsError::BaseUrl(input.into()))?;
    let valid_authority = !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    if !valid_authority {
        return Err(SettingsError::BaseUrl(input.into()));
    }
    Ok(trimmed.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_is_reduced_to_its_origin() {
        assert_eq!(
            parse_base_url("https://Portal.Example.com/").unwrap(),
            "https://portal.example.com"
        );
        assert_eq!(
            parse_base_url("http://127.0.0.1:3000").unwrap(),
            "http://127.0.0.1:3000"
        );
        assert!(parse_base_url("portal.example.com").is_err());
        assert!(parse_base_url("https://portal.example.com/path").is_err());
        assert!(parse_base_url("javascript:alert(1)").is_err());
    }

    #[test]
    fn secrets_are_redacted_when_printed() {
        let secret = Secret::new("postgres://portico:hunter2@db/portico");
        assert_eq!(format!("{secret:?}"), "[redacted]");
    }
}
