//! What verification needs to know about a presented secret, read from the database and memoised
//! for half a second (see [`super::cache`]). Every answer here is keyed by a SHA-256, never by a
//! secret, and shared (`Arc`) so that answering from the memo copies nothing. Memo keys are the
//! digests' 32 bytes; only a lookup that reaches the database spells one out in hex.

use super::cache::Memo;
use super::verify::PreparedAnswer;
use app::backend::entities::{
    access_token, application, credential, environment, gateway_token, oauth_client, partner, product, rate_limit_rule,
};
use app::backend::tokens::hex;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use std::sync::{Arc, OnceLock};

/// A SHA-256 digest of a secret, token or gateway token.
pub type Digest = [u8; 32];

#[derive(Debug, Clone)]
pub struct GatewayIdentity {
    pub id: i64,
    pub environment_id: i64,
    pub environment: String,
}

#[derive(Debug, Clone)]
pub struct ApplicationFacts {
    pub public_id: String,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct PartnerFacts {
    pub id: i64,
    pub domain: String,
    pub name: String,
}

/// A credential found by one of its secrets.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub credential_id: i64,
    pub revoked: bool,
    pub issued: bool,
    pub enabled: bool,
    pub public_key: String,
    pub product_id: i64,
    pub product: String,
    pub environment_id: i64,
    pub environment: String,
    /// Set when the secret matched is the previous one, kept for a grace period after a roll.
    pub grace_until: Option<DateTime<Utc>>,
    pub application: ApplicationFacts,
    pub partner: PartnerFacts,
    /// The valid answer for this credential, made by the first call that needs it and shared by
    /// every call the memo serves.
    pub answer: OnceLock<PreparedAnswer>,
}

#[derive(Debug, Clone)]
pub struct ScopedProduct {
    pub product_id: i64,
    pub slug: String,
    /// The application's credential for this product in the token's environment is issued.
    pub issued: bool,
    /// ... and switched on.
    pub enabled: bool,
}

impl ScopedProduct {
    pub fn usable(&self) -> bool {
        self.issued && self.enabled
    }
}

/// An access token with its OAuth client.
#[derive(Debug, Clone)]
pub struct AccessRecord {
    pub client_row_id: i64,
    pub client_id: String,
    pub client_revoked: bool,
    pub client_enabled: bool,
    pub environment_id: i64,
    pub environment: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub products: Vec<ScopedProduct>,
    pub application: ApplicationFacts,
    pub partner: PartnerFacts,
}

pub struct Lookups {
    db: DatabaseConnection,
    gateways: Memo<Digest, Option<Arc<GatewayIdentity>>>,
    keys: Memo<Digest, Option<Arc<KeyRecord>>>,
    public_keys: Memo<String, Option<i64>>,
    access: Memo<Digest, Option<Arc<AccessRecord>>>,
    limits: Memo<(i64, i64), i64>,
}

impl Lookups {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            gateways: Memo::default(),
            keys: Memo::default(),
            public_keys: Memo::default(),
            access: Memo::default(),
            limits: Memo::default(),
        }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The live gateway token with this digest.
    pub async fn gateway(&self, digest: &Digest) -> Result<Option<Arc<GatewayIdentity>>, DbErr> {
        self.gateways
            .get_or_load(digest, || {
                let (db, digest) = (self.db.clone(), *digest);
                async move { read_gateway(&db, &digest).await }
            })
            .await
    }

    /// The credential whose current or previous secret has this digest.
    pub async fn key(&self, digest: &Digest) -> Result<Option<Arc<KeyRecord>>, DbErr> {
        self.keys
            .get_or_load(digest, || {
                let (db, digest) = (self.db.clone(), *digest);
                async move { read_key(&db, &digest).await }
            })
            .await
    }

    /// The credential with this public key, to count a failed secret against it.
    pub async fn credential_by_public_key(&self, public_key: &str) -> Result<Option<i64>, DbErr> {
        self.public_keys
            .get_or_load(public_key, || {
                let (db, public_key) = (self.db.clone(), public_key.to_owned());
                async move {
                    Ok(credential::Entity::find()
                        .filter(credential::Column::PublicKey.eq(public_key))
                        .one(&db)
                        .await?
                        .map(|c| c.id))
                }
            })
            .await
    }

    /// The access token with this digest, its client and what its scope covers now.
    pub async fn access_token(&self, digest: &Digest) -> Result<Option<Arc<AccessRecord>>, DbErr> {
        self.access
            .get_or_load(digest, || {
                let (db, digest) = (self.db.clone(), *digest);
                async move { read_access_token(&db, &digest).await }
            })
            .await
    }

    /// Requests per minute for each credential of a product in an environment.
    pub async fn limit(&self, product_id: i64, environment_id: i64) -> Result<i64, DbErr> {
        let key = (product_id, environment_id);
        self.limits
            .get_or_load(&key, || {
                let db = self.db.clone();
                async move {
                    let rule = rate_limit_rule::Entity::find_by_id(key).one(&db).await?;
                    Ok(i64::from(
                        rule.map_or(rate_limit_rule::DEFAULT_REQUESTS_PER_MINUTE, |rule| {
                            rule.requests_per_minute
                        }),
                    ))
                }
            })
            .await
    }
}

// The database reads behind the memos. A read may renew an entry in the background after the
// request that started it has answered, so the methods above give each one its own handle on the
// pool and its own copy of the key.

async fn read_gateway(db: &DatabaseConnection, digest: &Digest) -> Result<Option<Arc<GatewayIdentity>>, DbErr> {
    let Some(token) = gateway_token::Entity::find()
        .filter(gateway_token::Column::TokenHash.eq(hex(digest)))
        .filter(gateway_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let environment = environment::Entity::find_by_id(token.environment_id).one(db).await?;
    Ok(environment.map(|environment| {
        Arc::new(GatewayIdentity {
            id: token.id,
            environment_id: environment.id,
            environment: environment.slug,
        })
    }))
}

async fn read_key(db: &DatabaseConnection, digest: &Digest) -> Result<Option<Arc<KeyRecord>>, DbErr> {
    let digest = hex(digest);
    let Some(credential) = credential::Entity::find()
        .filter(
            Condition::any()
                .add(credential::Column::SecretHash.eq(&digest))
                .add(credential::Column::PreviousSecretHash.eq(&digest)),
        )
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(describe_key(db, credential, &digest).await?.map(Arc::new))
}

async fn describe_key(
    db: &DatabaseConnection,
    credential: credential::Model,
    digest: &str,
) -> Result<Option<KeyRecord>, DbErr> {
    let Some((application, partner)) = application(db, credential.application_id).await? else {
        return Ok(None);
    };
    let Some(product) = product::Entity::find_by_id(credential.product_id).one(db).await? else {
        return Ok(None);
    };
    let Some(environment) = environment::Entity::find_by_id(credential.environment_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let is_current = credential.secret_hash.as_deref() == Some(digest);
    Ok(Some(KeyRecord {
        credential_id: credential.id,
        revoked: credential.state == credential::REVOKED,
        issued: credential.state == credential::ISSUED,
        enabled: credential.enabled,
        public_key: credential.public_key.unwrap_or_default(),
        product_id: product.id,
        product: product.slug,
        environment_id: environment.id,
        environment: environment.slug,
        // A previous secret without an end date cannot exist; treat it as already ended.
        grace_until: (!is_current).then(|| credential.previous_secret_expires_at.unwrap_or(DateTime::UNIX_EPOCH)),
        application,
        partner,
        answer: OnceLock::new(),
    }))
}

async fn application(db: &DatabaseConnection, id: i64) -> Result<Option<(ApplicationFacts, PartnerFacts)>, DbErr> {
    let Some(app) = application::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let Some(partner) = partner::Entity::find_by_id(app.partner_id).one(db).await? else {
        return Ok(None);
    };
    Ok(Some((
        ApplicationFacts {
            active: app.status == application::ACTIVE,
            public_id: app.public_id,
            name: app.name,
        },
        PartnerFacts {
            id: partner.id,
            domain: partner.domain,
            name: partner.name,
        },
    )))
}

async fn read_access_token(db: &DatabaseConnection, digest: &Digest) -> Result<Option<Arc<AccessRecord>>, DbErr> {
    let Some(token) = access_token::Entity::find()
        .filter(access_token::Column::TokenHash.eq(hex(digest)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(describe_access(db, token).await?.map(Arc::new))
}

async fn describe_access(db: &DatabaseConnection, token: access_token::Model) -> Result<Option<AccessRecord>, DbErr> {
    let Some(client) = oauth_client::Entity::find_by_id(token.oauth_client_id).one(db).await? else {
        return Ok(None);
    };
    let Some((application, partner)) = application(db, client.application_id).await? else {
        return Ok(None);
    };
    let Some(environment) = environment::Entity::find_by_id(client.environment_id).one(db).await? else {
        return Ok(None);
    };
    let slugs: Vec<&str> = token.scope.split(' ').filter(|s| !s.is_empty()).collect();
    let products = product::Entity::find()
        .filter(product::Column::Slug.is_in(slugs.iter().copied()))
        .order_by_asc(product::Column::Slug)
        .all(db)
        .await?;
    let credentials = credential::Entity::find()
        .filter(credential::Column::ApplicationId.eq(client.application_id))
        .filter(credential::Column::EnvironmentId.eq(client.environment_id))
        .all(db)
        .await?;
    let products = products
        .into_iter()
        .map(|product| {
            let issued: Vec<&credential::Model> = credentials
                .iter()
                .filter(|c| c.product_id == product.id && c.state == credential::ISSUED)
                .collect();
            ScopedProduct {
                issued: !issued.is_empty(),
                enabled: issued.iter().any(|c| c.enabled),
                product_id: product.id,
                slug: product.slug,
            }
        })
        .collect();
    Ok(Some(AccessRecord {
        client_row_id: client.id,
        client_revoked: client.is_revoked(),
        client_enabled: client.enabled,
        client_id: client.client_id,
        environment_id: environment.id,
        environment: environment.slug,
        issued_at: token.created_at,
        expires_at: token.expires_at,
        products,
        application,
        partner,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::limiter::Limiter;
    use crate::gateway::usage::Subject;
    use sea_orm::DatabaseConnection;

    /// Every verification creates these futures, and axum moves the handler's future (which
    /// holds them) into a box; a database read held inline made each several kilobytes.
    #[test]
    fn the_futures_of_a_memoised_answer_stay_small() {
        let lookups = Lookups::new(DatabaseConnection::Disconnected);
        let limiter = Limiter::new(DatabaseConnection::Disconnected);
        let digest = [0u8; 32];
        let sizes = [
            ("gateway", size_of_val(&lookups.gateway(&digest))),
            ("key", size_of_val(&lookups.key(&digest))),
            ("limit", size_of_val(&lookups.limit(1, 1))),
            ("access token", size_of_val(&lookups.access_token(&digest))),
            ("admit", size_of_val(&limiter.admit(Subject::Credential(1), 60, 0))),
        ];
        for (name, size) in sizes {
            assert!(size <= 512, "the {name} future takes {size} bytes");
        }
    }
}
