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
    pub public_key: String,
    pub secret: OneTimeSecret,
}

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::backend::internal;
    pub use crate::backend::request::{actor, require_user, session, state};
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

#[server(endpoint = "reveal_secret")]
pub async fn reveal_secret(
    credential_id: i64,
    #[server(default)] password: String,
) -> Result<RevealedSecret, AppError> {
    use ssr::*;
    let state = state()?;
    let session = session().await?;
    let user = require_user(&state, &session).await?;
    let owned = service::require_owner(&state.db, &user, credential_id)
        .await
        .map_err(credential_error)?;
    service::require_recent_password(&state, &session, &user, &password)
        .await
        .map_err(credential_error)?;
    let secret = service::reveal(&state, &actor(Some(user.id)).await, &owned)
        .await
        .map_err(credential_error)?;
    Ok(RevealedSecret {
        credential_id,
        public_key: owned.credential.public_key.unwrap_or_default(),
        secret: OneTimeSecret(secret.into_exposed()),
    })
}

#[server(endpoint = "roll_secret")]
pub async fn roll_secret(
    credential_id: i64,
    grace: String,
    #[server(default)] password: String,
) -> Result<RevealedSecret, AppError> {
    use ssr::*;
    let state = state()?;
    let session = session().await?;
    let user = require_user(&state, &session).await?;
    let owned = service::require_owner(&state.db, &user, credential_id)
        .await
        .map_err(credential_error)?;
    let grace = Grace::parse(&grace)
        .ok_or_else(|| AppError::invalid_field("grace", "Choose how long the old secret keeps working."))?;
    service::require_recent_password(&state, &session, &user, &password)
        .await
        .map_err(credential_error)?;
    let secret = service::roll(&state, &actor(Some(user.id)).await, &owned, grace)
        .await
        .map_err(credential_error)?;
    Ok(RevealedSecret {
        credential_id,
        public_key: owned.credential.public_key.unwrap_or_default(),
        secret: OneTimeSecret(secret.into_exposed()),
    })
}

#[server(endpoint = "revoke_credential")]
pub async fn revoke_credential(credential_id: i64) -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    let session = session().await?;
    let user = require_user(&state, &session).await?;
    let owned = service::require_owner(&state.db, &user, credential_id)
        .await
        .map_err(credential_error)?;
    service::revoke(&state, &actor(Some(user.id)).await, &owned)
        .await
        .map_err(credential_error)?;
    leptos_axum::redirect(&format!("/apis/{}?revoked=1", owned.application.public_id));
    Ok(())
}
