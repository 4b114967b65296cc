//! Request guards: the origin check that stands in for CSRF tokens, on every route a browser
//! uses, and the security headers, on every route; and who the client is.

use app::backend::client::{ClientAddr, ProxyNetwork, client_address};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderValue};
use http::{Method, StatusCode};
use std::net::SocketAddr;
use std::sync::Arc;

/// The one origin people use to reach Portico, e.g. `https://portal.example.com`.
#[derive(Clone, Debug)]
pub struct TrustedOrigin(pub Arc<str>);

/// Refuses state-changing requests that a browser sent on behalf of another site.
///
/// Leptos server functions have no CSRF protection of their own. Browsers label every request with
/// `Sec-Fetch-Site`; older ones at least send `Origin` on POST. A request must show one of them and
/// it must say "this site". Requests with neither are refused too: no browser Portico supports
/// sends a POST without them, and failing closed costs nothing.
///
/// The gateway API and the OAuth endpoints are not behind this guard: other programs call them
/// with tokens, never with cookies (see `startup::router`).
pub async fn require_same_origin(State(origin): State<TrustedOrigin>, request: Request, next: Next) -> Response {
    if is_safe_method(request.method()) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let verdict = match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin",
        None => headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|value| value.eq_ignore_ascii_case(&origin.0)),
    };
    if !verdict {
        tracing::warn!(http.path = %request.uri().path(), "cross-site or origin-less request refused");
        return (
            StatusCode::FORBIDDEN,
            "This request did not come from this site, so it was refused.",
        )
            .into_response();
    }
    next.run(request).await
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The reverse proxies whose `X-Forwarded-For` names the client (`Settings::trusted_proxies`).
#[derive(Clone)]
pub struct TrustedProxies(pub Arc<[ProxyNetwork]>);

/// Records who the client is as a [`ClientAddr`] extension, for rate limits and the audit log:
/// the TCP peer, or the client a trusted proxy forwards (`app::backend::client`).
pub async fn identify_client(
    State(TrustedProxies(trusted)): State<TrustedProxies>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let forwarded_for = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        // A value that is not text is not an address: the walk stops there.
        .map(|value| value.to_str().unwrap_or_default());
    let client = client_address(peer.ip(), forwarded_for, &trusted);
    request.extensions_mut().insert(ClientAddr(client));
    next.run(request).await
}

/// Runs the rest of the request in a task of its own, so that it finishes even when the browser
/// goes away first and hyper drops the request.
///
/// Leptos renders a page's suspended parts in effects spawned beside the request. Dropping the
/// request midway tears down the reactive owner those effects read from while they run: about
/// once in 2 000 abandoned page loads an effect panicked on a disposed signal or a missing
/// router, and sometimes a runtime thread deadlocked for good on the owner's lock (a server
/// thread lost to a closed browser tab). Finishing the render and discarding it costs one
/// page's work.
pub async fn finish_abandoned_requests(request: Request, next: Next) -> Response {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(error = %error, "a request handler panicked");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Adds the headers every response carries. Pages set their own Content-Security-Policy with the
/// nonce of their scripts; everything else gets one that allows nothing at all.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let is_static_asset = request.uri().path().starts_with("/pkg/");
    let mut response: Response<Body> = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = if is_static_asset {
            "default-src 'none'; frame-ancestors 'none'"
        } else {
            "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        };
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    }
    // Pages and API answers may carry personal data or, later, a secret: never store them.
    if !is_static_asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
