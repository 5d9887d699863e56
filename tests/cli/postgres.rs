//! A throwaway PostgreSQL cluster for the tests, started once per test run from the system's
//! binaries (initdb, pg_ctl) in a temporary folder on a free port, as the unprivileged user
//! `postgres` when the tests run as root. A watchdog stops it and removes its folder when the
//! test process ends. Each test gets a database of its own.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{Connection, Row};

use crate::runtime;

pub(crate) struct Server {
    port: u16,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// The cluster, started on first use. Fails the test with what to install when the server
/// binaries are missing: PostgreSQL tests never skip.
fn server() -> &'static Server {
    match SERVER.get_or_init(start) {
        Ok(server) => server,
        Err(message) => panic!("{message}"),
    }
}

fn binaries() -> Option<PathBuf> {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|text| PathBuf::from(text.trim()));
    let mut candidates: Vec<PathBuf> = from_pg_config.into_iter().collect();
    if let Ok(versions) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut found: Vec<PathBuf> = versions
            .flatten()
            .map(|entry| entry.path().join("bin"))
            .collect();
        found.sort();
        candidates.extend(found.into_iter().rev());
    }
    candidates.into_iter().find(|folder| {
        folder.join("initdb").exists()
            && folder.join("postgres").exists()
            && folder.join("pg_ctl").exists()
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// `program` run as the server's user: `postgres` under root (PostgreSQL refuses root).
fn as_server_user(program: &Path, root: bool) -> Command {
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|error| format!("no free port: {error}"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|error| error.to_string())
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|error| format!("{what}: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn start() -> Result<Server, String> {
    let bin = binaries().ok_or(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install them, e.g. `apt-get install -y postgresql`",
    )?;
    let root = is_root();
    let folder = std::env::temp_dir().join(format!("intake-test-pg-{}", std::process::id()));
    let data = folder.join("data");
    std::fs::create_dir_all(&folder).map_err(|error| format!("{}: {error}", folder.display()))?;
    if root {
        run(
            {
                let mut command = Command::new("chown");
                command.args(["-R", "postgres:postgres"]).arg(&folder);
                command
            },
            "chown the cluster's folder to postgres",
        )?;
    }
    let mut initdb = as_server_user(&bin.join("initdb"), root);
    initdb.arg("-D").arg(&data).args([
        "-U",
        "intake",
        "--auth=trust",
        "-E",
        "UTF8",
        "--no-locale",
        "-N",
    ]);
    run(initdb, "initdb")?;
    let port = free_port()?;
    let options = format!(
        "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        folder.display()
    );
    let mut pg_ctl = as_server_user(&bin.join("pg_ctl"), root);
    pg_ctl
        .arg("-D")
        .arg(&data)
        .args(["-w", "-t", "60", "-l"])
        .arg(folder.join("server.log"))
        .args(["-o", &options, "start"])
        .stdout(Stdio::null());
    run(pg_ctl, "pg_ctl start")?;
    // Stop the cluster and remove it when this test process is gone, however it ends.
    let stop = format!(
        "{}{} -D {} -m immediate stop",
        if root { "runuser -u postgres -- " } else { "" },
        bin.join("pg_ctl").display(),
        data.display()
    );
    let watchdog = format!(
        "while kill -0 {} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {}",
        std::process::id(),
        folder.display()
    );
    Command::new("sh")
        .args(["-c", &watchdog])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("watchdog: {error}"))?;
    Ok(Server { port })
}

/// A new, empty database on the test cluster; its URL.
pub(crate) fn new_database() -> String {
    let server = server();
    let name = format!("test_{}", DATABASES.fetch_add(1, Ordering::SeqCst));
    let admin = format!("postgres://intake@127.0.0.1:{}/postgres", server.port);
    runtime().block_on(async {
        let mut connection = sqlx::PgConnection::connect(&admin)
            .await
            .expect("connect to the test cluster");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut connection)
            .await
            .expect("create a test database");
    });
    format!("postgres://intake@127.0.0.1:{}/{name}", server.port)
}

/// A column's value as text, whatever its type.
fn cell(row: &sqlx::postgres::PgRow, index: usize) -> Option<String> {
    if let Ok(text) = row.try_get::<Option<String>, _>(index) {
        return text;
    }
    if let Ok(number) = row.try_get::<Option<i64>, _>(index) {
        return number.map(|number| number.to_string());
    }
    if let Ok(number) = row.try_get::<Option<i32>, _>(index) {
        return number.map(|number| number.to_string());
    }
    if let Ok(value) = row.try_get::<Option<bool>, _>(index) {
        return value.map(|value| value.to_string());
    }
    if let Ok(number) = row.try_get::<Option<rust_decimal::Decimal>, _>(index) {
        return number.map(|number| number.to_string());
    }
    if let Ok(date) = row.try_get::<Option<chrono::NaiveDate>, _>(index) {
        return date.map(|date| date.to_string());
    }
    if let Ok(datetime) = row.try_get::<Option<chrono::NaiveDateTime>, _>(index) {
        return datetime.map(|datetime| datetime.format("%Y-%m-%d %H:%M:%S").to_string());
    }
    panic!("column {index}: a type the tests cannot show")
}

pub(crate) fn query(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    runtime().block_on(async {
        let mut connection = sqlx::PgConnection::connect(url)
            .await
            .expect("connect to the test database");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(&mut connection)
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"));
        rows.iter()
            .map(|row| (0..row.len()).map(|index| cell(row, index)).collect())
            .collect()
    })
}
