//! Faults on demand: database triggers that refuse inserts the way a crash or a full disk would,
//! to show that what must happen together does, or not at all.

use super::TestApp;
use sea_orm::ConnectionTrait;

/// Makes the database refuse inserts into `table` (only rows whose `action` is `action`, when
/// given), as a crash or a full disk would, until [`clear_fault`].
pub async fn inject_fault(app: &TestApp, table: &str, action: Option<&str>) {
    let statements = match app.db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let condition = action.map_or("TRUE".to_owned(), |a| format!("NEW.action = '{a}'"));
            vec![
                format!(
                    "CREATE FUNCTION injected_fault_{table}() RETURNS trigger AS $$ BEGIN \
                     IF {condition} THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
                ),
                format!(
                    "CREATE TRIGGER injected_fault_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION injected_fault_{table}()"
                ),
            ]
        }
        _ => {
            let when = action.map_or(String::new(), |a| format!("WHEN NEW.action = '{a}'"));
            vec![format!(
                "CREATE TRIGGER injected_fault_{table} BEFORE INSERT ON {table} {when} \
                 BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
            )]
        }
    };
    for statement in statements {
        app.db.execute_unprepared(&statement).await.unwrap();
    }
}

pub async fn clear_fault(app: &TestApp, table: &str) {
    let statements = match app.db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => vec![
            format!("DROP TRIGGER injected_fault_{table} ON {table}"),
            format!("DROP FUNCTION injected_fault_{table}()"),
        ],
        _ => vec![format!("DROP TRIGGER injected_fault_{table}")],
    };
    for statement in statements {
        app.db.execute_unprepared(&statement).await.unwrap();
    }
}
