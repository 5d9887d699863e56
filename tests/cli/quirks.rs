//! The corpus of quirks (fixtures/quirks/, written by fixtures/make_quirks.py with Python's
//! writers and LibreOffice): every file is read through the binary and compared with the
//! reading written down in fixtures/quirks/expected.toml: the header row, the rows skipped
//! above it, the columns, their kinds, exact values; or, for a file that cannot be read, the
//! message. A silent wrong value fails here.

use serde::Deserialize;

use crate::{Workspace, fixture};

#[derive(Deserialize)]
struct Expected {
    file: Vec<Reading>,
}

#[derive(Deserialize)]
struct Reading {
    file: String,
    quirk: String,
    sheet: Option<String>,
    header_row: Option<u64>,
    #[serde(default)]
    skipped_rows: Vec<u64>,
    rows: Option<u64>,
    #[serde(default)]
    columns: Vec<String>,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    column: Vec<ColumnReading>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct ColumnReading {
    name: String,
    min: Option<String>,
    max: Option<String>,
    examples: Vec<String>,
    decimal: Option<String>,
    date_order: Option<String>,
}

#[test]
fn every_quirk_is_read_as_the_file_means() {
    let text = std::fs::read_to_string(fixture("quirks/expected.toml")).expect("read");
    let expected: Expected = toml::from_str(&text).expect("expected.toml parses");
    let on_disk = std::fs::read_dir(fixture("quirks"))
        .expect("list")
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|entry| entry.file_name() != "expected.toml")
        })
        .count();
    assert_eq!(
        on_disk,
        expected.file.len(),
        "every file in fixtures/quirks/ has its reading in expected.toml"
    );
    let workspace = Workspace::new();
    let mut failures = Vec::new();
    for reading in &expected.file {
        let path = fixture(&format!("quirks/{}", reading.file));
        let run = workspace.run(&["inspect", &path, "--format", "json"]);
        let mut wrong = |what: String| {
            failures.push(format!("{} ({}): {what}", reading.file, reading.quirk));
        };
        if let Some(error) = &reading.error {
            if run.code != 2 || !run.stderr.contains(&format!("{path}: {error}")) {
                wrong(format!(
                    "expected exit 2 and {error:?}; got {}: {}",
                    run.code, run.stderr
                ));
            }
            continue;
        }
        if run.code != 0 {
            wrong(format!("exit {}: {}", run.code, run.stderr));
            continue;
        }
        let document = run.json();
        let number = |key: &str| document[key].as_u64();
        if document["sheet"].as_str() != reading.sheet.as_deref() {
            wrong(format!("sheet {}", document["sheet"]));
        }
        if number("header_row") != reading.header_row {
            wrong(format!("header row {}", document["header_row"]));
        }
        let skipped: Vec<u64> = document["skipped_rows"]
            .as_array()
            .map(|rows| rows.iter().filter_map(|row| row["row"].as_u64()).collect())
            .unwrap_or_default();
        if skipped != reading.skipped_rows {
            wrong(format!("skipped rows {skipped:?}"));
        }
        if number("rows") != reading.rows {
            wrong(format!("{} data rows", document["rows"]));
        }
        let columns = document["columns"].as_array().cloned().unwrap_or_default();
        let names: Vec<&str> = columns
            .iter()
            .filter_map(|column| column["column"].as_str())
            .collect();
        if names != reading.columns {
            wrong(format!("columns {names:?}"));
        }
        let types: Vec<&str> = columns
            .iter()
            .filter_map(|column| column["type"].as_str())
            .collect();
        if types != reading.types {
            wrong(format!("types {types:?}"));
        }
        for expected in &reading.column {
            let Some(found) = columns
                .iter()
                .find(|column| column["column"] == expected.name.as_str())
            else {
                wrong(format!("no column {:?}", expected.name));
                continue;
            };
            let text = |key: &str| found[key].as_str().map(str::to_string);
            let examples: Vec<String> = found["examples"]
                .as_array()
                .map(|examples| {
                    examples
                        .iter()
                        .filter_map(|example| example.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let decimal = text("decimal_separator").filter(|separator| separator != ".");
            if text("min") != expected.min
                || text("max") != expected.max
                || examples != expected.examples
                || decimal != expected.decimal
                || text("date_order") != expected.date_order
            {
                wrong(format!("column {:?} read as {found}", expected.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_chart_sheet_asked_for_is_named_as_a_chart() {
    let workspace = Workspace::new();
    let path = fixture("quirks/chart-first.xlsx");
    let run = workspace.run(&["inspect", &path, "--sheet", "Chart"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "error: {path}, sheet \"Chart\": the sheet is a chart, not a table of cells: choose a sheet of data with --sheet (1 \"Chart\", 2 \"Data\")"
        )
    );
}

#[test]
fn rows_skipped_above_the_header_are_named_by_map() {
    let workspace = Workspace::new();
    let path = fixture("quirks/notes-under-title.csv");
    let run = workspace.run(&["map", &path, "--schema", "products"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "Skipped above the header: 3 rows (1-3): \"Stock report\", \"Prepared by:, Finance\", \"Notes:, values in EUR\"."
        ),
        "{}",
        run.stdout
    );
    let run = workspace.run(&["map", &path, "--schema", "products", "--format", "json"]);
    assert_eq!(
        run.json()["skipped_rows"],
        serde_json::json!([
            {"row": 1, "text": "Stock report"},
            {"row": 2, "text": "Prepared by:, Finance"},
            {"row": 3, "text": "Notes:, values in EUR"}
        ])
    );
}
