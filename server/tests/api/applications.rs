//! My APIs and credentials: registration rules, provisioning, reveal-once, roll, revoke, and the
//! permission matrix for everything that takes an application or credential id.

use crate::on_both_databases;
use crate::support::faults::{clear_fault, inject_fault};
use crate::support::portal::{
    catalogue, credential_id, credentials, details, developer, provisioned, register, try_register,
};
use crate::support::smtp::SmtpSink;
use crate::support::{Backend, Browser, PASSWORD, TestApp, TestConfig, scalar, text, verified_user};
use sea_orm::ConnectionTrait;
use serde_json::Value;
use std::time::Duration;

on_both_databases!(
    registering_provisions_credentials_and_production_waits_for_approval,
    registration_enforces_every_rule,
    a_secret_is_revealed_once_and_stored_only_as_its_hash,
    the_application_history_comes_fifty_events_a_page,
    revealing_needs_a_recent_password,
    rolling_keeps_the_old_secret_for_the_chosen_grace_period,
    revoking_stops_a_credential,
    only_owners_reach_credentials,
    a_provisioning_job_that_runs_twice_issues_nothing_twice,
    a_failure_midway_leaves_nothing_half_made_and_the_retry_issues_once,
    without_javascript_a_revealed_secret_comes_back_on_a_page_that_is_not_stored,
    operators_approve_or_reject_production_and_owners_are_told,
    owners_edit_the_details_under_the_registration_rules,
    deactivating_stops_every_credential_and_restoring_brings_them_back,
    deleting_needs_the_typed_name_and_revokes_everything,
    owners_and_partner_admins_manage_co_owners_but_the_last_owner_stays,
    owners_who_are_not_admins_resend_and_cancel_their_co_owner_invitations,
    the_api_keys_page_lists_owned_credentials_with_filters_renames_and_switches,
    adding_an_environment_provisions_and_removing_one_revokes,
    owners_add_and_remove_api_products_and_switched_off_ones_stay,
    operators_manage_products_and_environments,
    rolling_with_a_day_or_a_week_of_grace_keeps_the_old_secret_that_long,
    partner_admins_who_are_not_owners_add_and_remove_co_owners,
    every_owner_is_emailed_when_credentials_are_ready,
    an_application_name_is_unique_within_its_partner_only,
);

async fn start(backend: Backend) -> (TestApp, SmtpSink, Browser) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    let owner = developer(&app, &smtp, "Ada", "ada@acme.example").await;
    (app, smtp, owner)
}

/// A portal with an operator (Olive) and a developer whose company is set up (Ada).
async fn start_with_operator(backend: Backend) -> (TestApp, SmtpSink, Browser, Browser) {
    let smtp = SmtpSink::start().await;
    let mut config = TestConfig::new(backend, &smtp).await;
    config.admin_emails = vec!["ops@provider.example".into()];
    let app = TestApp::spawn(&config).await;
    let operator = verified_user(&app, &smtp, "Olive", "ops@provider.example").await;
    let owner = developer(&app, &smtp, "Ada", "ada@acme.example").await;
    (app, smtp, operator, owner)
}

async fn registering_provisions_credentials_and_production_waits_for_approval(backend: Backend) {
    let (app, smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox", "Development", "Production"]).await;
    assert!(public_id.starts_with("app_") && public_id.len() == 20, "{public_id}");
    let provisioned = provisioned(&owner, &public_id).await;
    let cells = provisioned["credentials"].as_array().unwrap();
    assert_eq!(cells.len(), 6, "two products × three environments");
    for cell in cells {
        let key = cell["credential"]["public_key"].as_str();
        if cell["environment"] == "Production" {
            assert_eq!(cell["state"], "awaiting_approval");
            assert!(key.is_none());
        } else {
            assert_eq!(cell["state"], "issued");
            let prefix = if cell["environment"] == "Sandbox" {
                "pk_sandbox_"
            } else {
                "pk_development_"
            };
            assert!(
                key.unwrap().starts_with(prefix) && key.unwrap().len() == prefix.len() + 22,
                "{cell}"
            );
        }
    }
    let mail = smtp
        .wait_for("ada@acme.example", |m| {
            m.subject.contains("Credentials for Payments Hub are ready")
        })
        .await;
    assert!(mail.link().ends_with(&format!("/apis/{public_id}")));
    // The application is listed for the whole partner.
    let list: Value = owner.call_json("my_apis", &[]).await;
    assert_eq!(list["apps"][0]["name"], "Payments Hub");
    assert_eq!(list["apps"][0]["owners"][0], "Ada");
    assert_eq!(
        list["apps"][0]["environments"],
        serde_json::json!([
            {"environment": "Sandbox", "state": "issued"},
            {"environment": "Development", "state": "issued"},
            {"environment": "Production", "state": "awaiting_approval"},
        ]),
        "each environment once, in display order, with its credentials' state"
    );
    assert!(
        owner
            .page(&format!("/apis/{public_id}"))
            .await
            .contains("Awaiting approval")
    );
    app.stop().await;
}

async fn registration_enforces_every_rule(backend: Backend) {
    let (app, smtp, owner) = start(backend).await;
    let (products, environments) = catalogue(&owner).await;
    let (product, environment) = (products[0].0.to_string(), environments[0].0.to_string());
    let attempt = async |browser: &Browser, overrides: &[(&str, &str)]| {
        let mut fields = vec![
            ("name", "Payments Hub"),
            ("app_type", "web"),
            ("auth_method", "authorization_code"),
            ("description", ""),
            ("site_url", ""),
            ("redirect_urls", "https://acme.example/cb"),
            ("products[]", product.as_str()),
            ("environments[]", environment.as_str()),
        ];
        for (key, value) in overrides {
            fields.retain(|(k, _)| k != key);
            if !value.is_empty() || !key.ends_with("[]") {
                fields.push((key, value));
            }
        }
        let response = browser.call("register_application", &fields).await;
        (
            response.status().as_u16(),
            response.json::<Value>().await.unwrap_or(Value::Null),
        )
    };
    let field =
        |answer: &(u16, Value), name: &str| answer.1["Invalid"]["fields"][name].as_str().unwrap_or("").to_owned();

    let answer = attempt(&owner, &[("redirect_urls", "http://acme.example/cb")]).await;
    assert!(field(&answer, "redirect_urls").contains("https"), "{answer:?}");
    let answer = attempt(&owner, &[("redirect_urls", "")]).await;
    assert!(field(&answer, "redirect_urls").contains("at least one"), "{answer:?}");
    let answer = attempt(&owner, &[("auth_method", "client_credentials")]).await;
    assert!(field(&answer, "auth_method").contains("service"), "{answer:?}");
    let answer = attempt(&owner, &[("products[]", ""), ("environments[]", "")]).await;
    assert!(
        !field(&answer, "products").is_empty() && !field(&answer, "environments").is_empty(),
        "{answer:?}"
    );
    let answer = attempt(&owner, &[("products[]", "999999")]).await;
    assert_eq!(answer.0, 422);
    assert_eq!(attempt(&owner, &[]).await.0, 200);
    let answer = attempt(&owner, &[]).await;
    assert!(field(&answer, "name").contains("already"), "{answer:?}");
    // A service with client credentials needs no redirect URL.
    let service = attempt(
        &owner,
        &[
            ("name", "Nightly Sync"),
            ("app_type", "service"),
            ("auth_method", "client_credentials"),
            ("redirect_urls", ""),
        ],
    )
    .await;
    assert_eq!(service.0, 200, "{service:?}");

    // Incomplete profile, no partner: refused with the reason.
    let fresh = verified_user(&app, &smtp, "Bob", "bob@acme.example").await;
    let answer = attempt(&fresh, &[("name", "Other")]).await;
    assert!(
        answer.1["Invalid"]["form"]
            .as_str()
            .unwrap()
            .contains("Complete your profile"),
        "{answer:?}"
    );
    let gmail = developer(&app, &smtp, "Gail", "gail@gmail.com").await;
    let answer = attempt(&gmail, &[("name", "Other")]).await;
    assert!(
        answer.1["Invalid"]["form"]
            .as_str()
            .unwrap()
            .contains("public email provider"),
        "{answer:?}"
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM applications").await, 2);

    // My APIs gives them the same reasons. Bob, a member by his verified domain, sees the
    // company's applications beside his; Gail belongs to no company and sees none.
    for (browser, reason, listed) in [
        (&fresh, "Complete your profile", 2),
        (&gmail, "public email provider", 0),
    ] {
        let list: Value = browser.call_json("my_apis", &[]).await;
        assert_eq!(list["apps"].as_array().unwrap().len(), listed, "{list}");
        assert!(list["blocker"].as_str().unwrap().contains(reason), "{list}");
    }
    let list: Value = owner.call_json("my_apis", &[]).await;
    assert_eq!(list["apps"].as_array().unwrap().len(), 2);
    assert!(list["blocker"].is_null(), "{list}");
    app.stop().await;
}

async fn a_secret_is_revealed_once_and_stored_only_as_its_hash(backend: Backend) {
    let (app, _smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    let provisioned = provisioned(&owner, &public_id).await;
    let id = credential_id(&provisioned, "Sandbox", "Digital Banking");
    let revealed: Value = owner.call_json("reveal_secret", &[("credential_id", &id)]).await;
    let secret = revealed["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("sk_sandbox_") && secret.len() == "sk_sandbox_".len() + 38,
        "{secret}"
    );
    assert!(revealed["public_key"].as_str().unwrap().starts_with("pk_sandbox_"));

    let digest = app::backend::tokens::sha256_hex(&secret);
    assert_eq!(
        text(&app, &format!("SELECT secret_hash FROM credentials WHERE id = {id}"))
            .await
            .as_deref(),
        Some(digest.as_str())
    );
    for (table, column) in [
        ("credentials", "secret_hash"),
        ("audit_events", "detail"),
        ("outbox", "text_body"),
        ("outbox", "html_body"),
        ("sessions", "data"),
    ] {
        let found = scalar(
            &app,
            &format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%{secret}%'"),
        )
        .await;
        assert_eq!(found, 0, "the secret appears in {table}.{column}");
    }
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'credential.revealed'"
        )
        .await,
        1
    );
    // Nor in the logs, at any level.
    let logs = crate::support::captured_logs();
    assert!(logs.contains("secret revealed"), "logs were captured");
    assert!(!logs.contains(&secret), "the secret appears in the logs");

    let again = owner.call("reveal_secret", &[("credential_id", &id)]).await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("cannot be shown again"));
    let activity: Value = owner
        .call_json("application_activity", &[("public_id", &public_id)])
        .await;
    let actions: Vec<&str> = activity["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"credential.revealed"), "{actions:?}");
    assert!(
        actions.contains(&"application.registered") && actions.contains(&"credential.issued"),
        "{actions:?}"
    );
    assert!(!activity.to_string().contains(&secret));
    // Objects are named as people know them, with the stored reference beside the name.
    let revealed = &activity["rows"][0];
    assert_eq!(revealed["object_name"], "Payments Hub: Digital Banking · Sandbox");
    assert_eq!(revealed["object"], format!("credential {id}"));
    let registered = activity["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "application.registered")
        .unwrap();
    assert_eq!(registered["object_name"], "Payments Hub");
    let cell: Value = credentials(&owner, &public_id).await.json().await.unwrap();
    assert!(cell.to_string().contains("\"revealed\":true"));
    assert!(!cell.to_string().contains(&secret));
    app.stop().await;
}

async fn the_application_history_comes_fifty_events_a_page(backend: Backend) {
    let (app, _smtp, operator, owner) = start_with_operator(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    let id = credential_id(&provisioned(&owner, &public_id).await, "Sandbox", "Digital Banking");
    for n in 0..50 {
        let name = format!("Key {n}");
        let renamed = owner
            .call(
                "describe_credential",
                &[("credential_id", &id), ("name", &name), ("description", "")],
            )
            .await;
        assert_eq!(renamed.status(), 200);
    }
    let page = async |number: &str| -> Value {
        owner
            .call_json("application_activity", &[("public_id", &public_id), ("page", number)])
            .await
    };
    let (newest, older) = (page("0").await, page("1").await);
    assert_eq!(newest["rows"].as_array().unwrap().len(), 50);
    assert_eq!(newest["has_next"], true);
    assert_eq!(newest["rows"][0]["action"], "credential.renamed");
    let rest = older["rows"].as_array().unwrap();
    assert!(!rest.is_empty() && older["has_next"] == false, "{older}");
    assert!(rest.iter().any(|r| r["action"] == "application.registered"));
    // The page links to the older events.
    let html = owner.page(&format!("/apis/{public_id}")).await;
    assert!(
        html.contains(r#"href="?activity=2#activity""#),
        "a link to the older page"
    );
    let second = owner.page(&format!("/apis/{public_id}?activity=2")).await;
    assert!(second.contains("application.registered") && second.contains(r#"href="?#activity""#));
    // The operators' audit log pages the same way, keeping its filters.
    let admin = operator.page("/admin?log_kind=credentials").await;
    assert!(
        admin.contains(r#"href="/admin?log_page=2&amp;log_kind=credentials#audit-log""#),
        "a link to the older page"
    );
    let older = operator.page("/admin?log_page=2&log_kind=credentials").await;
    assert!(
        older.contains(r#"href="/admin?log_kind=credentials#audit-log""#),
        "back to the first page"
    );
    app.stop().await;
}

async fn revealing_needs_a_recent_password(backend: Backend) {
    let (app, _smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    let id = credential_id(&provisioned(&owner, &public_id).await, "Sandbox", "Digital Banking");
    // Sixteen minutes after the password was last entered.
    let session = owner.session_cookie().unwrap();
    let row = text(&app, &format!("SELECT data FROM sessions WHERE id = '{session}'"))
        .await
        .unwrap();
    let mut data: Value = serde_json::from_str(&row).unwrap();
    data["reauth_at"] = (chrono::Utc::now().timestamp() - 16 * 60).into();
    app.db
        .execute_unprepared(&format!("UPDATE sessions SET data = '{data}' WHERE id = '{session}'"))
        .await
        .unwrap();

    let without = owner.call("reveal_secret", &[("credential_id", &id)]).await;
    assert_eq!(without.status(), 422);
    assert!(without.text().await.unwrap().contains("Enter your password"));
    let wrong = owner
        .call(
            "reveal_secret",
            &[("credential_id", &id), ("password", "not my password")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(
        text(&app, &format!("SELECT secret_hash FROM credentials WHERE id = {id}"))
            .await
            .is_none()
    );
    let right = owner
        .call("reveal_secret", &[("credential_id", &id), ("password", PASSWORD)])
        .await;
    assert_eq!(right.status(), 200);
    app.stop().await;
}

async fn rolling_keeps_the_old_secret_for_the_chosen_grace_period(backend: Backend) {
    let (app, _smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    let id = credential_id(&provisioned(&owner, &public_id).await, "Sandbox", "Digital Banking");
    let first: Value = owner.call_json("reveal_secret", &[("credential_id", &id)]).await;
    let first_hash = app::backend::tokens::sha256_hex(first["secret"].as_str().unwrap());

    let rolled = owner
        .call("roll_secret", &[("credential_id", &id), ("grace", "1h")])
        .await;
    assert_eq!(rolled.status(), 200);
    let second: Value = rolled.json().await.unwrap();
    assert_ne!(second["secret"], first["secret"]);
    let select = |column: &str| format!("SELECT {column} FROM credentials WHERE id = {id}");
    assert_eq!(text(&app, &select("previous_secret_hash")).await, Some(first_hash));
    assert_eq!(
        text(&app, &select("secret_hash")).await,
        Some(app::backend::tokens::sha256_hex(second["secret"].as_str().unwrap()))
    );
    let grace_seconds = scalar(
        &app,
        &match app.db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => format!("SELECT CAST(EXTRACT(EPOCH FROM (previous_secret_expires_at - NOW())) AS BIGINT) FROM credentials WHERE id = {id}"),
            _ => format!("SELECT CAST((julianday(previous_secret_expires_at) - julianday('now')) * 86400 AS INTEGER) FROM credentials WHERE id = {id}"),
        },
    )
    .await;
    assert!((3500..=3600).contains(&grace_seconds), "{grace_seconds}");

    assert_eq!(
        owner
            .call("roll_secret", &[("credential_id", &id), ("grace", "none")])
            .await
            .status(),
        200
    );
    assert_eq!(text(&app, &select("previous_secret_hash")).await, None);
    assert_eq!(
        owner
            .call("roll_secret", &[("credential_id", &id), ("grace", "forever")])
            .await
            .status(),
        422
    );
    app.stop().await;
}

async fn revoking_stops_a_credential(backend: Backend) {
    let (app, _smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    let id = credential_id(&provisioned(&owner, &public_id).await, "Sandbox", "Digital Banking");
    owner.call("reveal_secret", &[("credential_id", &id)]).await;
    owner
        .call("roll_secret", &[("credential_id", &id), ("grace", "7d")])
        .await;
    assert_eq!(
        owner
            .call("revoke_credential", &[("credential_id", &id)])
            .await
            .status(),
        200
    );
    assert_eq!(
        text(&app, &format!("SELECT state FROM credentials WHERE id = {id}"))
            .await
            .as_deref(),
        Some("revoked")
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT previous_secret_hash FROM credentials WHERE id = {id}")
        )
        .await,
        None
    );
    assert_eq!(
        owner
            .call("roll_secret", &[("credential_id", &id), ("grace", "none")])
            .await
            .status(),
        422
    );
    let app_view: Value = credentials(&owner, &public_id).await.json().await.unwrap();
    assert_eq!(
        app_view["credentials"].as_array().unwrap().len(),
        1,
        "the revoked credential leaves the matrix"
    );
    // Rolling it from a page left open, without JavaScript: the page says why not.
    let page = format!("/apis/{public_id}");
    let again = owner
        .submit(&page, "roll_secret", &[("credential_id", &id), ("grace", "none")])
        .await;
    assert_eq!(again.status(), 303);
    let shown = owner.page(&page).await;
    assert!(
        shown.contains("This credential has not been issued, or it was revoked."),
        "{shown}"
    );
    app.stop().await;
}

async fn only_owners_reach_credentials(backend: Backend) {
    let (app, smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    let provisioned = provisioned(&owner, &public_id).await;
    let id = credential_id(&provisioned, "Sandbox", "Digital Banking");

    let co_owner = developer(&app, &smtp, "Cy", "cy@acme.example").await;
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO application_owners (application_id, user_id, added_at) \
             SELECT a.id, u.id, a.created_at FROM applications a, users u WHERE a.public_id = '{public_id}' AND u.email_canonical = 'cy@acme.example'"
        ))
        .await
        .unwrap();
    let member = developer(&app, &smtp, "Mel", "mel@acme.example").await;
    let admin = developer(&app, &smtp, "Adam", "adam@acme.example").await;
    let company: Value = owner.call_json("company_overview", &[]).await;
    let adam_id = company["Member"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "adam@acme.example")
        .unwrap()["id"]
        .to_string();
    assert_eq!(
        owner
            .call("change_member_role", &[("member_id", &adam_id), ("role", "admin")])
            .await
            .status(),
        200
    );
    let outsider = developer(&app, &smtp, "Zed", "zed@globex.example").await;
    let anonymous = app.browser();

    // Owners see credential fields; members (admins included) see the application without them.
    for (who, browser) in [("owner", &owner), ("co-owner", &co_owner)] {
        let view: Value = credentials(browser, &public_id).await.json().await.unwrap();
        assert_eq!(view["is_owner"], true, "{who}");
        assert!(view["credentials"][0]["credential"]["public_key"].is_string(), "{who}");
    }
    for (who, browser) in [("partner admin", &admin), ("member", &member)] {
        let response = credentials(browser, &public_id).await;
        assert_eq!(response.status(), 200, "{who}");
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("pk_sandbox_") && body.contains("\"credential\":null"),
            "{who}: {body}"
        );
        let response = details(browser, &public_id).await;
        assert_eq!(response.status(), 200, "{who}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("pk_"), "{who}: {body}");
        let list = browser.call("my_apis", &[]).await.text().await.unwrap();
        assert!(list.contains("Payments Hub") && !list.contains("pk_"), "{who}");
    }
    // The partner admin's history names the application of a credential event, not the
    // credential (its name is one of its fields).
    let history: Value = admin.call_json("company_activity", &[("page", "0")]).await;
    let issued = history["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "credential.issued")
        .unwrap_or_else(|| panic!("{history}"));
    assert_eq!(issued["object_name"], "Payments Hub");
    assert!(!history.to_string().contains("Digital Banking ·"), "{history}");
    assert_eq!(details(&outsider, &public_id).await.status(), 404);
    assert_eq!(credentials(&outsider, &public_id).await.status(), 404);
    for (who, browser) in [
        ("partner admin", &admin),
        ("member", &member),
        ("other partner", &outsider),
    ] {
        assert_eq!(
            browser
                .call("application_activity", &[("public_id", &public_id)])
                .await
                .status(),
            404,
            "{who}"
        );
    }
    assert_eq!(details(&anonymous, &public_id).await.status(), 401);
    assert_eq!(credentials(&anonymous, &public_id).await.status(), 401);

    // Acting on the credential: non-owners get exactly what a missing id gets.
    let missing = outsider.call("revoke_credential", &[("credential_id", "999999")]).await;
    let (missing_status, missing_body) = (missing.status(), missing.text().await.unwrap());
    for (who, browser) in [
        ("partner admin", &admin),
        ("member", &member),
        ("other partner", &outsider),
    ] {
        for (endpoint, fields) in [
            (
                "reveal_secret",
                vec![("credential_id", id.as_str()), ("password", PASSWORD)],
            ),
            (
                "roll_secret",
                vec![
                    ("credential_id", id.as_str()),
                    ("grace", "none"),
                    ("password", PASSWORD),
                ],
            ),
            // Who asks is checked before what they sent: a bad grace period is no clue either.
            (
                "roll_secret",
                vec![("credential_id", id.as_str()), ("grace", "forever")],
            ),
            ("revoke_credential", vec![("credential_id", id.as_str())]),
        ] {
            let response = browser.call(endpoint, &fields).await;
            assert_eq!(response.status(), missing_status, "{who} {endpoint}");
            assert_eq!(response.text().await.unwrap(), missing_body, "{who} {endpoint}");
        }
    }
    for (endpoint, fields) in [
        ("reveal_secret", vec![("credential_id", id.as_str())]),
        (
            "roll_secret",
            vec![("credential_id", id.as_str()), ("grace", "forever")],
        ),
        ("revoke_credential", vec![("credential_id", id.as_str())]),
    ] {
        assert_eq!(anonymous.call(endpoint, &fields).await.status(), 401, "{endpoint}");
    }
    assert_eq!(
        text(&app, &format!("SELECT secret_hash FROM credentials WHERE id = {id}")).await,
        None,
        "nothing changed"
    );
    assert_eq!(
        text(&app, &format!("SELECT state FROM credentials WHERE id = {id}"))
            .await
            .as_deref(),
        Some("issued")
    );
    // Everything else that takes the application's id: members who are not owners and other
    // partners get "not found", and the application is unchanged.
    let ada_id = text(
        &app,
        "SELECT CAST(id AS TEXT) FROM users WHERE email_canonical = 'ada@acme.example'",
    )
    .await
    .unwrap();
    let sandbox_env = text(&app, "SELECT CAST(id AS TEXT) FROM environments WHERE slug = 'sandbox'")
        .await
        .unwrap();
    for (who, browser) in [("member", &member), ("other partner", &outsider)] {
        for (endpoint, fields) in [
            ("set_application_active", vec![("active", "false")]),
            ("delete_application", vec![("confirm_name", "Payments Hub")]),
            ("update_scope", vec![("environments[]", sandbox_env.as_str())]),
            ("add_co_owner", vec![("email", "mel@acme.example")]),
            ("remove_co_owner", vec![("user_id", ada_id.as_str())]),
        ] {
            let mut with_id = vec![("public_id", public_id.as_str())];
            with_id.extend(fields);
            assert_eq!(browser.call(endpoint, &with_id).await.status(), 404, "{who} {endpoint}");
        }
    }
    assert_eq!(
        text(&app, "SELECT status FROM applications").await.as_deref(),
        Some("active")
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM application_owners").await, 2);
    // The co-owner can.
    assert_eq!(
        co_owner.call("reveal_secret", &[("credential_id", &id)]).await.status(),
        200
    );
    app.stop().await;
}

/// SECURITY.md § Faults and load: registering and issuing are atomic, so a failure at any step
/// leaves nothing half-made, and the retried job issues everything exactly once.
async fn a_failure_midway_leaves_nothing_half_made_and_the_retry_issues_once(backend: Backend) {
    let (app, smtp, owner) = start(backend).await;
    let count = async |sql: &str| scalar(&app, sql).await;

    // A write late in a registration fails: none of the earlier ones stays.
    inject_fault(&app, "jobs", None).await;
    let (products, environments) = catalogue(&owner).await;
    let sandbox = environments
        .iter()
        .find(|(_, name)| name == "Sandbox")
        .unwrap()
        .0
        .to_string();
    let mut fields = vec![
        ("name".to_owned(), "Payments Hub".to_owned()),
        ("app_type".to_owned(), "web".to_owned()),
        ("auth_method".to_owned(), "authorization_code".to_owned()),
        ("description".to_owned(), String::new()),
        ("site_url".to_owned(), String::new()),
        ("redirect_urls".to_owned(), "https://acme.example/callback".to_owned()),
        ("environments[]".to_owned(), sandbox),
    ];
    fields.extend(products.iter().map(|(id, _)| ("products[]".to_owned(), id.to_string())));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = owner.call("register_application", &borrowed).await;
    assert!(refused.status().is_server_error(), "{}", refused.status());
    for table in ["applications", "application_owners", "credentials", "jobs"] {
        assert_eq!(count(&format!("SELECT COUNT(*) FROM {table}")).await, 0, "{table}");
    }
    assert_eq!(
        count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'application.%'").await,
        0
    );
    clear_fault(&app, "jobs").await;

    // Now issuing fails at its last step: both jobs fail and roll back, and are retried.
    inject_fault(&app, "audit_events", Some("credential.issued")).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while count("SELECT COUNT(*) FROM jobs WHERE attempts > 0").await < 2 {
        assert!(tokio::time::Instant::now() < deadline, "the jobs were never tried");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        count("SELECT COUNT(*) FROM credentials WHERE state = 'queued' AND public_key IS NULL").await,
        2,
        "a failed job changes no credential"
    );
    assert_eq!(count("SELECT COUNT(*) FROM oauth_clients").await, 0);
    assert_eq!(count("SELECT COUNT(*) FROM jobs WHERE done_at IS NOT NULL").await, 0);
    let ready = |m: &crate::support::smtp::ReceivedMail| m.subject.contains("are ready");
    assert!(!smtp.to("ada@acme.example").iter().any(ready));

    // The fault clears; the retries (due a few seconds later) issue each credential once.
    clear_fault(&app, "audit_events").await;
    provisioned(&owner, &public_id).await;
    assert_eq!(
        count("SELECT COUNT(*) FROM credentials WHERE state = 'issued'").await,
        2
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM audit_events WHERE action = 'credential.issued'").await,
        2
    );
    smtp.wait_for("ada@acme.example", ready).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.to("ada@acme.example").iter().filter(|m| ready(m)).count(), 1);
    app.stop().await;
}

async fn a_provisioning_job_that_runs_twice_issues_nothing_twice(backend: Backend) {
    let (app, _smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox", "Production"]).await;
    provisioned(&owner, &public_id).await;
    let keys_before = text(
        &app,
        "SELECT public_key FROM credentials WHERE public_key IS NOT NULL ORDER BY id LIMIT 1",
    )
    .await;
    let issued_before = scalar(
        &app,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'credential.issued'",
    )
    .await;
    assert_eq!(issued_before, 2);
    // The worker died after doing the work but before recording it: every job runs again.
    app.db
        .execute_unprepared("UPDATE jobs SET done_at = NULL, claimed_until = NULL")
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while scalar(&app, "SELECT COUNT(*) FROM jobs WHERE done_at IS NULL").await > 0 {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        text(
            &app,
            "SELECT public_key FROM credentials WHERE public_key IS NOT NULL ORDER BY id LIMIT 1"
        )
        .await,
        keys_before
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'credential.issued'"
        )
        .await,
        issued_before
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM credentials WHERE state = 'awaiting_approval'"
        )
        .await,
        2
    );
    app.stop().await;
}

async fn without_javascript_a_revealed_secret_comes_back_on_a_page_that_is_not_stored(backend: Backend) {
    let (app, _smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    let id = credential_id(&provisioned(&owner, &public_id).await, "Sandbox", "Digital Banking");
    let response = owner
        .submit(
            &format!("/apis/{public_id}"),
            "reveal_secret",
            &[("credential_id", &id), ("password", "")],
        )
        .await;
    // Not the usual redirect back: the secret would be lost with it.
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.unwrap();
    let secret = page
        .split("value=\"sk_sandbox_")
        .nth(1)
        .expect("the secret is on the page")
        .split('"')
        .next()
        .unwrap();
    let secret = format!("sk_sandbox_{secret}");
    assert_eq!(
        text(&app, &format!("SELECT secret_hash FROM credentials WHERE id = {id}")).await,
        Some(app::backend::tokens::sha256_hex(&secret))
    );
    assert!(page.contains("You will not see this secret again"));

    // A refused reveal goes back to the page, which says why.
    let again = owner
        .submit(
            &format!("/apis/{public_id}"),
            "reveal_secret",
            &[("credential_id", &id), ("password", "")],
        )
        .await;
    assert_eq!(again.status(), 303);
    assert_eq!(again.headers()["location"], format!("/apis/{public_id}"));
    let page = owner.page(&format!("/apis/{public_id}")).await;
    assert!(
        page.contains("was revealed already and cannot be shown again"),
        "{page}"
    );
    let page = owner.page(&format!("/apis/{public_id}")).await;
    assert!(!page.contains("was revealed already"), "the message shows once");
    app.stop().await;
}

async fn operators_approve_or_reject_production_and_owners_are_told(backend: Backend) {
    let (app, smtp, operator, owner) = start_with_operator(backend).await;
    let public_id = register(&owner, &["Production"]).await;
    provisioned(&owner, &public_id).await;

    let overview: Value = operator.call_json("admin_overview", &[]).await;
    let queue = overview["approvals"].as_array().unwrap();
    assert_eq!(queue.len(), 2);
    assert_eq!(queue[0]["application"], "Payments Hub");
    assert_eq!(overview["partners"][0]["domain"], "acme.example");
    let (first, second) = (
        queue[0]["credential_id"].to_string(),
        queue[1]["credential_id"].to_string(),
    );

    // Owners and other developers cannot decide, and do not learn the area exists.
    assert_eq!(owner.call("admin_overview", &[]).await.status(), 404);
    assert_eq!(
        owner
            .call("decide_approval", &[("credential_id", &first), ("decision", "approve")])
            .await
            .status(),
        404
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM credentials WHERE state = 'awaiting_approval'"
        )
        .await,
        2
    );

    assert_eq!(
        operator
            .call("decide_approval", &[("credential_id", &first), ("decision", "approve")])
            .await
            .status(),
        200
    );
    let key = text(&app, &format!("SELECT public_key FROM credentials WHERE id = {first}"))
        .await
        .unwrap();
    assert!(key.starts_with("pk_production_"), "{key}");
    smtp.wait_for("ada@acme.example", |m| m.subject.contains("approved"))
        .await;

    let no_reason = operator
        .call("decide_approval", &[("credential_id", &second), ("decision", "reject")])
        .await;
    assert_eq!(no_reason.status(), 422);
    let rejected = operator
        .call(
            "decide_approval",
            &[
                ("credential_id", &second),
                ("decision", "reject"),
                ("reason", "No production contract yet"),
            ],
        )
        .await;
    assert_eq!(rejected.status(), 200);
    assert_eq!(
        text(&app, &format!("SELECT state FROM credentials WHERE id = {second}"))
            .await
            .as_deref(),
        Some("rejected")
    );
    let mail = smtp
        .wait_for("ada@acme.example", |m| m.subject.contains("rejected"))
        .await;
    assert!(mail.text.contains("No production contract yet"));
    // Deciding twice finds nothing waiting.
    assert_eq!(
        operator
            .call("decide_approval", &[("credential_id", &first), ("decision", "approve")])
            .await
            .status(),
        404
    );
    assert!(operator.page("/admin").await.contains("Nothing is waiting."));
    let log: Value = operator.call_json("audit_log", &[]).await;
    let actions: Vec<&str> = log["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions[..2], ["credential.rejected", "credential.approved"]);
    assert!(actions.contains(&"partner.created") && actions.contains(&"account.signed_in"));
    assert_eq!(owner.call("audit_log", &[]).await.status(), 404);

    // Operators narrow the log to one company and to one kind of event.
    let filtered = async |fields: &[(&str, &str)]| -> Vec<String> {
        let log: Value = operator.call_json("audit_log", fields).await;
        log["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap().to_owned())
            .collect()
    };
    let credentials_only = filtered(&[("kind", "credentials")]).await;
    assert!(!credentials_only.is_empty());
    assert!(
        credentials_only.iter().all(|a| a.starts_with("credential.")),
        "{credentials_only:?}"
    );
    let acme = filtered(&[("partner", "ACME.example")]).await;
    assert!(acme.contains(&"partner.created".to_owned()) && acme.contains(&"credential.approved".to_owned()));
    assert!(
        !acme.iter().any(|a| a.starts_with("account.")),
        "sign-ins belong to no company: {acme:?}"
    );
    let companies = filtered(&[("partner", "acme.example"), ("kind", "companies")]).await;
    assert!(
        !companies.is_empty()
            && companies
                .iter()
                .all(|a| a.starts_with("partner.") || a.starts_with("member.") || a.starts_with("invitation.")),
        "{companies:?}"
    );
    assert!(filtered(&[("partner", "nobody.example")]).await.is_empty());
    assert_eq!(
        operator.call("audit_log", &[("kind", "everything")]).await.status(),
        422
    );
    // Operators open one partner: company, members, applications; never a credential.
    let partner: Value = operator
        .call_json("partner_detail", &[("domain", "ACME.example")])
        .await;
    assert_eq!(partner["details"]["domain"], "acme.example");
    assert_eq!(partner["members"][0]["email"], "ada@acme.example");
    assert_eq!(partner["applications"][0]["name"], "Payments Hub");
    assert_eq!(
        partner["applications"][0]["environments"],
        serde_json::json!([{"environment": "Production", "state": "rejected"}]),
        "one approved, one rejected: the least advanced credential speaks for the environment"
    );
    assert!(!partner.to_string().contains("pk_"), "{partner}");
    let page = operator.page("/admin/partners/acme.example").await;
    assert!(page.contains("Payments Hub") && page.contains("Their audit log"));
    for (who, browser, domain) in [
        ("developer", &owner, "acme.example"),
        ("operator", &operator, "nobody.example"),
        ("operator", &operator, "not a domain"),
    ] {
        let refused = browser.call("partner_detail", &[("domain", domain)]).await;
        assert_eq!(refused.status(), 404, "{who} {domain}");
    }
    // The owners' page gives the reason too; members see the state only.
    let matrix: Value = credentials(&owner, &public_id).await.json().await.unwrap();
    let reasons: Vec<&Value> = matrix["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cell| &cell["rejection_reason"])
        .collect();
    assert!(
        reasons.contains(&&Value::from("No production contract yet")),
        "{matrix}"
    );
    let member = developer(&app, &smtp, "Mel", "mel@acme.example").await;
    let seen_by_member = credentials(&member, &public_id).await.text().await.unwrap();
    assert!(seen_by_member.contains("rejected") && !seen_by_member.contains("No production contract"));
    app.stop().await;
}

async fn owners_edit_the_details_under_the_registration_rules(backend: Backend) {
    let (app, smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    crate::support::portal::register_as(&owner, "Ledger Sync", "web", "authorization_code", &["Sandbox"]).await;
    let member = developer(&app, &smtp, "Mel", "mel@acme.example").await;
    let outsider = developer(&app, &smtp, "Eve", "eve@rival.example").await;
    let edit = async |browser: &Browser, fields: &[(&str, &str)]| {
        let mut all = vec![("public_id", public_id.as_str())];
        all.extend_from_slice(fields);
        browser.call("update_application", &all).await
    };
    let new_details = [
        ("name", "  Payments Hub EU "),
        ("description", "Moves money in euros."),
        ("site_url", ""),
        (
            "redirect_urls",
            "https://acme.example/eu/callback\nhttp://localhost:8080/cb",
        ),
    ];

    for stranger in [&member, &outsider] {
        assert_eq!(
            edit(stranger, &new_details).await.status(),
            404,
            "only owners edit; other partners' ids do not exist"
        );
    }
    let refused = edit(
        &owner,
        &[
            ("name", "Ledger Sync"),
            ("description", ""),
            ("site_url", "ftp://acme.example"),
            ("redirect_urls", ""),
        ],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let errors: Value = refused.json().await.unwrap();
    let fields = &errors["Invalid"]["fields"];
    assert!(fields["site_url"].is_string(), "{errors}");
    assert!(
        fields["redirect_urls"]
            .as_str()
            .unwrap()
            .contains("at least one redirect URL"),
        "authorization code keeps needing one: {errors}"
    );
    let taken = edit(
        &owner,
        &[
            ("name", "Ledger Sync"),
            ("redirect_urls", "https://acme.example/callback"),
        ],
    )
    .await;
    assert_eq!(taken.status(), 422);
    assert!(
        taken
            .text()
            .await
            .unwrap()
            .contains("already has an application with this name")
    );

    let saved = edit(&owner, &new_details).await;
    assert_eq!(saved.status(), 200);
    let shown: Value = details(&owner, &public_id).await.json().await.unwrap();
    assert_eq!(shown["name"], "Payments Hub EU");
    assert_eq!(shown["description"], "Moves money in euros.");
    assert_eq!(shown["site_url"], Value::Null);
    assert_eq!(
        shown["redirect_urls"],
        serde_json::json!(["https://acme.example/eu/callback", "http://localhost:8080/cb"])
    );
    let audit = text(
        &app,
        "SELECT detail FROM audit_events WHERE action = 'application.updated'",
    )
    .await
    .unwrap();
    for field in ["name", "description", "site_url", "redirect_urls"] {
        assert!(
            audit.contains(&format!("\"{field}\"")),
            "{field} is recorded as changed: {audit}"
        );
    }
    // Saving the same details again changes nothing and records nothing.
    assert_eq!(edit(&owner, &new_details).await.status(), 200);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'application.updated'"
        )
        .await,
        1
    );
    // Without JavaScript the form comes back to the application's page, which says it saved.
    let page = format!("/apis/{public_id}");
    let fields = [
        ("public_id", public_id.as_str()),
        ("name", "Payments Hub"),
        ("redirect_urls", "https://acme.example/callback"),
    ];
    let plain = owner.submit(&page, "update_application", &fields).await;
    assert!(plain.status().is_redirection(), "{}", plain.status());
    assert_eq!(
        plain.headers()["location"].to_str().unwrap(),
        format!("{page}?updated=1")
    );
    let shown: Value = details(&owner, &public_id).await.json().await.unwrap();
    assert_eq!(shown["name"], "Payments Hub");
    app.stop().await;
}

async fn deactivating_stops_every_credential_and_restoring_brings_them_back(backend: Backend) {
    let (app, smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    let id = credential_id(&provisioned(&owner, &public_id).await, "Sandbox", "Digital Banking");
    let member = developer(&app, &smtp, "Mel", "mel@acme.example").await;
    let call = async |browser: &Browser, active: &str| {
        let fields = [("public_id", public_id.as_str()), ("active", active)];
        browser.call("set_application_active", &fields).await.status().as_u16()
    };
    assert_eq!(
        call(&member, "false").await,
        404,
        "members who are not owners cannot deactivate"
    );
    assert_eq!(call(&owner, "false").await, 200);
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM applications WHERE public_id = '{public_id}'")
        )
        .await
        .as_deref(),
        Some("deactivated")
    );
    smtp.wait_for("ada@acme.example", |m| m.subject.contains("was deactivated"))
        .await;
    let refused = owner.call("reveal_secret", &[("credential_id", &id)]).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("deactivated"));
    // The pages know, so they offer no reveal or roll and say why.
    let matrix: Value = credentials(&owner, &public_id).await.json().await.unwrap();
    assert_eq!(matrix["active"], false);
    let keys: Value = owner.call_json("api_keys", &[]).await;
    assert_eq!(keys["keys"][0]["application_active"], false);
    let page = owner.page(&format!("/apis/{public_id}")).await;
    assert!(page.contains("Restore the application to reveal or roll its secrets."));
    assert!(!page.contains("Reveal secret: Digital Banking"), "no reveal offered");
    assert_eq!(call(&owner, "true").await, 200);
    let matrix: Value = credentials(&owner, &public_id).await.json().await.unwrap();
    assert_eq!(matrix["active"], true);
    smtp.wait_for("ada@acme.example", |m| m.subject.contains("was restored"))
        .await;
    assert_eq!(
        owner.call("reveal_secret", &[("credential_id", &id)]).await.status(),
        200
    );
    app.stop().await;
}

async fn deleting_needs_the_typed_name_and_revokes_everything(backend: Backend) {
    let (app, smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox", "Development"]).await;
    provisioned(&owner, &public_id).await;
    let admin_member = developer(&app, &smtp, "Adam", "adam@acme.example").await;
    let company: Value = owner.call_json("company_overview", &[]).await;
    let adam = company["Member"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "adam@acme.example")
        .unwrap()["id"]
        .to_string();
    owner
        .call("change_member_role", &[("member_id", &adam), ("role", "admin")])
        .await;

    let as_admin = admin_member
        .call(
            "delete_application",
            &[("public_id", &public_id), ("confirm_name", "Payments Hub")],
        )
        .await;
    assert_eq!(
        as_admin.status(),
        404,
        "partner admins who are not owners cannot delete"
    );
    let wrong = owner
        .call(
            "delete_application",
            &[("public_id", &public_id), ("confirm_name", "payments hub")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("Type Payments Hub exactly"));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM applications").await, 1);

    let deleted = owner
        .call(
            "delete_application",
            &[("public_id", &public_id), ("confirm_name", "Payments Hub")],
        )
        .await;
    assert_eq!(deleted.status(), 200);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM applications").await, 0);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM credentials").await, 0);
    let detail = text(
        &app,
        "SELECT detail FROM audit_events WHERE action = 'application.deleted'",
    )
    .await
    .unwrap();
    assert!(
        detail.contains("\"credentials_revoked\":4") && detail.contains("Payments Hub"),
        "{detail}"
    );
    smtp.wait_for("ada@acme.example", |m| m.subject.contains("was deleted"))
        .await;
    assert_eq!(details(&owner, &public_id).await.status(), 404);
    assert_eq!(credentials(&owner, &public_id).await.status(), 404);
    app.stop().await;
}

async fn owners_who_are_not_admins_resend_and_cancel_their_co_owner_invitations(backend: Backend) {
    let (app, smtp, admin) = start(backend).await;
    let public_id = register(&admin, &["Sandbox"]).await;
    let cy = developer(&app, &smtp, "Cy", "cy@acme.example").await;
    let mel = developer(&app, &smtp, "Mel", "mel@acme.example").await;
    let add = [("public_id", public_id.as_str()), ("email", "cy@acme.example")];
    assert_eq!(admin.call("add_co_owner", &add).await.status(), 200);
    // Cy, an owner but not an admin, invites a colleague who has no account yet.
    let invite = [("public_id", public_id.as_str()), ("email", "dan@acme.example")];
    assert_eq!(cy.call("add_co_owner", &invite).await.status(), 200);
    let first = crate::support::token_of(&smtp.wait_for("dan@acme.example", |_| true).await.link());
    let invitations = async |who: &Browser| -> Vec<Value> {
        let view: Value = details(who, &public_id).await.json().await.unwrap();
        view["invitations"].as_array().unwrap().clone()
    };
    let listed = invitations(&cy).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["email"], "dan@acme.example");
    assert_eq!(listed[0]["applications"], serde_json::json!(["Payments Hub"]));
    assert!(
        invitations(&mel).await.is_empty(),
        "members who are not owners see no invitations"
    );
    let company: Value = admin.call_json("company_overview", &[]).await;
    assert_eq!(
        company["Member"]["invitations"][0]["applications"],
        serde_json::json!(["Payments Hub"]),
        "the admin's list says what the invitation is for"
    );
    let invitation_id = listed[0]["id"].to_string();
    let by_id = [("invitation_id", invitation_id.as_str())];

    // Other members cannot touch it, even those who own another application; its owner can, and
    // a resend voids the old link.
    crate::support::portal::register_as(&mel, "Ledger Sync", "web", "authorization_code", &["Sandbox"]).await;
    assert_eq!(mel.call("resend_invitation", &by_id).await.status(), 404);
    assert_eq!(mel.call("cancel_invitation", &by_id).await.status(), 404);
    let resent = cy.call("resend_invitation", &by_id).await;
    assert_eq!(resent.status(), 200);
    let second = crate::support::token_of(
        &smtp
            .wait_for("dan@acme.example", |m| !m.text.contains(&first))
            .await
            .link(),
    );
    let dan = app.browser();
    assert_eq!(dan.call("get_invitation", &[("token", &first)]).await.status(), 422);
    assert_eq!(dan.call("get_invitation", &[("token", &second)]).await.status(), 200);

    // A plain invitation to the company is the admins' business, not an owner's.
    assert_eq!(
        admin
            .call("send_invitation", &[("email", "eve@acme.example")])
            .await
            .status(),
        200
    );
    let company: Value = admin.call_json("company_overview", &[]).await;
    let eve = company["Member"]["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == "eve@acme.example")
        .unwrap()
        .clone();
    assert_eq!(eve["applications"], serde_json::json!([]));
    let eve_id = eve["id"].to_string();
    assert_eq!(
        cy.call("cancel_invitation", &[("invitation_id", eve_id.as_str())])
            .await
            .status(),
        404
    );

    assert_eq!(cy.call("cancel_invitation", &by_id).await.status(), 200);
    assert_eq!(dan.call("get_invitation", &[("token", &second)]).await.status(), 422);
    assert!(invitations(&cy).await.is_empty());
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action IN ('invitation.resent', 'invitation.cancelled')"
        )
        .await,
        2
    );
    app.stop().await;
}

async fn owners_and_partner_admins_manage_co_owners_but_the_last_owner_stays(backend: Backend) {
    let (app, smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    let id = credential_id(&provisioned(&owner, &public_id).await, "Sandbox", "Digital Banking");
    let cy = developer(&app, &smtp, "Cy", "cy@acme.example").await;
    let mel = developer(&app, &smtp, "Mel", "mel@acme.example").await;

    // A plain member cannot add owners; an owner can add a member directly.
    assert_eq!(
        mel.call(
            "add_co_owner",
            &[("public_id", &public_id), ("email", "mel@acme.example")]
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        owner
            .call(
                "add_co_owner",
                &[("public_id", &public_id), ("email", "cy@acme.example")]
            )
            .await
            .status(),
        200
    );
    assert_eq!(
        cy.call("reveal_secret", &[("credential_id", &id)]).await.status(),
        200,
        "a co-owner can reveal"
    );
    smtp.wait_for("ada@acme.example", |m| m.subject.contains("Co-owner added"))
        .await;
    let again = owner
        .call(
            "add_co_owner",
            &[("public_id", &public_id), ("email", "cy@acme.example")],
        )
        .await;
    assert_eq!(again.status(), 422);
    let outside = owner
        .call(
            "add_co_owner",
            &[("public_id", &public_id), ("email", "eve@evil.example")],
        )
        .await;
    assert_eq!(outside.status(), 422);
    assert!(outside.text().await.unwrap().contains("acme.example"));

    // A colleague without an account is invited and becomes co-owner on accepting.
    assert_eq!(
        owner
            .call(
                "add_co_owner",
                &[("public_id", &public_id), ("email", "dan@acme.example")]
            )
            .await
            .status(),
        200
    );
    let link = smtp
        .wait_for("dan@acme.example", |m| m.subject.contains("invited you"))
        .await
        .link();
    let dan = app.browser();
    let accepted = dan
        .call(
            "accept_invitation_sign_up",
            &[
                ("token", &crate::support::token_of(&link)),
                ("full_name", "Dan"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(accepted.status(), 200);
    let seen_by_dan: Value = details(&dan, &public_id).await.json().await.unwrap();
    assert_eq!(seen_by_dan["is_owner"], true);

    // Removing: co-owners go; the last owner stays.
    let owners = seen_by_dan["owners"].as_array().unwrap().clone();
    let user_id = |email: &str| owners.iter().find(|o| o["email"] == email).unwrap()["user_id"].to_string();
    assert_eq!(
        owner
            .call(
                "remove_co_owner",
                &[("public_id", &public_id), ("user_id", &user_id("cy@acme.example"))]
            )
            .await
            .status(),
        200
    );
    assert_eq!(
        cy.call("roll_secret", &[("credential_id", &id), ("grace", "none")])
            .await
            .status(),
        404,
        "access ended at once"
    );
    assert_eq!(
        owner
            .call(
                "remove_co_owner",
                &[("public_id", &public_id), ("user_id", &user_id("dan@acme.example"))]
            )
            .await
            .status(),
        200
    );
    let last = owner
        .call(
            "remove_co_owner",
            &[("public_id", &public_id), ("user_id", &user_id("ada@acme.example"))],
        )
        .await;
    assert_eq!(last.status(), 422);
    assert!(last.text().await.unwrap().contains("at least one owner"));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM application_owners").await, 1);

    // Two owners removing each other at the same moment: one succeeds, one owner stays.
    assert_eq!(
        owner
            .call(
                "add_co_owner",
                &[("public_id", &public_id), ("email", "cy@acme.example")]
            )
            .await
            .status(),
        200
    );
    let (ada, cy_id) = (user_id("ada@acme.example"), user_id("cy@acme.example"));
    let (remove_cy, remove_ada) = (
        [("public_id", public_id.as_str()), ("user_id", cy_id.as_str())],
        [("public_id", public_id.as_str()), ("user_id", ada.as_str())],
    );
    let (a, b) = tokio::join!(
        owner.call("remove_co_owner", &remove_cy),
        cy.call("remove_co_owner", &remove_ada)
    );
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM application_owners").await, 1);
    app.stop().await;
}

async fn the_api_keys_page_lists_owned_credentials_with_filters_renames_and_switches(backend: Backend) {
    let (app, smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox", "Development"]).await;
    provisioned(&owner, &public_id).await;
    let member = developer(&app, &smtp, "Mel", "mel@acme.example").await;

    let all: Value = owner.call_json("api_keys", &[]).await;
    assert_eq!(all["keys"].as_array().unwrap().len(), 4);
    assert_eq!(all["applications"][0][1], "Payments Hub");
    let sandbox: Value = owner.call_json("api_keys", &[("environment", "sandbox")]).await;
    assert_eq!(sandbox["keys"].as_array().unwrap().len(), 2);
    assert!(
        sandbox["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["public_key"].as_str().unwrap().starts_with("pk_sandbox_"))
    );
    let none: Value = owner
        .call_json("api_keys", &[("application", "app_doesnotexist")])
        .await;
    assert!(none["keys"].as_array().unwrap().is_empty());
    let members_view: Value = member.call_json("api_keys", &[]).await;
    assert!(
        members_view["keys"].as_array().unwrap().is_empty(),
        "members see no keys of applications they do not own"
    );

    let id = sandbox["keys"][0]["credential_id"].to_string();
    let renamed = owner
        .call(
            "describe_credential",
            &[
                ("credential_id", &id),
                ("name", "Checkout backend"),
                ("description", "Used by the shop"),
            ],
        )
        .await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(
        owner
            .call("describe_credential", &[("credential_id", &id), ("name", "  ")])
            .await
            .status(),
        422
    );
    assert_eq!(
        member
            .call("describe_credential", &[("credential_id", &id), ("name", "Hijack")])
            .await
            .status(),
        404
    );
    assert_eq!(
        owner
            .call(
                "set_credential_enabled",
                &[("credential_id", &id), ("enabled", "false")]
            )
            .await
            .status(),
        200
    );
    assert_eq!(
        member
            .call("set_credential_enabled", &[("credential_id", &id), ("enabled", "true")])
            .await
            .status(),
        404
    );
    let after: Value = owner.call_json("api_keys", &[("environment", "sandbox")]).await;
    let key = after["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["credential_id"].as_i64() == id.parse().ok())
        .unwrap()
        .clone();
    assert_eq!(key["name"], "Checkout backend");
    assert_eq!(key["description"], "Used by the shop");
    assert_eq!(key["enabled"], false);
    let page = owner.page("/keys?environment=sandbox").await;
    assert!(page.contains("Checkout backend") && page.contains("aria-checked=\"false\""));
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action IN ('credential.renamed', 'credential.disabled')"
        )
        .await,
        2
    );
    // A refused rename says why above the list, although the row's small form has no place for
    // a message of its own.
    let refused = owner
        .submit("/keys", "describe_credential", &[("credential_id", &id), ("name", " ")])
        .await;
    assert!(refused.status().is_redirection());
    assert!(
        owner
            .page("/keys")
            .await
            .contains("<li>Use 1 to 100 characters for the name.</li>")
    );
    // Without JavaScript each change comes back to the page it was made on, filters and all,
    // with a flag the page turns into a message; a flag of an earlier change is dropped.
    let from = "/keys?environment=sandbox&switched_off=1";
    let back_to = async |endpoint: &str, fields: &[(&str, &str)]| {
        let response = owner.submit(from, endpoint, fields).await;
        assert!(response.status().is_redirection(), "{endpoint}: {}", response.status());
        response.headers()["location"].to_str().unwrap().to_owned()
    };
    assert_eq!(
        back_to("describe_credential", &[("credential_id", &id), ("name", "Checkout")]).await,
        "/keys?environment=sandbox&saved=1"
    );
    assert_eq!(
        back_to("set_credential_enabled", &[("credential_id", &id), ("enabled", "true")]).await,
        "/keys?environment=sandbox&switched_on=1"
    );
    assert_eq!(
        back_to("revoke_credential", &[("credential_id", &id)]).await,
        "/keys?environment=sandbox&revoked=1"
    );
    let notice = r#"<p role="status" tabindex="-1" class="notice">Key saved.</p>"#;
    assert!(owner.page("/keys?environment=sandbox&saved=1").await.contains(notice));
    assert!(
        !owner.page("/keys?environment=sandbox").await.contains(notice),
        "the message shows only with its flag"
    );
    // Called without a page to go back to, revoking lands on the application's page.
    let other = sandbox["keys"][1]["credential_id"].to_string();
    let revoked = owner.call("revoke_credential", &[("credential_id", &other)]).await;
    assert_eq!(
        revoked.headers()["location"].to_str().unwrap(),
        format!("/apis/{public_id}?revoked=1")
    );
    app.stop().await;
}

async fn adding_an_environment_provisions_and_removing_one_revokes(backend: Backend) {
    let (app, smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    let first = provisioned(&owner, &public_id).await;
    let (products, environments) = catalogue(&owner).await;
    let env_id = |name: &str| environments.iter().find(|(_, n)| n == name).unwrap().0.to_string();
    let (sandbox, uat) = (env_id("Sandbox"), env_id("UAT"));
    let product_ids: Vec<String> = products.iter().map(|(id, _)| id.to_string()).collect();
    let old_key = first["credentials"][0]["credential"]["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let sandbox_id = credential_id(&first, "Sandbox", "Digital Banking");
    owner.call("reveal_secret", &[("credential_id", &sandbox_id)]).await;
    owner
        .call("roll_secret", &[("credential_id", &sandbox_id), ("grace", "none")])
        .await;
    smtp.wait_for("ada@acme.example", |m| m.subject.contains("was rolled"))
        .await;

    let set_confirmed = async |ids: &[&str], confirmed: bool| {
        let mut fields = vec![("public_id", public_id.as_str())];
        fields.extend(product_ids.iter().map(|id| ("products[]", id.as_str())));
        fields.extend(ids.iter().map(|id| ("environments[]", *id)));
        if confirmed {
            fields.push(("confirm_removal", "yes"));
        }
        owner.call("update_scope", &fields).await
    };
    let set = async |ids: &[&str]| set_confirmed(ids, true).await.status().as_u16();
    // Removing an environment revokes its credentials, so it must be confirmed: unconfirmed,
    // nothing changes (not even the environment added with it) and the answer names what
    // would be revoked.
    let unconfirmed = set_confirmed(&[&uat], false).await;
    assert_eq!(unconfirmed.status(), 422);
    let refusal: Value = unconfirmed.json().await.unwrap();
    assert!(
        refusal["Invalid"]["fields"]["confirm_removal"]
            .as_str()
            .unwrap()
            .starts_with("Saving removes Sandbox:"),
        "{refusal}"
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM credentials WHERE state = 'revoked'").await,
        0
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM credentials").await, 2);
    // Add UAT: provisioned for both products. Drop sandbox: revoked at once.
    assert_eq!(set(&[&uat]).await, 200);
    let after = provisioned(&owner, &public_id).await;
    let environments_now: Vec<&str> = after["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["environment"].as_str().unwrap())
        .collect();
    assert_eq!(environments_now, ["UAT", "UAT"]);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM credentials WHERE state = 'revoked'").await,
        2
    );
    let listed = async || -> Value {
        let list: Value = owner.call_json("my_apis", &[]).await;
        list["apps"][0].clone()
    };
    assert_eq!(
        listed().await["environments"],
        serde_json::json!([{"environment": "UAT", "state": "issued"}]),
        "My APIs shows no revoked environment"
    );
    assert_eq!(set(&[]).await, 422, "at least one environment stays");

    // Adding sandbox back issues new credentials, never the revoked ones.
    assert_eq!(set(&[&sandbox, &uat]).await, 200);
    let again = provisioned(&owner, &public_id).await;
    let new_key = again["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["environment"] == "Sandbox")
        .unwrap()["credential"]["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_key, old_key);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM credentials").await, 6);
    // With a co-owner, My APIs still shows each environment once, and both owners in order.
    developer(&app, &smtp, "Cy", "cy@acme.example").await;
    let co_owner = [("public_id", public_id.as_str()), ("email", "cy@acme.example")];
    assert_eq!(owner.call("add_co_owner", &co_owner).await.status(), 200);
    let listed = listed().await;
    assert_eq!(listed["owners"], serde_json::json!(["Ada", "Cy"]));
    assert_eq!(
        listed["environments"],
        serde_json::json!([
            {"environment": "Sandbox", "state": "issued"},
            {"environment": "UAT", "state": "issued"},
        ])
    );
    let detail = text(
        &app,
        "SELECT detail FROM audit_events WHERE action = 'application.scope_changed' ORDER BY id LIMIT 1",
    )
    .await
    .unwrap();
    assert!(
        detail.contains(r#""environments":{"added":["uat"],"removed":["sandbox"]}"#)
            && detail.contains(r#""products":{"added":[],"removed":[]}"#),
        "{detail}"
    );
    let member = developer(&app, &smtp, "Mel", "mel@acme.example").await;
    let fields = [
        ("public_id", public_id.as_str()),
        ("products[]", product_ids[0].as_str()),
        ("environments[]", sandbox.as_str()),
    ];
    assert_eq!(member.call("update_scope", &fields).await.status(), 404);
    app.stop().await;
}

async fn owners_add_and_remove_api_products_and_switched_off_ones_stay(backend: Backend) {
    let (app, _smtp, operator, owner) = start_with_operator(backend).await;
    let public_id = register(&owner, &["Sandbox", "UAT"]).await;
    provisioned(&owner, &public_id).await;
    let (products, environments) = catalogue(&owner).await;
    let id_of = |list: &[(i64, String)], name: &str| list.iter().find(|(_, n)| n == name).unwrap().0.to_string();
    let (banking, opening) = (
        id_of(&products, "Digital Banking"),
        id_of(&products, "Digital Account Opening"),
    );
    let (sandbox, uat) = (id_of(&environments, "Sandbox"), id_of(&environments, "UAT"));
    let scope = async |products: &[&str], confirmed: bool| {
        let mut fields = vec![
            ("public_id", public_id.as_str()),
            ("environments[]", sandbox.as_str()),
            ("environments[]", uat.as_str()),
        ];
        fields.extend(products.iter().map(|id| ("products[]", *id)));
        if confirmed {
            fields.push(("confirm_removal", "yes"));
        }
        owner.call("update_scope", &fields).await
    };
    let cells = async || -> Vec<(String, String)> {
        let view = provisioned(&owner, &public_id).await;
        view["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["product"].as_str().unwrap().to_owned(),
                    c["environment"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let revoked = async || scalar(&app, "SELECT COUNT(*) FROM credentials WHERE state = 'revoked'").await;

    // Removing a product revokes its credentials in every environment, so it must be confirmed.
    let unconfirmed = scope(&[&banking], false).await;
    assert_eq!(unconfirmed.status(), 422);
    let refusal: Value = unconfirmed.json().await.unwrap();
    assert!(
        refusal["Invalid"]["fields"]["confirm_removal"]
            .as_str()
            .unwrap()
            .starts_with("Saving removes Digital Account Opening:"),
        "{refusal}"
    );
    assert_eq!(revoked().await, 0);
    assert_eq!(scope(&[&banking], true).await.status(), 200);
    assert_eq!(revoked().await, 2);
    assert_eq!(
        cells().await,
        [("Digital Banking", "Sandbox"), ("Digital Banking", "UAT")].map(|(p, e)| (p.to_owned(), e.to_owned()))
    );
    let empty: Value = scope(&[], true).await.json().await.unwrap();
    assert!(empty["Invalid"]["fields"]["products"].is_string(), "{empty}");
    let unknown = scope(&[&banking, "999999"], true).await;
    assert_eq!(unknown.status(), 422, "a product that does not exist changes nothing");

    // Adding it back provisions it in every environment of the application, with new keys.
    assert_eq!(
        scope(&[&banking, &opening], false).await.status(),
        200,
        "adding needs no confirmation"
    );
    assert_eq!(cells().await.len(), 4);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM credentials").await, 6);
    let detail = text(
        &app,
        "SELECT detail FROM audit_events WHERE action = 'application.scope_changed' ORDER BY id LIMIT 1",
    )
    .await
    .unwrap();
    assert!(
        detail.contains(r#""products":{"added":[],"removed":["digital-account-opening"]}"#),
        "{detail}"
    );

    // A product the operators switched off is not offered to owners, so saving without it leaves
    // its credentials alone.
    let switch_off = [
        ("id", opening.as_str()),
        ("slug", "digital-account-opening"),
        ("name", "Digital Account Opening"),
    ];
    assert_eq!(operator.call("save_product", &switch_off).await.status(), 200);
    let owner_view: Value = details(&owner, &public_id).await.json().await.unwrap();
    let offered: Vec<&str> = owner_view["product_choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|choice| choice[0]["name"].as_str().unwrap())
        .collect();
    assert_eq!(offered, ["Digital Banking"]);
    assert_eq!(scope(&[&banking], false).await.status(), 200);
    assert_eq!(revoked().await, 2, "the switched-off product's credentials stay");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'application.scope_changed'"
        )
        .await,
        2,
        "a save that changes nothing records nothing"
    );

    // With the product back on and UAT switched off, removing the product revokes it in Sandbox
    // only; the form then shows it unticked, and ticking it provisions Sandbox again.
    let switch_on = [
        ("id", opening.as_str()),
        ("slug", "digital-account-opening"),
        ("name", "Digital Account Opening"),
        ("enabled", "on"),
    ];
    assert_eq!(operator.call("save_product", &switch_on).await.status(), 200);
    let uat_off = [("id", uat.as_str()), ("slug", "uat"), ("name", "UAT")];
    assert_eq!(operator.call("save_environment", &uat_off).await.status(), 200);
    let sandbox_only = async |products: &[&str]| {
        let mut fields = vec![
            ("public_id", public_id.as_str()),
            ("environments[]", sandbox.as_str()),
            ("confirm_removal", "yes"),
        ];
        fields.extend(products.iter().map(|id| ("products[]", *id)));
        owner.call("update_scope", &fields).await.status()
    };
    assert_eq!(sandbox_only(&[&banking]).await, 200);
    assert_eq!(
        revoked().await,
        3,
        "Digital Account Opening in Sandbox; UAT is left alone"
    );
    let ticked = async || -> Vec<String> {
        let view: Value = details(&owner, &public_id).await.json().await.unwrap();
        view["product_choices"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|choice| choice[1] == true)
            .map(|choice| choice[0]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ticked().await, ["Digital Banking"]);
    assert_eq!(sandbox_only(&[&banking, &opening]).await, 200);
    assert_eq!(ticked().await, ["Digital Account Opening", "Digital Banking"]);
    let sandbox_cells: Vec<(String, String)> = cells()
        .await
        .into_iter()
        .filter(|(_, environment)| environment == "Sandbox")
        .collect();
    assert_eq!(sandbox_cells.len(), 2, "{sandbox_cells:?}");
    app.stop().await;
}

async fn operators_manage_products_and_environments(backend: Backend) {
    let (app, _smtp, operator, owner) = start_with_operator(backend).await;

    let new_environment = [
        ("slug", "preprod"),
        ("name", "Pre-production"),
        ("description", "Last stop"),
        ("needs_approval", "on"),
        ("enabled", "on"),
    ];
    assert_eq!(
        owner.call("save_environment", &new_environment).await.status(),
        404,
        "developers cannot"
    );
    assert_eq!(operator.call("save_environment", &new_environment).await.status(), 200);
    assert_eq!(
        operator.call("save_environment", &new_environment).await.status(),
        422,
        "slugs are unique"
    );
    let bad_slug = operator
        .call("save_environment", &[("slug", "pre_prod"), ("name", "X")])
        .await;
    assert_eq!(bad_slug.status(), 422);
    let (_, environments) = catalogue(&owner).await;
    assert!(environments.iter().any(|(_, name)| name == "Pre-production"));

    // Disabling an environment takes it off the registration form.
    let view: Value = operator.call_json("admin_overview", &[]).await;
    let uat = view["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["slug"] == "uat")
        .unwrap()
        .clone();
    let uat_id = uat["id"].to_string();
    assert_eq!(
        operator
            .call(
                "save_environment",
                &[
                    ("id", uat_id.as_str()),
                    ("slug", "uat"),
                    ("name", "UAT"),
                    ("description", "")
                ]
            )
            .await
            .status(),
        200
    );
    let (_, environments) = catalogue(&owner).await;
    assert!(!environments.iter().any(|(_, name)| name == "UAT"));

    // A product that includes another.
    let banking = view["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "digital-banking")
        .unwrap()["id"]
        .to_string();
    let bundle = [
        ("slug", "banking-suite"),
        ("name", "Banking Suite"),
        ("description", "Everything"),
        ("enabled", "on"),
        ("includes[]", banking.as_str()),
    ];
    assert_eq!(operator.call("save_product", &bundle).await.status(), 200);
    let view: Value = operator.call_json("admin_overview", &[]).await;
    let suite = view["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "banking-suite")
        .unwrap()
        .clone();
    assert_eq!(suite["includes"][0].to_string(), banking);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action LIKE 'catalogue.%'"
        )
        .await,
        3
    );
    app.stop().await;
}

async fn rolling_with_a_day_or_a_week_of_grace_keeps_the_old_secret_that_long(backend: Backend) {
    let (app, _smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    let id = credential_id(&provisioned(&owner, &public_id).await, "Sandbox", "Digital Banking");
    let first: Value = owner.call_json("reveal_secret", &[("credential_id", &id)]).await;
    let mut old_secret = first["secret"].as_str().unwrap().to_owned();
    let grace_left = match app.db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => format!(
            "SELECT CAST(EXTRACT(EPOCH FROM (previous_secret_expires_at - NOW())) AS BIGINT) FROM credentials WHERE id = {id}"
        ),
        _ => format!(
            "SELECT CAST((julianday(previous_secret_expires_at) - julianday('now')) * 86400 AS INTEGER) FROM credentials WHERE id = {id}"
        ),
    };
    for (grace, seconds) in [("24h", 86_400), ("7d", 604_800)] {
        let rolled = owner
            .call("roll_secret", &[("credential_id", &id), ("grace", grace)])
            .await;
        assert_eq!(rolled.status(), 200, "{grace}");
        let rolled: Value = rolled.json().await.unwrap();
        let new_secret = rolled["secret"].as_str().unwrap().to_owned();
        assert_ne!(new_secret, old_secret, "{grace}");
        assert_eq!(
            text(
                &app,
                &format!("SELECT previous_secret_hash FROM credentials WHERE id = {id}")
            )
            .await,
            Some(app::backend::tokens::sha256_hex(&old_secret)),
            "the secret before the {grace} roll keeps working"
        );
        let left = scalar(&app, &grace_left).await;
        assert!(
            (seconds - 60..=seconds + 60).contains(&left),
            "{grace}: the old secret works for {left} s more"
        );
        old_secret = new_secret;
    }
    app.stop().await;
}

async fn partner_admins_who_are_not_owners_add_and_remove_co_owners(backend: Backend) {
    // Ada set up the company, so she is its admin; Cy, a plain member, registers the application.
    let (app, smtp, admin) = start(backend).await;
    let cy = developer(&app, &smtp, "Cy", "cy@acme.example").await;
    let mel = developer(&app, &smtp, "Mel", "mel@acme.example").await;
    let company: Value = admin.call_json("company_overview", &[]).await;
    let is_admin = |email: &str| {
        company["Member"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == email)
            .unwrap_or_else(|| panic!("{email} in {company}"))["is_admin"]
            .clone()
    };
    assert_eq!(is_admin("ada@acme.example"), true, "{company}");
    assert_eq!(is_admin("cy@acme.example"), false, "{company}");
    let public_id = register(&cy, &["Sandbox"]).await;
    provisioned(&cy, &public_id).await;
    let before: Value = details(&admin, &public_id).await.json().await.unwrap();
    assert_eq!(before["is_owner"], false, "the admin is not an owner");

    let add = [("public_id", public_id.as_str()), ("email", "mel@acme.example")];
    let added = admin.call("add_co_owner", &add).await;
    assert_eq!(added.status(), 200, "{}", added.text().await.unwrap());
    let seen_by_mel: Value = credentials(&mel, &public_id).await.json().await.unwrap();
    assert_eq!(seen_by_mel["is_owner"], true, "Mel is a co-owner now");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM application_owners").await, 2);
    // Adding owners does not make the admin one.
    let admin_view = credentials(&admin, &public_id).await.text().await.unwrap();
    assert!(!admin_view.contains("pk_sandbox_"), "{admin_view}");

    let owners: Value = details(&admin, &public_id).await.json().await.unwrap();
    let user_id = |email: &str| {
        owners["owners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["email"] == email)
            .unwrap_or_else(|| panic!("{email} in {owners}"))["user_id"]
            .to_string()
    };
    let remove = [
        ("public_id", public_id.as_str()),
        ("user_id", &user_id("mel@acme.example")),
    ];
    assert_eq!(admin.call("remove_co_owner", &remove).await.status(), 200);
    let seen_by_mel: Value = credentials(&mel, &public_id).await.json().await.unwrap();
    assert_eq!(seen_by_mel["is_owner"], false, "Mel is no longer an owner");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM application_owners").await, 1);
    // The last owner stays, whoever asks.
    let last = [
        ("public_id", public_id.as_str()),
        ("user_id", &user_id("cy@acme.example")),
    ];
    assert_eq!(admin.call("remove_co_owner", &last).await.status(), 422);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM application_owners").await, 1);
    app.stop().await;
}

async fn every_owner_is_emailed_when_credentials_are_ready(backend: Backend) {
    let (app, smtp, owner) = start(backend).await;
    let public_id = register(&owner, &["Sandbox"]).await;
    provisioned(&owner, &public_id).await;
    let ready = |m: &crate::support::smtp::ReceivedMail| m.subject.contains("Credentials for Payments Hub are ready");
    smtp.wait_for("ada@acme.example", ready).await;
    developer(&app, &smtp, "Cy", "cy@acme.example").await;
    let co_owner = [("public_id", public_id.as_str()), ("email", "cy@acme.example")];
    assert_eq!(owner.call("add_co_owner", &co_owner).await.status(), 200);
    assert!(smtp.to("cy@acme.example").iter().all(|m| !ready(m)));

    // Adding UAT through the scope form provisions it; then both owners hear about it.
    let (products, environments) = catalogue(&owner).await;
    let mut fields = vec![("public_id".to_owned(), public_id.clone())];
    fields.extend(products.iter().map(|(id, _)| ("products[]".to_owned(), id.to_string())));
    fields.extend(
        environments
            .iter()
            .filter(|(_, name)| name == "Sandbox" || name == "UAT")
            .map(|(id, _)| ("environments[]".to_owned(), id.to_string())),
    );
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(owner.call("update_scope", &borrowed).await.status(), 200);
    let after = provisioned(&owner, &public_id).await;
    assert_eq!(after["credentials"].as_array().unwrap().len(), 4, "{after}");

    let mail = smtp.wait_for("cy@acme.example", ready).await;
    assert!(mail.link().ends_with(&format!("/apis/{public_id}")), "{}", mail.link());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while smtp.to("ada@acme.example").iter().filter(|m| ready(m)).count() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "Ada got no second ready email");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}

async fn an_application_name_is_unique_within_its_partner_only(backend: Backend) {
    let (app, smtp, owner) = start(backend).await;
    register(&owner, &["Sandbox"]).await;
    // Another partner may use the same name.
    let zed = developer(&app, &smtp, "Zed", "zed@globex.example").await;
    let theirs = register(&zed, &["Sandbox"]).await;
    let view: Value = details(&zed, &theirs).await.json().await.unwrap();
    assert_eq!(view["name"], "Payments Hub");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM applications WHERE name = 'Payments Hub'").await,
        2
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(DISTINCT partner_id) FROM applications").await,
        2
    );
    // Within one partner it is taken, for every member.
    let colleague = developer(&app, &smtp, "Cy", "cy@acme.example").await;
    let again = try_register(&colleague, "Payments Hub", "web", "authorization_code", &["Sandbox"]).await;
    assert_eq!(again.status(), 422);
    let body: Value = again.json().await.unwrap();
    assert!(
        body["Invalid"]["fields"]["name"]
            .as_str()
            .unwrap_or_default()
            .contains("already"),
        "{body}"
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM applications").await, 2);
    app.stop().await;
}
