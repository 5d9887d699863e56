//! The whole path: map, validate, preview and commit into SQLite, and the exit codes.

use serde_json::{Value, json};

use crate::{Workspace, entry, errors_of, fixture, keys, mapping_of, texts};

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
fn a_commit_writes_exactly_the_rows_and_a_second_commit_writes_nothing() {
    let workspace = Workspace::new();
    let dry = workspace.run(&[
        "import",
        &fixture("products.csv"),
        "--schema",
        "products",
        "--format",
        "json",
    ]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let document = dry.json();
    assert_eq!(
        document["plan"],
        json!({"insert": 5, "update": 0, "unchanged": 0, "rejected": 0, "skipped": 0})
    );
    assert_eq!(document["committed"], false);
    assert_eq!(document["dry_run"], true);
    assert_eq!(document["create_table"], true);
    assert_eq!(document["backup"], Value::Null);
    assert_eq!(document["import_id"], Value::Null);
    assert_eq!(
        document["preview"][0],
        json!({"row": 2, "action": "insert", "values": {
            "sku": "WID-001", "name": "Widget", "price": "12.50", "quantity": 100, "weight_kg": "0.25",
            "unit": "each", "active": true, "supplier_email": "sales@acme.example",
            "released_on": "2021-03-15", "updated_at": "2024-01-05 09:30:00"}})
    );
    for key in [
        "plan",
        "committed",
        "backup",
        "import_id",
        "errors",
        "rows",
        "valid_rows",
        "mapping",
    ] {
        assert!(document.get(key).is_some(), "import document has {key}");
    }
    assert!(
        !workspace.path("intake.db").exists(),
        "a dry run creates no database file"
    );

    let commit = workspace.run(&[
        "import",
        &fixture("products.csv"),
        "--schema",
        "products",
        "--commit",
        "--yes",
        "--format",
        "json",
    ]);
    assert_eq!(commit.code, 0, "{}", commit.stderr);
    assert_eq!(commit.json()["committed"], true);
    assert_eq!(
        workspace.query(
            "SELECT sku, name, price, typeof(price), CAST(quantity AS TEXT), weight_kg, unit, CAST(active AS TEXT), \
             supplier_email, image_url, released_on, updated_at, description FROM products ORDER BY sku"
        ),
        texts(&[
            &[Some("BOLT-M8"), Some("Bolt M8 (pack of 50)"), Some("4.35"), Some("text"), Some("2500"), Some("0.40"), Some("pack"), Some("1"), None, None, Some("2020-01-10"), None, None],
            &[Some("GAD-100"), Some("Gadget"), Some("7.00"), Some("text"), Some("0"), Some("0.10"), Some("box"), Some("0"), Some("orders@gizmo.example"), None, Some("2022-11-01"), Some("2024-02-11 14:00:00"), None],
            &[Some("GAD-200"), Some("Gadget Pro"), Some("149.00"), Some("text"), Some("12"), Some("1.20"), Some("each"), Some("1"), Some("orders@gizmo.example"), None, Some("2023-06-30"), Some("2024-02-11 14:00:00"), None],
            &[Some("WID-001"), Some("Widget"), Some("12.50"), Some("text"), Some("100"), Some("0.25"), Some("each"), Some("1"), Some("sales@acme.example"), None, Some("2021-03-15"), Some("2024-01-05 09:30:00"), None],
            &[Some("WID-002"), Some("Widget, large"), Some("19.99"), Some("text"), Some("40"), Some("0.80"), Some("each"), Some("1"), Some("sales@acme.example"), None, Some("2021-03-15"), Some("2024-01-05 09:30:00"), None],
        ])
    );

    let again = workspace.run(&[
        "import",
        &fixture("products.csv"),
        "--schema",
        "products",
        "--commit",
        "--yes",
        "--format",
        "json",
    ]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let document = again.json();
    assert_eq!(
        document["plan"],
        json!({"insert": 0, "update": 0, "unchanged": 5, "rejected": 0, "skipped": 0})
    );
    assert_eq!(document["create_table"], false);
    assert_eq!(
        workspace.query("SELECT CAST(count(*) AS TEXT) FROM products"),
        texts(&[&[Some("5")]])
    );
}

#[test]
fn a_changed_row_is_an_update_of_the_changed_fields_only() {
    let workspace = Workspace::new();
    let first = workspace.run(&[
        "import",
        &fixture("products.csv"),
        "--schema",
        "products",
        "--commit",
        "--yes",
    ]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    // Same price written differently (12.5 = 12.50), a new name, a new row; other columns absent.
    let changed = workspace.write(
        "changed.csv",
        "sku,name,price\nWID-001,Widget mark II,12.5\nNEW-001,Newcomer,1\n",
    );
    let dry = workspace.run(&[
        "import", &changed, "--schema", "products", "--format", "json",
    ]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let document = dry.json();
    assert_eq!(
        document["plan"],
        json!({"insert": 1, "update": 1, "unchanged": 0, "rejected": 0, "skipped": 0})
    );
    assert_eq!(document["preview"][0]["changed"], json!(["name"]));

    let only_new = workspace.run(&[
        "import",
        &changed,
        "--schema",
        "products",
        "--mode",
        "insert-only",
        "--format",
        "json",
    ]);
    assert_eq!(
        only_new.json()["plan"],
        json!({"insert": 1, "update": 0, "unchanged": 0, "rejected": 0, "skipped": 1})
    );

    let commit = workspace.run(&[
        "import", &changed, "--schema", "products", "--commit", "--yes",
    ]);
    assert_eq!(commit.code, 0, "{}", commit.stderr);
    assert_eq!(
        workspace.query("SELECT sku, name, price, CAST(quantity AS TEXT) FROM products WHERE sku IN ('WID-001', 'NEW-001') ORDER BY sku"),
        texts(&[
            &[Some("NEW-001"), Some("Newcomer"), Some("1"), None],
            &[Some("WID-001"), Some("Widget mark II"), Some("12.5"), Some("100")],
        ])
    );
}

#[test]
fn a_commit_without_yes_off_a_terminal_is_refused() {
    let workspace = Workspace::new();
    let run = workspace.run(&[
        "import",
        &fixture("products.csv"),
        "--schema",
        "products",
        "--commit",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("--commit needs a confirmation: run it in a terminal to be asked, or pass --yes; nothing was written"),
        "{}",
        run.stderr
    );
    assert!(
        !workspace.path("intake.db").exists(),
        "nothing was written, not even an empty file"
    );
}

#[test]
fn rows_with_errors_block_a_commit_unless_skipped() {
    let workspace = Workspace::new();
    let refused = workspace.run(&[
        "import",
        &fixture("products-errors.csv"),
        "--schema",
        "products",
        "--commit",
        "--yes",
        "--format",
        "json",
    ]);
    assert_eq!(refused.code, 1);
    assert_eq!(refused.json()["committed"], false);
    assert!(
        refused.stderr.contains("13 rows have errors"),
        "{}",
        refused.stderr
    );
    assert!(!workspace.path("intake.db").exists());

    let dry = workspace.run(&[
        "import",
        &fixture("products-errors.csv"),
        "--schema",
        "products",
    ]);
    assert_eq!(
        dry.code, 1,
        "a dry run with errors reports them with exit 1"
    );

    let skipped = workspace.run(&[
        "import",
        &fixture("products-errors.csv"),
        "--schema",
        "products",
        "--commit",
        "--yes",
        "--skip-invalid",
        "--format",
        "json",
    ]);
    assert_eq!(skipped.code, 0, "{}", skipped.stderr);
    let document = skipped.json();
    assert_eq!(
        document["plan"],
        json!({"insert": 2, "update": 0, "unchanged": 0, "rejected": 13, "skipped": 0})
    );
    assert_eq!(
        workspace.query("SELECT sku, name, price, description FROM products ORDER BY sku"),
        texts(&[
            &[
                Some("A-100"),
                Some("Valid one"),
                Some("1.00"),
                Some("two\nlines")
            ],
            &[Some("A-115"), Some("Valid two"), Some("5.50"), None],
        ])
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
fn a_table_schema_and_a_hostile_table_name_are_handled() {
    let workspace = Workspace::new();
    let schema = workspace.write(
        "odd.schema.json",
        r#"{"fields": [
            {"name": "id", "type": "integer"},
            {"name": "label \"quoted\"; DROP TABLE x; --", "type": "string", "title": "Label",
             "constraints": {"required": true}}
        ], "primaryKey": ["id"]}"#,
    );
    let file = workspace.write("odd.tsv", "ID\tLabel\n1\tone\n2\ttwo\n");
    let run = workspace.run(&[
        "import", &file, "--schema", &schema, "--commit", "--yes", "--format", "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(document["table"], "odd");
    assert_eq!(document["delimiter"], "\t");
    assert_eq!(
        workspace.query("SELECT CAST(id AS TEXT), \"label \"\"quoted\"\"; DROP TABLE x; --\" FROM odd ORDER BY id"),
        texts(&[&[Some("1"), Some("one")], &[Some("2"), Some("two")]])
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
fn a_composite_key_tells_rows_apart_by_all_its_fields() {
    let workspace = Workspace::new();
    let schema = workspace.write(
        "order_lines.json",
        r#"{"fields": [
            {"name": "order_no", "type": "string"},
            {"name": "line", "type": "integer"},
            {"name": "amount", "type": "number", "constraints": {"minimum": 0}}
        ], "primaryKey": ["order_no", "line"]}"#,
    );
    let first = workspace.write(
        "lines.csv",
        "Order No,Line,Amount\nO-1,1,10.00\nO-1,2,5.25\nO-2,1,7\nO-1,2,9\n",
    );
    let run = workspace.run(&["validate", &first, "--schema", &schema, "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.json()["errors"],
        json!([{"row": 5, "cell": "A5", "column": "Order No", "field": "order_no", "value": "O-1, 2", "code": "unique",
                "message": "order_no + line must be unique: the same value is on row 3"}])
    );
    let commit = workspace.run(&[
        "import",
        &first,
        "--schema",
        &schema,
        "--commit",
        "--yes",
        "--skip-invalid",
    ]);
    assert_eq!(commit.code, 0, "{}", commit.stderr);
    let second = workspace.write(
        "lines2.csv",
        "Order No,Line,Amount\nO-1,1,10\nO-1,2,6.00\nO-2,2,1\n",
    );
    let dry = workspace.run(&["import", &second, "--schema", &schema, "--format", "json"]);
    assert_eq!(
        dry.json()["plan"],
        json!({"insert": 1, "update": 1, "unchanged": 1, "rejected": 0, "skipped": 0})
    );
    let commit = workspace.run(&["import", &second, "--schema", &schema, "--commit", "--yes"]);
    assert_eq!(commit.code, 0, "{}", commit.stderr);
    assert_eq!(
        workspace.query(
            "SELECT order_no, CAST(line AS TEXT), amount FROM order_lines ORDER BY order_no, line"
        ),
        texts(&[
            &[Some("O-1"), Some("1"), Some("10.00")],
            &[Some("O-1"), Some("2"), Some("6.00")],
            &[Some("O-2"), Some("1"), Some("7")],
            &[Some("O-2"), Some("2"), Some("1")],
        ])
    );
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
