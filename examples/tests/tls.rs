//! TLS against a server that accepts nothing else: a private cluster whose pg_hba rejects
//! plaintext, with a certificate for `localhost` signed by a CA this test makes (rcgen). Each
//! `sslmode` does what libpq's does, `verify-full` refuses a host name the certificate does not
//! name, and the `migrate` binary applies migrations over it.

use std::path::{Path, PathBuf};
use std::process::Command;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};

struct TlsCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed under /usr/lib/postgresql (apt-get install postgresql-15)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().expect("initdb is installed")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Run a Postgres tool, as `nobody` when we are root (Postgres refuses root).
fn as_postgres_user(program: &Path, args: &[&str]) {
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    let output = command.args(args).output().expect("run a Postgres tool");
    assert!(
        output.status.success(),
        "{} {args:?}: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

struct Pki {
    ca_pem: String,
    server_cert_pem: String,
    server_key_pem: String,
    /// A CA that signed nothing of the server's.
    other_ca_pem: String,
}

fn make_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn pki() -> Pki {
    let ca = make_ca("schema-migrate test CA");
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        server_cert_pem: cert.pem(),
        server_key_pem: key.serialize_pem(),
        other_ca_pem: make_ca("another CA").pem(),
    }
}

impl TlsCluster {
    fn start(pki: &Pki) -> TlsCluster {
        let dir = tempfile::tempdir().unwrap();
        let bin = bin_dir();
        let data = dir.path().join("data");
        if is_root() {
            let status = Command::new("chown")
                .args(["nobody", &dir.path().to_string_lossy()])
                .status()
                .unwrap();
            assert!(status.success());
        }
        as_postgres_user(
            &bin.join("initdb"),
            &[
                "-D",
                &data.to_string_lossy(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let write = |name: &str, text: &str| {
            let path = data.join(name);
            std::fs::write(&path, text).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            if is_root() {
                Command::new("chown")
                    .args(["nobody", &path.to_string_lossy()])
                    .status()
                    .unwrap();
            }
        };
        write("server.crt", &pki.server_cert_pem);
        write("server.key", &pki.server_key_pem);
        // TLS only: plaintext over TCP is rejected.
        write(
            "pg_hba.conf",
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
        );
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c ssl=on -c fsync=off",
            dir.path().display()
        );
        as_postgres_user(
            &bin.join("pg_ctl"),
            &[
                "-D",
                &data.to_string_lossy(),
                "-l",
                &dir.path().join("log").to_string_lossy(),
                "-w",
                "-o",
                &options,
                "start",
            ],
        );
        TlsCluster { dir, bin, port }
    }

    fn url(&self, host: &str, params: &str) -> String {
        format!(
            "postgres://postgres@{host}:{}/postgres?connect_timeout=5{params}",
            self.port
        )
    }
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        as_postgres_user(
            &self.bin.join("pg_ctl"),
            &["-D", &data.to_string_lossy(), "-m", "immediate", "-w", "stop"],
        );
    }
}

async fn encrypted(url: &str) -> Result<bool, String> {
    let client = schema_migrate::db::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    let row = client
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

#[tokio::test]
async fn every_sslmode_against_a_tls_only_server() {
    let pki = pki();
    let cluster = TlsCluster::start(&pki);
    let certs = tempfile::tempdir().unwrap();
    let ca = certs.path().join("ca.pem");
    let other = certs.path().join("other.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    std::fs::write(&other, &pki.other_ca_pem).unwrap();
    let root = |path: &Path| format!("&sslrootcert={}", path.display());

    // Plaintext is refused by this server; libpq's default (prefer) tries TLS first.
    let refused = encrypted(&cluster.url("127.0.0.1", "&sslmode=disable"))
        .await
        .unwrap_err();
    assert!(refused.contains("no encryption"), "{refused}");
    assert_eq!(encrypted(&cluster.url("127.0.0.1", "")).await, Ok(true));
    assert_eq!(
        encrypted(&cluster.url("127.0.0.1", "&sslmode=prefer")).await,
        Ok(true)
    );
    assert_eq!(
        encrypted(&cluster.url("127.0.0.1", "&sslmode=allow")).await,
        Ok(true)
    );
    // require: encrypted, the certificate unchecked (libpq), unless a root is given.
    assert_eq!(
        encrypted(&cluster.url("127.0.0.1", "&sslmode=require")).await,
        Ok(true)
    );
    let error = encrypted(&cluster.url("127.0.0.1", &format!("&sslmode=require{}", root(&other))))
        .await
        .unwrap_err();
    assert!(error.contains("certificate"), "{error}");

    // verify-ca: the chain must lead to the root; the host name is not compared.
    assert_eq!(
        encrypted(&cluster.url("127.0.0.1", &format!("&sslmode=verify-ca{}", root(&ca)))).await,
        Ok(true)
    );
    let error = encrypted(&cluster.url("localhost", &format!("&sslmode=verify-ca{}", root(&other))))
        .await
        .unwrap_err();
    assert!(
        error.contains("UnknownIssuer") || error.contains("issuer"),
        "{error}"
    );

    // verify-full: and the certificate must name the host.
    assert_eq!(
        encrypted(&cluster.url("localhost", &format!("&sslmode=verify-full{}", root(&ca)))).await,
        Ok(true)
    );
    let error = encrypted(&cluster.url("127.0.0.1", &format!("&sslmode=verify-full{}", root(&ca))))
        .await
        .unwrap_err();
    assert!(
        error.contains("NotValidForName") || error.contains("not valid for"),
        "{error}"
    );
    assert_eq!(error.lines().count(), 1, "{error}");

    // The keyword/value form reads the same keys.
    let keywords = format!(
        "host=localhost port={} user=postgres dbname=postgres sslmode=verify-full sslrootcert='{}'",
        cluster.port,
        ca.display()
    );
    assert_eq!(encrypted(&keywords).await, Ok(true));

    // As with libpq, sslmode does not apply to the Unix-domain socket.
    let socket = format!(
        "host={} port={} user=postgres dbname=postgres sslmode=verify-full",
        cluster.dir.path().display(),
        cluster.port
    );
    assert_eq!(encrypted(&socket).await, Ok(false));

    // A missing root file is a configuration error, before any connection.
    let error = encrypted(&cluster.url(
        "localhost",
        &format!("&sslmode=verify-full{}", root(&certs.path().join("absent.pem"))),
    ))
    .await
    .unwrap_err();
    assert!(error.contains("absent.pem"), "{error}");

    // The binary migrates over verify-full: up, then status.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    let url = cluster.url("localhost", &format!("&sslmode=verify-full{}", root(&ca)));
    let migrate = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_migrate"))
            .arg("--dir")
            .arg(&dir)
            .args(args)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    for args in [&["generate", "initial"][..], &["up"], &["status"]] {
        let out = migrate(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let status = String::from_utf8_lossy(&migrate(&["status"]).stdout).into_owned();
    assert!(status.contains("initial  applied"), "{status}");
    let bad = Command::new(env!("CARGO_BIN_EXE_migrate"))
        .arg("--dir")
        .arg(&dir)
        .arg("status")
        .env(
            "DATABASE_URL",
            cluster.url("127.0.0.1", &format!("&sslmode=verify-full{}", root(&ca))),
        )
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&bad.stderr).trim().lines().count(), 1);
}
