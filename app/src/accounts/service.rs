//! Account rules on the server: sign-up, verification, sign-in, password reset and change, profile.
//!
//! Every function here answers the same way whether or not an address has an account, where
//! SECURITY.md asks for it, and writes its emails to the outbox in the same transaction as the
//! change they report.

use super::email::Email;
use super::emails;
use super::password::Password;
use crate::backend::audit::{self, Actor, Event};
use crate::backend::entities::user;
use crate::backend::mail;
use crate::backend::sessions;
use crate::backend::tokens::{self, TokenError, TokenPurpose};
use crate::backend::{AppState, begin_write};
use crate::partners::service::join_by_domain;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use tower_sessions::Session;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("email or password is wrong, or the address is not verified")]
    BadCredentials,
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    #[error("token refused: {0}")]
    Token(#[from] TokenError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("password hashing error: {0}")]
    Hashing(#[from] crate::backend::hashing::HashingError),
    #[error("session error: {0}")]
    Session(#[from] tower_sessions::session::Error),
}

pub async fn find_by_email(db: &impl ConnectionTrait, email: &Email) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::EmailCanonical.eq(email.canonical()))
        .one(db)
        .await
}

/// Creates an unverified account and emails a verification link. If the address already has an
/// account, nothing is created and its owner is emailed instead; the caller cannot tell the two
/// apart (the password is hashed either way, so even the timing matches).
#[tracing::instrument(skip_all)]
pub async fn sign_up(
    state: &AppState,
    actor: &Actor,
    full_name: String,
    email: &Email,
    password: &Password,
) -> Result<(), AccountError> {
    let password_hash = state.hasher.hash(password).await?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    if let Some(existing) = find_by_email(&txn, email).await? {
        let mail = if existing.email_verified_at.is_some() {
            emails::sign_up_attempt_on_existing_account(&state.settings, &existing.email, &existing.full_name)
        } else {
            // The owner may simply have lost the first link: a new one is the helpful answer.
            let token = tokens::issue(
                &txn,
                TokenPurpose::VerifyEmail,
                existing.id,
                &existing.email_canonical,
                now,
            )
            .await?;
            emails::verify_email(&state.settings, &existing.email, &existing.full_name, &token)
        };
        mail::enqueue(&txn, mail, now).await?;
        audit::record(
            &txn,
            actor,
            Event::new("account.sign_up_for_existing_address", "user", existing.id),
        )
        .await?;
        txn.commit().await?;
        tracing::info!("sign-up for an existing address; owner notified");
        return Ok(());
    }
    let inserted = user::ActiveModel {
        email: Set(email.as_address()),
        email_canonical: Set(email.canonical()),
        full_name: Set(full_name.clone()),
        job_title: Set(None),
        phone: Set(None),
        password_hash: Set(password_hash),
        email_verified_at: Set(None),
        terms_accepted_at: Set(None),
        terms_version: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let created = match inserted {
        Ok(created) => created,
        // Two sign-ups raced for one address and the other won: answer as for an existing account.
        Err(error) if crate::backend::is_unique_violation(&error) => {
            txn.rollback().await?;
            tracing::info!("concurrent sign-up for one address; the first one stands");
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    };
    let token = tokens::issue(
        &txn,
        TokenPurpose::VerifyEmail,
        created.id,
        &created.email_canonical,
        now,
    )
    .await?;
    mail::enqueue(
        &txn,
        emails::verify_email(&state.settings, &created.email, &created.full_name, &token),
        now,
    )
    .await?;
    let actor = Actor {
        user_id: Some(created.id),
        ..actor.clone()
    };
    audit::record(&txn, &actor, Event::new("account.created", "user", created.id)).await?;
    txn.commit().await?;
    tracing::info!(user.id = created.id, "account created; verification email queued");
    Ok(())
}

/// Sends a fresh verification link if the address has an unverified account; otherwise nothing.
#[tracing::instrument(skip_all)]
pub async fn resend_verification(state: &AppState, email: &Email) -> Result<(), AccountError> {
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    if let Some(user) = find_by_email(&txn, email)
        .await?
        .filter(|u| u.email_verified_at.is_none())
    {
        let token = tokens::issue(&txn, TokenPurpose::VerifyEmail, user.id, &user.email_canonical, now).await?;
        mail::enqueue(
            &txn,
            emails::verify_email(&state.settings, &user.email, &user.full_name, &token),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Loads the account a consumed token was issued for, provided its address is still the one the
/// token was sent to.
async fn token_owner(
    db: &impl ConnectionTrait,
    token: &crate::backend::entities::email_token::Model,
) -> Result<user::Model, AccountError> {
    user::Entity::find_by_id(token.user_id)
        .one(db)
        .await?
        .filter(|user| user.email_canonical == token.email)
        .ok_or(AccountError::Token(TokenError::Unknown))
}

#[tracing::instrument(skip_all)]
pub async fn verify_email(state: &AppState, actor: &Actor, token: &str) -> Result<(), AccountError> {
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let token = tokens::consume(&txn, TokenPurpose::VerifyEmail, token, now).await??;
    let user = token_owner(&txn, &token).await?;
    let user = if user.email_verified_at.is_none() {
        let mut update: user::ActiveModel = user.clone().into();
        update.email_verified_at = Set(Some(now));
        update.updated_at = Set(now);
        update.update(&txn).await?
    } else {
        user
    };
    let actor = Actor {
        user_id: Some(user.id),
        ..actor.clone()
    };
    audit::record(&txn, &actor, Event::new("account.email_verified", "user", user.id)).await?;
    // A verified address is what puts a developer into their company.
    join_by_domain(&txn, state, &actor, &user).await?;
    txn.commit().await?;
    tracing::info!(user.id = user.id, "email verified");
    Ok(())
}

/// Checks the password and signs in on a new session id. Unknown address, wrong password and
/// unverified address all fail alike, after the same amount of hashing work.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    state: &AppState,
    actor: &Actor,
    session: &Session,
    email: &Email,
    password: &str,
) -> Result<user::Model, AccountError> {
    let user = find_by_email(&state.db, email).await?;
    let password_matches = state
        .hasher
        .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
        .await?;
    match user {
        Some(user) if password_matches && user.email_verified_at.is_some() => {
            sessions::sign_in(session, user.id).await?;
            let actor = Actor {
                user_id: Some(user.id),
                ..actor.clone()
            };
            let txn = begin_write(&state.db).await?;
            audit::record(&txn, &actor, Event::new("account.signed_in", "user", user.id)).await?;
            // Colleagues verified before their company was set up join it at their next sign-in.
            join_by_domain(&txn, state, &actor, &user).await?;
            txn.commit().await?;
            tracing::info!(user.id = user.id, "signed in");
            Ok(user)
        }
        Some(user) => {
            audit::record(&state.db, actor, Event::new("account.sign_in_failed", "user", user.id)).await?;
            tracing::info!("sign-in refused");
            Err(AccountError::BadCredentials)
        }
        None => {
            tracing::info!("sign-in refused");
            Err(AccountError::BadCredentials)
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn request_password_reset(state: &AppState, actor: &Actor, email: &Email) -> Result<(), AccountError> {
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    if let Some(user) = find_by_email(&txn, email).await? {
        let token = tokens::issue(&txn, TokenPurpose::ResetPassword, user.id, &user.email_canonical, now).await?;
        mail::enqueue(
            &txn,
            emails::reset_password(&state.settings, &user.email, &user.full_name, &token),
            now,
        )
        .await?;
        audit::record(
            &txn,
            actor,
            Event::new("account.password_reset_requested", "user", user.id),
        )
        .await?;
        tracing::info!(user.id = user.id, "password reset email queued");
    }
    txn.commit().await?;
    Ok(())
}

/// Sets a new password from a reset link and ends every session of the account. It does not sign
/// in: whoever follows the link still has to prove they know the new password. Following the link
/// also proves the address, so an unverified account becomes verified.
#[tracing::instrument(skip_all)]
pub async fn reset_password(
    state: &AppState,
    actor: &Actor,
    token: &str,
    new_password: &Password,
) -> Result<(), AccountError> {
    let password_hash = state.hasher.hash(new_password).await?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let token = tokens::consume(&txn, TokenPurpose::ResetPassword, token, now).await??;
    let user = token_owner(&txn, &token).await?;
    let mut update: user::ActiveModel = user.clone().into();
    update.password_hash = Set(password_hash);
    update.password_changed_at = Set(now);
    update.email_verified_at = Set(Some(user.email_verified_at.unwrap_or(now)));
    update.updated_at = Set(now);
    update.update(&txn).await?;
    sessions::end_sessions_of_user(&txn, user.id, None).await?;
    audit::record(
        &txn,
        &Actor {
            user_id: Some(user.id),
            ..actor.clone()
        },
        Event::new("account.password_reset", "user", user.id),
    )
    .await?;
    mail::enqueue(
        &txn,
        emails::password_changed(&state.settings, &user.email, &user.full_name),
        now,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user.id = user.id, "password reset; all sessions ended");
    Ok(())
}

/// Changes the password of the signed-in `user` and ends every other session of theirs.
#[tracing::instrument(skip_all, fields(user.id = user.id))]
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    session: &Session,
    user: &user::Model,
    current_password: &str,
    new_password: &Password,
) -> Result<(), AccountError> {
    if !state.hasher.verify(current_password, Some(&user.password_hash)).await? {
        return Err(AccountError::WrongCurrentPassword);
    }
    let password_hash = state.hasher.hash(new_password).await?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let mut update: user::ActiveModel = user.clone().into();
    update.password_hash = Set(password_hash);
    update.password_changed_at = Set(now);
    update.updated_at = Set(now);
    update.update(&txn).await?;
    sessions::end_sessions_of_user(&txn, user.id, session.id()).await?;
    audit::record(&txn, actor, Event::new("account.password_changed", "user", user.id)).await?;
    mail::enqueue(
        &txn,
        emails::password_changed(&state.settings, &user.email, &user.full_name),
        now,
    )
    .await?;
    txn.commit().await?;
    tracing::info!("password changed; other sessions ended");
    Ok(())
}

pub struct ProfileUpdate {
    pub full_name: String,
    pub job_title: Option<String>,
    pub phone: Option<String>,
    pub accept_terms: bool,
}

#[tracing::instrument(skip_all, fields(user.id = user.id))]
pub async fn save_profile(
    state: &AppState,
    actor: &Actor,
    user: &user::Model,
    update: ProfileUpdate,
) -> Result<user::Model, AccountError> {
    let now = Utc::now();
    let mut row: user::ActiveModel = user.clone().into();
    row.full_name = Set(update.full_name);
    row.job_title = Set(update.job_title);
    row.phone = Set(update.phone);
    // Acceptance is recorded with its time and the version accepted; accepting again after a new
    // version of the terms records the new one.
    let accepted_current = user.terms_version.as_deref() == Some(state.settings.terms_version.as_str());
    if update.accept_terms && !accepted_current {
        row.terms_accepted_at = Set(Some(now));
        row.terms_version = Set(Some(state.settings.terms_version.clone()));
    }
    row.updated_at = Set(now);
    let accepted_now = update.accept_terms && !accepted_current;
    let txn = begin_write(&state.db).await?;
    let saved = row.update(&txn).await?;
    let detail = serde_json::json!({ "terms_accepted": accepted_now.then_some(&state.settings.terms_version) });
    audit::record(
        &txn,
        actor,
        Event::new("account.profile_updated", "user", user.id).detail(detail),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}
