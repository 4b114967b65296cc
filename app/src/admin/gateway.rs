//! What operators configure for the gateway API: gateway tokens (one or more per environment,
//! shown once, stored as SHA-256, revocable) and the rate limit of each API product ×
//! environment.

use crate::backend::audit::{self, Actor, Event};
use crate::backend::entities::{environment, gateway_token, product, rate_limit_rule};
use crate::backend::{AppState, begin_write};
use crate::credentials::keys::{PlainSecret, SecretKind};
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

/// The highest limit an operator can set: about 16 700 requests a second per credential.
pub const MAX_REQUESTS_PER_MINUTE: i32 = 1_000_000;

#[derive(Debug, thiserror::Error)]
pub enum GatewayAdminError {
    #[error("no such environment, product or token")]
    NotFound,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Creates a gateway token for `environment_id` and returns it with the plain token, which is
/// never available again.
#[tracing::instrument(skip_all, fields(environment.id = environment_id))]
pub async fn create_token(
    state: &AppState,
    actor: &Actor,
    environment_id: i64,
    name: String,
) -> Result<(gateway_token::Model, environment::Model, PlainSecret), GatewayAdminError> {
    let environment = environment::Entity::find_by_id(environment_id)
        .one(&state.db)
        .await?
        .ok_or(GatewayAdminError::NotFound)?;
    let token = PlainSecret::generate(SecretKind::GatewayToken, &environment.slug);
    // Enough to tell tokens apart in a list, far too little to guess the rest.
    let hint: String = token.expose().chars().take(environment.slug.len() + 8).collect();
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let created = gateway_token::ActiveModel {
        environment_id: Set(environment.id),
        name: Set(name.clone()),
        token_hint: Set(format!("{hint}…")),
        token_hash: Set(token.digest()),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        revoked_at: Set(None),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let event = Event::new("gateway_token.created", "gateway_token", created.id)
        .detail(json!({ "name": name, "environment": environment.slug }));
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok((created, environment, token))
}

/// Stops a gateway token at once; gateways using it get 403 from their next call.
pub async fn revoke_token(state: &AppState, actor: &Actor, id: i64) -> Result<(), GatewayAdminError> {
    let txn = begin_write(&state.db).await?;
    let token = gateway_token::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(GatewayAdminError::NotFound)?;
    if token.revoked_at.is_some() {
        return Ok(());
    }
    gateway_token::Entity::update_many()
        .col_expr(gateway_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(gateway_token::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let event = Event::new("gateway_token.revoked", "gateway_token", id).detail(json!({ "name": token.name }));
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(())
}

/// Every gateway token, newest first.
pub async fn tokens(db: &impl ConnectionTrait) -> Result<Vec<gateway_token::Model>, DbErr> {
    gateway_token::Entity::find()
        .order_by_desc(gateway_token::Column::Id)
        .all(db)
        .await
}

/// The limit of every product × environment that has one set.
pub async fn rate_limits(db: &impl ConnectionTrait) -> Result<Vec<rate_limit_rule::Model>, DbErr> {
    rate_limit_rule::Entity::find().all(db).await
}

/// Sets the per-credential limit of a product in an environment.
pub async fn set_rate_limit(
    state: &AppState,
    actor: &Actor,
    product_id: i64,
    environment_id: i64,
    requests_per_minute: i32,
) -> Result<(), GatewayAdminError> {
    let product = product::Entity::find_by_id(product_id)
        .one(&state.db)
        .await?
        .ok_or(GatewayAdminError::NotFound)?;
    let environment = environment::Entity::find_by_id(environment_id)
        .one(&state.db)
        .await?
        .ok_or(GatewayAdminError::NotFound)?;
    let txn = begin_write(&state.db).await?;
    let rule = rate_limit_rule::ActiveModel {
        product_id: Set(product.id),
        environment_id: Set(environment.id),
        requests_per_minute: Set(requests_per_minute),
    };
    rate_limit_rule::Entity::insert(rule)
        .on_conflict(
            OnConflict::columns([
                rate_limit_rule::Column::ProductId,
                rate_limit_rule::Column::EnvironmentId,
            ])
            .update_column(rate_limit_rule::Column::RequestsPerMinute)
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    let event = Event::new("rate_limit.changed", "product", product.id).detail(json!({
        "product": product.slug,
        "environment": environment.slug,
        "requests_per_minute": requests_per_minute,
    }));
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(())
}
