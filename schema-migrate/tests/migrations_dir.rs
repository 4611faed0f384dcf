//! The migrations directory: writing, loading, checking.

use std::fs;
use std::path::Path;

use schema_core::model::{Column, ColumnType, Schema, Table};
use schema_migrate::migrations::{DirError, Migration, MigrationDir, NO_TRANSACTION_MARKER, SUM_FILE};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2024-05-01 12:00:00 UTC);

fn users() -> Schema {
    Schema {
        tables: vec![Table::new(
            "users",
            vec![Column::new("id", ColumnType::parse("bigint"))],
        )],
        ..Schema::default()
    }
}

fn write(dir: &MigrationDir, description: &str, now: OffsetDateTime) -> Migration {
    dir.write(
        description,
        "CREATE TABLE t ();\n",
        "DROP TABLE t;\n",
        &users(),
        now,
    )
    .unwrap()
}

fn tempdir() -> (tempfile::TempDir, MigrationDir) {
    let temp = tempfile::tempdir().unwrap();
    let dir = MigrationDir::new(temp.path().join("migrations"));
    (temp, dir)
}

fn write_files(path: &Path, up: &str, down: &str, schema: &str) {
    fs::create_dir_all(path).unwrap();
    fs::write(path.join("up.sql"), up).unwrap();
    fs::write(path.join("down.sql"), down).unwrap();
    fs::write(path.join("schema.json"), schema).unwrap();
}

#[test]
fn write_then_load_round_trips() {
    let (_temp, dir) = tempdir();
    assert!(!dir.exists());
    let written = dir
        .write(
            "Create users",
            "CREATE TABLE users (id bigint);\n",
            "DROP TABLE users;\n",
            &users(),
            datetime!(2024-05-01 14:30:15 +02:00),
        )
        .unwrap();
    assert!(dir.exists());
    assert_eq!(written.version, "20240501123015");
    assert_eq!(written.description, "create_users");
    assert_eq!(written.name(), "20240501123015_create_users");
    assert_eq!(written.path, dir.path.join("20240501123015_create_users"));
    assert_eq!(written.checksum.len(), 64);

    let loaded = dir.load().unwrap();
    assert_eq!(loaded.len(), 1);
    let migration = &loaded[0];
    assert_eq!(migration.version, written.version);
    assert_eq!(migration.description, written.description);
    assert_eq!(migration.up, "CREATE TABLE users (id bigint);\n");
    assert_eq!(migration.down, "DROP TABLE users;\n");
    assert_eq!(migration.snapshot, users());
    assert_eq!(migration.checksum, written.checksum);
    assert!(migration.up_transactional());
    assert!(migration.down_transactional());

    let json = fs::read_to_string(migration.path.join("schema.json")).unwrap();
    assert!(
        json.ends_with("}\n"),
        "schema.json ends with one newline: {json:?}"
    );
    assert_eq!(dir.latest_snapshot().unwrap(), users());
    // No temporary directory is left behind.
    let names: Vec<String> = fs::read_dir(&dir.path)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    dir.check_sum().unwrap();
}

#[test]
fn checksum_covers_all_three_files() {
    let (_temp, dir) = tempdir();
    let migration = write(&dir, "a", NOW);
    let expected = schema_migrate::migrations::checksum(
        migration.up.as_bytes(),
        migration.down.as_bytes(),
        &fs::read(migration.path.join("schema.json")).unwrap(),
    );
    assert_eq!(migration.checksum, expected);
    for file in ["up.sql", "down.sql", "schema.json"] {
        let path = migration.path.join(file);
        let original = fs::read(&path).unwrap();
        let mut edited = original.clone();
        edited.extend_from_slice(b" ");
        fs::write(&path, &edited).unwrap();
        assert_ne!(dir.load().unwrap()[0].checksum, migration.checksum, "{file}");
        fs::write(&path, &original).unwrap();
    }
    assert_eq!(dir.load().unwrap()[0].checksum, migration.checksum);
}

#[test]
fn loads_in_version_order() {
    let (_temp, dir) = tempdir();
    write(&dir, "second", datetime!(2024-05-02 00:00:00 UTC));
    // An older version written later (as a merge would bring it) still sorts first.
    write_files(
        &dir.path.join("20240101000000_first"),
        "SELECT 1;",
        "SELECT 1;",
        &Schema::default().to_json(),
    );
    let versions: Vec<String> = dir.load().unwrap().into_iter().map(|m| m.name()).collect();
    assert_eq!(versions, ["20240101000000_first", "20240502000000_second"]);
}

#[test]
fn same_second_writes_get_increasing_versions() {
    let (_temp, dir) = tempdir();
    let a = write(&dir, "a", NOW);
    let b = write(&dir, "b", NOW);
    let c = write(&dir, "c", NOW);
    assert_eq!(a.version, "20240501120000");
    assert_eq!(b.version, "20240501120001");
    assert_eq!(c.version, "20240501120002");
    // A clock behind the newest version still gets a later one.
    let d = write(&dir, "d", datetime!(2023-01-01 00:00:00 UTC));
    assert_eq!(d.version, "20240501120003");
    // Across a day boundary.
    let e = write(&dir, "e", datetime!(2024-12-31 23:59:59 UTC));
    let f = write(&dir, "f", datetime!(2024-12-31 23:59:59 UTC));
    assert_eq!(e.version, "20241231235959");
    assert_eq!(f.version, "20250101000000");
    assert_eq!(dir.load().unwrap().len(), 6);
    dir.check_sum().unwrap();
}

#[test]
fn normalizes_descriptions() {
    let (_temp, dir) = tempdir();
    assert_eq!(write(&dir, "Add Users.Email", NOW).description, "add_users_email");
    assert_eq!(
        write(&dir, "  drop-old  table ", NOW).description,
        "drop_old_table"
    );
    assert_eq!(write(&dir, "v2", NOW).description, "v2");
    for bad in ["", "   ", "--", "ééé"] {
        let error = dir.write(bad, "", "", &Schema::default(), NOW).unwrap_err();
        assert!(
            matches!(error, DirError::BadDescription { .. }),
            "{bad:?}: {error}"
        );
        assert!(
            error.to_string().contains("letters, digits and underscores"),
            "{error}"
        );
    }
}

#[test]
fn a_missing_directory_is_an_error() {
    let (_temp, dir) = tempdir();
    let error = dir.load().unwrap_err();
    assert!(matches!(error, DirError::Missing { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains(&dir.path.display().to_string()), "{message}");
    assert!(message.contains("generate <description>"), "{message}");
    assert!(dir.latest_snapshot().is_err());
}

#[test]
fn an_empty_directory_has_the_empty_schema() {
    let (_temp, dir) = tempdir();
    fs::create_dir_all(&dir.path).unwrap();
    assert!(dir.load().unwrap().is_empty());
    assert_eq!(dir.latest_snapshot().unwrap(), Schema::default());
}

#[test]
fn malformed_directory_names_are_errors() {
    for name in [
        "2024050112000_short",
        "20240501120000",
        "20240501120000_",
        "20240501120000_Capital",
        "20240501120000-dash",
        "notaversion_x",
        "20240501120000_has-dash",
    ] {
        let (_temp, dir) = tempdir();
        write_files(&dir.path.join(name), "", "", "{}");
        let error = dir.load().unwrap_err();
        assert!(matches!(error, DirError::BadName { .. }), "{name}: {error}");
        assert!(error.to_string().contains(name), "{error}");
        assert!(error.to_string().contains("YYYYMMDDHHMMSS"), "{error}");
    }
}

#[test]
fn hidden_entries_and_the_sum_file_are_ignored_but_stray_files_are_not() {
    let (_temp, dir) = tempdir();
    write(&dir, "a", NOW);
    fs::write(dir.path.join(".DS_Store"), "x").unwrap();
    fs::create_dir(dir.path.join(".tmp-20240501120005_half")).unwrap();
    assert_eq!(dir.load().unwrap().len(), 1);
    assert!(dir.path.join(SUM_FILE).exists());

    fs::write(dir.path.join("README.md"), "notes").unwrap();
    let error = dir.load().unwrap_err();
    assert!(matches!(error, DirError::StrayFile { .. }), "{error}");
    assert!(error.to_string().contains("README.md"), "{error}");
}

#[test]
fn missing_files_are_errors_that_name_the_file() {
    for file in ["up.sql", "down.sql", "schema.json"] {
        let (_temp, dir) = tempdir();
        let migration = write(&dir, "a", NOW);
        fs::remove_file(migration.path.join(file)).unwrap();
        let error = dir.load().unwrap_err();
        assert!(matches!(error, DirError::MissingFile { .. }), "{file}: {error}");
        let message = error.to_string();
        assert!(
            message.contains(&migration.path.join(file).display().to_string()),
            "{message}"
        );
    }
}

#[test]
fn a_corrupt_snapshot_names_the_file_and_the_error() {
    let (_temp, dir) = tempdir();
    let migration = write(&dir, "a", NOW);
    let path = migration.path.join("schema.json");
    fs::write(&path, "{\"tables\": [ {\"name\": 1} ]}").unwrap();
    // Loading reads it as text; it is parsed when a command needs it, and refused then.
    let loaded = dir.load().unwrap();
    let error = loaded[0].snapshot.schema().unwrap_err();
    assert!(matches!(error, DirError::BadSnapshot { .. }), "{error}");
    assert!(MigrationDir::check_snapshots(&loaded).is_err());
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains("line 1 column"),
        "the serde error is included: {message}"
    );
    assert!(dir.latest_snapshot().is_err());
}

#[test]
fn duplicate_versions_are_errors() {
    let (_temp, dir) = tempdir();
    write(&dir, "a", NOW);
    write_files(&dir.path.join("20240501120000_b"), "", "", "{}");
    let error = dir.load().unwrap_err();
    assert!(matches!(error, DirError::DuplicateVersion { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("20240501120000_a") && message.contains("20240501120000_b"),
        "{message}"
    );
}

#[test]
fn sum_file_format() {
    let (_temp, dir) = tempdir();
    let a = write(&dir, "a", NOW);
    let b = write(&dir, "b", NOW);
    let text = fs::read_to_string(dir.path.join(SUM_FILE)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(text.ends_with('\n'));
    assert_eq!(lines[1], format!("20240501120000_a h1:{}", a.checksum));
    assert_eq!(lines[2], format!("20240501120001_b h1:{}", b.checksum));
    let body = &text[lines[0].len() + 1..];
    use sha2::Digest;
    let total = hex::encode(sha2::Sha256::digest(body.as_bytes()));
    assert_eq!(lines[0], format!("h1:{total}"));
}

#[test]
fn sum_file_detects_changes() {
    let (_temp, dir) = tempdir();
    let migration = write(&dir, "a", NOW);
    dir.check_sum().unwrap();

    // An edited migration.
    fs::write(migration.path.join("up.sql"), "CREATE TABLE edited ();\n").unwrap();
    let error = dir.check_sum().unwrap_err();
    let DirError::SumStale { expected, found } = &error else {
        panic!("expected SumStale, got {error}");
    };
    assert_ne!(expected, found);
    let message = error.to_string();
    assert!(message.contains("cargo run --bin migrate -- hash"), "{message}");
    assert!(message.contains("edited or added without the tool"), "{message}");
    dir.write_sum().unwrap();
    dir.check_sum().unwrap();

    // A migration added by hand.
    write_files(
        &dir.path.join("20240601000000_by_hand"),
        "SELECT 1;",
        "SELECT 1;",
        &Schema::default().to_json(),
    );
    assert!(matches!(dir.check_sum(), Err(DirError::SumStale { .. })));
    dir.write_sum().unwrap();
    dir.check_sum().unwrap();

    // A removed migration.
    fs::remove_dir_all(dir.path.join("20240601000000_by_hand")).unwrap();
    assert!(matches!(dir.check_sum(), Err(DirError::SumStale { .. })));

    // A missing sum file.
    fs::remove_file(dir.path.join(SUM_FILE)).unwrap();
    let error = dir.check_sum().unwrap_err();
    assert!(matches!(error, DirError::SumMissing), "{error}");
    assert!(
        error.to_string().contains("cargo run --bin migrate -- hash"),
        "{error}"
    );
    dir.write_sum().unwrap();
    dir.check_sum().unwrap();
}

#[test]
fn branches_that_each_add_a_migration_change_the_same_line() {
    let (_temp, base) = tempdir();
    write(&base, "base", NOW);
    let sum_base = fs::read_to_string(base.path.join(SUM_FILE)).unwrap();

    let (_temp_a, branch_a) = tempdir();
    let (_temp_b, branch_b) = tempdir();
    for branch in [&branch_a, &branch_b] {
        fs::create_dir_all(&branch.path).unwrap();
        let from = base.load().unwrap().remove(0);
        write_files(
            &branch.path.join(from.name()),
            &from.up,
            &from.down,
            &users().to_json(),
        );
    }
    write(&branch_a, "feature_a", datetime!(2024-06-01 00:00:00 UTC));
    write(&branch_b, "feature_b", datetime!(2024-06-02 00:00:00 UTC));
    let first_line = |dir: &MigrationDir| {
        fs::read_to_string(dir.path.join(SUM_FILE))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    let base_first = sum_base.lines().next().unwrap();
    assert_ne!(first_line(&branch_a), base_first);
    assert_ne!(first_line(&branch_b), base_first);
    assert_ne!(first_line(&branch_a), first_line(&branch_b));
}

#[test]
fn no_transaction_marker() {
    let (_temp, dir) = tempdir();
    let migration = dir
        .write(
            "concurrent",
            &format!("{NO_TRANSACTION_MARKER}\nCREATE INDEX CONCURRENTLY i ON t (a);\n"),
            "DROP INDEX i;\n",
            &Schema::default(),
            NOW,
        )
        .unwrap();
    assert!(!migration.up_transactional());
    assert!(migration.down_transactional());
}

#[test]
fn a_snapshot_is_parsed_as_it_was_hashed() {
    let (_temp, dir) = tempdir();
    let migration = write(&dir, "a", NOW);
    let loaded = dir.load().unwrap();
    // Edited after loading (hashing) and before parsing: refused, not parsed as the new text.
    fs::write(migration.path.join("schema.json"), "{}\n").unwrap();
    let error = loaded[0].snapshot.schema().unwrap_err();
    assert!(matches!(error, DirError::ChangedWhileRead { .. }), "{error}");
    // Loaded again, it is what the files say now.
    assert_eq!(dir.load().unwrap()[0].snapshot, Schema::default());
}
