//! Stage 3 on both databases: every test runs against a SQLite file and a PostgreSQL database
//! (a throwaway cluster the harness starts), and checks the table's rows afterwards.

use serde_json::{Value, json};

use crate::{Run, Target, Workspace, fixture, kill_while_writing, texts};

fn import(workspace: &Workspace, target: &Target, args: &[&str]) -> Run {
    let url = target.url();
    let mut all: Vec<&str> = vec!["import"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--db", &url]);
    workspace.run(&all)
}

fn json_of(run: &Run, target: &Target) -> Value {
    assert!(
        run.code == 0 || run.code == 1,
        "{}: {}",
        target.name(),
        run.stderr
    );
    run.json()
}

/// Changes to the products fixture: WID-001 renamed, one new product.
const WIDGET_CHANGES: &str = "sku,name,price\nWID-001,Widget mark II,12.5\nNEW-001,Newcomer,1\n";

/// Loads the products fixture into the target, as the starting state of a test.
fn seed_products(workspace: &Workspace, target: &Target) {
    let run = import(
        workspace,
        target,
        &[
            &fixture("products.csv"),
            "--schema",
            "products",
            "--commit",
            "--yes",
        ],
    );
    assert_eq!(run.code, 0, "{}: {}", target.name(), run.stderr);
}

/// Nothing was written to the target: no SQLite file, no products table on PostgreSQL.
fn assert_nothing_written(target: &Target) {
    match target {
        Target::Sqlite(path) => assert!(!path.exists(), "no database file: {}", path.display()),
        Target::Postgres(_) => assert_eq!(
            target.query(
                "SELECT CAST(count(*) AS TEXT) FROM information_schema.tables WHERE table_name = 'products'"
            ),
            texts(&[&[Some("0")]]),
            "no products table on PostgreSQL"
        ),
    }
}

const PRODUCTS: &str = "SELECT sku, name, CAST(price AS TEXT), CAST(quantity AS TEXT), CAST(weight_kg AS TEXT), unit, \
     CASE WHEN active THEN 'yes' ELSE 'no' END, supplier_email, CAST(released_on AS TEXT), CAST(updated_at AS TEXT) \
     FROM products ORDER BY sku";

#[test]
fn a_commit_writes_exactly_the_rows_and_a_second_one_nothing() {
    let workspace = Workspace::new();
    for target in workspace.targets() {
        let name = target.name();
        let dry = json_of(
            &import(
                &workspace,
                &target,
                &[
                    &fixture("products.csv"),
                    "--schema",
                    "products",
                    "--format",
                    "json",
                ],
            ),
            &target,
        );
        assert_eq!(
            dry["plan"],
            json!({"insert": 5, "update": 0, "unchanged": 0, "rejected": 0, "skipped": 0}),
            "{name}"
        );
        assert_eq!(dry["create_table"], true, "{name}");
        assert_eq!(dry["committed"], false, "{name}");
        assert_eq!(dry["dry_run"], true, "{name}");
        assert_eq!(dry["backup"], Value::Null, "{name}");
        assert_eq!(dry["import_id"], Value::Null, "{name}");
        assert_eq!(
            dry["preview"][0],
            json!({"row": 2, "action": "insert", "values": {
                "sku": "WID-001", "name": "Widget", "price": "12.50", "quantity": 100, "weight_kg": "0.25",
                "unit": "each", "active": true, "supplier_email": "sales@acme.example",
                "released_on": "2021-03-15", "updated_at": "2024-01-05 09:30:00"}}),
            "{name}"
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
            assert!(
                dry.get(key).is_some(),
                "{name}: the import document has {key}"
            );
        }
        // A dry run writes nothing: no database file, no table.
        assert_nothing_written(&target);
        let commit = import(
            &workspace,
            &target,
            &[
                &fixture("products.csv"),
                "--schema",
                "products",
                "--commit",
                "--yes",
                "--format",
                "json",
            ],
        );
        assert_eq!(commit.code, 0, "{name}: {}", commit.stderr);
        assert_eq!(commit.json()["committed"], true, "{name}");
        // Money is stored exactly, never as a float: text on SQLite, numeric on PostgreSQL.
        let price_type = match &target {
            Target::Sqlite(_) => "SELECT DISTINCT typeof(price) FROM products",
            Target::Postgres(_) => {
                "SELECT data_type FROM information_schema.columns WHERE table_name = 'products' AND column_name = 'price'"
            }
        };
        let expected_type = match &target {
            Target::Sqlite(_) => "text",
            Target::Postgres(_) => "numeric",
        };
        assert_eq!(
            target.query(price_type),
            texts(&[&[Some(expected_type)]]),
            "{name}"
        );
        // The fields the file has no column for stay empty.
        assert_eq!(
            target.query(
                "SELECT sku FROM products WHERE image_url IS NOT NULL OR description IS NOT NULL"
            ),
            texts(&[]),
            "{name}"
        );
        assert_eq!(
            target.query(PRODUCTS),
            texts(&[
                &[
                    Some("BOLT-M8"),
                    Some("Bolt M8 (pack of 50)"),
                    Some("4.35"),
                    Some("2500"),
                    Some("0.40"),
                    Some("pack"),
                    Some("yes"),
                    None,
                    Some("2020-01-10"),
                    None
                ],
                &[
                    Some("GAD-100"),
                    Some("Gadget"),
                    Some("7.00"),
                    Some("0"),
                    Some("0.10"),
                    Some("box"),
                    Some("no"),
                    Some("orders@gizmo.example"),
                    Some("2022-11-01"),
                    Some("2024-02-11 14:00:00")
                ],
                &[
                    Some("GAD-200"),
                    Some("Gadget Pro"),
                    Some("149.00"),
                    Some("12"),
                    Some("1.20"),
                    Some("each"),
                    Some("yes"),
                    Some("orders@gizmo.example"),
                    Some("2023-06-30"),
                    Some("2024-02-11 14:00:00")
                ],
                &[
                    Some("WID-001"),
                    Some("Widget"),
                    Some("12.50"),
                    Some("100"),
                    Some("0.25"),
                    Some("each"),
                    Some("yes"),
                    Some("sales@acme.example"),
                    Some("2021-03-15"),
                    Some("2024-01-05 09:30:00")
                ],
                &[
                    Some("WID-002"),
                    Some("Widget, large"),
                    Some("19.99"),
                    Some("40"),
                    Some("0.80"),
                    Some("each"),
                    Some("yes"),
                    Some("sales@acme.example"),
                    Some("2021-03-15"),
                    Some("2024-01-05 09:30:00")
                ],
            ]),
            "{name}"
        );
        let again = json_of(
            &import(
                &workspace,
                &target,
                &[
                    &fixture("products.csv"),
                    "--schema",
                    "products",
                    "--commit",
                    "--yes",
                    "--format",
                    "json",
                ],
            ),
            &target,
        );
        assert_eq!(
            again["plan"],
            json!({"insert": 0, "update": 0, "unchanged": 5, "rejected": 0, "skipped": 0}),
            "{name}"
        );
        assert_eq!(
            target.query("SELECT CAST(count(*) AS TEXT) FROM products"),
            texts(&[&[Some("5")]]),
            "{name}"
        );
    }
}

#[test]
fn updates_touch_only_the_mapped_columns_and_modes_hold() {
    let workspace = Workspace::new();
    let changed = workspace.write("changed.csv", WIDGET_CHANGES);
    let more = workspace.write(
        "more.csv",
        "sku,name,price\nWID-002,Widget XL,20\nNEW-002,Second newcomer,2\n",
    );
    for target in workspace.targets() {
        let name = target.name();
        seed_products(&workspace, &target);
        let dry = json_of(
            &import(
                &workspace,
                &target,
                &[&changed, "--schema", "products", "--format", "json"],
            ),
            &target,
        );
        assert_eq!(
            dry["plan"],
            json!({"insert": 1, "update": 1, "unchanged": 0, "rejected": 0, "skipped": 0}),
            "{name}"
        );
        assert_eq!(
            dry["preview"][0]["changed"],
            json!(["name"]),
            "{name}: 12.5 is 12.50"
        );
        let only_new = json_of(
            &import(
                &workspace,
                &target,
                &[
                    &changed,
                    "--schema",
                    "products",
                    "--mode",
                    "insert-only",
                    "--commit",
                    "--yes",
                    "--format",
                    "json",
                ],
            ),
            &target,
        );
        assert_eq!(
            only_new["plan"],
            json!({"insert": 1, "update": 0, "unchanged": 0, "rejected": 0, "skipped": 1}),
            "{name}"
        );
        assert_eq!(
            target.query("SELECT sku, name, CAST(price AS TEXT), CAST(quantity AS TEXT) FROM products WHERE sku IN ('WID-001', 'NEW-001') ORDER BY sku"),
            texts(&[&[Some("NEW-001"), Some("Newcomer"), Some("1"), None], &[Some("WID-001"), Some("Widget"), Some("12.50"), Some("100")]]),
            "{name}: insert-only leaves existing rows alone"
        );
        let update_only = json_of(
            &import(
                &workspace,
                &target,
                &[
                    &changed,
                    "--schema",
                    "products",
                    "--mode",
                    "update-only",
                    "--commit",
                    "--yes",
                    "--format",
                    "json",
                ],
            ),
            &target,
        );
        assert_eq!(
            update_only["plan"],
            json!({"insert": 0, "update": 1, "unchanged": 1, "rejected": 0, "skipped": 0}),
            "{name}"
        );
        assert_eq!(
            target.query("SELECT sku, name, CAST(price AS TEXT), CAST(quantity AS TEXT), unit FROM products WHERE sku = 'WID-001'"),
            texts(&[&[Some("WID-001"), Some("Widget mark II"), Some("12.5"), Some("100"), Some("each")]]),
            "{name}: columns the file lacks are untouched"
        );
        // The default mode inserts and updates in one commit.
        let upsert = json_of(
            &import(
                &workspace,
                &target,
                &[
                    &more, "--schema", "products", "--commit", "--yes", "--format", "json",
                ],
            ),
            &target,
        );
        assert_eq!(
            upsert["plan"],
            json!({"insert": 1, "update": 1, "unchanged": 0, "rejected": 0, "skipped": 0}),
            "{name}"
        );
        assert_eq!(
            target.query("SELECT sku, name, CAST(price AS TEXT), CAST(quantity AS TEXT) FROM products WHERE sku IN ('WID-002', 'NEW-002') ORDER BY sku"),
            texts(&[&[Some("NEW-002"), Some("Second newcomer"), Some("2"), None], &[Some("WID-002"), Some("Widget XL"), Some("20"), Some("40")]]),
            "{name}"
        );
    }
}

#[test]
fn rejected_rows_block_a_commit_and_skip_invalid_loads_the_rest() {
    let workspace = Workspace::new();
    for target in workspace.targets() {
        let name = target.name();
        let refused = import(
            &workspace,
            &target,
            &[
                &fixture("products-errors.csv"),
                "--schema",
                "products",
                "--commit",
                "--yes",
                "--format",
                "json",
            ],
        );
        assert_eq!(refused.code, 1, "{name}");
        assert_eq!(refused.json()["committed"], false, "{name}");
        assert!(
            refused.stderr.contains("13 rows have errors"),
            "{name}: {}",
            refused.stderr
        );
        // Refused, it wrote nothing.
        assert_nothing_written(&target);
        let dry = import(
            &workspace,
            &target,
            &[&fixture("products-errors.csv"), "--schema", "products"],
        );
        assert_eq!(
            dry.code, 1,
            "{name}: a dry run with errors reports them with exit 1"
        );
        let without_yes = import(
            &workspace,
            &target,
            &[&fixture("products.csv"), "--schema", "products", "--commit"],
        );
        assert_eq!(without_yes.code, 1, "{name}");
        assert!(
            without_yes.stderr.contains("--commit needs a confirmation: run it in a terminal to be asked, or pass --yes; nothing was written"),
            "{name}: {}",
            without_yes.stderr
        );
        // Nothing was written, not even an empty file.
        assert_nothing_written(&target);
        let skipped = json_of(
            &import(
                &workspace,
                &target,
                &[
                    &fixture("products-errors.csv"),
                    "--schema",
                    "products",
                    "--commit",
                    "--yes",
                    "--skip-invalid",
                    "--format",
                    "json",
                ],
            ),
            &target,
        );
        assert_eq!(
            skipped["plan"],
            json!({"insert": 2, "update": 0, "unchanged": 0, "rejected": 13, "skipped": 0}),
            "{name}"
        );
        assert_eq!(
            target.query(
                "SELECT sku, name, CAST(price AS TEXT), description FROM products ORDER BY sku"
            ),
            texts(&[
                &[
                    Some("A-100"),
                    Some("Valid one"),
                    Some("1.00"),
                    Some("two\nlines")
                ],
                &[Some("A-115"), Some("Valid two"), Some("5.50"), None]
            ]),
            "{name}: only the valid rows, and nothing from the refused runs"
        );
    }
}

#[test]
fn a_table_schema_its_table_named_by_the_file_and_a_hostile_column_on_both() {
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
    for target in workspace.targets() {
        let name = target.name();
        let document = json_of(
            &import(
                &workspace,
                &target,
                &[
                    &file, "--schema", &schema, "--commit", "--yes", "--format", "json",
                ],
            ),
            &target,
        );
        assert_eq!(document["committed"], true, "{name}");
        assert_eq!(document["table"], "odd", "{name}");
        assert_eq!(document["delimiter"], "\t", "{name}");
        assert_eq!(
            target.query("SELECT CAST(id AS TEXT), \"label \"\"quoted\"\"; DROP TABLE x; --\" FROM odd ORDER BY id"),
            texts(&[&[Some("1"), Some("one")], &[Some("2"), Some("two")]]),
            "{name}"
        );
    }
}

#[test]
fn composite_keys_and_hostile_names_work_on_both() {
    let workspace = Workspace::new();
    let schema = workspace.write(
        "order_lines.json",
        r#"{"fields": [
            {"name": "order_no", "type": "string"},
            {"name": "line", "type": "integer"},
            {"name": "amount \"net\"; DROP TABLE x; --", "type": "number", "title": "Amount"}
        ], "primaryKey": ["order_no", "line"]}"#,
    );
    // A key seen twice in the first file: row 5 repeats row 3 by both its fields.
    let first = workspace.write(
        "lines.csv",
        "Order No,Line,Amount\nO-1,1,10.00\nO-1,2,5.25\nO-2,1,7\nO-1,2,9\n",
    );
    let second = workspace.write(
        "lines2.csv",
        "Order No,Line,Amount\nO-1,1,10\nO-1,2,6.00\nO-2,2,1\n",
    );
    let run = workspace.run(&["validate", &first, "--schema", &schema, "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.json()["errors"],
        json!([{"row": 5, "cell": "A5", "column": "Order No", "field": "order_no", "value": "O-1, 2", "code": "unique",
                "message": "order_no + line must be unique: the same value is on row 3"}])
    );
    for target in workspace.targets() {
        let name = target.name();
        assert_eq!(
            import(
                &workspace,
                &target,
                &[
                    &first,
                    "--schema",
                    &schema,
                    "--commit",
                    "--yes",
                    "--skip-invalid"
                ]
            )
            .code,
            0,
            "{name}"
        );
        let dry = json_of(
            &import(
                &workspace,
                &target,
                &[&second, "--schema", &schema, "--format", "json"],
            ),
            &target,
        );
        assert_eq!(
            dry["plan"],
            json!({"insert": 1, "update": 1, "unchanged": 1, "rejected": 0, "skipped": 0}),
            "{name}"
        );
        assert_eq!(
            import(
                &workspace,
                &target,
                &[&second, "--schema", &schema, "--commit", "--yes"]
            )
            .code,
            0,
            "{name}"
        );
        assert_eq!(
            target.query("SELECT order_no, CAST(line AS TEXT), CAST(\"amount \"\"net\"\"; DROP TABLE x; --\" AS TEXT) FROM order_lines ORDER BY order_no, line"),
            texts(&[
                &[Some("O-1"), Some("1"), Some("10.00")],
                &[Some("O-1"), Some("2"), Some("6.00")],
                &[Some("O-2"), Some("1"), Some("7")],
                &[Some("O-2"), Some("2"), Some("1")],
            ]),
            "{name}"
        );
    }
}

#[test]
fn a_constraint_the_file_cannot_see_rolls_everything_back_and_names_the_row() {
    let workspace = Workspace::new();
    let first = workspace.write(
        "first.csv",
        "customer_id,name,email\nC-1,Ann,ann@example.com\n",
    );
    // Within the file every value is unique; against the table, row 4 repeats Ann's e-mail.
    let second = workspace.write(
        "second.csv",
        "customer_id,name,email\nC-2,Bob,bob@example.com\nC-3,Cy,cy@example.com\nC-4,Ann again,ann@example.com\n",
    );
    for target in workspace.targets() {
        let name = target.name();
        assert_eq!(
            import(
                &workspace,
                &target,
                &[&first, "--schema", "customers", "--commit", "--yes"]
            )
            .code,
            0,
            "{name}"
        );
        let failed = import(
            &workspace,
            &target,
            &[&second, "--schema", "customers", "--commit", "--yes"],
        );
        assert_eq!(failed.code, 1, "{name}: {}", failed.stderr);
        assert!(
            failed
                .stderr
                .contains("the import failed and nothing was written")
                && failed
                    .stderr
                    .contains("the database refused row 4 (customer_id C-4)"),
            "{name}: {}",
            failed.stderr
        );
        assert_eq!(
            target.query("SELECT customer_id, email FROM customers ORDER BY customer_id"),
            texts(&[&[Some("C-1"), Some("ann@example.com")]]),
            "{name}: nothing of the failed import is left"
        );
    }
}

#[test]
fn two_imports_at_once_both_land_whole() {
    let workspace = Workspace::new();
    let mut first = String::from("sku,name,price\n");
    let mut second = String::from("sku,name,price\n");
    for number in 0..3000 {
        first.push_str(&format!("A-{number:05},First {number},1.00\n"));
        second.push_str(&format!("B-{number:05},Second {number},2.00\n"));
    }
    // Both files also write one shared row: whichever commits last sets it, whole.
    first.push_str("SHARED,From first,1.00\n");
    second.push_str("SHARED,From second,2.00\n");
    let first = workspace.write("first.csv", first);
    let second = workspace.write("second.csv", second);
    for target in workspace.targets() {
        let name = target.name();
        // The table exists first, so that neither run has to create it.
        seed_products(&workspace, &target);
        let url = target.url();
        let runs = [
            crate::spawn_import(&workspace, &first, &url),
            crate::spawn_import(&workspace, &second, &url),
        ];
        let mut landed = Vec::new();
        for run in runs {
            let output = run.wait_with_output().expect("intake ends");
            let stderr = String::from_utf8_lossy(&output.stderr).to_string();
            // One import at a time: the second either planned after the first committed and
            // lands whole, or finds the shared key taken since its plan and writes nothing.
            match output.status.code() {
                Some(0) => landed.push(true),
                Some(1) => {
                    assert!(
                        stderr.contains("nothing was written") && stderr.contains("SHARED"),
                        "{name}: {stderr}"
                    );
                    landed.push(false);
                }
                other => panic!("{name}: exit {other:?}: {stderr}"),
            }
        }
        assert!(
            landed.iter().any(|landed| *landed),
            "{name}: at least one import lands"
        );
        let expected = |landed: bool| if landed { "3000" } else { "0" };
        assert_eq!(
            target.query("SELECT CAST(count(*) AS TEXT) FROM products WHERE sku LIKE 'A-%'"),
            texts(&[&[Some(expected(landed[0]))]]),
            "{name}"
        );
        assert_eq!(
            target.query("SELECT CAST(count(*) AS TEXT) FROM products WHERE sku LIKE 'B-%'"),
            texts(&[&[Some(expected(landed[1]))]]),
            "{name}"
        );
        let shared =
            target.query("SELECT name, CAST(price AS TEXT) FROM products WHERE sku = 'SHARED'");
        assert!(
            shared == texts(&[&[Some("From first"), Some("1.00")]])
                || shared == texts(&[&[Some("From second"), Some("2.00")]]),
            "{name}: the shared row is one file's, whole: {shared:?}"
        );
    }
}

/// A table made by hand, not by intake, on either database.
fn make_stock_table(target: &Target) {
    let sql = match target {
        Target::Sqlite(_) => {
            "CREATE TABLE stock (id INTEGER PRIMARY KEY AUTOINCREMENT, sku TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL DEFAULT 0, \
             price NUMERIC, note VARCHAR(10), added DATE)"
        }
        Target::Postgres(_) => {
            "CREATE TABLE stock (id SERIAL PRIMARY KEY, sku TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL DEFAULT 0, \
             price NUMERIC(10, 2), note VARCHAR(10), added DATE)"
        }
    };
    target.query(sql);
    target.query("INSERT INTO stock (sku, qty, price, note, added) VALUES ('OLD-1', 5, 1.50, 'first', '2024-01-01')");
}

fn sequence_value(target: &Target) -> Vec<Vec<Option<String>>> {
    match target {
        Target::Sqlite(_) => {
            target.query("SELECT CAST(seq AS TEXT) FROM sqlite_sequence WHERE name = 'stock'")
        }
        Target::Postgres(_) => target.query("SELECT CAST(last_value AS TEXT) FROM stock_id_seq"),
    }
}

#[test]
fn an_existing_table_is_the_schema_and_its_sequence_is_untouched_by_a_dry_run() {
    let workspace = Workspace::new();
    let by_id = workspace.write("by-id.csv", "id,sku,qty,price,note\n1,OLD-1,6,1.50,first\n2,NEW-2,1,2.25,a note too long\n3,NEW-3,,3,\n");
    let by_sku = workspace.write("stock.toml", "table = \"stock\"\nkey = \"sku\"\n[[fields]]\nname = \"sku\"\n[[fields]]\nname = \"qty\"\ntype = \"integer\"\n[[fields]]\nname = \"price\"\ntype = \"number\"\n");
    let new_rows = workspace.write("new.csv", "sku,qty,price\nOLD-1,7,1.50\nNEW-4,2,9.99\n");
    for target in workspace.targets() {
        let name = target.name();
        make_stock_table(&target);
        // The table alone: columns, NOT NULL without a default, the primary key, varchar(10).
        let validated = workspace.run(&[
            "validate",
            &by_id,
            "--table",
            "stock",
            "--db",
            &target.url(),
            "--format",
            "json",
        ]);
        assert_eq!(validated.code, 1, "{name}: {}", validated.stderr);
        let document = validated.json();
        let errors: Vec<(u64, String)> = document["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|error| {
                (
                    error["row"].as_u64().expect("row"),
                    error["code"].as_str().expect("code").to_string(),
                )
            })
            .collect();
        assert_eq!(
            errors,
            vec![(3, "maxLength".to_string())],
            "{name}: qty has a default, so an empty one is fine"
        );
        assert_eq!(document["table"], "stock", "{name}");

        // A mapping file keyed on sku: checked against the table, then loaded; the dry run
        // consumes no sequence value.
        let before = sequence_value(&target);
        let dry = json_of(
            &import(
                &workspace,
                &target,
                &[&new_rows, "--schema", &by_sku, "--format", "json"],
            ),
            &target,
        );
        assert_eq!(
            dry["plan"],
            json!({"insert": 1, "update": 1, "unchanged": 0, "rejected": 0, "skipped": 0}),
            "{name}"
        );
        assert_eq!(
            sequence_value(&target),
            before,
            "{name}: the dry run took no sequence value"
        );
        let commit = import(
            &workspace,
            &target,
            &[&new_rows, "--schema", &by_sku, "--commit", "--yes"],
        );
        assert_eq!(commit.code, 0, "{name}: {}", commit.stderr);
        // SQLite's NUMERIC affinity keeps 1.50 as the float 1.5 in a table made by hand.
        let old_price = if name == "sqlite" { "1.5" } else { "1.50" };
        assert_eq!(
            target.query("SELECT CAST(id AS TEXT), sku, CAST(qty AS TEXT), CAST(price AS TEXT), note FROM stock ORDER BY id"),
            texts(&[
                &[Some("1"), Some("OLD-1"), Some("7"), Some(old_price), Some("first")],
                &[Some("2"), Some("NEW-4"), Some("2"), Some("9.99"), None],
            ]),
            "{name}: the note column, absent from the file, is kept, and no id was spent on the update"
        );
    }
}

#[test]
fn a_schema_that_does_not_fit_the_table_stops_before_any_row() {
    let workspace = Workspace::new();
    let wrong = workspace.write(
        "wrong.toml",
        "table = \"stock\"\nkey = \"sku\"\n[[fields]]\nname = \"sku\"\n[[fields]]\nname = \"colour\"\n[[fields]]\nname = \"added\"\ntype = \"boolean\"\n",
    );
    let file = workspace.write("rows.csv", "sku,colour,added\nX-1,red,yes\n");
    for target in workspace.targets() {
        let name = target.name();
        make_stock_table(&target);
        let run = import(
            &workspace,
            &target,
            &[&file, "--schema", &wrong, "--commit", "--yes"],
        );
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("field \"colour\" has no column in the table")
                && run
                    .stderr
                    .contains("field \"added\" is boolean but its column is")
                && run.stderr.contains("change the schema or the table"),
            "{name}: {}",
            run.stderr
        );
        assert_eq!(
            target.query("SELECT CAST(count(*) AS TEXT) FROM stock"),
            texts(&[&[Some("1")]]),
            "{name}"
        );
    }
}

#[test]
fn a_commit_with_a_plan_id_writes_only_that_plan() {
    let workspace = Workspace::new();
    let changed = workspace.write("changed.csv", WIDGET_CHANGES);
    for target in workspace.targets() {
        let name = target.name();
        seed_products(&workspace, &target);
        let dry = json_of(
            &import(
                &workspace,
                &target,
                &[&changed, "--schema", "products", "--format", "json"],
            ),
            &target,
        );
        let plan_id = dry["plan_id"].as_str().expect("a plan id").to_string();
        assert!(plan_id.starts_with("1i1u0n-"), "{name}: {plan_id}");
        let again = json_of(
            &import(
                &workspace,
                &target,
                &[&changed, "--schema", "products", "--format", "json"],
            ),
            &target,
        );
        assert_eq!(
            again["plan_id"],
            plan_id.as_str(),
            "{name}: the same file and table give the same plan"
        );

        // Someone edits the row the plan would update, between the dry run and the commit.
        target.query("UPDATE products SET name = 'Edited by hand' WHERE sku = 'WID-001'");
        let refused = import(
            &workspace,
            &target,
            &[
                &changed, "--schema", "products", "--commit", "--yes", "--plan", &plan_id,
            ],
        );
        assert_eq!(refused.code, 1, "{name}: {}", refused.stderr);
        assert!(
            refused.stderr.contains(&format!(
                "the plan changed since the dry run: it was {plan_id}"
            )) && refused.stderr.contains("nothing was written"),
            "{name}: {}",
            refused.stderr
        );
        assert_eq!(
            target.query(
                "SELECT name FROM products WHERE sku IN ('WID-001', 'NEW-001') ORDER BY sku"
            ),
            texts(&[&[Some("Edited by hand")]]),
            "{name}: nothing was written"
        );

        // A fresh dry run, and its plan committed.
        let fresh = json_of(
            &import(
                &workspace,
                &target,
                &[&changed, "--schema", "products", "--format", "json"],
            ),
            &target,
        );
        let fresh_id = fresh["plan_id"].as_str().expect("a plan id").to_string();
        assert_ne!(fresh_id, plan_id, "{name}");
        let commit = import(
            &workspace,
            &target,
            &[
                &changed, "--schema", "products", "--commit", "--yes", "--plan", &fresh_id,
            ],
        );
        assert_eq!(commit.code, 0, "{name}: {}", commit.stderr);
        assert_eq!(
            target.query(
                "SELECT name FROM products WHERE sku IN ('WID-001', 'NEW-001') ORDER BY sku"
            ),
            texts(&[&[Some("Newcomer")], &[Some("Widget mark II")]]),
            "{name}"
        );
    }
}

#[test]
fn an_error_after_rows_were_streamed_leaves_no_row_and_no_new_table() {
    let workspace = Workspace::new();
    // 7,000 good rows, then one with a price that is not a number: the first run of rows is
    // already written inside the transaction when the bad row is read.
    let mut text = String::from("sku,name,price\n");
    for number in 0..7_000 {
        text.push_str(&format!("S-{number:05},Item {number},1.00\n"));
    }
    text.push_str("S-BAD,Bad price,twelve\n");
    let file = workspace.write("late-error.csv", text);
    for target in workspace.targets() {
        let name = target.name();
        let run = import(
            &workspace,
            &target,
            &[&file, "--schema", "products", "--commit", "--yes"],
        );
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains("1 rows have errors") && run.stderr.contains("nothing was written"),
            "{name}: {}",
            run.stderr
        );
        match &target {
            Target::Sqlite(path) => assert!(!path.exists(), "{name}: the new file is removed"),
            Target::Postgres(_) => assert_eq!(
                target.query(
                    "SELECT CAST(count(*) AS TEXT) FROM information_schema.tables WHERE table_name IN ('products', 'intake_imports')"
                ),
                texts(&[&[Some("0")]]),
                "{name}: the table made for the import is gone with it"
            ),
        }
    }
}

/// Runs `intake import ARGS --commit` in a pseudo-terminal (util-linux `script`), so that it
/// asks before writing; once the question is on the screen, `meanwhile` runs, then `answer` is
/// typed. Gives the exit code and everything the terminal showed.
fn import_answering(
    workspace: &Workspace,
    target: &Target,
    args: &[&str],
    meanwhile: impl FnOnce(),
    answer: &str,
) -> (i32, String) {
    let url = target.url();
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    all.extend(["--commit", "--db", &url, "--backup-dir", "backups"]);
    crate::run_answering(
        workspace,
        &all,
        vec![crate::Answer {
            prompt: "rows to table",
            meanwhile: Box::new(meanwhile),
            answer,
        }],
    )
}

#[test]
fn a_confirmed_plan_is_written_only_as_it_was_shown() {
    let workspace = Workspace::new();
    let changed = workspace.write("changed.csv", WIDGET_CHANGES);
    for target in workspace.targets() {
        let name = target.name();
        seed_products(&workspace, &target);
        // The user reads the plan, and someone edits the row it updates before the answer.
        let (code, shown) = import_answering(
            &workspace,
            &target,
            &[&changed, "--schema", "products"],
            || {
                target.query("UPDATE products SET name = 'Edited by hand' WHERE sku = 'WID-001'");
            },
            "y",
        );
        assert_eq!(code, 1, "{name}: {shown}");
        assert!(
            shown.contains("the table changed since the plan you confirmed, so nothing was written")
                && shown.contains("row 2 (WID-001): name held \"Widget\" when you confirmed, it holds \"Edited by hand\" now"),
            "{name}: {shown}"
        );
        assert_eq!(
            target.query(
                "SELECT sku, name FROM products WHERE sku IN ('WID-001', 'NEW-001') ORDER BY sku"
            ),
            texts(&[&[Some("WID-001"), Some("Edited by hand")]]),
            "{name}: nothing was written"
        );

        // Asked again, with nothing changing meanwhile: written as shown.
        let (code, shown) = import_answering(
            &workspace,
            &target,
            &[&changed, "--schema", "products"],
            || {},
            "y",
        );
        assert_eq!(code, 0, "{name}: {shown}");
        assert!(
            shown.contains("Committed: 1 inserted, 1 updated")
                && !shown.contains("Nothing was written."),
            "{name}: {shown}"
        );
        assert_eq!(
            target.query(
                "SELECT sku, name FROM products WHERE sku IN ('WID-001', 'NEW-001') ORDER BY sku"
            ),
            texts(&[
                &[Some("NEW-001"), Some("Newcomer")],
                &[Some("WID-001"), Some("Widget mark II")]
            ]),
            "{name}"
        );
    }
}

#[test]
fn an_import_killed_while_it_streams_leaves_the_table_as_it_was() {
    let workspace = Workspace::new();
    let mut text = String::from("sku,name,price\n");
    for number in 0..200_000 {
        text.push_str(&format!(
            "K-{number:06},Killed {number},{}.75\n",
            number % 500
        ));
    }
    let file = workspace.write("big.csv", &text);
    for target in workspace.targets() {
        let name = target.name();
        seed_products(&workspace, &target);
        let state = "SELECT CAST(count(*) AS TEXT), CAST(sum(length(name)) AS TEXT) FROM products";
        let before = target.query(state);
        let history = || {
            workspace
                .run(&["history", "--db", &target.url(), "--format", "json"])
                .json()
        };
        let history_before = history();
        let url = target.url();
        // Killed once rows are on their way into the table.
        kill_while_writing(
            &workspace,
            &target,
            &[
                "import", &file, "--schema", "products", "--commit", "--yes", "--db", &url,
            ],
            &["COPY \"products\""],
        );
        assert_eq!(target.query(state), before, "{name}: as it was");
        assert_eq!(history(), history_before, "{name}: no history of it");
        // Its unfinished journal is left; `backup prune` clears it once it is an hour old.
        let partial: Vec<std::path::PathBuf> = std::fs::read_dir(workspace.path("backups/imports"))
            .expect("the journals' folder")
            .map(|entry| entry.expect("an entry").path())
            .filter(|path| path.to_string_lossy().ends_with(".partial"))
            .collect();
        assert_eq!(partial.len(), 1, "{name}: {partial:?}");
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        std::fs::File::options()
            .write(true)
            .open(&partial[0])
            .and_then(|file| file.set_modified(two_hours_ago))
            .expect("age the journal");
        // Its safety backup is whole but says that its import did not commit.
        let listed = workspace
            .run(&["backup", "list", "--dir", "backups", "--format", "json"])
            .json();
        // (Besides the backups of the earlier target's imports, which committed.)
        let listed: Vec<&serde_json::Value> = listed
            .as_array()
            .expect("a list")
            .iter()
            .filter(|item| item["verified"] == "uncommitted")
            .collect();
        assert_eq!(listed.len(), 1, "{name}: {listed:?}");
        let reason = listed[0]["reason"].as_str().expect("a reason");
        assert!(
            reason.starts_with("before import into products; import ")
                && reason.ends_with(" did not commit"),
            "{name}: {reason}"
        );
        let folder = workspace.path(listed[0]["path"].as_str().expect("a path"));
        std::fs::File::open(&folder)
            .and_then(|file| file.set_modified(two_hours_ago))
            .expect("age the backup");
        let pruned = workspace.run(&["backup", "prune", "--keep-last", "100", "--dir", "backups"]);
        assert_eq!(pruned.code, 0, "{name}: {}", pruned.stderr);
        for why in [
            "the journal of an import that did not finish",
            "the safety backup of an import that did not commit",
        ] {
            assert!(pruned.stdout.contains(why), "{name}: {}", pruned.stdout);
        }
        assert!(!partial[0].exists(), "{name}");
        assert!(!folder.exists(), "{name}");

        // Nothing is left holding the table: the same import runs whole.
        let run = import(
            &workspace,
            &target,
            &[&file, "--schema", "products", "--commit", "--yes"],
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(
            target.query("SELECT CAST(count(*) AS TEXT) FROM products WHERE sku LIKE 'K-%'"),
            texts(&[&[Some("200000")]]),
            "{name}"
        );
    }
}

#[test]
fn a_sqlite_database_another_writer_holds_is_refused_plainly() {
    let workspace = Workspace::new();
    let target = workspace
        .targets()
        .into_iter()
        .find(|target| matches!(target, Target::Sqlite(_)))
        .expect("a SQLite target");
    let Target::Sqlite(path) = &target else {
        unreachable!("a SQLite target")
    };
    seed_products(&workspace, &target);
    // Another program writes to the file and keeps its write lock past the 10 s busy timeout.
    let (held, stop) = (
        std::sync::mpsc::channel::<()>(),
        std::sync::mpsc::channel::<()>(),
    );
    let (held_sender, held_receiver) = held;
    let (stop_sender, stop_receiver) = stop;
    let database = path.clone();
    let holder = std::thread::spawn(move || {
        crate::runtime().block_on(async {
            use sqlx::ConnectOptions;
            let mut connection = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&database)
                .connect()
                .await
                .expect("open the file");
            sqlx::raw_sql("BEGIN IMMEDIATE")
                .execute(&mut connection)
                .await
                .expect("take the write lock");
            held_sender.send(()).expect("say so");
            let _ = stop_receiver.recv_timeout(std::time::Duration::from_secs(60));
            sqlx::raw_sql("ROLLBACK")
                .execute(&mut connection)
                .await
                .expect("let go");
        });
    });
    held_receiver.recv().expect("the lock is held");
    let changed = workspace.write("changed.csv", WIDGET_CHANGES);
    let run = import(
        &workspace,
        &target,
        &[&changed, "--schema", "products", "--commit", "--yes"],
    );
    stop_sender.send(()).expect("stop holding");
    holder.join().expect("the holder ends");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("another writer (another import?) has held the database for more than 10 seconds; nothing was written"),
        "{}",
        run.stderr
    );
    assert_eq!(
        target.query("SELECT name FROM products WHERE sku = 'WID-001'"),
        texts(&[&[Some("Widget")]]),
    );
}
