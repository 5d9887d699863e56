//! Backups on both databases: round trips with identical digests, restores that change nothing
//! the second time, sequences past the restored ids, damaged backups refused, foreign-key
//! cycles, a target that cannot take the backup, a restore killed midway, across engines,
//! retention, and the golden backup of each format version.

use serde_json::Value;

use crate::{Run, Target, Workspace, fixture, kill_while_writing, texts};

/// Runs `intake backup ...` with `--dir backups` in the workspace.
fn backup(workspace: &Workspace, args: &[&str]) -> Run {
    let mut all = vec!["backup"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--dir", "backups"]);
    workspace.run(&all)
}

fn created_id(run: &Run, target: &str) -> String {
    assert_eq!(run.code, 0, "{target}: {}", run.stderr);
    run.json()["id"].as_str().expect("an id").to_string()
}

fn manifest(workspace: &Workspace, id: &str) -> Value {
    let text = std::fs::read_to_string(workspace.path("backups").join(id).join("manifest.json"))
        .expect("a manifest");
    serde_json::from_str(&text).expect("JSON")
}

/// (table, rows, content digest) of each table of a backup.
fn digests(workspace: &Workspace, id: &str) -> Vec<(String, u64, String)> {
    manifest(workspace, id)["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|table| {
            (
                table["name"].as_str().expect("name").to_string(),
                table["rows"].as_u64().expect("rows"),
                table["content_sha256"]
                    .as_str()
                    .expect("digest")
                    .to_string(),
            )
        })
        .collect()
}

/// Customers and their invoices, with the values that are easy to get wrong: an empty text
/// beside a NULL, the 64-bit extremes, exact decimals, dates, booleans, bytes, floats, quotes,
/// tabs and line breaks in text.
fn seed(target: &Target) {
    let statements: &[&str] = match target {
        Target::Sqlite(_) => &[
            "CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, note TEXT, \
             balance TEXT, vip BOOLEAN, since DATE, photo BLOB, score REAL)",
            "CREATE TABLE invoices (number TEXT PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), \
             total TEXT NOT NULL, big INTEGER)",
            "INSERT INTO customers (name, note, balance, vip, since, photo, score) VALUES \
             ('Ann', '', '12.50', 1, '2024-01-31', x'00ff', 0.1), \
             ('Bob', NULL, NULL, 0, NULL, NULL, -2.5), \
             ('Zoë \"quoted\"' || char(9) || 'tab', 'line' || char(10) || 'break', '-0.01', NULL, '2023-12-01', x'', 1e300)",
            "INSERT INTO invoices VALUES ('INV-1', 1, '100.00', 9223372036854775807), ('INV-2', 3, '0.10', -9223372036854775808)",
        ],
        Target::Postgres(_) => &[
            "CREATE TABLE customers (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, note TEXT, \
             balance NUMERIC(12,2), vip BOOLEAN, since DATE, photo BYTEA, score DOUBLE PRECISION)",
            "CREATE TABLE invoices (number TEXT PRIMARY KEY, customer_id BIGINT NOT NULL REFERENCES customers (id), \
             total NUMERIC NOT NULL, big BIGINT)",
            "INSERT INTO customers (name, note, balance, vip, since, photo, score) VALUES \
             ('Ann', '', 12.50, true, '2024-01-31', '\\x00ff', 0.1), \
             ('Bob', NULL, NULL, false, NULL, NULL, -2.5), \
             ('Zoë \"quoted\"' || chr(9) || 'tab', 'line' || chr(10) || 'break', -0.01, NULL, '2023-12-01', '\\x', 1e300)",
            "INSERT INTO invoices VALUES ('INV-1', 1, 100.00, 9223372036854775807), ('INV-2', 3, 0.10, -9223372036854775808)",
        ],
    };
    for statement in statements {
        target.query(statement);
    }
}

/// Every value of both tables as text, in key order, the same SQL on both engines.
fn contents(target: &Target) -> Vec<Vec<Option<String>>> {
    let photo = match target {
        Target::Sqlite(_) => "hex(photo)",
        Target::Postgres(_) => "upper(encode(photo, 'hex'))",
    };
    let mut rows = target.query(&format!(
        "SELECT CAST(id AS TEXT), name, note, CAST(balance AS TEXT), CASE WHEN vip THEN 'yes' WHEN NOT vip THEN 'no' END, \
         CAST(since AS TEXT), {photo}, CAST(score AS TEXT) FROM customers ORDER BY id"
    ));
    rows.extend(target.query(
        "SELECT number, CAST(customer_id AS TEXT), CAST(total AS TEXT), CAST(big AS TEXT) FROM invoices ORDER BY number",
    ));
    rows
}

fn fresh(workspace: &Workspace, target: &Target, name: &str) -> Target {
    match target {
        Target::Sqlite(_) => Target::Sqlite(workspace.path(name)),
        Target::Postgres(_) => Target::Postgres(crate::postgres::new_database()),
    }
}

#[test]
fn a_backup_restored_into_an_empty_database_backs_up_the_same() {
    let workspace = Workspace::new();
    for target in workspace.targets() {
        let name = target.name();
        seed(&target);
        let url = target.url();
        let id = created_id(
            &backup(
                &workspace,
                &["create", "--all", "--db", &url, "--format", "json"],
            ),
            name,
        );
        let run = backup(
            &workspace,
            &["create", "--all", "--db", &url, "--format", "json"],
        );
        assert_eq!(
            run.json()["tables"],
            serde_json::json!({"customers": 3, "invoices": 2}),
            "{name}"
        );

        let empty = fresh(&workspace, &target, &format!("{name}-copy.db"));
        let run = backup(
            &workspace,
            &[
                "restore",
                &id,
                "--db",
                &empty.url(),
                "--yes",
                "--format",
                "json",
            ],
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let report = run.json();
        assert_eq!(
            report["safety_backup"],
            Value::Null,
            "{name}: nothing to keep"
        );
        let counts: Vec<(String, bool, u64, u64, u64)> = report["tables"]
            .as_array()
            .expect("tables")
            .iter()
            .map(|table| {
                (
                    table["table"].as_str().expect("table").to_string(),
                    table["created"].as_bool().expect("created"),
                    table["inserted"].as_u64().expect("inserted"),
                    table["updated"].as_u64().expect("updated"),
                    table["deleted"].as_u64().expect("deleted"),
                )
            })
            .collect();
        // Parents first.
        assert_eq!(
            counts,
            vec![
                ("customers".to_string(), true, 3, 0, 0),
                ("invoices".to_string(), true, 2, 0, 0)
            ],
            "{name}"
        );
        assert_eq!(contents(&empty), contents(&target), "{name}");
        let again = created_id(
            &backup(
                &workspace,
                &["create", "--all", "--db", &empty.url(), "--format", "json"],
            ),
            name,
        );
        assert_eq!(
            digests(&workspace, &again),
            digests(&workspace, &id),
            "{name}"
        );
        // Keys made anew: the unique name too.
        assert_eq!(
            manifest(&workspace, &again)["tables"][0]["unique"],
            serde_json::json!([["name"]]),
            "{name}"
        );

        // The id counter goes on past the restored ids.
        empty.query("INSERT INTO customers (name) VALUES ('Dee')");
        assert_eq!(
            empty.query("SELECT CAST(max(id) AS TEXT) FROM customers"),
            vec![vec![Some("4".to_string())]],
            "{name}"
        );
    }
}

#[test]
fn a_restore_undoes_every_change_and_a_second_one_writes_nothing() {
    let workspace = Workspace::new();
    for target in workspace.targets() {
        let name = target.name();
        seed(&target);
        let url = target.url();
        let before = contents(&target);
        let id = created_id(
            &backup(
                &workspace,
                &[
                    "create",
                    "--tables",
                    "customers,invoices",
                    "--db",
                    &url,
                    "--format",
                    "json",
                ],
            ),
            name,
        );
        target.query("DELETE FROM invoices WHERE number = 'INV-2'");
        target.query("UPDATE customers SET note = 'changed', score = NULL WHERE id = 1");
        target.query("INSERT INTO customers (name) VALUES ('Eve')");
        target.query("INSERT INTO invoices VALUES ('INV-3', 4, 1, NULL)");
        let changed = contents(&target);

        let run = backup(
            &workspace,
            &["restore", &id, "--db", &url, "--yes", "--format", "json"],
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let report = run.json();
        let counts = |report: &Value| -> Vec<(u64, u64, u64)> {
            report["tables"]
                .as_array()
                .expect("tables")
                .iter()
                .map(|table| {
                    (
                        table["inserted"].as_u64().expect("inserted"),
                        table["updated"].as_u64().expect("updated"),
                        table["deleted"].as_u64().expect("deleted"),
                    )
                })
                .collect()
        };
        assert_eq!(counts(&report), vec![(0, 1, 1), (1, 0, 1)], "{name}");
        assert_eq!(contents(&target), before, "{name}");

        // The safety backup holds the tables as they were just before.
        let safety = report["safety_backup"]
            .as_str()
            .expect("a safety backup")
            .to_string();
        let empty = fresh(&workspace, &target, &format!("{name}-safety.db"));
        let run = backup(
            &workspace,
            &["restore", &safety, "--db", &empty.url(), "--yes"],
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(contents(&empty), changed, "{name}");

        let run = backup(
            &workspace,
            &["restore", &id, "--db", &url, "--yes", "--format", "json"],
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(counts(&run.json()), vec![(0, 0, 0), (0, 0, 0)], "{name}");
        assert_eq!(contents(&target), before, "{name}");

        // Every restore is in the history beside the backups.
        let history = std::fs::read_to_string(workspace.path("backups").join("restores.jsonl"))
            .expect("a restore history");
        assert!(
            history.lines().filter(|line| line.contains(&id)).count() >= 2,
            "{name}: {history}"
        );
    }
}

/// Flips one byte of a file of the backup, or cuts it short.
fn damage(workspace: &Workspace, id: &str, file: &str, truncate: bool) {
    let path = workspace.path("backups").join(id).join(file);
    let mut bytes = std::fs::read(&path).expect("the file");
    if truncate {
        bytes.truncate(bytes.len() / 2);
    } else {
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
    }
    std::fs::write(&path, bytes).expect("write the damaged file");
}

#[test]
fn a_damaged_backup_fails_verification_and_is_not_restored() {
    let workspace = Workspace::new();
    for target in workspace.targets() {
        let name = target.name();
        seed(&target);
        let url = target.url();
        for (file, truncate) in [
            ("tables/000.jsonl.zst", false),
            ("tables/001.jsonl.zst", true),
            ("manifest.json", false),
        ] {
            let id = created_id(
                &backup(
                    &workspace,
                    &["create", "--all", "--db", &url, "--format", "json"],
                ),
                name,
            );
            assert_eq!(backup(&workspace, &["verify", &id]).code, 0, "{name}");
            damage(&workspace, &id, file, truncate);
            let run = backup(&workspace, &["verify", &id, "--format", "json"]);
            assert_eq!(run.code, 1, "{name} {file}: {}", run.stdout);
            let verification = run.json();
            assert_eq!(verification["ok"], false, "{name} {file}");
            assert!(
                !verification["problems"]
                    .as_array()
                    .expect("problems")
                    .is_empty(),
                "{name} {file}"
            );

            target.query("DELETE FROM invoices");
            let before = contents(&target);
            let run = backup(&workspace, &["restore", &id, "--db", &url, "--yes"]);
            assert!(
                run.code == 1 || run.code == 2,
                "{name} {file}: {} {}",
                run.code,
                run.stderr
            );
            assert!(
                run.stderr.contains("nothing was restored") || run.stderr.contains("not valid"),
                "{name} {file}: {}",
                run.stderr
            );
            assert_eq!(contents(&target), before, "{name} {file}: unchanged");
            let list = backup(&workspace, &["list", "--format", "json"]).json();
            let listed = list
                .as_array()
                .expect("a list")
                .iter()
                .find(|item| item["id"] == id.as_str())
                .cloned()
                .expect("listed");
            if file != "manifest.json" {
                assert_eq!(listed["verified"], "failed", "{name} {file}");
            }
            // Put the rows back for the next round.
            target.query("DELETE FROM invoices");
            target.query("DELETE FROM customers");
            target.query("DROP TABLE invoices");
            target.query("DROP TABLE customers");
            seed(&target);
        }
    }
}

#[test]
fn tables_that_refer_to_each_other_are_restored() {
    let workspace = Workspace::new();
    for target in workspace.targets() {
        let name = target.name();
        let url = target.url();
        let statements: &[&str] = match target {
            Target::Sqlite(_) => &[
                "CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL, captain INTEGER REFERENCES people (id))",
                "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, team INTEGER REFERENCES teams (id), mentor INTEGER REFERENCES people (id))",
            ],
            Target::Postgres(_) => &[
                "CREATE TABLE teams (id BIGINT PRIMARY KEY, name TEXT NOT NULL, captain BIGINT)",
                "CREATE TABLE people (id BIGINT PRIMARY KEY, name TEXT NOT NULL, team BIGINT REFERENCES teams (id), mentor BIGINT REFERENCES people (id))",
                "ALTER TABLE teams ADD FOREIGN KEY (captain) REFERENCES people (id)",
            ],
        };
        for statement in statements {
            target.query(statement);
        }
        target.query("INSERT INTO teams (id, name) VALUES (1, 'Red'), (2, 'Blue')");
        target.query(
            "INSERT INTO people VALUES (10, 'Ann', 1, NULL), (11, 'Bob', 1, 10), (12, 'Cy', 2, 11)",
        );
        target.query("UPDATE teams SET captain = 10 WHERE id = 1");
        target.query("UPDATE teams SET captain = 12 WHERE id = 2");
        let query = "SELECT 'team', CAST(id AS TEXT), name, CAST(captain AS TEXT) FROM teams \
                     UNION ALL SELECT 'person', CAST(id AS TEXT), name, CAST(team AS TEXT) || '/' || COALESCE(CAST(mentor AS TEXT), '-') FROM people \
                     ORDER BY 1, 2";
        let before = target.query(query);
        let id = created_id(
            &backup(
                &workspace,
                &["create", "--all", "--db", &url, "--format", "json"],
            ),
            name,
        );
        // Everything changes: new captains, a person gone, a new team whose captain is new.
        target.query("UPDATE teams SET captain = NULL");
        target.query("DELETE FROM people WHERE id = 12");
        target.query("UPDATE people SET mentor = NULL");
        target.query("INSERT INTO people VALUES (13, 'Di', 2, 10)");
        let run = backup(&workspace, &["restore", &id, "--db", &url, "--yes"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(target.query(query), before, "{name}");

        // Into an empty database, where the tables are made anew.
        let empty = fresh(&workspace, &target, &format!("{name}-cycle.db"));
        let run = backup(&workspace, &["restore", &id, "--db", &empty.url(), "--yes"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(empty.query(query), before, "{name}");
    }
}

#[test]
fn a_target_that_cannot_take_the_backup_is_refused_before_anything_is_written() {
    let workspace = Workspace::new();
    for target in workspace.targets() {
        let name = target.name();
        seed(&target);
        let url = target.url();
        let id = created_id(
            &backup(
                &workspace,
                &[
                    "create", "--tables", "invoices", "--db", &url, "--format", "json",
                ],
            ),
            name,
        );
        target.query("DELETE FROM invoices WHERE number = 'INV-1'");
        target.query("ALTER TABLE invoices ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR'");
        target.query("ALTER TABLE invoices ADD COLUMN region TEXT");
        // Extra columns with a default or NULL allowed take the restore.
        let run = backup(&workspace, &["restore", &id, "--db", &url, "--yes"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(
            target.query("SELECT number, currency, region FROM invoices ORDER BY number"),
            vec![
                vec![Some("INV-1".to_string()), Some("EUR".to_string()), None],
                vec![Some("INV-2".to_string()), Some("EUR".to_string()), None],
            ],
            "{name}"
        );

        target.query("DELETE FROM invoices WHERE number = 'INV-1'");
        let statement = match target {
            Target::Sqlite(_) => {
                // SQLite cannot add a NOT NULL column without a default to a table: remake it.
                target.query("CREATE TABLE invoices_new (number TEXT PRIMARY KEY, customer_id INTEGER NOT NULL, total TEXT NOT NULL, big INTEGER, approver TEXT NOT NULL)");
                target.query("INSERT INTO invoices_new SELECT number, customer_id, total, big, 'x' FROM invoices");
                target.query("DROP TABLE invoices");
                "ALTER TABLE invoices_new RENAME TO invoices"
            }
            Target::Postgres(_) => {
                "ALTER TABLE invoices ADD COLUMN approver TEXT NOT NULL DEFAULT 'x'"
            }
        };
        target.query(statement);
        if let Target::Postgres(_) = target {
            target.query("ALTER TABLE invoices ALTER COLUMN approver DROP DEFAULT");
        }
        let before = target.query("SELECT number FROM invoices ORDER BY number");
        let run = backup(&workspace, &["restore", &id, "--db", &url, "--yes"]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains("approver")
                && run.stderr.contains("SET DEFAULT")
                && run.stderr.contains("nothing was changed"),
            "{name}: {}",
            run.stderr
        );
        assert_eq!(
            target.query("SELECT number FROM invoices ORDER BY number"),
            before,
            "{name}"
        );

        // A table without one of the backup's columns: refused, unless told to go on.
        let run_missing = {
            let other = fresh(&workspace, &target, &format!("{name}-narrow.db"));
            other.query("CREATE TABLE invoices (number TEXT PRIMARY KEY, customer_id BIGINT NOT NULL, total TEXT NOT NULL)");
            let run = backup(&workspace, &["restore", &id, "--db", &other.url(), "--yes"]);
            assert_eq!(run.code, 2, "{name}: {}", run.stderr);
            assert!(
                run.stderr.contains("big") && run.stderr.contains("--ignore-missing-columns"),
                "{name}: {}",
                run.stderr
            );
            assert!(
                other.query("SELECT number FROM invoices").is_empty(),
                "{name}"
            );
            let run = backup(
                &workspace,
                &[
                    "restore",
                    &id,
                    "--db",
                    &other.url(),
                    "--yes",
                    "--ignore-missing-columns",
                ],
            );
            assert_eq!(run.code, 0, "{name}: {}", run.stderr);
            other.query(
                "SELECT number, CAST(customer_id AS TEXT), total FROM invoices ORDER BY number",
            )
        };
        assert_eq!(
            run_missing,
            vec![
                vec![
                    Some("INV-1".to_string()),
                    Some("1".to_string()),
                    Some("100.00".to_string())
                ],
                vec![
                    Some("INV-2".to_string()),
                    Some("3".to_string()),
                    Some("0.10".to_string())
                ],
            ],
            "{name}"
        );
    }
}

#[test]
fn sqlite_to_postgresql_and_back_gives_the_same_rows() {
    let workspace = Workspace::new();
    let targets = workspace.targets();
    let (sqlite, postgres) = (&targets[0], &targets[1]);
    seed(sqlite);
    let first = created_id(
        &backup(
            &workspace,
            &["create", "--all", "--db", &sqlite.url(), "--format", "json"],
        ),
        "sqlite",
    );
    let run = backup(
        &workspace,
        &["restore", &first, "--db", &postgres.url(), "--yes"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let through = created_id(
        &backup(
            &workspace,
            &[
                "create",
                "--all",
                "--db",
                &postgres.url(),
                "--format",
                "json",
            ],
        ),
        "postgres",
    );
    let back = fresh(&workspace, sqlite, "back.db");
    let run = backup(
        &workspace,
        &["restore", &through, "--db", &back.url(), "--yes"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let last = created_id(
        &backup(
            &workspace,
            &["create", "--all", "--db", &back.url(), "--format", "json"],
        ),
        "sqlite",
    );
    assert_eq!(digests(&workspace, &last), digests(&workspace, &first));
    assert_eq!(contents(&back), contents(sqlite));
    assert_eq!(
        postgres.query("SELECT name, CAST(balance AS TEXT), CAST(big AS TEXT) FROM customers JOIN invoices ON customer_id = customers.id ORDER BY number"),
        vec![
            vec![Some("Ann".to_string()), Some("12.50".to_string()), Some("9223372036854775807".to_string())],
            vec![Some("Zoë \"quoted\"\ttab".to_string()), Some("-0.01".to_string()), Some("-9223372036854775808".to_string())],
        ]
    );
}

#[test]
fn prune_keeps_what_it_is_told_and_the_newest_verified() {
    let workspace = Workspace::new();
    let target = &workspace.targets()[0];
    seed(target);
    let url = target.url();
    let ids: Vec<String> = (0..4)
        .map(|_| {
            created_id(
                &backup(
                    &workspace,
                    &["create", "--all", "--db", &url, "--format", "json"],
                ),
                "sqlite",
            )
        })
        .collect();
    assert_eq!(backup(&workspace, &["verify", &ids[0]]).code, 0);
    // An unfinished backup: a folder without a manifest.
    std::fs::create_dir_all(workspace.path("backups").join("20200101-000000-000")).expect("folder");

    let run = backup(
        &workspace,
        &["prune", "--keep-last", "1", "--dry-run", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let deleted: Vec<String> = run.json()["deleted"]
        .as_array()
        .expect("deleted")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_string())
        .collect();
    // The newest is kept by the count, the oldest because it is the newest verified one.
    assert_eq!(deleted, vec![ids[2].clone(), ids[1].clone()]);
    assert_eq!(
        backup(&workspace, &["list", "--format", "json"])
            .json()
            .as_array()
            .expect("list")
            .len(),
        5
    );

    let run = backup(&workspace, &["prune", "--keep-last", "1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&ids[2]) && run.stdout.contains(&ids[1]),
        "{}",
        run.stdout
    );
    let left: Vec<String> = backup(&workspace, &["list", "--format", "json"])
        .json()
        .as_array()
        .expect("list")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(
        left,
        vec![
            ids[3].clone(),
            ids[0].clone(),
            "20200101-000000-000".to_string()
        ]
    );

    let run = backup(&workspace, &["prune"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--keep-last"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn backups_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let workspace = Workspace::new();
    let target = &workspace.targets()[0];
    seed(target);
    let id = created_id(
        &backup(
            &workspace,
            &["create", "--all", "--db", &target.url(), "--format", "json"],
        ),
        "sqlite",
    );
    let folder = workspace.path("backups").join(&id);
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&workspace.path("backups")), 0o700);
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&folder.join("manifest.json")), 0o600);
    assert_eq!(mode(&folder.join("tables").join("000.jsonl.zst")), 0o600);
}

/// The golden backup: written by format version 1 (fixtures/backups/, made from the rows of
/// [`seed`] in SQLite), copied here so that the restore's records do not land in the fixtures.
const GOLDEN: &str = "20261122-032024-805";

fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("the golden backup") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

#[test]
fn the_golden_backup_of_format_1_restores_on_both_engines() {
    let workspace = Workspace::new();
    let golden = std::path::PathBuf::from(fixture("backups")).join(GOLDEN);
    copy_folder(&golden, &workspace.path("backups").join(GOLDEN));
    for target in workspace.targets() {
        let name = target.name();
        let run = backup(
            &workspace,
            &["restore", GOLDEN, "--db", &target.url(), "--yes"],
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        // The same rows as `seed` writes in this engine, as this engine shows them.
        let reference = fresh(&workspace, &target, &format!("{name}-reference.db"));
        seed(&reference);
        assert_eq!(contents(&target), contents(&reference), "{name}");
    }
}

#[cfg(unix)]
#[test]
fn a_restore_killed_midway_leaves_the_database_as_it_was() {
    let workspace = Workspace::new();
    for target in workspace.targets() {
        let name = target.name();
        let url = target.url();
        match target {
            Target::Sqlite(_) => {
                target.query(
                    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price TEXT)",
                );
                target.query(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) \
                     INSERT INTO items SELECT i, 'item ' || i, (i % 1000) || '.50' FROM n",
                );
            }
            Target::Postgres(_) => {
                target.query(
                    "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL, price NUMERIC)",
                );
                target.query(
                    "INSERT INTO items SELECT i, 'item ' || i, (i % 1000) + 0.50 FROM generate_series(1, 300000) AS i",
                );
            }
        }
        let id = created_id(
            &backup(
                &workspace,
                &[
                    "create", "--tables", "items", "--db", &url, "--format", "json",
                ],
            ),
            name,
        );
        target.query("DELETE FROM items WHERE id % 2 = 0");
        target.query("UPDATE items SET name = 'changed' WHERE id % 3 = 0");
        let state = "SELECT CAST(count(*) AS TEXT), CAST(sum(length(name)) AS TEXT), CAST(max(id) AS TEXT) FROM items";
        let before = target.query(state);

        // Killed once it writes to the table.
        kill_while_writing(
            &workspace,
            &target,
            &[
                "backup", "restore", &id, "--db", &url, "--yes", "--dir", "backups",
            ],
            &["UPDATE \"items\"", "INSERT INTO \"items\""],
        );
        assert_eq!(target.query(state), before, "{name}: as it was");

        // And the backup still restores.
        let run = backup(&workspace, &["restore", &id, "--db", &url, "--yes"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(
            target.query(state),
            vec![vec![
                Some("300000".to_string()),
                Some("3188895".to_string()),
                Some("300000".to_string())
            ]],
            "{name}"
        );
    }
}

fn import(workspace: &Workspace, target: &Target, file: &str, extra: &[&str]) -> Run {
    let url = target.url();
    let mut args = vec![
        "import",
        file,
        "--schema",
        "products",
        "--commit",
        "--yes",
        "--format",
        "json",
        "--db",
        &url,
        "--backup-dir",
        "backups",
    ];
    args.extend_from_slice(extra);
    workspace.run(&args)
}

/// `intake undo IMPORT_ID --yes` against the target, with the workspace's backups.
fn undo(workspace: &Workspace, target: &Target, import_id: &str, extra: &[&str]) -> Run {
    let url = target.url();
    let mut args = vec![
        "undo",
        import_id,
        "--db",
        &url,
        "--yes",
        "--backup-dir",
        "backups",
    ];
    args.extend_from_slice(extra);
    workspace.run(&args)
}

const PRODUCTS: &str = "SELECT sku, name, CAST(price AS TEXT), CAST(quantity AS TEXT), unit FROM products ORDER BY sku";

/// A second file for the products: WID-001 changed, WID-002 as it was, one new product.
const CHANGES: &str = "Item Code,Product Name,Prcie,QTY,weightKg,UOM,Enabled,Supplier E-mail,Release Date,Last Modified\n\
    WID-001,Widget (new),13.00,90,0.25,each,yes,sales@acme.example,2021-03-15,2024-02-01 10:00:00\n\
    WID-002,\"Widget, large\",19.99,40,0.80,each,yes,sales@acme.example,2021-03-15,2024-01-05 09:30:00\n\
    NEW-001,Brand new,1.00,1,,each,no,,2024-02-01,2024-02-01 10:00:00\n";

#[test]
fn an_import_is_backed_up_first_and_undo_takes_it_back() {
    let workspace = Workspace::new();
    let changes = workspace.write("changes.csv", CHANGES);
    for target in workspace.targets() {
        let name = target.name();
        // Into a new table: nothing to back up, but undo still works from the journal.
        let run = import(&workspace, &target, &fixture("products.csv"), &[]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let first = run.json();
        assert_eq!(first["backup"], Value::Null, "{name}");
        let seeded = target.query(PRODUCTS);

        let run = import(&workspace, &target, &changes, &[]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let second = run.json();
        assert_eq!(second["plan"]["insert"], 1, "{name}");
        assert_eq!(second["plan"]["update"], 1, "{name}");
        let backup_id = second["backup"].as_str().expect("a backup").to_string();
        let import_id = second["import_id"]
            .as_str()
            .expect("an import id")
            .to_string();
        // The backup holds the table as it was, and the history names it.
        assert_eq!(
            digests(&workspace, &backup_id)
                .iter()
                .map(|(table, rows, _)| (table.clone(), *rows))
                .collect::<Vec<_>>(),
            vec![("products".to_string(), seeded.len() as u64)],
            "{name}"
        );
        let history = workspace
            .run(&["history", "--db", &target.url(), "--format", "json"])
            .json();
        assert_eq!(history[0]["id"], import_id.as_str(), "{name}");
        assert_eq!(history[0]["backup_id"], backup_id.as_str(), "{name}");

        let run = undo(&workspace, &target, &import_id, &["--format", "json"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let undone = run.json();
        assert_eq!(
            (undone["delete"].as_u64(), undone["set_back"].as_u64()),
            (Some(1), Some(1)),
            "{name}"
        );
        assert_eq!(undone["conflicts"], serde_json::json!([]), "{name}");
        assert_eq!(
            target.query(PRODUCTS),
            seeded,
            "{name}: as before the import"
        );
        let history = workspace
            .run(&["history", "--db", &target.url(), "--format", "json"])
            .json();
        assert!(
            history[0]["outcome"]
                .as_str()
                .is_some_and(|outcome| outcome.starts_with("undone")),
            "{name}: {history}"
        );
        // Once only.
        let run = undo(&workspace, &target, &import_id, &[]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        assert!(run.stderr.contains("already"), "{name}: {}", run.stderr);

        // Rows changed since an import are left alone, unless --force.
        let run = import(&workspace, &target, &changes, &["--no-backup"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let third = run.json();
        assert_eq!(third["backup"], Value::Null, "{name}: --no-backup");
        let import_id = third["import_id"]
            .as_str()
            .expect("an import id")
            .to_string();
        target.query("UPDATE products SET name = 'edited by hand' WHERE sku = 'NEW-001'");
        let run = undo(&workspace, &target, &import_id, &["--format", "json"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let undone = run.json();
        assert_eq!(
            (undone["delete"].as_u64(), undone["set_back"].as_u64()),
            (Some(0), Some(1)),
            "{name}"
        );
        let conflicts = undone["conflicts"].as_array().expect("conflicts");
        assert_eq!(conflicts.len(), 1, "{name}");
        assert_eq!(conflicts[0]["key"], "NEW-001", "{name}");
        assert_eq!(conflicts[0]["row"], 4, "{name}");
        let mut expected = seeded.clone();
        expected.insert(
            2,
            vec![
                Some("NEW-001".to_string()),
                Some("edited by hand".to_string()),
                Some("1.00".to_string()),
                Some("1".to_string()),
                Some("each".to_string()),
            ],
        );
        let mut now = target.query(PRODUCTS);
        now.sort();
        expected.sort();
        assert_eq!(now, expected, "{name}: the edited row stays");
        // The history says what was left, and the import stays open for the --force that the
        // conflict suggests.
        let history = workspace
            .run(&["history", "--db", &target.url(), "--format", "json"])
            .json();
        let outcome = history[0]["outcome"].as_str().expect("an outcome");
        assert!(
            outcome.starts_with("partly undone at ")
                && outcome.ends_with("; 1 rows changed or deleted since the import were left as they are (intake undo --force takes back the changed ones)"),
            "{name}: {outcome}"
        );
        let run = undo(
            &workspace,
            &target,
            &import_id,
            &["--force", "--format", "json"],
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let forced = run.json();
        assert_eq!(
            (
                forced["delete"].as_u64(),
                forced["set_back"].as_u64(),
                forced["already"].as_u64()
            ),
            (Some(1), Some(0), Some(1)),
            "{name}: {forced}"
        );
        let mut now = target.query(PRODUCTS);
        now.sort();
        let mut seeded = seeded.clone();
        seeded.sort();
        assert_eq!(now, seeded, "{name}: as before the import");
        let history = workspace
            .run(&["history", "--db", &target.url(), "--format", "json"])
            .json();
        let outcome = history[0]["outcome"].as_str().expect("an outcome");
        assert!(
            outcome.starts_with("undone at ") && !outcome.contains("left"),
            "{name}: {outcome}"
        );
    }
}

#[test]
fn undo_with_force_takes_back_rows_changed_since() {
    let workspace = Workspace::new();
    let changes = workspace.write("changes.csv", CHANGES);
    for target in workspace.targets() {
        let name = target.name();
        let run = import(&workspace, &target, &fixture("products.csv"), &[]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let seeded = target.query(PRODUCTS);
        let run = import(&workspace, &target, &changes, &[]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let import_id = run.json()["import_id"]
            .as_str()
            .expect("an import id")
            .to_string();
        target.query("UPDATE products SET quantity = 7 WHERE sku IN ('WID-001', 'NEW-001')");
        let run = undo(
            &workspace,
            &target,
            &import_id,
            &["--force", "--format", "json"],
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(run.json()["conflicts"], serde_json::json!([]), "{name}");
        assert_eq!(target.query(PRODUCTS), seeded, "{name}");
    }
}

#[test]
fn prune_keeps_the_newest_safety_backup() {
    let workspace = Workspace::new();
    let target = &workspace.targets()[0];
    seed(target);
    let url = target.url();
    let create = || {
        created_id(
            &backup(
                &workspace,
                &["create", "--all", "--db", &url, "--format", "json"],
            ),
            "sqlite",
        )
    };
    let first = create();
    let run = backup(
        &workspace,
        &["restore", &first, "--db", &url, "--yes", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let safety = run.json()["safety_backup"]
        .as_str()
        .expect("a safety backup")
        .to_string();
    let second = create();
    let third = create();
    let run = backup(
        &workspace,
        &["prune", "--keep-last", "1", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut deleted: Vec<String> = run.json()["deleted"]
        .as_array()
        .expect("deleted")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_string())
        .collect();
    deleted.sort();
    assert_eq!(deleted, vec![first, second]);
    let left: Vec<String> = backup(&workspace, &["list", "--format", "json"])
        .json()
        .as_array()
        .expect("list")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(left, vec![third, safety]);
}

#[test]
fn tables_and_columns_with_any_name_are_backed_up_and_restored() {
    let workspace = Workspace::new();
    for target in workspace.targets() {
        let name = target.name();
        let url = target.url();
        target.query(
            "CREATE TABLE \"Order \"\"Lines\"\"; --\" (\"Id\" BIGINT PRIMARY KEY, \"Qty-\"\"x\"\"\" TEXT, \"select\" TEXT)",
        );
        target.query("INSERT INTO \"Order \"\"Lines\"\"; --\" VALUES (1, 'a', 'b'), (2, NULL, '')");
        let id = created_id(
            &backup(
                &workspace,
                &["create", "--all", "--db", &url, "--format", "json"],
            ),
            name,
        );
        let empty = fresh(&workspace, &target, &format!("{name}-names.db"));
        let run = backup(&workspace, &["restore", &id, "--db", &empty.url(), "--yes"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let query = "SELECT CAST(\"Id\" AS TEXT), \"Qty-\"\"x\"\"\", \"select\" FROM \"Order \"\"Lines\"\"; --\" ORDER BY \"Id\"";
        assert_eq!(empty.query(query), target.query(query), "{name}");
        assert_eq!(
            empty.query(query),
            vec![
                vec![
                    Some("1".to_string()),
                    Some("a".to_string()),
                    Some("b".to_string())
                ],
                vec![Some("2".to_string()), None, Some(String::new())],
            ],
            "{name}"
        );
    }
}

/// `sku,name,price` rows P-00000, P-00001, ...: `renamed` says which names carry a suffix.
fn many_products(count: usize, renamed: impl Fn(usize) -> bool) -> String {
    let mut text = String::from("sku,name,price\n");
    for number in 0..count {
        let suffix = if renamed(number) { " v2" } else { "" };
        text.push_str(&format!(
            "P-{number:05},Product {number}{suffix},{}.25\n",
            number % 90
        ));
    }
    text
}

#[test]
fn a_streamed_commit_over_many_runs_is_journaled_whole_and_a_commit_of_nothing_keeps_no_backup() {
    let workspace = Workspace::new();
    // More rows than several runs of 5,000: planned, written and journaled run by run.
    let first = workspace.write("first.csv", many_products(12_001, |_| false));
    let mut changed = many_products(12_001, |number| number % 3 == 0);
    changed.push_str("P-99999,Newcomer,1.00\n");
    let changed = workspace.write("changed.csv", changed);
    let count_backups = || {
        backup(&workspace, &["list", "--format", "json"])
            .json()
            .as_array()
            .expect("a list")
            .len()
    };
    for target in workspace.targets() {
        let name = target.name();
        let run = import(&workspace, &target, &first, &[]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(run.json()["plan"]["insert"], 12_001, "{name}");
        let seeded =
            target.query("SELECT sku, name, CAST(price AS TEXT) FROM products ORDER BY sku");
        assert_eq!(seeded.len(), 12_001, "{name}");
        assert_eq!(
            seeded[12_000],
            vec![
                Some("P-12000".to_string()),
                Some("Product 12000".to_string()),
                Some("30.25".to_string())
            ],
            "{name}"
        );

        let run = import(&workspace, &target, &changed, &[]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let second = run.json();
        assert_eq!(
            (
                &second["plan"]["insert"],
                &second["plan"]["update"],
                &second["plan"]["unchanged"]
            ),
            (&Value::from(1), &Value::from(4_001), &Value::from(8_000)),
            "{name}"
        );
        assert!(second["backup"].is_string(), "{name}: {second}");
        let import_id = second["import_id"]
            .as_str()
            .expect("an import id")
            .to_string();
        assert_eq!(
            target.query("SELECT CAST(count(*) AS TEXT) FROM products WHERE name LIKE '% v2'"),
            texts(&[&[Some("4001")]]),
            "{name}"
        );
        let backups = count_backups();

        // The same file again: nothing to write, so no backup is kept and no history row added.
        let run = import(&workspace, &target, &changed, &[]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let third = run.json();
        assert_eq!(
            (
                &third["plan"]["insert"],
                &third["plan"]["update"],
                &third["committed"]
            ),
            (&Value::from(0), &Value::from(0), &Value::from(true)),
            "{name}"
        );
        assert_eq!(third["backup"], Value::Null, "{name}");
        assert_eq!(third["import_id"], Value::Null, "{name}");
        assert_eq!(
            count_backups(),
            backups,
            "{name}: no backup of a commit of nothing"
        );
        let history = workspace
            .run(&["history", "--db", &target.url(), "--format", "json"])
            .json();
        assert_eq!(history.as_array().map(Vec::len), Some(2), "{name}");

        // Every row of every run is in the journal: undo gives the first state back exactly.
        let run = undo(&workspace, &target, &import_id, &["--format", "json"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let undone = run.json();
        assert_eq!(
            (undone["delete"].as_u64(), undone["set_back"].as_u64()),
            (Some(1), Some(4_001)),
            "{name}"
        );
        assert_eq!(
            target.query("SELECT sku, name, CAST(price AS TEXT) FROM products ORDER BY sku"),
            seeded,
            "{name}"
        );
    }
}

/// Order lines: a table without a key, in a Table Schema without `primaryKey`.
const ORDER_LINES_SCHEMA: &str = r#"{"name": "order_lines", "fields": [
    {"name": "order_number", "type": "string", "constraints": {"required": true}},
    {"name": "sku", "type": "string"},
    {"name": "quantity", "type": "integer"},
    {"name": "price", "type": "number"}
]}"#;

#[test]
fn a_table_without_a_key_takes_appends_and_undo_takes_each_back() {
    let workspace = Workspace::new();
    let schema = workspace.write("order_lines.schema.json", ORDER_LINES_SCHEMA);
    // Two lines alike (the same order, product and quantity twice) and one with no price.
    let lines = workspace.write(
        "lines.csv",
        "order_number,sku,quantity,price\nSO-1,A-1,2,9.50\nSO-1,A-1,2,9.50\nSO-2,B-7,1,\n",
    );
    const LINES: &str = "SELECT order_number, sku, CAST(quantity AS TEXT), CAST(price AS TEXT) FROM order_lines ORDER BY order_number, sku, price";
    for target in workspace.targets() {
        let name = target.name();
        let url = target.url();
        let import = |mode: &str, commit: bool| {
            let mut args = vec![
                "import",
                &lines,
                "--schema",
                &schema,
                "--db",
                &url,
                "--mode",
                mode,
                "--backup-dir",
                "backups",
                "--format",
                "json",
            ];
            if commit {
                args.extend_from_slice(&["--commit", "--yes"]);
            }
            workspace.run(&args)
        };
        // An upsert needs a key, and says how to go on without one.
        let run = import("upsert", false);
        assert_eq!(run.code, 2, "{name}");
        assert!(
            run.stderr.contains("schema order_lines has no key: an upsert needs one to tell new rows from existing ones: give it a key (key = [...] in a mapping file, primaryKey in a Table Schema), or insert every valid row with --mode append"),
            "{name}: {}",
            run.stderr
        );
        let run = import("update-only", false);
        assert_eq!(run.code, 2, "{name}");
        assert!(
            run.stderr.contains("an update-only import needs one"),
            "{name}: {}",
            run.stderr
        );

        // The dry run says what a second import would do.
        let run = import("append", false);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let dry = run.json();
        assert_eq!(dry["plan"]["insert"], 3, "{name}");
        assert_eq!(
            dry["plan_note"],
            "Table order_lines has no key: every valid row is inserted as a new row, so importing this file again would insert its 3 rows again (intake undo takes an import back)",
            "{name}"
        );
        let run = workspace.run(&[
            "import",
            &lines,
            "--schema",
            &schema,
            "--db",
            &url,
            "--mode",
            "append",
            "--backup-dir",
            "backups",
        ]);
        assert!(
            run.stdout.contains("Table order_lines has no key: every valid row is inserted as a new row, so importing this file again would insert its 3 rows again (intake undo takes an import back)."),
            "{name}: {}",
            run.stdout
        );

        // Two commits (append, then insert-only): every row twice.
        let run = import("append", true);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let first = run.json()["import_id"]
            .as_str()
            .expect("an import id")
            .to_string();
        let run = import("insert-only", true);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let second = run.json();
        assert_eq!(second["plan"]["insert"], 3, "{name}");
        let second = second["import_id"]
            .as_str()
            .expect("an import id")
            .to_string();
        let line = |order: &str, sku: &str, quantity: &str, price: Option<&str>| {
            vec![
                Some(order.to_string()),
                Some(sku.to_string()),
                Some(quantity.to_string()),
                price.map(str::to_string),
            ]
        };
        let price = "9.50";
        let twice = vec![
            line("SO-1", "A-1", "2", Some(price)),
            line("SO-1", "A-1", "2", Some(price)),
            line("SO-1", "A-1", "2", Some(price)),
            line("SO-1", "A-1", "2", Some(price)),
            line("SO-2", "B-7", "1", None),
            line("SO-2", "B-7", "1", None),
        ];
        let mut sorted = target.query(LINES);
        // NULL sorts first on SQLite and last on PostgreSQL: compare as sets of rows, in order.
        sorted.sort();
        let mut expected = twice.clone();
        expected.sort();
        assert_eq!(sorted, expected, "{name}");

        // Undo of the first takes back its three rows (one of each pair alike, the NULL price
        // matched), and leaves the second's.
        let run = undo(&workspace, &target, &first, &["--format", "json"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let undone = run.json();
        assert_eq!(undone["delete"], 3, "{name}");
        assert_eq!(undone["done"], true, "{name}");
        let mut left = target.query(LINES);
        left.sort();
        let mut once = vec![
            line("SO-1", "A-1", "2", Some(price)),
            line("SO-1", "A-1", "2", Some(price)),
            line("SO-2", "B-7", "1", None),
        ];
        once.sort();
        assert_eq!(left, once, "{name}");

        // A row of the second import deleted by hand: its undo fails and changes nothing...
        target.query("DELETE FROM order_lines WHERE order_number = 'SO-2'");
        let run = undo(&workspace, &target, &second, &[]);
        assert_eq!(run.code, 1, "{name}: {}", run.stdout);
        assert!(
            run.stderr.contains("a row the import inserted is no longer in the table (changed or deleted since): nothing was undone; --force takes back the rows that are still there"),
            "{name}: {}",
            run.stderr
        );
        let mut still = target.query(LINES);
        still.sort();
        let mut two = vec![
            line("SO-1", "A-1", "2", Some(price)),
            line("SO-1", "A-1", "2", Some(price)),
        ];
        two.sort();
        assert_eq!(still, two, "{name}");
        // ... and with --force it takes back what is still there.
        let run = undo(
            &workspace,
            &target,
            &second,
            &["--force", "--format", "json"],
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let forced = run.json();
        assert_eq!(
            (forced["delete"].clone(), forced["already"].clone()),
            (serde_json::json!(2), serde_json::json!(1)),
            "{name}"
        );
        assert_eq!(
            target.query(LINES),
            Vec::<Vec<Option<String>>>::new(),
            "{name}"
        );
    }
}
