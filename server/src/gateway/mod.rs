//! The gateway API: what the API provider's gateways call to check consumer credentials, and the
//! OAuth 2.0 token endpoint for service applications. Contract: `openapi.json` beside this file,
//! served at `/gateway/v1/openapi.json`, and explained on the Docs page.

mod cache;
pub mod limiter;
pub mod lookup;
mod oauth;
pub mod presented;
pub mod usage;
mod verify;

use app::backend::AppState;
use app::backend::tokens::sha256;
use app::credentials::keys::{self, SecretKind};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use std::sync::Arc;

/// Everything the gateway handlers share; one per server instance. Every request clones it (axum
/// `State`), so a clone is one reference count.
#[derive(Clone)]
pub struct Gateway(Arc<Shared>);

pub struct Shared {
    pub state: AppState,
    pub lookups: lookup::Lookups,
    pub limiter: limiter::Limiter,
    pub usage: usage::Recorder,
}

impl Gateway {
    pub fn new(state: AppState) -> Self {
        Self(Arc::new(Shared {
            lookups: lookup::Lookups::new(state.db.clone()),
            limiter: limiter::Limiter::new(state.db.clone()),
            usage: usage::Recorder::new(state.settings.gateway.record_usage),
            state,
        }))
    }
}

impl std::ops::Deref for Gateway {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub fn router(gateway: Gateway) -> Router {
    Router::new()
        .route("/gateway/v1/verify", get(verify::verify).post(verify::verify))
        .route("/gateway/v1/health", get(health))
        .route("/gateway/v1/openapi.json", get(openapi))
        .route("/oauth/token", axum::routing::post(oauth::token))
        .route("/oauth/introspect", axum::routing::post(oauth::introspect))
        .with_state(gateway)
}

/// A constant answer that touches nothing: for load balancers' liveness checks, and the baseline
/// the benchmark measures verification against.
async fn health() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], r#"{"status":"ok"}"#).into_response()
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

/// The gateway presenting `X-Portico-Gateway-Token`, if the token is live.
async fn authenticate_gateway(
    gateway: &Gateway,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Option<Arc<lookup::GatewayIdentity>>, DbErr> {
    let mut tokens = headers.get_all("x-portico-gateway-token").iter();
    let (Some(token), None) = (tokens.next(), tokens.next()) else {
        return Ok(None);
    };
    let Ok(token) = token.to_str() else {
        return Ok(None);
    };
    if keys::check(SecretKind::GatewayToken, token).is_err() {
        return Ok(None);
    }
    let identity = gateway.lookups.gateway(&sha256(token)).await?;
    if let Some(identity) = &identity {
        gateway.usage.gateway_token_used(identity.id, now);
    }
    Ok(identity)
}

/// A JSON answer whose body never changes, written out so that it costs no serialisation.
fn fixed_answer(status: StatusCode, body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn gateway_forbidden() -> Response {
    fixed_answer(StatusCode::FORBIDDEN, r#"{"valid":false,"code":"GATEWAY_FORBIDDEN"}"#)
}

/// Fail closed: without the database nothing is valid.
fn unavailable(error: DbErr) -> Response {
    tracing::error!(error = %error, "gateway API cannot reach the database");
    let mut response = fixed_answer(
        StatusCode::SERVICE_UNAVAILABLE,
        r#"{"valid":false,"code":"UNAVAILABLE"}"#,
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}
