//! `GET|POST /gateway/v1/verify`: is this consumer credential good for this gateway's
//! environment? See the Docs page and `openapi.json` for the contract.
//!
//! Order of work: the gateway token (403), the credential's shape and checksum (401 before any
//! lookup), the credential's state, the rate limit (429), then the answer. Usage is counted in
//! memory. Any database failure answers 503: verification never says "valid" without having
//! looked.

use super::limiter::{Admission, Quota};
use super::lookup::{AccessRecord, ApplicationFacts, GatewayIdentity, KeyRecord, PartnerFacts};
use super::presented::{self, Presented};
use super::usage::Subject;
use super::{Gateway, authenticate_gateway, fixed_answer, gateway_forbidden, unavailable};
use app::backend::entities::usage_daily;
use app::backend::tokens::sha256;
use app::credentials::keys;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sea_orm::DbErr;

/// Why a credential was refused (DESIGN.md § Gateway verification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Invalid,
    Revoked,
    Disabled,
    Expired,
    WrongEnvironment,
}

impl Refusal {
    /// The 401 body, written out so that a refusal costs no serialisation.
    fn body(self) -> &'static str {
        match self {
            Self::Invalid => r#"{"valid":false,"code":"INVALID"}"#,
            Self::Revoked => r#"{"valid":false,"code":"REVOKED"}"#,
            Self::Disabled => r#"{"valid":false,"code":"DISABLED"}"#,
            Self::Expired => r#"{"valid":false,"code":"EXPIRED"}"#,
            Self::WrongEnvironment => r#"{"valid":false,"code":"WRONG_ENVIRONMENT"}"#,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Invalid => "INVALID",
            Self::Revoked => "REVOKED",
            Self::Disabled => "DISABLED",
            Self::Expired => "EXPIRED",
            Self::WrongEnvironment => "WRONG_ENVIRONMENT",
        }
    }
}

const RATE_LIMITED: &str = "RATE_LIMITED";

// The request is taken whole: the `HeaderMap` extractor would copy every header.
pub async fn verify(State(gateway): State<Gateway>, request: Request) -> Response {
    let headers = request.headers();
    let now = Utc::now();
    let identity = match authenticate_gateway(&gateway, headers, now).await {
        Ok(Some(identity)) => identity,
        Ok(None) => return gateway_forbidden(),
        Err(error) => return unavailable(error),
    };
    let answer = match presented::from_headers(headers) {
        Err(_) => Ok(refused(Refusal::Invalid)),
        Ok(Presented::ApiKey { secret }) => verify_key(&gateway, &identity, None, &secret, now).await,
        Ok(Presented::Basic { public_key, secret }) => {
            verify_key(&gateway, &identity, Some(&public_key), &secret, now).await
        }
        Ok(Presented::Bearer { token }) => verify_bearer(&gateway, &identity, &token, now).await,
    };
    answer.unwrap_or_else(unavailable)
}

async fn verify_key(
    gateway: &Gateway,
    identity: &GatewayIdentity,
    public_key: Option<&str>,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Response, DbErr> {
    // `presented` refused a wrong checksum before any lookup, so a typo or made-up secret never
    // reaches the database, not even to count a failure against a Basic public key.
    let Some(record) = gateway.lookups.key(&sha256(secret)).await? else {
        return refuse_basic(gateway, public_key, now).await;
    };
    if public_key.is_some_and(|pk| pk != record.public_key) {
        return refuse_basic(gateway, public_key, now).await;
    }
    let subject = Subject::Credential(record.credential_id);
    if let Some(refusal) = judge_key(&record, identity, now) {
        gateway.usage.record(subject, refusal.code(), now);
        return Ok(refused(refusal));
    }
    let limit = gateway.lookups.limit(record.product_id, record.environment_id).await?;
    let quota = match admit(gateway, subject, limit, now).await? {
        Ok(quota) => quota,
        Err(limited) => return Ok(limited),
    };
    let answer = record.answer.get_or_init(|| {
        PreparedAnswer::new(
            &record.environment,
            &record.product,
            &record.application,
            &record.partner,
            &record.public_key,
        )
    });
    Ok(answer.respond(quota))
}

/// Refuses a well-formed secret as INVALID. A wrong secret sent with a real public key counts as a
/// failure of that credential, so its owners hear about someone trying it.
async fn refuse_basic(gateway: &Gateway, public_key: Option<&str>, now: DateTime<Utc>) -> Result<Response, DbErr> {
    if let Some(public_key) = public_key.filter(|pk| keys::environment_of_identifier(pk, "pk").is_some())
        && let Some(id) = gateway.lookups.credential_by_public_key(public_key).await?
    {
        gateway
            .usage
            .record(Subject::Credential(id), Refusal::Invalid.code(), now);
    }
    Ok(refused(Refusal::Invalid))
}

/// The refusal for a credential found by its secret, if any. Revocation outranks everything: a
/// revoked key is reported as revoked wherever it is sent.
fn judge_key(record: &KeyRecord, identity: &GatewayIdentity, now: DateTime<Utc>) -> Option<Refusal> {
    if record.revoked {
        return Some(Refusal::Revoked);
    }
    if !record.issued {
        return Some(Refusal::Invalid);
    }
    if record.grace_until.is_some_and(|until| until <= now) {
        return Some(Refusal::Expired);
    }
    if record.environment_id != identity.environment_id {
        return Some(Refusal::WrongEnvironment);
    }
    if !record.application.active || !record.enabled {
        return Some(Refusal::Disabled);
    }
    None
}

async fn verify_bearer(
    gateway: &Gateway,
    identity: &GatewayIdentity,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Response, DbErr> {
    let Some(record) = gateway.lookups.access_token(&sha256(token)).await? else {
        return Ok(refused(Refusal::Invalid));
    };
    let subject = Subject::Client(record.client_row_id);
    if let Some(refusal) = judge_access(&record, identity.environment_id, now) {
        gateway.usage.record(subject, refusal.code(), now);
        return Ok(refused(refusal));
    }
    let mut limit = i64::MAX;
    for product in record.products.iter().filter(|p| p.usable()) {
        limit = limit.min(gateway.lookups.limit(product.product_id, record.environment_id).await?);
    }
    let quota = match admit(gateway, subject, limit, now).await? {
        Ok(quota) => quota,
        Err(limited) => return Ok(limited),
    };
    let scope = usable_scope(&record);
    // A token's scope can narrow from one call to the next (a product switched off), so its
    // answer is prepared per call.
    let answer = PreparedAnswer::new(
        &record.environment,
        &scope,
        &record.application,
        &record.partner,
        &record.client_id,
    );
    Ok(answer.respond(quota))
}

/// The products an access token still covers, space-separated as in its scope.
pub fn usable_scope(record: &AccessRecord) -> String {
    record
        .products
        .iter()
        .filter(|p| p.usable())
        .map(|p| p.slug.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The refusal for an access token, if any; shared with introspection.
pub fn judge_access(record: &AccessRecord, environment_id: i64, now: DateTime<Utc>) -> Option<Refusal> {
    if record.client_revoked {
        return Some(Refusal::Revoked);
    }
    if record.expires_at <= now {
        return Some(Refusal::Expired);
    }
    if record.environment_id != environment_id {
        return Some(Refusal::WrongEnvironment);
    }
    if !record.application.active || !record.client_enabled {
        return Some(Refusal::Disabled);
    }
    if !record.products.iter().any(|p| p.usable()) {
        // Every product in scope lost its credential: switched off, or revoked.
        return Some(if record.products.iter().any(|p| p.issued) {
            Refusal::Disabled
        } else {
            Refusal::Revoked
        });
    }
    None
}

/// Spends one request of the subject's budget, or answers 429.
async fn admit(
    gateway: &Gateway,
    subject: Subject,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Result<Quota, Response>, DbErr> {
    match gateway.limiter.admit(subject, limit, now.timestamp()).await? {
        Admission::Allowed(quota) => {
            gateway.usage.record(subject, usage_daily::OK, now);
            Ok(Ok(quota))
        }
        Admission::Limited {
            quota,
            retry_after_seconds,
        } => {
            gateway.usage.record(subject, RATE_LIMITED, now);
            let mut response = fixed_answer(
                StatusCode::TOO_MANY_REQUESTS,
                r#"{"valid":false,"code":"RATE_LIMITED"}"#,
            );
            let headers = response.headers_mut();
            set_quota_headers(headers, &quota);
            headers.insert(axum::http::header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
            Ok(Err(response))
        }
    }
}

fn refused(refusal: Refusal) -> Response {
    fixed_answer(StatusCode::UNAUTHORIZED, refusal.body())
}

/// What a 200 says, in the body and, for nginx `auth_request`, in headers. This is the answer a
/// gateway waits for on every call: everything but the rate limit is the same for every call
/// with one credential, so it is prepared once per memoised lookup (see
/// [`KeyRecord::answer`](super::lookup::KeyRecord)) and each call only appends its quota.
#[derive(Debug, Clone)]
pub struct PreparedAnswer {
    /// The JSON body up to the `rate_limit` value: `{"valid":true,…,"rate_limit":`.
    body_prefix: Vec<u8>,
    /// `X-Portico-Application`, `-Partner`, `-Product`, `-Environment`, where valid as headers.
    identity_headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(serde::Serialize)]
struct ValidFacts<'a> {
    valid: bool,
    environment: &'a str,
    product: &'a str,
    application: ApplicationBody<'a>,
    partner: PartnerBody<'a>,
    credential: CredentialBody<'a>,
}

#[derive(serde::Serialize)]
struct ApplicationBody<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(serde::Serialize)]
struct PartnerBody<'a> {
    id: i64,
    domain: &'a str,
    name: &'a str,
}

#[derive(serde::Serialize)]
struct CredentialBody<'a> {
    public_key: &'a str,
}

const X_PORTICO_APPLICATION: HeaderName = HeaderName::from_static("x-portico-application");
const X_PORTICO_PARTNER: HeaderName = HeaderName::from_static("x-portico-partner");
const X_PORTICO_PRODUCT: HeaderName = HeaderName::from_static("x-portico-product");
const X_PORTICO_ENVIRONMENT: HeaderName = HeaderName::from_static("x-portico-environment");
const X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const X_RATELIMIT_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

impl PreparedAnswer {
    pub fn new(
        environment: &str,
        product: &str,
        application: &ApplicationFacts,
        partner: &PartnerFacts,
        public_key: &str,
    ) -> Self {
        let facts = ValidFacts {
            valid: true,
            environment,
            product,
            application: ApplicationBody {
                id: &application.public_id,
                name: &application.name,
            },
            partner: PartnerBody {
                id: partner.id,
                domain: &partner.domain,
                name: &partner.name,
            },
            credential: CredentialBody { public_key },
        };
        // Serialising borrowed strings and integers into memory cannot fail.
        let mut body_prefix = serde_json::to_vec(&facts).unwrap_or_default();
        // Reopen the object for the one field that changes per call.
        body_prefix.pop();
        body_prefix.extend_from_slice(br#","rate_limit":"#);
        // Identifiers only: slugs, public ids and punycode domains are plain ASCII. Names are
        // free text and stay in the body.
        let identity_headers = [
            (X_PORTICO_APPLICATION, application.public_id.as_str()),
            (X_PORTICO_PARTNER, partner.domain.as_str()),
            (X_PORTICO_PRODUCT, product),
            (X_PORTICO_ENVIRONMENT, environment),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, HeaderValue::from_str(value).ok()?)))
        .collect();
        Self {
            body_prefix,
            identity_headers,
        }
    }

    fn respond(&self, quota: Quota) -> Response {
        let mut body = Vec::with_capacity(self.body_prefix.len() + 64);
        body.extend_from_slice(&self.body_prefix);
        if serde_json::to_writer(&mut body, &quota).is_err() {
            // Three integers into memory cannot fail to serialise; if it ever did, say so.
            tracing::error!("could not write a verify answer");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        body.push(b'}');
        let mut response = Response::new(Body::from(body));
        let headers = response.headers_mut();
        headers.reserve(8);
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in &self.identity_headers {
            headers.insert(name, value.clone());
        }
        set_quota_headers(headers, &quota);
        response
    }
}

fn set_quota_headers(headers: &mut HeaderMap, quota: &Quota) {
    headers.insert(X_RATELIMIT_LIMIT, HeaderValue::from(quota.limit));
    headers.insert(X_RATELIMIT_REMAINING, HeaderValue::from(quota.remaining));
    headers.insert(X_RATELIMIT_RESET, HeaderValue::from(quota.reset));
}
