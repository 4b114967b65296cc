//! OAuth clients: service applications that authenticate with client credentials get one client
//! id and client secret per environment, created when the application's first credential in that
//! environment is issued and revoked with the environment. Owners reveal and roll the client
//! secret exactly like an API secret (DESIGN.md § Credentials).

use super::keys::{self, PlainSecret, SecretKind};
use super::service::{CredentialError, Grace};
use crate::applications::domain::AuthMethod;
use crate::backend::audit::{self, Actor, Event};
use crate::backend::entities::{application, environment, oauth_client, user};
use crate::backend::{AppState, begin_write};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::json;

/// Whether the application obtains bearer tokens with a client id and secret.
pub fn uses_client_credentials(app: &application::Model) -> bool {
    app.auth_method == AuthMethod::ClientCredentials.as_str()
}

/// Gives the application a live OAuth client in `environment` unless it has one. Safe to call
/// from every job that issues a credential: the unique index settles races between instances.
pub async fn ensure_client(
    db: &impl ConnectionTrait,
    app: &application::Model,
    environment: &environment::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if !uses_client_credentials(app) {
        return Ok(());
    }
    let client = oauth_client::ActiveModel {
        application_id: Set(app.id),
        environment_id: Set(environment.id),
        client_id: Set(keys::new_client_id(&environment.slug)),
        secret_hash: Set(None),
        previous_secret_hash: Set(None),
        previous_secret_expires_at: Set(None),
        live: Set(Some(true)),
        enabled: Set(true),
        created_at: Set(now),
        revealed_at: Set(None),
        revoked_at: Set(None),
        last_used_at: Set(None),
        ..Default::default()
    };
    let conflict = OnConflict::columns([
        oauth_client::Column::ApplicationId,
        oauth_client::Column::EnvironmentId,
        oauth_client::Column::Live,
    ])
    .do_nothing()
    .to_owned();
    oauth_client::Entity::insert(client)
        .on_conflict(conflict)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Revokes the application's clients in the given environments (all of them for `None`), and
/// with them every access token they issued.
pub async fn revoke_clients(
    db: &impl ConnectionTrait,
    application_id: i64,
    environment_ids: Option<&[i64]>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut update = oauth_client::Entity::update_many()
        .col_expr(oauth_client::Column::Live, Expr::value(Option::<bool>::None))
        .col_expr(oauth_client::Column::RevokedAt, Expr::value(now))
        .col_expr(
            oauth_client::Column::PreviousSecretHash,
            Expr::value(Option::<String>::None),
        )
        .filter(oauth_client::Column::ApplicationId.eq(application_id))
        .filter(oauth_client::Column::Live.is_not_null());
    if let Some(ids) = environment_ids {
        update = update.filter(oauth_client::Column::EnvironmentId.is_in(ids.to_vec()));
    }
    Ok(update.exec(db).await?.rows_affected)
}

/// A client the user owns, with its application and environment.
pub struct OwnedClient {
    pub client: oauth_client::Model,
    pub application: application::Model,
    pub environment: environment::Model,
}

/// Same rule as for credentials: owners who are still active members of the partner, and
/// "not found" for everyone else.
pub async fn require_client_owner(
    db: &impl ConnectionTrait,
    user: &user::Model,
    id: i64,
) -> Result<OwnedClient, CredentialError> {
    let client = oauth_client::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(CredentialError::NotFound)?;
    let (application, environment) =
        super::service::owned_application_in(db, user, client.application_id, client.environment_id).await?;
    Ok(OwnedClient {
        client,
        application,
        environment,
    })
}

/// The application's clients, live ones first.
pub async fn clients_of(db: &impl ConnectionTrait, application_id: i64) -> Result<Vec<oauth_client::Model>, DbErr> {
    let mut clients = oauth_client::Entity::find()
        .filter(oauth_client::Column::ApplicationId.eq(application_id))
        .all(db)
        .await?;
    clients.sort_by_key(|c| (c.is_revoked(), c.environment_id, c.id));
    Ok(clients)
}

fn usable(owned: &OwnedClient) -> Result<(), CredentialError> {
    if owned.application.status != application::ACTIVE {
        return Err(CredentialError::Deactivated);
    }
    if owned.client.is_revoked() {
        return Err(CredentialError::NotIssued);
    }
    Ok(())
}

/// Sets the client's secret. `grace` is `None` for a first reveal, which only succeeds while no
/// secret exists; a roll replaces the secret this request saw, so concurrent rolls cannot both win.
#[tracing::instrument(skip_all, fields(oauth_client.id = owned.client.id))]
pub async fn set_secret(
    state: &AppState,
    actor: &Actor,
    owned: &OwnedClient,
    grace: Option<Grace>,
) -> Result<PlainSecret, CredentialError> {
    usable(owned)?;
    if grace.is_none() && owned.client.secret_hash.is_some() {
        return Err(CredentialError::AlreadyRevealed);
    }
    let secret = PlainSecret::generate(SecretKind::ClientSecret, &owned.environment.slug);
    let now = Utc::now();
    let previous = grace
        .and_then(Grace::duration)
        .zip(owned.client.secret_hash.clone())
        .map(|(grace, old)| (old, now + grace));
    let txn = begin_write(&state.db).await?;
    let mut update = oauth_client::Entity::update_many()
        .col_expr(oauth_client::Column::SecretHash, Expr::value(secret.digest()))
        .col_expr(
            oauth_client::Column::PreviousSecretHash,
            Expr::value(previous.as_ref().map(|(old, _)| old.clone())),
        )
        .col_expr(
            oauth_client::Column::PreviousSecretExpiresAt,
            Expr::value(previous.as_ref().map(|(_, until)| *until)),
        )
        .col_expr(oauth_client::Column::RevealedAt, Expr::value(now))
        .filter(oauth_client::Column::Id.eq(owned.client.id))
        .filter(oauth_client::Column::Live.is_not_null());
    update = match &owned.client.secret_hash {
        Some(old) => update.filter(oauth_client::Column::SecretHash.eq(old.clone())),
        None => update.filter(oauth_client::Column::SecretHash.is_null()),
    };
    if update.exec(&txn).await?.rows_affected != 1 {
        return Err(if grace.is_none() {
            CredentialError::AlreadyRevealed
        } else {
            CredentialError::NotIssued
        });
    }
    let action = if grace.is_some() {
        "oauth_client.rolled"
    } else {
        "oauth_client.revealed"
    };
    let until = previous.as_ref().map(|(_, until)| *until);
    let event = Event::new(action, "oauth_client", owned.client.id)
        .partner(owned.application.partner_id)
        .detail(json!({ "client_id": owned.client.client_id, "grace_until": until }));
    audit::record(&txn, actor, event).await?;
    if grace.is_some() {
        let subject = format!("A client secret of {} was rolled", owned.application.name);
        let text = format!(
            "The client secret of {} ({}) in {} was rolled.{}",
            owned.application.name,
            owned.client.client_id,
            owned.environment.name,
            super::service::grace_sentence(until)
        );
        crate::applications::service::email_owners(state, &txn, &owned.application, &subject, &text, now).await?;
    }
    txn.commit().await?;
    tracing::info!(oauth_client.client_id = %owned.client.client_id, action, "client secret set");
    Ok(secret)
}
