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
