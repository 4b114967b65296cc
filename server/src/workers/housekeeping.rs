//! Removes expired sessions, old rate-limit windows and expired OAuth access tokens.

use app::backend::sessions::DbSessionStore;
use app::backend::{AppState, rate_limit};
use std::time::Duration;
use tokio::sync::watch;

pub async fn run(state: AppState, store: DbSessionStore, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(error) = store.delete_expired().await {
            tracing::warn!(error = %error, "expired-session sweep failed");
        }
        let now = chrono::Utc::now().timestamp();
        if let Err(error) = rate_limit::sweep(&state.db, state.settings.rate_limits.window_seconds, now).await {
            tracing::warn!(error = %error, "rate-limit sweep failed");
        }
        if let Err(error) = sweep_access_tokens(&state).await {
            tracing::warn!(error = %error, "access-token sweep failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(600)) => {}
            _ = shutdown.changed() => break,
        }
    }
}

/// Access tokens are useless an hour after issue; a day later nobody needs their rows.
async fn sweep_access_tokens(state: &AppState) -> Result<u64, sea_orm::DbErr> {
    use app::backend::entities::access_token;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let cutoff = chrono::Utc::now() - chrono::Duration::days(1);
    Ok(access_token::Entity::delete_many()
        .filter(access_token::Column::ExpiresAt.lt(cutoff))
        .exec(&state.db)
        .await?
        .rows_affected)
}
