//! What owners do with credentials: reveal a secret once, roll it with a grace period, revoke.
//!
//! Only owners of an application, who are still active members of its partner, reach a
//! credential; anyone else gets "not found", exactly as for an id that does not exist. Reveals
//! and rolls need the owner's password entered within the last 15 minutes.

use super::keys::{PlainSecret, SecretKind};
use crate::backend::audit::{self, Actor, Event};
use crate::backend::entities::{application, credential, environment, user};
use crate::backend::{AppState, begin_write};
use crate::partners::service::require_member;
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use tower_sessions::Session;

pub const REAUTH_AT: &str = "reauth_at";
pub const REAUTH_WINDOW_SECONDS: i64 = 15 * 60;

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("no such credential for this user")]
    NotFound,
    #[error("the password must be entered again")]
    PasswordRequired,
    #[error("the password is wrong")]
    WrongPassword,
    #[error("the credential is not issued")]
    NotIssued,
    #[error("the secret was revealed already")]
    AlreadyRevealed,
    #[error("the application is deactivated")]
    Deactivated,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("password hashing error: {0}")]
    Hashing(#[from] crate::backend::hashing::HashingError),
    #[error("session error: {0}")]
    Session(#[from] tower_sessions::session::Error),
}

/// How long the old secret keeps working after a roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grace {
    None,
    OneHour,
    OneDay,
    SevenDays,
}

impl Grace {
    pub fn parse(input: &str) -> Option<Self> {
        match input {
            "none" => Some(Self::None),
            "1h" => Some(Self::OneHour),
            "24h" => Some(Self::OneDay),
            "7d" => Some(Self::SevenDays),
            _ => None,
        }
    }

    pub fn duration(self) -> Option<Duration> {
        match self {
            Self::None => None,
            Self::OneHour => Some(Duration::hours(1)),
            Self::OneDay => Some(Duration::hours(24)),
            Self::SevenDays => Some(Duration::days(7)),
        }
    }
}

/// A credential the user owns, with its application and environment.
pub struct Owned {
    pub credential: credential::Model,
    pub application: application::Model,
    pub environment: environment::Model,
}

pub async fn require_owner(
    db: &impl ConnectionTrait,
    user: &user::Model,
    credential_id: i64,
) -> Result<Owned, CredentialError> {
    let credential = credential::Entity::find_by_id(credential_id)
        .one(db)
        .await?
        .ok_or(CredentialError::NotFound)?;
    let (application, environment) =
        owned_application_in(db, user, credential.application_id, credential.environment_id).await?;
    Ok(Owned {
        credential,
        application,
        environment,
    })
}

/// The application `user` owns, as an active member of its partner, with one of its
/// environments; "not found" for anyone else, exactly as for ids that do not exist.
pub async fn owned_application_in(
    db: &impl ConnectionTrait,
    user: &user::Model,
    application_id: i64,
    environment_id: i64,
) -> Result<(application::Model, environment::Model), CredentialError> {
    let membership = require_member(db, user).await.map_err(|_| CredentialError::NotFound)?;
    let application = application::Entity::find_by_id(application_id)
        .filter(application::Column::PartnerId.eq(membership.partner.id))
        .one(db)
        .await?
        .ok_or(CredentialError::NotFound)?;
    if !crate::applications::service::is_owner(db, application.id, user.id).await? {
        return Err(CredentialError::NotFound);
    }
    let environment = environment::Entity::find_by_id(environment_id)
        .one(db)
        .await?
        .ok_or(CredentialError::NotFound)?;
    Ok((application, environment))
}

/// Accepts a password entered within the last 15 minutes, or checks the one given now.
pub async fn require_recent_password(
    state: &AppState,
    session: &Session,
    user: &user::Model,
    password: &str,
) -> Result<(), CredentialError> {
    let now = Utc::now().timestamp();
    let recent = session
        .get::<i64>(REAUTH_AT)
        .await?
        .is_some_and(|at| now - at <= REAUTH_WINDOW_SECONDS);
    if recent {
        return Ok(());
    }
    if password.is_empty() {
        return Err(CredentialError::PasswordRequired);
    }
    if !state.hasher.verify(password, Some(&user.password_hash)).await? {
        return Err(CredentialError::WrongPassword);
    }
    session.insert(REAUTH_AT, now).await?;
    Ok(())
}

fn usable(owned: &Owned) -> Result<(), CredentialError> {
    if owned.application.status != application::ACTIVE {
        return Err(CredentialError::Deactivated);
    }
    if owned.credential.state != credential::ISSUED {
        return Err(CredentialError::NotIssued);
    }
    Ok(())
}

/// Creates the credential's first secret and returns it; it is never shown again.
#[tracing::instrument(skip_all, fields(credential.id = owned.credential.id))]
pub async fn reveal(state: &AppState, actor: &Actor, owned: &Owned) -> Result<PlainSecret, CredentialError> {
    usable(owned)?;
    let secret = PlainSecret::generate(SecretKind::ApiSecret, &owned.environment.slug);
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    // Only the request that finds no secret yet may set one: two reveals cannot both succeed.
    let set = credential::Entity::update_many()
        .col_expr(credential::Column::SecretHash, Expr::value(secret.digest()))
        .col_expr(credential::Column::RevealedAt, Expr::value(now))
        .filter(credential::Column::Id.eq(owned.credential.id))
        .filter(credential::Column::State.eq(credential::ISSUED))
        .filter(credential::Column::SecretHash.is_null())
        .exec(&txn)
        .await?;
    if set.rows_affected != 1 {
        return Err(CredentialError::AlreadyRevealed);
    }
    let event = Event::new("credential.revealed", "credential", owned.credential.id)
        .partner(owned.application.partner_id)
        .detail(json!({ "public_key": owned.credential.public_key }));
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    tracing::info!(
        credential.public_key = owned.credential.public_key.as_deref().unwrap_or(""),
        "secret revealed"
    );
    Ok(secret)
}

/// Replaces the secret; the old one keeps working for `grace`.
#[tracing::instrument(skip_all, fields(credential.id = owned.credential.id))]
pub async fn roll(
    state: &AppState,
    actor: &Actor,
    owned: &Owned,
    grace: Grace,
) -> Result<PlainSecret, CredentialError> {
    usable(owned)?;
    let secret = PlainSecret::generate(SecretKind::ApiSecret, &owned.environment.slug);
    let now = Utc::now();
    let (previous_hash, previous_expires) = match (grace.duration(), &owned.credential.secret_hash) {
        (Some(grace), Some(old)) => (Some(old.clone()), Some(now + grace)),
        _ => (None, None),
    };
    let txn = begin_write(&state.db).await?;
    let mut update = credential::Entity::update_many()
        .col_expr(credential::Column::SecretHash, Expr::value(secret.digest()))
        .col_expr(credential::Column::PreviousSecretHash, Expr::value(previous_hash))
        .col_expr(
            credential::Column::PreviousSecretExpiresAt,
            Expr::value(previous_expires),
        )
        .col_expr(credential::Column::RevealedAt, Expr::value(now))
        .filter(credential::Column::Id.eq(owned.credential.id))
        .filter(credential::Column::State.eq(credential::ISSUED));
    // Roll against the secret this request saw, so two concurrent rolls cannot both win.
    update = match &owned.credential.secret_hash {
        Some(old) => update.filter(credential::Column::SecretHash.eq(old.clone())),
        None => update.filter(credential::Column::SecretHash.is_null()),
    };
    if update.exec(&txn).await?.rows_affected != 1 {
        return Err(CredentialError::NotIssued);
    }
    let event = Event::new("credential.rolled", "credential", owned.credential.id)
        .partner(owned.application.partner_id)
        .detail(json!({ "public_key": owned.credential.public_key, "grace_until": previous_expires }));
    audit::record(&txn, actor, event).await?;
    let text = format!(
        "The secret of {} ({}) in {} was rolled.{}",
        owned.credential.name,
        owned.credential.public_key.as_deref().unwrap_or(""),
        owned.application.name,
        grace_sentence(previous_expires)
    );
    let subject = format!("A secret of {} was rolled", owned.application.name);
    crate::applications::service::email_owners(state, &txn, &owned.application, &subject, &text, now).await?;
    txn.commit().await?;
    Ok(secret)
}

/// What a roll email says about the old secret.
pub fn grace_sentence(old_secret_until: Option<chrono::DateTime<Utc>>) -> String {
    match old_secret_until {
        Some(at) => format!(
            " The old secret keeps working until {}.",
            at.format("%Y-%m-%d %H:%M UTC")
        ),
        None => " The old secret stopped working at once.".into(),
    }
}

/// Stops a credential at once: it and any secret in its grace period stop working.
pub async fn revoke(state: &AppState, actor: &Actor, owned: &Owned) -> Result<(), CredentialError> {
    if owned.credential.state == credential::REVOKED {
        return Ok(());
    }
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    credential::Entity::update_many()
        .col_expr(credential::Column::State, Expr::value(credential::REVOKED))
        .col_expr(credential::Column::RevokedAt, Expr::value(now))
        .col_expr(
            credential::Column::PreviousSecretHash,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            credential::Column::PreviousSecretExpiresAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(credential::Column::Id.eq(owned.credential.id))
        .exec(&txn)
        .await?;
    let event = Event::new("credential.revoked", "credential", owned.credential.id)
        .partner(owned.application.partner_id)
        .detail(json!({ "public_key": owned.credential.public_key }));
    audit::record(&txn, actor, event).await?;
    let text = format!(
        "{} ({}) of {} was revoked and no longer works.",
        owned.credential.name,
        owned.credential.public_key.as_deref().unwrap_or("not issued"),
        owned.application.name
    );
    let subject = format!("A credential of {} was revoked", owned.application.name);
    crate::applications::service::email_owners(state, &txn, &owned.application, &subject, &text, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Renames a credential or changes its description.
pub async fn describe(
    state: &AppState,
    actor: &Actor,
    owned: &Owned,
    name: String,
    description: String,
) -> Result<(), CredentialError> {
    let txn = begin_write(&state.db).await?;
    credential::Entity::update_many()
        .col_expr(credential::Column::Name, Expr::value(name.clone()))
        .col_expr(credential::Column::Description, Expr::value(description))
        .filter(credential::Column::Id.eq(owned.credential.id))
        .exec(&txn)
        .await?;
    let event = Event::new("credential.renamed", "credential", owned.credential.id)
        .partner(owned.application.partner_id)
        .detail(json!({ "name": name }));
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(())
}

/// Turns a credential off or on without revoking it.
pub async fn set_enabled(state: &AppState, actor: &Actor, owned: &Owned, enabled: bool) -> Result<(), CredentialError> {
    let txn = begin_write(&state.db).await?;
    credential::Entity::update_many()
        .col_expr(credential::Column::Enabled, Expr::value(enabled))
        .filter(credential::Column::Id.eq(owned.credential.id))
        .exec(&txn)
        .await?;
    let action = if enabled {
        "credential.enabled"
    } else {
        "credential.disabled"
    };
    let event = Event::new(action, "credential", owned.credential.id)
        .partner(owned.application.partner_id)
        .detail(json!({ "public_key": owned.credential.public_key }));
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(())
}

/// Every current credential of the applications `user` owns in their partner, with its
/// application, product and environment.
pub async fn owned_by(
    db: &impl ConnectionTrait,
    user: &user::Model,
) -> Result<
    Vec<(
        credential::Model,
        application::Model,
        crate::backend::entities::product::Model,
        environment::Model,
    )>,
    DbErr,
> {
    use crate::backend::entities::{application_owner, product};
    let Ok(membership) = require_member(db, user).await else {
        return Ok(Vec::new());
    };
    let owned_ids: Vec<i64> = application_owner::Entity::find()
        .filter(application_owner::Column::UserId.eq(user.id))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.application_id)
        .collect();
    let apps = application::Entity::find()
        .filter(application::Column::Id.is_in(owned_ids))
        .filter(application::Column::PartnerId.eq(membership.partner.id))
        .all(db)
        .await?;
    let app_ids: Vec<i64> = apps.iter().map(|a| a.id).collect();
    let credentials = crate::applications::service::credentials_of(db, &app_ids).await?;
    let products = product::Entity::find().all(db).await?;
    let environments = environment::Entity::find().all(db).await?;
    Ok(credentials
        .into_iter()
        .filter_map(|c| {
            let app = apps.iter().find(|a| a.id == c.application_id)?.clone();
            let product = products.iter().find(|p| p.id == c.product_id)?.clone();
            let environment = environments.iter().find(|e| e.id == c.environment_id)?.clone();
            Some((c, app, product, environment))
        })
        .collect())
}
