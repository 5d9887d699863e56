//! Reading what people actually send: encodings, dialects, title rows, workbooks of every kind,
//! and per-column conventions for numbers and dates. One fixture per quirk.

use serde_json::{Value, json};

use crate::{Workspace, errors_of, fixture};

/// The preview rows of an import dry run: (row, values).
fn preview(document: &Value) -> Vec<(u64, Value)> {
    document["preview"]
        .as_array()
        .expect("a preview")
        .iter()
        .map(|row| (row["row"].as_u64().expect("a row"), row["values"].clone()))
        .collect()
}

fn dry_run(workspace: &Workspace, file: &str, schema: &str, extra: &[&str]) -> Value {
    let mut args = vec!["import", file, "--schema", schema, "--format", "json"];
    args.extend_from_slice(extra);
    let run = workspace.run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

fn inspect(workspace: &Workspace, file: &str) -> Value {
    let run = workspace.run(&["inspect", file, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

#[test]
fn a_windows_1252_file_is_decoded_and_its_decimal_comma_read() {
    let workspace = Workspace::new();
    let inspection = inspect(&workspace, &fixture("latin1.csv"));
    assert_eq!(inspection["encoding"], "windows-1252");
    assert_eq!(inspection["delimiter"], ";");
    assert_eq!(inspection["columns"][3]["decimal_separator"], ",");
    assert_eq!(inspection["columns"][3]["thousands_separator"], ".");
    let document = dry_run(&workspace, &fixture("latin1.csv"), "customers", &[]);
    assert_eq!(
        preview(&document),
        vec![
            (
                2,
                json!({"customer_id": "K-100", "name": "Müller GmbH", "credit_limit": "1234.50"})
            ),
            (
                3,
                json!({"customer_id": "K-101", "name": "Café Noël", "credit_limit": "99.90"})
            ),
        ]
    );

    let forced = workspace.run(&[
        "validate",
        &fixture("latin1.csv"),
        "--schema",
        "customers",
        "--encoding",
        "utf-8",
    ]);
    assert_eq!(forced.code, 2);
    assert!(
        forced.stderr.contains("latin1.csv: row 2, column 2: the text is not valid UTF-8: name the file's encoding with --encoding"),
        "{}",
        forced.stderr
    );
    let unknown = workspace.run(&["inspect", &fixture("latin1.csv"), "--encoding", "klingon"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown encoding \"klingon\""),
        "{}",
        unknown.stderr
    );
}

#[test]
fn excel_unicode_text_is_utf16_with_tabs() {
    let workspace = Workspace::new();
    let inspection = inspect(&workspace, &fixture("utf16.txt"));
    assert_eq!(inspection["encoding"], "UTF-16LE");
    assert_eq!(inspection["delimiter"], "\t");
    assert_eq!(
        inspection["columns"][0]["column"], "sku",
        "no BOM in the first header"
    );
    let document = dry_run(&workspace, &fixture("utf16.txt"), "products", &[]);
    assert_eq!(
        preview(&document),
        vec![
            (
                2,
                json!({"sku": "U-1", "name": "Crème brûlée", "price": "3.50"})
            ),
            (3, json!({"sku": "U-2", "name": "日本茶", "price": "12"})),
        ]
    );
}

#[test]
fn a_utf8_bom_never_reaches_the_first_header() {
    let workspace = Workspace::new();
    let run = workspace.run(&[
        "map",
        &fixture("bom.csv"),
        "--schema",
        "products",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(document["mapping"][0]["column"], "sku");
    assert_eq!(document["mapping"][0]["method"], "exact");
}

#[test]
fn title_rows_above_the_header_are_skipped() {
    let workspace = Workspace::new();
    let inspection = inspect(&workspace, &fixture("title-rows.xlsx"));
    assert_eq!(inspection["header_row"], 4);
    assert_eq!(inspection["rows"], 3);
    let columns: Vec<&str> = inspection["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|column| column["column"].as_str().expect("name"))
        .collect();
    assert_eq!(
        columns,
        vec!["Item Code", "Description", "On Hand", "Price"],
        "trailing empty columns are ignored"
    );
    assert_eq!(inspection["columns"][2]["type"], "integer");

    let csv = inspect(&workspace, &fixture("quoted-newlines.csv"));
    assert_eq!(csv["header_row"], 3);
    assert_eq!(csv["columns"][0]["column"], "Invoice #");

    let forced = workspace.run(&[
        "inspect",
        &fixture("title-rows.xlsx"),
        "--header-row",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(forced.json()["header_row"], 2);
}

#[test]
fn quoted_line_breaks_do_not_add_rows_and_empty_lines_do() {
    let workspace = Workspace::new();
    let schema = workspace.write(
        "orders.json",
        r#"{"fields": [{"name": "invoice_number"}, {"name": "customer"}, {"name": "notes"}, {"name": "total", "type": "number"}],
            "primaryKey": "invoice_number"}"#,
    );
    let document = dry_run(&workspace, &fixture("quoted-newlines.csv"), &schema, &[]);
    assert_eq!(document["header_row"], 3);
    assert_eq!(
        preview(&document),
        vec![
            (
                4,
                json!({"invoice_number": "I-1", "customer": "C-1", "notes": "first line\nsecond line", "total": "10.00"})
            ),
            (
                6,
                json!({"invoice_number": "I-2", "customer": "C-2", "notes": "a \"quoted\" word", "total": "20.50"})
            ),
            (
                7,
                json!({"invoice_number": "I-3", "customer": "C-3", "notes": "three\nlines\nhere", "total": "5"})
            ),
        ]
    );
    let old_mac = dry_run(&workspace, &fixture("cr-line-ends.csv"), "products", &[]);
    let rows: Vec<u64> = preview(&old_mac).into_iter().map(|(row, _)| row).collect();
    assert_eq!(rows, vec![2, 4], "CR line ends, an empty line on row 3");
}

#[test]
fn workbooks_of_every_kind_keep_their_types() {
    let workspace = Workspace::new();
    let date1904 = dry_run(&workspace, &fixture("date1904.xlsx"), "invoices", &[]);
    assert_eq!(
        preview(&date1904),
        vec![
            (
                2,
                json!({"invoice_number": "INV-1904", "customer_id": "C-1", "issue_date": "2024-02-29", "amount": "100", "paid_at": "2024-03-15 09:45:00"})
            ),
            (
                3,
                json!({"invoice_number": "INV-1905", "customer_id": "C-2", "issue_date": "1999-12-31", "amount": "0.1", "paid_at": null})
            ),
        ]
    );
    let formulas = dry_run(&workspace, &fixture("formulas.xlsx"), "products", &[]);
    assert_eq!(
        preview(&formulas),
        vec![(
            2,
            json!({"sku": "F-1", "name": "Formula", "price": "3.33", "quantity": 10})
        )]
    );
    let xls = dry_run(&workspace, &fixture("products.xls"), "products", &[]);
    assert_eq!(xls["sheet"], "Legacy");
    assert_eq!(
        preview(&xls),
        vec![(
            2,
            json!({"sku": "XLS-1", "name": "Old format", "price": "9.99", "released_on": "2021-06-01"})
        )]
    );
    let xlsm = dry_run(&workspace, &fixture("macro-enabled.xlsm"), "products", &[]);
    assert_eq!(xlsm["sheet"], "Macros");
    assert_eq!(
        preview(&xlsm),
        vec![(
            2,
            json!({"sku": "M-1", "name": "Macro enabled", "price": "3.25"})
        )]
    );
    let ods = dry_run(&workspace, &fixture("products.ods"), "products", &[]);
    assert_eq!(
        preview(&ods),
        vec![(
            2,
            json!({"sku": "ODS-1", "name": "Tableur", "price": "4.5", "released_on": "2022-02-02"})
        )]
    );
    // An ID-like number stays a number, not 1E+12; a whole price is not 1000000.0.
    let run = workspace.run(&[
        "import",
        &fixture("products.xlsx"),
        "--schema",
        "products",
        "--format",
        "json",
        "--skip-invalid",
    ]);
    let document = run.json();
    let last = preview(&document).pop().expect("a row");
    assert_eq!(
        last,
        (
            6,
            json!({"sku": "XL-004", "name": "Id-like name", "price": "1000000", "quantity": 1000000000000_i64, "weight_kg": "2", "released_on": "2024-12-24"})
        )
    );
}

#[test]
fn the_sheet_is_chosen_by_name_or_position() {
    let workspace = Workspace::new();
    for sheet in ["Data", "2"] {
        let document = dry_run(
            &workspace,
            &fixture("sheet-two.xlsx"),
            "products",
            &["--sheet", sheet],
        );
        assert_eq!(document["sheet"], "Data");
        assert_eq!(
            preview(&document),
            vec![(
                2,
                json!({"sku": "S2-1", "name": "Second sheet", "price": "2.5"})
            )]
        );
    }
    // Without --sheet, the sheet with the table is read (the first has none); --sheet 1 reads
    // the first, as asked.
    let chosen = dry_run(&workspace, &fixture("sheet-two.xlsx"), "products", &[]);
    assert_eq!(chosen["sheet"], "Data");
    assert_eq!(
        chosen["sheet_reason"],
        "sheet 2 \"Data\" chosen: its header fits schema products best (3 of 12 fields, 3 of 3 required), the first sheet \"Read me\" has no table to read; --sheet 1 reads the first"
    );
    let first = workspace.run(&[
        "validate",
        &fixture("sheet-two.xlsx"),
        "--schema",
        "products",
        "--sheet",
        "1",
    ]);
    assert_eq!(first.code, 2);
    assert!(
        first.stderr.contains("sheet \"Read me\": the header on row 1 has no data rows under it: nothing to import (other sheets: 2 \"Data\"; choose one with --sheet)"),
        "{}",
        first.stderr
    );
}

#[test]
fn each_column_keeps_its_own_conventions() {
    let workspace = Workspace::new();
    let document = dry_run(&workspace, &fixture("decimal-comma.csv"), "products", &[]);
    assert_eq!(
        preview(&document),
        vec![
            (
                2,
                json!({"sku": "D-1", "name": "Komma", "price": "12.50", "weight_kg": "0.25", "released_on": "2024-01-31"})
            ),
            (
                3,
                json!({"sku": "D-2", "name": "Tausend", "price": "1234.00", "weight_kg": "1.5", "released_on": "2024-02-01"})
            ),
            (
                4,
                json!({"sku": "D-3", "name": "Glatt", "price": "7", "weight_kg": "2", "released_on": "2024-03-15"})
            ),
        ]
    );
}

#[test]
fn ambiguous_dates_are_flagged_and_follow_date_order() {
    let workspace = Workspace::new();
    let map = workspace.run(&[
        "map",
        &fixture("ambiguous-dates.csv"),
        "--schema",
        "invoices",
        "--format",
        "json",
    ]);
    assert_eq!(
        map.json()["mapping"][2]["notes"],
        json!([
            "dates such as \"03/04/2024\" could be day-first or month-first: pass --date-order dmy or mdy"
        ])
    );
    let inspection = inspect(&workspace, &fixture("ambiguous-dates.csv"));
    assert_eq!(inspection["columns"][2]["date_order"], Value::Null);
    assert_eq!(
        inspection["columns"][2]["notes"][0],
        "dates such as \"03/04/2024\" could be day-first or month-first: pass --date-order dmy or mdy"
    );

    let validate = workspace.run(&[
        "validate",
        &fixture("ambiguous-dates.csv"),
        "--schema",
        "invoices",
        "--format",
        "json",
    ]);
    assert_eq!(validate.code, 1);
    let document = validate.json();
    assert_eq!(
        errors_of(&document),
        vec![
            (2, "issue_date".into(), "type".into()),
            (3, "issue_date".into(), "type".into()),
            (4, "issue_date".into(), "type".into())
        ]
    );
    assert_eq!(
        document["errors"][0]["message"],
        "is ambiguous: 3 April 2024 or 4 March 2024; pass --date-order dmy or mdy"
    );

    let day_first = dry_run(
        &workspace,
        &fixture("ambiguous-dates.csv"),
        "invoices",
        &["--date-order", "dmy"],
    );
    assert_eq!(
        day_first["preview"][0]["values"]["issue_date"],
        "2024-04-03"
    );
    let month_first = dry_run(
        &workspace,
        &fixture("ambiguous-dates.csv"),
        "invoices",
        &["--date-order", "mdy"],
    );
    assert_eq!(
        month_first["preview"][0]["values"]["issue_date"],
        "2024-03-04"
    );
}

#[test]
fn inspect_describes_the_file_and_every_column() {
    let workspace = Workspace::new();
    let inspection = inspect(&workspace, &fixture("decimal-comma.csv"));
    let keys: Vec<&str> = inspection
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        vec![
            "file",
            "format",
            "encoding",
            "delimiter",
            "quote",
            "sheets",
            "sheet",
            "header_row",
            "rows",
            "columns"
        ]
    );
    assert_eq!(inspection["rows"], 3);
    assert_eq!(
        inspection["columns"][2],
        json!({"index": 2, "column": "price", "type": "number", "empty_share": 0.0, "distinct": 3, "min": "7", "max": "1234.00",
               "examples": ["12,50", "1.234,00", "7"], "decimal_separator": ",", "thousands_separator": ".", "date_order": null, "notes": [],
               "fits": {"number": 1.0, "integer": 0.667}})
    );
    assert_eq!(inspection["columns"][4]["type"], "date");
    assert_eq!(inspection["columns"][4]["date_order"], "dmy");
    assert_eq!(
        (
            inspection["columns"][4]["min"].as_str(),
            inspection["columns"][4]["max"].as_str()
        ),
        (Some("2024-01-31"), Some("2024-03-15"))
    );

    let workbook = inspect(&workspace, &fixture("products.xlsx"));
    assert_eq!(workbook["sheets"], json!(["Products", "Archive"]));
    assert_eq!(workbook["encoding"], Value::Null);
    assert_eq!(workbook["columns"][5]["type"], "date");
}

#[test]
fn single_quotes_are_detected_and_can_be_forced() {
    let workspace = Workspace::new();
    let file = workspace.write(
        "single.csv",
        "sku,name,price\n'Q-1','Nut, hex',1\n'Q-2','Bolt, long',2\n",
    );
    let inspection = inspect(&workspace, &file);
    assert_eq!(inspection["quote"], "'");
    assert_eq!(
        inspection["columns"][1]["examples"],
        json!(["Nut, hex", "Bolt, long"])
    );
    let forced = workspace.run(&["inspect", &file, "--quote", "\"", "--format", "json"]);
    assert_eq!(forced.json()["quote"], "\"");
}

#[test]
fn two_digit_years_month_names_and_midnight_date_times_are_read_as_the_file_means() {
    let workspace = Workspace::new();
    // As UK spend reports, Excel's CSV and European exports write dates.
    let file = workspace.write(
        "dates.csv",
        "invoice_number,customer_id,issue_date,due_date,amount\n\
         I-1,C-1,23-Sep-11,9/30/2011 0:00:00,10\n\
         I-2,C-2,01-Mar-99,1/31/2024 12:00:00 AM,12\n\
         I-3,C-3,1. März 2024,31 de marzo de 2024,1\n",
    );
    let run = workspace.run(&[
        "import", &file, "--schema", "invoices", "--commit", "--yes", "--format", "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(
        document["mapping"][2]["notes"],
        json!([
            "2 dates such as \"23-Sep-11\" have a two-digit year, read as 1930 to 2029 (00-29 are the 2000s, as spreadsheets read them)"
        ])
    );
    assert_eq!(
        workspace.query(
            "SELECT invoice_number, issue_date, due_date FROM invoices ORDER BY invoice_number"
        ),
        crate::texts(&[
            &[Some("I-1"), Some("2011-09-23"), Some("2011-09-30")],
            &[Some("I-2"), Some("1999-03-01"), Some("2024-01-31")],
            &[Some("I-3"), Some("2024-03-01"), Some("2024-03-31")],
        ])
    );
    // A time of day other than midnight in a date field is an error that says so.
    let timed = workspace.write(
        "timed.csv",
        "invoice_number,customer_id,issue_date,amount\nI-9,C-9,5/19/2006 14:30:00,1\n",
    );
    let run = workspace.run(&[
        "validate", &timed, "--schema", "invoices", "--format", "json",
    ]);
    assert_eq!(run.code, 1);
    let document = run.json();
    assert_eq!(document["errors"][0]["code"], "type");
    assert_eq!(
        document["errors"][0]["message"],
        "has a time of day (14:30:00) where a date is expected: make the field a datetime, or export the dates without times"
    );
}

#[test]
fn a_note_on_an_open_separator_says_what_the_value_was_read_as_in_every_output() {
    let workspace = Workspace::new();
    let point = workspace.write(
        "point.csv",
        "sku;name;price\nA-1;Eins;2.221\nA-2;Zwei;1.500\n",
    );
    let comma = workspace.write("comma.csv", "sku,name,price\nA-1,One,\"1,234\"\n");
    let beside_points = workspace.write(
        "beside-points.csv",
        "sku,name,price,weight_kg\nA-1,One,2.221,0.5\nA-2,Two,1.500,1.25\n",
    );
    let beside_commas = workspace.write(
        "beside-commas.csv",
        "sku\tname\tprice\tweight_kg\nA-1\tEins\t2.221\t0,5\nA-2\tZwei\t1.500\t1,25\n",
    );
    let open = workspace.write("open.csv", "sku,name,price\nA-1,One,2.221\n");
    for (file, note, stored) in [
        (
            &point,
            "values such as \"2.221\" are read with a thousands point (2.221 is 2221) because the file is separated by semicolons (how Excel writes CSV where the comma is decimal); pass --decimal-point if not",
            "2221",
        ),
        (
            &beside_points,
            "values such as \"2.221\" are read with a decimal point (2.221 is 2.221) because column \"weight_kg\" has decimal points (0.5); pass --decimal-comma if not",
            "2.221",
        ),
        (
            &beside_commas,
            "values such as \"2.221\" are read with a thousands point (2.221 is 2221) because column \"weight_kg\" has decimal commas (0,5); pass --decimal-point if not",
            "2221",
        ),
        (
            &open,
            "values such as \"2.221\" are read with a decimal point (2.221 is 2.221); pass --decimal-comma if the point groups thousands",
            "2.221",
        ),
        (
            &comma,
            "values such as \"1,234\" are read with a thousands comma (1,234 is 1234); pass --decimal-comma if the comma is decimal",
            "1234",
        ),
    ] {
        let document = dry_run(&workspace, file, "products", &[]);
        assert_eq!(document["mapping"][2]["notes"], json!([note]));
        assert_eq!(document["preview"][0]["values"]["price"], stored);
        let run = workspace.run(&["map", file, "--schema", "products"]);
        assert!(
            run.stdout.contains(&format!("Column \"price\": {note}.")),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn a_value_beside_a_sheets_table_is_an_extra_cell_with_a_sheets_hint() {
    let workspace = Workspace::new();
    let run = workspace.run(&[
        "validate",
        &fixture("extra-cell.xlsx"),
        "--schema",
        "products",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    let document = run.json();
    assert_eq!(document["errors"][0]["row"], 3);
    assert_eq!(document["errors"][0]["cell"], "D3");
    assert_eq!(document["errors"][0]["code"], "extra-cell");
    assert_eq!(
        document["errors"][0]["message"],
        "the row has 4 cells but the header has 3: a value stands in a column with no header: give the column a header, or clear the cell"
    );
}

#[test]
fn utf16_without_a_byte_order_mark_is_read() {
    let workspace = Workspace::new();
    let text = "sku,name,price\r\nU-1,Über,1.50\r\nU-2,Ça va,2\r\n";
    let little: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let big: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (name, bytes, encoding) in [("le.csv", little, "UTF-16LE"), ("be.csv", big, "UTF-16BE")] {
        let file = workspace.write(name, bytes);
        let document = inspect(&workspace, &file);
        assert_eq!(document["encoding"], encoding, "{name}");
        let document = dry_run(&workspace, &file, "products", &[]);
        assert_eq!(
            preview(&document),
            vec![
                (2, json!({"sku": "U-1", "name": "Über", "price": "1.50"})),
                (3, json!({"sku": "U-2", "name": "Ça va", "price": "2"})),
            ],
            "{name}"
        );
    }
    // Text of other scripts has no such pattern of NULs: named, it is read.
    let cjk: Vec<u8> = "sku,name,price\nCN-1,东西,1.50\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let file = workspace.write("cjk.csv", cjk);
    let document = dry_run(&workspace, &file, "products", &["--encoding", "utf-16le"]);
    assert_eq!(document["preview"][0]["values"]["name"], "东西");
}

#[test]
fn a_columns_kind_is_excluded_by_one_value_that_cannot_be_it() {
    let workspace = Workspace::new();
    let mut text = String::from("sku,qty,price\n");
    for number in 0..100 {
        let (quantity, price) = if number < 95 {
            ("1", "10")
        } else {
            ("62", "10.50")
        };
        text.push_str(&format!("Q-{number},{quantity},{price}\n"));
    }
    let file = workspace.write("kinds.csv", &text);
    let document = inspect(&workspace, &file);
    let kinds: Vec<&str> = document["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|column| column["type"].as_str().expect("a type"))
        .collect();
    // Ninety-five 1s and a 62 are quantities, not flags; one price with cents makes them all
    // decimals, not whole numbers.
    assert_eq!(kinds, vec!["text", "integer", "number"]);
}
