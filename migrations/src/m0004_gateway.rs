//! What the gateway API needs: gateway tokens per environment, OAuth clients (one per service
//! application × environment) and their access tokens, per-product rate limits, daily usage
//! counters, and the time a credential's owners were last warned about failures.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Environments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Credentials {
    Table,
    PreviousSecretHash,
    FailureAlertedAt,
}

#[derive(DeriveIden)]
enum GatewayTokens {
    Table,
    Id,
    EnvironmentId,
    Name,
    TokenHint,
    TokenHash,
    CreatedBy,
    CreatedAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum OauthClients {
    Table,
    Id,
    ApplicationId,
    EnvironmentId,
    ClientId,
    SecretHash,
    PreviousSecretHash,
    PreviousSecretExpiresAt,
    Live,
    Enabled,
    CreatedAt,
    RevealedAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum AccessTokens {
    Table,
    Id,
    TokenHash,
    OauthClientId,
    Scope,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RateLimitRules {
    Table,
    ProductId,
    EnvironmentId,
    RequestsPerMinute,
}

#[derive(DeriveIden)]
enum UsageDaily {
    Table,
    Subject,
    Day,
    Outcome,
    Requests,
}

fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn timestamp(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).timestamp_with_time_zone().to_owned()
}

fn cascade(
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GatewayTokens::Table)
                    .col(id(GatewayTokens::Id))
                    .col(ColumnDef::new(GatewayTokens::EnvironmentId).big_integer().not_null())
                    .col(ColumnDef::new(GatewayTokens::Name).string_len(100).not_null())
                    .col(ColumnDef::new(GatewayTokens::TokenHint).string_len(40).not_null())
                    .col(
                        ColumnDef::new(GatewayTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(GatewayTokens::CreatedBy).big_integer().null())
                    .col(timestamp(GatewayTokens::CreatedAt).not_null())
                    .col(timestamp(GatewayTokens::RevokedAt).null())
                    .col(timestamp(GatewayTokens::LastUsedAt).null())
                    .foreign_key(&mut cascade(
                        (GatewayTokens::Table, GatewayTokens::EnvironmentId),
                        (Environments::Table, Environments::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthClients::Table)
                    .col(id(OauthClients::Id))
                    .col(ColumnDef::new(OauthClients::ApplicationId).big_integer().not_null())
                    .col(ColumnDef::new(OauthClients::EnvironmentId).big_integer().not_null())
                    .col(
                        ColumnDef::new(OauthClients::ClientId)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(OauthClients::SecretHash)
                            .string_len(64)
                            .null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(OauthClients::PreviousSecretHash).string_len(64).null())
                    .col(timestamp(OauthClients::PreviousSecretExpiresAt).null())
                    // `true` while the client works, NULL once revoked: with the unique index below
                    // an application has at most one live client per environment (NULLs never
                    // collide), so two provisioning jobs racing cannot create two.
                    .col(ColumnDef::new(OauthClients::Live).boolean().null())
                    .col(ColumnDef::new(OauthClients::Enabled).boolean().not_null())
                    .col(timestamp(OauthClients::CreatedAt).not_null())
                    .col(timestamp(OauthClients::RevealedAt).null())
                    .col(timestamp(OauthClients::RevokedAt).null())
                    .col(timestamp(OauthClients::LastUsedAt).null())
                    .foreign_key(&mut cascade(
                        (OauthClients::Table, OauthClients::ApplicationId),
                        (Applications::Table, Applications::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (OauthClients::Table, OauthClients::EnvironmentId),
                        (Environments::Table, Environments::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("oauth_clients_one_live_per_environment")
                    .table(OauthClients::Table)
                    .col(OauthClients::ApplicationId)
                    .col(OauthClients::EnvironmentId)
                    .col(OauthClients::Live)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccessTokens::Table)
                    .col(id(AccessTokens::Id))
                    .col(
                        ColumnDef::new(AccessTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(AccessTokens::OauthClientId).big_integer().not_null())
                    .col(ColumnDef::new(AccessTokens::Scope).text().not_null())
                    .col(timestamp(AccessTokens::ExpiresAt).not_null())
                    .col(timestamp(AccessTokens::CreatedAt).not_null())
                    .foreign_key(&mut cascade(
                        (AccessTokens::Table, AccessTokens::OauthClientId),
                        (OauthClients::Table, OauthClients::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("access_tokens_by_expiry")
                    .table(AccessTokens::Table)
                    .col(AccessTokens::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RateLimitRules::Table)
                    .col(ColumnDef::new(RateLimitRules::ProductId).big_integer().not_null())
                    .col(ColumnDef::new(RateLimitRules::EnvironmentId).big_integer().not_null())
                    .col(ColumnDef::new(RateLimitRules::RequestsPerMinute).integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(RateLimitRules::ProductId)
                            .col(RateLimitRules::EnvironmentId),
                    )
                    .foreign_key(&mut cascade(
                        (RateLimitRules::Table, RateLimitRules::ProductId),
                        (Products::Table, Products::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (RateLimitRules::Table, RateLimitRules::EnvironmentId),
                        (Environments::Table, Environments::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        // Counters, not rows per request: `subject` is `credential:<id>` or `client:<id>`,
        // `outcome` is `OK` or a failure code, `day` is the UTC date `YYYY-MM-DD`.
        manager
            .create_table(
                Table::create()
                    .table(UsageDaily::Table)
                    .col(ColumnDef::new(UsageDaily::Subject).string_len(40).not_null())
                    .col(ColumnDef::new(UsageDaily::Day).string_len(10).not_null())
                    .col(ColumnDef::new(UsageDaily::Outcome).string_len(24).not_null())
                    .col(ColumnDef::new(UsageDaily::Requests).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(UsageDaily::Subject)
                            .col(UsageDaily::Day)
                            .col(UsageDaily::Outcome),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Credentials::Table)
                    .add_column(timestamp(Credentials::FailureAlertedAt).null())
                    .to_owned(),
            )
            .await?;
        // Verification looks a presented secret up as the current or the previous (rolled) one.
        manager
            .create_index(
                Index::create()
                    .name("credentials_by_previous_secret")
                    .table(Credentials::Table)
                    .col(Credentials::PreviousSecretHash)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("credentials_by_previous_secret")
                    .table(Credentials::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Credentials::Table)
                    .drop_column(Credentials::FailureAlertedAt)
                    .to_owned(),
            )
            .await?;
        for table in [
            UsageDaily::Table.into_iden(),
            RateLimitRules::Table.into_iden(),
            AccessTokens::Table.into_iden(),
            OauthClients::Table.into_iden(),
            GatewayTokens::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
