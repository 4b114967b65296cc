//! Server functions for partners, invitations and the activity log, and their wire types. Every
//! function reads the caller's membership from the database first; ids of members and invitations
//! are looked up inside the caller's partner only, so another partner's ids behave like ids that
//! do not exist.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyDetails {
    pub domain: String,
    pub name: String,
    pub website: String,
    pub address: String,
    pub country: String,
    pub phone: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    /// ISO date; `None` while waiting for approval.
    pub joined_on: Option<String>,
    pub is_you: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub id: i64,
    pub email: String,
    /// The applications the invitee becomes a co-owner of on accepting.
    pub applications: Vec<String>,
    pub sent_on: String,
    pub expired: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Company {
    pub details: CompanyDetails,
    pub is_admin: bool,
    pub members: Vec<MemberRow>,
    /// Admins only: requests waiting for approval.
    pub pending: Vec<MemberRow>,
    /// Admins only.
    pub invitations: Vec<InvitationRow>,
    pub new_members_need_approval: bool,
}

/// What the Company page shows the signed-in developer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompanyState {
    /// Their address is at a public webmail or disposable provider.
    PublicDomain {
        domain: String,
    },
    /// Nobody has set up a company for their domain yet: they may.
    NoPartner {
        domain: String,
    },
    /// A company exists for their domain and they may join it.
    Joinable {
        name: String,
    },
    /// They asked to join and an admin has not decided yet.
    Pending {
        name: String,
    },
    Member(Box<Company>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRow {
    pub when: String,
    pub actor: String,
    pub action: String,
    /// The object's type and id as the log stores them (`credential 42`).
    pub object: String,
    /// What the object is called, where the portal can still tell.
    pub object_name: Option<String>,
    pub client_ip: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub rows: Vec<ActivityRow>,
    pub page: u64,
    pub has_next: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub partner_name: String,
    pub inviter_name: String,
    pub email: String,
    pub account_exists: bool,
    /// The address of whoever is signed in, if anyone.
    pub signed_in_as: Option<String>,
}

/// Server-side helpers; `partner_error` is the user-facing answer for a partner rule that refused
/// something, shared with the application functions that reuse invitations.
#[cfg(feature = "ssr")]
pub mod ssr {
    pub use crate::backend::internal;
    pub use crate::backend::navigation::back_with_flag;
    pub use crate::backend::request::{actor, require_user, session, signed_in, signed_in_user, state};
    pub use crate::error::AppError;
    pub use crate::partners::service::{self, InvitationProblem, PartnerError};

    /// An open invitation as the Company page and the application page list it, with the names
    /// of the applications it makes the invitee a co-owner of (`application_names` by id).
    pub fn invitation_row(
        invitation: crate::backend::entities::invitation::Model,
        application_names: &[(i64, String)],
        now: chrono::DateTime<chrono::Utc>,
    ) -> super::InvitationRow {
        let invited_to = service::invited_applications(&invitation);
        super::InvitationRow {
            id: invitation.id,
            applications: application_names
                .iter()
                .filter(|(id, _)| invited_to.contains(id))
                .map(|(_, name)| name.clone())
                .collect(),
            email: invitation.email,
            sent_on: date(invitation.sent_at),
            expired: invitation.expires_at <= now,
        }
    }

    pub fn partner_error(error: PartnerError) -> AppError {
        match error {
            PartnerError::PublicDomain => AppError::invalid_form(
                "Addresses at public email providers cannot set up or join a company. Sign up with your work address.",
            ),
            PartnerError::NotMember | PartnerError::NotFound => AppError::NotFound,
            PartnerError::NotAdmin => AppError::Forbidden,
            PartnerError::LastAdmin => {
                AppError::invalid_form("A company needs at least one admin. Make someone else an admin first.")
            }
            PartnerError::AlreadyMember => AppError::invalid_form("You already belong to a company."),
            PartnerError::PartnerExists => {
                AppError::invalid_form("A company for your domain was set up a moment ago. Reload the page to join it.")
            }
            PartnerError::OutsideDomain { domain } => AppError::invalid_field(
                "email",
                format!("Invitations go to addresses at {domain} only: colleagues are grouped by their email domain."),
            ),
            PartnerError::InviteeAlreadyMember => AppError::invalid_field("email", "This person is already a member."),
            PartnerError::Invitation(problem) => AppError::invalid_form(match problem {
                InvitationProblem::Expired => {
                    "This invitation has expired. Ask the person who invited you to send a new one."
                }
                InvitationProblem::Used => "This invitation has already been accepted.",
                InvitationProblem::Cancelled => {
                    "This invitation was withdrawn or replaced by a newer one. Use the latest email you received."
                }
                InvitationProblem::Unknown => {
                    "This invitation link is not valid. Check that you copied the whole link."
                }
            }),
            PartnerError::WrongAccount => AppError::invalid_form(
                "This invitation is for another address. Sign out, then sign in with the invited address.",
            ),
            PartnerError::AccountExists => {
                AppError::invalid_form("An account with this address exists already. Sign in to accept the invitation.")
            }
            other => internal("partner operation failed", other),
        }
    }

    /// A member as the members tables show them; `viewer` is whoever is looking.
    pub fn member_row(
        (member, person): &(
            crate::backend::entities::partner_member::Model,
            crate::backend::entities::user::Model,
        ),
        viewer: i64,
    ) -> super::MemberRow {
        super::MemberRow {
            id: member.id,
            name: person.full_name.clone(),
            email: person.email.clone(),
            is_admin: member.role == crate::backend::entities::partner_member::ADMIN,
            joined_on: member.joined_at.map(date),
            is_you: person.id == viewer,
        }
    }

    impl From<crate::backend::entities::partner::Model> for super::CompanyDetails {
        fn from(partner: crate::backend::entities::partner::Model) -> Self {
            Self {
                domain: partner.domain,
                name: partner.name,
                website: partner.website.unwrap_or_default(),
                address: partner.address.unwrap_or_default(),
                country: partner.country.unwrap_or_default(),
                phone: partner.phone.unwrap_or_default(),
                description: partner.description.unwrap_or_default(),
            }
        }
    }

    pub fn date(at: chrono::DateTime<chrono::Utc>) -> String {
        at.format("%Y-%m-%d").to_string()
    }
}

#[cfg(feature = "ssr")]
fn company_fields(
    name: &str,
    website: &str,
    address: &str,
    country: &str,
    phone: &str,
    description: &str,
) -> Result<crate::partners::service::CompanyFields, AppError> {
    use crate::accounts::profile::{optional_phone, optional_text};
    let mut errors = crate::error::FormErrors::default();
    let name = errors.check("name", optional_text(name, 200)).and_then(|name| {
        if name.is_none() {
            errors.fields.insert("name".into(), "Enter your company's name.".into());
        }
        name
    });
    let website = errors.check(
        "website",
        optional_text(website, 300).and_then(|site| site.map(normalise_website).transpose()),
    );
    let address = errors.check("address", optional_text(address, 500));
    let country = errors.check("country", optional_text(country, 100));
    let phone = errors.check("phone", optional_phone(phone));
    let description = errors.check("description", optional_text(description, 2000));
    match (name, website, address, country, phone, description) {
        (Some(name), Some(website), Some(address), Some(country), Some(phone), Some(description))
            if errors.is_empty() =>
        {
            Ok(crate::partners::service::CompanyFields {
                name,
                website,
                address,
                country,
                phone,
                description,
            })
        }
        _ => Err(AppError::Invalid(errors)),
    }
}

/// Accepts `acme.com` or `https://acme.com/…`; stores an https URL. Anything that is not a plain
/// http(s) address is refused, so no `javascript:` link can reach the page.
#[cfg(feature = "ssr")]
fn normalise_website(input: String) -> Result<String, crate::accounts::profile::ProfileError> {
    let with_scheme = if input.starts_with("https://") || input.starts_with("http://") {
        input
    } else {
        format!("https://{input}")
    };
    let host = with_scheme
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    let valid = !host.is_empty()
        && host.contains('.')
        && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
        && !with_scheme
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    if valid {
        Ok(with_scheme)
    } else {
        Err(crate::accounts::profile::ProfileError::WebsiteMalformed)
    }
}

#[server(endpoint = "company_overview")]
pub async fn company_overview() -> Result<CompanyState, AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let domain = service::domain_of(&user);
    let db = &state.db;
    let fail = |e| internal("company lookup failed", e);
    let Some(membership) = service::membership(db, user.id).await.map_err(fail)? else {
        if crate::partners::domains::is_public(&domain) {
            return Ok(CompanyState::PublicDomain { domain });
        }
        return Ok(match service::partner_for_domain(db, &domain).await.map_err(fail)? {
            Some(partner) => CompanyState::Joinable { name: partner.name },
            None => CompanyState::NoPartner { domain },
        });
    };
    if !membership.member.is_active() {
        return Ok(CompanyState::Pending {
            name: membership.partner.name,
        });
    }
    let is_admin = membership.member.is_admin();
    let partner = membership.partner;
    let rows = service::members_of(db, partner.id).await.map_err(fail)?;
    let row = |member: &(_, _)| member_row(member, user.id);
    let members = rows.iter().filter(|(m, _)| m.is_active()).map(row).collect();
    let (pending, invitations) = if is_admin {
        let now = chrono::Utc::now();
        let invitations = service::open_invitations(db, partner.id).await.map_err(fail)?;
        let application_names: Vec<(i64, String)> = crate::applications::service::applications_of(db, partner.id)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|app| (app.id, app.name))
            .collect();
        (
            rows.iter().filter(|(m, _)| !m.is_active()).map(row).collect(),
            invitations
                .into_iter()
                .map(|i| invitation_row(i, &application_names, now))
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let new_members_need_approval = partner.new_members_need_approval;
    Ok(CompanyState::Member(Box::new(Company {
        details: partner.into(),
        is_admin,
        members,
        pending,
        invitations,
        new_members_need_approval,
    })))
}

/// Creates the company (the caller becomes its admin) or, for an admin, updates it.
#[server(endpoint = "save_company")]
pub async fn save_company(
    name: String,
    website: String,
    address: String,
    country: String,
    phone: String,
    description: String,
) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let fields = company_fields(&name, &website, &address, &country, &phone, &description)?;
    let actor = actor(Some(user.id)).await;
    match service::membership(&state.db, user.id)
        .await
        .map_err(|e| internal("membership lookup failed", e))?
    {
        None => {
            service::create_partner(&state, &actor, &user, fields)
                .await
                .map_err(partner_error)?;
        }
        Some(_) => {
            let admin = service::require_admin(&state.db, &user).await.map_err(partner_error)?;
            service::update_partner(&state, &actor, &admin, fields)
                .await
                .map_err(partner_error)?;
        }
    }
    leptos_axum::redirect("/company?saved=1");
    Ok(())
}

/// Joins the company of the caller's domain (for developers verified before it was set up).
#[server(endpoint = "join_company")]
pub async fn join_company() -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let actor = actor(Some(user.id)).await;
    let txn = crate::backend::begin_write(&state.db)
        .await
        .map_err(|e| internal("join failed", e))?;
    let joined = service::join_by_domain(&txn, &state, &actor, &user)
        .await
        .map_err(|e| internal("join failed", e))?;
    txn.commit().await.map_err(|e| internal("join failed", e))?;
    if joined.is_none() {
        return Err(AppError::NotFound);
    }
    leptos_axum::redirect("/company");
    Ok(())
}

#[server(endpoint = "set_member_approval")]
pub async fn set_member_approval(required: Option<String>) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let admin = service::require_admin(&state.db, &user).await.map_err(partner_error)?;
    let actor = actor(Some(user.id)).await;
    service::set_new_members_need_approval(&state, &actor, &admin, required.is_some())
        .await
        .map_err(partner_error)?;
    leptos_axum::redirect("/company?settings_saved=1");
    Ok(())
}

#[server(endpoint = "change_member_role")]
pub async fn change_member_role(member_id: i64, role: String) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let admin = service::require_admin(&state.db, &user).await.map_err(partner_error)?;
    let make_admin = match role.as_str() {
        "admin" => true,
        "member" => false,
        _ => return Err(AppError::invalid_form("Choose admin or member.")),
    };
    let actor = actor(Some(user.id)).await;
    service::change_role(&state, &actor, &admin, member_id, make_admin)
        .await
        .map_err(partner_error)?;
    leptos_axum::redirect("/company?role_changed=1");
    Ok(())
}

#[server(endpoint = "remove_member")]
pub async fn remove_member(member_id: i64) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let admin = service::require_admin(&state.db, &user).await.map_err(partner_error)?;
    let actor = actor(Some(user.id)).await;
    service::remove_member(&state, &actor, &admin, member_id)
        .await
        .map_err(partner_error)?;
    leptos_axum::redirect("/company?removed=1");
    Ok(())
}

#[server(endpoint = "decide_member_request")]
pub async fn decide_member_request(member_id: i64, decision: String) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let admin = service::require_admin(&state.db, &user).await.map_err(partner_error)?;
    let approve = match decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => return Err(AppError::invalid_form("Choose approve or decline.")),
    };
    let actor = actor(Some(user.id)).await;
    service::decide_pending(&state, &actor, &admin, member_id, approve)
        .await
        .map_err(partner_error)?;
    leptos_axum::redirect(if approve {
        "/company?approved=1"
    } else {
        "/company?declined=1"
    });
    Ok(())
}

#[server(endpoint = "send_invitation")]
pub async fn send_invitation(email: String) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let admin = service::require_admin(&state.db, &user).await.map_err(partner_error)?;
    let email =
        crate::accounts::email::Email::parse(&email).map_err(|e| AppError::invalid_field("email", e.to_string()))?;
    let actor = actor(Some(user.id)).await;
    service::invite(&state, &actor, &user, &admin, &email, &[])
        .await
        .map_err(partner_error)?;
    leptos_axum::redirect("/company?invited=1");
    Ok(())
}

/// Sends an open invitation again with a fresh link. Partner admins, and owners of the
/// application it is for; offered on the Company page and on the application's page.
#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(invitation_id: i64) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let manager = service::require_invitation_manager(&state.db, &user, invitation_id)
        .await
        .map_err(partner_error)?;
    let actor = actor(Some(user.id)).await;
    service::resend_invitation(&state, &actor, &user, &manager, invitation_id)
        .await
        .map_err(partner_error)?;
    leptos_axum::redirect(&back_with_flag(&state.settings.base_url, "/company", "resent").await);
    Ok(())
}

/// Withdraws an open invitation; same rule and pages as [`resend_invitation`].
#[server(endpoint = "cancel_invitation")]
pub async fn cancel_invitation(invitation_id: i64) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let manager = service::require_invitation_manager(&state.db, &user, invitation_id)
        .await
        .map_err(partner_error)?;
    let actor = actor(Some(user.id)).await;
    service::cancel_invitation(&state, &actor, &manager, invitation_id)
        .await
        .map_err(partner_error)?;
    leptos_axum::redirect(&back_with_flag(&state.settings.base_url, "/company", "cancelled").await);
    Ok(())
}

/// Audit events as the activity tables show them.
#[cfg(feature = "ssr")]
pub fn activity_page(events: Vec<crate::backend::audit::NamedEvent>, page: u64, has_next: bool) -> ActivityPage {
    let rows = events
        .into_iter()
        .map(|named| ActivityRow {
            when: named.event.occurred_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            actor: named.actor.unwrap_or_else(|| "—".into()),
            action: named.event.action,
            object: format!("{} {}", named.event.object_type, named.event.object_id),
            object_name: named.object,
            client_ip: named.event.client_ip.unwrap_or_default(),
        })
        .collect();
    ActivityPage { rows, page, has_next }
}

#[server(endpoint = "company_activity")]
pub async fn company_activity(page: u64) -> Result<ActivityPage, AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let admin = service::require_admin(&state.db, &user).await.map_err(partner_error)?;
    let page = page.min(100_000);
    let (events, has_next) = service::activity(&state.db, admin.partner.id, page)
        .await
        .map_err(|e| internal("activity lookup failed", e))?;
    Ok(activity_page(events, page, has_next))
}

#[server(endpoint = "get_invitation")]
pub async fn get_invitation(token: String) -> Result<InvitationView, AppError> {
    use ssr::*;
    let state = state()?;
    let session = session().await?;
    let fail = |e| internal("invitation lookup failed", e);
    let (invitation, partner) = service::find_invitation(&state.db, &token)
        .await
        .map_err(fail)?
        .map_err(|problem| partner_error(PartnerError::Invitation(problem)))?;
    use crate::backend::entities::user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let inviter = match invitation.invited_by {
        Some(id) => user::Entity::find_by_id(id)
            .one(&state.db)
            .await
            .map_err(fail)?
            .map(|u| u.full_name),
        None => None,
    };
    let account_exists = user::Entity::find()
        .filter(user::Column::EmailCanonical.eq(&invitation.email))
        .one(&state.db)
        .await
        .map_err(fail)?
        .is_some();
    let signed_in_as = signed_in_user(&state, &session).await?.map(|u| u.email);
    Ok(InvitationView {
        partner_name: partner.name,
        inviter_name: inviter.unwrap_or_else(|| "An admin".into()),
        email: invitation.email,
        account_exists,
        signed_in_as,
    })
}

#[server(endpoint = "accept_invitation_sign_up")]
pub async fn accept_invitation_sign_up(token: String, full_name: String, password: String) -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    let session = session().await?;
    let mut errors = crate::error::FormErrors::default();
    let name = errors.check("full_name", crate::accounts::profile::FullName::parse(&full_name));
    let password = errors.check("password", crate::accounts::password::Password::parse_new(&password));
    let (Some(name), Some(password)) = (name, password) else {
        return Err(AppError::Invalid(errors));
    };
    let actor = actor(None).await;
    service::accept_with_sign_up(&state, &actor, &session, &token, name.into_inner(), &password)
        .await
        .map_err(partner_error)?;
    leptos_axum::redirect("/company?welcome=1");
    Ok(())
}

#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let actor = actor(Some(user.id)).await;
    service::accept_as(&state, &actor, &user, &token)
        .await
        .map_err(partner_error)?;
    leptos_axum::redirect("/company?welcome=1");
    Ok(())
}
