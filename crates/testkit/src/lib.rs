//! Test support: every test gets a fresh, fully migrated database of its own, so tests run in
//! parallel and never see each other's rows.
//!
//! SQLite tests use a new file in the system's temporary directory. PostgreSQL tests use a new
//! schema in the database named by `TEST_POSTGRES_URL` (for example
//! `postgres://postgres@127.0.0.1:5432/marketplace_test`); the database is created if missing.

pub mod facts;
pub mod ghn;
#[cfg(feature = "identity")]
pub mod identity;
pub mod multipart;
pub mod smtp;
pub mod stripe;
pub mod webhooks;

use migrations::{Migrator, MigratorTrait};

/// The state behind a stand-in's mutex; a test that panicked while holding it leaves the state
/// readable rather than poisoning every later request.
pub(crate) fn lock<T>(inner: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    inner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use uuid::Uuid;

/// The environment variable naming the PostgreSQL database tests use.
pub const POSTGRES_URL_VAR: &str = "TEST_POSTGRES_URL";

/// Which database engine a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A schema in PostgreSQL.
    Postgres,
}

/// A fresh, migrated database for one test. Dropping it removes an SQLite file; PostgreSQL
/// schemas are named `test_*` and dropped by `scripts/check.sh` before each run.
pub struct TestDb {
    /// A pool connected to the fresh database.
    pub conn: DatabaseConnection,
    /// The URL the pool was opened with (for SQLite, the file's URL).
    pub url: String,
    /// For PostgreSQL, the test's schema.
    pub schema: Option<String>,
    /// The engine.
    pub backend: Backend,
    file: Option<std::path::PathBuf>,
}

impl TestDb {
    /// A fresh database on `backend`.
    ///
    /// # Panics
    /// When the database cannot be created or migrated: a test cannot run without it.
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite().await,
            Backend::Postgres => Self::postgres().await,
        }
    }

    /// A fresh SQLite file.
    ///
    /// # Panics
    /// When the database cannot be created or migrated.
    pub async fn sqlite() -> Self {
        Self::sqlite_at(
            std::env::temp_dir().join(format!("marketplace-test-{}.db", Uuid::now_v7())),
        )
        .await
    }

    /// The SQLite file at `file` (made if missing, migrated), removed when dropped: a restored
    /// backup, say.
    ///
    /// # Panics
    /// When the database cannot be opened or migrated.
    pub async fn sqlite_at(file: std::path::PathBuf) -> Self {
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let conn = migrations::connect(&url, 5)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
        migrate(&conn).await;
        Self {
            conn,
            url,
            schema: None,
            backend: Backend::Sqlite,
            file: Some(file),
        }
    }

    /// A fresh schema in the PostgreSQL database named by `TEST_POSTGRES_URL`.
    ///
    /// # Panics
    /// When `TEST_POSTGRES_URL` is unset or the server cannot be reached.
    pub async fn postgres() -> Self {
        let url = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
            panic!(
                "PostgreSQL tests need {POSTGRES_URL_VAR}, e.g. \
                 postgres://postgres@127.0.0.1:5432/marketplace_test"
            )
        });
        ensure_database(&url).await;
        let schema = format!("test_{}", Uuid::now_v7().simple());
        let admin = Database::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        admin
            .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
            .await
            .unwrap_or_else(|e| panic!("cannot create schema {schema}: {e}"));
        admin.close().await.ok();

        let mut opts = migrations::connect_options(&url, 5);
        opts.set_schema_search_path(schema.clone());
        let conn = Database::connect(opts)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        migrate(&conn).await;
        Self {
            conn,
            url,
            schema: Some(schema),
            backend: Backend::Postgres,
            file: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = file.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

async fn migrate(conn: &DatabaseConnection) {
    Migrator::up(conn, None)
        .await
        .unwrap_or_else(|e| panic!("migrations failed: {e}"));
}

/// Creates the database named in `url` if it does not exist yet (connecting to `postgres`).
async fn ensure_database(url: &str) {
    let (base, name) = match url.rsplit_once('/') {
        Some((base, name)) => (base, name.split('?').next().unwrap_or(name)),
        None => panic!("{POSTGRES_URL_VAR} must name a database: {url}"),
    };
    if Database::connect(url).await.is_ok() {
        return;
    }
    let admin = Database::connect(format!("{base}/postgres"))
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL at {base}: {e}"));
    let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', ""));
    // Two test processes may race to create it; either way it exists afterwards.
    let _ = admin
        .execute_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await;
}

/// Declares a test that runs on SQLite always and on PostgreSQL when asked.
///
/// `db_test!(name, |db: TestDb| async move { ... })` makes `name::sqlite` and `name::postgres`.
/// The PostgreSQL twin is `#[ignore]`d, so `cargo test` passes on a machine with only the Rust
/// toolchain; `scripts/check.sh` runs it with `-- --ignored` and `TEST_POSTGRES_URL` set.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::TestDb::new($crate::Backend::Sqlite).await;
                ($body)(db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs PostgreSQL: set TEST_POSTGRES_URL and run with --ignored"]
            async fn postgres() {
                let db = $crate::TestDb::new($crate::Backend::Postgres).await;
                ($body)(db).await;
            }
        }
    };
}
