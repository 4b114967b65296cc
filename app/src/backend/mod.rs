//! Everything that runs only on the server: persistence, hashing, tokens, sessions, mail. The whole
//! tree is behind the `ssr` feature, so the wasm bundle cannot reach it.

pub mod audit;
pub mod client;
pub mod entities;
pub mod hashing;
pub mod mail;
pub mod navigation;
pub mod rate_limit;
pub mod sessions;
pub mod settings;
pub mod tokens;

use crate::error::AppError;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use settings::Settings;
use std::sync::Arc;
use std::time::Duration;

/// What every request handler and server function can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub hasher: hashing::PasswordHasher,
}

/// Opens the database. SQLite runs in WAL mode with a busy timeout so that concurrent writers wait
/// for each other instead of failing with "database is locked".
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let url = settings.database_url.expose();
    // The SQLite file's folder (by default `data/`) may not exist on a fresh checkout.
    let sqlite_folder = url
        .strip_prefix("sqlite://")
        .and_then(|rest| std::path::Path::new(rest.split('?').next().unwrap_or(rest)).parent())
        .filter(|folder| !folder.as_os_str().is_empty());
    if let Some(folder) = sqlite_folder {
        std::fs::create_dir_all(folder).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    // A pooled SQLite connection is a handle on a local file: it cannot have been dropped by a
    // server, so pinging it before every query (a round trip to its worker thread, as long as the
    // query itself) buys nothing. PostgreSQL connections keep the check.
    let sqlite = url.starts_with("sqlite:");
    options
        .test_before_acquire(!sqlite)
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    Database::connect(options).await
}

/// Begins a transaction that will write.
///
/// SQLite starts transactions deferred: one that reads first and writes later fails at once with
/// "database is locked" (SQLITE_BUSY_SNAPSHOT) when another writer committed in between, and the
/// busy timeout cannot help. Taking the write lock first, with a statement that writes nothing,
/// makes concurrent writers queue on the busy timeout instead. PostgreSQL needs nothing of this.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let txn = db.begin().await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        txn.execute_unprepared("UPDATE rate_limits SET hits = hits WHERE 1 = 0")
            .await?;
    }
    Ok(txn)
}

/// Whether an insert or update failed on a unique constraint: the database, not a prior read,
/// is what settles races for names, domains and addresses.
pub fn is_unique_violation(error: &sea_orm::DbErr) -> bool {
    matches!(error.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// Logs an unexpected backend failure once, in full, and turns it into the user-safe answer.
pub fn internal(context: &str, error: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %error, "{context}");
    AppError::Internal
}

/// Server-function plumbing: reach the application state and the caller's session.
pub mod request {
    use super::{AppState, internal};
    use crate::accounts::api::FormFlash;
    use crate::backend::entities::user;
    use crate::error::AppError;
    use futures::FutureExt as _;
    use futures::future::{BoxFuture, Shared};
    use sea_orm::EntityTrait;
    use std::sync::{Arc, Mutex};
    use tower_sessions::Session;

    pub fn state() -> Result<AppState, AppError> {
        leptos::prelude::use_context::<AppState>()
            .ok_or_else(|| internal("application state missing", "no AppState in context"))
    }

    pub async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>()
            .await
            .map_err(|e| internal("session layer missing", e))
    }

    /// The signed-in user as this request first read it. Rendering a page runs several server
    /// functions (the layout's `current_user` and the page's own), and each needs the user: they
    /// share one read. A fresh one is provided for every request, so a removed or changed account
    /// still takes effect on the next request.
    ///
    /// The read is a shared future rather than a lock held across it: whichever caller awaits it
    /// drives it, so a renderer that awaits one resource before another can never wait on a read
    /// that nobody polls.
    #[derive(Clone, Default)]
    pub struct RequestUser(Arc<Mutex<Option<(i64, UserRead)>>>);

    /// One database read of a user, shared by every server function of a request.
    type UserRead = Shared<BoxFuture<'static, Result<Option<user::Model>, String>>>;

    /// The signed-in user, read from the database once per request (see [`RequestUser`]), never
    /// from the session.
    pub async fn signed_in_user(state: &AppState, session: &Session) -> Result<Option<user::Model>, AppError> {
        let Some(user_id) = super::sessions::signed_in_user_id(session)
            .await
            .map_err(|e| internal("session read failed", e))?
        else {
            return Ok(None);
        };
        let memo = leptos::prelude::use_context::<RequestUser>().unwrap_or_default();
        let read = {
            let mut slot = memo.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            match slot.as_ref() {
                Some((id, read)) if *id == user_id => read.clone(),
                _ => {
                    let db = state.db.clone();
                    let read = async move {
                        user::Entity::find_by_id(user_id)
                            .one(&db)
                            .await
                            .map_err(|e| e.to_string())
                    }
                    .boxed()
                    .shared();
                    *slot = Some((user_id, read.clone()));
                    read
                }
            }
        };
        let user = read.await.map_err(|e| internal("user lookup failed", e))?;
        if user.is_none() {
            session.flush().await.map_err(|e| internal("session flush failed", e))?;
        }
        Ok(user)
    }

    /// The form flashes this request has taken from the session, by endpoint. Leptos may build a
    /// part of a page more than once while rendering it on the server (a `Transition`'s content,
    /// once its data has arrived), and every build asks for its forms' flashes: the first take in a
    /// request removes a flash from the session, and the later ones must get the same flash rather
    /// than nothing. Shared futures, as in [`RequestUser`], so that overlapping takes read once.
    #[derive(Clone, Default)]
    pub struct RequestFlash(Arc<Mutex<std::collections::HashMap<String, FlashTake>>>);

    type FlashTake = Shared<BoxFuture<'static, Result<Option<FormFlash>, AppError>>>;

    /// Reads and removes what a failed plain form post to `endpoint` left in the session, once
    /// per request (see [`RequestFlash`]).
    pub async fn take_flash(session: &Session, endpoint: &str) -> Result<Option<FormFlash>, AppError> {
        let memo = leptos::prelude::use_context::<RequestFlash>().unwrap_or_default();
        let take = {
            let mut takes = memo.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            takes
                .entry(endpoint.to_owned())
                .or_insert_with(|| {
                    let (session, key) = (session.clone(), format!("{}{endpoint}", super::sessions::FLASH_PREFIX));
                    async move {
                        let read_failed = |e| internal("flash read failed", e);
                        // Removing marks the session changed, and a changed session is written to
                        // the database: only remove what is there, so that showing a form costs
                        // no write.
                        if session.get_value(&key).await.map_err(read_failed)?.is_none() {
                            return Ok(None);
                        }
                        session.remove::<FormFlash>(&key).await.map_err(read_failed)
                    }
                    .boxed()
                    .shared()
                })
                .clone()
        };
        take.await
    }

    pub async fn require_user(state: &AppState, session: &Session) -> Result<user::Model, AppError> {
        signed_in_user(state, session).await?.ok_or(AppError::Unauthenticated)
    }

    /// The first lines of every server function that needs a signed-in caller.
    pub async fn signed_in() -> Result<(AppState, Session, user::Model), AppError> {
        let state = state()?;
        let session = session().await?;
        let user = require_user(&state, &session).await?;
        Ok((state, session, user))
    }

    /// The audit actor for this request: the signed-in user, if any, and the client address.
    pub async fn actor(user_id: Option<i64>) -> crate::backend::audit::Actor {
        let client_ip = leptos_axum::extract::<axum::Extension<crate::backend::client::ClientAddr>>()
            .await
            .ok()
            .map(|client| client.0.0.to_string());
        crate::backend::audit::Actor { user_id, client_ip }
    }
}
