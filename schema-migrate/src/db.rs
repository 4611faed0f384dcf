//! Connections and statement execution.

use tokio_postgres::config::SslMode as PgSslMode;
use tokio_postgres::{Client, Config, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::conninfo::{self, ConnInfo, SslMode};
use crate::error::Error;

/// Connect to `url` (a URL or a keyword/value string), with TLS as its `sslmode` says and the
/// whole set-up bounded by its `connect_timeout` (default
/// [`conninfo::DEFAULT_CONNECT_TIMEOUT`]). The connection task runs on the current runtime.
pub async fn connect(url: &str) -> Result<Client, Error> {
    let info = conninfo::parse(url)?;
    let tls = match info.tls.mode {
        SslMode::Disable => None,
        _ => Some(crate::tls::connector(&info.tls)?),
    };
    let seconds = info.connect_timeout.as_secs_f64();
    match tokio::time::timeout(info.connect_timeout, connect_with(&info, tls)).await {
        Ok(result) => result.map_err(|source| Error::Connect {
            url: redact(url),
            source,
        }),
        Err(_) => Err(Error::ConnectTimeout {
            url: redact(url),
            seconds,
        }),
    }
}

async fn connect_with(
    info: &ConnInfo,
    tls: Option<MakeRustlsConnect>,
) -> Result<Client, tokio_postgres::Error> {
    let mut config = info.config.clone();
    // As libpq: sslmode does not apply to Unix-domain sockets.
    #[cfg(unix)]
    let local = !config.get_hosts().is_empty()
        && config
            .get_hosts()
            .iter()
            .all(|host| matches!(host, tokio_postgres::config::Host::Unix(_)));
    #[cfg(not(unix))]
    let local = false;
    let tls = tls.filter(|_| !local);
    let Some(tls) = tls else {
        return plain(config.ssl_mode(PgSslMode::Disable)).await;
    };
    match info.tls.mode {
        SslMode::Disable => plain(config.ssl_mode(PgSslMode::Disable)).await,
        SslMode::Allow => match plain(config.ssl_mode(PgSslMode::Disable)).await {
            // The server refused plaintext (pg_hba `hostssl`): try TLS.
            Err(error) if error.as_db_error().is_some() => {
                encrypted(config.ssl_mode(PgSslMode::Require), tls).await
            }
            other => other,
        },
        SslMode::Prefer => match encrypted(config.ssl_mode(PgSslMode::Prefer), tls).await {
            // A failed handshake falls back to plaintext, as libpq's `prefer` does; a refusal
            // by the server (authentication, pg_hba) does not.
            Err(error) if error.as_db_error().is_none() && !is_io_refusal(&error) => {
                plain(config.ssl_mode(PgSslMode::Disable)).await
            }
            other => other,
        },
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            encrypted(config.ssl_mode(PgSslMode::Require), tls).await
        }
    }
}

/// A connection error that plaintext would meet too (nothing listening, no route).
fn is_io_refusal(error: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable
                    | std::io::ErrorKind::AddrNotAvailable
                    | std::io::ErrorKind::TimedOut
            );
        }
        source = cause.source();
    }
    false
}

async fn plain(config: &Config) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        // The error, if any, surfaces on the next query through the client.
        let _ = connection.await;
    });
    Ok(client)
}

async fn encrypted(config: &Config, tls: MakeRustlsConnect) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(tls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// `url` without its password, for messages; a very long one is cut short.
pub fn redact(url: &str) -> String {
    const SHOWN: usize = 160;
    let redacted = conninfo::redact(url);
    if redacted.len() <= SHOWN {
        return redacted;
    }
    let cut = (0..=SHOWN)
        .rev()
        .find(|&i| redacted.is_char_boundary(i))
        .unwrap_or(0);
    format!("{}... ({} bytes)", &redacted[..cut], url.len())
}

/// Run one statement, turning a failure into an error that quotes the statement.
pub async fn execute(client: &Client, sql: &str) -> Result<(), Error> {
    client
        .batch_execute(sql)
        .await
        .map_err(|source| Error::Statement {
            sql: sql.to_owned(),
            source,
        })
}

/// The text of a database error with its detail and hint, on one line.
pub fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = db.message().to_owned();
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            if let Some(hint) = db.hint() {
                text.push_str(&format!("; hint: {hint}"));
            }
            text
        }
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        }
    }
}
