//! Connections and statement execution.

use tokio_postgres::{Client, NoTls};

use crate::error::Error;

/// Connect to `url`. The connection task runs on the current runtime.
pub async fn connect(url: &str) -> Result<Client, Error> {
    let config: tokio_postgres::Config = url.parse().map_err(|source| Error::BadUrl {
        url: redact(url),
        source,
    })?;
    let (client, connection) = config.connect(NoTls).await.map_err(|source| Error::Connect {
        url: redact(url),
        source,
    })?;
    tokio::spawn(async move {
        // The error, if any, surfaces on the next query through the client.
        let _ = connection.await;
    });
    Ok(client)
}

/// `url` without its password, for messages.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let user = userinfo.split(':').next().unwrap_or("");
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{}{}{}", &url[..scheme_end], masked, &rest[at..])
        }
        None => url.to_owned(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }
}
