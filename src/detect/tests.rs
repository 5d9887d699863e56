use super::*;

#[test]
fn normalises_headers() {
    for (header, expected) in [
        ("Product Name", "product name"),
        ("Product_Name", "product name"),
        ("unitPrice (EUR)", "unit price eur"),
        ("  SKU ", "sku"),
        ("weightKg", "weight kg"),
        ("unit_price", "unit price"),
        ("Price (USD)", "price usd"),
        ("E-mail", "e mail"),
        ("ÉTAT", "état"),
        ("UoM", "uom"),
        ("InvoiceAmountDue", "invoice amount due"),
        ("Invoice #", "invoice number"),
        ("", ""),
    ] {
        assert_eq!(normalise(header), expected, "{header:?}");
    }
}

fn schema() -> Schema {
    let text = r#"
        key = "sku"
        [[fields]]
        name = "sku"
        aliases = ["item code"]
        [[fields]]
        name = "price"
        type = "number"
        [[fields]]
        name = "quantity"
        type = "integer"
        aliases = ["qty"]
        [[fields]]
        name = "email"
    "#;
    crate::schema::parse_mapping(text, "t", "t.toml").expect("schema parses")
}

fn check(
    headers: &[&str],
    overrides: &[Override],
    expected: &[(&str, Option<&str>, Option<Method>)],
) {
    let schema = schema();
    let headers: Vec<String> = headers.iter().map(|header| header.to_string()).collect();
    let mapping = detect(&schema, &headers, &[], overrides).expect("detects");
    let shown: Vec<(&str, Option<&str>, Option<Method>)> = mapping
        .columns
        .iter()
        .map(|column| {
            (
                column.column.as_str(),
                column.field.map(|field| schema.fields[field].name.as_str()),
                column.method,
            )
        })
        .collect();
    assert_eq!(shown, expected);
}

#[test]
fn matches_by_name_alias_and_typo() {
    check(
        &["Item Code", "Prcie", "QTY", "Email consent", "Notes"],
        &[],
        &[
            ("Item Code", Some("sku"), Some(Method::Alias)),
            ("Prcie", Some("price"), Some(Method::Fuzzy)),
            ("QTY", Some("quantity"), Some(Method::Alias)),
            ("Email consent", None, None),
            ("Notes", None, None),
        ],
    );
}

#[test]
fn the_better_column_wins_a_field() {
    // Both are close to `price`; the exact one takes it even though it stands second.
    check(
        &["prices", "price"],
        &[],
        &[
            ("prices", None, None),
            ("price", Some("price"), Some(Method::Exact)),
        ],
    );
}

#[test]
fn overrides_come_first() {
    check(
        &["Notes", "sku"],
        &[
            Override {
                column: "notes".into(),
                field: Some("email".into()),
            },
            Override {
                column: "SKU".into(),
                field: None,
            },
        ],
        &[
            ("Notes", Some("email"), Some(Method::Manual)),
            ("sku", None, None),
        ],
    );
    let headers = vec!["a".to_string()];
    let error = detect(
        &schema(),
        &headers,
        &[],
        &[Override {
            column: "b".into(),
            field: None,
        }],
    )
    .expect_err("unknown");
    assert_eq!(
        error.to_string(),
        "--map \"b\": the file has no such column; its columns are: \"a\""
    );
}

#[test]
fn two_words_of_the_vocabulary_are_no_typo_of_each_other() {
    // "Custom" is one letter from "custo" (Portuguese for a cost), but both are words of the
    // vocabulary: two words, not a typo. "Cosst" is no word: a typo of "cost".
    let text = with_fields(&["sku", "cost:number"]);
    assert_eq!(taken(&text, "t", &["Custom"]), [None]);
    assert_eq!(taken(&text, "t", &["Cosst"]), [Some("cost".to_string())]);
}

#[test]
fn the_fields_own_name_in_the_plural_beats_a_name_of_its_concept() {
    // "categories" and "family" both name a category; the field is `category`, so the plural of
    // its own name is the closer, and no tie leaves both open.
    let text = with_fields(&["sku", "category"]);
    assert_eq!(
        taken(&text, "products", &["family", "categories"]),
        [None, Some("category".to_string())]
    );
}

#[test]
fn a_name_of_another_tables_concept_is_no_typo_target() {
    // "External ID" names a customer in a list of customers; on an invoice it names nothing, and
    // being letter for letter one of the customer's names makes it no typo of `customer_id`.
    let text = with_fields(&["invoice_number", "customer_id"]);
    assert_eq!(
        taken(&text, "invoices", &["External ID", "Invoice Number"]),
        [None, Some("invoice_number".to_string())]
    );
}

/// A mapping file of these fields, the first the key; `name:type` gives a type.
fn with_fields(fields: &[&str]) -> String {
    let mut text = format!("key = \"{}\"\n", fields[0]);
    for field in fields {
        let (name, field_type) = field.split_once(':').unwrap_or((field, "string"));
        text.push_str(&format!(
            "[[fields]]\nname = \"{name}\"\ntype = \"{field_type}\"\n"
        ));
    }
    text
}

/// The fields each header takes, through `detect` on a schema read from `text` whose table is
/// `table`.
fn taken(text: &str, table: &str, headers: &[&str]) -> Vec<Option<String>> {
    let mut schema = crate::schema::parse_mapping(text, "t", "t.toml").expect("schema parses");
    schema.table = table.to_string();
    let headers: Vec<String> = headers.iter().map(|header| header.to_string()).collect();
    let mapping = detect(&schema, &headers, &[], &[]).expect("detects");
    mapping
        .columns
        .iter()
        .map(|column| column.field.map(|field| schema.fields[field].name.clone()))
        .collect()
}

#[test]
fn the_plain_one_of_two_is_the_shorter() {
    // X-Cart's "descr" beside "fulldescr": the full one is the description.
    let text = with_fields(&["sku", "description"]);
    assert_eq!(
        taken(&text, "products", &["descr", "fulldescr"]),
        [None, Some("description".to_string())]
    );
    assert_eq!(
        taken(&text, "products", &["Description", "Description longue"]),
        [None, Some("description".to_string())]
    );
}

#[test]
fn an_id_is_no_category_but_a_code_may_be() {
    let text = with_fields(&["sku", "category"]);
    assert_eq!(taken(&text, "products", &["M_Product_Category_ID"]), [None]);
    assert_eq!(taken(&text, "products", &["categoryid"]), [None]);
    assert_eq!(
        taken(&text, "products", &["Item Category Code"]),
        [Some("category".to_string())]
    );
    // A field of codes takes a header less its last id.
    assert_eq!(
        taken(&text, "products", &["SKU ID"]),
        [Some("sku".to_string())]
    );
}

#[test]
fn paths_and_numbered_groups_read_as_their_last_part() {
    let products = with_fields(&["sku", "name", "barcode"]);
    // The last part of a path names the column; a bare code of it is the object's code.
    assert_eq!(
        taken(
            &products,
            "products",
            &[
                "ItemDescription.name1",
                "VariationBarcode.code",
                "Variation.id"
            ]
        ),
        [Some("name".to_string()), Some("barcode".to_string()), None]
    );
    // An address book's "Phone 1 - Value" is the phone.
    let customers = with_fields(&["email", "phone"]);
    assert_eq!(
        taken(
            &customers,
            "customers",
            &["Phone 1 - Type", "Phone 1 - Value"]
        ),
        [None, Some("phone".to_string())]
    );
}
