//! Connection strings: the TLS options libpq has and tokio-postgres lacks, the tool's defaults
//! (a connect timeout, an application name), and scrubbing passwords from anything printed.
//!
//! Both forms libpq accepts are read: URLs (`postgres://user:pass@host:port/db?sslmode=verify-full`)
//! and keyword/value strings (`host=db port=5432 sslmode=require`). The TLS keys (`sslmode`,
//! `sslrootcert`, `sslcert`, `sslkey`) are taken out and handled by [`crate::tls`]; the rest goes to
//! tokio-postgres. `PGSSLMODE` and `PGSSLROOTCERT` apply when the string does not set them, as
//! with libpq.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;

/// Connection set-up (TCP, TLS, authentication) gives up after this long unless the string sets
/// `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `application_name` of the tool's sessions unless the string sets one: it is what
/// `pg_stat_activity` shows, and how a waiting runner names the one holding the lock.
pub const APPLICATION_NAME: &str = "migrate";

/// libpq's `sslmode`, with its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// Plaintext first; TLS if the server refuses plaintext. No certificate check.
    Allow,
    /// TLS first; plaintext if the server has no TLS. No certificate check. libpq's default.
    Prefer,
    /// TLS or fail. No certificate check, unless `sslrootcert` is given (then as `verify-ca`).
    Require,
    /// TLS, and the server's certificate must chain to a trusted root.
    VerifyCa,
    /// As `verify-ca`, and the certificate must name the host connected to.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

/// The certificates a server's must chain to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCerts {
    /// A PEM file (`sslrootcert=/path/ca.pem`).
    File(PathBuf),
    /// The operating system's trust store (`sslrootcert=system`, or no `sslrootcert`).
    System,
}

/// TLS settings of a connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    pub mode: SslMode,
    /// `None`: not given (verify modes then use the system store).
    pub root_certs: Option<RootCerts>,
    /// A client certificate and its key (`sslcert`, `sslkey`), both PEM.
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

/// A parsed connection string.
pub struct ConnInfo {
    pub config: tokio_postgres::Config,
    pub tls: TlsOptions,
    /// The whole connection set-up is bounded by this.
    pub connect_timeout: Duration,
}

const TLS_KEYS: [&str; 4] = ["sslmode", "sslrootcert", "sslcert", "sslkey"];

/// Parse `url` (either form). Errors never quote the password.
pub fn parse(url: &str) -> Result<ConnInfo, Error> {
    let (rest, taken) = if is_url(url) {
        take_url_params(url)
    } else {
        take_keyword_params(url)
    };
    let mut config: tokio_postgres::Config = rest.parse().map_err(|source| Error::BadUrl {
        url: redact(url),
        source,
    })?;
    let get = |key: &str, env: Option<&str>| {
        taken
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .or_else(|| env.and_then(|e| std::env::var(e).ok()).filter(|v| !v.is_empty()))
    };
    let mode = match get("sslmode", Some("PGSSLMODE")) {
        None => SslMode::Prefer,
        Some(value) => SslMode::parse(&value).ok_or_else(|| {
            Error::Config(format!(
                "invalid sslmode `{value}` in {}: use disable, allow, prefer, require, verify-ca or verify-full",
                redact(url)
            ))
        })?,
    };
    let root_certs = get("sslrootcert", Some("PGSSLROOTCERT")).map(|value| {
        if value == "system" {
            RootCerts::System
        } else {
            RootCerts::File(PathBuf::from(value))
        }
    });
    let client_cert = match (get("sslcert", None), get("sslkey", None)) {
        (Some(cert), Some(key)) => Some((PathBuf::from(cert), PathBuf::from(key))),
        (None, None) => None,
        _ => {
            return Err(Error::Config(
                "sslcert and sslkey go together: give both files, or neither".to_owned(),
            ));
        }
    };
    if config.get_application_name().is_none() {
        config.application_name(APPLICATION_NAME);
    }
    let connect_timeout = config
        .get_connect_timeout()
        .copied()
        .filter(|t| !t.is_zero())
        .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
    config.connect_timeout(connect_timeout);
    Ok(ConnInfo {
        config,
        tls: TlsOptions {
            mode,
            root_certs,
            client_cert,
        },
        connect_timeout,
    })
}

/// The password a connection string carries, if it can be read: for scrubbing it from output
/// in whatever form it appears.
pub fn password(url: &str) -> Option<String> {
    let (rest, _) = if is_url(url) {
        take_url_params(url)
    } else {
        take_keyword_params(url)
    };
    let config: tokio_postgres::Config = rest.parse().ok()?;
    config
        .get_password()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .filter(|p| !p.is_empty())
}

fn is_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The URL without its TLS query parameters, and those parameters (decoded).
fn take_url_params(url: &str) -> (String, Vec<(String, String)>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), Vec::new());
    };
    let mut kept = Vec::new();
    let mut taken = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if TLS_KEYS.contains(&key) {
            taken.push((key.to_owned(), percent_decode(value)));
        } else {
            kept.push(pair);
        }
    }
    let rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (rest, taken)
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `key = value` pairs of a keyword/value string, as libpq reads them: values may be single-quoted,
/// and a backslash escapes the next character.
fn keyword_pairs(text: &str) -> Option<Vec<(String, String)>> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut pairs = Vec::new();
    let skip_space = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_space(&mut i);
        if i >= chars.len() {
            return Some(pairs);
        }
        let start = i;
        while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        skip_space(&mut i);
        if chars.get(i) != Some(&'=') {
            return None;
        }
        i += 1;
        skip_space(&mut i);
        let mut value = String::new();
        if chars.get(i) == Some(&'\'') {
            i += 1;
            loop {
                match chars.get(i) {
                    None => return None,
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        value.extend(chars.get(i + 1));
                        i += 2;
                    }
                    Some(c) => {
                        value.push(*c);
                        i += 1;
                    }
                }
            }
        } else {
            while let Some(c) = chars.get(i) {
                if c.is_whitespace() {
                    break;
                }
                if *c == '\\' {
                    value.extend(chars.get(i + 1));
                    i += 2;
                } else {
                    value.push(*c);
                    i += 1;
                }
            }
        }
        pairs.push((key, value));
    }
}

/// The keyword/value string without its TLS keys, and those keys' values.
fn take_keyword_params(text: &str) -> (String, Vec<(String, String)>) {
    let Some(pairs) = keyword_pairs(text) else {
        // Not readable here: tokio-postgres reports the syntax error.
        return (text.to_owned(), Vec::new());
    };
    let mut kept = Vec::new();
    let mut taken = Vec::new();
    for (key, value) in pairs {
        if TLS_KEYS.contains(&key.as_str()) {
            taken.push((key, value));
        } else {
            let quoted = value.replace('\\', "\\\\").replace('\'', "\\'");
            kept.push(format!("{key}='{quoted}'"));
        }
    }
    (kept.join(" "), taken)
}

/// `text` with every password it may hold replaced by `***`: the password of a URL's user info
/// (even one with a raw `/` or `@`), a `password=` keyword or query parameter, quoted or not.
pub fn redact(text: &str) -> String {
    redact_keywords(&redact_userinfo(text))
}

/// `scheme://user:password@host` → `scheme://user:***@host`, for every URL in `text`.
fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        // The URL runs to the next whitespace or quote.
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '"' || c == '`' || c == '\'')
            .unwrap_or(tail.len());
        let url = &tail[..end];
        // The user info ends at the last `@` before the query: a raw `/` or `@` in a password
        // still ends up inside it.
        let before_query = url.find('?').unwrap_or(url.len());
        match url[..before_query].rfind('@') {
            Some(at) => {
                let userinfo = &url[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&url[at..]);
            }
            None => out.push_str(url),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// `password=secret`, `password = 'se cret'`, `?password=secret&...` → `password=***`.
fn redact_keywords(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = lower[i..].find("password") {
        let key_end = i + found + "password".len();
        out.push_str(&text[i..key_end]);
        let bytes = text.as_bytes();
        let mut j = key_end;
        while j < bytes.len() && bytes[j] == b' ' {
            j += 1;
        }
        if j >= bytes.len() || bytes[j] != b'=' {
            i = key_end;
            continue;
        }
        j += 1;
        while j < bytes.len() && bytes[j] == b' ' {
            j += 1;
        }
        let value_end = if bytes.get(j) == Some(&b'\'') {
            let mut k = j + 1;
            while k < bytes.len() && bytes[k] != b'\'' {
                k += if bytes[k] == b'\\' { 2 } else { 1 };
            }
            (k + 1).min(bytes.len())
        } else {
            let mut k = j;
            while k < bytes.len() && !matches!(bytes[k], b' ' | b'\t' | b'\n' | b'&' | b'"' | b'`' | b')') {
                k += 1;
            }
            k
        };
        out.push_str("=***");
        i = value_end;
    }
    out.push_str(&text[i..]);
    out
}

/// `text` with each of `secrets` (and what [`redact`] finds) replaced by `***`.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut text = redact(text);
    for secret in secrets.iter().filter(|s| s.len() >= 2) {
        text = text.replace(secret.as_str(), "***");
        let encoded = percent_encode(secret);
        if encoded != *secret {
            text = text.replace(&encoded, "***");
        }
    }
    text
}

fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_in_every_form() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redact("postgres://u:se/cr@t@h/db?x=1"),
            "postgres://u:***@h/db?x=1"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        assert_eq!(
            redact("host=h password=hunter2 user=u"),
            "host=h password=*** user=u"
        );
        assert_eq!(
            redact("host=h password = 'hun ter\\'2' user=u"),
            "host=h password=*** user=u"
        );
        assert_eq!(
            redact("postgres://u@h/db?password=hunter3&sslmode=require"),
            "postgres://u@h/db?password=***&sslmode=require"
        );
        assert_eq!(
            redact("cannot connect to `postgres://a:b@c/d`: refused"),
            "cannot connect to `postgres://a:***@c/d`: refused"
        );
        assert_eq!(redact("no password here"), "no password here");
        assert_eq!(
            scrub("failed for s%3Acr%2Ft and s:cr/t", &["s:cr/t".to_owned()]),
            "failed for *** and ***"
        );
    }

    #[test]
    fn takes_tls_keys_out_of_both_forms() {
        let info =
            parse("postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&connect_timeout=3")
                .unwrap();
        assert_eq!(info.tls.mode, SslMode::VerifyFull);
        assert_eq!(info.tls.root_certs, Some(RootCerts::File("/tmp/ca.pem".into())));
        assert_eq!(info.connect_timeout, Duration::from_secs(3));
        assert_eq!(info.config.get_application_name(), Some(APPLICATION_NAME));

        let info =
            parse("host=h dbname='my db' sslmode=require sslrootcert=system application_name=app").unwrap();
        assert_eq!(info.tls.mode, SslMode::Require);
        assert_eq!(info.tls.root_certs, Some(RootCerts::System));
        assert_eq!(info.config.get_dbname(), Some("my db"));
        assert_eq!(info.config.get_application_name(), Some("app"));
        assert_eq!(info.connect_timeout, DEFAULT_CONNECT_TIMEOUT);

        let error = parse("postgres://u:hunter2@h/db?sslmode=sometimes")
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("invalid sslmode `sometimes`"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        assert_eq!(password("postgres://u:p%2Fw@h/db").as_deref(), Some("p/w"));
        assert_eq!(password("host=h password='a b'").as_deref(), Some("a b"));
    }
}
