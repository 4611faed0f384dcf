//! Throwaway databases: created on a server for one job (normalizing, proving, verifying) and
//! dropped afterwards, also when the job fails.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio_postgres::Client;

use crate::db::{self, redact};
use crate::error::Error;

/// A database that exists for one job. Call [`ScratchDb::drop_now`] when done; if the value is
/// dropped without it (an error path), the database is dropped from a background thread.
#[derive(Debug)]
pub struct ScratchDb {
    name: String,
    url: String,
    server_url: String,
    dropped: bool,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn scratch_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("schema_scratch_{}_{n}_{nanos:x}", std::process::id())
}

/// `url` with its database replaced by `database`.
pub fn with_database(url: &str, database: &str) -> Result<String, Error> {
    let mut config: tokio_postgres::Config = url.parse().map_err(|source| Error::BadUrl {
        url: redact(url),
        source,
    })?;
    config.dbname(database);
    Ok(config_to_url(&config))
}

/// A connection string for `config` (key/value form, which every field fits).
fn config_to_url(config: &tokio_postgres::Config) -> String {
    let quote = |value: &str| format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"));
    let mut parts = Vec::new();
    for host in config.get_hosts() {
        match host {
            tokio_postgres::config::Host::Tcp(h) => parts.push(format!("host={}", quote(h))),
            tokio_postgres::config::Host::Unix(path) => {
                parts.push(format!("host={}", quote(&path.to_string_lossy())))
            }
        }
    }
    if let Some(port) = config.get_ports().first() {
        parts.push(format!("port={port}"));
    }
    if let Some(user) = config.get_user() {
        parts.push(format!("user={}", quote(user)));
    }
    if let Some(password) = config.get_password() {
        parts.push(format!("password={}", quote(&String::from_utf8_lossy(password))));
    }
    if let Some(dbname) = config.get_dbname() {
        parts.push(format!("dbname={}", quote(dbname)));
    }
    if let Some(name) = config.get_application_name() {
        parts.push(format!("application_name={}", quote(name)));
    }
    parts.join(" ")
}

impl ScratchDb {
    /// Create an empty database on the server `server_url` points at (any database of it).
    pub async fn create(server_url: &str) -> Result<ScratchDb, Error> {
        ScratchDb::create_from(server_url, None).await
    }

    /// Create a database that is a copy of `template` (a database of the server that no session
    /// uses), or an empty one; `server_url` must point at another database of the server.
    pub async fn create_from(server_url: &str, template: Option<&str>) -> Result<ScratchDb, Error> {
        let admin = db::connect(server_url).await?;
        let name = scratch_name();
        let template = template.map_or_else(|| "template0".to_owned(), schema_core::ident::quote);
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE {template}"))
            .await
            .map_err(|source| Error::Scratch {
                server: redact(server_url),
                source,
            })?;
        let url = with_database(server_url, &name)?;
        Ok(ScratchDb {
            name,
            url,
            server_url: server_url.to_owned(),
            dropped: false,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn connect(&self) -> Result<Client, Error> {
        db::connect(&self.url).await
    }

    /// Drop the database now.
    pub async fn drop_now(mut self) -> Result<(), Error> {
        self.dropped = true;
        drop_database(&self.server_url, &self.name).await
    }
}

async fn drop_database(server_url: &str, name: &str) -> Result<(), Error> {
    let admin = db::connect(server_url).await?;
    db::execute(
        &admin,
        &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
    )
    .await
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let server_url = self.server_url.clone();
        let name = self.name.clone();
        // Not in async context here: drop from a thread with a runtime of its own.
        let result = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            Some(runtime.block_on(drop_database(&server_url, &name)))
        })
        .join();
        if let Ok(Some(Err(error))) = result {
            eprintln!(
                "warning: could not drop throwaway database {}: {error}",
                self.name
            );
        }
    }
}
