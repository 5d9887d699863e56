//! The validation engine: messy but valid values, every rule, foreign keys, and the reports a
//! user fixes a file with (error report, rejects file), safe to open in a spreadsheet.

use serde_json::{Value, json};

use crate::{Workspace, errors_of, fixture, texts};

fn validate(
    workspace: &Workspace,
    file: &str,
    schema: &str,
    extra: &[&str],
) -> (i32, Value, String) {
    let mut args = vec!["validate", file, "--schema", schema, "--format", "json"];
    args.extend_from_slice(extra);
    let run = workspace.run(&args);
    let stderr = run.stderr.clone();
    let document = if run.stdout.is_empty() {
        Value::Null
    } else {
        run.json()
    };
    (run.code, document, stderr)
}

#[test]
fn messy_but_valid_values_are_read() {
    let workspace = Workspace::new();
    let file = workspace.write(
        "messy.csv",
        "sku,name,price,quantity,weight_kg,active,released_on,updated_at\n\
         00123,Leading zeros,\"$1,200.00\",12.0,\"1\u{a0}234.5\",Y,31 Jan 2024,2024-01-31T14:30:00+01:00\n\
         A-2,Accounting,(12.50),\"1,000\",0.5,no,2024/02/29,2024-02-29 08:00\n\
         A-3,Currency after,12 EUR,0,.25,TRUE,\"Mar 1, 2024\",2024-03-01 2:30 PM\n",
    );
    let run = workspace.run(&[
        "import",
        &file,
        "--schema",
        "products",
        "--format",
        "json",
        "--skip-invalid",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    let values: Vec<Value> = document["preview"]
        .as_array()
        .expect("preview")
        .iter()
        .map(|row| row["values"].clone())
        .collect();
    assert_eq!(
        values,
        vec![
            json!({"sku": "00123", "name": "Leading zeros", "price": "1200.00", "quantity": 12, "weight_kg": "1234.5", "active": true, "released_on": "2024-01-31", "updated_at": "2024-01-31 13:30:00"}),
            json!({"sku": "A-3", "name": "Currency after", "price": "12", "quantity": 0, "weight_kg": "0.25", "active": true, "released_on": "2024-03-01", "updated_at": "2024-03-01 14:30:00"}),
        ]
    );
    // Accounting parentheses read as a negative number, which then fails the price's minimum:
    // the only error in the file.
    assert_eq!(
        document["errors"],
        json!([{"row": 3, "cell": "C3", "column": "price", "field": "price", "value": "(12.50)", "code": "minimum", "message": "must be at least 0"}])
    );
}

#[test]
fn fields_can_have_their_own_boolean_words() {
    let workspace = Workspace::new();
    let schema = workspace.write(
        "flags.json",
        r#"{"fields": [{"name": "id", "type": "integer"},
                       {"name": "paid", "type": "boolean", "trueValues": ["ja", "bezahlt"], "falseValues": ["nein"]}],
            "primaryKey": "id"}"#,
    );
    let file = workspace.write("flags.csv", "id,paid\n1,ja\n2,Nein\n3,yes\n4,bezahlt\n");
    let (code, document, _) = validate(&workspace, &file, &schema, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        document["errors"],
        json!([{"row": 4, "cell": "B4", "column": "paid", "field": "paid", "value": "yes", "code": "type",
                "message": "expected one of: ja, bezahlt (true) or nein (false)"}])
    );
}

#[test]
fn rules_between_fields_are_checked() {
    let workspace = Workspace::new();
    let file = workspace.write(
        "invoices.csv",
        "invoice_number,customer_id,issue_date,due_date,amount,tax\n\
         I-1,C-1,2024-01-10,2024-02-10,100,20\n\
         I-2,C-1,2024-01-10,2024-01-01,100,20\n\
         I-3,C-2,2024-01-10,,100,120\n",
    );
    let (code, document, _) = validate(&workspace, &file, "invoices", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        document["errors"],
        json!([
            {"row": 3, "cell": "D3", "column": "due_date", "field": "due_date", "value": "2024-01-01", "code": "rule",
             "message": "the due date is before the issue date"},
            {"row": 4, "cell": "F4", "column": "tax", "field": "tax", "value": "120", "code": "rule",
             "message": "breaks the rule tax <= amount (tax is 120, amount is 100)"}
        ])
    );
}

fn orders_schema(workspace: &Workspace) -> String {
    workspace.write(
        "orders.toml",
        r#"
table = "orders"
key = "order_no"
[[fields]]
name = "order_no"
[[fields]]
name = "customer_id"
required = true
reference = { table = "customers", field = "customer_id" }
"#,
    )
}

#[test]
fn foreign_keys_are_checked_against_a_file_or_the_database() {
    let workspace = Workspace::new();
    let schema = orders_schema(&workspace);
    let orders = workspace.write(
        "orders.csv",
        "order_no,customer_id\nO-1,C-1\nO-2,C-9\nO-3,C-2\n",
    );
    let customers = workspace.write("customers.csv", "Customer ID,Name\nC-1,Ann\nC-2,Bob\n");

    let (code, _, stderr) = validate(&workspace, &orders, &schema, &[]);
    assert_eq!(code, 2, "no database and no file to check against");
    assert!(
        stderr.contains("field \"customer_id\" references customers.customer_id")
            && stderr.contains("--reference customers=FILE"),
        "{stderr}"
    );

    let (code, document, stderr) = validate(
        &workspace,
        &orders,
        &schema,
        &["--reference", &format!("customers={customers}")],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        document["errors"],
        json!([{"row": 3, "cell": "B3", "column": "customer_id", "field": "customer_id", "value": "C-9", "code": "foreign-key",
                "message": "has no match in customers.customer_id"}])
    );

    // From the database: the customers imported first.
    let run = workspace.run(&[
        "import",
        &fixture("contact-values.csv"),
        "--schema",
        "customers",
        "--commit",
        "--yes",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (code, document, stderr) = validate(&workspace, &orders, &schema, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        errors_of(&document),
        vec![(3, "customer_id".to_string(), "foreign-key".to_string())]
    );
    let run = workspace.run(&[
        "import",
        &orders,
        "--schema",
        &schema,
        "--commit",
        "--yes",
        "--skip-invalid",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        workspace.query("SELECT order_no, customer_id FROM orders ORDER BY order_no"),
        texts(&[&[Some("O-1"), Some("C-1")], &[Some("O-3"), Some("C-2")]])
    );
}

#[test]
fn the_error_report_lists_every_error_safely_and_identically() {
    let workspace = Workspace::new();
    let file = workspace.write(
        "hostile.csv",
        "sku,name,price\n=HYPERLINK(\"http://evil.example\"),Bad sku,1\nA-2,@SUM(A1),-3\nA-3,Fine,+cmd|' /C calc'!A0\n",
    );
    let report = workspace.path("errors.csv");
    let run = workspace.run(&[
        "validate",
        &file,
        "--schema",
        "products",
        "--report",
        &report.display().to_string(),
        "--show-errors",
        "1",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(
            "Shown: the first 1 of 3 errors (all of them with --report PATH or --format json)."
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("Written: {}", report.display())),
        "{}",
        run.stdout
    );
    let written = std::fs::read_to_string(&report).expect("the report");
    assert_eq!(
        written,
        "row,cell,column,field,value,code,message\n\
         2,A2,sku,sku,\"'=HYPERLINK(\"\"http://evil.example\"\")\",maxLength,must be at most 32 characters long (it has 33)\n\
         3,C3,price,price,-3,minimum,must be at least 0\n\
         4,C4,price,price,'+cmd|' /C calc'!A0,type,\"expected a number such as 1,234.56 (decimal point)\"\n"
    );
    // The same input gives the same bytes.
    let again = workspace.path("again.csv");
    workspace.run(&[
        "validate",
        &file,
        "--schema",
        "products",
        "--report",
        &again.display().to_string(),
    ]);
    assert_eq!(std::fs::read(&again).expect("again"), written.as_bytes());

    let json_path = workspace.path("errors.json");
    workspace.run(&[
        "validate",
        &file,
        "--schema",
        "products",
        "--report",
        &json_path.display().to_string(),
    ]);
    let reported: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json report"))
            .expect("JSON");
    assert_eq!(reported.as_array().map(Vec::len), Some(3));
    assert_eq!(reported[0]["value"], "'=HYPERLINK(\"http://evil.example\")");
    assert_eq!(
        reported[1],
        json!({"row": 3, "cell": "C3", "column": "price", "field": "price", "value": "-3", "code": "minimum", "message": "must be at least 0"})
    );
}

#[test]
fn a_fixed_rejects_file_imports_cleanly() {
    let workspace = Workspace::new();
    let rejects = workspace.path("rejects.csv");
    let run = workspace.run(&[
        "import",
        &fixture("products-errors.csv"),
        "--schema",
        "products",
        "--commit",
        "--yes",
        "--skip-invalid",
        "--rejects",
        &rejects.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&rejects).expect("the rejects file");
    assert!(text.starts_with("\u{feff}sku,name,price,quantity,weight_kg,unit,active,supplier_email,image_url,released_on,updated_at,description,errors\n"), "{text}");
    assert_eq!(
        text.lines().count(),
        1 + 13,
        "the header and the 13 rejected rows, quoted line breaks kept"
    );
    assert!(text.contains("A-102,Bad price,abc,1,0.5,each,yes,,,,,type,price: expected a number such as 1,234.56 (decimal point)") || text.contains("\"price: expected a number such as 1,234.56 (decimal point)\""), "{text}");

    // Fix every row the way a user would, then import the file as it is.
    let fixed: String = text
        .replace("A-101,,", "A-101,Named,")
        .replace(",abc,", ",3.00,")
        .replace("not-an-email", "ok@example.com")
        .replace(",-3,", ",3,")
        .replace(",2000000,", ",20,")
        .replace("\nAB,", "\nABC,")
        .replace(&"x".repeat(121), "Shorter")
        .replace("ab-cd", "AB-CD")
        .replace(",crate,", ",box,")
        .replace("A-100,Duplicate", "A-110,Duplicate")
        .replace("ten", "10")
        .replace("maybe", "yes")
        .replace("not a url", "https://example.com/x")
        .replace("2021-02-30", "2021-02-28")
        .replace("yesterday", "2024-01-01 00:00");
    let fixed_path = workspace.write("fixed.csv", fixed);
    let run = workspace.run(&[
        "validate",
        &fixed_path,
        "--schema",
        "products",
        "--format",
        "json",
    ]);
    assert_eq!(
        run.code, 0,
        "every rejected row, once fixed, is valid:\n{}",
        run.stdout
    );
    let document = run.json();
    assert_eq!(document["rows"], 13);
    let errors_column = document["mapping"]
        .as_array()
        .and_then(|mapping| mapping.last())
        .cloned()
        .expect("a last column");
    assert_eq!(
        (
            errors_column["column"].clone(),
            errors_column["field"].clone()
        ),
        (json!("errors"), Value::Null),
        "the errors column stays unmapped"
    );
    let run = workspace.run(&[
        "import",
        &fixed_path,
        "--schema",
        "products",
        "--commit",
        "--yes",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json()["plan"],
        json!({"insert": 13, "update": 0, "unchanged": 0, "rejected": 0, "skipped": 0})
    );
    assert_eq!(
        workspace.query("SELECT CAST(count(*) AS TEXT) FROM products"),
        texts(&[&[Some("15")]])
    );
}

/// A file of many batches: rows are checked on several threads, yet the errors come in file
/// order, a duplicate is found across batches with its first row named, and a bad byte near the
/// end stops the run with its row after everything before it was checked.
#[test]
fn long_files_are_checked_in_order_across_batches() {
    let workspace = Workspace::new();
    let mut text = String::from("id,sku,name,price\n");
    for id in 1..=30_000 {
        let sku = match id {
            // Row 20,001 (id 20,000) repeats the SKU of row 3 (id 2).
            20_000 => "S-2".to_string(),
            _ => format!("S-{id}"),
        };
        let price = if id % 9_000 == 0 { "free" } else { "9.50" };
        text.push_str(&format!("{id},{sku},Item {id},{price}\n"));
    }
    let schema = workspace.write(
        "items.schema.json",
        r#"{"fields": [
            {"name": "id", "type": "integer"},
            {"name": "sku", "type": "string", "constraints": {"unique": true}},
            {"name": "name", "type": "string"},
            {"name": "price", "type": "number"}
        ], "primaryKey": ["id"]}"#,
    );
    let file = workspace.write("items.csv", &text);
    let (code, document, stderr) = validate(&workspace, &file, &schema, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(document["rows"], 30_000);
    assert_eq!(
        errors_of(&document),
        vec![
            (9_001, "price".to_string(), "type".to_string()),
            (18_001, "price".to_string(), "type".to_string()),
            (20_001, "sku".to_string(), "unique".to_string()),
            (27_001, "price".to_string(), "type".to_string()),
        ]
    );
    assert_eq!(
        document["errors"][2]["message"],
        "sku must be unique: the same value is on row 3"
    );

    let mut bytes = text.into_bytes();
    let at = bytes
        .windows(10)
        .position(|window| window == b"Item 29990")
        .expect("row 29,991");
    bytes[at + 4] = 0xff;
    let broken = workspace.write("broken.csv", &bytes);
    let (code, _, stderr) = validate(&workspace, &broken, &schema, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("row 29991") && stderr.contains("column 3"),
        "{stderr}"
    );
}

#[test]
fn every_error_is_in_the_json_document_however_many() {
    // More errors than the document keeps in memory (10,000): the rest come back from disk,
    // in order, and the document lists the same errors as the report file.
    let workspace = Workspace::new();
    let mut text = String::from("id,price\n");
    for id in 1..=25_000 {
        let price = if id % 2 == 0 {
            "9.50".to_string()
        } else {
            format!("x{id}")
        };
        text.push_str(&format!("{id},{price},oops\n"));
    }
    let schema = workspace.write(
        "prices.schema.json",
        r#"{"fields": [
            {"name": "id", "type": "integer"},
            {"name": "price", "type": "number"}
        ], "primaryKey": ["id"]}"#,
    );
    let file = workspace.write("prices.csv", &text);
    let (code, document, stderr) =
        validate(&workspace, &file, &schema, &["--report", "errors.json"]);
    assert_eq!(code, 1, "{stderr}");
    let errors = document["errors"].as_array().expect("errors");
    // Each row: an extra cell; odd rows: a price that is not a number too.
    assert_eq!(errors.len(), 37_500);
    assert_eq!(
        document["summary"],
        Value::Null,
        "the summary is for the terminal"
    );
    assert_eq!(
        (&errors[0]["row"], &errors[0]["code"]),
        (&json!(2), &json!("extra-cell"))
    );
    assert_eq!(
        (&errors[1]["row"], &errors[1]["code"], &errors[1]["value"]),
        (&json!(2), &json!("type"), &json!("x1"))
    );
    assert_eq!(
        (&errors[37_499]["row"], &errors[37_499]["code"]),
        (&json!(25_001), &json!("extra-cell"))
    );
    assert_eq!(errors[37_498]["value"], "x24999");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace.path("errors.json")).expect("the report"),
    )
    .expect("JSON");
    assert_eq!(&report, &document["errors"]);
}

#[test]
fn stage_two_gives_the_same_report_on_one_thread_and_on_four() {
    // 40,000 rows: three batches of the parallel pipeline, with errors in each and a key seen
    // again two batches later.
    let workspace = Workspace::new();
    let mut text = String::from("sku,name,price,quantity\n");
    for row in 0..40_000 {
        let sku = if row == 30_000 {
            "SKU-00005".to_string()
        } else {
            format!("SKU-{row:05}")
        };
        let price = match row % 9_973 {
            0 => "-1".to_string(),
            17 => "twelve".to_string(),
            _ => format!("{}.{:02}", row % 500, row % 100),
        };
        text.push_str(&format!("{sku},Item {row},{price},{}\n", row % 70));
    }
    let file = workspace.write("wide.csv", text);
    let report = |threads: &str| {
        let run = workspace.run_with(
            &[
                "validate", &file, "--schema", "products", "--format", "json",
            ],
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.json()
    };
    let one = report("1");
    let four = report("4");
    assert_eq!(one, four);
    // The report is the one expected: the repeated key, two bad prices every 9,973 rows.
    let errors = one["errors"].as_array().expect("errors");
    let mut found: Vec<(u64, &str, &str)> = errors
        .iter()
        .map(|error| {
            (
                error["row"].as_u64().expect("a row"),
                error["field"].as_str().expect("a field"),
                error["code"].as_str().expect("a code"),
            )
        })
        .collect();
    let mut expected = Vec::new();
    for row in [0u64, 9_973, 19_946, 29_919, 39_892] {
        expected.push((row + 2, "price", "minimum"));
        expected.push((row + 19, "price", "type"));
    }
    expected.push((30_002, "sku", "unique"));
    found.sort_unstable();
    expected.sort_unstable();
    assert_eq!(found, expected);
}
