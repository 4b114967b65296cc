//! One-time tokens for emailed links (verification, password reset, invitations).
//!
//! A token is 256 random bits, sent once in a link and stored only as its SHA-256, so a copy of the
//! database does not let anyone follow a link. Each is bound to the address it was sent to.

use crate::backend::entities::email_token;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore as _;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

/// What a token lets its holder do, with its lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }

    pub fn lifetime(self) -> Duration {
        match self {
            Self::VerifyEmail => Duration::hours(24),
            Self::ResetPassword => Duration::hours(1),
        }
    }
}

/// 256 bits from the operating system's generator, base64url without padding (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of a secret or token: how every one of them is stored and looked up.
pub fn sha256(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

/// A digest as the database stores it: 64 lower-case hex digits.
pub fn hex(digest: &[u8; 32]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

pub fn sha256_hex(value: &str) -> String {
    hex(&sha256(value))
}

/// Issues a token for `user_id` at `email`, voiding every earlier unused token of the same purpose.
/// Returns the plain token, which exists only until it is put in an email.
pub async fn issue(
    db: &impl ConnectionTrait,
    purpose: TokenPurpose,
    user_id: i64,
    email: &str,
    now: DateTime<Utc>,
) -> Result<String, sea_orm::DbErr> {
    email_token::Entity::delete_many()
        .filter(email_token::Column::UserId.eq(user_id))
        .filter(email_token::Column::Purpose.eq(purpose.as_str()))
        .filter(email_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    let token = random_token();
    email_token::ActiveModel {
        user_id: Set(user_id),
        purpose: Set(purpose.as_str().into()),
        token_hash: Set(sha256_hex(&token)),
        email: Set(email.into()),
        expires_at: Set(now + purpose.lifetime()),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the link is not valid")]
    Unknown,
    #[error("the link has expired")]
    Expired,
    #[error("the link has already been used")]
    Used,
}

/// Marks a token used and returns it, or says why it cannot be used. Single use holds under
/// concurrency: the update only succeeds for the one request that finds `used_at` still empty.
pub async fn consume(
    db: &impl ConnectionTrait,
    purpose: TokenPurpose,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<email_token::Model, TokenError>, sea_orm::DbErr> {
    let Some(found) = find(db, purpose, token).await? else {
        return Ok(Err(TokenError::Unknown));
    };
    if found.used_at.is_some() {
        return Ok(Err(TokenError::Used));
    }
    if found.expires_at <= now {
        return Ok(Err(TokenError::Expired));
    }
    let claimed = email_token::Entity::update_many()
        .col_expr(email_token::Column::UsedAt, sea_orm::sea_query::Expr::value(now))
        .filter(email_token::Column::Id.eq(found.id))
        .filter(email_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(Err(TokenError::Used));
    }
    Ok(Ok(found))
}

/// Looks a token up without using it, e.g. to show the reset form only for a live link.
pub async fn check(
    db: &impl ConnectionTrait,
    purpose: TokenPurpose,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<email_token::Model, TokenError>, sea_orm::DbErr> {
    Ok(match find(db, purpose, token).await? {
        None => Err(TokenError::Unknown),
        Some(found) if found.used_at.is_some() => Err(TokenError::Used),
        Some(found) if found.expires_at <= now => Err(TokenError::Expired),
        Some(found) => Ok(found),
    })
}

async fn find(
    db: &impl ConnectionTrait,
    purpose: TokenPurpose,
    token: &str,
) -> Result<Option<email_token::Model>, sea_orm::DbErr> {
    // A token that is not 43 base64url characters was never issued: no need to ask the database.
    if token.len() != 43
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(None);
    }
    email_token::Entity::find()
        .filter(email_token::Column::TokenHash.eq(sha256_hex(token)))
        .filter(email_token::Column::Purpose.eq(purpose.as_str()))
        .one(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_bits_and_differ() {
        let a = random_token();
        let b = random_token();
        assert_eq!(a.len(), 43);
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&a).unwrap();
        assert_eq!(decoded.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn digests_are_sha256_in_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
