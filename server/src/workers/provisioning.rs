//! Runs provisioning jobs: issues queued credentials, or parks them for an operator's approval.
//! Jobs are claimed in the database, so several instances never run one twice at once, and a
//! job that does run twice changes nothing the second time.

use app::applications::service::run_due_jobs;
use app::backend::AppState;
use std::time::Duration;
use tokio::sync::watch;

pub async fn run(state: AppState, poll_every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        match run_due_jobs(&state, 50).await {
            Ok(50) => continue,
            Ok(_) => {}
            Err(error) => tracing::error!(error = %error, "provisioning worker could not read the job queue"),
        }
        tokio::select! {
            _ = tokio::time::sleep(poll_every) => {}
            _ = shutdown.changed() => break,
        }
    }
}
