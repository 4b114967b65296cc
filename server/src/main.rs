//! `portico`: serves the developer portal. Configuration comes from the environment (see README).

use app::backend::settings::Settings;
use leptos::config::get_configuration;
use server::startup::Application;
use server::telemetry;

// The gateway answers with many small, short-lived allocations from two or more threads at once;
// glibc's allocator spends a noticeable share of each answer on arena locks there (README
// § Performance), mimalloc's per-thread heaps do not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    telemetry::init();
    let settings = Settings::from_env()?;
    let leptos_options = get_configuration(None)?.leptos_options;
    let listener = tokio::net::TcpListener::bind(leptos_options.site_addr).await?;
    let application = Application::build(settings, leptos_options, listener).await?;
    tracing::info!(address = %application.local_addr()?, "Portico is listening");
    application.run(shutdown_signal()).await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM; the server then drains in-flight requests before exiting.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; draining requests");
}
