//! The whole path from a file: map, validate and the exit codes, on the embedded SQLite (stage 3
//! on both databases is tests/cli/loading.rs).

use serde_json::{Value, json};

use crate::{Workspace, entry, errors_of, fixture, keys, mapping_of};

#[test]
fn csv_headers_are_matched_despite_case_spacing_aliases_and_typos() {
    let workspace = Workspace::new();
    let run = workspace.run(&[
        "map",
        &fixture("products.csv"),
        "--schema",
        "products",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(
        mapping_of(&document),
        vec![
            entry("Item Code", Some("sku"), Some("alias")),
            entry("Product Name", Some("name"), Some("alias")),
            entry("Prcie", Some("price"), Some("fuzzy")),
            entry("QTY", Some("quantity"), Some("alias")),
            entry("weightKg", Some("weight_kg"), Some("exact")),
            entry("UOM", Some("unit"), Some("alias")),
            entry("Enabled", Some("active"), Some("alias")),
            entry("Supplier E-mail", Some("supplier_email"), Some("alias")),
            entry("Release Date", Some("released_on"), Some("alias")),
            entry("Last Modified", Some("updated_at"), Some("alias")),
            entry("Internal Notes", None, None),
        ]
    );
    let notes = &document["mapping"][10];
    assert_eq!(notes["index"], 10);
    assert_eq!(notes["score"], 0.0);
    // Notes resemble no field of the schema: no candidate is offered (under 0.50), and the
    // key is left out.
    assert_eq!(notes["candidates"], serde_json::Value::Null);
    assert_eq!(document["mapping"][2]["score"], 0.8);
    assert_eq!(
        document["missing_fields"],
        json!(["description", "image_url"])
    );
    assert_eq!(
        keys(&document),
        vec![
            "file",
            "schema",
            "table",
            "format",
            "sheet",
            "delimiter",
            "header_row",
            "mapping",
            "missing_fields"
        ]
    );
    assert_eq!(document["sheet"], Value::Null);
    assert_eq!(document["header_row"], 1);
}

#[test]
fn xlsx_headers_are_matched_and_sheets_chosen() {
    let workspace = Workspace::new();
    let run = workspace.run(&[
        "map",
        &fixture("products.xlsx"),
        "--schema",
        "products",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(document["sheet"], "Products");
    assert_eq!(
        mapping_of(&document),
        vec![
            entry("SKU", Some("sku"), Some("exact")),
            entry("Product   name", Some("name"), Some("alias")),
            entry("Unit Price", Some("price"), Some("alias")),
            entry("Quantitty", Some("quantity"), Some("fuzzy")),
            entry("Weight (kg)", Some("weight_kg"), Some("exact")),
            entry("Release Date", Some("released_on"), Some("alias")),
            entry("Comments", None, None),
        ]
    );

    for sheet in ["Archive", "archive", "2"] {
        let run = workspace.run(&[
            "map",
            &fixture("products.xlsx"),
            "--schema",
            "products",
            "--sheet",
            sheet,
            "--format",
            "json",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.json()["sheet"], "Archive", "--sheet {sheet}");
    }
    let run = workspace.run(&[
        "map",
        &fixture("products.xlsx"),
        "--schema",
        "products",
        "--sheet",
        "Prices",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "sheet \"Prices\" not found; the workbook's sheets are: 1 \"Products\", 2 \"Archive\""
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn the_map_table_is_readable() {
    let workspace = Workspace::new();
    let run = workspace.run(&["map", &fixture("products.xlsx"), "--schema", "products"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stdout = run
        .stdout
        .replace(&fixture("products.xlsx"), "fixtures/products.xlsx");
    insta::assert_snapshot!(stdout);
}

#[test]
fn every_error_code_is_reported_on_its_row() {
    let workspace = Workspace::new();
    let run = workspace.run(&[
        "validate",
        &fixture("products-errors.csv"),
        "--schema",
        "products",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document = run.json();
    let expected: Vec<(u64, String, String)> = [
        (3, "name", "required"),
        (4, "price", "type"),
        (5, "supplier_email", "format"),
        (6, "price", "minimum"),
        (7, "price", "maximum"),
        (8, "sku", "minLength"),
        (9, "name", "maxLength"),
        (10, "sku", "pattern"),
        (11, "unit", "enum"),
        (12, "sku", "unique"),
        (13, "column 13", "extra-cell"),
        (14, "weight_kg", "missing-cell"),
        // Row 15 is an empty line: a row in a spreadsheet, skipped, not an error.
        (16, "quantity", "type"),
        (16, "active", "type"),
        (16, "image_url", "format"),
        (16, "released_on", "type"),
        (16, "updated_at", "type"),
    ]
    .iter()
    .map(|(row, column, code)| (*row, column.to_string(), code.to_string()))
    .collect();
    assert_eq!(errors_of(&document), expected);
    assert_eq!(document["rows"], 15);
    assert_eq!(document["valid_rows"], 2);
    assert_eq!(
        keys(&document),
        vec![
            "file",
            "schema",
            "table",
            "format",
            "sheet",
            "delimiter",
            "header_row",
            "rows",
            "valid_rows",
            "mapping",
            "missing_fields",
            "normalised",
            "errors"
        ]
    );
    assert_eq!(
        document["errors"][9],
        json!({"row": 12, "cell": "A12", "column": "sku", "field": "sku", "value": "A-100", "code": "unique",
               "message": "sku must be unique: the same value is on row 2"})
    );
    assert_eq!(
        document["errors"][3],
        json!({"row": 6, "cell": "C6", "column": "price", "field": "price", "value": "-3", "code": "minimum",
               "message": "must be at least 0"})
    );
}

#[test]
fn xlsx_errors_carry_the_sheet_row() {
    let workspace = Workspace::new();
    let run = workspace.run(&[
        "validate",
        &fixture("products.xlsx"),
        "--schema",
        "products",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document = run.json();
    // Row 4 of the sheet is blank; the negative price stands on sheet row 5.
    assert_eq!(
        errors_of(&document),
        vec![(5, "Unit Price".to_string(), "minimum".to_string())]
    );
    assert_eq!(document["rows"], 4);
}

#[test]
fn the_validate_summary_is_readable() {
    let workspace = Workspace::new();
    let run = workspace.run(&[
        "validate",
        &fixture("products-errors.csv"),
        "--schema",
        "products",
        "--show-errors",
        "5",
    ]);
    assert_eq!(run.code, 1);
    let stdout = run.stdout.replace(
        &fixture("products-errors.csv"),
        "fixtures/products-errors.csv",
    );
    insta::assert_snapshot!(stdout);
}

#[test]
fn exit_codes() {
    let workspace = Workspace::new();
    assert_eq!(
        workspace
            .run(&["validate", &fixture("products.csv"), "--schema", "products"])
            .code,
        0
    );
    assert_eq!(
        workspace
            .run(&[
                "validate",
                &fixture("products-errors.csv"),
                "--schema",
                "products"
            ])
            .code,
        1
    );
    let missing = workspace.run(&["validate", "no-such-file.csv", "--schema", "products"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .starts_with("error: no-such-file.csv: cannot open the file"),
        "{}",
        missing.stderr
    );
    assert_eq!(
        workspace.run(&["validate", &fixture("products.csv")]).code,
        2,
        "--schema is required"
    );
    let unknown = workspace.run(&["validate", &fixture("products.csv"), "--schema", "orders"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown schema \"orders\""),
        "{}",
        unknown.stderr
    );
    let bad_url = workspace.run(&[
        "import",
        &fixture("products.csv"),
        "--schema",
        "products",
        "--db",
        "mysql://x/y",
    ]);
    assert_eq!(bad_url.code, 2);
    assert!(
        bad_url
            .stderr
            .contains("database URL \"mysql://x/y\" is not understood"),
        "{}",
        bad_url.stderr
    );
}

#[test]
fn broken_input_gets_one_clear_line_and_exit_2() {
    let workspace = Workspace::new();
    let png = workspace.write("photo.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01");
    let empty = workspace.write("empty.csv", "");
    let header_only = workspace.write("header-only.csv", "sku,name,price\n");
    let fake_xlsx = workspace.write("report.xlsx", "sku,name\nA,B\n");
    let bad_schema = workspace.write("broken.toml", "table = \"x\"\n[[fields]\nname = ");
    let bad_type = workspace.write(
        "money.toml",
        "key = \"id\"\n[[fields]]\nname = \"id\"\ntype = \"money\"\n",
    );
    let cases: [(&[&str], &str); 6] = [
        (
            &["validate", &png, "--schema", "products"],
            "photo.csv: this does not look like a spreadsheet (a PNG image)",
        ),
        (
            &["validate", &empty, "--schema", "products"],
            "empty.csv: the file is empty",
        ),
        (
            &["validate", &header_only, "--schema", "products"],
            "header-only.csv: the header on row 1 has no data rows under it",
        ),
        (
            &["map", &fake_xlsx, "--schema", "products"],
            "report.xlsx: this does not look like a spreadsheet (its name ends in .xlsx but its content is not a workbook)",
        ),
        (
            &[
                "validate",
                &fixture("products.csv"),
                "--schema",
                &bad_schema,
            ],
            "broken.toml: the schema does not parse",
        ),
        (
            &["validate", &fixture("products.csv"), "--schema", &bad_type],
            "money.toml: field \"id\": type \"money\" is not one of",
        ),
    ];
    for (args, expected) in cases {
        let run = workspace.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

#[test]
fn a_required_field_without_a_column_stops_before_validation() {
    let workspace = Workspace::new();
    let file = workspace.write("no-price.csv", "sku,name,cost\nA-1,One,3\n");
    let run = workspace.run(&["validate", &file, "--schema", "products"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("required field \"price\" has no column")
            && run.stderr.contains("--map 'COLUMN=price'"),
        "{}",
        run.stderr
    );
    let mapped = workspace.run(&[
        "validate",
        &file,
        "--schema",
        "products",
        "--map",
        "cost=price",
        "--format",
        "json",
    ]);
    assert_eq!(mapped.code, 0, "{}", mapped.stderr);
    assert_eq!(mapped.json()["mapping"][2]["method"], "manual");
    let unknown = workspace.run(&[
        "validate",
        &file,
        "--schema",
        "products",
        "--map",
        "cost=prize",
    ]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("the schema has no such field"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn delimiters_and_blank_rows_are_detected() {
    let workspace = Workspace::new();
    let file = workspace.write(
        "semicolons.csv",
        "\u{feff}sku;name;price\n\nA-1;One;1.5\n;;\nA-2;Two;2\n",
    );
    let run = workspace.run(&["import", &file, "--schema", "products", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(document["delimiter"], ";");
    assert_eq!(
        document["mapping"][0]["column"], "sku",
        "no BOM in the first header"
    );
    assert_eq!(document["rows"], 2);
    let rows: Vec<u64> = document["preview"]
        .as_array()
        .expect("preview")
        .iter()
        .map(|row| row["row"].as_u64().expect("row"))
        .collect();
    assert_eq!(rows, vec![3, 5]);
}

#[test]
fn a_database_that_cannot_be_used_is_exit_2_and_untouched() {
    let workspace = Workspace::new();
    let not_a_database = workspace.write("notes.db", "these are notes, not a database\n");
    let run = workspace.run(&[
        "import",
        &fixture("products.csv"),
        "--schema",
        "products",
        "--db",
        &format!("sqlite://{not_a_database}"),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot open the database") && run.stderr.contains("notes.db"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&not_a_database).expect("still there"),
        "these are notes, not a database\n"
    );

    let nowhere = workspace.path("no/such/dir/x.db").display().to_string();
    let run = workspace.run(&[
        "import",
        &fixture("products.csv"),
        "--schema",
        "products",
        "--db",
        &format!("sqlite://{nowhere}"),
        "--commit",
        "--yes",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot open the database"),
        "{}",
        run.stderr
    );
}
