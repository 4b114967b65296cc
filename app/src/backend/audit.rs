//! The audit log: who did what to which object, when, and from which address. Every state change
//! records one event in the same transaction as the change. Details are small JSON objects and
//! never hold a secret, a token or a password.

use crate::backend::entities::audit_event;
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
    /// What the object is called now ("Payments Hub", "Payments Hub: Digital Banking · Sandbox"),
    /// for applications and credentials that still exist.
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
    use crate::backend::entities::{application, credential, user};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut events = audit_event::Entity::find()
        .filter(filter)
        .order_by_desc(audit_event::Column::Id)
        .offset(page.saturating_mul(page_size))
        .limit(page_size + 1)
        .all(db)
        .await?;
    let has_next = events.len() as u64 > page_size;
    events.truncate(page_size as usize);
    let actors = user::Entity::find()
        .filter(user::Column::Id.is_in(events.iter().filter_map(|e| e.actor_user_id)))
        .all(db)
        .await?;
    let ids_of = |object_type: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e.object_type == object_type)
            .map(|e| e.object_id.clone())
            .collect()
    };
    let credential_ids: Vec<i64> = ids_of("credential").iter().filter_map(|id| id.parse().ok()).collect();
    let credentials = credential::Entity::find()
        .filter(credential::Column::Id.is_in(credential_ids))
        .all(db)
        .await?;
    let applications = application::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(application::Column::PublicId.is_in(ids_of("application")))
                .add(application::Column::Id.is_in(credentials.iter().map(|c| c.application_id))),
        )
        .all(db)
        .await?;
    let object_name = |event: &audit_event::Model| match event.object_type.as_str() {
        "application" => applications
            .iter()
            .find(|a| a.public_id == event.object_id)
            .map(|a| a.name.clone()),
        "credential" => credentials
            .iter()
            .find(|c| c.id.to_string() == event.object_id)
            .and_then(|c| {
                let app = applications.iter().find(|a| a.id == c.application_id);
                match (naming, app) {
                    (Naming::Credentials, Some(app)) => Some(format!("{}: {}", app.name, c.name)),
                    (Naming::Credentials, None) => Some(c.name.clone()),
                    (Naming::ApplicationsOnly, app) => app.map(|app| app.name.clone()),
                }
            }),
        _ => None,
    };
    let named = events
        .into_iter()
        .map(|event| NamedEvent {
            actor: event
                .actor_user_id
                .and_then(|id| actors.iter().find(|u| u.id == id))
                .map(|u| u.full_name.clone()),
            object: object_name(&event),
            event,
        })
        .collect();
    Ok((named, has_next))
}
