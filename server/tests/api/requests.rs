//! SECURITY.md § Sessions and requests (origin check, redirects, headers) and bad input.

use crate::on_both_databases;
use crate::support::smtp::SmtpSink;
use crate::support::{Backend, PASSWORD, TestApp, TestConfig};
use sea_orm::{ConnectionTrait, Statement};

on_both_databases!(
    cross_site_posts_are_refused_and_change_nothing,
    plain_form_posts_never_redirect_off_site,
    plain_form_errors_come_back_next_to_the_field,
    pages_carry_the_security_headers,
    nothing_changes_state_over_get,
    bad_input_gets_a_clear_client_error,
    fifty_concurrent_sign_ups_all_succeed,
    the_content_security_policy_allows_nothing_foreign,
    fields_a_form_does_not_offer_are_refused_and_change_nothing,
    huge_numbers_get_a_client_error_never_a_server_error,
);

async fn users(app: &TestApp) -> i64 {
    let row = app
        .db
        .query_one(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) FROM users".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn cross_site_posts_are_refused_and_change_nothing(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let browser = app.browser();
    let form = [
        ("full_name", "Mallory"),
        ("email", "mallory@acme.example"),
        ("password", PASSWORD),
    ];
    let cases: [(&str, Option<&str>, Option<&str>); 6] = [
        (
            "cross-site fetch metadata",
            Some("cross-site"),
            Some("https://evil.example"),
        ),
        ("same-site but other origin", Some("same-site"), None),
        ("foreign origin", None, Some("https://evil.example")),
        ("null origin", None, Some("null")),
        (
            "look-alike origin",
            None,
            Some(&format!("{}.evil.example", app.base_url)),
        ),
        ("no origin at all", None, None),
    ];
    for (case, fetch_site, origin) in cases {
        let mut request = browser.client.post(browser.url("/api/sign_up")).form(&form);
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403, "{case}");
    }
    assert_eq!(users(&app).await, 0);
    // The same form from the portal itself goes through.
    assert_eq!(browser.call("sign_up", &form).await.status(), 200);
    assert_eq!(users(&app).await, 1);
    app.stop().await;
}

async fn plain_form_posts_never_redirect_off_site(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let browser = app.browser();
    for referer in ["https://evil.example/phish", "//evil.example/", "/\\evil.example"] {
        for fields in [
            vec![("email", "ada@acme.example"), ("password", "wrong-password-1")],
            vec![("email", "not an email"), ("password", "")],
        ] {
            let response = browser
                .client
                .post(browser.url("/api/sign_in"))
                .header("origin", &browser.origin)
                .header("accept", "text/html")
                .header("referer", referer)
                .form(&fields)
                .send()
                .await
                .unwrap();
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            assert!(response.status().is_redirection());
            assert!(
                location.starts_with('/') && !location.starts_with("//") && !location.contains("evil"),
                "{referer} -> {location}"
            );
        }
    }
    // Successful plain posts go where the portal says, not where the Referer points.
    let response = browser
        .client
        .post(browser.url("/api/forgot_password"))
        .header("origin", &browser.origin)
        .header("accept", "text/html")
        .header("referer", "https://evil.example/")
        .form(&[("email", "ada@acme.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/forgot-password/sent");
    app.stop().await;
}

async fn plain_form_errors_come_back_next_to_the_field(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let browser = app.browser();
    let response = browser
        .submit(
            "/signup",
            "sign_up",
            &[
                ("full_name", "Ada Lovelace"),
                ("email", "ada@acme.example"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/signup");
    let page = browser.page("/signup").await;
    assert!(page.contains("Use at least 12 characters."), "the error is on the page");
    assert!(page.contains(r#"value="Ada Lovelace""#), "typed values are kept");
    assert!(!page.contains("short"), "the password is not echoed");
    assert!(page.contains(r#"aria-invalid="true""#));
    // The flash is shown once.
    let again = browser.page("/signup").await;
    assert!(!again.contains("Use at least 12 characters."));
    app.stop().await;
}

async fn pages_carry_the_security_headers(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let response = app.browser().get("/signin").await;
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains('*'), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(
        body.contains(&format!(r#"nonce="{nonce}""#)),
        "inline scripts carry the policy's nonce"
    );
    assert!(!body.contains("<script>"), "no inline script without a nonce");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["cache-control"], "no-store");

    // Two pages get two nonces.
    let other = app.browser().get("/signup").await;
    assert_ne!(
        other.headers()["content-security-policy"],
        headers["content-security-policy"]
    );
    let api = app.browser().call("current_user", &[]).await;
    assert_eq!(api.headers()["cache-control"], "no-store");
    assert!(
        api.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    app.stop().await;
}

async fn nothing_changes_state_over_get(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let browser = app.browser();
    for endpoint in [
        "sign_up",
        "sign_in",
        "sign_out",
        "verify_email",
        "reset_password",
        "save_profile",
    ] {
        let response = browser
            .get(&format!(
                "/api/{endpoint}?email=a@acme.example&password={PASSWORD}&full_name=A"
            ))
            .await;
        assert_eq!(response.status(), 405, "{endpoint}");
    }
    assert_eq!(users(&app).await, 0);
    app.stop().await;
}

async fn bad_input_gets_a_clear_client_error(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let browser = app.browser();
    // The server closes a connection whose body it refused to read. A client that kept that
    // connection for its next request would race the close and fail to send, so the bad bodies
    // go on connections of their own and the browser's pool never holds one.
    let unpooled = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("an HTTP client");
    let post = |body: Vec<u8>, content_type: &'static str| {
        unpooled
            .post(browser.url("/api/sign_up"))
            .header("origin", &browser.origin)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    // Just over the 64 KiB server-function limit: small enough to sit in the socket buffer, so the
    // client has finished sending when the server answers 413 without reading the rest.
    let oversized = post(
        format!("full_name={}&email=a@acme.example&password=x", "a".repeat(70_000)).into_bytes(),
        "application/x-www-form-urlencoded",
    )
    .await
    .unwrap();
    assert_eq!(oversized.status(), 413);
    let invalid_utf8 = post(
        b"full_name=\xff\xfe&email=a@acme.example&password=x".to_vec(),
        "application/x-www-form-urlencoded",
    )
    .await
    .unwrap();
    assert!(invalid_utf8.status().is_client_error(), "{}", invalid_utf8.status());
    let missing_fields = post(b"email=a@acme.example".to_vec(), "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert!(missing_fields.status().is_client_error(), "{}", missing_fields.status());
    let json = post(br#"{"full_name":1}"#.to_vec(), "application/json").await.unwrap();
    assert!(json.status().is_client_error(), "{}", json.status());
    let unknown = browser.call("no_such_function", &[]).await;
    assert!(unknown.status().is_client_error(), "{}", unknown.status());
    let extra = post(
        format!("full_name=Ada&email=a@acme.example&password={PASSWORD}&nickname=ada").into_bytes(),
        "application/x-www-form-urlencoded",
    )
    .await
    .unwrap();
    assert_eq!(extra.status(), 422, "an unknown field is refused");
    assert_eq!(users(&app).await, 0);
    app.stop().await;
}

async fn fifty_concurrent_sign_ups_all_succeed(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let sign_ups = (0..50).map(|i| {
        let browser = app.browser();
        async move {
            browser
                .sign_up("Writer", &format!("writer{i}@acme.example"), PASSWORD)
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(sign_ups).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(users(&app).await, 50);
    app.stop().await;
}

/// SECURITY.md: a client cannot set partner, owner, role or environment fields that the form does
/// not offer. Server functions take only the fields of their forms, and anything else is refused
/// as a whole, with the field named, rather than ignored.
async fn fields_a_form_does_not_offer_are_refused_and_change_nothing(backend: Backend) {
    use crate::support::portal::{developer, provisioned, register};
    use crate::support::{scalar, text};
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let ada = developer(&app, &smtp, "Ada Lovelace", "ada@acme.example").await;
    let public_id = register(&ada, &["Sandbox"]).await;
    // The worker's own audit events (credentials issued) land before the count is taken.
    provisioned(&ada, &public_id).await;
    let profile = [
        ("full_name", "Ada Lovelace"),
        ("job_title", "CTO"),
        ("phone", ""),
        ("accept_terms", "on"),
    ];
    let company = crate::support::portal::COMPANY_FORM;
    let details = vec![
        ("public_id", public_id.as_str()),
        ("name", "Renamed"),
        ("description", ""),
        ("site_url", ""),
        ("redirect_urls", "https://acme.example/callback"),
    ];
    // Each: the endpoint, the fields its form sends, and one field it does not offer.
    type Form<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(&str, Form, (&str, &str))> = vec![
        ("save_profile", profile.to_vec(), ("email", "ada@globex.example")),
        ("save_profile", profile.to_vec(), ("is_operator", "true")),
        ("save_company", company.to_vec(), ("domain", "globex.example")),
        ("save_company", company.to_vec(), ("partner_id", "2")),
        ("update_application", details.clone(), ("owner_id", "2")),
        ("update_application", details, ("status[]", "active")),
        (
            "change_member_role",
            vec![("member_id", "1"), ("role", "admin")],
            ("partner_id", "2"),
        ),
    ];
    let before = (
        text(&app, "SELECT email FROM users").await,
        text(&app, "SELECT domain FROM partners").await,
        text(&app, "SELECT name FROM applications").await,
        scalar(&app, "SELECT COUNT(*) FROM audit_events").await,
    );
    for (endpoint, mut fields, extra) in cases {
        fields.push(extra);
        let response = ada.call(endpoint, &fields).await;
        assert_eq!(response.status(), 422, "{endpoint} with {}", extra.0);
        let body = response.text().await.unwrap();
        let field = extra.0.split('[').next().unwrap();
        assert!(body.contains(field), "{endpoint}: the answer names {field}: {body}");
    }
    let after = (
        text(&app, "SELECT email FROM users").await,
        text(&app, "SELECT domain FROM partners").await,
        text(&app, "SELECT name FROM applications").await,
        scalar(&app, "SELECT COUNT(*) FROM audit_events").await,
    );
    assert_eq!(before, after, "nothing changed");
    // Without JavaScript the refusal comes back to the form like any other.
    let plain = ada
        .submit(
            "/profile",
            "save_profile",
            &[("full_name", "Ada"), ("email", "x@globex.example")],
        )
        .await;
    assert_eq!(plain.status(), 303);
    assert!(
        ada.page("/profile")
            .await
            .contains("This form does not take a field called “email”.")
    );
    // The same requests without the extra field go through: the refusal was the field's.
    assert_eq!(ada.call("save_profile", &profile).await.status(), 200);
    assert_eq!(ada.call("save_company", &company).await.status(), 200);
    app.stop().await;
}

/// The sources of `policy` that are not the portal's own, by directive. Allowed: `'self'`,
/// `'none'`, a nonce, `'wasm-unsafe-eval'` (the wasm bundle), `data:` for images and fonts, and
/// the base URL's own origin.
fn foreign_sources(policy: &str, origin: &str) -> Vec<String> {
    let mut foreign = Vec::new();
    for directive in policy.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let mut words = directive.split_ascii_whitespace();
        let name = words.next().unwrap();
        for source in words {
            let allowed = match source {
                "'self'" | "'none'" | "'wasm-unsafe-eval'" => true,
                "data:" => matches!(name, "img-src" | "font-src"),
                _ if source == origin => true,
                _ => source
                    .strip_prefix("'nonce-")
                    .and_then(|rest| rest.strip_suffix('\''))
                    .is_some_and(|nonce| {
                        nonce.len() >= 16 && nonce.chars().all(|c| c.is_ascii_alphanumeric() || "+/=-_".contains(c))
                    }),
            };
            if !allowed {
                foreign.push(format!("{name} {source}"));
            }
        }
    }
    foreign
}

async fn the_content_security_policy_allows_nothing_foreign(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let ada = crate::support::portal::developer(&app, &smtp, "Ada Lovelace", "ada@acme.example").await;
    let anonymous = app.browser();
    let mut responses = Vec::new();
    for path in [
        "/",
        "/signin",
        "/signup",
        "/forgot-password",
        "/docs",
        "/no-such-page",
        "/pkg/portico.css",
    ] {
        responses.push((format!("GET {path}"), anonymous.get(path).await));
    }
    for path in ["/apis", "/apis/new", "/keys", "/profile", "/company"] {
        responses.push((format!("GET {path} signed in"), ada.get(path).await));
    }
    responses.push(("POST /api/current_user".to_owned(), ada.call("current_user", &[]).await));
    let origin = app.base_url.trim_end_matches('/');
    for (request, response) in responses {
        let policy = response
            .headers()
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{request} answers {} without a policy", response.status()))
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            foreign_sources(&policy, origin),
            Vec::<String>::new(),
            "{request}: {policy}"
        );
        let directives: Vec<&str> = policy
            .split(';')
            .filter_map(|d| d.split_ascii_whitespace().next())
            .collect();
        assert!(
            directives.contains(&"default-src"),
            "{request}: everything unnamed falls back to a default: {policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"), "{request}: {policy}");
        assert!(!policy.contains("'unsafe-eval'"), "{request}: {policy}");
        if response.status() == 200 && request.starts_with("GET /") && !request.contains("/pkg/") {
            for directive in ["script-src", "object-src", "base-uri"] {
                assert!(directives.contains(&directive), "{request} names {directive}: {policy}");
            }
        }
    }
    // The parser itself refuses what a loosened policy would carry.
    for loose in [
        "default-src 'self' https://cdn.example",
        "script-src 'self' 'unsafe-inline'",
        "script-src *",
        "connect-src 'self' https:",
        "script-src 'self' data:",
        "default-src 'self' http://127.0.0.1:1",
        "script-src 'nonce-'",
    ] {
        assert!(!foreign_sources(loose, origin).is_empty(), "{loose}");
    }
    app.stop().await;
}

async fn huge_numbers_get_a_client_error_never_a_server_error(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let ada = crate::support::portal::developer(&app, &smtp, "Ada Lovelace", "ada@acme.example").await;
    let public_id = crate::support::portal::register(&ada, &["Sandbox"]).await;
    crate::support::portal::provisioned(&ada, &public_id).await;
    let huge = "99999999999999999999";
    let enormous = "9".repeat(400);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("reveal_secret", vec![("credential_id", huge)]),
        ("reveal_secret", vec![("credential_id", "-99999999999999999999")]),
        ("reveal_secret", vec![("credential_id", &enormous)]),
        ("reveal_secret", vec![("credential_id", "1e30")]),
        ("roll_secret", vec![("credential_id", huge), ("grace", "none")]),
        ("revoke_credential", vec![("credential_id", huge)]),
        (
            "set_credential_enabled",
            vec![("credential_id", huge), ("enabled", "true")],
        ),
        ("describe_credential", vec![("credential_id", huge), ("name", "Key")]),
        ("remove_co_owner", vec![("public_id", &public_id), ("user_id", huge)]),
        ("application_activity", vec![("public_id", &public_id), ("page", huge)]),
        ("application_activity", vec![("public_id", &public_id), ("page", "-1")]),
        (
            "update_scope",
            vec![
                ("public_id", &public_id),
                ("products[]", huge),
                ("environments[]", huge),
            ],
        ),
    ];
    let mut wrong = Vec::new();
    for (endpoint, fields) in &cases {
        let status = ada.call(endpoint, fields).await.status().as_u16();
        if status != 400 && status != 422 {
            wrong.push(format!("{endpoint} {fields:?} answered {status}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "huge numbers must get 400 or 422:\n{}",
        wrong.join("\n")
    );
    // The largest id a column holds is just an id that does not exist.
    let largest = i64::MAX.to_string();
    for endpoint in ["reveal_secret", "revoke_credential"] {
        let status = ada.call(endpoint, &[("credential_id", &largest)]).await.status();
        assert_eq!(status, 404, "{endpoint} with credential_id = i64::MAX");
    }
    // And nothing changed.
    assert_eq!(
        crate::support::scalar(&app, "SELECT COUNT(*) FROM credentials WHERE state = 'issued'").await,
        2
    );
    app.stop().await;
}

/// SECURITY.md § Faults and load: SQLite runs in WAL mode with a busy timeout, as the server's
/// own connections report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_runs_in_wal_mode_with_a_busy_timeout() {
    crate::support::within_time_limit(async {
        let smtp = SmtpSink::start().await;
        let app = TestApp::spawn(&TestConfig::new(Backend::Sqlite, &smtp).await).await;
        // Several connections of the pool at once: each one was opened with the same settings.
        let answers = futures::future::join_all((0..4).map(|_| async {
            let journal = crate::support::text(&app, "PRAGMA journal_mode").await;
            let timeout = crate::support::scalar(&app, "PRAGMA busy_timeout").await;
            (journal, timeout)
        }))
        .await;
        for (journal, timeout) in answers {
            assert_eq!(journal.as_deref(), Some("wal"));
            assert!(
                timeout >= 1000,
                "a writer waits at least a second for another ({timeout} ms)"
            );
        }
        app.stop().await;
    })
    .await;
}

/// Panics raised in Leptos's rendering code, counted from the moment the first caller asks.
fn rendering_panics() -> &'static std::sync::atomic::AtomicUsize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNT: std::sync::OnceLock<&'static AtomicUsize> = std::sync::OnceLock::new();
    COUNT.get_or_init(|| {
        let count: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info.location().map(|l| l.file()).unwrap_or_default();
            if ["leptos", "reactive_graph", "tachys"]
                .iter()
                .any(|name| file.contains(name))
            {
                count.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
        count
    })
}

/// A browser that gives up on a page halfway (a closed tab, a flaky network) is a client
/// behaving badly, and the server must shrug it off. When the request was dropped midway,
/// Leptos's suspended parts panicked about once in 2 000 such page loads, and now and then
/// deadlocked a runtime thread (then this test hangs until its time limit, or past it); the
/// server now finishes every render (`middleware::finish_abandoned_requests`). Without that,
/// this test fails nearly every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_abandoned_midway_are_finished_without_a_panic() {
    use std::sync::atomic::Ordering;
    crate::support::within_time_limit(async {
        let panics = rendering_panics();
        let smtp = SmtpSink::start().await;
        let app = TestApp::spawn(&TestConfig::new(Backend::Sqlite, &smtp).await).await;
        let ada = crate::support::portal::developer(&app, &smtp, "Ada Lovelace", "ada@acme.example").await;
        let cookie = format!("portico_session={}", ada.session_cookie().expect("signed in"));
        let before = panics.load(Ordering::SeqCst);
        let (mut sent, mut abandoned) = (0, 0);
        for path in ["/apis", "/profile", "/docs"] {
            for round in 0..30u64 {
                let loads: Vec<_> = (0..50u64)
                    .map(|n| {
                        // Give up after 0.2-3.2 ms: before, during or just after the render.
                        let patience = std::time::Duration::from_micros(200 + (n * 61 + round * 17) % 3000);
                        let client = reqwest::Client::builder().timeout(patience).build().unwrap();
                        let request = client.get(ada.url(path)).header("cookie", &cookie);
                        tokio::spawn(async move { request.send().await.is_err() })
                    })
                    .collect();
                for load in loads {
                    sent += 1;
                    abandoned += usize::from(load.await.unwrap());
                }
            }
        }
        assert!(
            abandoned * 5 >= sent,
            "only {abandoned} of {sent} page loads were abandoned"
        );
        // Renders left running finish within moments.
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        assert_eq!(panics.load(Ordering::SeqCst) - before, 0, "rendering panicked");
        // And the portal still answers.
        assert!(ada.page("/apis").await.contains("My APIs"));
        app.stop().await;
    })
    .await;
}

/// Leptos suspends every resource first polled while route generation runs anywhere in the process,
/// and such a resource never wakes again (a process-wide flag, leptos issue 4773). The route list is
/// therefore generated once per process: a second server started beside a running one (as tests
/// and embedders do) must not stall the pages the first is rendering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_another_server_never_stalls_a_page_of_a_running_one() {
    crate::support::within_time_limit(async {
        let smtp = SmtpSink::start().await;
        let config = TestConfig::new(Backend::Sqlite, &smtp).await;
        let app = TestApp::spawn(&config).await;
        let ada = crate::support::portal::developer(&app, &smtp, "Ada Lovelace", "ada@acme.example").await;
        let cookie = format!("portico_session={}", ada.session_cookie().expect("signed in"));
        let starting = tokio::spawn(async move {
            for _ in 0..25 {
                TestApp::spawn(&config).await.stop().await;
            }
        });
        // Far longer than a page takes; a suspended resource never answers at all.
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap();
        let mut pages = 0;
        while !starting.is_finished() {
            let loads: Vec<_> = (0..8)
                .map(|_| {
                    let request = client.get(ada.url("/apis")).header("cookie", &cookie);
                    tokio::spawn(async move {
                        let response = request.send().await?;
                        let status = response.status();
                        Ok::<_, reqwest::Error>((status, response.text().await?))
                    })
                })
                .collect();
            for load in loads {
                let (status, body) = load
                    .await
                    .unwrap()
                    .expect("every page answers while other servers start");
                assert_eq!(status, 200);
                assert!(body.contains("My APIs"), "the page itself");
                pages += 1;
            }
        }
        starting.await.unwrap();
        assert!(pages >= 8, "pages were loaded while servers started ({pages})");
        app.stop().await;
    })
    .await;
}
