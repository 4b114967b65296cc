//! Operator work: the approvals queue for approval-gated environments, and the overview of every
//! partner. Operators are the verified accounts listed in `PORTICO_ADMIN_EMAILS`, checked on every
//! call.

use crate::backend::audit::{self, Actor, Event};
use crate::backend::entities::{application, credential, environment, partner, product, user};
use crate::backend::{AppState, begin_write, mail};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("not an operator")]
    NotOperator,
    #[error("no such request waiting for approval")]
    NotFound,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

pub fn is_operator(state: &AppState, user: &user::Model) -> bool {
    user.email_verified_at.is_some() && state.settings.is_operator(&user.email_canonical)
}

pub fn require_operator(state: &AppState, user: &user::Model) -> Result<(), AdminError> {
    if is_operator(state, user) {
        Ok(())
    } else {
        Err(AdminError::NotOperator)
    }
}

/// One credential waiting for an operator, with what they need to decide.
pub struct Waiting {
    pub credential: credential::Model,
    pub application: application::Model,
    pub partner: partner::Model,
    pub product: product::Model,
    pub environment: environment::Model,
}

pub async fn approvals_queue(db: &impl ConnectionTrait) -> Result<Vec<Waiting>, DbErr> {
    let waiting = credential::Entity::find()
        .filter(credential::Column::State.eq(credential::AWAITING_APPROVAL))
        .order_by_asc(credential::Column::CreatedAt)
        .all(db)
        .await?;
    let mut queue = Vec::with_capacity(waiting.len());
    for credential in waiting {
        let Some(application) = application::Entity::find_by_id(credential.application_id)
            .one(db)
            .await?
        else {
            continue;
        };
        let (Some(partner), Some(product), Some(environment)) = (
            partner::Entity::find_by_id(application.partner_id).one(db).await?,
            product::Entity::find_by_id(credential.product_id).one(db).await?,
            environment::Entity::find_by_id(credential.environment_id)
                .one(db)
                .await?,
        ) else {
            continue;
        };
        queue.push(Waiting {
            credential,
            application,
            partner,
            product,
            environment,
        });
    }
    Ok(queue)
}

/// Approves (issuing the credential) or rejects (with a reason) one waiting credential, and
/// emails the application's owners.
#[tracing::instrument(skip_all, fields(credential.id = credential_id))]
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    credential_id: i64,
    approve: bool,
    reason: Option<String>,
) -> Result<(), AdminError> {
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let waiting = credential::Entity::find_by_id(credential_id)
        .filter(credential::Column::State.eq(credential::AWAITING_APPROVAL))
        .one(&txn)
        .await?
        .ok_or(AdminError::NotFound)?;
    let environment = environment::Entity::find_by_id(waiting.environment_id)
        .one(&txn)
        .await?
        .ok_or(AdminError::NotFound)?;
    let app = application::Entity::find_by_id(waiting.application_id)
        .one(&txn)
        .await?
        .ok_or(AdminError::NotFound)?;
    let product = product::Entity::find_by_id(waiting.product_id)
        .one(&txn)
        .await?
        .ok_or(AdminError::NotFound)?;
    let mut update = credential::Entity::update_many()
        .filter(credential::Column::Id.eq(waiting.id))
        .filter(credential::Column::State.eq(credential::AWAITING_APPROVAL));
    update = if approve {
        update
            .col_expr(credential::Column::State, Expr::value(credential::ISSUED))
            .col_expr(
                credential::Column::PublicKey,
                Expr::value(crate::credentials::keys::new_public_key(&environment.slug)),
            )
            .col_expr(credential::Column::IssuedAt, Expr::value(now))
    } else {
        update
            .col_expr(credential::Column::State, Expr::value(credential::REJECTED))
            .col_expr(credential::Column::RejectionReason, Expr::value(reason.clone()))
    };
    if update.exec(&txn).await?.rows_affected != 1 {
        return Err(AdminError::NotFound);
    }
    let action = if approve {
        "credential.approved"
    } else {
        "credential.rejected"
    };
    let event = Event::new(action, "credential", waiting.id)
        .partner(app.partner_id)
        .detail(json!({ "environment": environment.slug, "reason": reason }));
    audit::record(&txn, actor, event).await?;
    let what = format!("{} in {}", product.name, environment.name);
    for (_, owner) in crate::applications::service::owners_of(&txn, &[app.id]).await? {
        let mail = super::emails::decision(&state.settings, &owner.email, &app, &what, approve, reason.as_deref());
        mail::enqueue(&txn, mail, now).await?;
    }
    txn.commit().await?;
    tracing::info!(approve, "approval decided");
    Ok(())
}

/// Every partner with its number of members and applications, for the operator's overview.
pub async fn partners_overview(db: &impl ConnectionTrait) -> Result<Vec<(partner::Model, usize, Vec<String>)>, DbErr> {
    let partners = partner::Entity::find()
        .order_by_asc(partner::Column::Name)
        .all(db)
        .await?;
    let mut overview = Vec::with_capacity(partners.len());
    for partner in partners {
        let members = crate::partners::service::members_of(db, partner.id).await?.len();
        let apps = crate::applications::service::applications_of(db, partner.id)
            .await?
            .into_iter()
            .map(|a| a.name)
            .collect();
        overview.push((partner, members, apps));
    }
    Ok(overview)
}
