//! Every migration has a `down` that undoes exactly what its `up` did, so an operator can roll a
//! release back; and `up` runs again after it.

use crate::on_both_databases;
use crate::support::{Backend, fresh_database};
use ::migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

on_both_databases!(each_migration_rolls_back_to_the_schema_before_it);

/// The database's tables, columns and indexes by name (`table:t`, `column:t.c`, `index:i`), sorted.
async fn schema(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT type || ':' || name FROM sqlite_master \
             WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' \
             UNION ALL SELECT 'column:' || m.name || '.' || c.name \
             FROM sqlite_master m, pragma_table_info(m.name) c \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
        _ => {
            "SELECT 'table:' || table_name FROM information_schema.tables WHERE table_schema = 'public' \
             UNION ALL SELECT 'column:' || table_name || '.' || column_name \
             FROM information_schema.columns WHERE table_schema = 'public' \
             UNION ALL SELECT 'index:' || indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        }
    };
    db.query_all(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("read the schema")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("a name"))
        .collect()
}

async fn each_migration_rolls_back_to_the_schema_before_it(backend: Backend) {
    let db = Database::connect(fresh_database(backend).await)
        .await
        .expect("connect to a fresh database");
    // Apply the migrations one by one, noting the schema after each.
    let mut schemas = vec![schema(&db).await];
    while !Migrator::get_pending_migrations(&db).await.unwrap().is_empty() {
        Migrator::up(&db, Some(1)).await.expect("a migration applies");
        schemas.push(schema(&db).await);
    }
    let migrated = schemas.last().unwrap().clone();
    assert!(
        migrated.contains(&"table:credentials".to_owned()) && schemas.len() > 2,
        "{migrated:?}"
    );
    // Undo them one by one, newest first: each `down` must leave the schema its `up` found.
    schemas.pop();
    while let Some(before) = schemas.pop() {
        Migrator::down(&db, Some(1)).await.expect("a migration rolls back");
        let mut after = schema(&db).await;
        // The first `up` creates sea-orm's own bookkeeping table, which stays.
        after.retain(|name| !name.contains("seaql_migrations"));
        let before: Vec<String> = before
            .into_iter()
            .filter(|name| !name.contains("seaql_migrations"))
            .collect();
        assert_eq!(after, before, "rolling back to {} migration(s)", schemas.len());
    }
    // And forward again, to the same schema.
    Migrator::up(&db, None).await.expect("the migrations apply again");
    assert_eq!(schema(&db).await, migrated);
    db.close().await.ok();
}
