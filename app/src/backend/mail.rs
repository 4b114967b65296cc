//! Outgoing mail. A change that causes an email writes it to the `outbox` table in the same
//! transaction as the change itself; a background worker delivers it with retries and backoff. An
//! SMTP outage therefore delays mail but never fails a request or loses a message, even across a
//! restart, and several instances never send one message twice (a row is claimed before sending).

use crate::backend::entities::outbox_message;
use crate::backend::settings::Settings;
use chrono::{DateTime, Duration, Utc};
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

/// An email ready to be queued: both parts are complete documents, every link already absolute.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl OutgoingMail {
    /// Builds a message from paragraphs and at most one call to action. Text is escaped for HTML
    /// here, so templates cannot forget to.
    pub fn compose(to: &str, subject: &str, paragraphs: &[&str], action: Option<(&str, &str)>) -> Self {
        let mut text = String::new();
        let mut html = String::from(
            "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1f2933\">",
        );
        for paragraph in paragraphs {
            text.push_str(paragraph);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape_html(paragraph)));
        }
        if let Some((label, url)) = action {
            text.push_str(&format!("{label}: {url}\n\n"));
            html.push_str(&format!(
                "<p><a href=\"{url}\" style=\"background:#2350d8;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">{label}</a></p><p style=\"font-size:13px;color:#52606d\">Or paste this link into your browser: {url}</p>",
                url = escape_html(url),
                label = escape_html(label),
            ));
        }
        text.push_str("— Portico\n");
        html.push_str("<p style=\"color:#52606d\">— Portico</p></body></html>");
        Self {
            to: to.into(),
            subject: subject.into(),
            text,
            html,
        }
    }
}

pub fn escape_html(input: &str) -> String {
    input
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Queues `mail` on `db`, which should be the transaction that makes the change the mail reports.
pub async fn enqueue(db: &impl ConnectionTrait, mail: OutgoingMail, now: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
    outbox_message::ActiveModel {
        recipient: Set(mail.to),
        subject: Set(mail.subject),
        text_body: Set(mail.text),
        html_body: Set(mail.html),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid mail configuration: {0}")]
    Config(String),
    #[error("could not build the message: {0}")]
    Build(String),
    #[error("delivery failed: {0}")]
    Delivery(String),
}

/// Where mail goes: an SMTP server, or `.eml` files in a folder when none is configured.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, std::path::PathBuf),
}

impl Transport {
    /// Must be called inside a Tokio runtime: lettre's pooled transport spawns on it.
    pub fn from_settings(settings: &Settings) -> Result<Self, MailError> {
        match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| MailError::Config(e.to_string()))?
                    .timeout(Some(std::time::Duration::from_secs(10)))
                    .build();
                Ok(Self::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&settings.outbox_dir).map_err(|e| MailError::Config(e.to_string()))?;
                Ok(Self::Files(
                    AsyncFileTransport::new(&settings.outbox_dir),
                    settings.outbox_dir.clone(),
                ))
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Smtp(_) => "smtp".into(),
            Self::Files(_, dir) => format!("files in {}", dir.display()),
        }
    }

    async fn send(&self, message: Message) -> Result<(), MailError> {
        match self {
            Self::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Delivery(e.to_string())),
            Self::Files(files, _) => files
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Delivery(e.to_string())),
        }
    }
}

fn build_message(from: &str, row: &outbox_message::Model) -> Result<Message, MailError> {
    let from: Mailbox = from
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Build(e.to_string()))?;
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Build(e.to_string()))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(&row.subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(row.text_body.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(row.html_body.clone()),
                ),
        )
        .map_err(|e| MailError::Build(e.to_string()))
}

/// How long a worker may hold a claimed message before another instance may try it.
const CLAIM_SECONDS: i64 = 120;
/// Backoff after the n-th failure: 5 s, 10 s, 20 s, … capped at 15 minutes.
pub fn backoff(attempts: i32) -> Duration {
    let seconds = 5i64.saturating_mul(1i64 << attempts.clamp(0, 20).saturating_sub(1));
    Duration::seconds(seconds.min(15 * 60))
}

/// Delivers up to `batch` due messages; returns how many were sent.
pub async fn deliver_due(
    db: &DatabaseConnection,
    transport: &Transport,
    from: &str,
    batch: u64,
) -> Result<usize, sea_orm::DbErr> {
    let now = Utc::now();
    let due = outbox_message::Entity::find()
        .filter(outbox_message::Column::SentAt.is_null())
        .filter(outbox_message::Column::NextAttemptAt.lte(now))
        .filter(unclaimed(now))
        .order_by_asc(outbox_message::Column::Id)
        .limit(batch)
        .all(db)
        .await?;
    let mut sent = 0;
    for row in due {
        // Claim first: of several instances polling the same row, exactly one wins this update.
        let claimed = outbox_message::Entity::update_many()
            .col_expr(
                outbox_message::Column::ClaimedUntil,
                Expr::value(now + Duration::seconds(CLAIM_SECONDS)),
            )
            .filter(outbox_message::Column::Id.eq(row.id))
            .filter(outbox_message::Column::SentAt.is_null())
            .filter(unclaimed(now))
            .exec(db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let outcome = match build_message(from, &row) {
            Ok(message) => transport.send(message).await,
            Err(error) => Err(error),
        };
        let mut update: outbox_message::ActiveModel = row.clone().into();
        update.claimed_until = Set(None);
        match outcome {
            Ok(()) => {
                update.sent_at = Set(Some(Utc::now()));
                update.last_error = Set(None);
                sent += 1;
                tracing::info!(mail.id = row.id, mail.subject = %row.subject, "mail delivered");
            }
            Err(error) => {
                let attempts = row.attempts + 1;
                update.attempts = Set(attempts);
                update.next_attempt_at = Set(Utc::now() + backoff(attempts));
                update.last_error = Set(Some(error.to_string()));
                tracing::warn!(mail.id = row.id, mail.attempts = attempts, error = %error, "mail delivery failed; will retry");
            }
        }
        update.update(db).await?;
    }
    Ok(sent)
}

fn unclaimed(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(outbox_message::Column::ClaimedUntil.is_null())
        .add(outbox_message::Column::ClaimedUntil.lt(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::seconds(5));
        assert_eq!(backoff(2), Duration::seconds(10));
        assert_eq!(backoff(3), Duration::seconds(20));
        assert_eq!(backoff(30), Duration::minutes(15));
    }

    #[test]
    fn composed_mail_has_both_parts_and_escapes_html() {
        let mail = OutgoingMail::compose(
            "ada@acme.example",
            "Hello",
            &["Hi <Ada> & co"],
            Some(("Verify", "https://portal.example/verify?token=a&b")),
        );
        assert!(mail.text.contains("Hi <Ada> & co"));
        assert!(mail.text.contains("https://portal.example/verify?token=a&b"));
        assert!(mail.html.contains("Hi &lt;Ada&gt; &amp; co"));
        assert!(
            mail.html
                .contains("href=\"https://portal.example/verify?token=a&amp;b\"")
        );
    }
}
