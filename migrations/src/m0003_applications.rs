//! The catalogue (environments and API products), applications with their owners, credentials
//! per application × product × environment, and the durable job queue that provisions them.
//! Seeds the environments and products of DESIGN.md.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Environments {
    Table,
    Id,
    Slug,
    Name,
    Description,
    NeedsApproval,
    Enabled,
    Position,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Slug,
    Name,
    Description,
    Enabled,
}

#[derive(DeriveIden)]
enum ProductIncludes {
    Table,
    ProductId,
    IncludedProductId,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    PublicId,
    PartnerId,
    Name,
    AppType,
    AuthMethod,
    Description,
    SiteUrl,
    RedirectUrls,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApplicationOwners {
    Table,
    ApplicationId,
    UserId,
    AddedAt,
}

#[derive(DeriveIden)]
enum Credentials {
    Table,
    Id,
    ApplicationId,
    ProductId,
    EnvironmentId,
    State,
    PublicKey,
    SecretHash,
    PreviousSecretHash,
    PreviousSecretExpiresAt,
    Name,
    Description,
    Enabled,
    RejectionReason,
    CreatedAt,
    IssuedAt,
    RevealedAt,
    RevokedAt,
    LastUsedAt,
    UsageCount,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    RunAfter,
    Attempts,
    ClaimedUntil,
    DoneAt,
    LastError,
    CreatedAt,
}

fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
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
                    .table(Environments::Table)
                    .col(id(Environments::Id))
                    .col(
                        ColumnDef::new(Environments::Slug)
                            .string_len(20)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Environments::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Environments::Description).text().not_null())
                    .col(ColumnDef::new(Environments::NeedsApproval).boolean().not_null())
                    .col(ColumnDef::new(Environments::Enabled).boolean().not_null())
                    .col(ColumnDef::new(Environments::Position).integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(id(Products::Id))
                    .col(ColumnDef::new(Products::Slug).string_len(60).not_null().unique_key())
                    .col(ColumnDef::new(Products::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Products::Description).text().not_null())
                    .col(ColumnDef::new(Products::Enabled).boolean().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProductIncludes::Table)
                    .col(ColumnDef::new(ProductIncludes::ProductId).big_integer().not_null())
                    .col(
                        ColumnDef::new(ProductIncludes::IncludedProductId)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ProductIncludes::ProductId)
                            .col(ProductIncludes::IncludedProductId),
                    )
                    .foreign_key(&mut cascade(
                        (ProductIncludes::Table, ProductIncludes::ProductId),
                        (Products::Table, Products::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (ProductIncludes::Table, ProductIncludes::IncludedProductId),
                        (Products::Table, Products::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Applications::Table)
                    .col(id(Applications::Id))
                    // Random, used in URLs, so ids reveal nothing about other partners' applications.
                    .col(
                        ColumnDef::new(Applications::PublicId)
                            .string_len(30)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Applications::PartnerId).big_integer().not_null())
                    .col(ColumnDef::new(Applications::Name).string_len(80).not_null())
                    .col(ColumnDef::new(Applications::AppType).string_len(20).not_null())
                    .col(ColumnDef::new(Applications::AuthMethod).string_len(30).not_null())
                    .col(ColumnDef::new(Applications::Description).text().not_null())
                    .col(ColumnDef::new(Applications::SiteUrl).string_len(2000).null())
                    .col(ColumnDef::new(Applications::RedirectUrls).text().not_null())
                    .col(ColumnDef::new(Applications::Status).string_len(20).not_null())
                    .col(ColumnDef::new(Applications::CreatedBy).big_integer().null())
                    .col(
                        ColumnDef::new(Applications::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Applications::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut cascade(
                        (Applications::Table, Applications::PartnerId),
                        (Partners::Table, Partners::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_applications_partner_name")
                    .table(Applications::Table)
                    .col(Applications::PartnerId)
                    .col(Applications::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApplicationOwners::Table)
                    .col(
                        ColumnDef::new(ApplicationOwners::ApplicationId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ApplicationOwners::UserId).big_integer().not_null())
                    .col(
                        ColumnDef::new(ApplicationOwners::AddedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ApplicationOwners::ApplicationId)
                            .col(ApplicationOwners::UserId),
                    )
                    .foreign_key(&mut cascade(
                        (ApplicationOwners::Table, ApplicationOwners::ApplicationId),
                        (Applications::Table, Applications::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (ApplicationOwners::Table, ApplicationOwners::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Credentials::Table)
                    .col(id(Credentials::Id))
                    .col(ColumnDef::new(Credentials::ApplicationId).big_integer().not_null())
                    .col(ColumnDef::new(Credentials::ProductId).big_integer().not_null())
                    .col(ColumnDef::new(Credentials::EnvironmentId).big_integer().not_null())
                    // queued, awaiting_approval, issued, rejected, revoked
                    .col(ColumnDef::new(Credentials::State).string_len(20).not_null())
                    .col(
                        ColumnDef::new(Credentials::PublicKey)
                            .string_len(60)
                            .null()
                            .unique_key(),
                    )
                    // SHA-256 only; the secret itself is never stored.
                    .col(
                        ColumnDef::new(Credentials::SecretHash)
                            .string_len(64)
                            .null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Credentials::PreviousSecretHash).string_len(64).null())
                    .col(
                        ColumnDef::new(Credentials::PreviousSecretExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Credentials::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Credentials::Description).text().not_null())
                    .col(ColumnDef::new(Credentials::Enabled).boolean().not_null())
                    .col(ColumnDef::new(Credentials::RejectionReason).text().null())
                    .col(
                        ColumnDef::new(Credentials::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Credentials::IssuedAt).timestamp_with_time_zone().null())
                    .col(
                        ColumnDef::new(Credentials::RevealedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Credentials::RevokedAt).timestamp_with_time_zone().null())
                    .col(
                        ColumnDef::new(Credentials::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Credentials::UsageCount)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .foreign_key(&mut cascade(
                        (Credentials::Table, Credentials::ApplicationId),
                        (Applications::Table, Applications::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (Credentials::Table, Credentials::ProductId),
                        (Products::Table, Products::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (Credentials::Table, Credentials::EnvironmentId),
                        (Environments::Table, Environments::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_credentials_application")
                    .table(Credentials::Table)
                    .col(Credentials::ApplicationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(id(Jobs::Id))
                    .col(ColumnDef::new(Jobs::Kind).string_len(40).not_null())
                    .col(ColumnDef::new(Jobs::Payload).text().not_null())
                    .col(ColumnDef::new(Jobs::RunAfter).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Jobs::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(Jobs::ClaimedUntil).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Jobs::DoneAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Jobs::LastError).text().null())
                    .col(ColumnDef::new(Jobs::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_jobs_due")
                    .table(Jobs::Table)
                    .col(Jobs::DoneAt)
                    .col(Jobs::RunAfter)
                    .to_owned(),
            )
            .await?;

        seed(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Jobs::Table.into_iden(),
            Credentials::Table.into_iden(),
            ApplicationOwners::Table.into_iden(),
            Applications::Table.into_iden(),
            ProductIncludes::Table.into_iden(),
            Products::Table.into_iden(),
            Environments::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn seed(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let environments = [
        (
            "sandbox",
            "Sandbox",
            "Test data only; keys are issued at once.",
            false,
            1,
        ),
        (
            "development",
            "Development",
            "For building against the latest API versions.",
            false,
            2,
        ),
        (
            "uat",
            "UAT",
            "User acceptance testing with production-like data.",
            false,
            3,
        ),
        (
            "production",
            "Production",
            "Live data. Access is approved by the API provider.",
            true,
            4,
        ),
    ];
    for (slug, name, description, needs_approval, position) in environments {
        let insert = Query::insert()
            .into_table(Environments::Table)
            .columns([
                Environments::Slug,
                Environments::Name,
                Environments::Description,
                Environments::NeedsApproval,
                Environments::Enabled,
                Environments::Position,
            ])
            .values_panic([
                slug.into(),
                name.into(),
                description.into(),
                needs_approval.into(),
                true.into(),
                position.into(),
            ])
            .to_owned();
        manager.exec_stmt(insert).await?;
    }
    let products = [
        (
            "digital-banking",
            "Digital Banking",
            "Accounts, balances, transactions and payments.",
        ),
        (
            "digital-account-opening",
            "Digital Account Opening",
            "Open accounts online, from application to funding.",
        ),
    ];
    for (slug, name, description) in products {
        let insert = Query::insert()
            .into_table(Products::Table)
            .columns([Products::Slug, Products::Name, Products::Description, Products::Enabled])
            .values_panic([slug.into(), name.into(), description.into(), true.into()])
            .to_owned();
        manager.exec_stmt(insert).await?;
    }
    Ok(())
}
