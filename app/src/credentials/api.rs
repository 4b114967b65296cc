//! Server functions that reveal, roll and revoke a credential's secret. Each checks ownership from
//! the database first; everyone else gets the same 404 as for a credential that does not exist.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A secret on its one trip to the browser: serialised only inside the response that reveals it
/// (which is `no-store`), never printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimeSecret(pub String);

impl fmt::Debug for OneTimeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeSecret([redacted])")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealedSecret {
    pub credential_id: i64,
    /// What the public half is called: "Public key", or "Client ID" for an OAuth client.
    pub identifier_label: String,
    pub public_key: String,
    pub secret: OneTimeSecret,
    /// Where the no-JavaScript secret page links back to.
    pub back_to: String,
}

impl RevealedSecret {
    /// What to do with the secret now, shown beside it: a gateway token cannot be rolled, only
    /// replaced.
    pub fn keeping_advice(&self) -> &'static str {
        if self.identifier_label == "Gateway" {
            "You will not see this token again. Put it in your gateway's configuration now; if you lose it, revoke it and create another."
        } else {
            "You will not see this secret again. Store it in your secrets manager; if you lose it, roll it."
        }
    }
}

/// A credential's use through the gateway over the last 30 days (UTC), for its owners.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageSummary {
    /// The first day of the series, `YYYY-MM-DD`.
    pub first_day: String,
    /// Requests per day, oldest first; empty when the credential was never used.
    pub daily: Vec<u64>,
    pub total: u64,
    pub failures: u64,
    /// (code, count), e.g. `("INVALID", 3)`.
    pub failures_by_code: Vec<(String, u64)>,
}

/// The forms' `kind` field: an API key's secret (the default) or an OAuth client's secret.
pub const OAUTH_CLIENT: &str = "oauth_client";

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::backend::internal;
    pub use crate::backend::navigation::back_with_flag;
    pub use crate::backend::request::{actor, signed_in};
    pub use crate::credentials::service::{self, CredentialError, Grace};
    pub use crate::error::AppError;

    pub fn credential_error(error: CredentialError) -> AppError {
        match error {
            CredentialError::NotFound => AppError::NotFound,
            CredentialError::PasswordRequired => AppError::invalid_field(
                "password",
                "Enter your password: it has been more than 15 minutes since you last did.",
            ),
            CredentialError::WrongPassword => AppError::invalid_field("password", "That password is not correct."),
            CredentialError::NotIssued => {
                AppError::invalid_form("This credential has not been issued, or it was revoked.")
            }
            CredentialError::AlreadyRevealed => AppError::invalid_form(
                "This secret was revealed already and cannot be shown again. Roll it to get a new one.",
            ),
            CredentialError::Deactivated => AppError::invalid_form("The application is deactivated. Restore it first."),
            other => internal("credential operation failed", other),
        }
    }
}

/// Reveals the first secret of a credential, or of an OAuth client when `kind` says so.
#[server(endpoint = "reveal_secret")]
pub async fn reveal_secret(
    credential_id: i64,
    #[server(default)] kind: String,
    #[server(default)] password: String,
) -> Result<RevealedSecret, AppError> {
    set_secret(credential_id, &kind, SecretRequest::Reveal, &password).await
}

/// Replaces a secret; the old one keeps working for the chosen grace period.
#[server(endpoint = "roll_secret")]
pub async fn roll_secret(
    credential_id: i64,
    #[server(default)] kind: String,
    grace: String,
    #[server(default)] password: String,
) -> Result<RevealedSecret, AppError> {
    set_secret(credential_id, &kind, SecretRequest::Roll { grace: &grace }, &password).await
}

/// What an owner asks of a secret. The grace period stays unparsed until the caller is known to
/// own the credential: a stranger is refused for who they are, never for what they sent.
#[cfg(feature = "ssr")]
enum SecretRequest<'a> {
    Reveal,
    Roll { grace: &'a str },
}

#[cfg(feature = "ssr")]
impl SecretRequest<'_> {
    fn grace(&self) -> Result<Option<ssr::Grace>, AppError> {
        match self {
            Self::Reveal => Ok(None),
            Self::Roll { grace } => ssr::Grace::parse(grace)
                .map(Some)
                .ok_or_else(|| AppError::invalid_field("grace", "Choose how long the old secret keeps working.")),
        }
    }
}

/// Ownership first, then the request's own fields, then the password, then the secret.
#[cfg(feature = "ssr")]
async fn set_secret(
    id: i64,
    kind: &str,
    request: SecretRequest<'_>,
    password: &str,
) -> Result<RevealedSecret, AppError> {
    use crate::credentials::clients;
    use ssr::*;
    let (state, session, user) = signed_in().await?;
    let actor = actor(Some(user.id)).await;
    if kind == OAUTH_CLIENT {
        let owned = clients::require_client_owner(&state.db, &user, id)
            .await
            .map_err(credential_error)?;
        let grace = request.grace()?;
        service::require_recent_password(&state, &session, &user, password)
            .await
            .map_err(credential_error)?;
        let secret = clients::set_secret(&state, &actor, &owned, grace)
            .await
            .map_err(credential_error)?;
        return Ok(RevealedSecret {
            credential_id: id,
            identifier_label: "Client ID".into(),
            back_to: format!("/apis/{}", owned.application.public_id),
            public_key: owned.client.client_id,
            secret: OneTimeSecret(secret.into_exposed()),
        });
    }
    let owned = service::require_owner(&state.db, &user, id)
        .await
        .map_err(credential_error)?;
    let grace = request.grace()?;
    service::require_recent_password(&state, &session, &user, password)
        .await
        .map_err(credential_error)?;
    let secret = match grace {
        None => service::reveal(&state, &actor, &owned).await,
        Some(grace) => service::roll(&state, &actor, &owned, grace).await,
    }
    .map_err(credential_error)?;
    Ok(RevealedSecret {
        credential_id: id,
        identifier_label: "Public key".into(),
        back_to: format!("/apis/{}", owned.application.public_id),
        public_key: owned.credential.public_key.unwrap_or_default(),
        secret: OneTimeSecret(secret.into_exposed()),
    })
}

#[server(endpoint = "revoke_credential")]
pub async fn revoke_credential(credential_id: i64) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let owned = service::require_owner(&state.db, &user, credential_id)
        .await
        .map_err(credential_error)?;
    service::revoke(&state, &actor(Some(user.id)).await, &owned)
        .await
        .map_err(credential_error)?;
    // Back to the page it was revoked from: the application's, or the API Keys page with its filters.
    let application_page = format!("/apis/{}", owned.application.public_id);
    leptos_axum::redirect(&back_with_flag(&state.settings.base_url, &application_page, "revoked").await);
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    pub credential_id: i64,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub public_key: Option<String>,
    pub application: String,
    pub application_id: String,
    /// Whether the application is active: a deactivated one's keys are refused by gateways and
    /// cannot be revealed or rolled until it is restored.
    pub application_active: bool,
    pub product: String,
    pub environment: String,
    pub environment_slug: String,
    pub state: String,
    pub revealed: bool,
    pub created_on: String,
    pub last_used: Option<String>,
    pub usage: UsageSummary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyList {
    pub keys: Vec<KeyRow>,
    /// (public id, name) of every owned application, for the filter.
    pub applications: Vec<(String, String)>,
    /// (slug, name) of every environment in use, for the filter.
    pub environments: Vec<(String, String)>,
}

/// The API Keys page: every credential of the applications the caller owns, optionally filtered.
#[server(endpoint = "api_keys")]
pub async fn api_keys(
    #[server(default)] application: String,
    #[server(default)] environment: String,
) -> Result<KeyList, AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let rows = service::owned_by(&state.db, &user)
        .await
        .map_err(|e| internal("key list failed", e))?;
    let mut applications: Vec<(String, String)> = Vec::new();
    let mut environments: Vec<(i32, String, String)> = Vec::new();
    for (_, app, _, env) in &rows {
        if !applications.iter().any(|(id, _)| *id == app.public_id) {
            applications.push((app.public_id.clone(), app.name.clone()));
        }
        if !environments.iter().any(|(_, slug, _)| *slug == env.slug) {
            environments.push((env.position, env.slug.clone(), env.name.clone()));
        }
    }
    environments.sort();
    let subjects: Vec<String> = rows
        .iter()
        .map(|(c, ..)| crate::credentials::usage::credential_subject(c.id))
        .collect();
    let mut usage = crate::credentials::usage::last_30_days(&state.db, &subjects)
        .await
        .map_err(|e| internal("usage lookup failed", e))?;
    let keys = rows
        .into_iter()
        .filter(|(_, app, _, _)| application.is_empty() || app.public_id == application)
        .filter(|(_, _, _, env)| environment.is_empty() || env.slug == environment)
        .map(|(c, app, product, env)| KeyRow {
            credential_id: c.id,
            name: c.name,
            description: c.description,
            enabled: c.enabled,
            public_key: c.public_key,
            application_active: app.status == crate::backend::entities::application::ACTIVE,
            application: app.name,
            application_id: app.public_id,
            product: product.name,
            environment: env.name,
            environment_slug: env.slug,
            state: c.state,
            revealed: c.secret_hash.is_some(),
            created_on: c.created_at.format("%Y-%m-%d").to_string(),
            last_used: c.last_used_at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
            usage: usage
                .remove(&crate::credentials::usage::credential_subject(c.id))
                .unwrap_or_default(),
        })
        .collect();
    Ok(KeyList {
        keys,
        applications,
        environments: environments.into_iter().map(|(_, slug, name)| (slug, name)).collect(),
    })
}

#[server(endpoint = "describe_credential")]
pub async fn describe_credential(
    credential_id: i64,
    name: String,
    #[server(default)] description: String,
) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let owned = service::require_owner(&state.db, &user, credential_id)
        .await
        .map_err(credential_error)?;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::invalid_field("name", "Use 1 to 100 characters for the name."));
    }
    let description = description.trim().to_owned();
    if description.chars().count() > 500 {
        return Err(AppError::invalid_field("description", "Use at most 500 characters."));
    }
    service::describe(&state, &actor(Some(user.id)).await, &owned, name, description)
        .await
        .map_err(credential_error)?;
    leptos_axum::redirect(&back_with_flag(&state.settings.base_url, "/keys", "saved").await);
    Ok(())
}

#[server(endpoint = "set_credential_enabled")]
pub async fn set_credential_enabled(credential_id: i64, enabled: String) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let owned = service::require_owner(&state.db, &user, credential_id)
        .await
        .map_err(credential_error)?;
    let enabled = match enabled.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::invalid_form("Choose enable or disable.")),
    };
    service::set_enabled(&state, &actor(Some(user.id)).await, &owned, enabled)
        .await
        .map_err(credential_error)?;
    let flag = if enabled { "switched_on" } else { "switched_off" };
    leptos_axum::redirect(&back_with_flag(&state.settings.base_url, "/keys", flag).await);
    Ok(())
}
