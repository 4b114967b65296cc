//! Partner rules on the server. Permissions are read from the database on every call; nothing
//! about membership or roles is trusted from the session or the browser.
//!
//! Every function that changes something does it in one transaction with its audit event and its
//! emails. Role changes and removals lock the partner row first (PostgreSQL) or hold SQLite's write
//! lock, so two concurrent requests cannot both remove "the other" last admin.

use super::domains;
use super::emails;
use crate::accounts::email::Email;
use crate::accounts::password::Password;
use crate::backend::audit::{self, Actor, Event};
use crate::backend::entities::{audit_event, invitation, partner, partner_member, user};
use crate::backend::{AppState, begin_write, mail, sessions, tokens};
use chrono::{DateTime, Duration, Utc};
use partner_member::{ACTIVE, ADMIN, MEMBER, PENDING};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;

pub const INVITATION_LIFETIME_DAYS: i64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationProblem {
    Unknown,
    Expired,
    Used,
    Cancelled,
}

#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    #[error("addresses at public email providers cannot form or join a partner")]
    PublicDomain,
    #[error("the user belongs to no partner")]
    NotMember,
    #[error("the partner admin role is required")]
    NotAdmin,
    #[error("no such object in this partner")]
    NotFound,
    #[error("the last admin cannot be removed or demoted")]
    LastAdmin,
    #[error("the user already belongs to a partner")]
    AlreadyMember,
    #[error("a partner already exists for this domain")]
    PartnerExists,
    #[error("the address is outside the partner's domain {domain}")]
    OutsideDomain { domain: String },
    #[error("the invitee is already a member")]
    InviteeAlreadyMember,
    #[error("invitation refused: {0:?}")]
    Invitation(InvitationProblem),
    #[error("the invitation is for another address")]
    WrongAccount,
    #[error("an account already exists for the invited address")]
    AccountExists,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("password hashing error: {0}")]
    Hashing(#[from] crate::backend::hashing::HashingError),
    #[error("session error: {0}")]
    Session(#[from] tower_sessions::session::Error),
}

/// A user's place in a partner.
#[derive(Debug, Clone)]
pub struct Membership {
    pub member: partner_member::Model,
    pub partner: partner::Model,
}

/// The editable company fields, already trimmed and length-checked.
#[derive(Debug, Clone, Default)]
pub struct CompanyFields {
    pub name: String,
    pub website: Option<String>,
    pub address: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
}

/// The canonical domain of a user's address.
pub fn domain_of(user: &user::Model) -> String {
    user.email_canonical
        .rsplit_once('@')
        .map(|(_, domain)| domain.to_owned())
        .unwrap_or_default()
}

pub async fn membership(db: &impl ConnectionTrait, user_id: i64) -> Result<Option<Membership>, DbErr> {
    let Some((member, partner)) = partner_member::Entity::find()
        .find_also_related(partner::Entity)
        .filter(partner_member::Column::UserId.eq(user_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let partner = partner.ok_or_else(|| DbErr::RecordNotFound("partner of a membership".into()))?;
    Ok(Some(Membership { member, partner }))
}

pub async fn partner_for_domain(db: &impl ConnectionTrait, domain: &str) -> Result<Option<partner::Model>, DbErr> {
    partner::Entity::find()
        .filter(partner::Column::Domain.eq(domain))
        .one(db)
        .await
}

/// An active membership, or why there is none.
pub async fn require_member(db: &impl ConnectionTrait, user: &user::Model) -> Result<Membership, PartnerError> {
    match membership(db, user.id).await? {
        Some(membership) if membership.member.is_active() => Ok(membership),
        _ => Err(PartnerError::NotMember),
    }
}

pub async fn require_admin(db: &impl ConnectionTrait, user: &user::Model) -> Result<Membership, PartnerError> {
    let membership = require_member(db, user).await?;
    if !membership.member.is_admin() {
        return Err(PartnerError::NotAdmin);
    }
    Ok(membership)
}

/// Puts a verified developer into the partner of their domain, if there is one: as a member, or as
/// a pending member when the partner approves newcomers (then admins and the developer are told).
pub async fn join_by_domain(
    db: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    user: &user::Model,
) -> Result<Option<partner_member::Model>, DbErr> {
    let domain = domain_of(user);
    if user.email_verified_at.is_none() || domains::is_public(&domain) {
        return Ok(None);
    }
    if let Some(existing) = membership(db, user.id).await? {
        return Ok(Some(existing.member));
    }
    let Some(partner) = partner_for_domain(db, &domain).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    let pending = partner.new_members_need_approval;
    let member = insert_member(db, partner.id, user.id, MEMBER, !pending, now).await?;
    let action = if pending { "member.requested" } else { "member.joined" };
    audit::record(
        db,
        actor,
        Event::new(action, "member", member.id)
            .partner(partner.id)
            .detail(json!({ "user_id": user.id })),
    )
    .await?;
    if pending {
        for admin in admins_of(db, partner.id).await? {
            let mail = emails::approval_requested(&state.settings, &admin.email, &partner.name, &user.full_name);
            mail::enqueue(db, mail, now).await?;
        }
        mail::enqueue(
            db,
            emails::request_pending(&state.settings, &user.email, &partner.name),
            now,
        )
        .await?;
    }
    tracing::info!(
        user.id = user.id,
        partner.id = partner.id,
        pending,
        "joined partner by domain"
    );
    Ok(Some(member))
}

async fn insert_member(
    db: &impl ConnectionTrait,
    partner_id: i64,
    user_id: i64,
    role: &str,
    active: bool,
    now: DateTime<Utc>,
) -> Result<partner_member::Model, DbErr> {
    partner_member::ActiveModel {
        partner_id: Set(partner_id),
        user_id: Set(user_id),
        role: Set(role.to_owned()),
        status: Set(if active { ACTIVE } else { PENDING }.to_owned()),
        joined_at: Set(active.then_some(now)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

async fn admins_of(db: &impl ConnectionTrait, partner_id: i64) -> Result<Vec<user::Model>, DbErr> {
    let admin_ids: Vec<i64> = partner_member::Entity::find()
        .filter(partner_member::Column::PartnerId.eq(partner_id))
        .filter(partner_member::Column::Role.eq(ADMIN))
        .filter(partner_member::Column::Status.eq(ACTIVE))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    user::Entity::find()
        .filter(user::Column::Id.is_in(admin_ids))
        .all(db)
        .await
}

/// Creates the partner of the user's domain with the user as its first admin.
#[tracing::instrument(skip_all, fields(user.id = user.id))]
pub async fn create_partner(
    state: &AppState,
    actor: &Actor,
    user: &user::Model,
    fields: CompanyFields,
) -> Result<partner::Model, PartnerError> {
    let domain = domain_of(user);
    if domains::is_public(&domain) {
        return Err(PartnerError::PublicDomain);
    }
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    if membership(&txn, user.id).await?.is_some() {
        return Err(PartnerError::AlreadyMember);
    }
    if partner_for_domain(&txn, &domain).await?.is_some() {
        return Err(PartnerError::PartnerExists);
    }
    let created = partner::ActiveModel {
        domain: Set(domain.clone()),
        name: Set(fields.name),
        website: Set(fields.website),
        address: Set(fields.address),
        country: Set(fields.country),
        phone: Set(fields.phone),
        description: Set(fields.description),
        new_members_need_approval: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if crate::backend::is_unique_violation(&e) {
            PartnerError::PartnerExists
        } else {
            e.into()
        }
    })?;
    insert_member(&txn, created.id, user.id, ADMIN, true, now).await?;
    audit::record(
        &txn,
        actor,
        Event::new("partner.created", "partner", created.id)
            .partner(created.id)
            .detail(json!({ "domain": domain })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner.id = created.id, "partner created");
    Ok(created)
}

pub async fn update_partner(
    state: &AppState,
    actor: &Actor,
    admin: &Membership,
    fields: CompanyFields,
) -> Result<(), PartnerError> {
    let txn = begin_write(&state.db).await?;
    let mut row: partner::ActiveModel = admin.partner.clone().into();
    row.name = Set(fields.name);
    row.website = Set(fields.website);
    row.address = Set(fields.address);
    row.country = Set(fields.country);
    row.phone = Set(fields.phone);
    row.description = Set(fields.description);
    row.updated_at = Set(Utc::now());
    row.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        Event::new("partner.updated", "partner", admin.partner.id).partner(admin.partner.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn set_new_members_need_approval(
    state: &AppState,
    actor: &Actor,
    admin: &Membership,
    required: bool,
) -> Result<(), PartnerError> {
    let txn = begin_write(&state.db).await?;
    let mut row: partner::ActiveModel = admin.partner.clone().into();
    row.new_members_need_approval = Set(required);
    row.updated_at = Set(Utc::now());
    row.update(&txn).await?;
    let event = Event::new("partner.approval_setting_changed", "partner", admin.partner.id)
        .partner(admin.partner.id)
        .detail(json!({ "new_members_need_approval": required }));
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(())
}

/// Serialises changes to a partner's admins: the row lock makes a second transaction wait until the
/// first has committed, so it counts the admins the first one left.
async fn lock_partner(db: &impl ConnectionTrait, partner_id: i64) -> Result<(), DbErr> {
    partner::Entity::find_by_id(partner_id).lock_exclusive().one(db).await?;
    Ok(())
}

async fn find_member_in(
    db: &impl ConnectionTrait,
    partner_id: i64,
    member_id: i64,
) -> Result<partner_member::Model, PartnerError> {
    partner_member::Entity::find_by_id(member_id)
        .filter(partner_member::Column::PartnerId.eq(partner_id))
        .one(db)
        .await?
        .ok_or(PartnerError::NotFound)
}

async fn active_admin_count(db: &impl ConnectionTrait, partner_id: i64) -> Result<u64, DbErr> {
    partner_member::Entity::find()
        .filter(partner_member::Column::PartnerId.eq(partner_id))
        .filter(partner_member::Column::Role.eq(ADMIN))
        .filter(partner_member::Column::Status.eq(ACTIVE))
        .count(db)
        .await
}

pub async fn change_role(
    state: &AppState,
    actor: &Actor,
    admin: &Membership,
    member_id: i64,
    make_admin: bool,
) -> Result<(), PartnerError> {
    let partner_id = admin.partner.id;
    let txn = begin_write(&state.db).await?;
    lock_partner(&txn, partner_id).await?;
    let target = find_member_in(&txn, partner_id, member_id).await?;
    if !target.is_active() {
        return Err(PartnerError::NotFound);
    }
    if target.role == ADMIN && !make_admin && active_admin_count(&txn, partner_id).await? <= 1 {
        return Err(PartnerError::LastAdmin);
    }
    let role = if make_admin { ADMIN } else { MEMBER };
    let mut row: partner_member::ActiveModel = target.clone().into();
    row.role = Set(role.to_owned());
    row.update(&txn).await?;
    let event = Event::new("member.role_changed", "member", target.id)
        .partner(partner_id)
        .detail(json!({ "role": role, "user_id": target.user_id }));
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(())
}

/// Removes a member (or a pending request). Access ends at once: every permission check reads the
/// membership from the database.
pub async fn remove_member(
    state: &AppState,
    actor: &Actor,
    admin: &Membership,
    member_id: i64,
) -> Result<(), PartnerError> {
    let partner_id = admin.partner.id;
    let txn = begin_write(&state.db).await?;
    lock_partner(&txn, partner_id).await?;
    let target = find_member_in(&txn, partner_id, member_id).await?;
    if target.is_admin() && active_admin_count(&txn, partner_id).await? <= 1 {
        return Err(PartnerError::LastAdmin);
    }
    partner_member::Entity::delete_by_id(target.id).exec(&txn).await?;
    let event = Event::new("member.removed", "member", target.id)
        .partner(partner_id)
        .detail(json!({ "user_id": target.user_id }));
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn decide_pending(
    state: &AppState,
    actor: &Actor,
    admin: &Membership,
    member_id: i64,
    approve: bool,
) -> Result<(), PartnerError> {
    let partner_id = admin.partner.id;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let target = find_member_in(&txn, partner_id, member_id).await?;
    if target.status != PENDING {
        return Err(PartnerError::NotFound);
    }
    let person = user::Entity::find_by_id(target.user_id)
        .one(&txn)
        .await?
        .ok_or(PartnerError::NotFound)?;
    if approve {
        let mut row: partner_member::ActiveModel = target.clone().into();
        row.status = Set(ACTIVE.to_owned());
        row.joined_at = Set(Some(now));
        row.update(&txn).await?;
    } else {
        partner_member::Entity::delete_by_id(target.id).exec(&txn).await?;
    }
    let action = if approve { "member.approved" } else { "member.declined" };
    audit::record(
        &txn,
        actor,
        Event::new(action, "member", target.id)
            .partner(partner_id)
            .detail(json!({ "user_id": person.id })),
    )
    .await?;
    mail::enqueue(
        &txn,
        emails::membership_decided(&state.settings, &person.email, &admin.partner.name, approve),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Invites `email` to the inviter's partner, optionally as a co-owner of `application_ids`. Callers
/// check that the inviter may (a partner admin, or an owner of those applications). A newer
/// invitation to the same address voids the older.
pub async fn invite(
    state: &AppState,
    actor: &Actor,
    inviter: &user::Model,
    inviter_membership: &Membership,
    email: &Email,
    application_ids: &[i64],
) -> Result<(), PartnerError> {
    let partner = &inviter_membership.partner;
    if email.domain() != partner.domain {
        return Err(PartnerError::OutsideDomain {
            domain: partner.domain.clone(),
        });
    }
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let invitee = user::Entity::find()
        .filter(user::Column::EmailCanonical.eq(email.canonical()))
        .one(&txn)
        .await?;
    let invitee_membership = match &invitee {
        Some(invitee) => membership(&txn, invitee.id).await?,
        None => None,
    };
    if invitee_membership.is_some_and(|m| m.partner.id == partner.id && m.member.is_active()) {
        return Err(PartnerError::InviteeAlreadyMember);
    }
    void_open_invitations(&txn, partner.id, &email.canonical(), now).await?;
    let token = tokens::random_token();
    let created = invitation::ActiveModel {
        partner_id: Set(partner.id),
        email: Set(email.canonical()),
        token_hash: Set(tokens::sha256_hex(&token)),
        invited_by: Set(Some(inviter.id)),
        role: Set(None),
        application_ids: Set(serde_json::to_string(application_ids).unwrap_or_else(|_| "[]".into())),
        created_at: Set(now),
        sent_at: Set(now),
        expires_at: Set(now + Duration::days(INVITATION_LIFETIME_DAYS)),
        accepted_at: Set(None),
        cancelled_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mail = emails::invitation(
        &state.settings,
        &email.as_address(),
        &partner.name,
        &inviter.full_name,
        &token,
    );
    mail::enqueue(&txn, mail, now).await?;
    let event = Event::new("invitation.sent", "invitation", created.id)
        .partner(partner.id)
        .detail(json!({ "email": email.canonical() }));
    audit::record(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(())
}

async fn void_open_invitations(
    db: &impl ConnectionTrait,
    partner_id: i64,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    invitation::Entity::update_many()
        .col_expr(invitation::Column::CancelledAt, Expr::value(now))
        .filter(invitation::Column::PartnerId.eq(partner_id))
        .filter(invitation::Column::Email.eq(email))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::CancelledAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

async fn open_invitation_in(
    db: &impl ConnectionTrait,
    partner_id: i64,
    invitation_id: i64,
) -> Result<invitation::Model, PartnerError> {
    invitation::Entity::find_by_id(invitation_id)
        .filter(invitation::Column::PartnerId.eq(partner_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::CancelledAt.is_null())
        .one(db)
        .await?
        .ok_or(PartnerError::NotFound)
}

/// Sends a fresh link for an open invitation; the old link stops working. `manager` passed
/// [`require_invitation_manager`].
pub async fn resend_invitation(
    state: &AppState,
    actor: &Actor,
    inviter: &user::Model,
    manager: &Membership,
    invitation_id: i64,
) -> Result<(), PartnerError> {
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let open = open_invitation_in(&txn, manager.partner.id, invitation_id).await?;
    let token = tokens::random_token();
    let mut row: invitation::ActiveModel = open.clone().into();
    row.token_hash = Set(tokens::sha256_hex(&token));
    row.sent_at = Set(now);
    row.expires_at = Set(now + Duration::days(INVITATION_LIFETIME_DAYS));
    row.update(&txn).await?;
    let mail = emails::invitation(
        &state.settings,
        &open.email,
        &manager.partner.name,
        &inviter.full_name,
        &token,
    );
    mail::enqueue(&txn, mail, now).await?;
    audit::record(
        &txn,
        actor,
        Event::new("invitation.resent", "invitation", open.id).partner(manager.partner.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Withdraws an open invitation. `manager` passed [`require_invitation_manager`].
pub async fn cancel_invitation(
    state: &AppState,
    actor: &Actor,
    manager: &Membership,
    invitation_id: i64,
) -> Result<(), PartnerError> {
    let txn = begin_write(&state.db).await?;
    let open = open_invitation_in(&txn, manager.partner.id, invitation_id).await?;
    let mut row: invitation::ActiveModel = open.clone().into();
    row.cancelled_at = Set(Some(Utc::now()));
    row.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        Event::new("invitation.cancelled", "invitation", open.id).partner(manager.partner.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The applications an invitation makes its invitee a co-owner of (none for a plain invitation to
/// the company).
pub fn invited_applications(invitation: &invitation::Model) -> Vec<i64> {
    serde_json::from_str(&invitation.application_ids).unwrap_or_default()
}

/// The user's membership, if they may resend or cancel this open invitation of their partner:
/// admins manage every invitation; owners those that make someone a co-owner of an application
/// they own. Anything else is "not found", like another partner's invitation.
pub async fn require_invitation_manager(
    db: &impl ConnectionTrait,
    user: &user::Model,
    invitation_id: i64,
) -> Result<Membership, PartnerError> {
    use crate::backend::entities::application_owner;
    let membership = require_member(db, user).await?;
    let open = open_invitation_in(db, membership.partner.id, invitation_id).await?;
    if membership.member.is_admin() {
        return Ok(membership);
    }
    let invited_to = invited_applications(&open);
    let owns_one = !invited_to.is_empty()
        && application_owner::Entity::find()
            .filter(application_owner::Column::UserId.eq(user.id))
            .filter(application_owner::Column::ApplicationId.is_in(invited_to))
            .one(db)
            .await?
            .is_some();
    if owns_one {
        Ok(membership)
    } else {
        Err(PartnerError::NotFound)
    }
}

/// The partner's invitations that are neither accepted nor cancelled, newest first (expired ones
/// included, so that they can be resent).
pub async fn open_invitations(db: &impl ConnectionTrait, partner_id: i64) -> Result<Vec<invitation::Model>, DbErr> {
    invitation::Entity::find()
        .filter(invitation::Column::PartnerId.eq(partner_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::CancelledAt.is_null())
        .order_by_desc(invitation::Column::SentAt)
        .all(db)
        .await
}

/// The invitation a link's token names, with its partner, if it can still be accepted.
pub async fn find_invitation(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Result<(invitation::Model, partner::Model), InvitationProblem>, DbErr> {
    let Some(found) = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(tokens::sha256_hex(token)))
        .one(db)
        .await?
    else {
        return Ok(Err(InvitationProblem::Unknown));
    };
    if found.accepted_at.is_some() {
        return Ok(Err(InvitationProblem::Used));
    }
    if found.cancelled_at.is_some() {
        return Ok(Err(InvitationProblem::Cancelled));
    }
    if found.expires_at <= Utc::now() {
        return Ok(Err(InvitationProblem::Expired));
    }
    let partner = partner::Entity::find_by_id(found.partner_id).one(db).await?;
    Ok(partner
        .map(|partner| (found, partner))
        .ok_or(InvitationProblem::Unknown))
}

/// Marks an invitation accepted; only one request can, whatever the concurrency.
async fn claim_invitation(
    db: &impl ConnectionTrait,
    invitation_id: i64,
    now: DateTime<Utc>,
) -> Result<(), PartnerError> {
    let claimed = invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedAt, Expr::value(now))
        .filter(invitation::Column::Id.eq(invitation_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::CancelledAt.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(PartnerError::Invitation(InvitationProblem::Used));
    }
    Ok(())
}

/// Makes the invitee a co-owner of the applications the invitation names, where they still exist
/// in the partner.
async fn add_invited_ownerships(
    db: &impl ConnectionTrait,
    invitation: &invitation::Model,
    partner_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use crate::backend::entities::application;
    let ids = invited_applications(invitation);
    if ids.is_empty() {
        return Ok(());
    }
    let apps = application::Entity::find()
        .filter(application::Column::Id.is_in(ids))
        .filter(application::Column::PartnerId.eq(partner_id))
        .all(db)
        .await?;
    for app in apps {
        if !crate::applications::service::is_owner(db, app.id, user_id).await? {
            crate::applications::service::insert_owner(db, &app, user_id, now).await?;
        }
    }
    Ok(())
}

fn invited_role(invitation: &invitation::Model) -> &str {
    if invitation.role.as_deref() == Some(ADMIN) {
        ADMIN
    } else {
        MEMBER
    }
}

/// Creates the invitee's account from the invitation link (which proves the address, so the account
/// is verified at once), makes them a member and signs them in.
#[tracing::instrument(skip_all)]
pub async fn accept_with_sign_up(
    state: &AppState,
    actor: &Actor,
    session: &tower_sessions::Session,
    token: &str,
    full_name: String,
    password: &Password,
) -> Result<(), PartnerError> {
    let password_hash = state.hasher.hash(password).await?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let (invitation, partner) = find_invitation(&txn, token).await?.map_err(PartnerError::Invitation)?;
    if user::Entity::find()
        .filter(user::Column::EmailCanonical.eq(&invitation.email))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(PartnerError::AccountExists);
    }
    claim_invitation(&txn, invitation.id, now).await?;
    let created = user::ActiveModel {
        email: Set(invitation.email.clone()),
        email_canonical: Set(invitation.email.clone()),
        full_name: Set(full_name),
        job_title: Set(None),
        phone: Set(None),
        password_hash: Set(password_hash),
        email_verified_at: Set(Some(now)),
        terms_accepted_at: Set(None),
        terms_version: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let member = insert_member(&txn, partner.id, created.id, invited_role(&invitation), true, now).await?;
    add_invited_ownerships(&txn, &invitation, partner.id, created.id, now).await?;
    let actor = Actor {
        user_id: Some(created.id),
        ..actor.clone()
    };
    audit::record(
        &txn,
        &actor,
        Event::new("account.created_from_invitation", "user", created.id).partner(partner.id),
    )
    .await?;
    audit::record(
        &txn,
        &actor,
        Event::new("invitation.accepted", "invitation", invitation.id).partner(partner.id),
    )
    .await?;
    audit::record(
        &txn,
        &actor,
        Event::new("member.joined", "member", member.id)
            .partner(partner.id)
            .detail(json!({ "user_id": member.user_id })),
    )
    .await?;
    txn.commit().await?;
    sessions::sign_in(session, created.id).await?;
    Ok(())
}

/// Accepts an invitation as the signed-in `user`, who must hold the invited address.
#[tracing::instrument(skip_all, fields(user.id = user.id))]
pub async fn accept_as(state: &AppState, actor: &Actor, user: &user::Model, token: &str) -> Result<(), PartnerError> {
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let (invitation, partner) = find_invitation(&txn, token).await?.map_err(PartnerError::Invitation)?;
    if user.email_canonical != invitation.email {
        return Err(PartnerError::WrongAccount);
    }
    claim_invitation(&txn, invitation.id, now).await?;
    let role = invited_role(&invitation);
    let member = match membership(&txn, user.id).await? {
        Some(existing) if existing.partner.id != partner.id => return Err(PartnerError::AlreadyMember),
        // An invitation lets a pending member in without waiting for approval.
        Some(existing) => {
            let mut row: partner_member::ActiveModel = existing.member.clone().into();
            row.status = Set(ACTIVE.to_owned());
            row.joined_at = Set(Some(existing.member.joined_at.unwrap_or(now)));
            if role == ADMIN {
                row.role = Set(ADMIN.to_owned());
            }
            row.update(&txn).await?
        }
        None => insert_member(&txn, partner.id, user.id, role, true, now).await?,
    };
    add_invited_ownerships(&txn, &invitation, partner.id, user.id, now).await?;
    if user.email_verified_at.is_none() {
        let mut row: user::ActiveModel = user.clone().into();
        row.email_verified_at = Set(Some(now));
        row.update(&txn).await?;
    }
    audit::record(
        &txn,
        actor,
        Event::new("invitation.accepted", "invitation", invitation.id).partner(partner.id),
    )
    .await?;
    audit::record(
        &txn,
        actor,
        Event::new("member.joined", "member", member.id)
            .partner(partner.id)
            .detail(json!({ "user_id": member.user_id })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Members (active and pending) with their accounts, oldest first.
pub async fn members_of(
    db: &impl ConnectionTrait,
    partner_id: i64,
) -> Result<Vec<(partner_member::Model, user::Model)>, DbErr> {
    let members = partner_member::Entity::find()
        .filter(partner_member::Column::PartnerId.eq(partner_id))
        .order_by_asc(partner_member::Column::Id)
        .all(db)
        .await?;
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(members.iter().map(|m| m.user_id)))
        .all(db)
        .await?;
    Ok(members
        .into_iter()
        .filter_map(|member| {
            users
                .iter()
                .find(|u| u.id == member.user_id)
                .cloned()
                .map(|user| (member, user))
        })
        .collect())
}

pub const ACTIVITY_PAGE_SIZE: u64 = 25;

/// One page of the partner's audit events, newest first, with the actors' and objects' names;
/// and whether there is a next page.
pub async fn activity(
    db: &impl ConnectionTrait,
    partner_id: i64,
    page: u64,
) -> Result<(Vec<audit::NamedEvent>, bool), DbErr> {
    let filter = sea_orm::Condition::all().add(audit_event::Column::PartnerId.eq(partner_id));
    audit::page(db, filter, page, ACTIVITY_PAGE_SIZE, audit::Naming::ApplicationsOnly).await
}
