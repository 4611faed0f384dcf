//! A uniquely named PostgreSQL database per test, dropped when the test ends, so tests run in
//! parallel without sharing state.
//!
//! The server is `DATABASE_URL` when set, else the local server at `127.0.0.1:5432` as user
//! `postgres`. When no server is reachable the test fails and says how to provide one: it never
//! skips silently.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio_postgres::{Client, NoTls};

/// The server used when `DATABASE_URL` is not set.
pub const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The URL of the server tests create their databases on.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned())
}

/// A database created for one test and dropped (with `FORCE`) when this value is dropped.
#[derive(Debug)]
pub struct TestDb {
    name: String,
    url: String,
    server_url: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name(label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(30)
        .collect();
    format!("t_{label}_{}_{n}_{nanos:x}", std::process::id())
}

/// `url` with its database name replaced by `database`.
pub fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| scheme_end + i);
    let mut new_url = match path_start {
        Some(i) => format!("{}/{}", &base[..i], database),
        None => format!("{base}/{database}"),
    };
    if let Some(query) = query {
        new_url.push('?');
        new_url.push_str(query);
    }
    new_url
}

/// Connect, or fail the test with a message that says how to provide a server.
pub async fn connect(url: &str) -> Client {
    match tokio_postgres::connect(url, NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(async move {
                let _ = connection.await;
            });
            client
        }
        Err(error) => panic!(
            "cannot connect to PostgreSQL at {url}: {error}\n\
             These tests need a PostgreSQL server where they may CREATE DATABASE. Set DATABASE_URL \
             (e.g. postgres://postgres@127.0.0.1:5432/postgres) or start the local server: \
             pg_ctlcluster --skip-systemctl-redirect 15 main start"
        ),
    }
}

impl TestDb {
    /// Create a fresh, empty database named after `label`.
    pub async fn create(label: &str) -> TestDb {
        let server_url = server_url();
        let name = unique_name(label);
        let admin = connect(&server_url).await;
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name} on {server_url}: {e}"));
        let url = url_with_database(&server_url, &name);
        TestDb {
            name,
            url,
            server_url,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL of the server's maintenance database.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// A new connection to this database.
    pub async fn connect(&self) -> Client {
        connect(&self.url).await
    }
}

impl TestDb {
    /// Create a role (NOLOGIN, not a superuser, no BYPASSRLS) for this test: use it with
    /// `SET ROLE` on a connection to this database. Roles belong to the whole server, so the name
    /// is unique; the role and what it owns here are dropped when the returned value is dropped.
    pub async fn create_role(&self, label: &str) -> TestRole {
        let name = unique_name(label);
        let admin = self.connect().await;
        admin
            .batch_execute(&format!("CREATE ROLE \"{name}\" NOLOGIN NOSUPERUSER NOBYPASSRLS"))
            .await
            .unwrap_or_else(|e| panic!("cannot create test role {name}: {e}"));
        TestRole {
            name,
            database_url: self.url.clone(),
            server_url: self.server_url.clone(),
        }
    }
}

/// A role created for one test, dropped (with what it owns in its test database) when this value
/// is dropped.
#[derive(Debug)]
pub struct TestRole {
    name: String,
    database_url: String,
    server_url: String,
}

impl TestRole {
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestRole {
    fn drop(&mut self) {
        let name = self.name.clone();
        let database_url = self.database_url.clone();
        let server_url = self.server_url.clone();
        let result = run_detached(async move {
            // The test database may be gone already; then there is nothing to drop there.
            if let Ok((client, connection)) = tokio_postgres::connect(&database_url, NoTls).await {
                tokio::spawn(connection);
                let _ = client.batch_execute(&format!("DROP OWNED BY \"{name}\"")).await;
            }
            let (client, connection) = tokio_postgres::connect(&server_url, NoTls).await?;
            tokio::spawn(connection);
            client
                .batch_execute(&format!("DROP ROLE IF EXISTS \"{name}\""))
                .await?;
            Ok(())
        });
        if let Err(error) = result {
            eprintln!("warning: could not drop test role {}: {error}", self.name);
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Run `work` to completion on a runtime of its own: `Drop` may run inside or outside a runtime.
fn run_detached<F>(work: F) -> Result<(), BoxError>
where
    F: std::future::Future<Output = Result<(), BoxError>> + Send + 'static,
{
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(work)
    })
    .join()
    .unwrap_or_else(|_| Err("the clean-up thread panicked".into()))
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let server_url = self.server_url.clone();
        let result = run_detached(async move {
            let (client, connection) = tokio_postgres::connect(&server_url, NoTls).await?;
            tokio::spawn(connection);
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await?;
            Ok(())
        });
        if let Err(error) = result {
            eprintln!("warning: could not drop test database {}: {error}", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_in_urls() {
        assert_eq!(
            url_with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            url_with_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            url_with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }

    #[tokio::test]
    async fn creates_and_drops_a_database() {
        let name;
        {
            let db = TestDb::create("testkit").await;
            name = db.name().to_owned();
            let client = db.connect().await;
            let row = client.query_one("SELECT current_database()", &[]).await.unwrap();
            assert_eq!(row.get::<_, String>(0), name);
        }
        let admin = connect(&server_url()).await;
        let rows = admin
            .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .await
            .unwrap();
        assert!(rows.is_empty(), "database {name} was not dropped");
    }
}
