//! Removes what nobody needs any more: expired sessions, ended rate-limit windows, expired OAuth
//! access tokens, and daily usage counts older than anyone is shown.

use app::backend::entities::{access_token, usage_daily};
use app::backend::sessions::DbSessionStore;
use app::backend::{AppState, rate_limit};
use app::credentials::usage::day_key;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use std::time::Duration;
use tokio::sync::watch;

/// How long daily usage counts are kept. Owners are shown 30 days; a year and a little more lets
/// an operator compare a month with the same month a year before.
pub const USAGE_KEPT_DAYS: i64 = 400;

pub async fn run(state: AppState, store: DbSessionStore, mut shutdown: watch::Receiver<bool>) {
    loop {
        sweep(&state, &store, Utc::now()).await;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(600)) => {}
            _ = shutdown.changed() => break,
        }
    }
}

/// One sweep of everything, as of `now`. A failed step is logged and the others still run; the
/// next sweep tries it again.
pub async fn sweep(state: &AppState, store: &DbSessionStore, now: DateTime<Utc>) {
    if let Err(error) = store.delete_expired().await {
        tracing::warn!(error = %error, "expired-session sweep failed");
    }
    let window_seconds = state.settings.rate_limits.window_seconds;
    if let Err(error) = rate_limit::sweep(&state.db, window_seconds, now.timestamp()).await {
        tracing::warn!(error = %error, "rate-limit sweep failed");
    }
    if let Err(error) = sweep_access_tokens(state, now).await {
        tracing::warn!(error = %error, "access-token sweep failed");
    }
    if let Err(error) = sweep_usage(state, now).await {
        tracing::warn!(error = %error, "usage sweep failed");
    }
}

/// Access tokens are useless an hour after issue; a day later nobody needs their rows.
async fn sweep_access_tokens(state: &AppState, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let cutoff = now - chrono::Duration::days(1);
    Ok(access_token::Entity::delete_many()
        .filter(access_token::Column::ExpiresAt.lt(cutoff))
        .exec(&state.db)
        .await?
        .rows_affected)
}

/// Day keys are `YYYY-MM-DD`, so they compare as text in date order on every database.
async fn sweep_usage(state: &AppState, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let oldest_kept = day_key((now - chrono::Duration::days(USAGE_KEPT_DAYS - 1)).date_naive());
    Ok(usage_daily::Entity::delete_many()
        .filter(usage_daily::Column::Day.lt(oldest_kept))
        .exec(&state.db)
        .await?
        .rows_affected)
}
