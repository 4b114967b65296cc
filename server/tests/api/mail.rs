//! SECURITY.md § Faults and load, for mail: the outbox survives SMTP outages and restarts, and
//! several instances deliver each message once. Also: shutdown drains in-flight requests.

use crate::on_both_databases;
use crate::support::process::ServerProcess;
use crate::support::smtp::SmtpSink;
use crate::support::{Backend, PASSWORD, TestApp, TestConfig, scalar};
use sea_orm::ConnectionTrait;
use std::time::Duration;

on_both_databases!(
    mail_waits_out_an_smtp_outage_and_a_restart,
    two_instances_deliver_each_message_once,
    shutdown_finishes_requests_in_flight,
    mail_is_queued_with_its_change_or_not_at_all,
);

async fn mail_waits_out_an_smtp_outage_and_a_restart(backend: Backend) {
    let smtp_port = SmtpSink::unused_port().await;
    let placeholder = SmtpSink::start().await;
    let mut config = TestConfig::new(backend, &placeholder).await;
    drop(placeholder);
    config.smtp_port = smtp_port;

    // SMTP is down: the request still succeeds and the mail waits in the outbox.
    let app = TestApp::spawn(&config).await;
    let first_base_url = app.base_url.clone();
    assert_eq!(
        app.browser()
            .sign_up("Ada", "ada@acme.example", PASSWORD)
            .await
            .status(),
        200
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while scalar(&app, "SELECT CAST(COALESCE(MAX(attempts), 0) AS BIGINT) FROM outbox").await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the worker tried to deliver");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND last_error IS NOT NULL"
        )
        .await,
        1
    );
    app.stop().await;

    // SMTP comes back and the server restarts: the queued mail is delivered.
    let smtp = SmtpSink::start_on(smtp_port).await;
    let app = TestApp::spawn(&config).await;
    // Make the retry due now rather than after its backoff.
    app.db
        .execute_unprepared("UPDATE outbox SET next_attempt_at = created_at")
        .await
        .unwrap();
    let mail = smtp
        .wait_for("ada@acme.example", |m| m.subject.contains("Verify"))
        .await;
    assert!(
        mail.link().starts_with(&first_base_url),
        "the mail is the one queued before the restart"
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while scalar(&app, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL").await != 1 {
        assert!(tokio::time::Instant::now() < deadline, "the outbox row is marked sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.stop().await;
}

/// SECURITY.md § Faults and load: mail goes into the outbox in the same transaction as the change
/// that causes it. A reset request queues its email before recording the request in the audit
/// log; when that last write fails, the email goes with it.
async fn mail_is_queued_with_its_change_or_not_at_all(backend: Backend) {
    use crate::support::faults::{clear_fault, inject_fault};
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    crate::support::verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let outbox = scalar(&app, "SELECT COUNT(*) FROM outbox").await;
    let reset = |m: &crate::support::smtp::ReceivedMail| m.subject.contains("Reset");

    inject_fault(&app, "audit_events", Some("account.password_reset_requested")).await;
    let browser = app.browser();
    let refused = browser.call("forgot_password", &[("email", "ada@acme.example")]).await;
    assert!(refused.status().is_server_error(), "{}", refused.status());
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM outbox").await,
        outbox,
        "no mail queued"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM email_tokens WHERE purpose = 'reset_password'"
        )
        .await,
        0
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!smtp.to("ada@acme.example").iter().any(reset), "no mail sent");

    clear_fault(&app, "audit_events").await;
    assert_eq!(
        browser
            .call("forgot_password", &[("email", "ada@acme.example")])
            .await
            .status(),
        200
    );
    smtp.wait_for("ada@acme.example", reset).await;
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM outbox").await, outbox + 1);
    app.stop().await;
}

async fn two_instances_deliver_each_message_once(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let config = TestConfig::new(backend, &smtp).await;
    let first = TestApp::spawn(&config).await;
    let second = TestApp::spawn(&config).await;
    let sign_ups = (0..20).map(|i| {
        let browser = if i % 2 == 0 { first.browser() } else { second.browser() };
        async move {
            browser
                .sign_up("Dev", &format!("dev{i}@acme.example"), PASSWORD)
                .await
                .status()
        }
    });
    assert!(futures::future::join_all(sign_ups).await.iter().all(|s| *s == 200));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while scalar(&first, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await > 0 {
        assert!(tokio::time::Instant::now() < deadline, "all mail delivered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Give a duplicate, if any, time to arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut recipients: Vec<String> = smtp.all().into_iter().flat_map(|m| m.to).collect();
    assert_eq!(recipients.len(), 20, "{recipients:?}");
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 20);
    first.stop().await;
    second.stop().await;
}

async fn shutdown_finishes_requests_in_flight(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let browser = app.browser();
    // A sign-up spends a while hashing; ask the server to stop while it does.
    let in_flight = tokio::spawn(async move { browser.sign_up("Ada", "ada@acme.example", PASSWORD).await.status() });
    tokio::time::sleep(Duration::from_millis(30)).await;
    let db = app.db.clone();
    app.stop().await;
    assert_eq!(in_flight.await.unwrap(), 200, "the request in flight was answered");
    let _ = db;
}

/// The real binary, stopped with SIGTERM, exits with success.
#[tokio::test]
async fn the_server_binary_exits_cleanly_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("portico-sigterm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database_url = format!("sqlite://{}/portico.sqlite3?mode=rwc", dir.display());
    let port = SmtpSink::unused_port().await;
    let server = ServerProcess::start(&database_url, &dir, port, &[]).await;
    let page = reqwest::get(server.url("/signin")).await.unwrap();
    assert_eq!(page.status(), 200);
    let status = server.terminate().await;
    assert!(status.success(), "{status:?}");
    std::fs::remove_dir_all(&dir).ok();
}
