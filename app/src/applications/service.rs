//! Applications on the server: registration, what members and owners may see, and provisioning.
//!
//! Registering writes the application, its owner, one queued credential per product ×
//! environment and one provisioning job per credential in a single transaction. The job worker
//! then moves each credential from `queued` to `issued` (or `awaiting_approval`) with a
//! conditional update, so a job that runs twice (a crash after the update, a second instance)
//! issues nothing twice.

use super::domain::{Details, Registration};
use crate::backend::audit::{self, Actor, Event};
use crate::backend::entities::{
    application, application_owner, credential, environment, job, partner_member, product, user,
};
use crate::backend::{AppState, begin_write, mail};
use crate::partners::service::Membership;
use chrono::{DateTime, Duration, Utc};
use rand::Rng as _;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Set,
};
use serde_json::json;

pub const PROVISION_CREDENTIAL: &str = "provision_credential";

#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    #[error("the profile is incomplete")]
    ProfileIncomplete,
    #[error("the user belongs to no partner")]
    NoPartner,
    #[error("an application with this name exists in the partner")]
    NameTaken,
    #[error("unknown or disabled product or environment")]
    UnknownCatalogueEntry,
    #[error("no such application for this user")]
    NotFound,
    #[error("removing environments {0:?} was not confirmed")]
    RemovalNotConfirmed(Vec<String>),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Enabled products and environments, in display order.
pub async fn catalogue(db: &impl ConnectionTrait) -> Result<(Vec<product::Model>, Vec<environment::Model>), DbErr> {
    let products = product::Entity::find()
        .filter(product::Column::Enabled.eq(true))
        .order_by_asc(product::Column::Name)
        .all(db)
        .await?;
    let environments = environment::Entity::find()
        .filter(environment::Column::Enabled.eq(true))
        .order_by_asc(environment::Column::Position)
        .all(db)
        .await?;
    Ok((products, environments))
}

fn public_id() -> String {
    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rngs::OsRng;
    let random: String = (0..16)
        .map(|_| char::from(BASE62[rng.gen_range(0..BASE62.len())]))
        .collect();
    format!("app_{random}")
}

/// A write refused by the unique index on a partner's application names.
fn name_taken(error: DbErr) -> ApplicationError {
    if crate::backend::is_unique_violation(&error) {
        ApplicationError::NameTaken
    } else {
        error.into()
    }
}

/// Redirect URLs as the `redirect_urls` column holds them: a JSON array.
fn redirect_urls_column(urls: &[String]) -> String {
    serde_json::to_string(urls).unwrap_or_else(|_| "[]".into())
}

#[tracing::instrument(skip_all, fields(user.id = user.id))]
pub async fn register(
    state: &AppState,
    actor: &Actor,
    user: &user::Model,
    membership: &Membership,
    registration: Registration,
) -> Result<application::Model, ApplicationError> {
    let (products, environments) = catalogue(&state.db).await?;
    let chosen_products = chosen(&products, &registration.product_ids, |p| p.id)?;
    let chosen_environments = chosen(&environments, &registration.environment_ids, |e| e.id)?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let taken = application::Entity::find()
        .filter(application::Column::PartnerId.eq(membership.partner.id))
        .filter(application::Column::Name.eq(&registration.details.name))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(ApplicationError::NameTaken);
    }
    let app = application::ActiveModel {
        public_id: Set(public_id()),
        partner_id: Set(membership.partner.id),
        name: Set(registration.details.name),
        app_type: Set(registration.app_type.as_str().into()),
        auth_method: Set(registration.auth_method.as_str().into()),
        description: Set(registration.details.description),
        site_url: Set(registration.details.site_url),
        redirect_urls: Set(redirect_urls_column(&registration.details.redirect_urls)),
        status: Set(application::ACTIVE.into()),
        created_by: Set(Some(user.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(name_taken)?;
    application_owner::ActiveModel {
        application_id: Set(app.id),
        user_id: Set(user.id),
        added_at: Set(now),
    }
    .insert(&txn)
    .await?;
    for product in &chosen_products {
        for environment in &chosen_environments {
            queue_credential(&txn, &app, product, environment, now).await?;
        }
    }
    let detail = json!({
        "name": app.name,
        "products": chosen_products.iter().map(|p| &p.slug).collect::<Vec<_>>(),
        "environments": chosen_environments.iter().map(|e| &e.slug).collect::<Vec<_>>(),
    });
    audit::record(
        &txn,
        actor,
        Event::new("application.registered", "application", &app.public_id)
            .partner(app.partner_id)
            .detail(detail),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(app.id = app.id, "application registered; provisioning queued");
    Ok(app)
}

/// A queued credential and the job that will provision it, written together.
async fn queue_credential(
    db: &impl ConnectionTrait,
    app: &application::Model,
    product: &product::Model,
    environment: &environment::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let queued = credential::ActiveModel {
        application_id: Set(app.id),
        product_id: Set(product.id),
        environment_id: Set(environment.id),
        state: Set(credential::QUEUED.into()),
        public_key: Set(None),
        secret_hash: Set(None),
        previous_secret_hash: Set(None),
        previous_secret_expires_at: Set(None),
        name: Set(format!("{} · {}", product.name, environment.name)),
        description: Set(String::new()),
        enabled: Set(true),
        rejection_reason: Set(None),
        created_at: Set(now),
        issued_at: Set(None),
        revealed_at: Set(None),
        revoked_at: Set(None),
        last_used_at: Set(None),
        usage_count: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await?;
    job::ActiveModel {
        kind: Set(PROVISION_CREDENTIAL.into()),
        payload: Set(json!({ "credential_id": queued.id }).to_string()),
        run_after: Set(now),
        attempts: Set(0),
        claimed_until: Set(None),
        done_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The partner's applications, oldest first.
pub async fn applications_of(db: &impl ConnectionTrait, partner_id: i64) -> Result<Vec<application::Model>, DbErr> {
    application::Entity::find()
        .filter(application::Column::PartnerId.eq(partner_id))
        .order_by_asc(application::Column::Id)
        .all(db)
        .await
}

/// One line of the partner's application list: what the My APIs page shows of an application.
#[derive(Debug, Clone)]
pub struct ListedApplication {
    pub id: i64,
    pub public_id: String,
    pub name: String,
    pub app_type: String,
    pub status: String,
    /// Owners' names, earliest owner first.
    pub owners: Vec<String>,
}

/// A row of [`application_list`]: the application's columns and one owner's name.
type ListRow = (i64, String, String, String, String, Option<String>);

/// The applications of the partner `user_id` is an active member of, with their owners' names,
/// oldest application first; empty for a user with no active membership. One query that reads
/// only the listed columns: a data page pays for every query, column and row it reads.
pub async fn application_list_of_member(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<ListedApplication>, DbErr> {
    let members_partner = Query::select()
        .column(partner_member::Column::PartnerId)
        .from(partner_member::Entity)
        .and_where(partner_member::Column::UserId.eq(user_id))
        .and_where(partner_member::Column::Status.eq(partner_member::ACTIVE))
        .to_owned();
    application_list(db, application::Column::PartnerId.in_subquery(members_partner)).await
}

/// One partner's application list, as [`application_list_of_member`] reads it; for operators.
pub async fn application_list_of_partner(
    db: &impl ConnectionTrait,
    partner_id: i64,
) -> Result<Vec<ListedApplication>, DbErr> {
    application_list(db, application::Column::PartnerId.eq(partner_id)).await
}

/// The applications `which` selects, with their owners' names, oldest first, in one query.
async fn application_list(
    db: &impl ConnectionTrait,
    which: sea_orm::sea_query::SimpleExpr,
) -> Result<Vec<ListedApplication>, DbErr> {
    let rows: Vec<ListRow> = application::Entity::find()
        .select_only()
        .columns([
            application::Column::Id,
            application::Column::PublicId,
            application::Column::Name,
            application::Column::AppType,
            application::Column::Status,
        ])
        .column(user::Column::FullName)
        .left_join(application_owner::Entity)
        .join(JoinType::LeftJoin, application_owner::Relation::User.def())
        .filter(which)
        .order_by_asc(application::Column::Id)
        .order_by_asc(application_owner::Column::AddedAt)
        .into_tuple()
        .all(db)
        .await?;
    let mut list: Vec<ListedApplication> = Vec::new();
    for (id, public_id, name, app_type, status, owner) in rows {
        // Rows come ordered by application, so one application's owners are side by side.
        let listed = match list.last_mut() {
            Some(listed) if listed.id == id => listed,
            _ => {
                list.push(ListedApplication {
                    id,
                    public_id,
                    name,
                    app_type,
                    status,
                    owners: Vec::new(),
                });
                list.last_mut().expect("just pushed")
            }
        };
        listed.owners.extend(owner);
    }
    Ok(list)
}

/// An application of the user's partner, by public id; another partner's id is "not found".
pub async fn find_in_partner(
    db: &impl ConnectionTrait,
    membership: &Membership,
    public_id: &str,
) -> Result<application::Model, ApplicationError> {
    application::Entity::find()
        .filter(application::Column::PublicId.eq(public_id))
        .filter(application::Column::PartnerId.eq(membership.partner.id))
        .one(db)
        .await?
        .ok_or(ApplicationError::NotFound)
}

/// The owners of these applications, each with the application it owns, earliest owner first.
pub async fn owners_of(db: &impl ConnectionTrait, application_ids: &[i64]) -> Result<Vec<(i64, user::Model)>, DbErr> {
    let rows = application_owner::Entity::find()
        .find_also_related(user::Entity)
        .filter(application_owner::Column::ApplicationId.is_in(application_ids.iter().copied()))
        .order_by_asc(application_owner::Column::AddedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(row, user)| Some((row.application_id, user?)))
        .collect())
}

pub async fn is_owner(db: &impl ConnectionTrait, application_id: i64, user_id: i64) -> Result<bool, DbErr> {
    Ok(application_owner::Entity::find_by_id((application_id, user_id))
        .one(db)
        .await?
        .is_some())
}

/// Current credentials (everything but revoked) of the given applications.
pub async fn credentials_of(
    db: &impl ConnectionTrait,
    application_ids: &[i64],
) -> Result<Vec<credential::Model>, DbErr> {
    credential::Entity::find()
        .filter(credential::Column::ApplicationId.is_in(application_ids.iter().copied()))
        .filter(credential::Column::State.ne(credential::REVOKED))
        .order_by_asc(credential::Column::Id)
        .all(db)
        .await
}

/// The distinct (application, environment position, environment name, state) of these
/// applications' credentials that are not revoked, in enabled environments, in the environments'
/// display order: what the My APIs list shows, in one query and without loading each credential
/// whole.
pub async fn environment_states_of(
    db: &impl ConnectionTrait,
    application_ids: &[i64],
) -> Result<Vec<(i64, i32, String, String)>, DbErr> {
    credential::Entity::find()
        .select_only()
        .column(credential::Column::ApplicationId)
        .column(environment::Column::Position)
        .column(environment::Column::Name)
        .column(credential::Column::State)
        .inner_join(environment::Entity)
        .filter(credential::Column::ApplicationId.is_in(application_ids.iter().copied()))
        .filter(credential::Column::State.ne(credential::REVOKED))
        .filter(environment::Column::Enabled.eq(true))
        .distinct()
        .order_by_asc(environment::Column::Position)
        .order_by_asc(environment::Column::Name)
        .into_tuple()
        .all(db)
        .await
}

/// How long a worker may hold a claimed job before another instance may take it over.
const JOB_CLAIM_SECONDS: i64 = 60;

/// Runs up to `batch` due provisioning jobs; returns how many finished.
pub async fn run_due_jobs(state: &AppState, batch: u64) -> Result<usize, DbErr> {
    let now = Utc::now();
    let unclaimed = || {
        Condition::any()
            .add(job::Column::ClaimedUntil.is_null())
            .add(job::Column::ClaimedUntil.lt(now))
    };
    let due = job::Entity::find()
        .filter(job::Column::DoneAt.is_null())
        .filter(job::Column::RunAfter.lte(now))
        .filter(unclaimed())
        .order_by_asc(job::Column::Id)
        .limit(batch)
        .all(&state.db)
        .await?;
    let mut finished = 0;
    for due_job in due {
        let claimed = job::Entity::update_many()
            .col_expr(
                job::Column::ClaimedUntil,
                Expr::value(now + Duration::seconds(JOB_CLAIM_SECONDS)),
            )
            .filter(job::Column::Id.eq(due_job.id))
            .filter(job::Column::DoneAt.is_null())
            .filter(unclaimed())
            .exec(&state.db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        match provision(state, &due_job).await {
            Ok(()) => finished += 1,
            Err(error) => {
                tracing::warn!(job.id = due_job.id, error = %error, "provisioning failed; will retry");
                let attempts = due_job.attempts + 1;
                job::Entity::update_many()
                    .col_expr(job::Column::Attempts, Expr::value(attempts))
                    .col_expr(job::Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
                    .col_expr(job::Column::RunAfter, Expr::value(Utc::now() + mail::backoff(attempts)))
                    .col_expr(job::Column::LastError, Expr::value(error.to_string()))
                    .filter(job::Column::Id.eq(due_job.id))
                    .exec(&state.db)
                    .await?;
            }
        }
    }
    Ok(finished)
}

/// Issues one queued credential (or parks it for approval) and marks its job done, together.
async fn provision(state: &AppState, due_job: &job::Model) -> Result<(), DbErr> {
    let credential_id = serde_json::from_str::<serde_json::Value>(&due_job.payload)
        .ok()
        .and_then(|payload| payload["credential_id"].as_i64())
        .ok_or_else(|| DbErr::Custom(format!("job {} has no credential id", due_job.id)))?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let changed = match credential::Entity::find_by_id(credential_id).one(&txn).await? {
        Some(queued) if queued.state == credential::QUEUED => {
            let environment = environment::Entity::find_by_id(queued.environment_id)
                .one(&txn)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound("environment".into()))?;
            let mut update = credential::Entity::update_many()
                .filter(credential::Column::Id.eq(queued.id))
                .filter(credential::Column::State.eq(credential::QUEUED));
            if environment.needs_approval {
                update = update.col_expr(credential::Column::State, Expr::value(credential::AWAITING_APPROVAL));
            } else {
                update = update
                    .col_expr(credential::Column::State, Expr::value(credential::ISSUED))
                    .col_expr(
                        credential::Column::PublicKey,
                        Expr::value(crate::credentials::keys::new_public_key(&environment.slug)),
                    )
                    .col_expr(credential::Column::IssuedAt, Expr::value(now));
            }
            let changed = update.exec(&txn).await?.rows_affected == 1;
            if changed {
                let action = if environment.needs_approval {
                    "credential.awaiting_approval"
                } else {
                    "credential.issued"
                };
                let app = application::Entity::find_by_id(queued.application_id).one(&txn).await?;
                if let (Some(app), false) = (&app, environment.needs_approval) {
                    crate::credentials::clients::ensure_client(&txn, app, &environment, now).await?;
                }
                let event =
                    Event::new(action, "credential", queued.id).detail(json!({ "environment": environment.slug }));
                let event = match &app {
                    Some(app) => event.partner(app.partner_id),
                    None => event,
                };
                audit::record(&txn, &Actor::default(), event).await?;
                if let Some(app) = app {
                    notify_when_ready(state, &txn, &app, now).await?;
                }
            }
            changed
        }
        // Already provisioned (a retried job) or revoked meanwhile: nothing to do.
        _ => false,
    };
    job::Entity::update_many()
        .col_expr(job::Column::DoneAt, Expr::value(now))
        .filter(job::Column::Id.eq(due_job.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    tracing::debug!(job.id = due_job.id, changed, "provisioning job done");
    Ok(())
}

/// Emails every owner once the application has no queued credential left.
async fn notify_when_ready(
    state: &AppState,
    db: &impl ConnectionTrait,
    app: &application::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let still_queued = credential::Entity::find()
        .filter(credential::Column::ApplicationId.eq(app.id))
        .filter(credential::Column::State.eq(credential::QUEUED))
        .one(db)
        .await?;
    if still_queued.is_some() {
        return Ok(());
    }
    for (_, owner) in owners_of(db, &[app.id]).await? {
        mail::enqueue(
            db,
            super::emails::credentials_ready(&state.settings, &owner.email, app),
            now,
        )
        .await?;
    }
    Ok(())
}

/// An application the user may manage: they own it, and are still an active member of its partner.
pub async fn require_owned(
    db: &impl ConnectionTrait,
    user: &user::Model,
    public_id: &str,
) -> Result<(application::Model, Membership), ApplicationError> {
    let membership = crate::partners::service::require_member(db, user)
        .await
        .map_err(|_| ApplicationError::NotFound)?;
    let app = find_in_partner(db, &membership, public_id).await?;
    if !is_owner(db, app.id, user.id).await? {
        return Err(ApplicationError::NotFound);
    }
    Ok((app, membership))
}

/// Owners manage everything; partner admins may also manage who owns an application.
pub async fn require_owner_or_partner_admin(
    db: &impl ConnectionTrait,
    user: &user::Model,
    public_id: &str,
) -> Result<(application::Model, Membership), ApplicationError> {
    let membership = crate::partners::service::require_member(db, user)
        .await
        .map_err(|_| ApplicationError::NotFound)?;
    let app = find_in_partner(db, &membership, public_id).await?;
    if !membership.member.is_admin() && !is_owner(db, app.id, user.id).await? {
        return Err(ApplicationError::NotFound);
    }
    Ok((app, membership))
}

pub async fn email_owners(
    state: &AppState,
    db: &impl ConnectionTrait,
    app: &application::Model,
    subject: &str,
    paragraph: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let link = state.settings.link(&format!("/apis/{}", app.public_id));
    for (_, owner) in owners_of(db, &[app.id]).await? {
        let mail = mail::OutgoingMail::compose(
            &owner.email,
            subject,
            &[paragraph],
            Some(("Open the application", &link)),
        );
        mail::enqueue(db, mail, now).await?;
    }
    Ok(())
}

/// Saves an owner's edit of an application's details. The name stays unique within the partner;
/// the audit log records which fields changed, and an edit that changes nothing records nothing.
pub async fn update_details(
    state: &AppState,
    actor: &Actor,
    app: &application::Model,
    details: Details,
) -> Result<(), ApplicationError> {
    let redirect_urls = redirect_urls_column(&details.redirect_urls);
    let changed: Vec<&str> = [
        ("name", app.name != details.name),
        ("description", app.description != details.description),
        ("site_url", app.site_url != details.site_url),
        ("redirect_urls", app.redirect_urls != redirect_urls),
    ]
    .into_iter()
    .filter_map(|(field, differs)| differs.then_some(field))
    .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let txn = begin_write(&state.db).await?;
    let taken = application::Entity::find()
        .filter(application::Column::PartnerId.eq(app.partner_id))
        .filter(application::Column::Name.eq(&details.name))
        .filter(application::Column::Id.ne(app.id))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(ApplicationError::NameTaken);
    }
    application::Entity::update_many()
        .col_expr(application::Column::Name, Expr::value(details.name.clone()))
        .col_expr(application::Column::Description, Expr::value(details.description))
        .col_expr(application::Column::SiteUrl, Expr::value(details.site_url))
        .col_expr(application::Column::RedirectUrls, Expr::value(redirect_urls))
        .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(application::Column::Id.eq(app.id))
        .exec(&txn)
        .await
        // Two owners giving two applications one name at once: the unique index decides.
        .map_err(name_taken)?;
    audit::record(
        &txn,
        actor,
        Event::new("application.updated", "application", &app.public_id)
            .partner(app.partner_id)
            .detail(json!({ "name": details.name, "changed": changed })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Deactivating stops every credential of the application at once (verification checks the
/// application's status); restoring brings them back as they were.
pub async fn set_active(
    state: &AppState,
    actor: &Actor,
    app: &application::Model,
    active: bool,
) -> Result<(), ApplicationError> {
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let status = if active {
        application::ACTIVE
    } else {
        application::DEACTIVATED
    };
    application::Entity::update_many()
        .col_expr(application::Column::Status, Expr::value(status))
        .col_expr(application::Column::UpdatedAt, Expr::value(now))
        .filter(application::Column::Id.eq(app.id))
        .exec(&txn)
        .await?;
    let action = if active {
        "application.restored"
    } else {
        "application.deactivated"
    };
    audit::record(
        &txn,
        actor,
        Event::new(action, "application", &app.public_id).partner(app.partner_id),
    )
    .await?;
    let (subject, text) = if active {
        (
            format!("{} was restored", app.name),
            format!("{} was restored: its credentials work again.", app.name),
        )
    } else {
        (
            format!("{} was deactivated", app.name),
            format!(
                "{} was deactivated: every one of its credentials stopped working.",
                app.name
            ),
        )
    };
    email_owners(state, &txn, app, &subject, &text, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes the application for good: its credentials are revoked with it, and only the audit log
/// remembers it.
pub async fn delete(state: &AppState, actor: &Actor, app: &application::Model) -> Result<(), ApplicationError> {
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    // Owners are told before the ownership rows go with the application.
    let text = format!(
        "{} was deleted. Its credentials were revoked and no longer work.",
        app.name
    );
    email_owners(state, &txn, app, &format!("{} was deleted", app.name), &text, now).await?;
    let revoked = credential::Entity::update_many()
        .col_expr(credential::Column::State, Expr::value(credential::REVOKED))
        .col_expr(credential::Column::RevokedAt, Expr::value(now))
        .filter(credential::Column::ApplicationId.eq(app.id))
        .filter(credential::Column::State.ne(credential::REVOKED))
        .exec(&txn)
        .await?
        .rows_affected;
    let detail = json!({ "name": app.name, "credentials_revoked": revoked });
    audit::record(
        &txn,
        actor,
        Event::new("application.deleted", "application", &app.public_id)
            .partner(app.partner_id)
            .detail(detail),
    )
    .await?;
    application::Entity::delete_by_id(app.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum OwnershipError {
    #[error("the person is not an active member of the partner")]
    NotAMember,
    #[error("already an owner")]
    AlreadyOwner,
    #[error("the last owner cannot be removed")]
    LastOwner,
    #[error("no such owner")]
    NotFound,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Adds an active member of the application's partner as a co-owner.
pub async fn add_owner(
    state: &AppState,
    actor: &Actor,
    app: &application::Model,
    email: &crate::accounts::email::Email,
) -> Result<(), OwnershipError> {
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let person = user::Entity::find()
        .filter(user::Column::EmailCanonical.eq(email.canonical()))
        .one(&txn)
        .await?
        .ok_or(OwnershipError::NotAMember)?;
    let member = crate::partners::service::membership(&txn, person.id).await?;
    if !member.is_some_and(|m| m.partner.id == app.partner_id && m.member.is_active()) {
        return Err(OwnershipError::NotAMember);
    }
    if is_owner(&txn, app.id, person.id).await? {
        return Err(OwnershipError::AlreadyOwner);
    }
    insert_owner(&txn, app, person.id, now).await?;
    audit::record(
        &txn,
        actor,
        Event::new("application.owner_added", "application", &app.public_id)
            .partner(app.partner_id)
            .detail(json!({ "user_id": person.id })),
    )
    .await?;
    let text = format!("{} is now a co-owner of {}.", person.full_name, app.name);
    email_owners(state, &txn, app, &format!("Co-owner added to {}", app.name), &text, now).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn insert_owner(
    db: &impl ConnectionTrait,
    app: &application::Model,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    application_owner::ActiveModel {
        application_id: Set(app.id),
        user_id: Set(user_id),
        added_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Removes a co-owner; the last owner stays, even when two removals race (the application row is
/// locked while owners are counted).
pub async fn remove_owner(
    state: &AppState,
    actor: &Actor,
    app: &application::Model,
    user_id: i64,
) -> Result<(), OwnershipError> {
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    application::Entity::find_by_id(app.id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    if !is_owner(&txn, app.id, user_id).await? {
        return Err(OwnershipError::NotFound);
    }
    let owners = application_owner::Entity::find()
        .filter(application_owner::Column::ApplicationId.eq(app.id))
        .all(&txn)
        .await?;
    if owners.len() <= 1 {
        return Err(OwnershipError::LastOwner);
    }
    let removed = user::Entity::find_by_id(user_id).one(&txn).await?;
    let text = format!(
        "{} is no longer an owner of {}.",
        removed.map(|u| u.full_name).unwrap_or_default(),
        app.name
    );
    email_owners(
        state,
        &txn,
        app,
        &format!("Co-owner removed from {}", app.name),
        &text,
        now,
    )
    .await?;
    application_owner::Entity::delete_by_id((app.id, user_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        Event::new("application.owner_removed", "application", &app.public_id)
            .partner(app.partner_id)
            .detail(json!({ "user_id": user_id })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What an application uses: API products, and the environments it uses them in. Its credentials
/// are one per product × environment of its scope.
pub struct Scope<'a> {
    pub product_ids: &'a [i64],
    pub environment_ids: &'a [i64],
}

/// Changes an application's scope. Each product or environment that comes into it is provisioned
/// across the rest of the scope (new credentials, even where old ones were revoked before); each
/// one that leaves it has its credentials revoked at once, which the owner must have confirmed
/// (`removal_confirmed`): an unconfirmed removal changes nothing and names what it would revoke.
/// Products and environments that operators have switched off are not offered to owners, so
/// their credentials are left as they are.
pub async fn set_scope(
    state: &AppState,
    actor: &Actor,
    app: &application::Model,
    scope: Scope<'_>,
    removal_confirmed: bool,
) -> Result<(), ApplicationError> {
    let now = Utc::now();
    let (products, environments) = catalogue(&state.db).await?;
    let wanted_products = chosen(&products, scope.product_ids, |p| p.id)?;
    let wanted_environments = chosen(&environments, scope.environment_ids, |e| e.id)?;
    let offered = |c: &credential::Model| {
        products.iter().any(|p| p.id == c.product_id) && environments.iter().any(|e| e.id == c.environment_id)
    };
    let txn = begin_write(&state.db).await?;
    let live = credentials_of(&txn, &[app.id]).await?;
    let leaves = |c: &credential::Model| {
        offered(c) && !(scope.product_ids.contains(&c.product_id) && scope.environment_ids.contains(&c.environment_id))
    };
    let removed: Vec<&credential::Model> = live.iter().filter(|c| leaves(c)).collect();
    let removed_products: Vec<&product::Model> = products
        .iter()
        .filter(|p| removed.iter().any(|c| c.product_id == p.id) && !scope.product_ids.contains(&p.id))
        .collect();
    let removed_environments: Vec<&environment::Model> = environments
        .iter()
        .filter(|e| removed.iter().any(|c| c.environment_id == e.id) && !scope.environment_ids.contains(&e.id))
        .collect();
    if !removed.is_empty() && !removal_confirmed {
        let names = removed_products
            .iter()
            .map(|p| p.name.clone())
            .chain(removed_environments.iter().map(|e| e.name.clone()))
            .collect();
        return Err(ApplicationError::RemovalNotConfirmed(names));
    }
    // A product or environment is new to the application when none of its live credentials in
    // the offered catalogue has it (the owner's form shows it unticked); the new one is then
    // provisioned against every wanted one of the other kind.
    let in_use: Vec<&credential::Model> = live.iter().filter(|c| offered(c)).collect();
    let added_products: Vec<&product::Model> = wanted_products
        .iter()
        .copied()
        .filter(|p| !in_use.iter().any(|c| c.product_id == p.id))
        .collect();
    let added_environments: Vec<&environment::Model> = wanted_environments
        .iter()
        .copied()
        .filter(|e| !in_use.iter().any(|c| c.environment_id == e.id))
        .collect();
    if removed.is_empty() && added_products.is_empty() && added_environments.is_empty() {
        return Ok(());
    }
    for product in &wanted_products {
        for environment in &wanted_environments {
            let new_product = added_products.iter().any(|p| p.id == product.id);
            let new_environment = added_environments.iter().any(|e| e.id == environment.id);
            if new_product || new_environment {
                queue_credential(&txn, app, product, environment, now).await?;
            }
        }
    }
    credential::Entity::update_many()
        .col_expr(credential::Column::State, Expr::value(credential::REVOKED))
        .col_expr(credential::Column::RevokedAt, Expr::value(now))
        .filter(credential::Column::Id.is_in(removed.iter().map(|c| c.id)))
        .filter(credential::Column::State.ne(credential::REVOKED))
        .exec(&txn)
        .await?;
    let gone: Vec<i64> = removed_environments.iter().map(|e| e.id).collect();
    crate::credentials::clients::revoke_clients(&txn, app.id, Some(&gone), now).await?;
    let slugs_of_products = |list: &[&product::Model]| list.iter().map(|p| p.slug.clone()).collect::<Vec<_>>();
    let slugs_of_environments = |list: &[&environment::Model]| list.iter().map(|e| e.slug.clone()).collect::<Vec<_>>();
    let detail = json!({
        "products": { "added": slugs_of_products(&added_products), "removed": slugs_of_products(&removed_products) },
        "environments": {
            "added": slugs_of_environments(&added_environments),
            "removed": slugs_of_environments(&removed_environments),
        },
    });
    audit::record(
        &txn,
        actor,
        Event::new("application.scope_changed", "application", &app.public_id)
            .partner(app.partner_id)
            .detail(detail),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The catalogue entries with the given ids: all of them, at least one, or an error.
fn chosen<'a, T>(entries: &'a [T], ids: &[i64], id_of: impl Fn(&T) -> i64) -> Result<Vec<&'a T>, ApplicationError> {
    let found: Vec<&T> = entries.iter().filter(|entry| ids.contains(&id_of(entry))).collect();
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if found.is_empty() || found.len() != distinct.len() {
        return Err(ApplicationError::UnknownCatalogueEntry);
    }
    Ok(found)
}
