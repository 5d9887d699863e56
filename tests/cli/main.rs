//! intake through its binary: real files in a temporary directory, a real SQLite file, and the
//! exact exit codes, report contents and rows in the database afterwards. This file is the
//! harness; the tests are in the modules, one per part of the product.

mod accuracy;
mod backups;
mod frictionless;
mod llm;
mod loading;
mod mapping;
mod pipeline;
mod postgres;
mod quirks;
mod reading;
mod safety;
mod tables;
mod unseen;
mod validation;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use sqlx::{ConnectOptions, Row};

/// A database the stage-3 tests run against: each runs on both.
pub(crate) enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Target {
    /// What `--db` takes.
    pub(crate) fn url(&self) -> String {
        match self {
            Target::Sqlite(path) => format!("sqlite://{}", path.display()),
            Target::Postgres(url) => url.clone(),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Target::Sqlite(_) => "sqlite",
            Target::Postgres(_) => "postgres",
        }
    }

    /// Rows of a query, each column as text (NULL as None).
    pub(crate) fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        match self {
            Target::Sqlite(path) => query(path, sql),
            Target::Postgres(url) => postgres::query(url, sql),
        }
    }
}

/// One run of the binary.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|error| {
            panic!(
                "stdout is not JSON ({error}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// A temporary working directory: the default `intake.db` lands here.
pub(crate) struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    pub(crate) fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write a test file");
        path.display().to_string()
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// A run with `variables` set in its environment (all others of intake's unset).
    pub(crate) fn run_with(&self, args: &[&str], variables: &[(&str, &str)]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_intake"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("INTAKE_BACKUP_DIR")
            .env_remove("INTAKE_LLM_KEY")
            .env_remove("OPENAI_API_KEY")
            .env_remove("GROQ_API_KEY")
            .env_remove("GEMINI_API_KEY")
            .env_remove("HF_TOKEN")
            .stdin(Stdio::null());
        for (name, value) in variables {
            command.env(name, value);
        }
        let output = command.output().expect("run intake");
        let run = Run {
            code: output.status.code().expect("an exit code, not a signal"),
            stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
            stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
        };
        assert!(
            !run.stderr.contains("panicked"),
            "intake panicked:\n{}",
            run.stderr
        );
        run
    }

    /// The SQLite file of this workspace and a fresh PostgreSQL database.
    pub(crate) fn targets(&self) -> Vec<Target> {
        vec![
            Target::Sqlite(self.path("target.db")),
            Target::Postgres(postgres::new_database()),
        ]
    }

    /// Rows of a query on `intake.db` in this workspace; each column as text (NULL as None).
    pub(crate) fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        query(&self.path("intake.db"), sql)
    }
}

pub(crate) fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
        .display()
        .to_string()
}

/// A runtime for the tests' own database work.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

pub(crate) fn query(database: &Path, sql: &str) -> Vec<Vec<Option<String>>> {
    runtime().block_on(async {
        let mut connection = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(database)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap_or_else(|error| panic!("open {}: {error}", database.display()));
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(&mut connection)
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"));
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|index| sqlite_cell(row, index))
                    .collect()
            })
            .collect()
    })
}

/// A SQLite value as text, whatever its storage class.
fn sqlite_cell(row: &sqlx::sqlite::SqliteRow, index: usize) -> Option<String> {
    if let Ok(text) = row.try_get::<Option<String>, _>(index) {
        return text;
    }
    if let Ok(number) = row.try_get::<Option<i64>, _>(index) {
        return number.map(|number| number.to_string());
    }
    row.try_get::<Option<f64>, _>(index)
        .unwrap_or_else(|error| panic!("column {index}: {error}"))
        .map(|number| number.to_string())
}

pub(crate) fn texts(rows: &[&[Option<&str>]]) -> Vec<Vec<Option<String>>> {
    rows.iter()
        .map(|row| row.iter().map(|cell| cell.map(str::to_string)).collect())
        .collect()
}

/// (column, field, method) of each mapping entry.
pub(crate) fn mapping_of(document: &Value) -> Vec<(String, Option<String>, Option<String>)> {
    document["mapping"]
        .as_array()
        .expect("a mapping array")
        .iter()
        .map(|entry| {
            (
                entry["column"].as_str().expect("a column").to_string(),
                entry["field"].as_str().map(str::to_string),
                entry["method"].as_str().map(str::to_string),
            )
        })
        .collect()
}

pub(crate) fn entry(
    column: &str,
    field: Option<&str>,
    method: Option<&str>,
) -> (String, Option<String>, Option<String>) {
    (
        column.to_string(),
        field.map(str::to_string),
        method.map(str::to_string),
    )
}

/// (row, column, code) of each error.
pub(crate) fn errors_of(document: &Value) -> Vec<(u64, String, String)> {
    document["errors"]
        .as_array()
        .expect("an errors array")
        .iter()
        .map(|error| {
            (
                error["row"].as_u64().expect("a row"),
                error["column"].as_str().unwrap_or_default().to_string(),
                error["code"].as_str().expect("a code").to_string(),
            )
        })
        .collect()
}

pub(crate) fn keys(document: &Value) -> Vec<&str> {
    document
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// `intake import FILE --schema products --commit --yes --db URL` started in the workspace and
/// left running (stderr piped), for tests of imports at the same time.
pub(crate) fn spawn_import(workspace: &Workspace, file: &str, url: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_intake"))
        .args([
            "import", file, "--schema", "products", "--commit", "--yes", "--db", url,
        ])
        .current_dir(workspace.path("."))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start intake")
}

/// An answer typed into a pseudo-terminal once `prompt` is on the screen, after `meanwhile` ran.
pub(crate) struct Answer<'a> {
    pub(crate) prompt: &'a str,
    pub(crate) meanwhile: Box<dyn FnOnce() + 'a>,
    pub(crate) answer: &'a str,
}

impl<'a> Answer<'a> {
    pub(crate) fn new(prompt: &'a str, answer: &'a str) -> Answer<'a> {
        Answer {
            prompt,
            meanwhile: Box::new(|| {}),
            answer,
        }
    }
}

/// Runs intake with `args` in a pseudo-terminal (util-linux `script`), typing each answer once
/// its prompt is on the screen. Gives the exit code and everything the terminal showed.
pub(crate) fn run_answering(
    workspace: &Workspace,
    args: &[&str],
    answers: Vec<Answer<'_>>,
) -> (i32, String) {
    use std::io::{Read, Write};
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_intake"))
        .chain(args.iter().copied())
        .map(|arg| format!("'{}'", arg.replace('\'', "'\\''")))
        .collect();
    let mut child = Command::new("script")
        .args(["-qfec", &quoted.join(" "), "/dev/null"])
        .current_dir(workspace.path(""))
        .env_remove("DATABASE_URL")
        .env_remove("INTAKE_BACKUP_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) runs: apt-get install -y util-linux");
    let mut stdout = child.stdout.take().expect("the terminal's output");
    let (sender, received) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(read) = stdout.read(&mut chunk) {
            if read == 0 || sender.send(chunk[..read].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut stdin = child.stdin.take().expect("the terminal's input");
    let mut shown = Vec::new();
    let mut seen = 0;
    for answer in answers {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !String::from_utf8_lossy(&shown[seen..]).contains(answer.prompt) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match received.recv_timeout(left) {
                Ok(chunk) => shown.extend(chunk),
                Err(_) => {
                    let _ = child.kill();
                    panic!(
                        "intake never asked {:?}; the terminal showed:\n{}",
                        answer.prompt,
                        String::from_utf8_lossy(&shown)
                    );
                }
            }
        }
        seen = shown.len();
        (answer.meanwhile)();
        stdin
            .write_all(answer.answer.as_bytes())
            .expect("type the answer");
        stdin.flush().expect("type the answer");
    }
    let status = child.wait().expect("intake ends");
    drop(stdin);
    reader.join().expect("the terminal's output is read");
    shown.extend(received.try_iter().flatten());
    let shown = String::from_utf8_lossy(&shown).to_string();
    assert!(!shown.contains("panicked"), "intake panicked:\n{shown}");
    (status.code().expect("an exit code"), shown)
}

/// Starts intake with `args` in the workspace and kills it (`kill -9`) as soon as `writing`
/// says it writes to `target`'s table with the SQL statement that starts with `statement`
/// (SQLite: its rollback journal exists; PostgreSQL: the server runs such a statement).
/// Fails when it ends before, or never gets there.
pub(crate) fn kill_while_writing(
    workspace: &Workspace,
    target: &Target,
    args: &[&str],
    statements: &[&str],
) {
    use std::os::unix::process::ExitStatusExt;
    let name = target.name();
    let mut child = Command::new(env!("CARGO_BIN_EXE_intake"))
        .args(args)
        .current_dir(workspace.path(""))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start intake");
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the child") {
            panic!("{name}: intake ended ({status}) before it could be killed: give it more rows");
        }
        assert!(
            started.elapsed().as_secs() < 120,
            "{name}: intake never started writing"
        );
        let writing = match target {
            Target::Sqlite(path) => path.with_extension("db-journal").exists(),
            Target::Postgres(_) => {
                let like: Vec<String> = statements
                    .iter()
                    .map(|statement| format!("query LIKE '{}%'", statement.replace('\'', "''")))
                    .collect();
                !target
                    .query(&format!(
                        "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND ({})",
                        like.join(" OR ")
                    ))
                    .is_empty()
            }
        };
        // An import's journal is written beside its rows: killed once both are under way, so
        // that what the kill leaves behind is the same however busy the machine is.
        let journaling = !args.contains(&"import")
            || std::fs::read_dir(workspace.path("backups/imports")).is_ok_and(|entries| {
                entries
                    .flatten()
                    .any(|entry| entry.file_name().to_string_lossy().ends_with(".partial"))
            });
        if writing && journaling {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().expect("kill -9");
    let status = child.wait().expect("the child");
    assert_eq!(status.signal(), Some(9), "{name}: killed, not ended");
}
