//! Portico's schema, one migration a step. Every migration has a `down`, and all of them run on both
//! SQLite and PostgreSQL, so nothing here may use a feature only one of them has.

pub use sea_orm_migration::prelude::*;

mod m0001_accounts;
mod m0002_partners;
mod m0003_applications;
mod m0004_gateway;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_accounts::Migration),
            Box::new(m0002_partners::Migration),
            Box::new(m0003_applications::Migration),
            Box::new(m0004_gateway::Migration),
        ]
    }
}
