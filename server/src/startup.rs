//! Builds the application from settings: database and migrations, sessions, router, workers.
//! Tests use exactly this path, on a port chosen by the operating system.

use crate::gateway::Gateway;
use crate::middleware::{
    TrustedOrigin, TrustedProxies, finish_abandoned_requests, identify_client, require_same_origin, security_headers,
};
use crate::server_fns::fields::Accepted;
use crate::{server_fns, workers};
use app::backend::AppState;
use app::backend::hashing::PasswordHasher;
use app::backend::mail::Transport;
use app::backend::request::{RequestFlash, RequestUser};
use app::backend::sessions::{DbSessionStore, IDLE_LIFETIME_MINUTES};
use app::backend::settings::Settings;
use app::{App, shell};
use axum::Router;
use axum::extract::FromRef;
use axum::serve::ListenerExt as _;
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use migrations::{Migrator, MigratorTrait};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The router's state: what Leptos needs, and what Portico's own handlers need.
#[derive(Clone, FromRef)]
pub struct ServerState {
    pub leptos_options: LeptosOptions,
    pub app: AppState,
    /// The fields each server function takes.
    pub accepted: Arc<Accepted>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("mail: {0}")]
    Mail(#[from] app::backend::mail::MailError),
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    #[error("server functions missing from the list in server_fns/fields.rs: {0}")]
    UnlistedServerFunctions(String),
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    gateway: Gateway,
    session_store: DbSessionStore,
    transport: Transport,
    worker_poll: Duration,
}

impl Application {
    /// Connects, migrates and binds `listener`; nothing is served until [`Application::run`].
    pub async fn build(
        settings: Settings,
        leptos_options: LeptosOptions,
        listener: TcpListener,
    ) -> Result<Self, StartupError> {
        let db = app::backend::connect(&settings).await?;
        Migrator::up(&db, None).await?;
        let settings = Arc::new(settings);
        let state = AppState {
            db: db.clone(),
            settings: settings.clone(),
            hasher: PasswordHasher::default(),
        };
        let transport = Transport::from_settings(&settings)?;
        let session_store = DbSessionStore::new(db);
        let gateway = Gateway::new(state.clone());
        let accepted = Accepted::of_every_server_function();
        let unlisted = accepted.unlisted();
        if !unlisted.is_empty() {
            return Err(StartupError::UnlistedServerFunctions(unlisted.join(", ")));
        }
        let router = router(
            state.clone(),
            leptos_options,
            session_store.clone(),
            gateway.clone(),
            Arc::new(accepted),
        );
        Ok(Self {
            listener,
            router,
            state,
            gateway,
            session_store,
            transport,
            worker_poll: Duration::from_secs(1),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// How often the workers look at the outbox and the job queue and write usage counts (tests
    /// shorten it).
    pub fn with_worker_poll(mut self, every: Duration) -> Self {
        self.worker_poll = every;
        self
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests and stops the workers.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let (stop_workers, workers_stopped) = watch::channel(false);
        let mail = tokio::spawn(workers::mail::run(
            self.state.clone(),
            self.transport,
            self.worker_poll,
            workers_stopped.clone(),
        ));
        let provisioning = tokio::spawn(workers::provisioning::run(
            self.state.clone(),
            self.worker_poll,
            workers_stopped.clone(),
        ));
        let usage = tokio::spawn(workers::usage::run(
            self.gateway.clone(),
            self.worker_poll,
            workers_stopped.clone(),
        ));
        let housekeeping = tokio::spawn(workers::housekeeping::run(
            self.state.clone(),
            self.session_store,
            workers_stopped,
        ));
        // Without TCP_NODELAY, an answer written in more than one piece (a page streamed after its
        // headers) waits for the client's delayed acknowledgement: 40 ms on Linux.
        let listener = self.listener.tap_io(|connection| {
            if let Err(error) = connection.set_nodelay(true) {
                tracing::warn!(error = %error, "could not set TCP_NODELAY");
            }
        });
        let served = axum::serve(
            listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        let _ = stop_workers.send(true);
        let _ = tokio::join!(mail, provisioning, usage, housekeeping);
        tracing::info!("server stopped");
        served
    }
}

/// The portal's routes, generated once per process. While Leptos generates them it suspends, for
/// good, every resource that any page in the process starts loading (a process-wide flag, leptos
/// issue 4773), so a server built beside a running one (tests, embedders) would leave some of the
/// running one's pages unanswered. Once generated, the list is reused and nothing is suspended again.
fn portal_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn router(
    state: AppState,
    leptos_options: LeptosOptions,
    session_store: DbSessionStore,
    gateway: Gateway,
    accepted: Arc<Accepted>,
) -> Router {
    let settings = state.settings.clone();
    let sessions = SessionManagerLayer::new(session_store)
        .with_name("portico_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.is_https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(IDLE_LIFETIME_MINUTES)));
    let routes = portal_routes();
    let server_state = ServerState {
        leptos_options: leptos_options.clone(),
        app: state.clone(),
        accepted,
    };
    let origin = TrustedOrigin(settings.base_url.as_str().into());
    // What browsers use: pages, server functions, files. Sessions and the origin check apply
    // here and only here.
    let portal = Router::new()
        .leptos_routes_with_context(
            &server_state,
            routes,
            {
                let state = state.clone();
                move || {
                    provide_context(state.clone());
                    provide_context(RequestUser::default());
                    provide_context(RequestFlash::default());
                }
            },
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<ServerState, _>(
            {
                let state = state.clone();
                move || {
                    provide_context(state.clone());
                    provide_context(RequestUser::default());
                    provide_context(RequestFlash::default());
                }
            },
            shell,
        ))
        .layer(axum::middleware::from_fn_with_state(
            server_state.clone(),
            server_fns::guard,
        ))
        .with_state(server_state)
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(origin, require_same_origin))
        .layer(axum::middleware::from_fn(finish_abandoned_requests))
        .layer(axum::middleware::from_fn_with_state(
            TrustedProxies(settings.trusted_proxies.clone().into()),
            identify_client,
        ));
    // The gateway API and OAuth endpoints authenticate other programs by token: a cookie there
    // means nothing, so they neither read sessions nor ask where a request came from.
    portal
        .merge(crate::gateway::router(gateway))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(1024 * 1024))
}
