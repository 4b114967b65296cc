//! Removes expired sessions and old rate-limit windows.

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
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(600)) => {}
            _ = shutdown.changed() => break,
        }
    }
}
