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
    if approve {
        crate::credentials::clients::ensure_client(&txn, &app, &environment, now).await?;
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

/// What an operator may set on an environment.
pub struct EnvironmentFields {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub needs_approval: bool,
    pub enabled: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("the slug is taken")]
    SlugTaken,
    #[error("no such catalogue entry")]
    NotFound,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

fn unique_violation(error: DbErr) -> CatalogueError {
    if crate::backend::is_unique_violation(&error) {
        CatalogueError::SlugTaken
    } else {
        CatalogueError::Db(error)
    }
}

/// Creates (`id` = None) or updates an environment.
pub async fn save_environment(
    state: &AppState,
    actor: &Actor,
    id: Option<i64>,
    fields: EnvironmentFields,
) -> Result<(), CatalogueError> {
    use sea_orm::{ActiveModelTrait, PaginatorTrait, Set};
    let txn = begin_write(&state.db).await?;
    let saved = match id {
        Some(id) => {
            let existing = environment::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(CatalogueError::NotFound)?;
            let mut row: environment::ActiveModel = existing.into();
            row.slug = Set(fields.slug);
            row.name = Set(fields.name);
            row.description = Set(fields.description);
            row.needs_approval = Set(fields.needs_approval);
            row.enabled = Set(fields.enabled);
            row.update(&txn).await.map_err(unique_violation)?
        }
        None => {
            let position = environment::Entity::find().count(&txn).await? as i32 + 1;
            environment::ActiveModel {
                slug: Set(fields.slug),
                name: Set(fields.name),
                description: Set(fields.description),
                needs_approval: Set(fields.needs_approval),
                enabled: Set(fields.enabled),
                position: Set(position),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(unique_violation)?
        }
    };
    let detail = json!({ "slug": saved.slug, "needs_approval": saved.needs_approval, "enabled": saved.enabled });
    audit::record(
        &txn,
        actor,
        Event::new("catalogue.environment_saved", "environment", saved.id).detail(detail),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub struct ProductFields {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub includes: Vec<i64>,
}

/// Creates (`id` = None) or updates a product and the products it includes.
pub async fn save_product(
    state: &AppState,
    actor: &Actor,
    id: Option<i64>,
    fields: ProductFields,
) -> Result<(), CatalogueError> {
    use crate::backend::entities::product_include;
    use sea_orm::{ActiveModelTrait, Set};
    let txn = begin_write(&state.db).await?;
    let saved = match id {
        Some(id) => {
            let existing = product::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(CatalogueError::NotFound)?;
            let mut row: product::ActiveModel = existing.into();
            row.slug = Set(fields.slug);
            row.name = Set(fields.name);
            row.description = Set(fields.description);
            row.enabled = Set(fields.enabled);
            row.update(&txn).await.map_err(unique_violation)?
        }
        None => product::ActiveModel {
            slug: Set(fields.slug),
            name: Set(fields.name),
            description: Set(fields.description),
            enabled: Set(fields.enabled),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(unique_violation)?,
    };
    product_include::Entity::delete_many()
        .filter(product_include::Column::ProductId.eq(saved.id))
        .exec(&txn)
        .await?;
    let known = product::Entity::find()
        .filter(product::Column::Id.is_in(fields.includes.clone()))
        .all(&txn)
        .await?;
    for included in known.iter().filter(|p| p.id != saved.id) {
        product_include::ActiveModel {
            product_id: Set(saved.id),
            included_product_id: Set(included.id),
        }
        .insert(&txn)
        .await?;
    }
    let detail = json!({ "slug": saved.slug, "enabled": saved.enabled, "includes": known.iter().filter(|p| p.id != saved.id).map(|p| &p.slug).collect::<Vec<_>>() });
    audit::record(
        &txn,
        actor,
        Event::new("catalogue.product_saved", "product", saved.id).detail(detail),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
