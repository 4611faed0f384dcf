//! The migrations directory: one directory per migration, plus a sum file.
//!
//! ```text
//! migrations/
//!   20240501120000_create_users/
//!     up.sql        the SQL that applies the migration
//!     down.sql      the SQL that reverts it
//!     schema.json   the schema after the migration (schema-core's model, as JSON)
//!   20240502093000_add_users_email/
//!     ...
//!   migrations.sum
//! ```
//!
//! A version is the UTC time the migration was generated, `YYYYMMDDHHMMSS`; a description is
//! `[a-z0-9_]+`. Entries whose name starts with `.` are ignored (editor files, and the temporary
//! directories [`MigrationDir::write`] renames into place).
//!
//! The sum file pins the set of migrations and their contents, like atlas' `atlas.sum`: its first
//! line is `h1:<sha256 of all following lines>`, then one line per migration in version order,
//! `<version>_<description> h1:<checksum>`. Two branches that each add a migration both change
//! the first line, so merging them conflicts in git instead of silently interleaving migrations.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use schema_core::model::Schema;
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// The name of the sum file in the migrations directory.
pub const SUM_FILE: &str = "migrations.sum";
/// A line of `up.sql` or `down.sql` that makes the script run outside a single transaction.
pub const NO_TRANSACTION_MARKER: &str = "-- migrate:no-transaction";

const UP_FILE: &str = "up.sql";
const DOWN_FILE: &str = "down.sql";
const SNAPSHOT_FILE: &str = "schema.json";
const HASH_COMMAND: &str = "cargo run --bin migrate -- hash";
const VERSION_FORMAT: &[time::format_description::FormatItem<'static>] =
    format_description!("[year][month][day][hour][minute][second]");

/// One migration, as read from its directory.
#[derive(Debug, Clone)]
pub struct Migration {
    /// `YYYYMMDDHHMMSS`, UTC.
    pub version: String,
    pub description: String,
    /// The migration's directory.
    pub path: PathBuf,
    pub up: String,
    pub down: String,
    /// The schema after this migration, from `schema.json`, parsed when first asked for.
    pub snapshot: Snapshot,
    /// Hex SHA-256 over `up.sql`, a 0 byte, `down.sql`, a 0 byte, `schema.json` (all as bytes).
    pub checksum: String,
}

impl Migration {
    /// `up.sql` runs in one transaction, unless a line of it is [`NO_TRANSACTION_MARKER`].
    pub fn up_transactional(&self) -> bool {
        !has_marker(&self.up)
    }

    /// `down.sql` runs in one transaction, unless a line of it is [`NO_TRANSACTION_MARKER`].
    pub fn down_transactional(&self) -> bool {
        !has_marker(&self.down)
    }

    /// `{version}_{description}`: the directory name.
    pub fn name(&self) -> String {
        format!("{}_{}", self.version, self.description)
    }
}

fn has_marker(script: &str) -> bool {
    script.lines().any(|line| line.trim() == NO_TRANSACTION_MARKER)
}

/// A migration's `schema.json`, read and parsed when first asked for: the everyday commands need
/// the newest one or none, and holding or parsing every snapshot of a long history (each holds
/// the whole schema) would make them grow with its square. Loading the directory only hashes it,
/// streaming; when it is parsed, its bytes must still hash to the migration's checksum.
#[derive(Debug, Clone)]
pub struct Snapshot {
    path: PathBuf,
    /// The migration's hash state before the snapshot's bytes, and the checksum they complete.
    check: Option<(Sha256, String)>,
    parsed: Arc<OnceLock<Schema>>,
}

impl Snapshot {
    /// A snapshot of `schema`, already parsed (for migrations built in memory).
    pub fn from_schema(schema: Schema) -> Snapshot {
        Snapshot {
            path: PathBuf::from(SNAPSHOT_FILE),
            check: None,
            parsed: Arc::new(OnceLock::from(schema)),
        }
    }

    /// The schema, or why the file is not a snapshot.
    pub fn schema(&self) -> Result<&Schema, DirError> {
        if let Some(schema) = self.parsed.get() {
            return Ok(schema);
        }
        let bytes = read_file(&self.path)?;
        if let Some((prefix, checksum)) = &self.check {
            let mut hasher = prefix.clone();
            hasher.update(&bytes);
            if hex::encode(hasher.finalize()) != *checksum {
                return Err(DirError::ChangedWhileRead {
                    path: self.path.clone(),
                });
            }
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| DirError::NotUtf8 {
            path: self.path.clone(),
        })?;
        let schema = Schema::from_json(text).map_err(|source| DirError::BadSnapshot {
            path: self.path.clone(),
            source,
        })?;
        Ok(self.parsed.get_or_init(|| schema))
    }
}

impl PartialEq<Schema> for Snapshot {
    fn eq(&self, other: &Schema) -> bool {
        self.schema().is_ok_and(|schema| schema == other)
    }
}

/// The checksum of a migration's three files.
pub fn checksum(up: &[u8], down: &[u8], snapshot: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(up);
    hasher.update([0u8]);
    hasher.update(down);
    hasher.update([0u8]);
    hasher.update(snapshot);
    hex::encode(hasher.finalize())
}

/// Something wrong with the migrations directory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DirError {
    #[error(
        "migrations directory {} does not exist: create it with `cargo run --bin migrate -- generate <description>` or pass --dir",
        .path.display()
    )]
    Missing { path: PathBuf },

    #[error("{} is not a directory: pass the migrations directory with --dir", .path.display())]
    NotADirectory { path: PathBuf },

    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "{}: not a migration directory name: expected <version>_<description>, a 14-digit UTC timestamp \
         (YYYYMMDDHHMMSS) and a description of a-z, 0-9 and _ (e.g. 20240501120000_create_users): rename or remove it",
        .path.display()
    )]
    BadName { path: PathBuf },

    #[error(
        "{}: unexpected file in the migrations directory, which holds only <version>_<description>/ directories and {SUM_FILE}: \
         move it elsewhere (names starting with '.' are ignored)",
        .path.display()
    )]
    StrayFile { path: PathBuf },

    #[error(
        "{} is missing: every migration needs up.sql, down.sql and schema.json: restore it (git checkout) or regenerate the migration",
        .path.display()
    )]
    MissingFile { path: PathBuf },

    #[error("{}: not UTF-8 text: save it as UTF-8", .path.display())]
    NotUtf8 { path: PathBuf },

    #[error("{}: a NUL byte at offset {offset}: Postgres cannot take it in SQL text; remove it", .path.display())]
    NulByte { path: PathBuf, offset: usize },

    #[error("{}: changed while the command ran (it no longer matches its checksum): run the command again", .path.display())]
    ChangedWhileRead { path: PathBuf },

    #[error(
        "{}: not a valid schema snapshot: {source}: restore it (git checkout) or regenerate the migration",
        .path.display()
    )]
    BadSnapshot {
        path: PathBuf,
        source: serde_json::Error,
    },

    #[error(
        "two migrations have version {version}: {} and {}: move one to a later version (rename its directory), then run `{HASH_COMMAND}`",
        .first.display(), .second.display()
    )]
    DuplicateVersion {
        version: String,
        first: PathBuf,
        second: PathBuf,
    },

    #[error(
        "invalid migration description {description:?}: use letters, digits and underscores (e.g. add_users_email)"
    )]
    BadDescription { description: String },

    #[error("{} already exists: run the command again to get a new version", .path.display())]
    AlreadyExists { path: PathBuf },

    #[error(
        "{SUM_FILE} is missing from the migrations directory: a migration was added without the tool, or the file was deleted; \
         check the migrations, then create it with `{HASH_COMMAND}`"
    )]
    SumMissing,

    #[error(
        "{SUM_FILE} is out of date (it records h1:{found}, the migrations hash to h1:{expected}): a migration was edited or \
         added without the tool, or a merge brought migrations in; check the migrations, then regenerate it with `{HASH_COMMAND}`"
    )]
    SumStale { expected: String, found: String },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> DirError {
    let path = path.to_path_buf();
    move |source| DirError::Io { action, path, source }
}

/// Whether `version` is 14 ASCII digits.
pub fn is_version(version: &str) -> bool {
    version.len() == 14 && version.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `description` is non-empty `[a-z0-9_]+`.
pub fn is_description(description: &str) -> bool {
    !description.is_empty()
        && description
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// `(version, description)` of a migration directory name.
pub fn parse_name(name: &str) -> Option<(&str, &str)> {
    let (version, description) = name.split_once('_')?;
    (is_version(version) && is_description(description)).then_some((version, description))
}

/// A description as typed by a user, normalized: lowercase, every character other than `a-z` and
/// `0-9` replaced by `_`, runs of `_` collapsed, `_` trimmed from both ends.
pub fn normalize_description(description: &str) -> Result<String, DirError> {
    let mut normalized = String::with_capacity(description.len());
    for c in description.trim().chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '_'
        };
        if !(c == '_' && normalized.ends_with('_')) {
            normalized.push(c);
        }
    }
    let normalized = normalized.trim_matches('_').to_owned();
    if normalized.is_empty() {
        return Err(DirError::BadDescription {
            description: description.to_owned(),
        });
    }
    Ok(normalized)
}

/// The version for `now`: `YYYYMMDDHHMMSS` in UTC.
pub fn version_at(now: OffsetDateTime) -> String {
    now.to_offset(UtcOffset::UTC)
        .format(VERSION_FORMAT)
        .expect("a timestamp always formats")
}

/// The version one second after `version`.
fn next_version(version: &str) -> String {
    match PrimitiveDateTime::parse(version, VERSION_FORMAT) {
        Ok(at) => version_at((at + time::Duration::SECOND).assume_utc()),
        // Not a real date: still 14 digits, so count up.
        Err(_) => format!("{:014}", version.parse::<u64>().unwrap_or(0) + 1),
    }
}

/// The migrations directory.
#[derive(Debug, Clone)]
pub struct MigrationDir {
    pub path: PathBuf,
}

impl MigrationDir {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        MigrationDir { path: path.into() }
    }

    pub fn exists(&self) -> bool {
        self.path.is_dir()
    }

    /// The path of the sum file.
    pub fn sum_path(&self) -> PathBuf {
        self.path.join(SUM_FILE)
    }

    /// Read every migration, sorted by version.
    pub fn load(&self) -> Result<Vec<Migration>, DirError> {
        self.check_exists()?;
        let entries = fs::read_dir(&self.path).map_err(io("read directory", &self.path))?;
        let mut by_version: BTreeMap<String, Migration> = BTreeMap::new();
        for entry in entries {
            let entry = entry.map_err(io("read directory", &self.path))?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let is_dir = entry
                .file_type()
                .map_err(io("read", &path))?
                .is_dir()
                // Follow symbolic links.
                || path.is_dir();
            if !is_dir {
                if name == SUM_FILE {
                    continue;
                }
                return Err(DirError::StrayFile { path });
            }
            let Some((version, description)) = parse_name(&name) else {
                return Err(DirError::BadName { path });
            };
            let migration = load_migration(&path, version, description)?;
            if let Some(existing) = by_version.get(version) {
                let (first, second) = if existing.path < path {
                    (existing.path.clone(), path)
                } else {
                    (path, existing.path.clone())
                };
                return Err(DirError::DuplicateVersion {
                    version: version.to_owned(),
                    first,
                    second,
                });
            }
            by_version.insert(version.to_owned(), migration);
        }
        Ok(by_version.into_values().collect())
    }

    fn check_exists(&self) -> Result<(), DirError> {
        match fs::metadata(&self.path) {
            Ok(metadata) if metadata.is_dir() => Ok(()),
            Ok(_) => Err(DirError::NotADirectory {
                path: self.path.clone(),
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(DirError::Missing {
                path: self.path.clone(),
            }),
            Err(source) => Err(DirError::Io {
                action: "read",
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// The schema after the newest migration; the empty schema when there are none.
    pub fn latest_snapshot(&self) -> Result<Schema, DirError> {
        match self.load()?.last() {
            Some(migration) => migration.snapshot.schema().cloned(),
            None => Ok(Schema::default()),
        }
    }

    /// Parse every snapshot: what `hash` checks before it records them.
    pub fn check_snapshots(migrations: &[Migration]) -> Result<(), DirError> {
        migrations
            .iter()
            .try_for_each(|m| m.snapshot.schema().map(|_| ()))
    }

    /// Add a migration and rewrite the sum file.
    ///
    /// Its version is `now` (UTC), or one second after the newest existing version when that is
    /// not older, so versions stay strictly increasing. The files are written into a temporary
    /// directory (its name starts with `.`, so [`MigrationDir::load`] ignores it) that is then
    /// renamed into place: a crash never leaves a half-written migration.
    pub fn write(
        &self,
        description: &str,
        up: &str,
        down: &str,
        snapshot: &Schema,
        now: OffsetDateTime,
    ) -> Result<Migration, DirError> {
        let description = normalize_description(description)?;
        fs::create_dir_all(&self.path).map_err(io("create directory", &self.path))?;
        let existing = self.load()?;
        let mut version = version_at(now);
        if let Some(latest) = existing.last()
            && version <= latest.version
        {
            version = next_version(&latest.version);
        }
        let name = format!("{version}_{description}");
        let target = self.path.join(&name);
        if target.exists() {
            return Err(DirError::AlreadyExists { path: target });
        }

        let temp = self.path.join(format!(".tmp-{name}-{}", std::process::id()));
        if temp.exists() {
            fs::remove_dir_all(&temp).map_err(io("remove", &temp))?;
        }
        fs::create_dir(&temp).map_err(io("create directory", &temp))?;
        let mut json = snapshot.to_json();
        if !json.ends_with('\n') {
            json.push('\n');
        }
        let written = (|| {
            write_synced(&temp.join(UP_FILE), up.as_bytes())?;
            write_synced(&temp.join(DOWN_FILE), down.as_bytes())?;
            write_synced(&temp.join(SNAPSHOT_FILE), json.as_bytes())?;
            fs::rename(&temp, &target).map_err(io("rename into place", &temp))
        })();
        if let Err(error) = written {
            let _ = fs::remove_dir_all(&temp);
            return Err(error);
        }
        sync_dir(&self.path);
        let migration = load_migration(&target, &version, &description)?;
        let mut all = existing;
        all.push(migration.clone());
        self.write_sum_of(&all)?;
        Ok(migration)
    }

    /// The sum file's text for the migrations as they are.
    pub fn sum(&self) -> Result<String, DirError> {
        Ok(sum_text(&self.load()?))
    }

    /// Write the sum file for the migrations as they are (atomically).
    pub fn write_sum(&self) -> Result<(), DirError> {
        self.write_sum_of(&self.load()?)
    }

    /// Write the sum file for `migrations`, this directory's as loaded (atomically).
    pub fn write_sum_of(&self, migrations: &[Migration]) -> Result<(), DirError> {
        let text = sum_text(migrations);
        let path = self.sum_path();
        let temp = self.path.join(format!(".{SUM_FILE}.tmp-{}", std::process::id()));
        write_synced(&temp, text.as_bytes())?;
        fs::rename(&temp, &path).map_err(|source| {
            let _ = fs::remove_file(&temp);
            DirError::Io {
                action: "write",
                path: path.clone(),
                source,
            }
        })?;
        sync_dir(&self.path);
        Ok(())
    }

    /// Check that the sum file matches the migrations.
    pub fn check_sum(&self) -> Result<(), DirError> {
        self.check_sum_of(&self.load()?)
    }

    /// Check that the sum file matches `migrations`, this directory's as loaded.
    pub fn check_sum_of(&self, migrations: &[Migration]) -> Result<(), DirError> {
        let expected = sum_text(migrations);
        let path = self.sum_path();
        let found = match fs::read(&path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).replace("\r\n", "\n"),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Err(DirError::SumMissing),
            Err(source) => {
                return Err(DirError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        if found == expected {
            return Ok(());
        }
        let header = |text: &str| {
            let first = text.lines().next().unwrap_or("").trim();
            first.strip_prefix("h1:").unwrap_or(first).to_owned()
        };
        Err(DirError::SumStale {
            expected: header(&expected),
            found: header(&found),
        })
    }
}

/// The sum file's text for `migrations` (sorted by version).
pub fn sum_text(migrations: &[Migration]) -> String {
    let body: String = migrations
        .iter()
        .map(|m| format!("{} h1:{}\n", m.name(), m.checksum))
        .collect();
    let total = hex::encode(Sha256::digest(body.as_bytes()));
    format!("h1:{total}\n{body}")
}

fn load_migration(path: &Path, version: &str, description: &str) -> Result<Migration, DirError> {
    let up = read_file(&path.join(UP_FILE))?;
    let down = read_file(&path.join(DOWN_FILE))?;
    let snapshot_path = path.join(SNAPSHOT_FILE);
    // The checksum as `checksum` computes it, with the snapshot streamed rather than held.
    let mut hasher = Sha256::new();
    hasher.update(&up);
    hasher.update([0u8]);
    hasher.update(&down);
    hasher.update([0u8]);
    let prefix = hasher.clone();
    hash_file(&mut hasher, &snapshot_path)?;
    let checksum = hex::encode(hasher.finalize());
    let text = |bytes: Vec<u8>, file: &str| {
        if let Some(offset) = bytes.iter().position(|&b| b == 0) {
            return Err(DirError::NulByte {
                path: path.join(file),
                offset,
            });
        }
        String::from_utf8(bytes).map_err(|_| DirError::NotUtf8 {
            path: path.join(file),
        })
    };
    Ok(Migration {
        version: version.to_owned(),
        description: description.to_owned(),
        path: path.to_path_buf(),
        up: text(up, UP_FILE)?,
        down: text(down, DOWN_FILE)?,
        snapshot: Snapshot {
            path: snapshot_path,
            check: Some((prefix, checksum.clone())),
            parsed: Arc::new(OnceLock::new()),
        },
        checksum,
    })
}

/// Feed a file to `hasher` in pieces.
fn hash_file(hasher: &mut Sha256, path: &Path) -> Result<(), DirError> {
    use std::io::Read;
    let mut file = fs::File::open(path).map_err(|source| read_error(path, source))?;
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buffer).map_err(|source| DirError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        if n == 0 {
            return Ok(());
        }
        hasher.update(&buffer[..n]);
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, DirError> {
    fs::read(path).map_err(|source| read_error(path, source))
}

fn read_error(path: &Path, source: std::io::Error) -> DirError {
    if source.kind() == std::io::ErrorKind::NotFound {
        DirError::MissingFile {
            path: path.to_path_buf(),
        }
    } else {
        DirError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        }
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), DirError> {
    let mut file = fs::File::create(path).map_err(io("create", path))?;
    file.write_all(bytes).map_err(io("write", path))?;
    file.sync_all().map_err(io("write", path))
}

/// Make renames in `dir` durable, where the platform supports it.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names() {
        assert_eq!(
            parse_name("20240501120000_create_users"),
            Some(("20240501120000", "create_users"))
        );
        assert_eq!(parse_name("20240501120000_a"), Some(("20240501120000", "a")));
        assert_eq!(parse_name("2024050112000_create"), None);
        assert_eq!(parse_name("20240501120000_"), None);
        assert_eq!(parse_name("20240501120000"), None);
        assert_eq!(parse_name("20240501120000_Create"), None);
        assert_eq!(parse_name("20240501120000-create"), None);
        assert_eq!(parse_name("x0240501120000_create"), None);
    }

    #[test]
    fn normalizes_descriptions() {
        assert_eq!(
            normalize_description("Add users.email").unwrap(),
            "add_users_email"
        );
        assert_eq!(
            normalize_description("  --create   table-- ").unwrap(),
            "create_table"
        );
        assert_eq!(normalize_description("v2_Émails").unwrap(), "v2_mails");
        assert!(normalize_description(" -- ").is_err());
        assert!(normalize_description("").is_err());
    }

    #[test]
    fn versions() {
        let at = time::macros::datetime!(2024-05-01 23:59:59 +02:00);
        assert_eq!(version_at(at), "20240501215959");
        assert_eq!(next_version("20241231235959"), "20250101000000");
        assert_eq!(next_version("20241399999999"), "20241400000000");
    }

    #[test]
    fn markers() {
        assert!(has_marker(
            "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);"
        ));
        assert!(has_marker("SELECT 1;\n  -- migrate:no-transaction  \r\n"));
        assert!(!has_marker("SELECT 1; -- migrate:no-transaction"));
        assert!(!has_marker("-- migrate:no-transactions"));
    }
}
