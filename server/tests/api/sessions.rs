//! SECURITY.md § Sessions: cookie flags, id rotation, server-side sign-out, lifetimes.

use crate::on_both_databases;
use crate::support::smtp::SmtpSink;
use crate::support::{Backend, PASSWORD, TestApp, TestConfig, scalar, verified_user};
use sea_orm::ConnectionTrait;

on_both_databases!(
    session_cookie_is_http_only_same_site_and_host_only,
    session_cookie_is_secure_when_the_portal_is_served_over_https,
    signing_in_issues_a_new_session_id,
    signing_in_returns_to_the_page_that_asked_for_it_and_only_on_this_site,
    signing_out_deletes_the_session_on_the_server,
    idle_and_absolute_lifetimes_end_a_session,
    a_session_in_use_moves_its_idle_deadline_with_one_write_a_minute,
    a_session_made_on_one_instance_works_on_another,
    an_unknown_page_is_a_404_in_the_layout_of_whoever_asks,
);

fn session_set_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("portico_session="))
        .expect("a session cookie is set")
        .to_owned()
}

/// Rewrites a stored session as time would have: its data through `edit`, and its deadline when
/// one is given.
async fn rewrite_session(app: &TestApp, id: &str, edit: impl FnOnce(&mut serde_json::Value), expires_at: Option<i64>) {
    let data = app
        .db
        .query_one(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT data FROM sessions WHERE id = '{id}'"),
        ))
        .await
        .unwrap()
        .expect("the session is stored")
        .try_get::<String>("", "data")
        .unwrap();
    let mut data: serde_json::Value = serde_json::from_str(&data).unwrap();
    edit(&mut data);
    let deadline = expires_at.map(|at| format!(", expires_at = {at}")).unwrap_or_default();
    app.db
        .execute_unprepared(&format!(
            "UPDATE sessions SET data = '{data}'{deadline} WHERE id = '{id}'"
        ))
        .await
        .unwrap();
}

/// Sets a session's stored deadline and the time a request last moved it.
async fn age_session(app: &TestApp, id: &str, expires_at: i64, touched_at: i64) {
    rewrite_session(app, id, |data| data["touched_at"] = touched_at.into(), Some(expires_at)).await;
}

async fn session_cookie_is_http_only_same_site_and_host_only(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let response = app.browser().sign_in("ada@acme.example", PASSWORD).await;
    let cookie = session_set_cookie(&response);
    let attributes: Vec<&str> = cookie.split("; ").collect();
    assert!(attributes.contains(&"HttpOnly"), "{cookie}");
    assert!(attributes.contains(&"SameSite=Lax"), "{cookie}");
    assert!(attributes.contains(&"Path=/"), "{cookie}");
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    assert!(!attributes.contains(&"Secure"), "plain http in tests: {cookie}");
    // 128 random bits, base64url: 22 characters.
    let id = attributes[0].trim_start_matches("portico_session=");
    assert_eq!(id.len(), 22, "{id}");
    app.stop().await;
}

async fn session_cookie_is_secure_when_the_portal_is_served_over_https(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let mut config = TestConfig::new(backend, &smtp).await;
    config.base_url = Some("https://portal.example".into());
    let app = TestApp::spawn(&config).await;
    let mut browser = app.browser();
    browser.origin = "https://portal.example".into();
    // A failed plain form post stores a flash, which creates a session.
    let response = browser
        .submit(
            "/signin",
            "sign_in",
            &[("email", "x@acme.example"), ("password", "wrong-password-1")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert!(session_set_cookie(&response).split("; ").any(|a| a == "Secure"));
    app.stop().await;
}

async fn signing_in_issues_a_new_session_id(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let browser = app.browser();
    // An attacker plants a session id before sign-in (here: by a failed form post).
    browser
        .submit(
            "/signin",
            "sign_in",
            &[("email", "ada@acme.example"), ("password", "wrong-password-1")],
        )
        .await;
    let planted = browser.session_cookie().expect("a pre-sign-in session");
    assert_eq!(browser.sign_in("ada@acme.example", PASSWORD).await.status(), 200);
    let after = browser.session_cookie().expect("a signed-in session");
    assert_ne!(planted, after);
    let attacker = app.browser();
    attacker.set_session_cookie(&planted);
    assert!(
        !attacker.is_signed_in().await,
        "the planted id did not become signed in"
    );
    assert!(browser.is_signed_in().await);
    app.stop().await;
}

async fn signing_in_returns_to_the_page_that_asked_for_it_and_only_on_this_site(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    // A form posted after the session ended sends the browser to sign in, remembering the page.
    let signed_out = app.browser();
    let late = signed_out
        .submit(
            "/keys?environment=uat",
            "describe_credential",
            &[("credential_id", "1"), ("name", "x")],
        )
        .await;
    assert_eq!(late.status(), 303);
    assert_eq!(late.headers()["location"], "/signin?next=/keys%3Fenvironment%3Duat");

    let sign_in_to = async |next: &str| -> String {
        let browser = app.browser();
        let response = browser
            .submit(
                "/signin",
                "sign_in",
                &[("email", "ada@acme.example"), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert!(response.status().is_redirection(), "{next}: {}", response.status());
        response.headers()["location"].to_str().unwrap().to_owned()
    };
    assert_eq!(sign_in_to("/keys?environment=uat").await, "/keys?environment=uat");
    assert_eq!(sign_in_to("").await, "/profile");
    for elsewhere in [
        "//evil.example/keys",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/signin",
    ] {
        assert_eq!(sign_in_to(elsewhere).await, "/profile", "{elsewhere}");
    }
    app.stop().await;
}

async fn signing_out_deletes_the_session_on_the_server(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let browser = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let stolen = browser.session_cookie().unwrap();
    assert_eq!(browser.call("sign_out", &[]).await.status(), 200);
    let thief = app.browser();
    thief.set_session_cookie(&stolen);
    assert!(
        !thief.is_signed_in().await,
        "a copy of the cookie is worthless after sign-out"
    );
    app.stop().await;
}

async fn idle_and_absolute_lifetimes_end_a_session(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let idle = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    let response = idle.sign_in("ada@acme.example", PASSWORD).await;
    assert!(
        session_set_cookie(&response).contains("Max-Age=1800"),
        "30 minutes idle"
    );
    // Thirty minutes without a request: the stored expiry has passed.
    let id = idle.session_cookie().unwrap();
    app.db
        .execute_unprepared(&format!(
            "UPDATE sessions SET expires_at = {} WHERE id = '{id}'",
            chrono::Utc::now().timestamp() - 1
        ))
        .await
        .unwrap();
    assert!(!idle.is_signed_in().await);

    // Busy all day: still ended 12 hours after sign-in.
    let busy = app.browser();
    busy.sign_in("ada@acme.example", PASSWORD).await;
    assert!(busy.is_signed_in().await);
    let id = busy.session_cookie().unwrap();
    let thirteen_hours_ago = chrono::Utc::now().timestamp() - 13 * 3600;
    rewrite_session(&app, &id, |data| data["signed_in_at"] = thirteen_hours_ago.into(), None).await;
    assert!(!busy.is_signed_in().await);
    app.stop().await;
}

async fn a_session_made_on_one_instance_works_on_another(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let config = TestConfig::new(backend, &smtp).await;
    let first = TestApp::spawn(&config).await;
    let second = TestApp::spawn(&config).await;
    let on_first = verified_user(&first, &smtp, "Ada", "ada@acme.example").await;
    let on_second = second.browser();
    on_second.set_session_cookie(&on_first.session_cookie().unwrap());
    assert!(on_second.is_signed_in().await);
    // Signing out on the second ends the session on the first too.
    assert_eq!(on_second.call("sign_out", &[]).await.status(), 200);
    assert!(!on_first.is_signed_in().await);
    first.stop().await;
    second.stop().await;
}

async fn a_session_in_use_moves_its_idle_deadline_with_one_write_a_minute(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    ada.sign_in("ada@acme.example", PASSWORD).await;
    let id = ada.session_cookie().unwrap();
    let stored_deadline = format!("SELECT expires_at FROM sessions WHERE id = '{id}'");
    let now = chrono::Utc::now().timestamp();

    // Twenty-nine minutes of reading pages, the last one a few seconds ago: the next page (one
    // with a form, whose flash is read) writes nothing and renews no cookie.
    age_session(&app, &id, now + 60, now - 5).await;
    let response = ada.get("/profile").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get_all("set-cookie").iter().next().is_none(),
        "no cookie is renewed within the minute"
    );
    assert_eq!(scalar(&app, &stored_deadline).await, now + 60, "and nothing is written");

    // A minute later the same page moves the deadline to 30 minutes from now, in the database
    // and in the cookie, so a developer who keeps working is not signed out.
    age_session(&app, &id, now + 60, now - 61).await;
    let response = ada.get("/profile").await;
    assert_eq!(response.status(), 200);
    assert!(session_set_cookie(&response).contains("Max-Age=1800"));
    let deadline = scalar(&app, &stored_deadline).await;
    assert!(
        (now + 1800..now + 1800 + 30).contains(&deadline),
        "the deadline is 30 minutes after the last request: {deadline} - {now}"
    );
    assert!(ada.is_signed_in().await);
    app.stop().await;
}

/// The fallback route renders outside the page routes, with its own per-request context: the
/// signed-in layout must still know who is asking, and a visitor must not be shown as anyone.
async fn an_unknown_page_is_a_404_in_the_layout_of_whoever_asks(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let ada = verified_user(&app, &smtp, "Ada Lovelace", "ada@acme.example").await;
    assert_eq!(ada.sign_in("ada@acme.example", PASSWORD).await.status(), 200);

    let response = ada.get("/no-such-page").await;
    assert_eq!(response.status(), 404);
    let page = response.text().await.unwrap();
    assert!(page.contains("Page not found"), "{page}");
    assert!(
        page.contains(r#"<span class="viewer-name">Ada Lovelace</span>"#),
        "{page}"
    );
    assert!(page.contains("Sign out"));

    let response = app.browser().get("/no-such-page").await;
    assert_eq!(response.status(), 404);
    let page = response.text().await.unwrap();
    assert!(page.contains("Page not found"));
    assert!(!page.contains("Ada Lovelace") && !page.contains("Sign out"), "{page}");
    app.stop().await;
}
