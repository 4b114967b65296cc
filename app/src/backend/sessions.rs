//! Sessions live in the database, so any server instance serves any request and a sign-out on one
//! instance holds on all of them. The user id is copied into its own column so that "end every
//! session of this user" (password reset, password change) is a single delete.

use crate::backend::entities::session;
use async_trait::async_trait;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use tower_sessions::Session;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// Session keys. Only ids and times are kept in a session, never a secret or a permission.
pub const USER_ID: &str = "user_id";
pub const SIGNED_IN_AT: &str = "signed_in_at";
pub const FLASH_PREFIX: &str = "flash.";

/// Sessions end 12 hours after sign-in even when used all the time.
pub const ABSOLUTE_LIFETIME_SECONDS: i64 = 12 * 60 * 60;
/// ... and after 30 minutes without a request.
pub const IDLE_LIFETIME_MINUTES: i64 = 30;

/// When a signed-in request last moved the idle deadline. The session layer writes a session (and
/// renews its expiry and cookie) only when its data changed, so a session read on every request
/// would otherwise expire 30 minutes after sign-in however busy its user. Changing this value at
/// most once a minute keeps the deadline sliding for one write a minute, not one per request.
pub const TOUCHED_AT: &str = "touched_at";
const TOUCH_INTERVAL_SECONDS: i64 = 60;

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Removes expired rows; called periodically by the server.
    pub async fn delete_expired(&self) -> Result<u64, sea_orm::DbErr> {
        let result = session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(Utc::now().timestamp()))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}

fn backend(error: sea_orm::DbErr) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

fn to_row(record: &Record) -> session_store::Result<session::ActiveModel> {
    let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
    Ok(session::ActiveModel {
        id: Set(record.id.to_string()),
        user_id: Set(record.data.get(USER_ID).and_then(|v| v.as_i64())),
        data: Set(data),
        expires_at: Set(record.expiry_date.unix_timestamp()),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh 128-bit id practically never collides; if it does, draw another rather than
        // overwrite someone else's session.
        loop {
            let inserted = session::Entity::insert(to_row(record)?)
                .on_conflict(OnConflict::column(session::Column::Id).do_nothing().to_owned())
                .exec_without_returning(&self.db)
                .await
                .map_err(backend)?;
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        session::Entity::insert(to_row(record)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([
                        session::Column::UserId,
                        session::Column::Data,
                        session::Column::ExpiresAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = session::Entity::find_by_id(id.to_string())
            .filter(session::Column::ExpiresAt.gt(Utc::now().timestamp()))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(row.expires_at)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// Ends every session of `user_id` except, optionally, the one making the request.
pub async fn end_sessions_of_user(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i64,
    keep: Option<Id>,
) -> Result<u64, sea_orm::DbErr> {
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        delete = delete.filter(session::Column::Id.ne(keep.to_string()));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

/// The signed-in user's id, or `None`. Enforces the absolute lifetime: a session older than 12
/// hours is flushed here, whatever its idle timer says. Keeps the idle lifetime sliding: see
/// [`TOUCHED_AT`].
pub async fn signed_in_user_id(session: &Session) -> Result<Option<i64>, tower_sessions::session::Error> {
    let Some(user_id) = session.get::<i64>(USER_ID).await? else {
        return Ok(None);
    };
    let now = Utc::now().timestamp();
    let signed_in_at = session.get::<i64>(SIGNED_IN_AT).await?.unwrap_or(0);
    if now - signed_in_at > ABSOLUTE_LIFETIME_SECONDS {
        session.flush().await?;
        return Ok(None);
    }
    let touched_at = session.get::<i64>(TOUCHED_AT).await?.unwrap_or(signed_in_at);
    if now - touched_at >= TOUCH_INTERVAL_SECONDS {
        session.insert(TOUCHED_AT, now).await?;
    }
    Ok(Some(user_id))
}

/// Signs `user_id` in on a new session id, so that an id planted before sign-in is worthless.
pub async fn sign_in(session: &Session, user_id: i64) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(USER_ID, user_id).await?;
    session.insert(SIGNED_IN_AT, Utc::now().timestamp()).await?;
    // Signing in is entering the password: it counts for the next 15 minutes' secret reveals.
    session
        .insert(crate::credentials::service::REAUTH_AT, Utc::now().timestamp())
        .await?;
    Ok(())
}
