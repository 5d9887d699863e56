//! Mapping columns to fields: the lexicon, values that veto or decide, one-to-one assignment,
//! and mappings saved for the next file.

use serde_json::json;

use crate::{Workspace, entry, fixture, mapping_of};

fn map(workspace: &Workspace, file: &str, schema: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["map", file, "--schema", schema, "--format", "json"];
    args.extend_from_slice(extra);
    let run = workspace.run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

#[test]
fn values_find_the_email_column_and_the_lexicon_knows_joined() {
    let workspace = Workspace::new();
    let document = map(&workspace, &fixture("contact-values.csv"), "customers", &[]);
    assert_eq!(
        mapping_of(&document),
        vec![
            entry("customer_id", Some("customer_id"), Some("exact")),
            entry("name", Some("name"), Some("exact")),
            entry("Contact", Some("email"), Some("values")),
            entry("Joined", Some("customer_since"), Some("alias")),
        ]
    );
    assert_eq!(document["mapping"][2]["score"], 0.82);
    assert_eq!(document["mapping"][3]["score"], 0.9);
}

#[test]
fn a_column_of_dates_does_not_map_to_a_price() {
    let workspace = Workspace::new();
    let dates = workspace.write(
        "dates.csv",
        "sku,name,Prices\nA-1,One,2024-01-01\nA-2,Two,2024-02-01\n",
    );
    let document = map(&workspace, &dates, "products", &[]);
    assert_eq!(mapping_of(&document)[2], entry("Prices", None, None));
    assert_eq!(document["missing_fields"][1], "price");
    let numbers = workspace.write("numbers.csv", "sku,name,Prices\nA-1,One,1.50\nA-2,Two,2\n");
    assert_eq!(
        mapping_of(&map(&workspace, &numbers, "products", &[]))[2],
        entry("Prices", Some("price"), Some("alias"))
    );
}

#[test]
fn values_break_a_tie_between_two_good_headers() {
    let workspace = Workspace::new();
    // "Stock" and "Qty" are both known names for quantity; only one holds whole numbers throughout.
    let file = workspace.write(
        "tie.csv",
        "sku,name,price,Stock,Qty\nA-1,One,1,low,4\nA-2,Two,2,12,5\nA-3,Three,3,8,6\n",
    );
    let document = map(&workspace, &file, "products", &[]);
    let mapping = mapping_of(&document);
    assert_eq!(mapping[3], entry("Stock", None, None));
    assert_eq!(mapping[4], entry("Qty", Some("quantity"), Some("alias")));
}

#[test]
fn look_alikes_do_not_win() {
    let workspace = Workspace::new();
    let file = workspace.write(
        "consent.csv",
        "Customer Number,Full Name,Email consent,Email opt-in date,E-mail Address\nC-1,Ann,yes,2024-01-01,ann@example.com\n",
    );
    let document = map(&workspace, &file, "customers", &[]);
    assert_eq!(
        mapping_of(&document),
        vec![
            entry("Customer Number", Some("customer_id"), Some("alias")),
            entry("Full Name", Some("name"), Some("alias")),
            entry("Email consent", Some("newsletter"), Some("alias")),
            entry("Email opt-in date", None, None),
            entry("E-mail Address", Some("email"), Some("alias")),
        ]
    );
}

#[test]
fn a_saved_mapping_is_used_for_the_next_file_with_the_same_headers() {
    let workspace = Workspace::new();
    let first = workspace.write("first.csv", "Ref,Label,Amount,Memo\nA-1,One,1.5,x\n");
    let saved = map(
        &workspace,
        &first,
        "products",
        &[
            "--map",
            "Ref=sku",
            "--map",
            "Label=name",
            "--map",
            "Amount=price",
            "--save",
        ],
    );
    assert_eq!(saved["saved"], "mappings/learned/products.toml");
    assert!(workspace.path("mappings/learned/products.toml").exists());

    // Same headers, other order and spelling: mapped exactly as saved, without --map.
    let second = workspace.write("second.csv", "memo,AMOUNT,label,ref\nx,2,Two,A-2\n");
    let document = map(&workspace, &second, "products", &[]);
    assert_eq!(
        mapping_of(&document),
        vec![
            entry("memo", None, None),
            entry("AMOUNT", Some("price"), Some("manual")),
            entry("label", Some("name"), Some("manual")),
            entry("ref", Some("sku"), Some("manual")),
        ]
    );
    // A --map on top wins over the saved entry for that column.
    let document = map(
        &workspace,
        &second,
        "products",
        &["--map", "memo=description"],
    );
    assert_eq!(
        mapping_of(&document)[0],
        entry("memo", Some("description"), Some("manual"))
    );
    // Other headers are matched as usual.
    let other = workspace.write("other.csv", "sku,name,price\nA-3,Three,3\n");
    assert_eq!(
        map(&workspace, &other, "products", &[])["mapping"][0]["method"],
        "exact"
    );
    let validate = workspace.run(&[
        "validate", &second, "--schema", "products", "--format", "json",
    ]);
    assert_eq!(validate.code, 0, "{}", validate.stderr);
    assert_eq!(validate.json()["valid_rows"], json!(1));
}

#[test]
fn a_hint_for_a_field_never_names_a_column_whose_values_do_not_fit() {
    let workspace = Workspace::new();
    // "Issue Note" is spelled like issue_date but holds text: never offered for a date.
    let file = workspace.write(
        "notes.csv",
        "invoice_number,customer_id,Issue Note,amount\nI-1,C-1,late again,10\nI-2,C-2,fine,12\n",
    );
    let run = workspace.run(&["validate", &file, "--schema", "invoices"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "required field \"issue_date\" has no column: map one with --map 'COLUMN=issue_date'"
        ) && !run.stderr.contains("Issue Note"),
        "{}",
        run.stderr
    );
    let run = workspace.run(&["map", &file, "--schema", "invoices", "--format", "json"]);
    let document = run.json();
    assert_eq!(document["mapping"][2]["field"], serde_json::Value::Null);
    assert_eq!(
        document["mapping"][2]["candidates"],
        serde_json::Value::Null
    );
}
