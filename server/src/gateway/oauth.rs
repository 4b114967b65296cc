//! OAuth 2.0 for service applications: the client credentials grant (RFC 6749 §4.4) at
//! `/oauth/token`, and token introspection (RFC 7662) at `/oauth/introspect` for gateways.
//!
//! Access tokens are opaque `at_<env>_…` strings with a checksum, valid for one hour, stored as
//! SHA-256, and scoped to the client's application and environment and to the products the
//! application holds issued credentials for there.

use super::verify::{judge_access, usable_scope};
use super::{Gateway, authenticate_gateway, gateway_forbidden, unavailable};
use app::backend::entities::{access_token, application, credential, oauth_client, product};
use app::backend::tokens::{sha256, sha256_hex};
use app::credentials::keys::{self, PlainSecret, SecretKind};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::json;
use std::collections::HashMap;

pub const TOKEN_LIFETIME_SECONDS: i64 = 3600;

/// An error of RFC 6749 §5.2.
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: &'static str,
    /// The client authenticated with HTTP Basic: a 401 then names the scheme (RFC 6749 §5.2).
    basic_challenge: bool,
}

impl OAuthError {
    fn invalid_request(description: &'static str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description,
            basic_challenge: false,
        }
    }

    fn invalid_client(basic_challenge: bool) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "Client authentication failed.",
            basic_challenge,
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(json!({ "error": self.error, "error_description": self.description })),
        )
            .into_response();
        no_store(response.headers_mut());
        if self.basic_challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"portico\""),
            );
        }
        response
    }
}

fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// A form body as RFC 6749 wants it: url-encoded, each parameter at most once.
fn form(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(OAuthError::invalid_request(
            "Send the parameters as application/x-www-form-urlencoded.",
        ));
    }
    let mut parameters = HashMap::new();
    for (name, value) in form_urlencoded::parse(body) {
        if parameters.insert(name.into_owned(), value.into_owned()).is_some() {
            return Err(OAuthError::invalid_request("A parameter was sent more than once."));
        }
    }
    Ok(parameters)
}

/// `application/x-www-form-urlencoded` decoding of one client id or secret (RFC 6749 §2.3.1).
fn form_decode(part: &str) -> String {
    form_urlencoded::parse(format!("v={part}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// The client id and secret, from HTTP Basic or from the body, never both.
fn client_credentials(
    headers: &HeaderMap,
    parameters: &HashMap<String, String>,
) -> Result<(String, String, bool), OAuthError> {
    let in_body = (parameters.get("client_id"), parameters.get("client_secret"));
    let authorization = headers.get(header::AUTHORIZATION);
    match (authorization, in_body) {
        (Some(_), (Some(_), _) | (_, Some(_))) => Err(OAuthError::invalid_request(
            "Authenticate the client with one method only.",
        )),
        (Some(value), _) => {
            let value = value.to_str().map_err(|_| OAuthError::invalid_client(true))?;
            let (scheme, encoded) = value.split_once(' ').ok_or(OAuthError::invalid_client(true))?;
            if !scheme.eq_ignore_ascii_case("basic") {
                return Err(OAuthError::invalid_client(true));
            }
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or(OAuthError::invalid_client(true))?;
            let (id, secret) = decoded.split_once(':').ok_or(OAuthError::invalid_client(true))?;
            Ok((form_decode(id), form_decode(secret), true))
        }
        (None, (Some(id), Some(secret))) => Ok((id.clone(), secret.clone(), false)),
        (None, _) => Err(OAuthError::invalid_client(false)),
    }
}

pub async fn token(State(gateway): State<Gateway>, headers: HeaderMap, body: Bytes) -> Response {
    match issue(&gateway, &headers, &body).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => error.into_response(),
        Err(error) => unavailable(error),
    }
}

async fn issue(gateway: &Gateway, headers: &HeaderMap, body: &[u8]) -> Result<Result<Response, OAuthError>, DbErr> {
    let parameters = match form(headers, body) {
        Ok(parameters) => parameters,
        Err(error) => return Ok(Err(error)),
    };
    let (client_id, secret, basic) = match client_credentials(headers, &parameters) {
        Ok(found) => found,
        Err(error) => return Ok(Err(error)),
    };
    match parameters.get("grant_type").map(String::as_str) {
        None => return Ok(Err(OAuthError::invalid_request("grant_type is missing."))),
        Some("client_credentials") => {}
        Some(_) => {
            return Ok(Err(OAuthError {
                status: StatusCode::BAD_REQUEST,
                error: "unsupported_grant_type",
                description: "Only the client_credentials grant is supported.",
                basic_challenge: false,
            }));
        }
    }
    let db = gateway.lookups.db();
    let Some(client) = authenticate_client(db, &client_id, &secret).await? else {
        return Ok(Err(OAuthError::invalid_client(basic)));
    };
    let available = products_of(db, &client).await?;
    let requested: Vec<&str> = parameters
        .get("scope")
        .map(|scope| scope.split(' ').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let scope: Vec<String> = if requested.is_empty() {
        available.clone()
    } else if requested.iter().all(|wanted| available.iter().any(|p| p == wanted)) {
        requested.iter().map(|s| (*s).to_owned()).collect()
    } else {
        Vec::new()
    };
    if scope.is_empty() {
        return Ok(Err(OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_scope",
            description: "The scope names a product this client has no working credential for.",
            basic_challenge: false,
        }));
    }
    let environment = keys::environment_of_identifier(&client.client_id, "ci").unwrap_or_default();
    let token = PlainSecret::generate(SecretKind::AccessToken, environment);
    let now = Utc::now();
    let scope = scope.join(" ");
    access_token::ActiveModel {
        token_hash: Set(token.digest()),
        oauth_client_id: Set(client.id),
        scope: Set(scope.clone()),
        expires_at: Set(now + Duration::seconds(TOKEN_LIFETIME_SECONDS)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    tracing::info!(oauth_client.client_id = %client.client_id, scope = %scope, "access token issued");
    let mut response = (
        StatusCode::OK,
        axum::Json(json!({
            "access_token": token.expose(),
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "scope": scope,
        })),
    )
        .into_response();
    no_store(response.headers_mut());
    Ok(Ok(response))
}

/// The live, enabled client of an active application whose current secret, or previous secret
/// within its grace period, is `secret`.
async fn authenticate_client(
    db: &sea_orm::DatabaseConnection,
    client_id: &str,
    secret: &str,
) -> Result<Option<oauth_client::Model>, DbErr> {
    let (Some(id_environment), Ok(secret_environment)) = (
        keys::environment_of_identifier(client_id, "ci"),
        keys::check(SecretKind::ClientSecret, secret),
    ) else {
        return Ok(None);
    };
    if id_environment != secret_environment {
        return Ok(None);
    }
    let Some(client) = oauth_client::Entity::find()
        .filter(oauth_client::Column::ClientId.eq(client_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let digest = sha256_hex(secret);
    let now = Utc::now();
    let current = client.secret_hash.as_deref() == Some(digest.as_str());
    let in_grace = client.previous_secret_hash.as_deref() == Some(digest.as_str())
        && client.previous_secret_expires_at.is_some_and(|until| until > now);
    if !(current || in_grace) || client.is_revoked() || !client.enabled {
        return Ok(None);
    }
    let active = application::Entity::find_by_id(client.application_id)
        .one(db)
        .await?
        .is_some_and(|app| app.status == application::ACTIVE);
    Ok(active.then_some(client))
}

/// Slugs of the products the client's application holds a working credential for in the
/// client's environment.
async fn products_of(db: &sea_orm::DatabaseConnection, client: &oauth_client::Model) -> Result<Vec<String>, DbErr> {
    let product_ids: Vec<i64> = credential::Entity::find()
        .filter(credential::Column::ApplicationId.eq(client.application_id))
        .filter(credential::Column::EnvironmentId.eq(client.environment_id))
        .filter(credential::Column::State.eq(credential::ISSUED))
        .filter(credential::Column::Enabled.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.product_id)
        .collect();
    let mut slugs: Vec<String> = product::Entity::find()
        .filter(product::Column::Id.is_in(product_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.slug)
        .collect();
    slugs.sort();
    Ok(slugs)
}

/// RFC 7662 for gateways: is this access token active for the calling gateway's environment?
pub async fn introspect(State(gateway): State<Gateway>, headers: HeaderMap, body: Bytes) -> Response {
    let now = Utc::now();
    let identity = match authenticate_gateway(&gateway, &headers, now).await {
        Ok(Some(identity)) => identity,
        Ok(None) => return gateway_forbidden(),
        Err(error) => return unavailable(error),
    };
    let parameters = match form(&headers, &body) {
        Ok(parameters) => parameters,
        Err(error) => return error.into_response(),
    };
    let Some(token) = parameters.get("token").filter(|t| !t.is_empty()) else {
        return OAuthError::invalid_request("token is missing.").into_response();
    };
    let record = if keys::check(SecretKind::AccessToken, token).is_ok() {
        match gateway.lookups.access_token(&sha256(token)).await {
            Ok(record) => record,
            Err(error) => return unavailable(error),
        }
    } else {
        None
    };
    let body = match record.filter(|r| judge_access(r, identity.environment_id, now).is_none()) {
        None => json!({ "active": false }),
        Some(record) => json!({
            "active": true,
            "client_id": record.client_id,
            "scope": usable_scope(&record),
            "token_type": "Bearer",
            "exp": record.expires_at.timestamp(),
            "iat": record.issued_at.timestamp(),
            "sub": record.application.public_id,
            "aud": record.environment,
            "environment": record.environment,
            "application": { "id": record.application.public_id, "name": record.application.name },
            "partner": { "id": record.partner.id, "domain": record.partner.domain, "name": record.partner.name },
        }),
    };
    let mut response = (StatusCode::OK, axum::Json(body)).into_response();
    no_store(response.headers_mut());
    response
}
