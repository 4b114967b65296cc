//! Partners by email domain: creation, joining, roles, invitations, isolation between partners,
//! and the activity log.

use crate::on_both_databases;
use crate::support::smtp::SmtpSink;
use crate::support::{Backend, Browser, PASSWORD, TestApp, TestConfig, scalar, token_of, verified_user};
use sea_orm::ConnectionTrait;
use serde_json::Value;

on_both_databases!(
    the_first_developer_creates_the_partner_and_colleagues_join,
    public_and_look_alike_domains_never_share_a_partner,
    new_members_can_need_approval,
    invitations_stay_inside_the_partner_domain,
    an_invitee_without_an_account_signs_up_from_the_link,
    invitation_links_expire_and_are_single_use_and_voided_by_resending_or_cancelling,
    members_of_one_partner_cannot_touch_another,
    plain_members_cannot_administer,
    the_last_admin_stays_even_under_concurrent_removals,
    removing_a_member_ends_their_access_at_once,
    the_activity_log_records_changes_newest_first,
    invitation_tokens_are_256_random_bits_stored_as_their_sha256,
);

async fn start(backend: Backend) -> (TestApp, SmtpSink) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn(&TestConfig::new(backend, &smtp).await).await;
    (app, smtp)
}

async fn overview(browser: &Browser) -> Value {
    let response = browser.call("company_overview", &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn create_company(browser: &Browser, name: &str) {
    let response = browser
        .call(
            "save_company",
            &[
                ("name", name),
                ("website", "acme.example"),
                ("address", "1 Main Street"),
                ("country", "United Kingdom"),
                ("phone", "+44 20 7946 0000"),
                ("description", "Widgets"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

fn member_id(overview: &Value, email: &str) -> i64 {
    let company = &overview["Member"];
    company["members"]
        .as_array()
        .into_iter()
        .chain(company["pending"].as_array())
        .flatten()
        .find(|m| m["email"] == email)
        .unwrap_or_else(|| panic!("{email} in {overview}"))["id"]
        .as_i64()
        .unwrap()
}

async fn the_first_developer_creates_the_partner_and_colleagues_join(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    assert_eq!(overview(&ada).await["NoPartner"]["domain"], "acme.example");
    create_company(&ada, "Acme Ltd").await;
    let company = overview(&ada).await;
    assert_eq!(company["Member"]["details"]["name"], "Acme Ltd");
    assert_eq!(company["Member"]["details"]["website"], "https://acme.example");
    assert_eq!(company["Member"]["is_admin"], true);

    // A colleague verifying later joins as a member; case and Unicode spelling do not matter.
    let bob = verified_user(&app, &smtp, "Bob", "Bob@ACME.example").await;
    let seen_by_bob = overview(&bob).await;
    assert_eq!(seen_by_bob["Member"]["is_admin"], false);
    assert_eq!(seen_by_bob["Member"]["members"].as_array().unwrap().len(), 2);
    assert!(
        seen_by_bob["Member"]["invitations"].as_array().unwrap().is_empty(),
        "members see no invitations"
    );

    // A second "create" from anyone at the domain cannot make a second partner.
    let again = bob
        .call(
            "save_company",
            &[
                ("name", "Acme Two"),
                ("website", ""),
                ("address", ""),
                ("country", ""),
                ("phone", ""),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(again.status(), 403);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM partners").await, 1);

    // The company page shows the partner to members, the form to admins.
    let page = bob.page("/company").await;
    assert!(page.contains("Acme Ltd") && page.contains("Only company admins can change these details."));
    let page = ada.page("/company").await;
    assert!(page.contains("Save company") && page.contains("Send invitation"));
    app.stop().await;
}

async fn public_and_look_alike_domains_never_share_a_partner(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let gmail = verified_user(&app, &smtp, "Gail", "gail@gmail.com").await;
    assert_eq!(overview(&gmail).await["PublicDomain"]["domain"], "gmail.com");
    let refused = gmail
        .call(
            "save_company",
            &[
                ("name", "Gail Co"),
                ("website", ""),
                ("address", ""),
                ("country", ""),
                ("phone", ""),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("public email providers"));
    assert!(gmail.page("/company").await.contains("Use your work address"));
    let disposable = verified_user(&app, &smtp, "Dee", "dee@mailinator.com").await;
    assert!(overview(&disposable).await.get("PublicDomain").is_some());

    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    create_company(&ada, "Acme Ltd").await;
    // Suffix and look-alike domains are other domains.
    for (name, email) in [
        ("Eve", "eve@acme.example.evil.io"),
        ("Mal", "mal@sub.acme.example"),
        ("Cy", "cy@\u{0430}cme.example"),
    ] {
        let other = verified_user(&app, &smtp, name, email).await;
        assert!(overview(&other).await.get("NoPartner").is_some(), "{email}");
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM partner_members").await, 1);

    // An internationalised domain is one partner whichever way colleagues spell it.
    let jo = verified_user(&app, &smtp, "Jo", "jo@Bücher.example").await;
    create_company(&jo, "Bücher GmbH").await;
    let kim = verified_user(&app, &smtp, "Kim", "kim@xn--bcher-kva.example").await;
    assert_eq!(
        overview(&kim).await["Member"]["details"]["domain"],
        "xn--bcher-kva.example"
    );
    assert_eq!(overview(&kim).await["Member"]["details"]["name"], "Bücher GmbH");
    app.stop().await;
}

async fn new_members_can_need_approval(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    create_company(&ada, "Acme Ltd").await;
    assert_eq!(
        ada.call("set_member_approval", &[("required", "on")]).await.status(),
        200
    );

    let bob = verified_user(&app, &smtp, "Bob", "bob@acme.example").await;
    assert_eq!(overview(&bob).await["Pending"]["name"], "Acme Ltd");
    smtp.wait_for("ada@acme.example", |m| m.subject.contains("asks to join"))
        .await;
    smtp.wait_for("bob@acme.example", |m| m.subject.contains("waiting for approval"))
        .await;

    let bob_id = member_id(&overview(&ada).await, "bob@acme.example");
    let approved = ada
        .call(
            "decide_member_request",
            &[("member_id", &bob_id.to_string()), ("decision", "approve")],
        )
        .await;
    assert_eq!(approved.status(), 200);
    // The Company page it returns to says what happened.
    let location = approved.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/company?approved=1");
    assert!(
        ada.page(&location)
            .await
            .contains(r#"<p role="status" tabindex="-1" class="notice">Request approved: they are a member now.</p>"#)
    );
    assert_eq!(overview(&bob).await["Member"]["is_admin"], false);
    smtp.wait_for("bob@acme.example", |m| m.subject.contains("You have joined"))
        .await;

    let cy = verified_user(&app, &smtp, "Cy", "cy@acme.example").await;
    let cy_id = member_id(&overview(&ada).await, "cy@acme.example");
    assert_eq!(
        ada.call(
            "decide_member_request",
            &[("member_id", &cy_id.to_string()), ("decision", "decline")]
        )
        .await
        .headers()["location"],
        "/company?declined=1"
    );
    smtp.wait_for("cy@acme.example", |m| m.subject.contains("declined"))
        .await;
    assert!(
        overview(&cy).await.get("Joinable").is_some(),
        "a declined developer may ask again"
    );
    app.stop().await;
}

async fn invitations_stay_inside_the_partner_domain(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    create_company(&ada, "Acme Ltd").await;
    for outside in [
        "eve@evil.example",
        "eve@acme.example.evil.io",
        "eve@sub.acme.example",
        "eve@gmail.com",
    ] {
        let refused = ada.call("send_invitation", &[("email", outside)]).await;
        assert_eq!(refused.status(), 422, "{outside}");
        let body: Value = refused.json().await.unwrap();
        assert!(
            body["Invalid"]["fields"]["email"]
                .as_str()
                .unwrap()
                .contains("acme.example"),
            "{body}"
        );
    }
    assert_eq!(
        ada.call("send_invitation", &[("email", "ada@acme.example")])
            .await
            .status(),
        422,
        "already a member"
    );
    assert_eq!(
        ada.call("send_invitation", &[("email", "Cy@ACME.example")])
            .await
            .status(),
        200
    );
    let mail = smtp
        .wait_for("Cy@acme.example", |m| m.subject.contains("invited you"))
        .await;
    assert!(
        mail.link()
            .starts_with(&format!("{}/invitations/accept?token=", app.base_url))
    );
    assert!(mail.subject.contains("Ada") && mail.subject.contains("Acme Ltd"));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM invitations").await, 1);
    app.stop().await;
}

async fn an_invitee_without_an_account_signs_up_from_the_link(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    create_company(&ada, "Acme Ltd").await;
    ada.call("set_member_approval", &[("required", "on")]).await;
    ada.call("send_invitation", &[("email", "cy@acme.example")]).await;
    let token = token_of(&smtp.wait_for("cy@acme.example", |_| true).await.link());

    let cy = app.browser();
    let view: Value = cy.call_json("get_invitation", &[("token", &token)]).await;
    assert_eq!(view["partner_name"], "Acme Ltd");
    assert_eq!(view["inviter_name"], "Ada");
    assert_eq!(view["account_exists"], false);
    let page = cy.page(&format!("/invitations/accept?token={token}")).await;
    assert!(page.contains("Join Acme Ltd on Portico") && page.contains("Ada invited cy@acme.example"));

    let weak = cy
        .call(
            "accept_invitation_sign_up",
            &[("token", &token), ("full_name", "Cy"), ("password", "short")],
        )
        .await;
    assert_eq!(weak.status(), 422);
    let accepted = cy
        .call(
            "accept_invitation_sign_up",
            &[("token", &token), ("full_name", "Cy"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(accepted.status(), 200);
    // The link proved the address: verified, a member (no approval needed), signed in, no verification mail.
    let company = overview(&cy).await;
    assert_eq!(company["Member"]["details"]["name"], "Acme Ltd");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM users WHERE email_canonical = 'cy@acme.example' AND email_verified_at IS NOT NULL"
        )
        .await,
        1
    );
    assert!(smtp.to("cy@acme.example").iter().all(|m| !m.subject.contains("Verify")));
    let reused = app
        .browser()
        .call(
            "accept_invitation_sign_up",
            &[("token", &token), ("full_name", "Cy"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(reused.status(), 422);
    app.stop().await;
}

async fn invitation_links_expire_and_are_single_use_and_voided_by_resending_or_cancelling(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    create_company(&ada, "Acme Ltd").await;
    ada.call("set_member_approval", &[("required", "on")]).await;

    // Resending voids the old link.
    ada.call("send_invitation", &[("email", "bob@acme.example")]).await;
    let first = token_of(&smtp.wait_for("bob@acme.example", |_| true).await.link());
    let invitation_id = overview(&ada).await["Member"]["invitations"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    assert_eq!(
        ada.call("resend_invitation", &[("invitation_id", &invitation_id)])
            .await
            .status(),
        200
    );
    let second = token_of(
        &smtp
            .wait_for("bob@acme.example", |m| !m.text.contains(&first))
            .await
            .link(),
    );
    let bob = app.browser();
    assert_eq!(bob.call("get_invitation", &[("token", &first)]).await.status(), 422);
    assert_eq!(bob.call("get_invitation", &[("token", &second)]).await.status(), 200);

    // Cancelling voids it too.
    assert_eq!(
        ada.call("cancel_invitation", &[("invitation_id", &invitation_id)])
            .await
            .status(),
        200
    );
    let cancelled = bob.call("get_invitation", &[("token", &second)]).await;
    assert_eq!(cancelled.status(), 422);
    assert!(cancelled.text().await.unwrap().contains("withdrawn"));

    // An invitation past its 7 days is refused.
    ada.call("send_invitation", &[("email", "cy@acme.example")]).await;
    let token = token_of(&smtp.wait_for("cy@acme.example", |_| true).await.link());
    let lifetime = scalar(
        &app,
        match app.db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "SELECT CAST(EXTRACT(EPOCH FROM (expires_at - sent_at)) AS BIGINT) FROM invitations WHERE email = 'cy@acme.example'",
            _ => "SELECT CAST((julianday(expires_at) - julianday(sent_at)) * 86400 + 0.5 AS INTEGER) FROM invitations WHERE email = 'cy@acme.example'",
        },
    )
    .await;
    assert_eq!(lifetime, 7 * 24 * 3600);
    app.db
        .execute_unprepared(match app.db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "UPDATE invitations SET expires_at = NOW() - INTERVAL '1 second'",
            _ => "UPDATE invitations SET expires_at = '2000-01-01 00:00:00+00:00'",
        })
        .await
        .unwrap();
    let expired = app
        .browser()
        .call(
            "accept_invitation_sign_up",
            &[("token", &token), ("full_name", "Cy"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(expired.status(), 422);
    assert!(expired.text().await.unwrap().contains("expired"));

    // A signed-in invitee accepts once; a second use is refused.
    app.db
        .execute_unprepared("UPDATE invitations SET expires_at = created_at")
        .await
        .ok();
    ada.call("send_invitation", &[("email", "dan@acme.example")]).await;
    let token = token_of(&smtp.wait_for("dan@acme.example", |_| true).await.link());
    let dan = verified_user(&app, &smtp, "Dan", "dan@acme.example").await;
    assert!(overview(&dan).await.get("Pending").is_some(), "approval is on");
    assert_eq!(dan.call("accept_invitation", &[("token", &token)]).await.status(), 200);
    assert!(
        overview(&dan).await.get("Member").is_some(),
        "an invitation skips approval"
    );
    assert_eq!(dan.call("accept_invitation", &[("token", &token)]).await.status(), 422);
    // Someone else signed in cannot use the link.
    ada.call("send_invitation", &[("email", "eve@acme.example")]).await;
    let token = token_of(&smtp.wait_for("eve@acme.example", |_| true).await.link());
    let wrong = dan.call("accept_invitation", &[("token", &token)]).await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("another address"));
    app.stop().await;
}

async fn members_of_one_partner_cannot_touch_another(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    create_company(&ada, "Acme Ltd").await;
    verified_user(&app, &smtp, "Bob", "bob@acme.example").await;
    ada.call("send_invitation", &[("email", "cy@acme.example")]).await;
    let acme = overview(&ada).await;
    let bob_id = member_id(&acme, "bob@acme.example").to_string();
    let invitation_id = acme["Member"]["invitations"][0]["id"].as_i64().unwrap().to_string();

    let zed = verified_user(&app, &smtp, "Zed", "zed@globex.example").await;
    create_company(&zed, "Globex").await;
    for (endpoint, fields) in [
        ("remove_member", vec![("member_id", bob_id.as_str())]),
        (
            "change_member_role",
            vec![("member_id", bob_id.as_str()), ("role", "admin")],
        ),
        (
            "decide_member_request",
            vec![("member_id", bob_id.as_str()), ("decision", "decline")],
        ),
        ("resend_invitation", vec![("invitation_id", invitation_id.as_str())]),
        ("cancel_invitation", vec![("invitation_id", invitation_id.as_str())]),
    ] {
        let foreign = zed.call(endpoint, &fields).await;
        let missing_fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| if k.ends_with("_id") { (*k, "999999") } else { (*k, *v) })
            .collect();
        let missing = zed.call(endpoint, &missing_fields).await;
        assert_eq!(foreign.status(), 404, "{endpoint}");
        assert_eq!(
            foreign.status(),
            missing.status(),
            "{endpoint}: another partner's id answers like no id"
        );
        assert_eq!(
            foreign.text().await.unwrap(),
            missing.text().await.unwrap(),
            "{endpoint}"
        );
    }
    // Nothing of Acme changed.
    let after = overview(&ada).await;
    assert_eq!(after["Member"]["members"], acme["Member"]["members"]);
    assert_eq!(after["Member"]["invitations"], acme["Member"]["invitations"]);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM audit_events WHERE partner_id IS NOT NULL AND actor_user_id = (SELECT id FROM users WHERE email_canonical = 'zed@globex.example') AND action NOT LIKE 'partner.%'").await, 0);
    app.stop().await;
}

async fn plain_members_cannot_administer(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    create_company(&ada, "Acme Ltd").await;
    let bob = verified_user(&app, &smtp, "Bob", "bob@acme.example").await;
    let ada_id = member_id(&overview(&ada).await, "ada@acme.example").to_string();
    for (endpoint, fields) in [
        ("remove_member", vec![("member_id", ada_id.as_str())]),
        (
            "change_member_role",
            vec![("member_id", ada_id.as_str()), ("role", "member")],
        ),
        ("send_invitation", vec![("email", "cy@acme.example")]),
        ("set_member_approval", vec![("required", "on")]),
        (
            "save_company",
            vec![
                ("name", "Hijacked"),
                ("website", ""),
                ("address", ""),
                ("country", ""),
                ("phone", ""),
                ("description", ""),
            ],
        ),
        ("company_activity", vec![("page", "0")]),
    ] {
        assert_eq!(bob.call(endpoint, &fields).await.status(), 403, "{endpoint}");
    }
    let anonymous = app.browser();
    assert_eq!(anonymous.call("company_overview", &[]).await.status(), 401);
    assert_eq!(
        anonymous
            .call("remove_member", &[("member_id", ada_id.as_str())])
            .await
            .status(),
        401
    );
    assert_eq!(overview(&ada).await["Member"]["details"]["name"], "Acme Ltd");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM invitations").await, 0);
    app.stop().await;
}

async fn the_last_admin_stays_even_under_concurrent_removals(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    create_company(&ada, "Acme Ltd").await;
    let bob = verified_user(&app, &smtp, "Bob", "bob@acme.example").await;
    let company = overview(&ada).await;
    let (ada_id, bob_id) = (
        member_id(&company, "ada@acme.example").to_string(),
        member_id(&company, "bob@acme.example").to_string(),
    );

    let alone = ada
        .call("change_member_role", &[("member_id", &ada_id), ("role", "member")])
        .await;
    assert_eq!(alone.status(), 422);
    assert!(alone.text().await.unwrap().contains("at least one admin"));
    assert_eq!(ada.call("remove_member", &[("member_id", &ada_id)]).await.status(), 422);

    // Two admins remove each other at the same moment: one succeeds, one is refused. Rounds repeat
    // the race, restoring the removed admin each time.
    assert_eq!(
        ada.call("change_member_role", &[("member_id", &bob_id), ("role", "admin")])
            .await
            .status(),
        200
    );
    for round in 0..3 {
        let current = overview(&ada).await;
        let (ada_id, bob_id) = (
            member_id(&current, "ada@acme.example").to_string(),
            member_id(&current, "bob@acme.example").to_string(),
        );
        let (remove_bob, remove_ada) = ([("member_id", bob_id.as_str())], [("member_id", ada_id.as_str())]);
        let (a, b) = tokio::join!(
            ada.call("remove_member", &remove_bob),
            bob.call("remove_member", &remove_ada)
        );
        let statuses = [a.status().as_u16(), b.status().as_u16()];
        let admins = scalar(
            &app,
            "SELECT COUNT(*) FROM partner_members WHERE role = 'admin' AND status = 'active'",
        )
        .await;
        assert_eq!(admins, 1, "round {round}: statuses {statuses:?}");
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "round {round}: {statuses:?}"
        );
        // The loser is refused either as the last admin (422) or, if the winner's removal landed
        // first, as someone who is no longer a member (404).
        assert!(
            statuses.iter().all(|s| [200, 404, 422].contains(s)),
            "round {round}: {statuses:?}"
        );
        let (survivor, removed, removed_email) = if statuses[0] == 200 {
            (&ada, &bob, "bob@acme.example")
        } else {
            (&bob, &ada, "ada@acme.example")
        };
        assert_eq!(removed.call("join_company", &[]).await.status(), 200);
        let rejoined = member_id(&overview(survivor).await, removed_email).to_string();
        assert_eq!(
            survivor
                .call("change_member_role", &[("member_id", &rejoined), ("role", "admin")])
                .await
                .status(),
            200
        );
    }
    app.stop().await;
}

async fn removing_a_member_ends_their_access_at_once(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    create_company(&ada, "Acme Ltd").await;
    let bob = verified_user(&app, &smtp, "Bob", "bob@acme.example").await;
    assert!(overview(&bob).await.get("Member").is_some());
    let bob_id = member_id(&overview(&ada).await, "bob@acme.example").to_string();
    // Bob is promoted, then removed: neither change waits for him to sign in again.
    ada.call("change_member_role", &[("member_id", &bob_id), ("role", "admin")])
        .await;
    assert_eq!(overview(&bob).await["Member"]["is_admin"], true);
    assert_eq!(ada.call("remove_member", &[("member_id", &bob_id)]).await.status(), 200);
    assert!(overview(&bob).await.get("Member").is_none());
    assert_eq!(
        bob.call("send_invitation", &[("email", "cy@acme.example")])
            .await
            .status(),
        404
    );
    app.stop().await;
}

async fn the_activity_log_records_changes_newest_first(backend: Backend) {
    let (app, smtp) = start(backend).await;
    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    create_company(&ada, "Acme Ltd").await;
    verified_user(&app, &smtp, "Bob", "bob@acme.example").await;
    ada.call("send_invitation", &[("email", "cy@acme.example")]).await;
    for i in 0..30 {
        ada.call(
            "save_company",
            &[
                ("name", &format!("Acme {i}")),
                ("website", ""),
                ("address", ""),
                ("country", ""),
                ("phone", ""),
                ("description", ""),
            ],
        )
        .await;
    }
    let first: Value = ada.call_json("company_activity", &[("page", "0")]).await;
    let rows = first["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 25);
    assert_eq!(first["has_next"], true);
    assert_eq!(rows[0]["action"], "partner.updated");
    assert_eq!(rows[0]["actor"], "Ada");
    assert_eq!(rows[0]["client_ip"], "127.0.0.1");
    let second: Value = ada.call_json("company_activity", &[("page", "1")]).await;
    let actions: Vec<&str> = second["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(second["has_next"], false);
    assert_eq!(actions.len(), 8);
    assert_eq!(actions[5..], ["invitation.sent", "member.joined", "partner.created"]);
    // Objects are named as they are called now: the invited address, the member who joined, the
    // company.
    let names: Vec<&str> = second["rows"].as_array().unwrap()[5..]
        .iter()
        .map(|r| r["object_name"].as_str().unwrap_or("(none)"))
        .collect();
    assert_eq!(names, ["cy@acme.example", "Bob", "Acme 29"]);
    // Account events are recorded too, and no event holds a token or password.
    assert!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'account.email_verified'"
        )
        .await
            >= 2
    );
    let leaked = scalar(
        &app,
        &format!("SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%{PASSWORD}%' OR detail LIKE '%token%'"),
    )
    .await;
    assert_eq!(leaked, 0);
    let page = ada.page("/company/activity").await;
    assert!(page.contains("partner.updated") && page.contains("Older"));
    // Of the page's two tabs only Activity is marked as the current page.
    let link_to = |html: &str, text: &str| {
        let end = html
            .find(&format!(">{text}</a>"))
            .unwrap_or_else(|| panic!("a {text} link"));
        let start = html[..end].rfind("<a").unwrap();
        html[start..end].to_owned()
    };
    assert!(
        link_to(&page, "Activity").contains(r#"aria-current="page""#),
        "{}",
        link_to(&page, "Activity")
    );
    assert!(
        !link_to(&page, "Details").contains("aria-current"),
        "{}",
        link_to(&page, "Details")
    );
    let details = ada.page("/company").await;
    assert!(link_to(&details, "Details").contains(r#"aria-current="page""#));

    // A removed member's row is gone; the event still names the person.
    let bob = member_id(&overview(&ada).await, "bob@acme.example").to_string();
    assert_eq!(
        ada.call("remove_member", &[("member_id", bob.as_str())]).await.status(),
        200
    );
    let latest: Value = ada.call_json("company_activity", &[("page", "0")]).await;
    assert_eq!(latest["rows"][0]["action"], "member.removed");
    assert_eq!(latest["rows"][0]["object_name"], "Bob", "{latest}");
    app.stop().await;
}

async fn invitation_tokens_are_256_random_bits_stored_as_their_sha256(backend: Backend) {
    use base64::Engine as _;
    let (app, smtp) = start(backend).await;
    let ada = verified_user(&app, &smtp, "Ada", "ada@acme.example").await;
    create_company(&ada, "Acme Ltd").await;
    assert_eq!(
        ada.call("send_invitation", &[("email", "cy@acme.example")])
            .await
            .status(),
        200
    );
    let token = token_of(
        &smtp
            .wait_for("cy@acme.example", |m| m.subject.contains("invited you"))
            .await
            .link(),
    );
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&token)
        .unwrap_or_else(|error| panic!("the token {token:?} is not base64url: {error}"));
    assert_eq!(bytes.len(), 32, "an invitation token carries 256 bits");
    assert_eq!(
        crate::support::text(
            &app,
            "SELECT token_hash FROM invitations WHERE email = 'cy@acme.example'"
        )
        .await,
        Some(app::backend::tokens::sha256_hex(&token)),
        "the invitation token is stored as its SHA-256"
    );
    app.stop().await;
}
