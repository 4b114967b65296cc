//! The front door of every Leptos server function (`/api/*`).
//!
//! Leptos registers one route per server function; this middleware wraps all of them and adds
//! what server functions cannot do for themselves:
//! - rate limits for the endpoints an attacker would hammer, per client address and per email,
//!   counted in the database so they hold across instances;
//! - the HTTP status that matches the error (422, 401, 404, 429 …) instead of a blanket 500;
//! - for plain form posts (JavaScript off): the error and the typed values go into the session
//!   flash and the browser is sent back to the form, which shows them;
//! - redirects only ever stay on this site, whatever the `Referer` says;
//! - a plain post that reveals a secret gets a page showing it, not a redirect that would lose it;
//! - a field the server function does not take is refused, not ignored (see `fields`).

pub mod fields;

use crate::startup::ServerState;
use app::accounts::api::FormFlash;
use app::accounts::email::Email;
use app::backend::client::ClientAddr;
use app::backend::navigation::{referer_path, same_site_path};
use app::backend::rate_limit::{self, Decision};
use app::backend::sessions::FLASH_PREFIX;
use app::error::AppError;
use axum::Extension;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::{self, HeaderValue};
use std::collections::BTreeMap;
use std::net::IpAddr;
use tower_sessions::Session;

/// Server-function arguments are a few short fields; anything larger is not a form of ours.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Endpoints that take an email address and cost an attacker nothing to repeat.
const RATE_LIMITED: &[&str] = &["sign_in", "sign_up", "forgot_password", "resend_verification"];

pub async fn guard(
    State(state): State<ServerState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response();
    };
    let endpoint = parts.uri.path().trim_start_matches("/api/").to_owned();
    let plain_form = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    // Repeated names (checkbox groups) keep every value, comma-separated.
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(&body).into_owned() {
        fields
            .entry(name)
            .and_modify(|v| *v = format!("{v},{value}"))
            .or_insert(value);
    }

    // Where a browser without JavaScript goes back to: the page the form was on, if it is ours.
    let back = referer_path(&state.app.settings.base_url, &parts.headers).unwrap_or_else(|| "/".to_owned());

    if let Some(unknown) = state
        .accepted
        .first_unknown(&endpoint, fields.keys().map(String::as_str))
    {
        // The name is the caller's: shortened, and written escaped so it cannot forge a log line.
        let shown: String = unknown.chars().take(64).collect();
        tracing::warn!(endpoint = %endpoint, field = ?shown, "server function sent a field it does not take");
        let error = AppError::invalid_form(format!("This form does not take a field called “{shown}”."));
        if plain_form {
            return back_to_form(&session, &endpoint, &back, error, fields).await;
        }
        return error_response(false, &error, &back);
    }

    if RATE_LIMITED.contains(&endpoint.as_str()) {
        match check_rate_limits(&state, &endpoint, client, fields.get("email")).await {
            Ok(Decision::Allowed) => {}
            Ok(Decision::Limited { retry_after_seconds }) => {
                tracing::warn!(endpoint = %endpoint, client.ip = %client, "rate limit reached");
                return rate_limited(plain_form, retry_after_seconds, &back);
            }
            // Fail closed: without counters we cannot tell an attack from a user.
            Err(error) => {
                tracing::error!(error = %error, "rate-limit check failed");
                return error_response(plain_form, &AppError::Internal, &back);
            }
        }
    }

    let response = next.run(Request::from_parts(parts, Body::from(body))).await;

    if response.headers().contains_key("serverfnerror") {
        let (mut head, body) = response.into_parts();
        let bytes = to_bytes(body, MAX_BODY_BYTES).await.unwrap_or_default();
        let error = serde_json::from_slice::<AppError>(&bytes).unwrap_or(AppError::Internal);
        if plain_form {
            return back_to_form(&session, &endpoint, &back, error, fields).await;
        }
        head.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return Response::from_parts(head, Body::from(bytes));
    }
    if plain_form && SECRET_ENDPOINTS.contains(&endpoint.as_str()) {
        return secret_page(response, &back).await;
    }
    keep_redirect_on_site(&state, response)
}

/// Endpoints whose answer carries a secret that exists nowhere else.
const SECRET_ENDPOINTS: &[&str] = &["reveal_secret", "roll_secret", "create_gateway_token"];

/// Without JavaScript a successful form post would be redirected back to its page, and a newly
/// revealed secret, which Portico keeps only as a hash, would be lost. So the browser gets a page
/// that shows it once instead (every response is `no-store`).
async fn secret_page(response: Response, back: &str) -> Response {
    let bytes = to_bytes(response.into_body(), MAX_BODY_BYTES).await.unwrap_or_default();
    let Ok(revealed) = serde_json::from_slice::<app::credentials::api::RevealedSecret>(&bytes) else {
        return error_response(true, &AppError::Internal, back);
    };
    let escape = app::backend::mail::escape_html;
    let body = format!(
        "<section class=\"card secret-box\"><h1>Copy your secret now</h1>\
         <p class=\"notice warning\">{}</p>\
         <div class=\"field\"><label for=\"public-key\">{}</label><input id=\"public-key\" type=\"text\" readonly value=\"{}\"></div>\
         <div class=\"field\"><label for=\"secret\">Secret</label><input id=\"secret\" type=\"text\" readonly value=\"{}\"></div>\
         <p><a href=\"{}\">Back</a></p></section>",
        revealed.keeping_advice(),
        escape(&revealed.identifier_label),
        escape(&revealed.public_key),
        escape(&revealed.secret.0),
        escape(&revealed.back_to),
    );
    plain_page(StatusCode::OK, "Your new secret · Portico", &body)
}

/// A page for a browser without JavaScript, in the portal's stylesheet, around `body` (HTML
/// whose every value the caller escaped).
fn plain_page(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"/pkg/portico.css\"></head><body><main class=\"page\">{body}</main></body></html>"
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

async fn check_rate_limits(
    state: &ServerState,
    endpoint: &str,
    client: IpAddr,
    email: Option<&String>,
) -> Result<Decision, sea_orm::DbErr> {
    let limits = &state.app.settings.rate_limits;
    let now = chrono::Utc::now().timestamp();
    let db = &state.app.db;
    let by_client = rate_limit::hit(
        db,
        &format!("{endpoint}:client:{client}"),
        limits.per_client,
        limits.window_seconds,
        now,
    )
    .await?;
    let Some(email) = email else {
        return Ok(by_client);
    };
    // Count by the canonical address, so that case and Unicode variants share one budget.
    let address = Email::parse(email)
        .map(|e| e.canonical())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    let address: String = address.chars().take(320).collect();
    let by_email = rate_limit::hit(
        db,
        &format!("{endpoint}:email:{address}"),
        limits.per_email,
        limits.window_seconds,
        now,
    )
    .await?;
    Ok(match (by_client, by_email) {
        (Decision::Limited { retry_after_seconds: a }, Decision::Limited { retry_after_seconds: b }) => {
            Decision::Limited {
                retry_after_seconds: a.max(b),
            }
        }
        (limited @ Decision::Limited { .. }, _) | (_, limited @ Decision::Limited { .. }) => limited,
        _ => Decision::Allowed,
    })
}

fn rate_limited(plain_form: bool, retry_after_seconds: i64, back: &str) -> Response {
    let error = AppError::RateLimited { retry_after_seconds };
    let mut response = error_response(plain_form, &error, back);
    if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// An error answer in the form its caller reads: the server-function error encoding for fetch, a
/// short page for a plain form post, with a link `back` to the page the form was on.
fn error_response(plain_form: bool, error: &AppError, back: &str) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if plain_form {
        let escape = app::backend::mail::escape_html;
        let body = format!(
            "<section class=\"card\"><h1>{}</h1><p><a href=\"{}\">Go back</a> or <a href=\"/\">start again</a>.</p></section>",
            escape(&error.to_string()),
            escape(back),
        );
        return plain_page(status, "Portico", &body);
    }
    let body = serde_json::to_vec(error).unwrap_or_default();
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (http::HeaderName::from_static("serverfnerror"), "1"),
        ],
        Bytes::from(body),
    )
        .into_response()
}

/// After a failed plain form post: remember the error and what was typed, and go back to the form.
async fn back_to_form(
    session: &Session,
    endpoint: &str,
    back: &str,
    error: AppError,
    mut fields: BTreeMap<String, String>,
) -> Response {
    if error == AppError::Unauthenticated {
        // Signed out meanwhile (the session expired): sign in, then back to the form's page.
        return redirect(&format!("/signin?next={}", app::ui::encode_query_value(back)));
    }
    // Passwords and tokens are never written to the session.
    fields.retain(|name, _| !name.contains("password") && name != "token");
    let flash = FormFlash {
        error: Some(error),
        values: fields,
    };
    if let Err(error) = session.insert(&format!("{FLASH_PREFIX}{endpoint}"), flash).await {
        tracing::error!(error = %error, "could not store the form flash");
    }
    redirect(back)
}

fn redirect(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// Replaces any `Location` that would leave this site with `/`.
fn keep_redirect_on_site(state: &ServerState, mut response: Response) -> Response {
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(location) = location {
        let safe = same_site_path(&state.app.settings.base_url, &location).unwrap_or_else(|| "/".to_owned());
        if let Ok(value) = HeaderValue::from_str(&safe) {
            response.headers_mut().insert(header::LOCATION, value);
        }
    }
    response
}
