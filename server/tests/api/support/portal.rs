//! What people do on the portal, as calls a test or the benchmark can make: a developer with a
//! company, registered applications waiting for their credentials, revealed secrets, and the
//! operator's gateway tokens and rate limits. Each helper asserts that its step succeeded.

use super::smtp::SmtpSink;
use super::{Browser, TestApp, verified_user};
use serde_json::Value;
use std::time::Duration;

/// The Company form as a developer first saves it: a name, every other field empty.
pub const COMPANY_FORM: [(&str, &str); 6] = [
    ("name", "Acme Ltd"),
    ("website", ""),
    ("address", ""),
    ("country", ""),
    ("phone", ""),
    ("description", ""),
];

/// A verified developer with a complete profile, in a company of their domain.
pub async fn developer(app: &TestApp, smtp: &SmtpSink, name: &str, email: &str) -> Browser {
    let browser = verified_user(app, smtp, name, email).await;
    let saved = browser
        .call(
            "save_profile",
            &[
                ("full_name", name),
                ("job_title", ""),
                ("phone", ""),
                ("accept_terms", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 200);
    let company: Value = browser.call_json("company_overview", &[]).await;
    if company.get("NoPartner").is_some() {
        assert_eq!(browser.call("save_company", &COMPANY_FORM).await.status(), 200);
    }
    browser
}

pub async fn catalogue(browser: &Browser) -> (Vec<(i64, String)>, Vec<(i64, String)>) {
    let options: Value = browser.call_json("registration_context", &[]).await;
    let list = |key: &str| {
        options[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["id"].as_i64().unwrap(), e["name"].as_str().unwrap().to_owned()))
            .collect()
    };
    (list("products"), list("environments"))
}

/// Registers "Payments Hub" with both products in the named environments; returns its public id.
pub async fn register(browser: &Browser, environments: &[&str]) -> String {
    register_as(browser, "Payments Hub", "web", "authorization_code", environments).await
}

/// Registers an application with both products in the named environments; returns its public id.
pub async fn register_as(
    browser: &Browser,
    name: &str,
    app_type: &str,
    auth_method: &str,
    environments: &[&str],
) -> String {
    let response = try_register(browser, name, app_type, auth_method, environments).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    location
        .trim_start_matches("/apis/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

/// Sends the registration form of [`register_as`] and returns the answer, which may be a refusal.
pub async fn try_register(
    browser: &Browser,
    name: &str,
    app_type: &str,
    auth_method: &str,
    environments: &[&str],
) -> reqwest::Response {
    let (products, all_environments) = catalogue(browser).await;
    let redirect_urls = if auth_method == "authorization_code" {
        "https://acme.example/callback"
    } else {
        ""
    };
    let mut fields: Vec<(String, String)> = vec![
        ("name".into(), name.into()),
        ("app_type".into(), app_type.into()),
        ("auth_method".into(), auth_method.into()),
        ("description".into(), "Moves money".into()),
        ("site_url".into(), "https://acme.example".into()),
        ("redirect_urls".into(), redirect_urls.into()),
    ];
    fields.extend(products.iter().map(|(id, _)| ("products[]".to_owned(), id.to_string())));
    fields.extend(
        all_environments
            .iter()
            .filter(|(_, name)| environments.contains(&name.as_str()))
            .map(|(id, _)| ("environments[]".to_owned(), id.to_string())),
    );
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.call("register_application", &borrowed).await
}

pub async fn details(browser: &Browser, public_id: &str) -> reqwest::Response {
    browser.call("application_details", &[("public_id", public_id)]).await
}

/// The application's credential matrix and OAuth clients, as its page reads them.
pub async fn credentials(browser: &Browser, public_id: &str) -> reqwest::Response {
    browser
        .call("application_credentials", &[("public_id", public_id)])
        .await
}

/// Waits until the worker has provisioned every credential of the application; returns the
/// credentials.
pub async fn provisioned(browser: &Browser, public_id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let app: Value = credentials(browser, public_id).await.json().await.unwrap();
        if app["provisioning"] == false {
            return app;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "provisioning did not finish in 15 s; last answer: {app}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn credential_id(app: &Value, environment: &str, product: &str) -> String {
    app["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["environment"] == environment && c["product"] == product)
        .unwrap_or_else(|| panic!("{product} in {environment}: {app}"))["credential"]["id"]
        .as_i64()
        .unwrap()
        .to_string()
}

/// The id of the environment or product called `name`, from the operator's overview.
pub async fn catalogue_id(operator: &Browser, list: &str, name: &str) -> String {
    let overview: Value = operator.call_json("admin_overview", &[]).await;
    overview[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {list}"))["id"]
        .to_string()
}

/// Creates a gateway token for the environment called `environment`; returns the token.
pub async fn gateway_token(operator: &Browser, environment: &str) -> String {
    let environment_id = catalogue_id(operator, "environments", environment).await;
    let fields = [("environment_id", environment_id.as_str()), ("name", "Edge gateway")];
    let created: Value = operator.call_json("create_gateway_token", &fields).await;
    let token = created["secret"].as_str().unwrap().to_owned();
    assert!(
        token.starts_with(&format!("gt_{}_", environment.to_lowercase())),
        "{token}"
    );
    token
}

pub struct Key {
    pub application: String,
    pub credential_id: String,
    pub public_key: String,
    pub secret: String,
}

/// Registers "Payments Hub" in the sandbox and reveals its Digital Banking secret.
pub async fn sandbox_key(owner: &Browser) -> Key {
    let application = register(owner, &["Sandbox"]).await;
    let credential_id = credential_id(&provisioned(owner, &application).await, "Sandbox", "Digital Banking");
    let revealed = reveal(owner, &credential_id, "").await;
    Key {
        application,
        credential_id,
        public_key: revealed["public_key"].as_str().unwrap().to_owned(),
        secret: revealed["secret"].as_str().unwrap().to_owned(),
    }
}

pub async fn reveal(owner: &Browser, id: &str, kind: &str) -> Value {
    let response = owner
        .call("reveal_secret", &[("credential_id", id), ("kind", kind)])
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Sets the operator's requests-per-minute limit for a product in an environment (both by name);
/// returns the status the server function answered.
pub async fn set_rate_limit(operator: &Browser, product: &str, environment: &str, limit: &str) -> u16 {
    let product = catalogue_id(operator, "products", product).await;
    let environment = catalogue_id(operator, "environments", environment).await;
    let fields = [
        ("product_id", product.as_str()),
        ("environment_id", environment.as_str()),
        ("requests_per_minute", limit),
    ];
    operator.call("save_rate_limit", &fields).await.status().as_u16()
}
