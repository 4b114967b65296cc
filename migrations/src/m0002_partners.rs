//! Partner organisations, their members and invitations, and the audit log every change writes to.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
    Domain,
    Name,
    Website,
    Address,
    Country,
    Phone,
    Description,
    NewMembersNeedApproval,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PartnerMembers {
    Table,
    Id,
    PartnerId,
    UserId,
    Role,
    Status,
    JoinedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    PartnerId,
    Email,
    TokenHash,
    InvitedBy,
    Role,
    ApplicationIds,
    CreatedAt,
    SentAt,
    ExpiresAt,
    AcceptedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    ActorUserId,
    Action,
    ObjectType,
    ObjectId,
    PartnerId,
    OccurredAt,
    ClientIp,
    Detail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Partners::Table)
                    .col(
                        ColumnDef::new(Partners::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    // Lower-case punycode; one partner per domain, enforced here.
                    .col(ColumnDef::new(Partners::Domain).string_len(253).not_null().unique_key())
                    .col(ColumnDef::new(Partners::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Partners::Website).string_len(300).null())
                    .col(ColumnDef::new(Partners::Address).string_len(500).null())
                    .col(ColumnDef::new(Partners::Country).string_len(100).null())
                    .col(ColumnDef::new(Partners::Phone).string_len(40).null())
                    .col(ColumnDef::new(Partners::Description).text().null())
                    .col(
                        ColumnDef::new(Partners::NewMembersNeedApproval)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Partners::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Partners::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PartnerMembers::Table)
                    .col(
                        ColumnDef::new(PartnerMembers::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(PartnerMembers::PartnerId).big_integer().not_null())
                    // A developer belongs to at most one partner.
                    .col(
                        ColumnDef::new(PartnerMembers::UserId)
                            .big_integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(PartnerMembers::Role).string_len(20).not_null())
                    .col(ColumnDef::new(PartnerMembers::Status).string_len(20).not_null())
                    .col(
                        ColumnDef::new(PartnerMembers::JoinedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PartnerMembers::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerMembers::Table, PartnerMembers::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerMembers::Table, PartnerMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_partner_members_partner")
                    .table(PartnerMembers::Table)
                    .col(PartnerMembers::PartnerId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(
                        ColumnDef::new(Invitations::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Invitations::PartnerId).big_integer().not_null())
                    .col(ColumnDef::new(Invitations::Email).string_len(320).not_null())
                    .col(
                        ColumnDef::new(Invitations::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Invitations::InvitedBy).big_integer().null())
                    .col(ColumnDef::new(Invitations::Role).string_len(20).null())
                    // JSON array of application ids to co-own once applications exist.
                    .col(ColumnDef::new(Invitations::ApplicationIds).text().not_null())
                    .col(
                        ColumnDef::new(Invitations::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Invitations::SentAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Invitations::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Invitations::AcceptedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Invitations::CancelledAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::InvitedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_invitations_partner_email")
                    .table(Invitations::Table)
                    .col(Invitations::PartnerId)
                    .col(Invitations::Email)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(
                        ColumnDef::new(AuditEvents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    // No foreign keys: the log outlives the people and objects it mentions.
                    .col(ColumnDef::new(AuditEvents::ActorUserId).big_integer().null())
                    .col(ColumnDef::new(AuditEvents::Action).string_len(60).not_null())
                    .col(ColumnDef::new(AuditEvents::ObjectType).string_len(40).not_null())
                    .col(ColumnDef::new(AuditEvents::ObjectId).string_len(100).not_null())
                    .col(ColumnDef::new(AuditEvents::PartnerId).big_integer().null())
                    .col(
                        ColumnDef::new(AuditEvents::OccurredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::ClientIp).string_len(64).null())
                    .col(ColumnDef::new(AuditEvents::Detail).text().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_partner")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::PartnerId)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            Invitations::Table.into_iden(),
            PartnerMembers::Table.into_iden(),
            Partners::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
