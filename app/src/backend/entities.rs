//! SeaORM entities: the rows as stored. They never leave the backend; pages see wire types.

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub email: String,
        #[sea_orm(unique)]
        pub email_canonical: String,
        pub full_name: String,
        pub job_title: Option<String>,
        pub phone: Option<String>,
        pub password_hash: String,
        pub email_verified_at: Option<DateTimeUtc>,
        pub terms_accepted_at: Option<DateTimeUtc>,
        pub terms_version: Option<String>,
        pub password_changed_at: DateTimeUtc,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod email_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "email_tokens")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub purpose: String,
        #[sea_orm(unique)]
        pub token_hash: String,
        pub email: String,
        pub expires_at: DateTimeUtc,
        pub used_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: Option<i64>,
        #[sea_orm(column_type = "Text")]
        pub data: String,
        pub expires_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod outbox_message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub recipient: String,
        pub subject: String,
        #[sea_orm(column_type = "Text")]
        pub text_body: String,
        #[sea_orm(column_type = "Text")]
        pub html_body: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub claimed_until: Option<DateTimeUtc>,
        pub sent_at: Option<DateTimeUtc>,
        #[sea_orm(column_type = "Text", nullable)]
        pub last_error: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod partner {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "partners")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub domain: String,
        pub name: String,
        pub website: Option<String>,
        pub address: Option<String>,
        pub country: Option<String>,
        pub phone: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub description: Option<String>,
        pub new_members_need_approval: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod partner_member {
    use sea_orm::entity::prelude::*;

    pub const ADMIN: &str = "admin";
    pub const MEMBER: &str = "member";
    pub const ACTIVE: &str = "active";
    pub const PENDING: &str = "pending";

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "partner_members")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        #[sea_orm(unique)]
        pub user_id: i64,
        pub role: String,
        pub status: String,
        pub joined_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    impl Model {
        pub fn is_active(&self) -> bool {
            self.status == ACTIVE
        }
        pub fn is_admin(&self) -> bool {
            self.is_active() && self.role == ADMIN
        }
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::partner::Entity",
            from = "Column::PartnerId",
            to = "super::partner::Column::Id"
        )]
        Partner,
    }

    impl Related<super::partner::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Partner.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod invitation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "invitations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub email: String,
        #[sea_orm(unique)]
        pub token_hash: String,
        pub invited_by: Option<i64>,
        pub role: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub application_ids: String,
        pub created_at: DateTimeUtc,
        pub sent_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub accepted_at: Option<DateTimeUtc>,
        pub cancelled_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub actor_user_id: Option<i64>,
        pub action: String,
        pub object_type: String,
        pub object_id: String,
        pub partner_id: Option<i64>,
        pub occurred_at: DateTimeUtc,
        pub client_ip: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub detail: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod environment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "environments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub slug: String,
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub description: String,
        pub needs_approval: bool,
        pub enabled: bool,
        pub position: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod product {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "products")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub slug: String,
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub description: String,
        pub enabled: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod application {
    use sea_orm::entity::prelude::*;

    pub const ACTIVE: &str = "active";
    pub const DEACTIVATED: &str = "deactivated";

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "applications")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub public_id: String,
        pub partner_id: i64,
        pub name: String,
        pub app_type: String,
        pub auth_method: String,
        #[sea_orm(column_type = "Text")]
        pub description: String,
        pub site_url: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub redirect_urls: String,
        pub status: String,
        pub created_by: Option<i64>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::application_owner::Entity")]
        Owners,
    }

    impl Related<super::application_owner::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Owners.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod application_owner {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "application_owners")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub application_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        pub added_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::UserId",
            to = "super::user::Column::Id"
        )]
        User,
        #[sea_orm(
            belongs_to = "super::application::Entity",
            from = "Column::ApplicationId",
            to = "super::application::Column::Id"
        )]
        Application,
    }

    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl Related<super::application::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Application.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod credential {
    use sea_orm::entity::prelude::*;

    pub const QUEUED: &str = "queued";
    pub const AWAITING_APPROVAL: &str = "awaiting_approval";
    pub const ISSUED: &str = "issued";
    pub const REJECTED: &str = "rejected";
    pub const REVOKED: &str = "revoked";

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "credentials")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub application_id: i64,
        pub product_id: i64,
        pub environment_id: i64,
        pub state: String,
        #[sea_orm(unique)]
        pub public_key: Option<String>,
        #[sea_orm(unique)]
        pub secret_hash: Option<String>,
        pub previous_secret_hash: Option<String>,
        pub previous_secret_expires_at: Option<DateTimeUtc>,
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub description: String,
        pub enabled: bool,
        #[sea_orm(column_type = "Text", nullable)]
        pub rejection_reason: Option<String>,
        pub created_at: DateTimeUtc,
        pub issued_at: Option<DateTimeUtc>,
        pub revealed_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub last_used_at: Option<DateTimeUtc>,
        pub usage_count: i64,
        pub failure_alerted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::environment::Entity",
            from = "Column::EnvironmentId",
            to = "super::environment::Column::Id"
        )]
        Environment,
    }

    impl Related<super::environment::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Environment.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod job {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "jobs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        #[sea_orm(column_type = "Text")]
        pub payload: String,
        pub run_after: DateTimeUtc,
        pub attempts: i32,
        pub claimed_until: Option<DateTimeUtc>,
        pub done_at: Option<DateTimeUtc>,
        #[sea_orm(column_type = "Text", nullable)]
        pub last_error: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod product_include {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "product_includes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub product_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub included_product_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod gateway_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "gateway_tokens")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub environment_id: i64,
        pub name: String,
        /// The token's first characters, to tell tokens apart; never enough to use one.
        pub token_hint: String,
        #[sea_orm(unique)]
        pub token_hash: String,
        pub created_by: Option<i64>,
        pub created_at: DateTimeUtc,
        pub revoked_at: Option<DateTimeUtc>,
        pub last_used_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod oauth_client {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "oauth_clients")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub application_id: i64,
        pub environment_id: i64,
        #[sea_orm(unique)]
        pub client_id: String,
        #[sea_orm(unique)]
        pub secret_hash: Option<String>,
        pub previous_secret_hash: Option<String>,
        pub previous_secret_expires_at: Option<DateTimeUtc>,
        /// `Some(true)` while the client works, `None` once revoked (see the migration).
        pub live: Option<bool>,
        pub enabled: bool,
        pub created_at: DateTimeUtc,
        pub revealed_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub last_used_at: Option<DateTimeUtc>,
    }

    impl Model {
        pub fn is_revoked(&self) -> bool {
            self.live.is_none()
        }
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod access_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "access_tokens")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub token_hash: String,
        pub oauth_client_id: i64,
        /// Space-separated product slugs.
        #[sea_orm(column_type = "Text")]
        pub scope: String,
        pub expires_at: DateTimeUtc,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod rate_limit_rule {
    use sea_orm::entity::prelude::*;

    /// The limit of a product × environment that no operator has set.
    pub const DEFAULT_REQUESTS_PER_MINUTE: i32 = 600;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rate_limit_rules")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub product_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub environment_id: i64,
        pub requests_per_minute: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod usage_daily {
    use sea_orm::entity::prelude::*;

    pub const OK: &str = "OK";

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "usage_daily")]
    pub struct Model {
        /// `credential:<id>` or `client:<id>`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject: String,
        /// UTC date, `YYYY-MM-DD`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: String,
        /// `OK` or a failure code.
        #[sea_orm(primary_key, auto_increment = false)]
        pub outcome: String,
        pub requests: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
