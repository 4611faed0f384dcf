//! A Postgres server to verify migrations on: the one DATABASE_URL names (or the local default),
//! or, when none is reachable but Postgres is installed, a private throwaway cluster (initdb in a
//! temporary directory, run as an unprivileged user when we are root) removed afterwards.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::db;
use crate::error::Error;

/// The local server tried when DATABASE_URL is not set.
pub const LOCAL_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A reachable server, possibly one we started.
pub struct Server {
    url: String,
    private: Option<PrivateCluster>,
}

impl Server {
    /// DATABASE_URL's server, else the local one, else a private cluster.
    pub async fn find(database_url: Option<&str>) -> Result<Server, Error> {
        let url = database_url
            .filter(|u| !u.is_empty())
            .unwrap_or(LOCAL_SERVER)
            .to_owned();
        match db::connect(&url).await {
            Ok(_) => Ok(Server { url, private: None }),
            Err(error @ Error::BadUrl { .. }) => Err(error),
            Err(error) => match find_bin_dir() {
                Some(bin) => {
                    eprintln!(
                        "no server reachable at {}; starting a private throwaway cluster",
                        db::redact(&url)
                    );
                    let cluster = PrivateCluster::start(&bin)?;
                    let url = cluster.url();
                    db::connect(&url).await?;
                    Ok(Server {
                        url,
                        private: Some(cluster),
                    })
                }
                None => Err(Error::Other(format!(
                    "{error}; and Postgres is not installed here (no initdb found) to start a private one"
                ))),
            },
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_private(&self) -> bool {
        self.private.is_some()
    }

    /// Stop and remove a private cluster (also done on drop).
    pub async fn stop(self) {
        drop(self.private);
    }
}

/// The directory holding initdb and pg_ctl.
pub fn find_bin_dir() -> Option<PathBuf> {
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if dir.join("initdb").exists() {
            return Some(dir);
        }
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    candidates.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    candidates.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A cluster in a temporary directory, stopped and removed on drop.
pub struct PrivateCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    run_as: Option<&'static str>,
}

impl PrivateCluster {
    pub fn start(bin: &Path) -> Result<PrivateCluster, Error> {
        PrivateCluster::start_with(bin, &[])
    }

    /// A cluster started with these server settings (`("shared_preload_libraries",
    /// "pg_stat_statements")`), which only a server start can take.
    pub fn start_with(bin: &Path, settings: &[(&str, &str)]) -> Result<PrivateCluster, Error> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("schema-migrate-{}-{nanos:x}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            message: "cannot create a directory for the private cluster",
            path: dir.clone(),
            source,
        })?;
        // Postgres refuses to run as root.
        let run_as = is_root().then_some("nobody");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(54329);
        let cluster = PrivateCluster {
            bin: bin.to_owned(),
            dir,
            port,
            run_as,
        };
        if let Some(user) = run_as {
            cluster.run(
                Command::new("chown").args([user, &cluster.dir.to_string_lossy()]),
                false,
            )?;
        }
        let data = cluster.dir.join("data");
        let initdb = cluster.bin.join("initdb");
        cluster.run(
            Command::new(initdb).arg("-D").arg(&data).args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ]),
            true,
        )?;
        let mut options = format!(
            "-p {} -k {} -c listen_addresses='' -c fsync=off -c full_page_writes=off",
            cluster.port,
            cluster.dir.display()
        );
        for (name, value) in settings {
            options.push_str(&format!(" -c {name}={value}"));
        }
        cluster.run(
            Command::new(cluster.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(cluster.dir.join("server.log"))
                .args(["-w", "-o", &options, "start"]),
            true,
        )?;
        Ok(cluster)
    }

    pub fn url(&self) -> String {
        format!(
            "host={} port={} user=postgres dbname=postgres",
            self.dir.display(),
            self.port
        )
    }

    fn run(&self, command: &mut Command, as_user: bool) -> Result<(), Error> {
        let mut command = match (as_user, self.run_as) {
            (true, Some(user)) => {
                let mut wrapped = Command::new("runuser");
                wrapped
                    .args(["-u", user, "--"])
                    .arg(command.get_program())
                    .args(command.get_args());
                wrapped
            }
            _ => std::mem::replace(command, Command::new("true")),
        };
        let output = command.output().map_err(|source| Error::Io {
            message: "cannot run a Postgres tool for the private cluster",
            path: self.bin.clone(),
            source,
        })?;
        if !output.status.success() {
            return Err(Error::Other(format!(
                "starting a private Postgres cluster failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(())
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.run(
            Command::new(self.bin.join("pg_ctl")).arg("-D").arg(&data).args([
                "-m",
                "immediate",
                "-w",
                "stop",
            ]),
            true,
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
