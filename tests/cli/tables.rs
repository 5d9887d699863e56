//! The tables people read, as they read them: inspect's profile, an import's plan and preview
//! with what its updates change, the import history, an undo's plan and the backup list.
//! Snapshots (insta): the files are named relative to the workspace, so that their tables are as
//! wide on every machine, and what changes from run to run (ids, times) is written as a name.

use regex::Regex;

use crate::{Workspace, fixture};

/// The text with import and backup ids and times replaced by names.
fn steady(text: &str) -> String {
    let rules = [
        (r"\d{8}T\d{6}\.\d+Z-[0-9a-f]{8}", "<import id>"),
        (r"\d{8}-\d{6}-\d{3}", "<backup id>"),
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "<time>"),
    ];
    rules
        .iter()
        .fold(text.to_string(), |text, (pattern, name)| {
            Regex::new(pattern)
                .expect("a valid pattern")
                .replace_all(&text, *name)
                .into_owned()
        })
}

#[test]
fn the_human_tables_are_readable() {
    let workspace = Workspace::new();
    let db = "sqlite://shop.db";
    std::fs::copy(fixture("products.csv"), workspace.path("products.csv")).expect("copy");
    let run = workspace.run(&["inspect", "products.csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("inspect", steady(&run.stdout));

    let commit = |file: &str| {
        let run = workspace.run(&[
            "import", file, "--schema", "products", "--db", db, "--commit", "--yes",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    };
    commit("products.csv");
    // A second file: one row updated (price and quantity), one new.
    workspace.write(
        "changes.csv",
        "Item Code,Product Name,Prcie,QTY\nWID-001,Widget,13.00,90\nNEW-1,New thing,1.00,1\n",
    );
    let run = workspace.run(&["import", "changes.csv", "--schema", "products", "--db", db]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("import_preview", steady(&run.stdout));
    commit("changes.csv");

    let run = workspace.run(&["history", "--db", db]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("history", steady(&run.stdout));

    let run = workspace.run(&["backup", "list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("backup_list", steady(&run.stdout));

    // The undo of the second import, as planned before it is confirmed.
    let history = workspace.run(&["history", "--db", db, "--format", "json"]);
    let id = Regex::new(r"\d{8}T\d{6}\.\d+Z-[0-9a-f]{8}")
        .expect("a valid pattern")
        .find(&history.stdout)
        .expect("an import id")
        .as_str()
        .to_string();
    let run = workspace.run(&["undo", &id, "--db", db]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(
        "undo_plan",
        steady(&format!("{}{}", run.stdout, run.stderr))
    );
}
