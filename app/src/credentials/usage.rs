//! Reading the gateway's usage counters for owners: requests per day over the last 30 days and
//! failures by code. The gateway writes them in batches (see the server's usage recorder).

use super::api::UsageSummary;
use crate::backend::entities::usage_daily;
use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;

pub const DAYS: usize = 30;

/// The usage subject of an API credential.
pub fn credential_subject(credential_id: i64) -> String {
    format!("credential:{credential_id}")
}

/// The usage subject of an OAuth client (requests made with its bearer tokens).
pub fn client_subject(client_id: i64) -> String {
    format!("client:{client_id}")
}

pub fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Usage over the 30 days ending today (UTC) for each subject; subjects without any use are
/// missing from the map.
pub async fn last_30_days(
    db: &impl ConnectionTrait,
    subjects: &[String],
) -> Result<HashMap<String, UsageSummary>, DbErr> {
    if subjects.is_empty() {
        return Ok(HashMap::new());
    }
    let today = Utc::now().date_naive();
    let first = today - Duration::days(DAYS as i64 - 1);
    let rows = usage_daily::Entity::find()
        .filter(usage_daily::Column::Subject.is_in(subjects.to_vec()))
        .filter(usage_daily::Column::Day.gte(day_key(first)))
        .all(db)
        .await?;
    let mut summaries: HashMap<String, UsageSummary> = HashMap::new();
    for row in rows {
        let Ok(day) = NaiveDate::parse_from_str(&row.day, "%Y-%m-%d") else {
            continue;
        };
        let Ok(index) = usize::try_from((day - first).num_days()) else {
            continue;
        };
        if index >= DAYS {
            continue;
        }
        let summary = summaries.entry(row.subject).or_insert_with(|| UsageSummary {
            daily: vec![0; DAYS],
            ..UsageSummary::default()
        });
        let requests = u64::try_from(row.requests).unwrap_or(0);
        summary.daily[index] += requests;
        summary.total += requests;
        if row.outcome != usage_daily::OK {
            summary.failures += requests;
            match summary
                .failures_by_code
                .iter_mut()
                .find(|(code, _)| *code == row.outcome)
            {
                Some((_, count)) => *count += requests,
                None => summary.failures_by_code.push((row.outcome, requests)),
            }
        }
    }
    for summary in summaries.values_mut() {
        summary.failures_by_code.sort();
        summary.first_day = day_key(first);
    }
    Ok(summaries)
}
