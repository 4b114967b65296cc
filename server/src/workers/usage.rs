//! Writes the gateway's usage counts every few seconds, and once more on the way out.

use crate::gateway::Gateway;
use std::time::Duration;
use tokio::sync::watch;

pub async fn run(gateway: Gateway, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => break,
        }
        flush(&gateway).await;
        gateway.limiter.forget_ended_windows(chrono::Utc::now().timestamp());
    }
    flush(&gateway).await;
}

async fn flush(gateway: &Gateway) {
    if let Err(error) = gateway.usage.flush(&gateway.state).await {
        tracing::warn!(error = %error, "usage flush failed; counts kept for the next one");
    }
}
