//! Delivers the outbox. Polls once a second, which bounds how late an email can be while SMTP is
//! up; while it is down, each message backs off on its own schedule.

use app::backend::AppState;
use app::backend::mail::{Transport, deliver_due};
use std::time::Duration;
use tokio::sync::watch;

pub async fn run(state: AppState, transport: Transport, poll_every: Duration, mut shutdown: watch::Receiver<bool>) {
    tracing::info!(mail.transport = %transport.describe(), "mail worker started");
    loop {
        match deliver_due(&state.db, &transport, &state.settings.mail_from, 20).await {
            // A full batch means more may be waiting: go again at once.
            Ok(20) => continue,
            Ok(_) => {}
            Err(error) => tracing::error!(error = %error, "mail worker could not read the outbox"),
        }
        tokio::select! {
            _ = tokio::time::sleep(poll_every) => {}
            _ = shutdown.changed() => break,
        }
    }
    tracing::info!("mail worker stopped");
}
