//! Usage recording without a database write per request: verification counts in memory, and a
//! flush every few seconds adds the counts to `usage_daily` (requests per subject, day and
//! outcome), moves `last_used_at` forward, and warns owners of a credential whose failures
//! passed the day's threshold (at most once a day, whichever instance notices first).
//!
//! A flush that fails keeps its counts for the next one, so a database outage loses nothing but
//! what an instance holds when it is killed without warning; SIGTERM flushes before exit.

use app::backend::AppState;
use app::backend::entities::{application, credential, gateway_token, oauth_client, usage_daily};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;
use std::sync::Mutex;

/// What a verification is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Credential(i64),
    Client(i64),
}

impl Subject {
    /// The subject's name in `usage_daily` and in the rate-limit buckets.
    pub fn key(self) -> String {
        match self {
            Self::Credential(id) => app::credentials::usage::credential_subject(id),
            Self::Client(id) => app::credentials::usage::client_subject(id),
        }
    }
}

/// A map that every verification touches, keyed only by what Portico itself chose (row ids,
/// days, fixed codes), never by caller input: FxHash is then as safe as SipHash and cheaper.
/// Memos keyed by digests of presented secrets keep the standard hasher.
pub type IdMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

#[derive(Default)]
struct Pending {
    /// (subject, UTC day, outcome) → requests.
    counts: IdMap<(Subject, NaiveDate, &'static str), i64>,
    last_used: IdMap<Subject, DateTime<Utc>>,
    gateway_tokens_used: IdMap<i64, DateTime<Utc>>,
}

pub struct Recorder {
    enabled: bool,
    pending: Mutex<Pending>,
}

impl Recorder {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            pending: Mutex::new(Pending::default()),
        }
    }

    /// Counts one verification of `subject` with `outcome` (`OK` or a failure code).
    pub fn record(&self, subject: Subject, outcome: &'static str, now: DateTime<Utc>) {
        if !self.enabled {
            return;
        }
        let day = now.date_naive();
        let mut pending = self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *pending.counts.entry((subject, day, outcome)).or_default() += 1;
        if outcome == usage_daily::OK {
            pending.last_used.insert(subject, now);
        }
    }

    pub fn gateway_token_used(&self, id: i64, now: DateTime<Utc>) {
        if !self.enabled {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        pending.gateway_tokens_used.insert(id, now);
    }

    /// Writes what was counted since the last flush; on failure the counts wait for the next.
    pub async fn flush(&self, state: &AppState) -> Result<(), DbErr> {
        let taken = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        if taken.counts.is_empty() && taken.gateway_tokens_used.is_empty() {
            return Ok(());
        }
        match write(state, &taken).await {
            Ok(()) => Ok(()),
            Err(error) => {
                self.put_back(taken);
                Err(error)
            }
        }
    }

    fn put_back(&self, taken: Pending) {
        let mut pending = self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (key, count) in taken.counts {
            *pending.counts.entry(key).or_default() += count;
        }
        for (subject, at) in taken.last_used {
            let entry = pending.last_used.entry(subject).or_insert(at);
            *entry = (*entry).max(at);
        }
        for (id, at) in taken.gateway_tokens_used {
            let entry = pending.gateway_tokens_used.entry(id).or_insert(at);
            *entry = (*entry).max(at);
        }
    }
}

async fn write(state: &AppState, pending: &Pending) -> Result<(), DbErr> {
    let txn = app::backend::begin_write(&state.db).await?;
    for ((subject, day, outcome), count) in &pending.counts {
        let row = usage_daily::ActiveModel {
            subject: Set(subject.key()),
            day: Set(app::credentials::usage::day_key(*day)),
            outcome: Set((*outcome).to_owned()),
            requests: Set(*count),
        };
        usage_daily::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    usage_daily::Column::Subject,
                    usage_daily::Column::Day,
                    usage_daily::Column::Outcome,
                ])
                .value(
                    usage_daily::Column::Requests,
                    Expr::col((usage_daily::Entity, usage_daily::Column::Requests)).add(*count),
                )
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    for (subject, at) in &pending.last_used {
        let successes: i64 = pending
            .counts
            .iter()
            .filter(|((s, _, outcome), _)| s == subject && *outcome == usage_daily::OK)
            .map(|(_, count)| count)
            .sum();
        // Never move last-used backwards: another instance may have flushed a later use.
        match subject {
            Subject::Credential(id) => {
                credential::Entity::update_many()
                    .col_expr(
                        credential::Column::UsageCount,
                        Expr::col(credential::Column::UsageCount).add(successes),
                    )
                    .col_expr(credential::Column::LastUsedAt, Expr::value(*at))
                    .filter(credential::Column::Id.eq(*id))
                    .filter(
                        Condition::any()
                            .add(credential::Column::LastUsedAt.is_null())
                            .add(credential::Column::LastUsedAt.lt(*at)),
                    )
                    .exec(&txn)
                    .await?;
            }
            Subject::Client(id) => {
                oauth_client::Entity::update_many()
                    .col_expr(oauth_client::Column::LastUsedAt, Expr::value(*at))
                    .filter(oauth_client::Column::Id.eq(*id))
                    .filter(
                        Condition::any()
                            .add(oauth_client::Column::LastUsedAt.is_null())
                            .add(oauth_client::Column::LastUsedAt.lt(*at)),
                    )
                    .exec(&txn)
                    .await?;
            }
        }
    }
    for (id, at) in &pending.gateway_tokens_used {
        gateway_token::Entity::update_many()
            .col_expr(gateway_token::Column::LastUsedAt, Expr::value(*at))
            .filter(gateway_token::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    let failing: Vec<i64> = pending
        .counts
        .keys()
        .filter_map(|(subject, _, outcome)| match subject {
            Subject::Credential(id) if *outcome != usage_daily::OK => Some(*id),
            _ => None,
        })
        .collect();
    for credential_id in failing {
        alert_on_failures(state, credential_id).await?;
    }
    Ok(())
}

/// Emails the owners of a credential whose failed verifications today reached the threshold,
/// unless they were warned in the last 24 hours. The conditional update makes sure only one
/// instance sends the warning.
async fn alert_on_failures(state: &AppState, credential_id: i64) -> Result<(), DbErr> {
    let now = Utc::now();
    let subject = app::credentials::usage::credential_subject(credential_id);
    let today = app::credentials::usage::day_key(now.date_naive());
    let rows = usage_daily::Entity::find()
        .filter(usage_daily::Column::Subject.eq(subject))
        .filter(usage_daily::Column::Day.eq(today))
        .filter(usage_daily::Column::Outcome.ne(usage_daily::OK))
        .all(&state.db)
        .await?;
    let failures: i64 = rows.iter().map(|r| r.requests).sum();
    if failures < state.settings.gateway.failure_alert_threshold {
        return Ok(());
    }
    let txn = app::backend::begin_write(&state.db).await?;
    let claimed = credential::Entity::update_many()
        .col_expr(credential::Column::FailureAlertedAt, Expr::value(now))
        .filter(credential::Column::Id.eq(credential_id))
        .filter(
            Condition::any()
                .add(credential::Column::FailureAlertedAt.is_null())
                .add(credential::Column::FailureAlertedAt.lt(now - Duration::hours(24))),
        )
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(());
    }
    let Some(credential) = credential::Entity::find_by_id(credential_id).one(&txn).await? else {
        return Ok(());
    };
    let Some(application) = application::Entity::find_by_id(credential.application_id)
        .one(&txn)
        .await?
    else {
        return Ok(());
    };
    let mut codes: Vec<String> = rows.iter().map(|r| format!("{} {}", r.requests, r.outcome)).collect();
    codes.sort();
    let text = format!(
        "{} ({}) of {} failed verification {failures} times today ({}). If these requests are not yours, \
         someone may be trying your key; if they are, check the key your software sends. Rolling the \
         secret stops a leaked one.",
        credential.name,
        credential.public_key.as_deref().unwrap_or(""),
        application.name,
        codes.join(", ")
    );
    let subject = format!("Failed requests with a credential of {}", application.name);
    app::applications::service::email_owners(state, &txn, &application, &subject, &text, now).await?;
    txn.commit().await?;
    tracing::info!(credential.id = credential_id, failures, "owners warned about failures");
    Ok(())
}
