//! Fixed-window attempt counters kept in the database, so that limits hold across every server
//! instance sharing it. One upsert per check; old windows are swept periodically.

use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr, StatementBuilder};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Refused; the client may try again after this many seconds.
    Limited {
        retry_after_seconds: i64,
    },
}

/// Counts one attempt against `bucket` (e.g. `sign_in:email:ada@acme.com`) and says whether it is
/// within `limit` attempts per `window_seconds`.
pub async fn hit(
    db: &impl ConnectionTrait,
    bucket: &str,
    limit: i32,
    window_seconds: i64,
    now_unix: i64,
) -> Result<Decision, DbErr> {
    let window_start = now_unix - now_unix.rem_euclid(window_seconds);
    let count = add(db, bucket, window_start, 1).await?;
    if count > i64::from(limit) {
        Ok(Decision::Limited {
            retry_after_seconds: window_start + window_seconds - now_unix,
        })
    } else {
        Ok(Decision::Allowed)
    }
}

/// Adds `amount` to the counter of `bucket` in the window starting at `window_start` and returns
/// the new total, in one atomic statement on either database.
pub async fn add(db: &impl ConnectionTrait, bucket: &str, window_start: i64, amount: i64) -> Result<i64, DbErr> {
    let table = Alias::new("rate_limits");
    let hits = Alias::new("hits");
    let insert = Query::insert()
        .into_table(table.clone())
        .columns([Alias::new("bucket"), Alias::new("window_start"), hits.clone()])
        .values_panic([bucket.into(), window_start.into(), amount.into()])
        .on_conflict(
            OnConflict::columns([Alias::new("bucket"), Alias::new("window_start")])
                .value(hits.clone(), Expr::col((table, hits.clone())).add(amount))
                .to_owned(),
        )
        .returning_col(hits)
        .to_owned();
    let row = db
        .query_one(StatementBuilder::build(&insert, &db.get_database_backend()))
        .await?
        .ok_or_else(|| DbErr::Custom("rate-limit upsert returned no row".into()))?;
    // The column is an INTEGER in both databases; PostgreSQL reports it as i32.
    match row.try_get::<i64>("", "hits") {
        Ok(total) => Ok(total),
        Err(_) => Ok(i64::from(row.try_get::<i32>("", "hits")?)),
    }
}

/// Drops windows that ended before `now_unix - max_window_seconds`.
pub async fn sweep(db: &impl ConnectionTrait, max_window_seconds: i64, now_unix: i64) -> Result<u64, DbErr> {
    let delete = Query::delete()
        .from_table(Alias::new("rate_limits"))
        .and_where(Expr::col(Alias::new("window_start")).lt(now_unix - 2 * max_window_seconds))
        .to_owned();
    Ok(db
        .execute(StatementBuilder::build(&delete, &db.get_database_backend()))
        .await?
        .rows_affected())
}
