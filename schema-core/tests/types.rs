//! The standard column types: arithmetic, parsing, validation, serde, and a round trip through a
//! real PostgreSQL server.

use std::fmt::Debug;

use proptest::prelude::*;
use schema_core::postgres_types::{FromSqlOwned, ToSql};
use schema_core::time::OffsetDateTime;
use schema_core::time::macros::datetime;
use schema_core::types::{MoneyError, PasswordHashError, TokenHashError};
use schema_core::{Json, Money, OrganizationId, PasswordHash, Timestamp, TokenHash, Uuid};
use serde::{Deserialize, Serialize};

const ARGON2: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
const BCRYPT: &str = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";

// ---------------------------------------------------------------------------------------------
// Money

fn m(cents: i64) -> Money {
    Money::from_cents(cents)
}

#[test]
fn money_constructors() {
    assert_eq!(Money::ZERO.cents(), 0);
    assert_eq!(m(12345).cents(), 12345);
    assert_eq!(Money::default(), Money::ZERO);
}

#[test]
fn money_checked_arithmetic() {
    assert_eq!(m(150).checked_add(m(250)), Ok(m(400)));
    assert_eq!(m(150).checked_sub(m(250)), Ok(m(-100)));
    assert_eq!(m(150).checked_mul(3), Ok(m(450)));
    assert_eq!(m(150).checked_neg(), Ok(m(-150)));

    assert_eq!(m(i64::MAX).checked_add(m(1)), Err(MoneyError::Overflow));
    assert_eq!(m(i64::MIN).checked_sub(m(1)), Err(MoneyError::Overflow));
    assert_eq!(m(i64::MAX).checked_mul(2), Err(MoneyError::Overflow));
    assert_eq!(m(i64::MIN).checked_mul(-1), Err(MoneyError::Overflow));
    assert_eq!(m(i64::MIN).checked_neg(), Err(MoneyError::Overflow));
}

#[test]
fn money_saturating_arithmetic() {
    assert_eq!(m(1).saturating_add(m(2)), m(3));
    assert_eq!(m(i64::MAX).saturating_add(m(1)), m(i64::MAX));
    assert_eq!(m(i64::MIN).saturating_sub(m(1)), m(i64::MIN));
    assert_eq!(m(i64::MAX).saturating_mul(-2), m(i64::MIN));
    assert_eq!(m(i64::MIN).saturating_neg(), m(i64::MAX));
    assert_eq!(m(5).saturating_neg(), m(-5));
}

#[test]
fn money_checked_sum() {
    assert_eq!(Money::checked_sum([m(1), m(2), m(3)]), Ok(m(6)));
    assert_eq!(Money::checked_sum(Vec::new()), Ok(Money::ZERO));
    assert_eq!(
        Money::checked_sum([m(i64::MAX), m(1), m(-5)]),
        Err(MoneyError::Overflow)
    );
}

#[test]
fn money_percent_basis_points() {
    // 10 % of 123.45 = 12.345 → 12.35 (half away from zero).
    assert_eq!(m(12345).percent_basis_points(1000), Ok(m(1235)));
    assert_eq!(m(-12345).percent_basis_points(1000), Ok(m(-1235)));
    assert_eq!(m(12345).percent_basis_points(-1000), Ok(m(-1235)));
    // 12.344 → 12.34, 12.346 → 12.35.
    assert_eq!(m(12344).percent_basis_points(1000), Ok(m(1234)));
    assert_eq!(m(12346).percent_basis_points(1000), Ok(m(1235)));
    // 1 % of 0.50 = 0.005 → 0.01; of 0.49 → 0.00.
    assert_eq!(m(50).percent_basis_points(100), Ok(m(1)));
    assert_eq!(m(-50).percent_basis_points(100), Ok(m(-1)));
    assert_eq!(m(49).percent_basis_points(100), Ok(m(0)));
    assert_eq!(m(10_000).percent_basis_points(10_000), Ok(m(10_000)));
    assert_eq!(m(0).percent_basis_points(i64::MAX), Ok(m(0)));
    // Exact intermediate in i128: no overflow until the result itself does not fit.
    assert_eq!(m(i64::MAX).percent_basis_points(5_000), Ok(m(i64::MAX / 2 + 1)));
    assert_eq!(
        m(i64::MAX).percent_basis_points(20_000),
        Err(MoneyError::Overflow)
    );
    assert_eq!(
        m(i64::MIN).percent_basis_points(-10_000),
        Err(MoneyError::Overflow)
    );
}

#[test]
fn money_display() {
    assert_eq!(m(12345).to_string(), "123.45");
    assert_eq!(m(-5).to_string(), "-0.05");
    assert_eq!(m(0).to_string(), "0.00");
    assert_eq!(m(700).to_string(), "7.00");
    assert_eq!(m(-100).to_string(), "-1.00");
    assert_eq!(m(i64::MAX).to_string(), "92233720368547758.07");
    assert_eq!(m(i64::MIN).to_string(), "-92233720368547758.08");
    assert_eq!(format!("{:>8}", m(150)), "    1.50");
}

#[test]
fn money_parse() {
    assert_eq!("123.45".parse(), Ok(m(12345)));
    assert_eq!("-0.05".parse(), Ok(m(-5)));
    assert_eq!("7".parse(), Ok(m(700)));
    assert_eq!("1.5".parse(), Ok(m(150)));
    assert_eq!("+2.00".parse(), Ok(m(200)));
    assert_eq!("-0".parse(), Ok(m(0)));
    assert_eq!("92233720368547758.07".parse(), Ok(m(i64::MAX)));
    assert_eq!("-92233720368547758.08".parse(), Ok(m(i64::MIN)));
}

#[test]
fn money_parse_rejects() {
    assert_eq!("".parse::<Money>(), Err(MoneyError::Empty));
    assert!(matches!(
        "1.234".parse::<Money>(),
        Err(MoneyError::TooManyDecimals(_))
    ));
    assert!(matches!(
        "0.001".parse::<Money>(),
        Err(MoneyError::TooManyDecimals(_))
    ));
    for garbage in [
        "abc", "-", "+", ".", "1.", ".5", "1.2.3", "1,50", " 1", "1 ", "1e3", "--1", "0x10", "1.-5", "NaN",
        "١",
    ] {
        assert!(
            matches!(garbage.parse::<Money>(), Err(MoneyError::Parse(_))),
            "{garbage:?} should not parse"
        );
    }
    assert_eq!("92233720368547758.08".parse::<Money>(), Err(MoneyError::Overflow));
    assert_eq!(
        "-92233720368547758.09".parse::<Money>(),
        Err(MoneyError::Overflow)
    );
    assert_eq!(
        "999999999999999999999999999999999999999999999999".parse::<Money>(),
        Err(MoneyError::Overflow)
    );
}

#[test]
fn money_error_messages() {
    assert_eq!(MoneyError::Overflow.to_string(), "money arithmetic overflowed");
    let err = "1.234".parse::<Money>().unwrap_err().to_string();
    assert!(err.contains("1.234") && err.contains("2 decimal"), "{err}");
    let err = "abc".parse::<Money>().unwrap_err().to_string();
    assert!(err.contains("abc"), "{err}");
}

#[test]
fn money_serde_is_integer_cents() {
    assert_eq!(serde_json::to_string(&m(12345)).unwrap(), "12345");
    assert_eq!(serde_json::from_str::<Money>("-5").unwrap(), m(-5));
    assert!(serde_json::from_str::<Money>("1.5").is_err());
    assert!(serde_json::from_str::<Money>("\"1.50\"").is_err());
}

proptest! {
    #[test]
    fn money_display_parse_round_trips(cents in any::<i64>()) {
        let money = m(cents);
        prop_assert_eq!(money.to_string().parse::<Money>(), Ok(money));
    }

    #[test]
    fn money_serde_round_trips(cents in any::<i64>()) {
        let json = serde_json::to_string(&m(cents)).unwrap();
        prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m(cents));
    }

    #[test]
    fn money_checked_add_matches_i128(a in any::<i64>(), b in any::<i64>()) {
        let exact = i128::from(a) + i128::from(b);
        match i64::try_from(exact) {
            Ok(sum) => prop_assert_eq!(m(a).checked_add(m(b)), Ok(m(sum))),
            Err(_) => prop_assert_eq!(m(a).checked_add(m(b)), Err(MoneyError::Overflow)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// OrganizationId

#[test]
fn organization_id_new_is_v7_and_ordered() {
    let a = OrganizationId::new();
    std::thread::sleep(std::time::Duration::from_millis(2));
    let b = OrganizationId::new();
    assert_eq!(a.as_uuid().get_version_num(), 7);
    assert_ne!(a, b);
    assert!(a < b, "UUIDv7 sorts by creation time");
}

#[test]
fn organization_id_conversions_display_parse_serde() {
    let uuid = Uuid::parse_str("0190a6f2-3b4c-7d5e-8f60-718293a4b5c6").unwrap();
    let id = OrganizationId::from_uuid(uuid);
    assert_eq!(*id.as_uuid(), uuid);
    assert_eq!(Uuid::from(id), uuid);
    assert_eq!(OrganizationId::from(uuid), id);
    assert_eq!(id.to_string(), "0190a6f2-3b4c-7d5e-8f60-718293a4b5c6");
    assert_eq!(
        "0190a6f2-3b4c-7d5e-8f60-718293a4b5c6"
            .parse::<OrganizationId>()
            .unwrap(),
        id
    );
    assert!("not-a-uuid".parse::<OrganizationId>().is_err());

    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, "\"0190a6f2-3b4c-7d5e-8f60-718293a4b5c6\"");
    assert_eq!(serde_json::from_str::<OrganizationId>(&json).unwrap(), id);
}

// ---------------------------------------------------------------------------------------------
// Timestamp

#[test]
fn timestamp_conversions_and_display() {
    let odt = datetime!(2024-05-01 12:30:00.123456 UTC);
    let ts = Timestamp::from_offset_datetime(odt);
    assert_eq!(*ts.as_offset_datetime(), odt);
    assert_eq!(Timestamp::from(odt), ts);
    assert_eq!(OffsetDateTime::from(ts), odt);
    assert_eq!(ts.to_string(), "2024-05-01T12:30:00.123456Z");

    // Another offset is the same instant, normalized to UTC.
    let shifted = Timestamp::from_offset_datetime(datetime!(2024-05-01 14:30:00.123456 +02:00));
    assert_eq!(shifted, ts);
    assert_eq!(shifted.to_string(), "2024-05-01T12:30:00.123456Z");
}

#[test]
fn timestamp_now_is_utc_and_microsecond_precise() {
    let now = Timestamp::now();
    assert!(now.as_offset_datetime().offset().is_utc());
    assert_eq!(now.as_offset_datetime().nanosecond() % 1000, 0);
}

#[test]
fn timestamp_serde_is_rfc3339() {
    let ts = Timestamp::from(datetime!(2024-05-01 12:30:00 UTC));
    let json = serde_json::to_string(&ts).unwrap();
    assert_eq!(json, "\"2024-05-01T12:30:00Z\"");
    assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), ts);
    assert_eq!(
        serde_json::from_str::<Timestamp>("\"2024-05-01T14:30:00+02:00\"").unwrap(),
        ts
    );
    assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    assert!(serde_json::from_str::<Timestamp>("1714566600").is_err());
}

// ---------------------------------------------------------------------------------------------
// PasswordHash

#[test]
fn password_hash_accepts_phc_strings() {
    for hash in [
        ARGON2,
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        "$argon2i$m=4096,t=3,p=1$c2FsdA$aGFzaA",
        BCRYPT,
        "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
        "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA",
        "$pbkdf2-sha256$i=600000$c2FsdA$aGFzaA",
    ] {
        let parsed = PasswordHash::from_phc(hash).unwrap_or_else(|e| panic!("{hash}: {e}"));
        assert_eq!(parsed.as_str(), hash);
    }
}

#[test]
fn password_hash_rejects_everything_else() {
    for not_hash in [
        "hunter2",
        "$",
        "",
        "$$",
        "$argon2id",
        "$argon2id$",
        "$Argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA",
        "$argon2id$v=19$hunter2$c2FsdA$aGFzaA",
        "$argon2id$v=19$m=19456,t=2,p=1$c2F sdA$aGFzaA",
        "$2b$12$tooshort",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW$extra",
        "$2b$1x$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        "$this-algorithm-id-is-longer-than-32$abc",
        "$sha512$hunter 2",
        "argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        " $argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
    ] {
        assert_eq!(
            PasswordHash::from_phc(not_hash),
            Err(PasswordHashError::NotPhc),
            "{not_hash:?} must be rejected"
        );
    }
    let long = format!("$scrypt${}", "a".repeat(2000));
    assert!(PasswordHash::from_phc(long).is_err());
}

#[test]
fn password_hash_error_does_not_echo_input() {
    let err = PasswordHash::try_from("hunter2").unwrap_err().to_string();
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn password_hash_debug_is_redacted() {
    let hash = PasswordHash::from_phc(ARGON2).unwrap();
    assert_eq!(format!("{hash:?}"), "PasswordHash(<redacted>)");
    assert!(!format!("{:?}", Some(&hash)).contains("argon2"));
}

#[test]
fn password_hash_serde_validates() {
    let hash = PasswordHash::from_phc(BCRYPT).unwrap();
    let json = serde_json::to_string(&hash).unwrap();
    assert_eq!(json, serde_json::to_string(BCRYPT).unwrap());
    assert_eq!(serde_json::from_str::<PasswordHash>(&json).unwrap(), hash);
    let err = serde_json::from_str::<PasswordHash>("\"hunter2\"").unwrap_err();
    assert!(err.to_string().contains("PHC"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// TokenHash

#[test]
fn token_hash_is_sha256() {
    // SHA-256("abc"), FIPS 180-2 test vector.
    let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(TokenHash::of(b"abc").to_hex(), expected);
    assert_eq!(TokenHash::of(b"abc").as_bytes().to_vec(), hex_decode(expected));
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn token_hash_verify() {
    let hash = TokenHash::of(b"sk_live_secret");
    assert!(hash.verify(b"sk_live_secret"));
    assert!(!hash.verify(b"sk_live_secreT"));
    assert!(!hash.verify(b""));
    assert_eq!(TokenHash::from_bytes(*hash.as_bytes()), hash);
}

#[test]
fn token_hash_debug_is_redacted() {
    let hash = TokenHash::of(b"abc");
    assert_eq!(format!("{hash:?}"), "TokenHash(<redacted>)");
}

#[test]
fn token_hash_serde_is_hex() {
    let hash = TokenHash::of(b"abc");
    let json = serde_json::to_string(&hash).unwrap();
    assert_eq!(
        json,
        "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""
    );
    assert_eq!(serde_json::from_str::<TokenHash>(&json).unwrap(), hash);
    assert!(serde_json::from_str::<TokenHash>("\"abcd\"").is_err());
    assert!(serde_json::from_str::<TokenHash>("\"zz\"").is_err());
    assert_eq!(TokenHash::from_hex("abcd"), Err(TokenHashError::WrongLength(2)));
    assert_eq!(
        TokenHash::try_from(&[0u8; 31][..]),
        Err(TokenHashError::WrongLength(31))
    );
}

// ---------------------------------------------------------------------------------------------
// Json<T>

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Payload {
    provider: String,
    attempts: u32,
    tags: Vec<String>,
}

fn payload() -> Payload {
    Payload {
        provider: "stripe".into(),
        attempts: 3,
        tags: vec!["a".into(), "b\"c".into()],
    }
}

#[test]
fn json_deref_and_serde_transparent() {
    let mut doc = Json(payload());
    assert_eq!(doc.provider, "stripe");
    doc.attempts += 1;
    assert_eq!(doc.0.attempts, 4);

    let json = serde_json::to_string(&doc).unwrap();
    assert_eq!(json, serde_json::to_string(&doc.0).unwrap());
    assert_eq!(serde_json::from_str::<Json<Payload>>(&json).unwrap(), doc);
    assert_eq!(doc.clone().into_inner(), doc.0);
}

// ---------------------------------------------------------------------------------------------
// `accepts`: each type binds only to its own PostgreSQL type.

#[test]
fn accepts_exactly_the_right_types() {
    use schema_core::postgres_types::{FromSql, Type};

    fn only<T: ToSql + for<'a> FromSql<'a>>(ok: &[Type]) {
        let all = [
            Type::INT2,
            Type::INT4,
            Type::INT8,
            Type::UUID,
            Type::TEXT,
            Type::VARCHAR,
            Type::BPCHAR,
            Type::NAME,
            Type::BYTEA,
            Type::JSON,
            Type::JSONB,
            Type::TIMESTAMP,
            Type::TIMESTAMPTZ,
            Type::NUMERIC,
            Type::MONEY,
        ];
        for ty in &all {
            let want = ok.contains(ty);
            assert_eq!(
                <T as ToSql>::accepts(ty),
                want,
                "{} ToSql {ty}",
                std::any::type_name::<T>()
            );
            assert_eq!(
                <T as FromSql>::accepts(ty),
                want,
                "{} FromSql {ty}",
                std::any::type_name::<T>()
            );
        }
    }

    only::<Money>(&[Type::INT8]);
    only::<OrganizationId>(&[Type::UUID]);
    only::<Timestamp>(&[Type::TIMESTAMPTZ]);
    only::<PasswordHash>(&[Type::TEXT, Type::VARCHAR]);
    only::<TokenHash>(&[Type::BYTEA]);
    only::<Json<Payload>>(&[Type::JSONB, Type::JSON]);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL round trip: `SELECT $1::<type>` and read the value back.

const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

async fn connect() -> tokio_postgres::Client {
    let from_env = std::env::var("DATABASE_URL").ok();
    let url = from_env
        .clone()
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    let (client, connection) = match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
        Ok(pair) => pair,
        Err(err) => {
            let mut cause = err.to_string();
            let mut source = std::error::Error::source(&err);
            while let Some(inner) = source {
                cause.push_str(&format!(": {inner}"));
                source = inner.source();
            }
            let origin = if from_env.is_some() {
                "from DATABASE_URL"
            } else {
                "the default; DATABASE_URL is not set"
            };
            panic!(
                "cannot connect to PostgreSQL at {} ({origin}): {cause}\n\
                 These tests need a running PostgreSQL server: start one, or set DATABASE_URL to \
                 a reachable server, e.g. DATABASE_URL=postgres://user:password@host:5432/postgres",
                redact_password(&url)
            )
        }
    };
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            eprintln!("PostgreSQL connection error: {err}");
        }
    });
    client
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

async fn round_trip<T>(client: &tokio_postgres::Client, sql_type: &str, value: T)
where
    T: ToSql + FromSqlOwned + PartialEq + Debug + Sync,
{
    let sql = format!("SELECT $1::{sql_type}");
    let row = client
        .query_one(&sql, &[&value])
        .await
        .unwrap_or_else(|e| panic!("{sql} with {value:?}: {e}"));
    let back: T = row
        .try_get(0)
        .unwrap_or_else(|e| panic!("{sql}: reading back: {e}"));
    assert_eq!(back, value, "{sql}");

    // NULL as `Option<T>`.
    let row = client
        .query_one(&sql, &[&None::<T>])
        .await
        .unwrap_or_else(|e| panic!("{sql} with NULL: {e}"));
    assert_eq!(row.try_get::<_, Option<T>>(0).unwrap(), None, "{sql} NULL");
}

#[tokio::test]
async fn postgres_round_trips() {
    let client = connect().await;

    for cents in [0, 1, -5, 12345, i64::MAX, i64::MIN] {
        round_trip(&client, "int8", m(cents)).await;
    }
    round_trip(&client, "bigint", m(-700)).await;

    round_trip(&client, "uuid", OrganizationId::new()).await;
    round_trip(&client, "uuid", OrganizationId::from_uuid(Uuid::nil())).await;

    round_trip(&client, "timestamptz", Timestamp::now()).await;
    round_trip(
        &client,
        "timestamptz",
        Timestamp::from(datetime!(1999-12-31 23:59:59.999999 -08:00)),
    )
    .await;

    round_trip(&client, "text", PasswordHash::from_phc(ARGON2).unwrap()).await;
    round_trip(&client, "varchar", PasswordHash::from_phc(BCRYPT).unwrap()).await;

    round_trip(&client, "bytea", TokenHash::of(b"sk_live_secret")).await;
    round_trip(&client, "bytea", TokenHash::from_bytes([0; 32])).await;

    round_trip(&client, "jsonb", Json(payload())).await;
    round_trip(&client, "json", Json(payload())).await;
    round_trip(
        &client,
        "jsonb",
        Json(serde_json::json!({"nested": [1, null, "x"]})),
    )
    .await;
    round_trip(&client, "jsonb", Json(vec![1_i64, 2, 3])).await;
}

#[tokio::test]
async fn postgres_values_are_read_as_postgres_wrote_them() {
    let client = connect().await;

    let row = client
        .query_one(
            "SELECT 12345::int8, '-0.05'::numeric, '0190a6f2-3b4c-7d5e-8f60-718293a4b5c6'::uuid, \
             '2024-05-01 14:30:00.5+02'::timestamptz, '{\"provider\": \"x\", \"attempts\": 1, \"tags\": []}'::jsonb",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Money>(0), m(12345));
    assert!(row.try_get::<_, Money>(1).is_err(), "numeric is not Money");
    assert_eq!(
        row.get::<_, OrganizationId>(2).to_string(),
        "0190a6f2-3b4c-7d5e-8f60-718293a4b5c6"
    );
    assert_eq!(
        row.get::<_, Timestamp>(3),
        Timestamp::from(datetime!(2024-05-01 12:30:00.5 UTC))
    );
    assert_eq!(row.get::<_, Json<Payload>>(4).provider, "x");

    // What the database itself computes for our bytes.
    let row = client
        .query_one(
            "SELECT sha256('abc'::bytea) = $1, $2::jsonb ->> 'provider'",
            &[&TokenHash::of(b"abc"), &Json(payload())],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0));
    assert_eq!(row.get::<_, String>(1), "stripe");
}

#[tokio::test]
async fn postgres_rejects_invalid_values() {
    let client = connect().await;

    // A plaintext password in the database is an error, not a `PasswordHash`.
    let row = client.query_one("SELECT 'hunter2'::text", &[]).await.unwrap();
    let err = row.try_get::<_, PasswordHash>(0).unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");

    // A token hash is exactly 32 bytes.
    let row = client
        .query_one(
            "SELECT '\\x0102'::bytea, sha256('x'::bytea) || '\\x00'::bytea",
            &[],
        )
        .await
        .unwrap();
    assert!(row.try_get::<_, TokenHash>(0).is_err());
    assert!(row.try_get::<_, TokenHash>(1).is_err());

    // JSON that does not fit `T`.
    let row = client.query_one("SELECT '{\"x\": 1}'::jsonb", &[]).await.unwrap();
    assert!(row.try_get::<_, Json<Payload>>(0).is_err());

    // Wrong column types are refused when binding.
    assert!(client.query_one("SELECT $1::int4", &[&m(1)]).await.is_err());
    assert!(
        client
            .query_one("SELECT $1::timestamp", &[&Timestamp::now()])
            .await
            .is_err()
    );
    assert!(
        client
            .query_one("SELECT $1::text", &[&TokenHash::of(b"x")])
            .await
            .is_err()
    );
}
