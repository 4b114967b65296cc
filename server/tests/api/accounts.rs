//! SECURITY.md § Accounts, through HTTP.

use crate::on_both_databases;
use crate::support::smtp::SmtpSink;
use crate::support::{Backend, Browser, PASSWORD, TestApp, TestConfig, scalar, text, token_of, verified_user};
use sea_orm::{ConnectionTrait, Statement};
use std::sync::atomic::Ordering;

on_both_databases!(
    sign_up_verify_and_sign_in,
    verification_link_works_once,
    unknown_email_wrong_password_and_unverified_account_fail_alike,
    sign_up_with_a_taken_address_answers_alike_and_tells_the_owner,
    addresses_are_one_account_whatever_their_case_or_script,
    passwords_outside_the_policy_are_refused_next_to_the_field,
    reset_link_sets_a_new_password_once_and_signs_out_everywhere,
    a_newer_link_voids_the_older_one,
    expired_links_are_refused,
    change_password_needs_the_current_one_and_ends_other_sessions,
    profile_records_terms_acceptance_with_time_and_version,
    operators_are_recognised_by_their_verified_address,
    emailed_links_use_the_base_url_whatever_the_host_header,
    repeated_attempts_are_rate_limited_per_address_and_per_client,
    a_link_is_bound_to_the_address_it_was_sent_to,
    every_endpoint_that_takes_an_address_is_rate_limited,
    forwarded_addresses_count_only_from_a_trusted_proxy,
    a_reset_link_lives_one_hour,
    emailed_tokens_are_256_random_bits_stored_as_their_sha256,
    an_address_is_unique_by_a_database_constraint,
    a_password_of_128_characters_counts_to_its_last_character,
    spaces_around_a_password_are_part_of_it,
);

async fn start(backend: Backend) -> (TestApp, SmtpSink) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    (app, smtp)
}

async fn sign_up_verify_and_sign_in(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let browser = app.browser();
    assert_eq!(
        browser
            .sign_up("Ada Lovelace", "ada@acme.example", PASSWORD)
            .await
            .status(),
        200
    );

    let mail = smtp
        .wait_for("ada@acme.example", |m| m.subject.contains("Verify"))
        .await;
    assert!(
        mail.html.contains("Verify email address"),
        "the HTML part has the call to action"
    );
    let link = mail.link();
    assert!(link.starts_with(&format!("{}/verify?token=", app.base_url)), "{link}");

    // Before verification, sign-in fails.
    assert_eq!(browser.sign_in("ada@acme.example", PASSWORD).await.status(), 422);
    // Opening the link shows a confirmation button; nothing changes on GET.
    let page = browser.page(&link.replace(&app.base_url, "")).await;
    assert!(page.contains("Verify email address"));
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM users WHERE email_verified_at IS NOT NULL").await,
        0
    );

    let verified = browser.call("verify_email", &[("token", &token_of(&link))]).await;
    assert_eq!(verified.status(), 200);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM users WHERE email_verified_at IS NOT NULL").await,
        1
    );

    assert_eq!(browser.sign_in("ada@acme.example", PASSWORD).await.status(), 200);
    let viewer = browser.viewer().await;
    assert_eq!(viewer["full_name"], "Ada Lovelace");
    assert_eq!(viewer["email"], "ada@acme.example");
    assert_eq!(viewer["profile_complete"], false);

    assert_eq!(browser.call("sign_out", &[]).await.status(), 200);
    assert!(!browser.is_signed_in().await);
    app.stop().await;
}

async fn verification_link_works_once(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let browser = app.browser();
    browser.sign_up("Ada", "ada@acme.example", PASSWORD).await;
    let token = token_of(&smtp.wait_for("ada@acme.example", |_| true).await.link());
    assert_eq!(browser.call("verify_email", &[("token", &token)]).await.status(), 200);
    let again = browser.call("verify_email", &[("token", &token)]).await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("already been used"));
    let forged = browser.call("verify_email", &[("token", &"A".repeat(43))]).await;
    assert_eq!(forged.status(), 422);
    assert!(forged.text().await.unwrap().contains("not valid"));
    // Only the digest is stored: the token itself appears nowhere in the database.
    let stored = scalar(
        &app,
        &format!("SELECT COUNT(*) FROM email_tokens WHERE token_hash = '{token}'"),
    )
    .await;
    assert_eq!(stored, 0);
    app.stop().await;
}

async fn unknown_email_wrong_password_and_unverified_account_fail_alike(backend: Backend) {
    let (app, smtp) = start(backend).await;
    verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    app.browser().sign_up("Bob", "bob@acme.example", PASSWORD).await;

    let hashes_before = app.state.hasher.verifications.load(Ordering::SeqCst);
    let browser = app.browser();
    let mut answers = Vec::new();
    for (email, password) in [
        ("nobody@acme.example", PASSWORD),
        ("ada@acme.example", "not-the-password-at-all"),
        ("bob@acme.example", PASSWORD),
    ] {
        let response = browser.sign_in(email, password).await;
        answers.push((response.status(), response.text().await.unwrap()));
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 422);
    // Each attempt ran one full password check, including the one for an unknown address.
    assert_eq!(app.state.hasher.verifications.load(Ordering::SeqCst) - hashes_before, 3);
    assert!(!browser.is_signed_in().await);
    app.stop().await;
}

async fn sign_up_with_a_taken_address_answers_alike_and_tells_the_owner(backend: Backend) {
    let (app, smtp) = start(backend).await;
    verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let fresh = app.browser().sign_up("Eve", "eve@acme.example", PASSWORD).await;
    let taken = app
        .browser()
        .sign_up("Eve", "ada@acme.example", "another-long-passphrase")
        .await;
    assert_eq!(fresh.status(), taken.status());
    assert_eq!(
        fresh.headers().get("serverfnredirect").is_some(),
        taken.headers().get("serverfnredirect").is_some()
    );
    assert_eq!(fresh.text().await.unwrap(), taken.text().await.unwrap());

    let warning = smtp
        .wait_for("ada@acme.example", |m| m.subject.contains("tried to sign up"))
        .await;
    assert!(warning.link().starts_with(&app.base_url));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM users").await, 2);
    // The original password still works; the attempt changed nothing.
    assert_eq!(app.browser().sign_in("ada@acme.example", PASSWORD).await.status(), 200);
    app.stop().await;
}

async fn addresses_are_one_account_whatever_their_case_or_script(backend: Backend) {
    let (app, smtp) = start(backend).await;
    verified_user(&app, &smtp, "Ada", "Ada.Lovelace@ACME.example").await;
    let row = app
        .db
        .query_one(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT email, email_canonical FROM users".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "email").unwrap(), "Ada.Lovelace@acme.example");
    assert_eq!(
        row.try_get::<String>("", "email_canonical").unwrap(),
        "ada.lovelace@acme.example"
    );

    assert_eq!(
        app.browser()
            .sign_in("ada.lovelace@Acme.Example", PASSWORD)
            .await
            .status(),
        200
    );
    app.browser()
        .sign_up("Imposter", "ADA.LOVELACE@acme.example", PASSWORD)
        .await;
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM users").await, 1);

    // An internationalised domain is stored in punycode, and its Unicode spelling is the same account.
    let jo = app.browser();
    assert_eq!(jo.sign_up("Jo", "jo@Bücher.example", PASSWORD).await.status(), 200);
    let mail = smtp.wait_for("jo@xn--bcher-kva.example", |_| true).await;
    assert_eq!(
        jo.call("verify_email", &[("token", &token_of(&mail.link()))])
            .await
            .status(),
        200
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM users WHERE email_canonical = 'jo@xn--bcher-kva.example'"
        )
        .await,
        1
    );
    assert_eq!(
        app.browser()
            .sign_in("jo@xn--bcher-kva.example", PASSWORD)
            .await
            .status(),
        200
    );
    app.stop().await;
}

async fn passwords_outside_the_policy_are_refused_next_to_the_field(backend: Backend) {
    let (app, _smtp) = start(backend).await;
    let browser = app.browser();
    for (password, message) in [
        ("short", "at least 12"),
        (&*"x".repeat(129), "at most 128"),
        ("passwordpassword", "too common"),
    ] {
        let response = browser.sign_up("Ada", "ada@acme.example", password).await;
        assert_eq!(response.status(), 422);
        let body: serde_json::Value = response.json().await.unwrap();
        let field = body["Invalid"]["fields"]["password"].as_str().unwrap_or_default();
        assert!(field.contains(message), "{password:?}: {body}");
    }
    let missing = browser
        .call(
            "sign_up",
            &[("full_name", " "), ("email", "not-an-email"), ("password", PASSWORD)],
        )
        .await;
    let body: serde_json::Value = missing.json().await.unwrap();
    assert!(body["Invalid"]["fields"]["full_name"].is_string(), "{body}");
    assert!(body["Invalid"]["fields"]["email"].is_string(), "{body}");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM users").await, 0);

    // Passwords are taken exactly as typed: spaces at either end are part of them.
    let spaced = "  eleven chars plus spaces  ";
    assert_eq!(browser.sign_up("Ada", "ada@acme.example", spaced).await.status(), 200);
    app.stop().await;
}

async fn reset_link_sets_a_new_password_once_and_signs_out_everywhere(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let laptop = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let phone = app.browser();
    assert_eq!(phone.sign_in("ada@acme.example", PASSWORD).await.status(), 200);

    let stranger = app.browser();
    assert_eq!(
        stranger
            .call("forgot_password", &[("email", "ada@acme.example")])
            .await
            .status(),
        200
    );
    // Unknown addresses get the same answer and no mail.
    assert_eq!(
        stranger
            .call("forgot_password", &[("email", "nobody@acme.example")])
            .await
            .status(),
        200
    );
    let mail = smtp.wait_for("ada@acme.example", |m| m.subject.contains("Reset")).await;
    let token = token_of(&mail.link());
    assert!(
        mail.link()
            .starts_with(&format!("{}/reset-password?token=", app.base_url))
    );

    assert_eq!(
        stranger.call("check_reset_token", &[("token", &token)]).await.status(),
        200
    );
    let weak = stranger
        .call("reset_password", &[("token", &token), ("new_password", "short")])
        .await;
    assert_eq!(weak.status(), 422, "a refused password does not use up the link");
    let new_password = "a brand new passphrase 2026";
    let reset = stranger
        .call("reset_password", &[("token", &token), ("new_password", new_password)])
        .await;
    assert_eq!(reset.status(), 200);

    assert!(!stranger.is_signed_in().await, "a reset does not sign in");
    assert!(!laptop.is_signed_in().await, "every session of the account ended");
    assert!(!phone.is_signed_in().await, "every session of the account ended");
    let reused = stranger
        .call(
            "reset_password",
            &[("token", &token), ("new_password", "yet another passphrase")],
        )
        .await;
    assert_eq!(reused.status(), 422);
    assert_eq!(app.browser().sign_in("ada@acme.example", PASSWORD).await.status(), 422);
    assert_eq!(
        app.browser().sign_in("ada@acme.example", new_password).await.status(),
        200
    );
    smtp.wait_for("ada@acme.example", |m| m.subject.contains("password was changed"))
        .await;
    assert!(smtp.to("nobody@acme.example").is_empty());
    app.stop().await;
}

async fn a_newer_link_voids_the_older_one(backend: Backend) {
    let (app, smtp) = start(backend).await;
    verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let browser = app.browser();
    let first = requested_reset_token(&browser, &smtp, "ada@acme.example").await;
    browser.call("forgot_password", &[("email", "ada@acme.example")]).await;
    let second = token_of(
        &smtp
            .wait_for("ada@acme.example", |m| {
                m.subject.contains("Reset") && !m.text.contains(&first)
            })
            .await
            .link(),
    );
    assert_ne!(first, second);
    assert_eq!(
        browser.call("check_reset_token", &[("token", &first)]).await.status(),
        422
    );
    assert_eq!(
        browser.call("check_reset_token", &[("token", &second)]).await.status(),
        200
    );

    // The same holds for verification links.
    browser.sign_up("Bob", "bob@acme.example", PASSWORD).await;
    let first = token_of(&smtp.wait_for("bob@acme.example", |_| true).await.link());
    browser
        .call("resend_verification", &[("email", "bob@acme.example")])
        .await;
    let second = token_of(
        &smtp
            .wait_for("bob@acme.example", |m| !m.text.contains(&first))
            .await
            .link(),
    );
    assert_eq!(browser.call("verify_email", &[("token", &first)]).await.status(), 422);
    assert_eq!(browser.call("verify_email", &[("token", &second)]).await.status(), 200);
    app.stop().await;
}

async fn expired_links_are_refused(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let browser = app.browser();
    browser.sign_up("Ada", "ada@acme.example", PASSWORD).await;
    let token = token_of(&smtp.wait_for("ada@acme.example", |_| true).await.link());
    // Lifetimes as issued: 24 hours for verification.
    let lifetime_ok = scalar(
        &app,
        match app.db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "SELECT CAST(EXTRACT(EPOCH FROM (expires_at - created_at)) AS BIGINT) FROM email_tokens",
            _ => "SELECT CAST((julianday(expires_at) - julianday(created_at)) * 86400 + 0.5 AS INTEGER) FROM email_tokens",
        },
    )
    .await;
    assert_eq!(lifetime_ok, 24 * 3600);
    app.db
        .execute_unprepared(match app.db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "UPDATE email_tokens SET expires_at = NOW() - INTERVAL '1 second'",
            _ => "UPDATE email_tokens SET expires_at = '2000-01-01 00:00:00+00:00'",
        })
        .await
        .unwrap();
    let expired = browser.call("verify_email", &[("token", &token)]).await;
    assert_eq!(expired.status(), 422);
    assert!(expired.text().await.unwrap().contains("expired"));
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM users WHERE email_verified_at IS NOT NULL").await,
        0
    );
    app.stop().await;
}

/// How long the email token of `purpose` was issued for, in seconds.
async fn token_lifetime(app: &TestApp, purpose: &str) -> i64 {
    let sql = match app.db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => format!(
            "SELECT CAST(EXTRACT(EPOCH FROM (expires_at - created_at)) AS BIGINT) FROM email_tokens WHERE purpose = '{purpose}'"
        ),
        _ => format!(
            "SELECT CAST((julianday(expires_at) - julianday(created_at)) * 86400 + 0.5 AS INTEGER) FROM email_tokens WHERE purpose = '{purpose}'"
        ),
    };
    scalar(app, &sql).await
}

/// Asks for a reset link for `email` (the answer is 200 whoever asks) and returns its token.
async fn requested_reset_token(browser: &Browser, smtp: &SmtpSink, email: &str) -> String {
    assert_eq!(browser.call("forgot_password", &[("email", email)]).await.status(), 200);
    token_of(&smtp.wait_for(email, |m| m.subject.contains("Reset")).await.link())
}

async fn a_reset_link_lives_one_hour(backend: Backend) {
    let (app, smtp) = start(backend).await;
    verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let browser = app.browser();
    let token = requested_reset_token(&browser, &smtp, "ada@acme.example").await;
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM email_tokens WHERE purpose = 'reset_password'"
        )
        .await,
        1
    );
    assert_eq!(token_lifetime(&app, "reset_password").await, 3600);
    // Once its time is up, the link is refused and the password stays.
    app.db
        .execute_unprepared(match app.db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                "UPDATE email_tokens SET expires_at = NOW() - INTERVAL '1 second' WHERE purpose = 'reset_password'"
            }
            _ => "UPDATE email_tokens SET expires_at = '2000-01-01 00:00:00+00:00' WHERE purpose = 'reset_password'",
        })
        .await
        .unwrap();
    let expired = browser
        .call(
            "reset_password",
            &[("token", &token), ("new_password", "a brand new passphrase 2026")],
        )
        .await;
    assert_eq!(expired.status(), 422);
    assert!(expired.text().await.unwrap().contains("expired"));
    assert_eq!(app.browser().sign_in("ada@acme.example", PASSWORD).await.status(), 200);
    app.stop().await;
}

async fn emailed_tokens_are_256_random_bits_stored_as_their_sha256(backend: Backend) {
    use base64::Engine as _;
    let (app, smtp) = start(backend).await;
    let browser = app.browser();
    assert_eq!(browser.sign_up("Ada", "ada@acme.example", PASSWORD).await.status(), 200);
    let verify = token_of(
        &smtp
            .wait_for("ada@acme.example", |m| m.subject.contains("Verify"))
            .await
            .link(),
    );
    assert_eq!(browser.call("verify_email", &[("token", &verify)]).await.status(), 200);
    let reset = requested_reset_token(&browser, &smtp, "ada@acme.example").await;
    for (purpose, token) in [("verify_email", &verify), ("reset_password", &reset)] {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .unwrap_or_else(|error| panic!("{purpose} token {token:?} is not base64url: {error}"));
        assert_eq!(bytes.len(), 32, "a {purpose} token carries 256 bits");
        let stored = text(
            &app,
            &format!("SELECT token_hash FROM email_tokens WHERE purpose = '{purpose}'"),
        )
        .await;
        assert_eq!(
            stored,
            Some(app::backend::tokens::sha256_hex(token)),
            "the {purpose} token is stored as its SHA-256"
        );
    }
    assert_ne!(verify, reset);
    app.stop().await;
}

async fn an_address_is_unique_by_a_database_constraint(backend: Backend) {
    let (app, smtp) = start(backend).await;
    verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let insert = |email: &str, canonical: &str| {
        format!(
            "INSERT INTO users (email, email_canonical, full_name, password_hash, password_changed_at, created_at, updated_at) \
             VALUES ('{email}', '{canonical}', 'Twin', 'not-a-hash', '2026-01-01 00:00:00+00:00', \
             '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')"
        )
    };
    // The statement itself is sound: a new address goes in.
    app.db
        .execute_unprepared(&insert("Bob@acme.example", "bob@acme.example"))
        .await
        .expect("a row with a new address is accepted");
    // The same address, bypassing every check the code makes, is refused by the database.
    let twin = app
        .db
        .execute_unprepared(&insert("ADA@acme.example", "ada@acme.example"))
        .await
        .expect_err("a second row with the same canonical address is refused");
    assert!(
        app::backend::is_unique_violation(&twin),
        "refused by a unique constraint: {twin}"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM users WHERE email_canonical = 'ada@acme.example'"
        )
        .await,
        1
    );
    app.stop().await;
}

async fn a_password_of_128_characters_counts_to_its_last_character(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let password: String = "violet otter carries 17 maps; "
        .chars()
        .cycle()
        .take(127)
        .chain(['Z'])
        .collect();
    assert_eq!(password.chars().count(), 128);
    let browser = app.browser();
    assert_eq!(
        browser.sign_up("Ada", "ada@acme.example", &password).await.status(),
        200,
        "128 characters are allowed"
    );
    let token = token_of(&smtp.wait_for("ada@acme.example", |_| true).await.link());
    assert_eq!(browser.call("verify_email", &[("token", &token)]).await.status(), 200);

    assert_eq!(
        app.browser()
            .sign_in("ada@acme.example", &password[..127])
            .await
            .status(),
        422,
        "the first 127 characters are not the password"
    );
    assert_eq!(
        app.browser()
            .sign_in("ada@acme.example", &format!("{}Y", &password[..127]))
            .await
            .status(),
        422,
        "a different last character is not the password"
    );
    assert_eq!(app.browser().sign_in("ada@acme.example", &password).await.status(), 200);
    app.stop().await;
}

async fn spaces_around_a_password_are_part_of_it(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let spaced = "  eleven chars plus spaces  ";
    let browser = app.browser();
    assert_eq!(browser.sign_up("Ada", "ada@acme.example", spaced).await.status(), 200);
    let token = token_of(&smtp.wait_for("ada@acme.example", |_| true).await.link());
    assert_eq!(browser.call("verify_email", &[("token", &token)]).await.status(), 200);
    for typed in [spaced.trim(), spaced.trim_start(), spaced.trim_end()] {
        assert_eq!(
            app.browser().sign_in("ada@acme.example", typed).await.status(),
            422,
            "{typed:?} is not the password"
        );
    }
    assert_eq!(browser.sign_in("ada@acme.example", spaced).await.status(), 200);
    // A new password is taken as typed too.
    let changed = browser
        .call(
            "change_password",
            &[
                ("current_password", spaced),
                ("new_password", " another passphrase 2026 "),
            ],
        )
        .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(
        app.browser()
            .sign_in("ada@acme.example", "another passphrase 2026")
            .await
            .status(),
        422
    );
    assert_eq!(
        app.browser()
            .sign_in("ada@acme.example", " another passphrase 2026 ")
            .await
            .status(),
        200
    );
    app.stop().await;
}

async fn change_password_needs_the_current_one_and_ends_other_sessions(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let laptop = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let phone = app.browser();
    phone.sign_in("ada@acme.example", PASSWORD).await;

    let wrong = laptop
        .call(
            "change_password",
            &[
                ("current_password", "wrong-password-here"),
                ("new_password", "a brand new passphrase 2026"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let body: serde_json::Value = wrong.json().await.unwrap();
    assert!(body["Invalid"]["fields"]["current_password"].is_string(), "{body}");
    assert!(phone.is_signed_in().await);

    let changed = laptop
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase 2026"),
            ],
        )
        .await;
    assert_eq!(changed.status(), 200);
    assert!(laptop.is_signed_in().await, "the session that changed it stays");
    assert!(!phone.is_signed_in().await, "every other session ended");
    assert_eq!(
        app.browser()
            .sign_in("ada@acme.example", "a brand new passphrase 2026")
            .await
            .status(),
        200
    );
    smtp.wait_for("ada@acme.example", |m| m.subject.contains("password was changed"))
        .await;

    let anonymous = app
        .browser()
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "whatever passphrase 99"),
            ],
        )
        .await;
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}

async fn profile_records_terms_acceptance_with_time_and_version(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let browser = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let invalid = browser
        .call(
            "save_profile",
            &[("full_name", ""), ("job_title", "CTO"), ("phone", "call me")],
        )
        .await;
    assert_eq!(invalid.status(), 422);
    let body: serde_json::Value = invalid.json().await.unwrap();
    assert!(body["Invalid"]["fields"]["full_name"].is_string());
    assert!(body["Invalid"]["fields"]["phone"].is_string());
    // Without JavaScript the refused form comes back as it was sent, the terms box ticked.
    let terms_box = |page: &str| {
        let start = page.find("id=\"field-accept_terms\"").expect("the terms box");
        page[start..start + page[start..].find('>').unwrap()].to_owned()
    };
    let plain = browser
        .submit(
            "/profile",
            "save_profile",
            &[
                ("full_name", ""),
                ("job_title", ""),
                ("phone", "call me"),
                ("accept_terms", "on"),
            ],
        )
        .await;
    assert_eq!(plain.status(), 303);
    assert_eq!(plain.headers()["location"], "/profile");
    // The profile form sits inside a part of the page that the server builds more than once; the
    // flash must reach the build that is sent.
    let page = browser.page("/profile").await;
    assert!(terms_box(&page).contains("checked"), "{page}");
    assert!(page.contains(r#"aria-invalid="true""#), "the refused fields are marked");
    let again = browser.page("/profile").await;
    assert!(!terms_box(&again).contains("checked"), "the flash is shown once");

    let saved = browser
        .call(
            "save_profile",
            &[
                ("full_name", "Ada King"),
                ("job_title", "CTO"),
                ("phone", "+44 20 7946 0000"),
                ("accept_terms", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 200);
    let profile: serde_json::Value = browser.call_json("get_profile", &[]).await;
    assert_eq!(profile["full_name"], "Ada King");
    assert_eq!(profile["job_title"], "CTO");
    assert_eq!(profile["phone"], "+44 20 7946 0000");
    assert_eq!(profile["is_complete"], true);
    assert!(profile["terms_accepted_on"].is_string());
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM users WHERE terms_version = '2026-11' AND terms_accepted_at IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(browser.viewer().await["profile_complete"], true);

    assert_eq!(app.browser().call("get_profile", &[]).await.status(), 401);
    app.stop().await;
}

async fn operators_are_recognised_by_their_verified_address(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let mut config = TestConfig::new(backend, &smtp).await;
    config.admin_emails = vec!["ops@provider.example".into()];
    let app = TestApp::spawn(&config).await;
    let operator = verified_user(&app, &smtp, "Olive", "Ops@Provider.example").await;
    assert_eq!(operator.viewer().await["is_operator"], true);
    let developer = verified_user(&app, &smtp, "Dev", "dev@acme.example").await;
    assert_eq!(developer.viewer().await["is_operator"], false);
    let page = operator.page("/profile").await;
    assert!(page.contains(">Operator<"), "the header shows the operator badge");
    app.stop().await;
}

async fn emailed_links_use_the_base_url_whatever_the_host_header(backend: Backend) {
    let (app, smtp) = start(backend).await;
    verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let browser = app.browser();
    let response = browser
        .client
        .post(browser.url("/api/forgot_password"))
        .header("origin", &browser.origin)
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("forwarded", "host=evil.example")
        .form(&[("email", "ada@acme.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mail = smtp.wait_for("ada@acme.example", |m| m.subject.contains("Reset")).await;
    assert!(
        mail.link()
            .starts_with(&format!("{}/reset-password?token=", app.base_url)),
        "{}",
        mail.link()
    );
    assert!(!mail.text.contains("evil.example") && !mail.html.contains("evil.example"));
    app.stop().await;
}

async fn repeated_attempts_are_rate_limited_per_address_and_per_client(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let mut config = TestConfig::new(backend, &smtp).await;
    config.rate_limits.per_email = 3;
    config.rate_limits.per_client = 6;
    // Two instances on one database share their counters.
    let first = TestApp::spawn(&config).await;
    let second = TestApp::spawn(&config).await;
    let statuses = async |app: &TestApp, email: &str, n: usize| {
        let mut statuses = Vec::new();
        for _ in 0..n {
            statuses.push(app.browser().sign_in(email, "wrong-password-guess").await);
        }
        statuses
    };
    let mut answers = statuses(&first, "ada@acme.example", 2).await;
    answers.extend(statuses(&second, "ADA@acme.example", 2).await);
    let codes: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        codes,
        [422, 422, 422, 429],
        "the fourth attempt on one address is refused, on either instance"
    );
    let retry_after: i64 = answers[3].headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");

    // Other addresses from the same client run into the per-client limit (6 in all).
    let more = statuses(&second, "bob@acme.example", 3).await;
    let codes: Vec<u16> = more.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(codes, [422, 422, 429]);
    // Other endpoints keep their own budgets.
    assert_eq!(
        first
            .browser()
            .call("forgot_password", &[("email", "ada@acme.example")])
            .await
            .status(),
        200
    );
    first.stop().await;
    second.stop().await;
}

async fn a_link_is_bound_to_the_address_it_was_sent_to(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let browser = app.browser();
    browser.sign_up("Ada", "ada@acme.example", PASSWORD).await;
    let token = token_of(&smtp.wait_for("ada@acme.example", |_| true).await.link());
    // The account's address changes after the link was sent: the link no longer proves anything.
    app.db
        .execute_unprepared("UPDATE users SET email = 'ada@other.example', email_canonical = 'ada@other.example'")
        .await
        .unwrap();
    assert_eq!(browser.call("verify_email", &[("token", &token)]).await.status(), 422);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM users WHERE email_verified_at IS NOT NULL").await,
        0
    );
    app.stop().await;
}

async fn every_endpoint_that_takes_an_address_is_rate_limited(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let mut config = TestConfig::new(backend, &smtp).await;
    config.rate_limits.per_email = 2;
    let app = TestApp::spawn(&config).await;
    for (endpoint, fields) in [
        (
            "sign_up",
            vec![
                ("full_name", "Ada"),
                ("email", "ada@acme.example"),
                ("password", PASSWORD),
            ],
        ),
        ("forgot_password", vec![("email", "ada@acme.example")]),
        ("resend_verification", vec![("email", "ada@acme.example")]),
    ] {
        let mut codes = Vec::new();
        for _ in 0..3 {
            codes.push(app.browser().call(endpoint, &fields).await.status().as_u16());
        }
        assert_eq!(codes, [200, 200, 429], "{endpoint}");
    }
    // A browser without JavaScript gets a readable page with the same status and Retry-After.
    let plain = app
        .browser()
        .submit("/forgot-password", "forgot_password", &[("email", "ada@acme.example")])
        .await;
    assert_eq!(plain.status(), 429);
    assert!(plain.headers().contains_key("retry-after"));
    let page = plain.text().await.unwrap();
    assert!(page.contains("Too many attempts"), "{page}");
    // Its way back is a plain link to the form's page: a script URL would be dead without
    // JavaScript and is refused by the content security policy anyway.
    assert!(page.contains(r#"<a href="/forgot-password">Go back</a>"#), "{page}");
    assert!(!page.contains("javascript:"), "{page}");
    app.stop().await;
}

/// Calls `endpoint` as a fresh browser would, with `X-Forwarded-For: forwarded_for`.
async fn call_forwarded(app: &TestApp, endpoint: &str, forwarded_for: &str, fields: &[(&str, &str)]) -> u16 {
    app.browser()
        .call_request(endpoint, fields)
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .expect("the server answers")
        .status()
        .as_u16()
}

async fn forwarded_addresses_count_only_from_a_trusted_proxy(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let reset = async |app: &TestApp, forwarded_for: &str, n: usize| {
        let email = format!("someone{n}@acme.example");
        call_forwarded(app, "forgot_password", forwarded_for, &[("email", &email)]).await
    };

    // Straight from the client, the header is the client's word and buys it nothing.
    let mut config = TestConfig::new(backend, &smtp).await;
    config.rate_limits.per_client = 2;
    let direct = TestApp::spawn(&config).await;
    let mut codes = Vec::new();
    for (n, forwarded_for) in ["198.51.100.1", "198.51.100.2", "198.51.100.3"].into_iter().enumerate() {
        codes.push(reset(&direct, forwarded_for, n).await);
    }
    assert_eq!(codes, [200, 200, 429], "one budget for the connection's address");
    direct.stop().await;

    // Behind a trusted proxy (the tests connect from 127.0.0.1), each forwarded client has its own.
    let mut config = TestConfig::new(backend, &smtp).await;
    config.rate_limits.per_client = 2;
    config.trusted_proxies = vec![app::backend::client::ProxyNetwork::parse("127.0.0.0/8").unwrap()];
    let proxied = TestApp::spawn(&config).await;
    assert_eq!(reset(&proxied, "198.51.100.1", 1).await, 200);
    assert_eq!(reset(&proxied, "198.51.100.1", 2).await, 200);
    assert_eq!(reset(&proxied, "198.51.100.1", 3).await, 429);
    assert_eq!(reset(&proxied, "198.51.100.2", 4).await, 200, "another client");
    // A client that writes its own entry first is still the address the proxy appended.
    assert_eq!(reset(&proxied, "198.51.100.2, 198.51.100.1", 5).await, 429);

    // The audit log records the forwarded client too.
    verified_user(&proxied, &smtp, "Ada", "ada@acme.example").await;
    let wrong = [("email", "ada@acme.example"), ("password", "not-the-password-at-all")];
    call_forwarded(&proxied, "sign_in", "203.0.113.7", &wrong).await;
    let from = text(
        &proxied,
        "SELECT client_ip FROM audit_events WHERE action = 'account.sign_in_failed'",
    )
    .await;
    assert_eq!(from.as_deref(), Some("203.0.113.7"));
    proxied.stop().await;
}
