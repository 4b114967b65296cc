//! The gateway API: verification in every documented form and every refusal, gateway tokens,
//! malformed headers, rate limits, usage counts and failure warnings, OAuth client credentials and
//! introspection, failing closed, and the published contract.

use crate::on_both_databases;
use crate::support::portal::{
    catalogue_id, credentials, developer, gateway_token, provisioned, register, register_as, reveal, sandbox_key,
    set_rate_limit,
};
use crate::support::smtp::SmtpSink;
use crate::support::{Backend, Browser, TestApp, TestConfig, scalar, text, verified_user};
use base64::Engine as _;
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::time::Duration;

on_both_databases!(
    a_valid_key_is_accepted_with_x_api_key_or_basic,
    refusals_carry_their_reason_codes,
    gateway_tokens_are_required_stored_hashed_and_revocable,
    malformed_credentials_get_401_without_detail,
    over_the_limit_the_answer_is_429_with_retry_after,
    usage_is_written_in_batches_and_shown_to_owners,
    daily_usage_is_kept_for_the_configured_days_then_swept,
    owners_are_warned_once_about_a_burst_of_failures,
    service_applications_get_oauth_clients_and_bearer_tokens,
    the_oauth2_crate_obtains_a_token_that_verifies,
    no_token_or_secret_reaches_the_logs_the_session_or_the_audit_log,
);

pub(crate) const OPERATOR: &str = "ops@provider.example";

/// The longest a revocation may take to reach every instance, plus a margin.
pub(crate) const PROPAGATION: Duration = Duration::from_millis(1100);

pub(crate) struct Fixture {
    pub app: TestApp,
    pub smtp: SmtpSink,
    pub owner: Browser,
    pub operator: Browser,
}

pub(crate) async fn fixture(backend: Backend) -> Fixture {
    let smtp = SmtpSink::start().await;
    let config = operator_config(backend, &smtp).await;
    fixture_with(config, smtp).await
}

pub(crate) async fn operator_config(backend: Backend, smtp: &SmtpSink) -> TestConfig {
    let mut config = TestConfig::new(backend, smtp).await;
    config.admin_emails = vec![OPERATOR.into()];
    config
}

pub(crate) async fn fixture_with(config: TestConfig, smtp: SmtpSink) -> Fixture {
    let app = TestApp::spawn(&config).await;
    let owner = developer(&app, &smtp, "Ada", "ada@acme.example").await;
    let operator = verified_user(&app, &smtp, "Olive", OPERATOR).await;
    Fixture {
        app,
        smtp,
        owner,
        operator,
    }
}

pub(crate) fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

pub(crate) struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: HeaderMap,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
    }
}

/// Calls `/gateway/v1/verify` on `app` as a gateway holding `token`.
pub(crate) async fn verify(app: &TestApp, token: Option<&str>, headers: &[(&str, &str)]) -> Answer {
    let mut request = reqwest::Client::new().get(app.url("/gateway/v1/verify"));
    if let Some(token) = token {
        request = request.header("x-portico-gateway-token", token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("verify answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    Answer { status, body, headers }
}

async fn a_valid_key_is_accepted_with_x_api_key_or_basic(backend: Backend) {
    let f = fixture(backend).await;
    let token = gateway_token(&f.operator, "Sandbox").await;
    let key = sandbox_key(&f.owner).await;

    let by_header = verify(&f.app, Some(&token), &[("x-api-key", &key.secret)]).await;
    assert_eq!(by_header.status, 200, "{}", by_header.body);
    let body = &by_header.body;
    assert_eq!(body["valid"], true);
    assert_eq!(body["environment"], "sandbox");
    assert_eq!(body["product"], "digital-banking");
    assert_eq!(body["application"]["id"], key.application.as_str());
    assert_eq!(body["application"]["name"], "Payments Hub");
    assert_eq!(body["partner"]["domain"], "acme.example");
    assert_eq!(body["partner"]["name"], "Acme Ltd");
    assert!(body["partner"]["id"].is_i64());
    assert_eq!(body["credential"]["public_key"], key.public_key.as_str());
    assert_eq!(body["rate_limit"]["limit"], 600, "the default limit applies");
    assert_eq!(body["rate_limit"]["remaining"], 599);
    let reset = body["rate_limit"]["reset"].as_i64().unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!(reset > now && reset <= now + 61 && reset % 60 == 0, "{reset}");
    assert_eq!(by_header.header("x-portico-application"), key.application);
    assert_eq!(by_header.header("x-portico-partner"), "acme.example");
    assert_eq!(by_header.header("x-portico-product"), "digital-banking");
    assert_eq!(by_header.header("x-portico-environment"), "sandbox");
    assert_eq!(by_header.header("x-ratelimit-limit"), "600");
    assert!(by_header.header("cache-control").contains("no-store"));

    let authorization = basic(&key.public_key, &key.secret);
    let by_basic = verify(&f.app, Some(&token), &[("authorization", &authorization)]).await;
    assert_eq!(by_basic.status, 200, "{}", by_basic.body);
    assert_eq!(by_basic.body["rate_limit"]["remaining"], 598);

    let post = reqwest::Client::new()
        .post(f.app.url("/gateway/v1/verify"))
        .header("x-portico-gateway-token", &token)
        .header("x-api-key", &key.secret)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200, "POST works like GET");

    let elsewhere = basic(&key.public_key, &key.secret.replace("sk_sandbox_", "sk_sandbox_x"));
    assert_eq!(
        verify(&f.app, Some(&token), &[("authorization", &elsewhere)])
            .await
            .code(),
        "INVALID"
    );
    assert!(
        !crate::support::captured_logs().contains(&key.secret),
        "the secret never reaches the logs"
    );
    f.app.stop().await;
}

async fn refusals_carry_their_reason_codes(backend: Backend) {
    let f = fixture(backend).await;
    let sandbox = gateway_token(&f.operator, "Sandbox").await;
    let production = gateway_token(&f.operator, "Production").await;
    let key = sandbox_key(&f.owner).await;
    let with_key = |secret: &str| vec![("x-api-key", secret.to_owned())];
    let call = async |token: &str, secret: &str| {
        let headers = with_key(secret);
        let borrowed: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        verify(&f.app, Some(token), &borrowed).await
    };

    // Unknown but well-formed, and a broken checksum: both INVALID, with nothing more said.
    let unknown =
        app::credentials::keys::PlainSecret::generate(app::credentials::keys::SecretKind::ApiSecret, "sandbox");
    let answer = call(&sandbox, unknown.expose()).await;
    assert_eq!((answer.status, answer.code()), (401, "INVALID"));
    assert_eq!(answer.body, serde_json::json!({ "valid": false, "code": "INVALID" }));
    let mut tampered = key.secret.clone().into_bytes();
    tampered[15] = if tampered[15] == b'a' { b'b' } else { b'a' };
    let answer = call(&sandbox, &String::from_utf8(tampered).unwrap()).await;
    assert_eq!((answer.status, answer.code()), (401, "INVALID"));

    // A sandbox key at a production gateway.
    let answer = call(&production, &key.secret).await;
    assert_eq!((answer.status, answer.code()), (401, "WRONG_ENVIRONMENT"));

    // Switched off by its owner: refused on every instance within a second.
    assert_eq!(call(&sandbox, &key.secret).await.status, 200);
    let off = [("credential_id", key.credential_id.as_str()), ("enabled", "false")];
    assert_eq!(f.owner.call("set_credential_enabled", &off).await.status(), 200);
    tokio::time::sleep(PROPAGATION).await;
    assert_eq!(call(&sandbox, &key.secret).await.code(), "DISABLED");
    let on = [("credential_id", key.credential_id.as_str()), ("enabled", "true")];
    assert_eq!(f.owner.call("set_credential_enabled", &on).await.status(), 200);

    // The application deactivated.
    let deactivate = [("public_id", key.application.as_str()), ("active", "false")];
    assert_eq!(f.owner.call("set_application_active", &deactivate).await.status(), 200);
    tokio::time::sleep(PROPAGATION).await;
    assert_eq!(call(&sandbox, &key.secret).await.code(), "DISABLED");
    let restore = [("public_id", key.application.as_str()), ("active", "true")];
    assert_eq!(f.owner.call("set_application_active", &restore).await.status(), 200);
    tokio::time::sleep(PROPAGATION).await;
    assert_eq!(call(&sandbox, &key.secret).await.status, 200);

    // Rolled with an hour of grace: both secrets work; once the grace ends the old one is EXPIRED.
    let roll = [("credential_id", key.credential_id.as_str()), ("grace", "1h")];
    let rolled: Value = f.owner.call_json("roll_secret", &roll).await;
    let new_secret = rolled["secret"].as_str().unwrap().to_owned();
    assert_eq!(call(&sandbox, &new_secret).await.status, 200);
    assert_eq!(
        call(&sandbox, &key.secret).await.status,
        200,
        "the old secret is in its grace period"
    );
    let ended = (chrono::Utc::now() - chrono::Duration::seconds(1)).to_rfc3339();
    f.app
        .db
        .execute_unprepared(&format!(
            "UPDATE credentials SET previous_secret_expires_at = '{ended}' WHERE id = {}",
            key.credential_id
        ))
        .await
        .unwrap();
    tokio::time::sleep(PROPAGATION).await;
    assert_eq!(call(&sandbox, &key.secret).await.code(), "EXPIRED");
    assert_eq!(call(&sandbox, &new_secret).await.status, 200);

    // Rolled without grace: the old secret is simply unknown now.
    let roll = [("credential_id", key.credential_id.as_str()), ("grace", "none")];
    let rolled: Value = f.owner.call_json("roll_secret", &roll).await;
    let newest = rolled["secret"].as_str().unwrap().to_owned();
    tokio::time::sleep(PROPAGATION).await;
    assert_eq!(call(&sandbox, &new_secret).await.code(), "INVALID");

    // Revoked: REVOKED, wherever it is sent.
    let revoke = [("credential_id", key.credential_id.as_str())];
    assert_eq!(f.owner.call("revoke_credential", &revoke).await.status(), 200);
    tokio::time::sleep(PROPAGATION).await;
    assert_eq!(call(&sandbox, &newest).await.code(), "REVOKED");
    assert_eq!(call(&production, &newest).await.code(), "REVOKED");
    f.app.stop().await;
}

use sea_orm::ConnectionTrait;

async fn gateway_tokens_are_required_stored_hashed_and_revocable(backend: Backend) {
    let f = fixture(backend).await;
    let key = sandbox_key(&f.owner).await;
    let forbidden = serde_json::json!({ "valid": false, "code": "GATEWAY_FORBIDDEN" });
    let headers = [("x-api-key", key.secret.as_str())];
    let answer = verify(&f.app, None, &headers).await;
    assert_eq!((answer.status, &answer.body), (403, &forbidden), "no gateway token");
    let made_up =
        app::credentials::keys::PlainSecret::generate(app::credentials::keys::SecretKind::GatewayToken, "sandbox");
    assert_eq!(verify(&f.app, Some(made_up.expose()), &headers).await.status, 403);
    assert_eq!(verify(&f.app, Some("garbage"), &headers).await.status, 403);

    // Only operators create tokens; everyone else is told there is nothing here.
    let environment_id = catalogue_id(&f.operator, "environments", "Sandbox").await;
    let fields = [("environment_id", environment_id.as_str()), ("name", "Edge")];
    assert_eq!(f.owner.call("create_gateway_token", &fields).await.status(), 404);
    let blank = [("environment_id", environment_id.as_str()), ("name", " ")];
    assert_eq!(f.operator.call("create_gateway_token", &blank).await.status(), 422);

    // Without JavaScript the new token comes back on a page of its own, which says a lost one is
    // replaced, not rolled: gateway tokens have no roll.
    let plain = f.operator.submit("/admin", "create_gateway_token", &fields).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.headers()["cache-control"], "no-store");
    let page = plain.text().await.unwrap();
    assert!(page.contains("value=\"gt_sandbox_"), "the token is on the page");
    assert!(
        page.contains("revoke it and create another") && !page.contains("roll it"),
        "{page}"
    );

    let token = gateway_token(&f.operator, "Sandbox").await;
    assert_eq!(verify(&f.app, Some(&token), &headers).await.status, 200);
    let digest = app::backend::tokens::sha256_hex(&token);
    assert_eq!(
        scalar(
            &f.app,
            &format!("SELECT COUNT(*) FROM gateway_tokens WHERE token_hash = '{digest}'")
        )
        .await,
        1
    );
    for (table, column) in [
        ("gateway_tokens", "token_hint"),
        ("audit_events", "detail"),
        ("sessions", "data"),
    ] {
        let found = scalar(
            &f.app,
            &format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%{token}%'"),
        )
        .await;
        assert_eq!(found, 0, "the token is not stored in {table}.{column}");
    }
    let overview: Value = f.operator.call_json("admin_overview", &[]).await;
    let listed = overview["gateway_tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|listed| listed["name"] == "Edge gateway")
        .expect("the token is listed by name");
    assert!(!overview.to_string().contains(&token), "the list never shows the token");

    let id = listed["id"].to_string();
    assert_eq!(f.owner.call("revoke_gateway_token", &[("id", &id)]).await.status(), 404);
    assert_eq!(
        f.operator.call("revoke_gateway_token", &[("id", &id)]).await.status(),
        200
    );
    tokio::time::sleep(PROPAGATION).await;
    assert_eq!(verify(&f.app, Some(&token), &headers).await.status, 403);
    f.app.stop().await;
}

async fn malformed_credentials_get_401_without_detail(backend: Backend) {
    let f = fixture(backend).await;
    let token = gateway_token(&f.operator, "Sandbox").await;
    let key = sandbox_key(&f.owner).await;
    let invalid = serde_json::json!({ "valid": false, "code": "INVALID" });
    let huge = "a".repeat(16 * 1024);
    let colons = basic(&key.public_key, &format!("{}:extra", key.secret));
    let no_colon = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(&key.secret)
    );
    let other_public_key = basic("pk_sandbox_AAAAAAAAAAAAAAAAAAAAAA", &key.secret);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no credential", vec![]),
        ("bad base64", vec![("authorization", "Basic %%%not-base64%%%")]),
        ("no colon", vec![("authorization", &no_colon)]),
        ("colons in the secret", vec![("authorization", &colons)]),
        ("huge header", vec![("x-api-key", &huge)]),
        (
            "both headers",
            vec![("x-api-key", &key.secret), ("authorization", "Bearer at_x")],
        ),
        ("unknown scheme", vec![("authorization", "Digest username=\"x\"")]),
        (
            "public key of another credential",
            vec![("authorization", &other_public_key)],
        ),
        ("a public key as the secret", vec![("x-api-key", &key.public_key)]),
    ];
    for (case, headers) in cases {
        let answer = verify(&f.app, Some(&token), &headers).await;
        assert_eq!((answer.status, &answer.body), (401, &invalid), "{case}");
    }
    // The same key alone still works: nothing above disturbed it.
    assert_eq!(
        verify(&f.app, Some(&token), &[("x-api-key", &key.secret)]).await.status,
        200
    );
    f.app.stop().await;
}

async fn over_the_limit_the_answer_is_429_with_retry_after(backend: Backend) {
    let f = fixture(backend).await;
    let token = gateway_token(&f.operator, "Sandbox").await;
    let key = sandbox_key(&f.owner).await;
    let set = async |limit: &str| set_rate_limit(&f.operator, "Digital Banking", "Sandbox", limit).await;
    assert_eq!(set("0").await, 422);
    assert_eq!(set("lots").await, 422);
    let product = catalogue_id(&f.operator, "products", "Digital Banking").await;
    let environment = catalogue_id(&f.operator, "environments", "Sandbox").await;
    assert_eq!(
        f.owner
            .call(
                "save_rate_limit",
                &[
                    ("product_id", product.as_str()),
                    ("environment_id", environment.as_str()),
                    ("requests_per_minute", "3")
                ]
            )
            .await
            .status(),
        404
    );
    assert_eq!(set("3").await, 200);
    let overview: Value = f.operator.call_json("admin_overview", &[]).await;
    assert!(
        overview["rate_limits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["product"] == "Digital Banking"
                && r["environment"] == "Sandbox"
                && r["requests_per_minute"] == 3)
    );
    wait_for_a_fresh_window(10).await;
    tokio::time::sleep(PROPAGATION).await;
    let headers = [("x-api-key", key.secret.as_str())];
    for remaining in [2, 1, 0] {
        let answer = verify(&f.app, Some(&token), &headers).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body["rate_limit"]["limit"], 3);
        assert_eq!(answer.body["rate_limit"]["remaining"], remaining);
    }
    let limited = verify(&f.app, Some(&token), &headers).await;
    assert_eq!((limited.status, limited.code()), (429, "RATE_LIMITED"));
    let retry_after: i64 = limited.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(limited.header("x-ratelimit-remaining"), "0");
    f.app.stop().await;
}

/// Waits until the current one-minute window has at least `seconds` left, so a test's requests
/// fall into one window.
pub(crate) async fn wait_for_a_fresh_window(seconds: i64) {
    let into_window = chrono::Utc::now().timestamp().rem_euclid(60);
    if 60 - into_window < seconds {
        tokio::time::sleep(Duration::from_secs((60 - into_window + 1) as u64)).await;
    }
}

async fn usage_is_written_in_batches_and_shown_to_owners(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let config = operator_config(backend, &smtp).await;
    let f = fixture_with(config.clone(), smtp).await;
    let token = gateway_token(&f.operator, "Sandbox").await;
    let key = sandbox_key(&f.owner).await;
    f.app.stop().await;

    // An instance on the same database whose workers, usage flushes included, wait an hour:
    // only its shutdown writes the counts.
    let mut slow = config.clone();
    slow.worker_poll = Duration::from_secs(3600);
    let gateway = TestApp::spawn(&slow).await;
    let headers = [("x-api-key", key.secret.as_str())];
    for _ in 0..5 {
        assert_eq!(verify(&gateway, Some(&token), &headers).await.status, 200);
    }
    // Well formed but not this credential's secret, so it counts as a failure of the credential
    // the public key names (a wrong checksum would be refused unread and count against nothing).
    let someone_elses =
        app::credentials::keys::PlainSecret::generate(app::credentials::keys::SecretKind::ApiSecret, "sandbox");
    let wrong = basic(&key.public_key, someone_elses.expose());
    assert_eq!(
        verify(&gateway, Some(&token), &[("authorization", &wrong)])
            .await
            .code(),
        "INVALID"
    );
    assert_eq!(
        scalar(&gateway, "SELECT COUNT(*) FROM usage_daily").await,
        0,
        "nothing is written per request"
    );
    gateway.stop().await;

    let again = TestApp::spawn(&config).await;
    let count = async |outcome: &str| {
        let sql = format!(
            "SELECT requests FROM usage_daily WHERE subject = 'credential:{}' AND outcome = '{outcome}'",
            key.credential_id
        );
        scalar(&again, &sql).await
    };
    assert_eq!(count("OK").await, 5, "shutdown wrote the successes");
    assert_eq!(count("INVALID").await, 1, "and the failure, by code");
    let usage_count = format!("SELECT usage_count FROM credentials WHERE id = {}", key.credential_id);
    assert_eq!(scalar(&again, &usage_count).await, 5);

    // Owners see it: last use and the 30-day series, on the API Keys page and the application's.
    let owner = again.browser();
    assert_eq!(
        owner
            .sign_in("ada@acme.example", crate::support::PASSWORD)
            .await
            .status(),
        200
    );
    let keys: Value = owner.call_json("api_keys", &[]).await;
    let row = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["credential_id"].as_i64().map(|id| id.to_string()).as_deref() == Some(key.credential_id.as_str()))
        .expect("the key is listed");
    assert!(row["last_used"].as_str().unwrap().ends_with("UTC"), "{row}");
    assert_eq!(row["usage"]["total"], 6);
    assert_eq!(row["usage"]["failures"], 1);
    assert_eq!(row["usage"]["daily"].as_array().unwrap().len(), 30);
    assert_eq!(row["usage"]["daily"][29], 6, "today is the last day of the series");
    let page = owner.page(&format!("/apis/{}", key.application)).await;
    assert!(
        page.contains("6 requests in the last 30 days, 1 failed (1 INVALID)"),
        "the chart says it in words"
    );
    assert!(owner.page("/keys").await.contains("6 requests in the last 30 days"));
    again.stop().await;
}

async fn daily_usage_is_kept_for_the_configured_days_then_swept(backend: Backend) {
    use server::workers::housekeeping::{USAGE_KEPT_DAYS, sweep};
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let now = chrono::Utc::now();
    let day = |days_ago: i64| app::credentials::usage::day_key((now - chrono::Duration::days(days_ago)).date_naive());
    let (today, oldest_kept, too_old) = (day(0), day(USAGE_KEPT_DAYS - 1), day(USAGE_KEPT_DAYS));
    for day in [&today, &oldest_kept, &too_old] {
        app.db
            .execute_unprepared(&format!(
                "INSERT INTO usage_daily (subject, day, outcome, requests) VALUES ('credential:1', '{day}', 'OK', 3)"
            ))
            .await
            .unwrap();
    }
    let store = app::backend::sessions::DbSessionStore::new(app.db.clone());
    sweep(&app.state, &store, now).await;
    let kept = async |day: &str| scalar(&app, &format!("SELECT COUNT(*) FROM usage_daily WHERE day = '{day}'")).await;
    assert_eq!(kept(&today).await, 1);
    assert_eq!(
        kept(&oldest_kept).await,
        1,
        "{USAGE_KEPT_DAYS} days are kept, today included"
    );
    assert_eq!(kept(&too_old).await, 0, "older days are swept");
    app.stop().await;
}

async fn owners_are_warned_once_about_a_burst_of_failures(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let mut config = operator_config(backend, &smtp).await;
    config.gateway.failure_alert_threshold = 5;
    let f = fixture_with(config, smtp).await;
    let token = gateway_token(&f.operator, "Sandbox").await;
    let key = sandbox_key(&f.owner).await;
    let wrong = basic(
        &key.public_key,
        app::credentials::keys::PlainSecret::generate(app::credentials::keys::SecretKind::ApiSecret, "sandbox")
            .expose(),
    );
    for _ in 0..4 {
        assert_eq!(
            verify(&f.app, Some(&token), &[("authorization", &wrong)]).await.status,
            401
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let warned = |m: &crate::support::smtp::ReceivedMail| m.subject.contains("Failed requests");
    assert!(
        !f.smtp.to("ada@acme.example").iter().any(warned),
        "four failures are no burst"
    );
    for _ in 0..4 {
        assert_eq!(
            verify(&f.app, Some(&token), &[("authorization", &wrong)]).await.status,
            401
        );
    }
    let mail = f.smtp.wait_for("ada@acme.example", warned).await;
    // The warning goes out at the first usage flush that sees the threshold passed; a flush may
    // land in the middle of the second batch, so the count it states is between 5 and 8.
    let stated: u32 = mail
        .text
        .split("failed verification ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("the warning states a count: {}", mail.text));
    assert!((5..=8).contains(&stated), "{}", mail.text);
    assert!(mail.text.contains(&key.public_key));
    for _ in 0..10 {
        verify(&f.app, Some(&token), &[("authorization", &wrong)]).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        f.smtp.to("ada@acme.example").iter().filter(|m| warned(m)).count(),
        1,
        "at most one warning a day"
    );
    f.app.stop().await;
}

/// A service application with client credentials in the sandbox; returns its public id.
async fn service_application(owner: &Browser) -> String {
    let application = register_as(owner, "Ledger Sync", "service", "client_credentials", &["Sandbox"]).await;
    provisioned(owner, &application).await;
    application
}

pub(crate) async fn oauth_client(owner: &Browser, application: &str) -> (String, String, String) {
    let matrix: Value = credentials(owner, application).await.json().await.unwrap();
    let clients = matrix["oauth_clients"].as_array().unwrap();
    assert_eq!(clients.len(), 1, "one client per environment: {matrix}");
    let row_id = clients[0]["id"].to_string();
    let revealed = reveal(owner, &row_id, "oauth_client").await;
    assert_eq!(revealed["identifier_label"], "Client ID");
    let client_id = revealed["public_key"].as_str().unwrap().to_owned();
    let secret = revealed["secret"].as_str().unwrap().to_owned();
    assert!(client_id.starts_with("ci_sandbox_") && secret.starts_with("cs_sandbox_"));
    (row_id, client_id, secret)
}

async fn token_request(
    app: &TestApp,
    basic_auth: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, Value, HeaderMap) {
    let mut request = reqwest::Client::new().post(app.url("/oauth/token")).form(form);
    if let Some((id, secret)) = basic_auth {
        request = request.header("authorization", basic(id, secret));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, response.json().await.unwrap_or(Value::Null), headers)
}

async fn introspect(app: &TestApp, gateway: &str, access_token: &str) -> Value {
    let response = reqwest::Client::new()
        .post(app.url("/oauth/introspect"))
        .header("x-portico-gateway-token", gateway)
        .form(&[("token", access_token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn service_applications_get_oauth_clients_and_bearer_tokens(backend: Backend) {
    let f = fixture(backend).await;
    let sandbox = gateway_token(&f.operator, "Sandbox").await;
    let production = gateway_token(&f.operator, "Production").await;
    let application = service_application(&f.owner).await;
    let (row_id, client_id, secret) = oauth_client(&f.owner, &application).await;
    // The reveal is in the application's history, and in the operators' credential events.
    let history: Value = f
        .owner
        .call_json("application_activity", &[("public_id", application.as_str())])
        .await;
    assert_eq!(history["rows"][0]["action"], "oauth_client.revealed", "{history}");
    assert_eq!(history["rows"][0]["object_name"], "Ledger Sync: OAuth client · Sandbox");
    let log: Value = f.operator.call_json("audit_log", &[("kind", "credentials")]).await;
    assert_eq!(log["rows"][0]["action"], "oauth_client.revealed", "{log}");
    let tokens: Value = f.operator.call_json("audit_log", &[("kind", "gateways")]).await;
    let created: Vec<&Value> = tokens["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["action"] == "gateway_token.created")
        .collect();
    let names: Vec<&str> = created.iter().map(|row| row["object_name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["Edge gateway (Production)", "Edge gateway (Sandbox)"],
        "{tokens}"
    );
    assert_eq!(
        f.owner
            .call(
                "reveal_secret",
                &[("credential_id", row_id.as_str()), ("kind", "oauth_client")]
            )
            .await
            .status(),
        422,
        "a client secret is revealed once"
    );
    let digest = app::backend::tokens::sha256_hex(&secret);
    assert_eq!(
        text(
            &f.app,
            &format!("SELECT secret_hash FROM oauth_clients WHERE id = {row_id}")
        )
        .await
        .as_deref(),
        Some(digest.as_str())
    );
    // A web application with authorization code has no OAuth client.
    let web = register(&f.owner, &["Sandbox"]).await;
    let web_matrix: Value = credentials(&f.owner, &web).await.json().await.unwrap();
    assert_eq!(web_matrix["oauth_clients"].as_array().unwrap().len(), 0);

    // client_secret_basic.
    let (status, issued, headers) = token_request(
        &f.app,
        Some((&client_id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 200, "{issued}");
    assert_eq!(issued["token_type"], "Bearer");
    assert_eq!(issued["expires_in"], 3600);
    assert_eq!(issued["scope"], "digital-account-opening digital-banking");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
    let access = issued["access_token"].as_str().unwrap().to_owned();
    assert!(access.starts_with("at_sandbox_"));
    let stored = app::backend::tokens::sha256_hex(&access);
    assert_eq!(
        scalar(
            &f.app,
            &format!("SELECT COUNT(*) FROM access_tokens WHERE token_hash = '{stored}'")
        )
        .await,
        1,
        "stored as a hash"
    );

    let bearer = format!("Bearer {access}");
    let answer = verify(&f.app, Some(&sandbox), &[("authorization", &bearer)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["product"], "digital-account-opening digital-banking");
    assert_eq!(answer.body["credential"]["public_key"], client_id.as_str());
    assert_eq!(answer.body["application"]["id"], application.as_str());
    let answer = verify(&f.app, Some(&production), &[("authorization", &bearer)]).await;
    assert_eq!(answer.code(), "WRONG_ENVIRONMENT");

    let active = introspect(&f.app, &sandbox, &access).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], client_id.as_str());
    assert_eq!(active["sub"], application.as_str());
    assert_eq!(active["environment"], "sandbox");
    assert!(active["exp"].as_i64().unwrap() - active["iat"].as_i64().unwrap() == 3600);
    assert_eq!(
        introspect(&f.app, &production, &access).await,
        serde_json::json!({ "active": false })
    );
    assert_eq!(
        introspect(&f.app, &sandbox, "at_sandbox_nonsense").await["active"],
        false
    );
    let forbidden = reqwest::Client::new()
        .post(f.app.url("/oauth/introspect"))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);

    // client_secret_post, with a narrower scope.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("scope", "digital-banking"),
    ];
    let (status, narrow, _) = token_request(&f.app, None, &form).await;
    assert_eq!(status, 200, "{narrow}");
    assert_eq!(narrow["scope"], "digital-banking");

    // RFC 6749 §5.2 errors.
    let (status, error, headers) = token_request(
        &f.app,
        Some((&client_id, "cs_sandbox_wrong")),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!((status, error["error"].as_str()), (401, Some("invalid_client")));
    assert_eq!(headers["www-authenticate"], "Basic realm=\"portico\"");
    let (status, error, _) = token_request(&f.app, Some((&client_id, &secret)), &[("grant_type", "password")]).await;
    assert_eq!((status, error["error"].as_str()), (400, Some("unsupported_grant_type")));
    let (status, error, _) = token_request(&f.app, Some((&client_id, &secret)), &[]).await;
    assert_eq!((status, error["error"].as_str()), (400, Some("invalid_request")));
    let (status, error, _) = token_request(&f.app, Some((&client_id, &secret)), &form).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_request")),
        "two ways of authenticating"
    );
    let (status, error, _) = token_request(
        &f.app,
        Some((&client_id, &secret)),
        &[("grant_type", "client_credentials"), ("scope", "payments")],
    )
    .await;
    assert_eq!((status, error["error"].as_str()), (400, Some("invalid_scope")));
    let (status, error, _) = token_request(&f.app, None, &[("grant_type", "client_credentials")]).await;
    assert_eq!((status, error["error"].as_str()), (401, Some("invalid_client")));

    // Rolling the client secret without grace stops the old one; tokens already issued stay
    // until they expire, unless the application is deactivated.
    let roll = [
        ("credential_id", row_id.as_str()),
        ("kind", "oauth_client"),
        ("grace", "none"),
    ];
    let rolled: Value = f.owner.call_json("roll_secret", &roll).await;
    let new_secret = rolled["secret"].as_str().unwrap().to_owned();
    let (status, _, _) = token_request(
        &f.app,
        Some((&client_id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 401);
    let (status, _, _) = token_request(
        &f.app,
        Some((&client_id, &new_secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 200);
    let deactivate = [("public_id", application.as_str()), ("active", "false")];
    assert_eq!(f.owner.call("set_application_active", &deactivate).await.status(), 200);
    tokio::time::sleep(PROPAGATION).await;
    assert_eq!(
        verify(&f.app, Some(&sandbox), &[("authorization", &bearer)])
            .await
            .code(),
        "DISABLED"
    );
    assert_eq!(introspect(&f.app, &sandbox, &access).await["active"], false);
    let (status, _, _) = token_request(
        &f.app,
        Some((&client_id, &new_secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 401, "a deactivated application gets no tokens");

    // A member who is not an owner cannot reveal or roll the client secret.
    let member = developer(&f.app, &f.smtp, "Mel", "mel@acme.example").await;
    let reveal = [("credential_id", row_id.as_str()), ("kind", "oauth_client")];
    assert_eq!(member.call("reveal_secret", &reveal).await.status(), 404);
    let member_view: Value = credentials(&member, &application).await.json().await.unwrap();
    assert_eq!(
        member_view["oauth_clients"].as_array().unwrap().len(),
        0,
        "members see no client ids"
    );

    // Removing the environment revokes the client, and its tokens with it.
    let restore = [("public_id", application.as_str()), ("active", "true")];
    assert_eq!(f.owner.call("set_application_active", &restore).await.status(), 200);
    let uat = catalogue_id(&f.operator, "environments", "UAT").await;
    let banking = catalogue_id(&f.operator, "products", "Digital Banking").await;
    let account_opening = catalogue_id(&f.operator, "products", "Digital Account Opening").await;
    let change = [
        ("public_id", application.as_str()),
        ("products[]", banking.as_str()),
        ("products[]", account_opening.as_str()),
        ("environments[]", uat.as_str()),
        ("confirm_removal", "yes"),
    ];
    assert_eq!(f.owner.call("update_scope", &change).await.status(), 200);
    tokio::time::sleep(PROPAGATION).await;
    assert_eq!(
        verify(&f.app, Some(&sandbox), &[("authorization", &bearer)])
            .await
            .code(),
        "REVOKED"
    );
    f.app.stop().await;
}

async fn the_oauth2_crate_obtains_a_token_that_verifies(backend: Backend) {
    use oauth2::{AuthType, ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};
    let f = fixture(backend).await;
    let sandbox = gateway_token(&f.operator, "Sandbox").await;
    let application = service_application(&f.owner).await;
    let (_, client_id, secret) = oauth_client(&f.owner, &application).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for auth_type in [AuthType::BasicAuth, AuthType::RequestBody] {
        let client = oauth2::basic::BasicClient::new(ClientId::new(client_id.clone()))
            .set_client_secret(ClientSecret::new(secret.clone()))
            .set_auth_type(auth_type.clone())
            .set_token_uri(TokenUrl::new(f.app.url("/oauth/token")).unwrap());
        let token = client
            .exchange_client_credentials()
            .add_scope(Scope::new("digital-banking".into()))
            .request_async(&http)
            .await
            .unwrap_or_else(|e| panic!("{auth_type:?}: {e:?}"));
        assert_eq!(token.expires_in(), Some(Duration::from_secs(3600)));
        let bearer = format!("Bearer {}", token.access_token().secret());
        let answer = verify(&f.app, Some(&sandbox), &[("authorization", &bearer)]).await;
        assert_eq!(answer.status, 200, "{auth_type:?}: {}", answer.body);
        assert_eq!(answer.body["product"], "digital-banking");
    }
    f.app.stop().await;
}

on_both_databases!(two_instances_agree_on_revocations_and_share_one_rate_limit);

async fn two_instances_agree_on_revocations_and_share_one_rate_limit(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let config = operator_config(backend, &smtp).await;
    let f = fixture_with(config.clone(), smtp).await;
    let second = TestApp::spawn(&config).await;
    let token = gateway_token(&f.operator, "Sandbox").await;
    let key = sandbox_key(&f.owner).await;

    // Each provisioning job ran once although both instances work the queue.
    let issued = format!(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'credential.issued' AND object_id IN \
         (SELECT CAST(id AS TEXT) FROM credentials WHERE application_id = \
         (SELECT id FROM applications WHERE public_id = '{}'))",
        key.application
    );
    assert_eq!(scalar(&f.app, &issued).await, 2, "two credentials, each issued once");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ready = f
        .smtp
        .to("ada@acme.example")
        .iter()
        .filter(|m| m.subject.contains("ready"))
        .count();
    assert_eq!(ready, 1, "one 'credentials ready' email");

    // One limit for both instances: 100 a minute, within 10 %.
    assert_eq!(
        set_rate_limit(&f.operator, "Digital Banking", "Sandbox", "100").await,
        200
    );
    tokio::time::sleep(PROPAGATION).await;
    wait_for_a_fresh_window(30).await;
    let headers = [("x-api-key", key.secret.as_str())];
    let mut allowed = 0;
    for n in 0..150 {
        let instance = if n % 2 == 0 { &f.app } else { &second };
        match verify(instance, Some(&token), &headers).await.status {
            200 => allowed += 1,
            429 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        (90..=100).contains(&allowed),
        "{allowed} of 150 allowed with a limit of 100"
    );

    // A deactivation and a revocation made through one instance hold on the other within a second.
    let deactivate = [("public_id", key.application.as_str()), ("active", "false")];
    assert_eq!(f.owner.call("set_application_active", &deactivate).await.status(), 200);
    tokio::time::sleep(PROPAGATION).await;
    assert_eq!(verify(&second, Some(&token), &headers).await.code(), "DISABLED");
    let restore = [("public_id", key.application.as_str()), ("active", "true")];
    assert_eq!(f.owner.call("set_application_active", &restore).await.status(), 200);
    let revoke = [("credential_id", key.credential_id.as_str())];
    assert_eq!(f.owner.call("revoke_credential", &revoke).await.status(), 200);
    tokio::time::sleep(PROPAGATION).await;
    assert_eq!(verify(&second, Some(&token), &headers).await.code(), "REVOKED");
    second.stop().await;
    f.app.stop().await;
}

/// Every reason code of DESIGN.md § Gateway verification.
const REFUSAL_CODES: [&str; 6] = [
    "INVALID",
    "REVOKED",
    "DISABLED",
    "EXPIRED",
    "WRONG_ENVIRONMENT",
    "RATE_LIMITED",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_is_published_as_openapi_and_on_the_docs_page() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(Backend::Sqlite, &smtp).await).await;
    let client = reqwest::Client::new();
    let document: Value = client
        .get(app.url("/gateway/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .expect("the OpenAPI document is JSON");
    assert_eq!(document["openapi"], "3.1.0");
    for path in [
        "/gateway/v1/verify",
        "/oauth/token",
        "/oauth/introspect",
        "/gateway/v1/openapi.json",
        "/gateway/v1/health",
    ] {
        assert!(document["paths"][path].is_object(), "{path} is documented");
    }
    let codes = document.to_string();
    for code in REFUSAL_CODES {
        assert!(codes.contains(code), "{code} is documented");
    }
    let health = client.get(app.url("/gateway/v1/health")).send().await.unwrap();
    assert_eq!(
        health.json::<Value>().await.unwrap(),
        serde_json::json!({ "status": "ok" })
    );
    let docs = app.browser().page("/docs").await;
    for needle in [
        "auth_request",
        "X-Portico-Gateway-Token",
        "/oauth/token",
        "client_secret_post",
    ] {
        assert!(docs.contains(needle), "the Docs page explains {needle}");
    }
    // Its table of answers has a row for every code, in a cell a phone labels "Code".
    let answers = docs.split(r#"id="answers""#).nth(1).expect("the answers section");
    for code in REFUSAL_CODES {
        assert!(
            answers.contains(&format!(r#"<td data-label="Code"><code>{code}</code></td>"#)),
            "the answers table documents {code}"
        );
    }
    // Every entry of its contents leads to a section of the page.
    let contents = docs
        .split(r#"id="docs-contents""#)
        .nth(1)
        .unwrap()
        .split("</nav>")
        .next()
        .unwrap();
    let targets: Vec<&str> = contents
        .split(r##"href="#"##)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(targets.len() >= 10, "{targets:?}");
    for target in targets {
        assert!(
            docs.contains(&format!(r#"<h2 id="{target}">"#)),
            "the contents lead to #{target}"
        );
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_its_database_verification_fails_closed_with_503() {
    let f = fixture(Backend::Postgres).await;
    let token = gateway_token(&f.operator, "Sandbox").await;
    let key = sandbox_key(&f.owner).await;
    let headers = [("x-api-key", key.secret.as_str())];
    assert_eq!(verify(&f.app, Some(&token), &headers).await.status, 200);

    let admin_url = std::env::var("PORTICO_TEST_POSTGRES_URL").unwrap();
    let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
    let database = f
        .app
        .db
        .get_postgres_connection_pool()
        .connect_options()
        .get_database()
        .unwrap()
        .to_owned();
    let cut = async |allow: bool| {
        admin
            .execute_unprepared(&format!("ALTER DATABASE {database} ALLOW_CONNECTIONS {allow}"))
            .await
            .unwrap();
        if !allow {
            admin
                .execute_unprepared(&format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
                ))
                .await
                .unwrap();
        }
    };
    cut(false).await;
    tokio::time::sleep(PROPAGATION).await;
    let answer = verify(&f.app, Some(&token), &headers).await;
    assert_eq!(
        (answer.status, answer.code()),
        (503, "UNAVAILABLE"),
        "never valid without the database"
    );
    let token_answer = reqwest::Client::new()
        .post(f.app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "ci_sandbox_AAAAAAAAAAAAAAAAAAAAAA"),
            ("client_secret", key.secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(token_answer.status(), 200);
    cut(true).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while verify(&f.app, Some(&token), &headers).await.status != 200 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "verification recovers with the database"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    f.app.stop().await;
}

async fn no_token_or_secret_reaches_the_logs_the_session_or_the_audit_log(backend: Backend) {
    let f = fixture(backend).await;
    let gateway = gateway_token(&f.operator, "Sandbox").await;

    // An API secret, revealed and then rolled; both work while the grace period runs.
    let key = sandbox_key(&f.owner).await;
    let roll = [("credential_id", key.credential_id.as_str()), ("grace", "1h")];
    let rolled: Value = f.owner.call_json("roll_secret", &roll).await;
    let rolled_secret = rolled["secret"].as_str().unwrap().to_owned();
    assert!(rolled_secret.starts_with("sk_sandbox_"), "{rolled}");
    for secret in [&key.secret, &rolled_secret] {
        let answer = verify(&f.app, Some(&gateway), &[("x-api-key", secret)]).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let basic = basic(&key.public_key, secret);
        let answer = verify(&f.app, Some(&gateway), &[("authorization", &basic)]).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }

    // An OAuth client secret, revealed and rolled, and a bearer token from each.
    let application = service_application(&f.owner).await;
    let (row_id, client_id, client_secret) = oauth_client(&f.owner, &application).await;
    let roll = [
        ("credential_id", row_id.as_str()),
        ("kind", "oauth_client"),
        ("grace", "1h"),
    ];
    let rolled: Value = f.owner.call_json("roll_secret", &roll).await;
    let rolled_client_secret = rolled["secret"].as_str().unwrap().to_owned();
    assert!(rolled_client_secret.starts_with("cs_sandbox_"), "{rolled}");
    let mut access_tokens = Vec::new();
    for secret in [&client_secret, &rolled_client_secret] {
        let (status, issued, _) = token_request(
            &f.app,
            Some((&client_id, secret)),
            &[("grant_type", "client_credentials")],
        )
        .await;
        assert_eq!(status, 200, "{issued}");
        let access = issued["access_token"].as_str().unwrap().to_owned();
        let bearer = format!("Bearer {access}");
        let answer = verify(&f.app, Some(&gateway), &[("authorization", &bearer)]).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(introspect(&f.app, &gateway, &access).await["active"], true);
        access_tokens.push(access);
    }
    // The owner is told about the rolls; those emails go through the outbox too.
    f.smtp
        .wait_for("ada@acme.example", |m| m.subject.contains("was rolled"))
        .await;

    let logs = crate::support::captured_logs();
    assert!(logs.contains("secret revealed"), "logs were captured");
    let secrets = [
        ("the gateway token", &gateway),
        ("the API secret", &key.secret),
        ("the rolled API secret", &rolled_secret),
        ("the OAuth client secret", &client_secret),
        ("the rolled OAuth client secret", &rolled_client_secret),
        ("a bearer token", &access_tokens[0]),
        ("a bearer token from the rolled secret", &access_tokens[1]),
    ];
    for (what, secret) in secrets {
        assert!(!logs.contains(secret.as_str()), "{what} appears in the logs");
        for (table, column) in [
            ("sessions", "data"),
            ("audit_events", "detail"),
            ("outbox", "text_body"),
            ("outbox", "html_body"),
        ] {
            let found = scalar(
                &f.app,
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%{secret}%'"),
            )
            .await;
            assert_eq!(found, 0, "{what} appears in {table}.{column}");
        }
    }
    // The checks looked at rows that exist: the sessions and the history of these changes.
    assert!(scalar(&f.app, "SELECT COUNT(*) FROM sessions").await >= 2);
    assert_eq!(
        scalar(
            &f.app,
            "SELECT COUNT(*) FROM audit_events WHERE action IN \
             ('gateway_token.created', 'credential.revealed', 'credential.rolled', 'oauth_client.revealed', 'oauth_client.rolled')"
        )
        .await,
        5
    );
    f.app.stop().await;
}
