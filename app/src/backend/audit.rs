//! The audit log: who did what to which object, when, and from which address. Every state change
//! records one event in the same transaction as the change. Details are small JSON objects and
//! never hold a secret, a token or a password.

use crate::backend::entities::{self, audit_event};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

/// Who is acting and from where; built once per request.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub client_ip: Option<String>,
}

/// One thing that happened.
pub struct Event<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub partner_id: Option<i64>,
    pub detail: serde_json::Value,
}

impl<'a> Event<'a> {
    pub fn new(action: &'a str, object_type: &'a str, object_id: impl ToString) -> Self {
        Self {
            action,
            object_type,
            object_id: object_id.to_string(),
            partner_id: None,
            detail: serde_json::json!({}),
        }
    }

    pub fn partner(mut self, partner_id: i64) -> Self {
        self.partner_id = Some(partner_id);
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

pub async fn record(db: &impl ConnectionTrait, actor: &Actor, event: Event<'_>) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        actor_user_id: Set(actor.user_id),
        action: Set(event.action.to_owned()),
        object_type: Set(event.object_type.to_owned()),
        object_id: Set(event.object_id),
        partner_id: Set(event.partner_id),
        occurred_at: Set(Utc::now()),
        client_ip: Set(actor.client_ip.clone()),
        detail: Set(event.detail.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// How much an audit page may say about the objects of its events.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// Credentials by their application and their own name: for owners and operators.
    Credentials,
    /// Credentials by their application only: a credential's name is one of its fields, which
    /// members who are not owners (partner admins included) never see.
    ApplicationsOnly,
}

/// An audit event with the names a person knows its actor and its object by.
pub struct NamedEvent {
    pub event: audit_event::Model,
    pub actor: Option<String>,
    /// What the object is called now ("Payments Hub", "Payments Hub: Digital Banking · Sandbox",
    /// a person's name, an invited address), for objects that can still be named.
    pub object: Option<String>,
}

/// Newest-first events matching `filter`, one page of `page_size`, with the actors' and objects'
/// names; and whether there is a next page.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: sea_orm::Condition,
    page: u64,
    page_size: u64,
    naming: Naming,
) -> Result<(Vec<NamedEvent>, bool), DbErr> {
    use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut events = audit_event::Entity::find()
        .filter(filter)
        .order_by_desc(audit_event::Column::Id)
        .offset(page.saturating_mul(page_size))
        .limit(page_size + 1)
        .all(db)
        .await?;
    let has_next = events.len() as u64 > page_size;
    events.truncate(page_size as usize);
    let names = ObjectNames::load(db, &events).await?;
    let named = events
        .into_iter()
        .map(|event| NamedEvent {
            actor: event.actor_user_id.and_then(|id| names.person(id)),
            object: names.object(&event, naming),
            event,
        })
        .collect();
    Ok((named, has_next))
}

/// The rows an audit page's events point at, read in one query per kind of object. Objects that
/// are gone (a deleted application, a removed member) have no name, except people, whom member
/// events also name by user id in their detail.
#[derive(Default)]
struct ObjectNames {
    users: Vec<entities::user::Model>,
    members: Vec<entities::partner_member::Model>,
    invitations: Vec<entities::invitation::Model>,
    partners: Vec<entities::partner::Model>,
    applications: Vec<entities::application::Model>,
    credentials: Vec<entities::credential::Model>,
    oauth_clients: Vec<entities::oauth_client::Model>,
    products: Vec<entities::product::Model>,
    environments: Vec<entities::environment::Model>,
    gateway_tokens: Vec<entities::gateway_token::Model>,
}

impl ObjectNames {
    async fn load(db: &impl ConnectionTrait, events: &[audit_event::Model]) -> Result<Self, DbErr> {
        use entities::*;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let ids_of = |object_type: &str| -> Vec<i64> {
            events
                .iter()
                .filter(|e| e.object_type == object_type)
                .filter_map(|e| e.object_id.parse().ok())
                .collect()
        };
        let mut names = Self {
            members: rows_with(db, partner_member::Column::Id, ids_of("member")).await?,
            invitations: rows_with(db, invitation::Column::Id, ids_of("invitation")).await?,
            partners: rows_with(db, partner::Column::Id, ids_of("partner")).await?,
            credentials: rows_with(db, credential::Column::Id, ids_of("credential")).await?,
            oauth_clients: rows_with(db, oauth_client::Column::Id, ids_of("oauth_client")).await?,
            products: rows_with(db, product::Column::Id, ids_of("product")).await?,
            gateway_tokens: rows_with(db, gateway_token::Column::Id, ids_of("gateway_token")).await?,
            ..Self::default()
        };

        let mut user_ids: Vec<i64> = events.iter().filter_map(|e| e.actor_user_id).collect();
        user_ids.extend(ids_of("user"));
        user_ids.extend(names.members.iter().map(|m| m.user_id));
        user_ids.extend(
            events
                .iter()
                .filter(|e| e.object_type == "member")
                .filter_map(detail_user_id),
        );
        names.users = rows_with(db, user::Column::Id, user_ids).await?;

        let public_ids: Vec<String> = events
            .iter()
            .filter(|e| e.object_type == "application")
            .map(|e| e.object_id.clone())
            .collect();
        let application_ids: Vec<i64> = (names.credentials.iter().map(|c| c.application_id))
            .chain(names.oauth_clients.iter().map(|c| c.application_id))
            .collect();
        if !public_ids.is_empty() || !application_ids.is_empty() {
            names.applications = application::Entity::find()
                .filter(
                    sea_orm::Condition::any()
                        .add(application::Column::PublicId.is_in(public_ids))
                        .add(application::Column::Id.is_in(application_ids)),
                )
                .all(db)
                .await?;
        }

        let mut environment_ids = ids_of("environment");
        environment_ids.extend(names.oauth_clients.iter().map(|c| c.environment_id));
        environment_ids.extend(names.gateway_tokens.iter().map(|t| t.environment_id));
        names.environments = rows_with(db, environment::Column::Id, environment_ids).await?;
        Ok(names)
    }

    fn person(&self, user_id: i64) -> Option<String> {
        self.users.iter().find(|u| u.id == user_id).map(|u| u.full_name.clone())
    }

    fn environment(&self, environment_id: i64) -> Option<&str> {
        self.environments
            .iter()
            .find(|e| e.id == environment_id)
            .map(|e| e.name.as_str())
    }

    fn object(&self, event: &audit_event::Model, naming: Naming) -> Option<String> {
        if event.object_type == "application" {
            return self
                .applications
                .iter()
                .find(|a| a.public_id == event.object_id)
                .map(|a| a.name.clone());
        }
        let id: i64 = event.object_id.parse().ok()?;
        let application = |application_id: i64| self.applications.iter().find(|a| a.id == application_id);
        match event.object_type.as_str() {
            "user" => self.person(id),
            "member" => self
                .members
                .iter()
                .find(|m| m.id == id)
                .map(|m| m.user_id)
                .or_else(|| detail_user_id(event))
                .and_then(|user_id| self.person(user_id)),
            "invitation" => self.invitations.iter().find(|i| i.id == id).map(|i| i.email.clone()),
            "partner" => self.partners.iter().find(|p| p.id == id).map(|p| p.name.clone()),
            "product" => self.products.iter().find(|p| p.id == id).map(|p| p.name.clone()),
            "environment" => self.environment(id).map(str::to_owned),
            "gateway_token" => {
                self.gateway_tokens
                    .iter()
                    .find(|t| t.id == id)
                    .map(|t| match self.environment(t.environment_id) {
                        Some(environment) => format!("{} ({environment})", t.name),
                        None => t.name.clone(),
                    })
            }
            "credential" => {
                let credential = self.credentials.iter().find(|c| c.id == id)?;
                match (naming, application(credential.application_id)) {
                    (Naming::Credentials, Some(app)) => Some(format!("{}: {}", app.name, credential.name)),
                    (Naming::Credentials, None) => Some(credential.name.clone()),
                    (Naming::ApplicationsOnly, app) => app.map(|app| app.name.clone()),
                }
            }
            "oauth_client" => {
                let client = self.oauth_clients.iter().find(|c| c.id == id)?;
                let app = application(client.application_id)?;
                match (naming, self.environment(client.environment_id)) {
                    (Naming::Credentials, Some(environment)) => {
                        Some(format!("{}: OAuth client · {environment}", app.name))
                    }
                    _ => Some(app.name.clone()),
                }
            }
            _ => None,
        }
    }
}

/// The user a member event names in its detail: removed and declined members have no row left.
fn detail_user_id(event: &audit_event::Model) -> Option<i64> {
    serde_json::from_str::<serde_json::Value>(&event.detail)
        .ok()?
        .get("user_id")?
        .as_i64()
}

/// Rows of `column`'s entity whose `column` is one of `ids`; no query when there are none.
async fn rows_with<C>(
    db: &impl ConnectionTrait,
    column: C,
    mut ids: Vec<i64>,
) -> Result<Vec<<C::EntityName as sea_orm::EntityTrait>::Model>, DbErr>
where
    C: sea_orm::ColumnTrait,
    C::EntityName: sea_orm::EntityTrait,
{
    use sea_orm::{EntityTrait, QueryFilter};
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    ids.sort_unstable();
    ids.dedup();
    C::EntityName::find().filter(column.is_in(ids)).all(db).await
}
