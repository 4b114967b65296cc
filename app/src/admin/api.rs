//! Operator server functions. Everyone who is not an operator gets "not found": the admin area
//! does not admit to existing.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    pub credential_id: i64,
    pub application: String,
    pub partner: String,
    pub domain: String,
    pub product: String,
    pub environment: String,
    pub requested_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerOverview {
    pub name: String,
    pub domain: String,
    pub members: usize,
    pub applications: Vec<String>,
}

/// One partner as operators see it: the company page, every member (pending ones too) and every
/// application with its environments' states. Never a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerView {
    pub details: crate::partners::api::CompanyDetails,
    pub created_on: String,
    pub members: Vec<crate::partners::api::MemberRow>,
    pub applications: Vec<crate::applications::api::AppSummary>,
}

/// An environment or a product, as operators edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueItem {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub needs_approval: bool,
    pub enabled: bool,
    /// Products only: the ids of the products this one includes.
    pub includes: Vec<i64>,
}

/// A gateway token as operators see it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayTokenRow {
    pub id: i64,
    pub name: String,
    pub environment: String,
    pub hint: String,
    pub created_on: String,
    pub last_used: Option<String>,
    pub revoked: bool,
}

/// The per-credential limit of one product in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitRow {
    pub product_id: i64,
    pub product: String,
    pub environment_id: i64,
    pub environment: String,
    pub requests_per_minute: i32,
    /// No operator has set it: the default applies.
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorView {
    pub approvals: Vec<ApprovalRequest>,
    pub partners: Vec<PartnerOverview>,
    pub environments: Vec<CatalogueItem>,
    pub products: Vec<CatalogueItem>,
    pub gateway_tokens: Vec<GatewayTokenRow>,
    pub rate_limits: Vec<RateLimitRow>,
}

#[cfg(feature = "ssr")]
async fn operator() -> Result<(crate::backend::AppState, crate::backend::entities::user::Model), AppError> {
    use crate::backend::request::signed_in;
    let (state, _, user) = signed_in().await?;
    crate::admin::service::require_operator(&state, &user).map_err(|_| AppError::NotFound)?;
    Ok((state, user))
}

#[server(endpoint = "admin_overview")]
pub async fn admin_overview() -> Result<OperatorView, AppError> {
    use crate::admin::service;
    use crate::backend::internal;
    let (state, _) = operator().await?;
    let fail = |e| internal("admin overview failed", e);
    let approvals = service::approvals_queue(&state.db)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|w| ApprovalRequest {
            credential_id: w.credential.id,
            application: w.application.name,
            partner: w.partner.name,
            domain: w.partner.domain,
            product: w.product.name,
            environment: w.environment.name,
            requested_on: w.credential.created_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    let partners = service::partners_overview(&state.db)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|(p, members, applications)| PartnerOverview {
            name: p.name,
            domain: p.domain,
            members,
            applications,
        })
        .collect();
    use crate::backend::entities::{environment, product, product_include};
    use sea_orm::{EntityTrait, QueryOrder};
    let environments: Vec<CatalogueItem> = environment::Entity::find()
        .order_by_asc(environment::Column::Position)
        .all(&state.db)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|e| CatalogueItem {
            id: e.id,
            slug: e.slug,
            name: e.name,
            description: e.description,
            needs_approval: e.needs_approval,
            enabled: e.enabled,
            includes: Vec::new(),
        })
        .collect();
    let includes = product_include::Entity::find().all(&state.db).await.map_err(fail)?;
    let products: Vec<CatalogueItem> = product::Entity::find()
        .order_by_asc(product::Column::Name)
        .all(&state.db)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|p| CatalogueItem {
            includes: includes
                .iter()
                .filter(|i| i.product_id == p.id)
                .map(|i| i.included_product_id)
                .collect(),
            id: p.id,
            slug: p.slug,
            name: p.name,
            description: p.description,
            needs_approval: false,
            enabled: p.enabled,
        })
        .collect();
    let (gateway_tokens, rate_limits) = gateway_overview(&state, &environments, &products).await?;
    Ok(OperatorView {
        approvals,
        partners,
        environments,
        products,
        gateway_tokens,
        rate_limits,
    })
}

#[cfg(feature = "ssr")]
async fn gateway_overview(
    state: &crate::backend::AppState,
    environments: &[CatalogueItem],
    products: &[CatalogueItem],
) -> Result<(Vec<GatewayTokenRow>, Vec<RateLimitRow>), AppError> {
    use crate::admin::gateway;
    use crate::backend::entities::rate_limit_rule::DEFAULT_REQUESTS_PER_MINUTE;
    let fail = |e| crate::backend::internal("gateway overview failed", e);
    let environment_name = |id: i64| {
        environments
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.name.clone())
            .unwrap_or_default()
    };
    let tokens = gateway::tokens(&state.db)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|t| GatewayTokenRow {
            id: t.id,
            name: t.name,
            environment: environment_name(t.environment_id),
            hint: t.token_hint,
            created_on: t.created_at.format("%Y-%m-%d").to_string(),
            last_used: t.last_used_at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    let rules = gateway::rate_limits(&state.db).await.map_err(fail)?;
    let mut limits = Vec::new();
    for product in products {
        for environment in environments {
            let rule = rules
                .iter()
                .find(|r| r.product_id == product.id && r.environment_id == environment.id);
            limits.push(RateLimitRow {
                product_id: product.id,
                product: product.name.clone(),
                environment_id: environment.id,
                environment: environment.name.clone(),
                requests_per_minute: rule.map_or(DEFAULT_REQUESTS_PER_MINUTE, |r| r.requests_per_minute),
                is_default: rule.is_none(),
            });
        }
    }
    Ok((tokens, limits))
}

#[cfg(feature = "ssr")]
fn gateway_error(error: crate::admin::gateway::GatewayAdminError) -> AppError {
    use crate::admin::gateway::GatewayAdminError;
    match error {
        GatewayAdminError::NotFound => AppError::NotFound,
        other => crate::backend::internal("gateway configuration failed", other),
    }
}

/// Creates a gateway token; the answer carries the token, once.
#[server(endpoint = "create_gateway_token")]
pub async fn create_gateway_token(
    environment_id: i64,
    name: String,
) -> Result<crate::credentials::api::RevealedSecret, AppError> {
    use crate::credentials::api::{OneTimeSecret, RevealedSecret};
    let (state, user) = operator().await?;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::invalid_field(
            "name",
            "Name the gateway in 1 to 100 characters, e.g. \"Production nginx\".",
        ));
    }
    let actor = crate::backend::request::actor(Some(user.id)).await;
    let (created, environment, token) = crate::admin::gateway::create_token(&state, &actor, environment_id, name)
        .await
        .map_err(gateway_error)?;
    Ok(RevealedSecret {
        credential_id: created.id,
        identifier_label: "Gateway".into(),
        back_to: "/admin".into(),
        public_key: format!("{} ({})", created.name, environment.name),
        secret: OneTimeSecret(token.into_exposed()),
    })
}

#[server(endpoint = "revoke_gateway_token")]
pub async fn revoke_gateway_token(id: i64) -> Result<(), AppError> {
    let (state, user) = operator().await?;
    let actor = crate::backend::request::actor(Some(user.id)).await;
    crate::admin::gateway::revoke_token(&state, &actor, id)
        .await
        .map_err(gateway_error)?;
    leptos_axum::redirect("/admin?token_revoked=1");
    Ok(())
}

/// Sets the requests per minute that each credential of a product gets in an environment.
#[server(endpoint = "save_rate_limit")]
pub async fn save_rate_limit(
    product_id: i64,
    environment_id: i64,
    requests_per_minute: String,
) -> Result<(), AppError> {
    use crate::admin::gateway::MAX_REQUESTS_PER_MINUTE;
    let (state, user) = operator().await?;
    let limit = requests_per_minute
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| (1..=MAX_REQUESTS_PER_MINUTE).contains(n))
        .ok_or_else(|| {
            AppError::invalid_form(format!(
                "Enter the limit as a whole number of requests per minute from 1 to {MAX_REQUESTS_PER_MINUTE}."
            ))
        })?;
    let actor = crate::backend::request::actor(Some(user.id)).await;
    crate::admin::gateway::set_rate_limit(&state, &actor, product_id, environment_id, limit)
        .await
        .map_err(gateway_error)?;
    leptos_axum::redirect("/admin?rate_limit_saved=1");
    Ok(())
}

#[server(endpoint = "decide_approval")]
pub async fn decide_approval(
    credential_id: i64,
    decision: String,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    use crate::admin::service::{self, AdminError};
    use crate::backend::{internal, request::actor};
    let (state, user) = operator().await?;
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::invalid_form("Choose approve or reject.")),
    };
    let reason = reason.trim().to_owned();
    if !approve && reason.is_empty() {
        return Err(AppError::invalid_field(
            "reason",
            "Give the owners a reason for the rejection.",
        ));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::invalid_field("reason", "Use at most 500 characters."));
    }
    let reason = (!reason.is_empty()).then_some(reason);
    service::decide(&state, &actor(Some(user.id)).await, credential_id, approve, reason)
        .await
        .map_err(|e| match e {
            AdminError::NotFound | AdminError::NotOperator => AppError::NotFound,
            other => internal("approval failed", other),
        })?;
    leptos_axum::redirect("/admin?decided=1");
    Ok(())
}

/// One partner, by its domain, for operators; "not found" for anyone else and for a domain with
/// no company.
#[server(endpoint = "partner_detail")]
pub async fn partner_detail(domain: String) -> Result<PartnerView, AppError> {
    use crate::backend::entities::partner;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (state, operator_user) = operator().await?;
    let fail = |e| crate::backend::internal("partner lookup failed", e);
    let domain = crate::accounts::email::canonical_domain(domain.trim()).map_err(|_| AppError::NotFound)?;
    let found = partner::Entity::find()
        .filter(partner::Column::Domain.eq(domain))
        .one(&state.db)
        .await
        .map_err(fail)?
        .ok_or(AppError::NotFound)?;
    let members = crate::partners::service::members_of(&state.db, found.id)
        .await
        .map_err(fail)?
        .iter()
        .map(|member| crate::partners::api::ssr::member_row(member, operator_user.id))
        .collect();
    let listed = crate::applications::service::application_list_of_partner(&state.db, found.id)
        .await
        .map_err(fail)?;
    let applications = crate::applications::api::ssr::summaries(&state.db, listed)
        .await
        .map_err(fail)?;
    Ok(PartnerView {
        created_on: found.created_at.format("%Y-%m-%d").to_string(),
        details: found.into(),
        members,
        applications,
    })
}

/// The kinds of event the operators' audit log can be narrowed to: the query value, its label,
/// and the action prefixes it covers.
pub const AUDIT_KINDS: [(&str, &str, &[&str]); 6] = [
    ("accounts", "Accounts and sign-ins", &["account."]),
    (
        "companies",
        "Companies, members and invitations",
        &["partner.", "member.", "invitation."],
    ),
    ("applications", "Applications", &["application."]),
    (
        "credentials",
        "Credentials and OAuth clients",
        &["credential.", "oauth_client."],
    ),
    (
        "gateways",
        "Gateway tokens and rate limits",
        &["gateway_token.", "rate_limit."],
    ),
    ("catalogue", "Products and environments", &["catalogue."]),
];

/// The audit log, newest first, for operators: all of it, or one company's events (by its
/// domain), or one kind of event (see [`AUDIT_KINDS`]), or both.
#[server(endpoint = "audit_log")]
pub async fn audit_log(
    #[server(default)] page: u64,
    #[server(default)] partner: String,
    #[server(default)] kind: String,
) -> Result<crate::partners::api::ActivityPage, AppError> {
    use crate::backend::entities::{audit_event, partner as partner_entity};
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
    let (state, _) = operator().await?;
    let fail = |e| crate::backend::internal("audit log failed", e);
    let page = page.min(100_000);
    let mut filter = Condition::all();
    if !kind.is_empty() {
        let Some((_, _, prefixes)) = AUDIT_KINDS.iter().find(|(value, ..)| *value == kind) else {
            return Err(AppError::invalid_field("kind", "Choose a kind of event from the list."));
        };
        let any_prefix = prefixes.iter().fold(Condition::any(), |any, prefix| {
            any.add(audit_event::Column::Action.starts_with(*prefix))
        });
        filter = filter.add(any_prefix);
    }
    if !partner.is_empty() {
        // Partners are stored by their domain in lower-case punycode; a hand-written address may
        // use either form.
        let domain = crate::accounts::email::canonical_domain(partner.trim()).unwrap_or_default();
        let found = partner_entity::Entity::find()
            .filter(partner_entity::Column::Domain.eq(domain))
            .one(&state.db)
            .await
            .map_err(fail)?;
        // A domain with no company has no events; it is not an error worth a message.
        filter = filter.add(audit_event::Column::PartnerId.eq(found.map_or(-1, |p| p.id)));
    }
    let naming = crate::backend::audit::Naming::Credentials;
    let (events, has_next) = crate::backend::audit::page(&state.db, filter, page, 50, naming)
        .await
        .map_err(fail)?;
    Ok(crate::partners::api::activity_page(events, page, has_next))
}

#[cfg(feature = "ssr")]
fn catalogue_text(name: &str, description: &str) -> Result<(String, String), AppError> {
    let mut errors = crate::error::FormErrors::default();
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors = errors.with_field("name", "Use 1 to 100 characters.");
    }
    let description = description.trim().to_owned();
    if description.chars().count() > 1000 {
        errors = errors.with_field("description", "Use at most 1000 characters.");
    }
    if errors.is_empty() {
        Ok((name, description))
    } else {
        Err(AppError::Invalid(errors))
    }
}

#[cfg(feature = "ssr")]
fn catalogue_error(error: crate::admin::service::CatalogueError) -> AppError {
    use crate::admin::service::CatalogueError;
    match error {
        CatalogueError::SlugTaken => AppError::invalid_field("slug", "Another entry already uses this slug."),
        CatalogueError::NotFound => AppError::NotFound,
        other => crate::backend::internal("catalogue change failed", other),
    }
}

/// Creates (`id` 0) or updates an environment.
#[server(endpoint = "save_environment")]
pub async fn save_environment(
    #[server(default)] id: i64,
    slug: String,
    name: String,
    #[server(default)] description: String,
    needs_approval: Option<String>,
    enabled: Option<String>,
) -> Result<(), AppError> {
    use crate::admin::service::{self, EnvironmentFields};
    let (state, user) = operator().await?;
    let slug = slug.trim().to_owned();
    if !crate::credentials::keys::is_valid_environment_slug(&slug) {
        return Err(AppError::invalid_field(
            "slug",
            "Use 1 to 20 lower-case letters and digits: the slug appears inside keys.",
        ));
    }
    let (name, description) = catalogue_text(&name, &description)?;
    let fields = EnvironmentFields {
        slug,
        name,
        description,
        needs_approval: needs_approval.is_some(),
        enabled: enabled.is_some(),
    };
    let actor = crate::backend::request::actor(Some(user.id)).await;
    service::save_environment(&state, &actor, (id > 0).then_some(id), fields)
        .await
        .map_err(catalogue_error)?;
    leptos_axum::redirect("/admin?catalogue_saved=1");
    Ok(())
}

/// Creates (`id` 0) or updates a product and what it includes.
#[server(endpoint = "save_product")]
pub async fn save_product(
    #[server(default)] id: i64,
    slug: String,
    name: String,
    #[server(default)] description: String,
    enabled: Option<String>,
    #[server(default)] includes: Vec<i64>,
) -> Result<(), AppError> {
    use crate::admin::service::{self, ProductFields};
    let (state, user) = operator().await?;
    let slug = slug.trim().to_owned();
    let valid = (2..=60).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-');
    if !valid {
        return Err(AppError::invalid_field(
            "slug",
            "Use 2 to 60 lower-case letters, digits and hyphens.",
        ));
    }
    let (name, description) = catalogue_text(&name, &description)?;
    let fields = ProductFields {
        slug,
        name,
        description,
        enabled: enabled.is_some(),
        includes,
    };
    let actor = crate::backend::request::actor(Some(user.id)).await;
    service::save_product(&state, &actor, (id > 0).then_some(id), fields)
        .await
        .map_err(catalogue_error)?;
    leptos_axum::redirect("/admin?catalogue_saved=1");
    Ok(())
}
