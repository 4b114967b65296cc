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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorView {
    pub approvals: Vec<ApprovalRequest>,
    pub partners: Vec<PartnerOverview>,
}

#[cfg(feature = "ssr")]
async fn operator() -> Result<(crate::backend::AppState, crate::backend::entities::user::Model), AppError> {
    use crate::backend::request::{require_user, session, state};
    let state = state()?;
    let session = session().await?;
    let user = require_user(&state, &session).await?;
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
    Ok(OperatorView { approvals, partners })
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

/// The whole audit log, newest first, for operators.
#[server(endpoint = "audit_log")]
pub async fn audit_log(#[server(default)] page: u64) -> Result<crate::partners::api::ActivityPage, AppError> {
    let (state, _) = operator().await?;
    let page = page.min(100_000);
    let (events, has_next) = crate::backend::audit::page(&state.db, sea_orm::Condition::all(), page, 50)
        .await
        .map_err(|e| crate::backend::internal("audit log failed", e))?;
    Ok(crate::partners::api::activity_page(events, page, has_next))
}
