//! What a hostile or clumsy user cannot break: output flags that would destroy a file, limits
//! that keep memory and time in proportion to the input, secrets that never show, damaged files
//! that end in a message.

use crate::{Workspace, fixture};

/// `--report`, `--rejects` and `--diff` refuse the input, the database and its journals and a
/// file intake did not write; an earlier run's own file is replaced, and with `--force` a
/// foreign one too. Refused runs write nothing anywhere.
#[test]
fn output_flags_never_write_over_the_input_the_database_or_a_stranger() {
    let workspace = Workspace::new();
    let input = workspace.write(
        "products.csv",
        std::fs::read(fixture("products-errors.csv")).expect("fixture"),
    );
    let seeded = workspace.run(&[
        "import",
        &fixture("products.csv"),
        "--schema",
        "products",
        "--commit",
        "--yes",
    ]);
    assert_eq!(seeded.code, 0, "{}", seeded.stderr);
    let database = workspace.path("intake.db");
    let before = std::fs::read(&database).expect("the database");
    let original_input = std::fs::read(&input).expect("the input");
    let database_text = database.display().to_string();
    let wal = format!("{database_text}-wal");
    for (command, flag, path, named) in [
        (
            "validate",
            "--report",
            database_text.as_str(),
            "the target database",
        ),
        (
            "validate",
            "--rejects",
            database_text.as_str(),
            "the target database",
        ),
        (
            "import",
            "--rejects",
            database_text.as_str(),
            "the target database",
        ),
        (
            "import",
            "--diff",
            database_text.as_str(),
            "the target database",
        ),
        (
            "import",
            "--report",
            wal.as_str(),
            "a journal file of the target database",
        ),
        ("validate", "--report", input.as_str(), "the input file"),
        ("import", "--diff", input.as_str(), "the input file"),
        ("import", "--rejects", "./products.csv", "the input file"),
        (
            "import",
            "--report",
            "backups/report.csv",
            "the backup folder",
        ),
    ] {
        for force in [false, true] {
            let mut args = vec![command, &input, "--schema", "products", flag, path];
            if command == "import" {
                args.extend(["--commit", "--yes", "--skip-invalid"]);
            }
            if force {
                args.push("--force");
            }
            let run = workspace.run(&args);
            assert_eq!(run.code, 2, "{command} {flag} {path}: {}", run.stderr);
            assert!(
                run.stderr.contains(&format!(
                    "{flag} names {named}; writing there would destroy it"
                )),
                "{command} {flag} {path}: {}",
                run.stderr
            );
            assert_eq!(
                std::fs::read(&database).expect("the database"),
                before,
                "{command} {flag} {path}"
            );
            assert_eq!(std::fs::read(&input).expect("the input"), original_input);
        }
    }
    assert!(!workspace.path("backups/report.csv").exists());

    // Two outputs on one file.
    let run = workspace.run(&[
        "validate",
        &input,
        "--schema",
        "products",
        "--report",
        "out.csv",
        "--rejects",
        "out.csv",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("out.csv: --rejects and --report name the same file"),
        "{}",
        run.stderr
    );

    // A file intake did not write is kept unless --force.
    let stranger = workspace.write("notes.csv", "my,own\nnotes,here\n");
    for flag in ["--report", "--rejects"] {
        let run = workspace.run(&["validate", &input, "--schema", "products", flag, &stranger]);
        assert_eq!(run.code, 2, "{flag}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "the file exists and is not a file intake wrote for {flag}; give {flag} a new file name, or pass --force to replace it"
            )),
            "{flag}: {}",
            run.stderr
        );
        assert_eq!(
            std::fs::read_to_string(&stranger).expect("notes"),
            "my,own\nnotes,here\n"
        );
    }
    let run = workspace.run(&[
        "import", &input, "--schema", "products", "--diff", &stranger,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&stranger).expect("notes"),
        "my,own\nnotes,here\n"
    );

    // Its own files are replaced run after run, and --force replaces a stranger.
    for _ in 0..2 {
        let run = workspace.run(&[
            "import",
            &input,
            "--schema",
            "products",
            "--report",
            "errors.csv",
            "--rejects",
            "rejects.csv",
            "--diff",
            "diff.csv",
        ]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let run = workspace.run(&[
            "validate",
            &input,
            "--schema",
            "products",
            "--report",
            "errors.json",
        ]);
        assert_eq!(run.code, 1, "{}", run.stderr);
    }
    let report = std::fs::read_to_string(workspace.path("errors.csv")).expect("report");
    assert!(
        report.starts_with("row,cell,column,field,value,code,message\n"),
        "{report}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace.path("errors.json")).expect("report"),
    )
    .expect("JSON");
    assert!(!json.as_array().expect("an array").is_empty());
    let run = workspace.run(&[
        "validate", &input, "--schema", "products", "--report", &stranger, "--force",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        std::fs::read_to_string(&stranger)
            .expect("report")
            .starts_with("row,cell,column,field")
    );
    // No temporary file is left beside the outputs.
    let leftovers: Vec<String> = std::fs::read_dir(workspace.path("."))
        .expect("the workspace")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(std::fs::read(&database).expect("the database"), before);
}

#[test]
fn a_batch_size_past_the_limit_is_refused_before_the_database_is_opened() {
    let workspace = Workspace::new();
    let run = workspace.run(&[
        "import",
        &fixture("products.csv"),
        "--schema",
        "products",
        "--batch-size",
        "1000000000",
        "--commit",
        "--yes",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("--batch-size 1000000000: give a number of rows from 1 to 100000"),
        "{}",
        run.stderr
    );
    let left: Vec<_> = std::fs::read_dir(workspace.path("."))
        .expect("the workspace")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A loopback server that answers every request with `body` until the test ends.
fn echoing_model(body: String) -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("a loopback server");
    let port = server.server_addr().to_ip().expect("an IP address").port();
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let response = tiny_http::Response::from_string(body.clone()).with_header(
                tiny_http::Header::from_bytes("Content-Type", "application/json")
                    .expect("a header"),
            );
            let _ = request.respond(response);
        }
    });
    format!("http://127.0.0.1:{port}/v1")
}

/// Every file under `folder`, as bytes.
fn files_under(folder: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).expect("a folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            let mut bytes = std::fs::read(&path).expect("a file");
            if path.extension().is_some_and(|extension| extension == "zst") {
                bytes = zstd::decode_all(bytes.as_slice()).unwrap_or(bytes);
            }
            files.push((path, bytes));
        }
    }
    files
}

/// A full session with a password in `DATABASE_URL`, another in `?password=` and an LLM key
/// that the model echoes: none of the three appears in any output, file or table afterwards.
#[test]
fn planted_secrets_appear_nowhere_after_a_full_session() {
    const USER_INFO_PASSWORD: &str = "PlantedPass1x";
    const PARAMETER_PASSWORD: &str = "PlantedPass2y";
    const KEY: &str = "sk-PlantedKey3z";
    let workspace = Workspace::new();
    let plain = crate::postgres::new_database();
    let with_password = plain.replacen(
        "postgres://intake@",
        &format!("postgres://intake:{USER_INFO_PASSWORD}@"),
        1,
    );
    let with_parameter = format!("{plain}?password={PARAMETER_PASSWORD}&sslmode=disable");
    let environment = [("DATABASE_URL", with_password.as_str())];
    let mut runs = Vec::new();
    let mut run = |args: &[&str], variables: &[(&str, &str)]| {
        let run = workspace.run_with(args, variables);
        runs.push((
            args.join(" "),
            run.code,
            run.stdout.clone(),
            run.stderr.clone(),
        ));
        run
    };

    let products = fixture("products.csv");
    let committed = run(
        &[
            "import", &products, "--schema", "products", "--commit", "--yes", "--format", "json",
        ],
        &environment,
    );
    assert_eq!(committed.code, 0, "{}", committed.stderr);
    let import_id = committed.json()["import_id"]
        .as_str()
        .expect("an import id")
        .to_string();
    assert_eq!(
        run(&["import", &products, "--schema", "products"], &environment).code,
        0
    );
    let changes = workspace.write(
        "changes.csv",
        "sku,name,price\nWID-001,Widget renamed,12.5\n",
    );
    let dry = run(
        &[
            "import",
            &changes,
            "--schema",
            "products",
            "--db",
            &with_parameter,
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert_eq!(
        run(
            &[
                "import",
                &changes,
                "--schema",
                "products",
                "--db",
                &with_parameter,
                "--commit",
                "--yes"
            ],
            &[]
        )
        .code,
        0
    );
    for format in ["table", "json"] {
        assert_eq!(run(&["history", "--format", format], &environment).code, 0);
        assert_eq!(
            run(
                &["history", "--db", &with_parameter, "--format", format],
                &[]
            )
            .code,
            0
        );
    }
    let created = run(
        &["backup", "create", "--all", "--format", "json"],
        &environment,
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    let backup_id = created.json()["id"]
        .as_str()
        .expect("a backup id")
        .to_string();
    for format in ["table", "json"] {
        assert_eq!(run(&["backup", "list", "--format", format], &[]).code, 0);
    }
    assert_eq!(run(&["backup", "verify", &backup_id], &[]).code, 0);
    let restored = run(
        &[
            "backup",
            "restore",
            &backup_id,
            "--yes",
            "--db",
            &with_parameter,
        ],
        &[],
    );
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    let undone = run(&["undo", &import_id, "--yes", "--force"], &environment);
    assert_eq!(undone.code, 0, "{}", undone.stderr);

    // Failures that name the database.
    let unreachable = format!(
        "postgres://intake:{USER_INFO_PASSWORD}@127.0.0.1:1/shop?password={PARAMETER_PASSWORD}"
    );
    let upper = format!("POSTGRES://intake:{USER_INFO_PASSWORD}@127.0.0.1:1/shop");
    let one_slash = format!("postgres:/intake:{USER_INFO_PASSWORD}@127.0.0.1/shop");
    let no_scheme =
        format!("intake:{USER_INFO_PASSWORD}@127.0.0.1/shop?password={PARAMETER_PASSWORD}");
    for url in [&unreachable, &upper, &one_slash, &no_scheme] {
        let failed = run(
            &[
                "import", &products, "--schema", "products", "--db", url, "--commit", "--yes",
            ],
            &[],
        );
        assert_eq!(failed.code, 2, "{url}: {}", failed.stderr);
        assert!(!failed.stderr.trim().is_empty());
        let failed = run(&["history", "--db", url], &[]);
        assert_eq!(failed.code, 2, "{url}: {}", failed.stderr);
    }
    let failed = run(
        &[
            "import", &products, "--schema", "products", "--commit", "--yes",
        ],
        &[("DATABASE_URL", &unreachable)],
    );
    assert_eq!(failed.code, 2);
    assert!(
        failed
            .stderr
            .contains("postgres://intake@127.0.0.1:1/shop?password=***"),
        "{}",
        failed.stderr
    );

    // Help with the variable set shows that it is set, not its value.
    for command in ["import", "validate", "map", "history", "undo"] {
        let help = run(&[command, "--help"], &environment);
        assert_eq!(help.code, 0, "{command}");
        assert!(
            help.stdout.contains("DATABASE_URL"),
            "{command}: {}",
            help.stdout
        );
    }
    let help = run(&["backup", "create", "--help"], &environment);
    assert_eq!(help.code, 0);

    // A model that echoes the key in its reasons and in a column it makes up.
    let answer = serde_json::json!({"mappings": [
        {"column": "Nimike", "field": "name", "reason": format!("the key {KEY} says so")},
        {"column": "Hinta", "field": "price", "reason": format!("{KEY}")},
        {"column": format!("{KEY} column"), "field": "quantity", "reason": "made up"},
    ]})
    .to_string();
    let body = serde_json::json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}]}).to_string();
    let model = echoing_model(body);
    let finnish = workspace.write("artikel.csv", "SKU,Nimike,Hinta\nA-1,Schraube,0.10\n");
    let key_variables = [("INTAKE_LLM_KEY", KEY)];
    for format in ["table", "json"] {
        let mapped = run(
            &[
                "map",
                &finnish,
                "--schema",
                "products",
                "--llm",
                "custom",
                "--llm-url",
                &model,
                "--llm-model",
                "m",
                "--format",
                format,
            ],
            &key_variables,
        );
        assert_eq!(mapped.code, 0, "{}", mapped.stderr);
        let validated = run(
            &[
                "validate",
                &finnish,
                "--schema",
                "products",
                "--llm",
                "custom",
                "--llm-url",
                &model,
                "--llm-model",
                "m",
                "--accept-llm",
                "--format",
                format,
                "--report",
                "llm-report.csv",
            ],
            &key_variables,
        );
        assert!(validated.code <= 1, "{}", validated.stderr);
    }
    let json = run(
        &[
            "map",
            &finnish,
            "--schema",
            "products",
            "--llm",
            "custom",
            "--llm-url",
            &model,
            "--llm-model",
            "m",
            "--accept-llm",
            "--format",
            "json",
        ],
        &key_variables,
    );
    assert!(
        json.stdout.contains("the key *** says so")
            || json.stdout.contains("the key [key] says so"),
        "{}",
        json.stdout
    );

    let secrets = [USER_INFO_PASSWORD, PARAMETER_PASSWORD, KEY];
    for (command, code, stdout, stderr) in &runs {
        for secret in secrets {
            assert!(
                !stdout.contains(secret),
                "{command} (exit {code}) printed {secret}:\n{stdout}"
            );
            assert!(
                !stderr.contains(secret),
                "{command} (exit {code}) printed {secret} on stderr:\n{stderr}"
            );
        }
    }
    for (path, bytes) in files_under(&workspace.path(".")) {
        let text = String::from_utf8_lossy(&bytes);
        for secret in secrets {
            assert!(!text.contains(secret), "{} holds {secret}", path.display());
        }
    }
    let tables = crate::postgres::query(
        &plain,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    assert!(tables.len() >= 2, "{tables:?}");
    for table in tables {
        let name = table[0].clone().expect("a name");
        let rows = crate::postgres::query(&plain, &format!("SELECT t::text FROM \"{name}\" t"));
        for row in rows {
            let text = row[0].clone().unwrap_or_default();
            for secret in secrets {
                assert!(
                    !text.contains(secret),
                    "table {name} holds {secret}: {text}"
                );
            }
        }
    }
}

#[test]
fn verify_of_a_backup_that_is_not_there_cannot_run_as_restore_cannot() {
    let workspace = Workspace::new();
    for args in [&["verify"][..], &["restore", "--yes"][..]] {
        let command = args[0];
        let mut all = vec!["backup", command, "20260101-000000-000"];
        all.extend_from_slice(&args[1..]);
        let run = workspace.run(&all);
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert!(
            run.stderr.contains("no backup 20260101-000000-000 in backups: `intake backup list` shows the backups there"),
            "{command}: {}",
            run.stderr
        );
    }
}

/// A run of the binary stopped at `limit`: its exit code, or `None` when it ran past the
/// limit (or died of a signal), and its stderr.
fn run_limited(
    workspace: &Workspace,
    args: &[&str],
    limit: std::time::Duration,
) -> (Option<i32>, String) {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_intake"))
        .args(args)
        .current_dir(workspace.path("."))
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run intake");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for intake") {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    (status.and_then(|status| status.code()), stderr)
}

/// The mutations of a fuzzer, made repeatable: a few bytes of the file set at random, or a
/// run of it cut out or doubled.
fn mutate(original: &[u8], seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut bytes = original.to_vec();
    let changes = 1 + next() % 16;
    for _ in 0..changes {
        let at = (next() % bytes.len() as u64) as usize;
        match next() % 10 {
            0 => {
                let end = (at + (next() % 64) as usize).min(bytes.len());
                bytes.drain(at..end);
            }
            1 => {
                let end = (at + (next() % 64) as usize).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            2 => bytes[at] = 0xFF,
            3 => bytes[at] = 0,
            _ => bytes[at] = next() as u8,
        }
        if bytes.is_empty() {
            bytes.push(b'x');
        }
    }
    bytes
}

/// 200 mutated files of each workbook format and 200 CSVs through `inspect` and `validate`:
/// every run ends within the limit, with exit 0, 1 or 2 and no panic trace. The damaged files
/// a campaign found are kept under fixtures/damaged/ and checked by name.
#[test]
fn mutated_files_end_in_a_result_or_a_message_never_a_crash() {
    let workspace = Workspace::new();
    let limit = std::time::Duration::from_secs(20);
    let mut failures = Vec::new();
    for (fixture_name, extension) in [
        ("products.csv", "csv"),
        ("products.xlsx", "xlsx"),
        ("macro-enabled.xlsm", "xlsm"),
        ("products.xls", "xls"),
        ("products.ods", "ods"),
    ] {
        let original = std::fs::read(fixture(fixture_name)).expect("a fixture");
        for seed in 0..200u64 {
            let name = format!("mutated-{seed}.{extension}");
            let path = workspace.write(&name, mutate(&original, seed + 1));
            for args in [
                vec!["inspect", path.as_str()],
                vec!["validate", path.as_str(), "--schema", "products"],
            ] {
                let (code, stderr) = run_limited(&workspace, &args, limit);
                let crashed = stderr.contains("panicked") || stderr.contains("internal defect");
                if !matches!(code, Some(0..=2)) || crashed {
                    failures.push(format!(
                        "{fixture_name} seed {seed} {}: exit {code:?}: {}",
                        args[0],
                        stderr.lines().next().unwrap_or_default()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    for (name, message) in [
        (
            "reader-panic.xls",
            ": the workbook is damaged: its reader stopped on a structure it cannot follow",
        ),
        (
            "reader-panic-2.xls",
            ": the workbook is damaged: its reader stopped on a structure it cannot follow",
        ),
        (
            "long-text.xlsx",
            ": xl/sharedStrings.xml holds a text of more than 196602 bytes, longer than a cell can hold (32,767 characters)",
        ),
        (
            "far-cell.xlsx",
            ", sheet \"Data\": the sheet spreads 7 cells over A1 to XFD1048576 (1048576 rows by 16384 columns, 17179869184 positions)",
        ),
        (
            "unclosed.ods",
            ": the workbook is damaged: content.xml ends inside table 1, which is never closed (the file was cut short)",
        ),
        (
            "rows-repeat.ods",
            ": the workbook is damaged: table 1 repeats a row of cells past row 1,048,576, the last a sheet has",
        ),
        (
            "columns-repeat.ods",
            ": the workbook is damaged: table 1 repeats its cells over 100001 rows and 16384 columns (1638416384 positions), more than intake lays out for one sheet (33554432)",
        ),
        (
            "looping-sectors.xls",
            ": the file is damaged, or is not an Excel 97-2003 workbook: its compound-file structure is broken (Malformed FAT",
        ),
    ] {
        let file = fixture(&format!("damaged/{name}"));
        for args in [
            vec!["inspect", file.as_str()],
            vec!["validate", file.as_str(), "--schema", "products"],
        ] {
            let run = workspace.run(&args);
            assert_eq!(run.code, 2, "{name}: {}", run.stderr);
            assert!(
                run.stderr.starts_with(&format!("error: {file}{message}")),
                "{name}: {}",
                run.stderr
            );
            assert!(
                run.stderr.contains("save it again")
                    || run.stderr.contains("export the sheet as CSV"),
                "{}",
                run.stderr
            );
        }
    }
    // Date serials past 9999-12-31 made chrono panic while the rows were read (found by the fuzz
    // harness): each is an error cell now, shown as such.
    for number in 1..=3 {
        let file = fixture(&format!("damaged/date-serial-{number}.xls"));
        let run = workspace.run(&["inspect", &file, "--format", "json"]);
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert!(
            run.stdout.contains("#NUM! (date serial -"),
            "{file}: {}",
            run.stdout
        );
        assert!(run.stdout.contains("out of range)"), "{file}");
    }
    // A sheet whose used range runs far below its rows was read row by row from the top each
    // time (minutes); now at once.
    let (code, stderr) = run_limited(
        &workspace,
        &["inspect", &fixture("damaged/many-empty-rows.xls")],
        std::time::Duration::from_secs(10),
    );
    assert_eq!(code, Some(0), "{stderr}");
}

/// PostgreSQL cuts names over 63 bytes without a word, so that the first import of such a table
/// succeeds and the same import then fails: such names are refused before anything is written,
/// and a name of exactly 63 bytes imports twice.
#[test]
fn names_postgresql_would_cut_are_refused_before_writing() {
    let workspace = Workspace::new();
    let url = crate::postgres::new_database();
    let file = workspace.write("items.csv", "code,label\nA-1,Bolt\nA-2,Nut\n");
    let schema = |table: &str, column: &str| {
        format!(
            "table = \"{table}\"\nkey = \"code\"\n\n[[fields]]\nname = \"code\"\ntype = \"string\"\nrequired = true\n\n[[fields]]\nname = \"{column}\"\ntype = \"string\"\naliases = [\"label\"]\n"
        )
    };
    let long_table = "t".repeat(64);
    let long_column = format!("label_{}", "é".repeat(29)); // 6 + 58 = 64 bytes, 35 characters
    let fits = "f".repeat(63);
    for (table, column, refused) in [
        (
            long_table.as_str(),
            "label",
            Some(format!("table \"{long_table}\" is 64 bytes long")),
        ),
        (
            "items",
            long_column.as_str(),
            Some(format!("column \"{long_column}\" is 64 bytes long")),
        ),
        (fits.as_str(), fits.as_str(), None),
    ] {
        let path = workspace.write("items.toml", schema(table, column));
        for commit in [false, true, true] {
            let mut args = vec![
                "import", &file, "--schema", &path, "--db", &url, "--format", "json",
            ];
            if commit {
                args.extend(["--commit", "--yes"]);
            }
            let run = workspace.run(&args);
            match &refused {
                Some(message) => {
                    assert_eq!(run.code, 2, "{table}: {}", run.stderr);
                    assert!(
                        run.stderr.contains(message)
                            && run
                                .stderr
                                .contains("PostgreSQL keeps names of at most 63 bytes"),
                        "{}",
                        run.stderr
                    );
                }
                None => assert_eq!(run.code, 0, "{table} (commit {commit}): {}", run.stderr),
            }
        }
    }
    let tables = crate::postgres::query(
        &url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE 'intake%' ORDER BY 1",
    );
    assert_eq!(tables, vec![vec![Some(fits.clone())]]);
    let rows = crate::postgres::query(&url, &format!("SELECT count(*) FROM \"{fits}\""));
    assert_eq!(rows, vec![vec![Some("2".to_string())]]);
}

/// The rejects file puts a `'` before cells a spreadsheet would run as formulas; fixed and
/// imported again, it gives back the values the user wrote.
#[test]
fn a_fixed_rejects_file_imports_the_values_the_user_wrote() {
    let workspace = Workspace::new();
    let file = workspace.write(
        "phones.csv",
        "sku,name,price\nA-001,+1 555 0100,abc\nA-002,=SUM(A1),abc\nA-003,-minus first,abc\nA-004,@at first,abc\nA-005,'quoted,abc\n",
    );
    let run = workspace.run(&[
        "validate",
        &file,
        "--schema",
        "products",
        "--rejects",
        "rejects.csv",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let rejects = std::fs::read_to_string(workspace.path("rejects.csv")).expect("rejects");
    for guarded in ["'+1 555 0100", "'=SUM(A1)", "'-minus first", "'@at first"] {
        assert!(rejects.contains(guarded), "{guarded}: {rejects}");
    }
    let fixed = rejects.replace(",abc,", ",1.5,");
    workspace.write("rejects.csv", fixed);
    let run = workspace.run(&[
        "import",
        "rejects.csv",
        "--schema",
        "products",
        "--commit",
        "--yes",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        workspace.query("SELECT sku, name FROM products ORDER BY sku"),
        crate::texts(&[
            &[Some("A-001"), Some("+1 555 0100")],
            &[Some("A-002"), Some("=SUM(A1)")],
            &[Some("A-003"), Some("-minus first")],
            &[Some("A-004"), Some("@at first")],
            &[Some("A-005"), Some("'quoted")],
        ])
    );
}

/// A delimited file past the column limit is refused plainly; a header cell of a megabyte and a
/// line of a million delimiters end in a result, not minutes of matching or gigabytes.
#[test]
fn wide_files_and_long_headers_end_in_a_message_or_a_result() {
    let workspace = Workspace::new();
    let limit = std::time::Duration::from_secs(20);
    let header: Vec<String> = (0..200_000).map(|index| format!("c{index}")).collect();
    let wide = workspace.write(
        "wide.csv",
        format!("{}\n{}\n", header.join(","), vec!["1"; 200_000].join(",")),
    );
    for command in ["inspect", "map"] {
        let run = workspace.run(&[command, &wide, "--schema", "products"]);
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert_eq!(
            run.stderr,
            format!(
                "error: {wide}: the header on row 1 has 200000 columns, more than the 16384 a spreadsheet holds and intake reads: if the delimiter was read wrong, name it with --delimiter; otherwise split the file\n"
            )
        );
    }
    let widest = workspace.write(
        "widest.csv",
        format!(
            "{}\n{}\n",
            header[..16_384].join(","),
            vec!["1"; 16_384].join(",")
        ),
    );
    let run = workspace.run(&["inspect", &widest, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["columns"].as_array().map(Vec::len), Some(16_384));

    let long_header = workspace.write(
        "long-header.csv",
        format!("sku,{},name\nA-100,1,Bolt\n", "x".repeat(1 << 20)),
    );
    let (code, stderr) = run_limited(
        &workspace,
        &["map", &long_header, "--schema", "products"],
        limit,
    );
    assert_eq!(code, Some(0), "{stderr}");
    let run = workspace.run(&[
        "map",
        &long_header,
        "--schema",
        "products",
        "--format",
        "json",
    ]);
    let mapped: Vec<(String, Option<String>)> = run.json()["mapping"]
        .as_array()
        .expect("a mapping")
        .iter()
        .map(|entry| {
            (
                entry["column"]
                    .as_str()
                    .expect("a column")
                    .chars()
                    .take(3)
                    .collect(),
                entry["field"].as_str().map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        mapped,
        vec![
            ("sku".to_string(), Some("sku".to_string())),
            ("xxx".to_string(), None),
            ("nam".to_string(), Some("name".to_string())),
        ]
    );

    let commas = workspace.write("commas.csv", format!("a,b\nx{}\n", ",".repeat(1_000_000)));
    let (code, stderr) = run_limited(&workspace, &["inspect", &commas], limit);
    assert_eq!(code, Some(0), "{stderr}");

    // Found by bench/mutations.py: 14,892 columns, one headed by 100,000 characters. A terminal
    // table is as wide as its widest cell on every row, so `inspect` printed 14,892 lines of
    // 100,000 characters (3 GB, 19 s); a header is now cut to 60 characters there (the JSON
    // document keeps it whole).
    let file = fixture("damaged/wide-long-header.csv");
    for args in [
        vec!["inspect", file.as_str()],
        vec!["map", file.as_str(), "--schema", "products"],
    ] {
        let run = workspace.run(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let widest = run
            .stdout
            .lines()
            .map(|line| line.chars().count())
            .max()
            .unwrap_or(0);
        assert!(widest <= 600, "{args:?}: a line of {widest} characters");
        let long = run
            .stdout
            .lines()
            .find(|line| line.contains("│ 3439 "))
            .expect("the row of column 3439");
        assert!(
            long.contains(&format!(
                " {}… ",
                "ÿþ".repeat(30).chars().take(59).collect::<String>()
            )),
            "{long}"
        );
    }
    let run = workspace.run(&["inspect", &file, "--format", "json"]);
    assert_eq!(
        run.json()["columns"][3438]["column"]
            .as_str()
            .map(|column| column.chars().count()),
        Some(100_000)
    );
    // A header of 49,531 characters over a file where the required fields find no column: the
    // closest columns of the message were scored on the whole header (4.8 s in a debug build);
    // matching now reads every header's first 128 characters wherever it scores one.
    let file = fixture("damaged/long-header-missing.txt");
    let run = workspace.run(&["validate", &file, "--schema", "products"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "error: {file}: required field \"sku\" has no column: map one with --map 'COLUMN=sku'\n"
        )
    );
}

/// A value its PostgreSQL column cannot hold exactly is an error of its row, before anything is
/// written: more decimals than a NUMERIC keeps (which PostgreSQL rounds without a word), more
/// digits than it holds, a number outside a SMALLINT, text longer than a VARCHAR. Read from the
/// table with `--table` and alongside a schema alike.
#[test]
fn values_a_postgresql_column_cannot_hold_exactly_are_errors_before_writing() {
    let workspace = Workspace::new();
    let url = crate::postgres::new_database();
    crate::postgres::query(
        &url,
        "CREATE TABLE prices (sku text PRIMARY KEY, price numeric(10,2), label varchar(5), stock smallint)",
    );
    let file = workspace.write(
        "prices.csv",
        "sku,price,label,stock\nA-1,1.23,short,7\nA-2,1.239,short,7\nA-3,123456789.5,short,7\nA-4,1.5,longer,7\nA-5,1.5,ok,40000\nA-6,99999999.99,émoji,-32768\nA-7,1.230,x,1\n",
    );
    let schema = workspace.write(
        "prices.toml",
        "table = \"prices\"\nkey = \"sku\"\n\n[[fields]]\nname = \"sku\"\ntype = \"string\"\nrequired = true\n\n[[fields]]\nname = \"price\"\ntype = \"number\"\n\n[[fields]]\nname = \"label\"\ntype = \"string\"\n\n[[fields]]\nname = \"stock\"\ntype = \"integer\"\n",
    );
    let expected = vec![
        (
            3,
            "price".to_string(),
            "type".to_string(),
            "has 3 decimal places where the column keeps 2; column price is numeric(10,2), so the database would round it".to_string(),
        ),
        (
            4,
            "price".to_string(),
            "type".to_string(),
            "has 9 digits before the point where the column holds 8; column price is numeric(10,2), so the database would refuse it".to_string(),
        ),
        (
            5,
            "label".to_string(),
            "maxLength".to_string(),
            "has 6 characters; column label is character varying(5), which holds 5".to_string(),
        ),
        (
            6,
            "stock".to_string(),
            "type".to_string(),
            "is outside -32768 to 32767; column stock is smallint, so the database would refuse it".to_string(),
        ),
    ];
    for source in [["--schema", schema.as_str()], ["--table", "prices"]] {
        let run = workspace.run(&[
            "import", &file, source[0], source[1], "--db", &url, "--format", "json",
        ]);
        assert_eq!(run.code, 1, "{source:?}: {}", run.stderr);
        let errors: Vec<(u64, String, String, String)> = run.json()["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|error| {
                (
                    error["row"].as_u64().expect("a row"),
                    error["column"].as_str().expect("a column").to_string(),
                    error["code"].as_str().expect("a code").to_string(),
                    error["message"].as_str().expect("a message").to_string(),
                )
            })
            .collect();
        assert_eq!(errors, expected, "{source:?}");
    }
    let run = workspace.run(&[
        "import",
        &file,
        "--table",
        "prices",
        "--db",
        &url,
        "--commit",
        "--yes",
        "--skip-invalid",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        crate::postgres::query(
            &url,
            "SELECT sku, CAST(price AS TEXT), label, CAST(stock AS TEXT) FROM prices ORDER BY sku"
        ),
        crate::texts(&[
            &[Some("A-1"), Some("1.23"), Some("short"), Some("7")],
            &[
                Some("A-6"),
                Some("99999999.99"),
                Some("émoji"),
                Some("-32768")
            ],
            &[Some("A-7"), Some("1.23"), Some("x"), Some("1")],
        ])
    );
    // Nothing was rounded, so a second look plans nothing for the rows that landed.
    let run = workspace.run(&[
        "import",
        &file,
        "--table",
        "prices",
        "--db",
        &url,
        "--format",
        "json",
        "--skip-invalid",
    ]);
    let plan = &run.json()["plan"];
    assert_eq!(
        (
            plan["insert"].as_u64(),
            plan["update"].as_u64(),
            plan["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(3)),
        "{plan}"
    );
}

/// Two first imports into a table that does not exist yet: the one that waited for the other
/// finds the table created since its plan and stops plainly (exit 1, nothing written), or
/// planned after it and lands; never "relation already exists".
#[test]
fn two_first_imports_into_a_missing_table_never_collide() {
    let workspace = Workspace::new();
    let mut first = String::from("sku,name,price\n");
    let mut second = String::from("sku,name,price\n");
    for number in 0..2000 {
        first.push_str(&format!("A-{number:05},First {number},1.00\n"));
        second.push_str(&format!("B-{number:05},Second {number},2.00\n"));
    }
    let first = workspace.write("first.csv", first);
    let second = workspace.write("second.csv", second);
    let mut refusals = 0;
    for round in 0..4 {
        let targets = [
            crate::Target::Sqlite(workspace.path(&format!("round-{round}.db"))),
            crate::Target::Postgres(crate::postgres::new_database()),
        ];
        for target in targets {
            let name = target.name();
            let url = target.url();
            let runs = [
                crate::spawn_import(&workspace, &first, &url),
                crate::spawn_import(&workspace, &second, &url),
            ];
            let mut landed = Vec::new();
            for run in runs {
                let output = run.wait_with_output().expect("intake ends");
                let stderr = String::from_utf8_lossy(&output.stderr).to_string();
                assert!(!stderr.contains("already exists"), "{name}: {stderr}");
                match output.status.code() {
                    Some(0) => landed.push(true),
                    Some(1) => {
                        assert!(
                            stderr.contains("another import created the table after this one was planned; nothing was written")
                                || stderr.contains("another writer"),
                            "{name}: {stderr}"
                        );
                        refusals += 1;
                        landed.push(false);
                    }
                    other => panic!("{name}: exit {other:?}: {stderr}"),
                }
            }
            assert!(landed.iter().any(|landed| *landed), "{name}: one lands");
            for (prefix, landed) in [("A-%", landed[0]), ("B-%", landed[1])] {
                assert_eq!(
                    target.query(&format!(
                        "SELECT CAST(count(*) AS TEXT) FROM products WHERE sku LIKE '{prefix}'"
                    )),
                    crate::texts(&[&[Some(if landed { "2000" } else { "0" })]]),
                    "{name} {prefix}"
                );
            }
        }
    }
    // Printed for whoever reads the log: how often the race was met.
    eprintln!("refused as overtaken: {refusals} of 16 runs");
}

/// One exit code per kind of outcome on every command, as CONTRACT.md's table says: 0 done, 1
/// the data has errors or an import was refused with nothing written, 2 the command could not
/// run (bad arguments, unreadable file, unknown schema, unreachable database, no such backup).
#[test]
fn every_command_exits_by_the_contracts_table() {
    let workspace = Workspace::new();
    let products = fixture("products.csv");
    let errors = fixture("products-errors.csv");
    let missing = workspace.path("missing.csv").display().to_string();
    let unreachable = "postgres://intake@127.0.0.1:1/none";
    let db = workspace.path("shop.db").display().to_string();
    let seeded = workspace.run(&[
        "import", &products, "--schema", "products", "--db", &db, "--commit", "--yes",
    ]);
    assert_eq!(seeded.code, 0, "{}", seeded.stderr);
    let cases: Vec<(Vec<&str>, i32)> = vec![
        // Done.
        (vec!["inspect", &products], 0),
        (vec!["map", &products, "--schema", "products"], 0),
        (vec!["validate", &products, "--schema", "products"], 0),
        (
            vec!["import", &products, "--schema", "products", "--db", &db],
            0,
        ),
        (vec!["history", "--db", &db], 0),
        (vec!["backup", "list"], 0),
        // The data has errors; an import refused with nothing written.
        (vec!["validate", &errors, "--schema", "products"], 1),
        (
            vec!["import", &errors, "--schema", "products", "--db", &db],
            1,
        ),
        (
            vec![
                "import", &errors, "--schema", "products", "--db", &db, "--commit", "--yes",
            ],
            1,
        ),
        (
            vec![
                "import",
                &products,
                "--schema",
                "products",
                "--db",
                &db,
                "--commit",
                "--yes",
                "--plan",
                "0000000000000000",
            ],
            1,
        ),
        // Bad arguments.
        (vec!["inspect"], 2),
        (vec!["validate", &products, "--no-such-flag"], 2),
        (
            vec![
                "import", &products, "--schema", "products", "--mode", "sideways",
            ],
            2,
        ),
        (vec!["backup", "prune"], 2),
        (vec!["frobnicate"], 2),
        // An unreadable file, an unknown schema, an unreachable database, no such backup or import.
        (vec!["inspect", &missing], 2),
        (vec!["map", &missing, "--schema", "products"], 2),
        (vec!["validate", &products, "--schema", "no-such-schema"], 2),
        (
            vec![
                "import",
                &products,
                "--schema",
                "products",
                "--db",
                unreachable,
            ],
            2,
        ),
        (vec!["history", "--db", unreachable], 2),
        (vec!["backup", "create", "--all", "--db", unreachable], 2),
        (vec!["backup", "verify", "20260101-000000-000"], 2),
        (vec!["backup", "restore", "20260101-000000-000", "--yes"], 2),
        (
            vec![
                "undo",
                "20260101T000000.000000Z-00000000",
                "--db",
                &db,
                "--yes",
            ],
            2,
        ),
    ];
    for (args, code) in cases {
        let run = workspace.run(&args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        if code == 2 {
            let first = run.stderr.lines().next().unwrap_or_default();
            assert!(first.starts_with("error: "), "{args:?}: {}", run.stderr);
        }
    }
}

/// A quote that is never closed makes the rest of a file one record: past 64 MB it ends in a
/// message naming the row where the record starts, not in memory as large as the file.
#[test]
fn a_record_past_the_limit_names_the_row_where_it_starts() {
    let workspace = Workspace::new();
    let mut text = String::from("sku,name\nA-1,Bolt\nA-2,\"Nut\n");
    let line = format!("{}\n", "x".repeat(1000));
    for _ in 0..70_000 {
        text.push_str(&line);
    }
    let file = workspace.write("unclosed.csv", text);
    for args in [
        vec!["inspect", file.as_str()],
        vec!["validate", file.as_str(), "--schema", "products"],
    ] {
        let run = workspace.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(
            run.stderr,
            format!(
                "error: {file}: the record that starts on row 3 is longer than 64 MB: most often a quote that is never closed; check the quotes from row 3 on, or name the quote character with --quote\n"
            )
        );
    }
}
