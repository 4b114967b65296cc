//! Server functions for My APIs: the registration form's catalogue, registration, the partner's
//! application list and one application's page. Members of the partner see every application's
//! metadata; credential fields reach owners only.

// The registration form has eight fields, and a server function takes them as arguments so that
// the plain HTML form posts the same names.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueEntry {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub needs_approval: bool,
}

#[cfg(feature = "ssr")]
impl From<&crate::backend::entities::product::Model> for CatalogueEntry {
    fn from(product: &crate::backend::entities::product::Model) -> Self {
        Self {
            id: product.id,
            name: product.name.clone(),
            description: product.description.clone(),
            needs_approval: false,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<&crate::backend::entities::environment::Model> for CatalogueEntry {
    fn from(environment: &crate::backend::entities::environment::Model) -> Self {
        Self {
            id: environment.id,
            name: environment.name.clone(),
            description: environment.description.clone(),
            needs_approval: environment.needs_approval,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationOptions {
    pub products: Vec<CatalogueEntry>,
    pub environments: Vec<CatalogueEntry>,
    /// Why this user cannot register yet, if they cannot.
    pub blocker: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentState {
    pub environment: String,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSummary {
    pub public_id: String,
    pub name: String,
    pub app_type: String,
    pub status: String,
    pub owners: Vec<String>,
    pub environments: Vec<EnvironmentState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationList {
    pub apps: Vec<AppSummary>,
    pub blocker: Option<String>,
}

/// Credential fields, for owners only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedCredential {
    pub id: i64,
    pub public_key: Option<String>,
    pub revealed: bool,
    pub created_on: String,
    pub last_used: Option<String>,
    pub usage: crate::credentials::api::UsageSummary,
}

/// An OAuth client of a service application, for owners only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthClientRow {
    pub id: i64,
    pub environment: String,
    pub client_id: String,
    pub revealed: bool,
    pub revoked: bool,
    pub created_on: String,
    pub last_used: Option<String>,
    pub usage: crate::credentials::api::UsageSummary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialCell {
    pub product: String,
    pub environment: String,
    pub state: String,
    /// For owners, when an operator rejected the request: the reason they gave.
    pub rejection_reason: Option<String>,
    pub credential: Option<OwnedCredential>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerRow {
    pub user_id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppDetails {
    pub public_id: String,
    pub name: String,
    pub app_type: String,
    pub auth_method: String,
    pub description: String,
    pub site_url: Option<String>,
    pub redirect_urls: Vec<String>,
    pub status: String,
    pub owners: Vec<OwnerRow>,
    pub is_owner: bool,
    /// Owners and partner admins manage who owns the application.
    pub can_manage_owners: bool,
    /// For those who manage owners: open invitations to become a co-owner of this application.
    pub invitations: Vec<crate::partners::api::InvitationRow>,
    /// For owners: every API product, and whether the application uses it.
    pub product_choices: Vec<(CatalogueEntry, bool)>,
    /// For owners: every environment, and whether the application uses it.
    pub environment_choices: Vec<(CatalogueEntry, bool)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppCredentials {
    pub is_owner: bool,
    /// Whether the application is active (see `KeyRow::application_active`).
    pub active: bool,
    pub credentials: Vec<CredentialCell>,
    /// Service applications with client-credentials authentication: one client per environment.
    pub oauth_clients: Vec<OAuthClientRow>,
    /// Whether provisioning is still running, so the page knows to look again.
    pub provisioning: bool,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    pub use crate::applications::service::{self, ApplicationError};
    pub use crate::backend::internal;
    pub use crate::backend::request::{actor, signed_in};
    pub use crate::error::AppError;

    pub fn application_error(error: ApplicationError) -> AppError {
        match error {
            ApplicationError::ProfileIncomplete => {
                AppError::invalid_form("Complete your profile (your name and acceptance of the terms) first.")
            }
            ApplicationError::NoPartner => {
                AppError::invalid_form("Set up or join your company on the Company page first.")
            }
            ApplicationError::NameTaken => {
                AppError::invalid_field("name", "Your company already has an application with this name.")
            }
            ApplicationError::UnknownCatalogueEntry => AppError::invalid_form(
                "One of the chosen products or environments is not available any more. Reload the page.",
            ),
            ApplicationError::NotFound => AppError::NotFound,
            ApplicationError::RemovalNotConfirmed(names) => AppError::invalid_field(
                "confirm_removal",
                format!(
                    "Saving removes {}: every credential there is revoked at once. Tick the box to confirm.",
                    names.join(", ")
                ),
            ),
            other => internal("application operation failed", other),
        }
    }

    /// The signed-in user, their membership and the application `public_id` names, if it is one
    /// of their partner's; "not found" for anything else.
    pub async fn visible_application(
        public_id: &str,
    ) -> Result<
        (
            crate::backend::AppState,
            crate::backend::entities::user::Model,
            crate::partners::service::Membership,
            crate::backend::entities::application::Model,
        ),
        AppError,
    > {
        let (state, _, user) = signed_in().await?;
        let membership = crate::partners::service::require_member(&state.db, &user)
            .await
            .map_err(|_| AppError::NotFound)?;
        let app = service::find_in_partner(&state.db, &membership, public_id)
            .await
            .map_err(application_error)?;
        Ok((state, user, membership, app))
    }

    /// Applications as the lists show them: each environment once, at the state of its least
    /// advanced credential.
    pub async fn summaries(
        db: &impl sea_orm::ConnectionTrait,
        apps: Vec<service::ListedApplication>,
    ) -> Result<Vec<super::AppSummary>, sea_orm::DbErr> {
        use super::{AppSummary, EnvironmentState};
        let ids: Vec<i64> = apps.iter().map(|a| a.id).collect();
        let states = service::environment_states_of(db, &ids).await?;
        Ok(apps
            .into_iter()
            .map(|app| {
                let mut environments: Vec<EnvironmentState> = Vec::new();
                // Rows come in display order, so one environment's states are side by side.
                for (_, _, environment, state) in states.iter().filter(|(application, ..)| *application == app.id) {
                    match environments.last_mut() {
                        Some(shown) if shown.environment == *environment => {
                            if progress(state) < progress(&shown.state) {
                                shown.state = state.clone();
                            }
                        }
                        _ => environments.push(EnvironmentState {
                            environment: environment.clone(),
                            state: state.clone(),
                        }),
                    }
                }
                AppSummary {
                    owners: app.owners,
                    public_id: app.public_id,
                    name: app.name,
                    app_type: app.app_type,
                    status: app.status,
                    environments,
                }
            })
            .collect())
    }

    pub fn ownership_error(error: service::OwnershipError) -> AppError {
        use service::OwnershipError;
        match error {
            OwnershipError::NotAMember => {
                AppError::invalid_field("email", "Only members of your company can be co-owners.")
            }
            OwnershipError::AlreadyOwner => AppError::invalid_field("email", "This person is already an owner."),
            OwnershipError::LastOwner => {
                AppError::invalid_form("An application needs at least one owner. Add another owner first.")
            }
            OwnershipError::NotFound => AppError::NotFound,
            other => internal("ownership change failed", other),
        }
    }

    /// Why a user cannot register applications yet, in words they can act on.
    pub async fn registration_blocker(
        state: &crate::backend::AppState,
        user: &crate::backend::entities::user::Model,
    ) -> Result<(Option<String>, Option<crate::partners::service::Membership>), AppError> {
        let membership = crate::partners::service::membership(&state.db, user.id)
            .await
            .map_err(|e| internal("membership lookup failed", e))?
            .filter(|m| m.member.is_active());
        let blocker = account_blocker(state, user).or_else(|| {
            membership
                .is_none()
                .then(|| "Set up or join your company on the Company page before you register applications.".to_owned())
        });
        Ok((blocker, membership))
    }

    /// What in the user's own account stands in the way of registering, before membership is asked.
    pub fn account_blocker(
        state: &crate::backend::AppState,
        user: &crate::backend::entities::user::Model,
    ) -> Option<String> {
        let complete = user.terms_version.as_deref() == Some(state.settings.terms_version.as_str());
        let domain = crate::partners::service::domain_of(user);
        if !complete {
            Some(
                "Complete your profile (your name and acceptance of the terms) before you register applications."
                    .to_owned(),
            )
        } else if crate::partners::domains::is_public(&domain) {
            Some(format!(
                "{domain} is a public email provider. Sign up with your company address to register applications."
            ))
        } else {
            None
        }
    }

    /// How far provisioning has got: an environment's least advanced credential speaks for it.
    pub fn progress(state: &str) -> usize {
        use crate::backend::entities::credential::{AWAITING_APPROVAL, ISSUED, QUEUED, REJECTED};
        [QUEUED, AWAITING_APPROVAL, REJECTED, ISSUED]
            .iter()
            .position(|known| *known == state)
            .unwrap_or(0)
    }

    pub fn date(at: chrono::DateTime<chrono::Utc>) -> String {
        at.format("%Y-%m-%d").to_string()
    }

    pub fn date_time(at: chrono::DateTime<chrono::Utc>) -> String {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

#[server(endpoint = "registration_context")]
pub async fn registration_context() -> Result<RegistrationOptions, AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let (blocker, _) = registration_blocker(&state, &user).await?;
    let (products, environments) = service::catalogue(&state.db)
        .await
        .map_err(|e| internal("catalogue failed", e))?;
    Ok(RegistrationOptions {
        products: products.iter().map(CatalogueEntry::from).collect(),
        environments: environments.iter().map(CatalogueEntry::from).collect(),
        blocker,
    })
}

#[server(endpoint = "register_application")]
pub async fn register_application(
    name: String,
    app_type: String,
    auth_method: String,
    description: String,
    site_url: String,
    redirect_urls: String,
    #[server(default)] products: Vec<i64>,
    #[server(default)] environments: Vec<i64>,
) -> Result<(), AppError> {
    use crate::applications::domain::{DetailsForm, RegistrationForm};
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let (blocker, membership) = registration_blocker(&state, &user).await?;
    if let Some(blocker) = blocker {
        return Err(AppError::invalid_form(blocker));
    }
    let membership = membership.ok_or(AppError::NotFound)?;
    let registration = RegistrationForm {
        details: DetailsForm {
            name,
            description,
            site_url,
            redirect_urls,
        },
        app_type,
        auth_method,
        product_ids: products,
        environment_ids: environments,
    }
    .parse()
    .map_err(AppError::Invalid)?;
    let actor = actor(Some(user.id)).await;
    let app = service::register(&state, &actor, &user, &membership, registration)
        .await
        .map_err(application_error)?;
    leptos_axum::redirect(&format!("/apis/{}?registered=1", app.public_id));
    Ok(())
}

#[server(endpoint = "my_apis")]
pub async fn my_apis() -> Result<ApplicationList, AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let fail = |e| internal("application list failed", e);
    // The list is read through the user's active membership, so a member with applications
    // costs no separate membership read; only an empty list needs to find out why.
    let apps = service::application_list_of_member(&state.db, user.id)
        .await
        .map_err(fail)?;
    if apps.is_empty() {
        let (blocker, _) = registration_blocker(&state, &user).await?;
        return Ok(ApplicationList {
            apps: Vec::new(),
            blocker,
        });
    }
    let blocker = account_blocker(&state, &user);
    let summaries = ssr::summaries(&state.db, apps).await.map_err(fail)?;
    Ok(ApplicationList {
        apps: summaries,
        blocker,
    })
}

/// What the application's page shows besides its credentials: details, owners and, for owners,
/// the forms' choices. Any member of the partner may read it.
#[server(endpoint = "application_details")]
pub async fn application_details(public_id: String) -> Result<AppDetails, AppError> {
    use ssr::*;
    let (state, user, membership, app) = visible_application(&public_id).await?;
    let fail = |e| internal("application lookup failed", e);
    let is_owner = service::is_owner(&state.db, app.id, user.id).await.map_err(fail)?;
    let owners = service::owners_of(&state.db, &[app.id]).await.map_err(fail)?;
    let can_manage_owners = is_owner || membership.member.is_admin();
    let invitations = if can_manage_owners {
        use crate::partners::{api::ssr::invitation_row, service::invited_applications};
        let now = chrono::Utc::now();
        let names = [(app.id, app.name.clone())];
        crate::partners::service::open_invitations(&state.db, membership.partner.id)
            .await
            .map_err(fail)?
            .into_iter()
            .filter(|invitation| invited_applications(invitation).contains(&app.id))
            .map(|invitation| invitation_row(invitation, &names, now))
            .collect()
    } else {
        Vec::new()
    };
    let (product_choices, environment_choices) = if is_owner {
        let (products, environments) = service::catalogue(&state.db).await.map_err(fail)?;
        // What the application uses, as `set_scope` counts it: credentials in products and
        // environments that are switched on.
        let credentials: Vec<_> = service::credentials_of(&state.db, &[app.id])
            .await
            .map_err(fail)?
            .into_iter()
            .filter(|c| {
                products.iter().any(|p| p.id == c.product_id) && environments.iter().any(|e| e.id == c.environment_id)
            })
            .collect();
        (
            products
                .iter()
                .map(|p| (p.into(), credentials.iter().any(|c| c.product_id == p.id)))
                .collect(),
            environments
                .iter()
                .map(|e| (e.into(), credentials.iter().any(|c| c.environment_id == e.id)))
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(AppDetails {
        public_id: app.public_id,
        name: app.name,
        app_type: app.app_type,
        auth_method: app.auth_method,
        description: app.description,
        site_url: app.site_url,
        redirect_urls: serde_json::from_str(&app.redirect_urls).unwrap_or_default(),
        status: app.status,
        owners: owners
            .into_iter()
            .map(|(_, u)| OwnerRow {
                user_id: u.id,
                name: u.full_name,
                email: u.email,
            })
            .collect(),
        is_owner,
        can_manage_owners,
        invitations,
        product_choices,
        environment_choices,
    })
}

/// The application's credential matrix (with usage and keys for owners; states only for other
/// members) and its OAuth clients. Read apart from its details so that provisioning and key
/// actions refresh the credential cards and leave the rest of the page, and its open forms, alone.
#[server(endpoint = "application_credentials")]
pub async fn application_credentials(public_id: String) -> Result<AppCredentials, AppError> {
    use crate::backend::entities::{credential, environment, product};
    use sea_orm::EntityTrait;
    use ssr::*;
    let (state, user, _, app) = visible_application(&public_id).await?;
    let fail = |e| internal("credential lookup failed", e);
    let is_owner = service::is_owner(&state.db, app.id, user.id).await.map_err(fail)?;
    let credentials = service::credentials_of(&state.db, &[app.id]).await.map_err(fail)?;
    let clients = if is_owner {
        crate::credentials::clients::clients_of(&state.db, app.id)
            .await
            .map_err(fail)?
    } else {
        Vec::new()
    };
    let mut usage = if is_owner {
        use crate::credentials::usage;
        let subjects: Vec<String> = credentials
            .iter()
            .map(|c| usage::credential_subject(c.id))
            .chain(clients.iter().map(|c| usage::client_subject(c.id)))
            .collect();
        usage::last_30_days(&state.db, &subjects).await.map_err(fail)?
    } else {
        Default::default()
    };
    // Every product and environment, switched off or not, to name the credentials.
    let products = product::Entity::find().all(&state.db).await.map_err(fail)?;
    let environments = environment::Entity::find().all(&state.db).await.map_err(fail)?;
    let name_of_product = |id| {
        products
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let environment_of = |id| environments.iter().find(|e| e.id == id);
    let mut cells: Vec<(i32, CredentialCell)> = credentials
        .iter()
        .map(|c| {
            let env = environment_of(c.environment_id);
            let cell = CredentialCell {
                product: name_of_product(c.product_id),
                environment: env.map(|e| e.name.clone()).unwrap_or_default(),
                state: c.state.clone(),
                rejection_reason: c.rejection_reason.clone().filter(|_| is_owner),
                credential: is_owner.then(|| OwnedCredential {
                    id: c.id,
                    public_key: c.public_key.clone(),
                    revealed: c.secret_hash.is_some(),
                    created_on: date(c.created_at),
                    last_used: c.last_used_at.map(date_time),
                    usage: usage
                        .remove(&crate::credentials::usage::credential_subject(c.id))
                        .unwrap_or_default(),
                }),
            };
            (env.map(|e| e.position).unwrap_or(0), cell)
        })
        .collect();
    cells.sort_by(|a, b| (a.0, &a.1.product).cmp(&(b.0, &b.1.product)));
    Ok(AppCredentials {
        is_owner,
        active: app.status == crate::backend::entities::application::ACTIVE,
        provisioning: credentials.iter().any(|c| c.state == credential::QUEUED),
        credentials: cells.into_iter().map(|(_, cell)| cell).collect(),
        oauth_clients: clients
            .into_iter()
            .map(|c| OAuthClientRow {
                id: c.id,
                environment: environment_of(c.environment_id)
                    .map(|e| e.name.clone())
                    .unwrap_or_default(),
                client_id: c.client_id.clone(),
                revealed: c.secret_hash.is_some(),
                revoked: c.is_revoked(),
                created_on: date(c.created_at),
                last_used: c.last_used_at.map(date_time),
                usage: usage
                    .remove(&crate::credentials::usage::client_subject(c.id))
                    .unwrap_or_default(),
            })
            .collect(),
    })
}

/// Saves an application's name, description, site and redirect URLs. Owners only: partner admins
/// manage owners, not the application itself.
#[server(endpoint = "update_application")]
pub async fn update_application(
    public_id: String,
    name: String,
    #[server(default)] description: String,
    #[server(default)] site_url: String,
    #[server(default)] redirect_urls: String,
) -> Result<(), AppError> {
    use crate::applications::domain::{AuthMethod, DetailsForm};
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let (app, _) = service::require_owned(&state.db, &user, &public_id)
        .await
        .map_err(application_error)?;
    let auth_method = AuthMethod::parse(&app.auth_method)
        .ok_or_else(|| internal("application has an unknown authentication method", &app.auth_method))?;
    let details = DetailsForm {
        name,
        description,
        site_url,
        redirect_urls,
    }
    .parse(auth_method)
    .map_err(AppError::Invalid)?;
    service::update_details(&state, &actor(Some(user.id)).await, &app, details)
        .await
        .map_err(application_error)?;
    leptos_axum::redirect(&format!("/apis/{}?updated=1", app.public_id));
    Ok(())
}

#[server(endpoint = "set_application_active")]
pub async fn set_application_active(public_id: String, active: String) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let (app, _) = service::require_owned(&state.db, &user, &public_id)
        .await
        .map_err(application_error)?;
    let active = match active.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::invalid_form("Choose deactivate or restore.")),
    };
    service::set_active(&state, &actor(Some(user.id)).await, &app, active)
        .await
        .map_err(application_error)?;
    let flag = if active { "restored" } else { "deactivated" };
    leptos_axum::redirect(&format!("/apis/{}?{flag}=1", app.public_id));
    Ok(())
}

#[server(endpoint = "delete_application")]
pub async fn delete_application(public_id: String, confirm_name: String) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let (app, _) = service::require_owned(&state.db, &user, &public_id)
        .await
        .map_err(application_error)?;
    if confirm_name.trim() != app.name {
        return Err(AppError::invalid_field(
            "confirm_name",
            format!("Type {} exactly to confirm.", app.name),
        ));
    }
    service::delete(&state, &actor(Some(user.id)).await, &app)
        .await
        .map_err(application_error)?;
    leptos_axum::redirect("/apis?deleted=1");
    Ok(())
}

/// Adds a co-owner: a member of the company directly, a colleague without an account (or not yet a
/// member) through an invitation that makes them co-owner when they accept.
#[server(endpoint = "add_co_owner")]
pub async fn add_co_owner(public_id: String, email: String) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let (app, membership) = service::require_owner_or_partner_admin(&state.db, &user, &public_id)
        .await
        .map_err(application_error)?;
    let email =
        crate::accounts::email::Email::parse(&email).map_err(|e| AppError::invalid_field("email", e.to_string()))?;
    let actor = actor(Some(user.id)).await;
    match service::add_owner(&state, &actor, &app, &email).await {
        Ok(()) => {}
        Err(service::OwnershipError::NotAMember) => {
            crate::partners::service::invite(&state, &actor, &user, &membership, &email, &[app.id])
                .await
                .map_err(crate::partners::api::ssr::partner_error)?;
            leptos_axum::redirect(&format!("/apis/{}?invited=1", app.public_id));
            return Ok(());
        }
        Err(other) => return Err(ownership_error(other)),
    }
    leptos_axum::redirect(&format!("/apis/{}?owner_added=1", app.public_id));
    Ok(())
}

#[server(endpoint = "remove_co_owner")]
pub async fn remove_co_owner(public_id: String, user_id: i64) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let (app, _) = service::require_owner_or_partner_admin(&state.db, &user, &public_id)
        .await
        .map_err(application_error)?;
    service::remove_owner(&state, &actor(Some(user.id)).await, &app, user_id)
        .await
        .map_err(ownership_error)?;
    leptos_axum::redirect(&format!("/apis/{}?owner_removed=1", app.public_id));
    Ok(())
}

/// Sets an application's scope: the API products it uses and the environments it uses them in.
/// What comes in is provisioned; what leaves is revoked, once the owner has confirmed that.
#[server(endpoint = "update_scope")]
pub async fn update_scope(
    public_id: String,
    #[server(default)] products: Vec<i64>,
    #[server(default)] environments: Vec<i64>,
    /// "yes" when the owner ticked that the credentials of what they removed are to be revoked.
    #[server(default)]
    confirm_removal: String,
) -> Result<(), AppError> {
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let (app, _) = service::require_owned(&state.db, &user, &public_id)
        .await
        .map_err(application_error)?;
    let mut empty = crate::error::FormErrors::default();
    if products.is_empty() {
        empty.add_field("products", "Keep at least one API product, or delete the application.");
    }
    if environments.is_empty() {
        empty.add_field(
            "environments",
            "Keep at least one environment, or delete the application.",
        );
    }
    if !empty.is_empty() {
        return Err(AppError::Invalid(empty));
    }
    let scope = service::Scope {
        product_ids: &products,
        environment_ids: &environments,
    };
    service::set_scope(
        &state,
        &actor(Some(user.id)).await,
        &app,
        scope,
        confirm_removal == "yes",
    )
    .await
    .map_err(application_error)?;
    leptos_axum::redirect(&format!("/apis/{}?scope_saved=1", app.public_id));
    Ok(())
}

/// The application's own history: its events and its credentials' events, newest first, fifty a
/// page (`page` counts from 0). Owners only.
#[server(endpoint = "application_activity")]
pub async fn application_activity(
    public_id: String,
    #[server(default)] page: u64,
) -> Result<crate::partners::api::ActivityPage, AppError> {
    use crate::backend::audit::Naming;
    use crate::backend::entities::{audit_event, credential, oauth_client};
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
    use ssr::*;
    let (state, _, user) = signed_in().await?;
    let (app, _) = service::require_owned(&state.db, &user, &public_id)
        .await
        .map_err(application_error)?;
    let fail = |e| internal("activity lookup failed", e);
    let credential_ids: Vec<String> = credential::Entity::find()
        .filter(credential::Column::ApplicationId.eq(app.id))
        .all(&state.db)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    let client_ids: Vec<String> = oauth_client::Entity::find()
        .filter(oauth_client::Column::ApplicationId.eq(app.id))
        .all(&state.db)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    let filter = Condition::any()
        .add(
            Condition::all()
                .add(audit_event::Column::ObjectType.eq("application"))
                .add(audit_event::Column::ObjectId.eq(&app.public_id)),
        )
        .add(
            Condition::all()
                .add(audit_event::Column::ObjectType.eq("credential"))
                .add(audit_event::Column::ObjectId.is_in(credential_ids)),
        )
        .add(
            Condition::all()
                .add(audit_event::Column::ObjectType.eq("oauth_client"))
                .add(audit_event::Column::ObjectId.is_in(client_ids)),
        );
    let page = page.min(100_000);
    let (events, has_next) = crate::backend::audit::page(&state.db, filter, page, 50, Naming::Credentials)
        .await
        .map_err(fail)?;
    Ok(crate::partners::api::activity_page(events, page, has_next))
}
