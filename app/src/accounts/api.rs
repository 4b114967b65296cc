//! Server functions for accounts and the wire types they return. Each one is thin: parse the
//! input into domain types, call one service function, map the outcome to what the page needs.
//! Success ends in a redirect where the journey moves on to another page, so that the same form
//! works with and without JavaScript.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Who is signed in, as the layout needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub full_name: String,
    pub email: String,
    pub is_operator: bool,
    pub profile_complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub full_name: String,
    pub email: String,
    pub job_title: String,
    pub phone: String,
    /// When the current terms were accepted, as an ISO date, if they were.
    pub terms_accepted_on: Option<String>,
    pub terms_version: String,
    pub is_complete: bool,
}

/// What a plain form post left behind when it failed: the error, and what was typed (never a
/// password), so the page can show both after the redirect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFlash {
    pub error: Option<AppError>,
    pub values: std::collections::BTreeMap<String, String>,
}

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::accounts::email::Email;
    pub use crate::accounts::password::Password;
    pub use crate::accounts::service::{self, AccountError};
    pub use crate::backend::internal;
    pub use crate::backend::request::{actor, session, signed_in, signed_in_user, state};
    pub use crate::backend::tokens::TokenError;
    pub use crate::error::AppError;

    pub fn parse_email(input: &str) -> Result<Email, AppError> {
        Email::parse(input).map_err(|e| AppError::invalid_field("email", e.to_string()))
    }

    pub fn token_message(error: TokenError, what: &str) -> AppError {
        AppError::invalid_form(match error {
            TokenError::Expired => {
                format!("This {what} link has expired. Ask for a new one below.")
            }
            TokenError::Used => {
                format!("This {what} link has already been used. Ask for a new one below if you still need it.")
            }
            TokenError::Unknown => format!(
                "This {what} link is not valid. Check that you copied the whole link, or ask for a new one below."
            ),
        })
    }

    pub fn service_error(error: AccountError) -> AppError {
        match error {
            AccountError::BadCredentials => AppError::invalid_form(
                "Email or password is incorrect, or the email address has not been verified yet.",
            ),
            AccountError::WrongCurrentPassword => {
                AppError::invalid_field("current_password", "Your current password is not correct.")
            }
            AccountError::Token(error) => token_message(error, "email"),
            other => internal("account operation failed", other),
        }
    }
}

#[server(endpoint = "sign_up")]
pub async fn sign_up(full_name: String, email: String, password: String) -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    let mut errors = crate::error::FormErrors::default();
    let name = errors.check("full_name", crate::accounts::profile::FullName::parse(&full_name));
    let email = errors.check("email", Email::parse(&email));
    let password = errors.check("password", Password::parse_new(&password));
    let (Some(name), Some(email), Some(password)) = (name, email, password) else {
        return Err(AppError::Invalid(errors));
    };
    service::sign_up(&state, &actor(None).await, name.into_inner(), &email, &password)
        .await
        .map_err(service_error)?;
    leptos_axum::redirect("/signup/check-email");
    Ok(())
}

#[server(endpoint = "resend_verification")]
pub async fn resend_verification(email: String) -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    let email = parse_email(&email)?;
    service::resend_verification(&state, &email)
        .await
        .map_err(service_error)?;
    leptos_axum::redirect("/signup/check-email?resent=1");
    Ok(())
}

#[server(endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    service::verify_email(&state, &actor(None).await, &token)
        .await
        .map_err(|e| match e {
            AccountError::Token(error) => token_message(error, "verification"),
            other => service_error(other),
        })?;
    leptos_axum::redirect("/signin?verified=1");
    Ok(())
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    /// The page to go to once signed in; only a path of this site is followed.
    #[server(default)]
    next: String,
) -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    let session = session().await?;
    // An address that cannot exist fails like a wrong password, after the same hashing work.
    let email = match Email::parse(&email) {
        Ok(email) => email,
        Err(_) => {
            let _ = state.hasher.verify(&password, None).await;
            return Err(service_error(AccountError::BadCredentials));
        }
    };
    service::sign_in(&state, &actor(None).await, &session, &email, &password)
        .await
        .map_err(service_error)?;
    let destination = crate::backend::navigation::same_site_path(&state.settings.base_url, &next)
        .filter(|path| !path.starts_with("/signin"))
        .unwrap_or_else(|| "/profile".to_owned());
    leptos_axum::redirect(&destination);
    Ok(())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    let session = session().await?;
    let user_id = crate::backend::sessions::signed_in_user_id(&session)
        .await
        .ok()
        .flatten();
    // `flush` deletes the session row, so the cookie is worthless on every instance at once.
    session.flush().await.map_err(|e| internal("sign-out failed", e))?;
    if let Some(user_id) = user_id {
        let event = crate::backend::audit::Event::new("account.signed_out", "user", user_id);
        crate::backend::audit::record(&state.db, &actor(Some(user_id)).await, event)
            .await
            .map_err(|e| internal("audit failed", e))?;
    }
    leptos_axum::redirect("/signin?signed_out=1");
    Ok(())
}

#[server(endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    let email = parse_email(&email)?;
    service::request_password_reset(&state, &actor(None).await, &email)
        .await
        .map_err(service_error)?;
    leptos_axum::redirect("/forgot-password/sent");
    Ok(())
}

/// Whether a reset link is still usable, so the page can say so before anyone types a password.
#[server(endpoint = "check_reset_token")]
pub async fn check_reset_token(token: String) -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    crate::backend::tokens::check(
        &state.db,
        crate::backend::tokens::TokenPurpose::ResetPassword,
        &token,
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| internal("reset token check failed", e))?
    .map_err(|e| token_message(e, "reset"))?;
    Ok(())
}

#[server(endpoint = "reset_password")]
pub async fn reset_password(token: String, new_password: String) -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    let password =
        Password::parse_new(&new_password).map_err(|e| AppError::invalid_field("new_password", e.to_string()))?;
    service::reset_password(&state, &actor(None).await, &token, &password)
        .await
        .map_err(|e| match e {
            AccountError::Token(error) => token_message(error, "reset"),
            other => service_error(other),
        })?;
    leptos_axum::redirect("/signin?reset=1");
    Ok(())
}

#[server(endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use ssr::*;
    let (state, session, user) = signed_in().await?;
    let password =
        Password::parse_new(&new_password).map_err(|e| AppError::invalid_field("new_password", e.to_string()))?;
    service::change_password(
        &state,
        &actor(Some(user.id)).await,
        &session,
        &user,
        &current_password,
        &password,
    )
    .await
    .map_err(service_error)?;
    leptos_axum::redirect("/profile?password_changed=1");
    Ok(())
}

#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Viewer>, AppError> {
    use ssr::*;
    let state = state()?;
    let session = session().await?;
    let user = signed_in_user(&state, &session).await?;
    Ok(user.map(|user| Viewer {
        is_operator: user.email_verified_at.is_some() && state.settings.is_operator(&user.email_canonical),
        profile_complete: is_complete(&user, &state.settings.terms_version),
        full_name: user.full_name,
        email: user.email,
    }))
}

#[cfg(feature = "ssr")]
fn is_complete(user: &crate::backend::entities::user::Model, terms_version: &str) -> bool {
    !user.full_name.trim().is_empty() && user.terms_version.as_deref() == Some(terms_version)
}

#[server(endpoint = "get_profile")]
pub async fn get_profile() -> Result<Profile, AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let terms_version = state.settings.terms_version.clone();
    let accepted_current = user.terms_version.as_deref() == Some(terms_version.as_str());
    Ok(Profile {
        is_complete: is_complete(&user, &terms_version),
        full_name: user.full_name,
        email: user.email,
        job_title: user.job_title.unwrap_or_default(),
        phone: user.phone.unwrap_or_default(),
        terms_accepted_on: user
            .terms_accepted_at
            .filter(|_| accepted_current)
            .map(|at| at.format("%Y-%m-%d").to_string()),
        terms_version,
    })
}

#[server(endpoint = "save_profile")]
pub async fn save_profile(
    full_name: String,
    job_title: String,
    phone: String,
    accept_terms: Option<String>,
) -> Result<(), AppError> {
    use crate::accounts::profile::{FullName, optional_phone, optional_text};
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let mut errors = crate::error::FormErrors::default();
    let name = errors.check("full_name", FullName::parse(&full_name));
    let job_title = errors.check("job_title", optional_text(&job_title, 200));
    let phone = errors.check("phone", optional_phone(&phone));
    let (Some(name), Some(job_title), Some(phone)) = (name, job_title, phone) else {
        return Err(AppError::Invalid(errors));
    };
    let update = service::ProfileUpdate {
        full_name: name.into_inner(),
        job_title,
        phone,
        accept_terms: accept_terms.is_some(),
    };
    service::save_profile(&state, &actor(Some(user.id)).await, &user, update)
        .await
        .map_err(service_error)?;
    leptos_axum::redirect("/profile?saved=1");
    Ok(())
}

/// Takes (reads and removes) what a failed plain form post to `endpoint` left in the session.
#[server(endpoint = "take_form_flash")]
pub async fn take_form_flash(endpoint: String) -> Result<Option<FormFlash>, AppError> {
    let session = ssr::session().await?;
    crate::backend::request::take_flash(&session, &endpoint).await
}
