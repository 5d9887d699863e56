//! Files nobody here wrote, against Table Schemas that carry field names only (no aliases):
//! headers with context words, units and abbreviations, other languages, yes/no columns beside
//! counts, the data on a workbook's second sheet, cells padded with spaces, all with no flags.

use serde_json::Value;

use crate::{Answer, Workspace, entry, errors_of, fixture, mapping_of, run_answering};

fn plain_schema(name: &str) -> String {
    fixture(&format!("corpus/{name}.schema.json"))
}

/// `intake map FILE --schema SCHEMA --format json`, which must succeed.
fn map(workspace: &Workspace, file: &str, schema: &str) -> Value {
    let run = workspace.run(&["map", file, "--schema", schema, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

/// The (column, field) pairs of a mapping, the method left out.
fn fields_of(document: &Value) -> Vec<(String, Option<String>)> {
    mapping_of(document)
        .into_iter()
        .map(|(column, field, _)| (column, field))
        .collect()
}

fn pairs(expected: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    expected
        .iter()
        .map(|(column, field)| (column.to_string(), field.map(str::to_string)))
        .collect()
}

/// A schema, a file's text, and the field each column must take (or none).
type OpenCase = (
    &'static str,
    &'static str,
    &'static [(&'static str, Option<&'static str>)],
);

/// Each case's file mapped against its plain schema gives exactly the fields it must.
fn assert_mapped(workspace: &Workspace, cases: &[OpenCase]) {
    for (number, (schema, text, expected)) in cases.iter().enumerate() {
        let file = workspace.write(&format!("{schema}-{number}.csv"), text);
        let document = map(workspace, &file, &plain_schema(schema));
        assert_eq!(fields_of(&document), pairs(expected), "{schema} {number}");
    }
}

#[test]
fn a_products_file_maps_through_context_words_units_and_abbreviations() {
    let workspace = Workspace::new();
    let file = workspace.write(
        "products.csv",
        "SKU#,Product Name,Price (USD),Stock Qty,Cat.,Internal Notes\n\
         TL-001,Claw hammer,15.50,20,Tools,keep dry\n\
         TL-002,Screwdriver set,12.00,9,Tools,\n",
    );
    let document = map(&workspace, &file, &plain_schema("products"));
    assert_eq!(
        mapping_of(&document),
        vec![
            entry("SKU#", Some("sku"), Some("alias")),
            entry("Product Name", Some("name"), Some("alias")),
            entry("Price (USD)", Some("price"), Some("alias")),
            entry("Stock Qty", Some("quantity"), Some("alias")),
            entry("Cat.", Some("category"), Some("alias")),
            entry("Internal Notes", None, None),
        ]
    );
}

#[test]
fn a_customers_file_maps_company_name_parts_and_country_codes() {
    let workspace = Workspace::new();
    let file = workspace.write(
        "customers.csv",
        "Customer ID,Company Name,First,Last,CC\n\
         C-1,Acme Ltd,Ann,Byrne,IE\n\
         C-2,Initech,Peter,Gibbons,US\n\
         C-3,Globex,Hank,Scorpio,DE\n",
    );
    let document = map(&workspace, &file, &plain_schema("customers"));
    assert_eq!(
        fields_of(&document),
        pairs(&[
            ("Customer ID", Some("customer_id")),
            ("Company Name", Some("company")),
            ("First", Some("first_name")),
            ("Last", Some("last_name")),
            ("CC", Some("country")),
        ])
    );
    // `CC` counts for a country only because its values are country codes: over e-mail
    // addresses it is the e-mail column (found by its values), and over other text nothing.
    let other = workspace.write(
        "carbon-copies.csv",
        "Customer ID,CC\nC-1,ann@example.com\nC-2,bob@example.com\n",
    );
    let document = map(&workspace, &other, &plain_schema("customers"));
    assert_eq!(
        mapping_of(&document)[1],
        entry("CC", Some("email"), Some("values"))
    );
    let other = workspace.write("cost-centres.csv", "Customer ID,CC\nC-1,North\nC-2,South\n");
    let document = map(&workspace, &other, &plain_schema("customers"));
    assert_eq!(document["mapping"][1]["field"], Value::Null);
}

#[test]
fn an_invoices_file_maps_a_number_a_yes_no_and_a_camel_case_date() {
    let workspace = Workspace::new();
    let file = workspace.write(
        "invoices.csv",
        "Num,Settled,dueDt,Amt\n1001,yes,2024-03-01,120.00\n1002,no,2024-03-15,80.50\n",
    );
    let document = map(&workspace, &file, &plain_schema("invoices"));
    assert_eq!(
        fields_of(&document),
        pairs(&[
            ("Num", Some("invoice_number")),
            ("Settled", Some("paid")),
            ("dueDt", Some("due_date")),
            ("Amt", Some("amount")),
        ])
    );
    // And the file validates: yes and no are the flag's values.
    let run = workspace.run(&[
        "validate",
        &file,
        "--schema",
        &plain_schema("invoices"),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn a_yes_no_column_is_no_count_beside_the_stock_column() {
    let workspace = Workspace::new();
    let file = workspace.write(
        "woo.csv",
        "SKU,Name,In stock?,Stock\nW-1,Mug,1,40\nW-2,Cup,0,0\nW-3,Jug,1,7\n",
    );
    let document = map(&workspace, &file, &plain_schema("products"));
    assert_eq!(
        fields_of(&document),
        pairs(&[
            ("SKU", Some("sku")),
            ("Name", Some("name")),
            ("In stock?", None),
            ("Stock", Some("quantity")),
        ])
    );
    // Alone, the flag still does not become the count.
    let alone = workspace.write("flag.csv", "SKU,Name,In stock?\nW-1,Mug,1\nW-2,Cup,0\n");
    let document = map(&workspace, &alone, &plain_schema("products"));
    assert_eq!(document["mapping"][2]["field"], Value::Null);
    assert_eq!(document["missing_fields"][3], "quantity");
}

/// A schema, a file's text, and the field each of its columns must take.
type Case = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// Files in German, French and Spanish for each schema, mapped whole with no `--llm`.
#[test]
fn german_french_and_spanish_files_map_without_a_model() {
    let workspace = Workspace::new();
    let cases: [Case; 9] = [
        (
            "products",
            "Artikelnummer;Bezeichnung;Beschreibung;Preis;Bestand;Gewicht (kg);Warengruppe\nA-1;Schraube;Stahlschraube;0,10;1000;0,01;Werkzeug\n",
            &[
                ("Artikelnummer", "sku"),
                ("Bezeichnung", "name"),
                ("Beschreibung", "description"),
                ("Preis", "price"),
                ("Bestand", "quantity"),
                ("Gewicht (kg)", "weight_kg"),
                ("Warengruppe", "category"),
            ],
        ),
        (
            "products",
            "Référence;Désignation;Prix;Quantité;Poids;Catégorie\nR-1;Vis;0,10;1000;0,01;Quincaillerie\n",
            &[
                ("Référence", "sku"),
                ("Désignation", "name"),
                ("Prix", "price"),
                ("Quantité", "quantity"),
                ("Poids", "weight_kg"),
                ("Catégorie", "category"),
            ],
        ),
        (
            "products",
            "Código;Nombre;Descripción;Precio;Cantidad\nC-1;Tornillo;Tornillo de acero;0,10;1000\n",
            &[
                ("Código", "sku"),
                ("Nombre", "name"),
                ("Descripción", "description"),
                ("Precio", "price"),
                ("Cantidad", "quantity"),
            ],
        ),
        (
            "customers",
            "Kundennummer;Vorname;Nachname;Firma;E-Mail;Telefon;PLZ;Ort;Land\nK-1;Eva;Schulz;Schulz KG;eva@schulz.example;+49 40 1234567;20095;Hamburg;DE\n",
            &[
                ("Kundennummer", "customer_id"),
                ("Vorname", "first_name"),
                ("Nachname", "last_name"),
                ("Firma", "company"),
                ("E-Mail", "email"),
                ("Telefon", "phone"),
                ("PLZ", "postal_code"),
                ("Ort", "city"),
                ("Land", "country"),
            ],
        ),
        (
            "customers",
            "N° client;Prénom;Nom;Société;Courriel;Téléphone;Code postal;Ville;Pays\nC0456;Élodie;Lefèvre;Lefèvre SARL;elodie@lefevre.example;+33 1 42 68 53 00;75002;Paris;FR\n",
            &[
                ("N° client", "customer_id"),
                ("Prénom", "first_name"),
                ("Nom", "last_name"),
                ("Société", "company"),
                ("Courriel", "email"),
                ("Téléphone", "phone"),
                ("Code postal", "postal_code"),
                ("Ville", "city"),
                ("Pays", "country"),
            ],
        ),
        (
            "customers",
            "Número de cliente;Nombre;Apellidos;Empresa;Correo electrónico;Teléfono;Ciudad;País\nCL-2;Ana;Pérez;Pérez SL;ana@perez.example;+34 600 123 456;Madrid;ES\n",
            &[
                ("Número de cliente", "customer_id"),
                ("Nombre", "first_name"),
                ("Apellidos", "last_name"),
                ("Empresa", "company"),
                ("Correo electrónico", "email"),
                ("Teléfono", "phone"),
                ("Ciudad", "city"),
                ("País", "country"),
            ],
        ),
        (
            "invoices",
            "Rechnungsnummer;Kundennr.;Rechnungsdatum;Fällig am;Betrag;MwSt.;Währung;Bezahlt\nRE-1;K-1;01.02.2024;01.03.2024;119,00;19,00;EUR;ja\n",
            &[
                ("Rechnungsnummer", "invoice_number"),
                ("Kundennr.", "customer_id"),
                ("Rechnungsdatum", "issue_date"),
                ("Fällig am", "due_date"),
                ("Betrag", "amount"),
                ("MwSt.", "tax"),
                ("Währung", "currency"),
                ("Bezahlt", "paid"),
            ],
        ),
        (
            "invoices",
            "Numéro de facture;Client;Date de facture;Échéance;Montant;TVA;Devise;Payée\nF-1;CL-1;01/02/2024;01/03/2024;120,00;20,00;EUR;oui\n",
            &[
                ("Numéro de facture", "invoice_number"),
                ("Client", "customer_id"),
                ("Date de facture", "issue_date"),
                ("Échéance", "due_date"),
                ("Montant", "amount"),
                ("TVA", "tax"),
                ("Devise", "currency"),
                ("Payée", "paid"),
            ],
        ),
        (
            "invoices",
            "Número de factura;Cliente;Fecha;Vencimiento;Importe;IVA;Moneda;Pagado\nFA-1;CL-2;01/02/2024;01/03/2024;121,00;21,00;EUR;sí\n",
            &[
                ("Número de factura", "invoice_number"),
                ("Cliente", "customer_id"),
                ("Fecha", "issue_date"),
                ("Vencimiento", "due_date"),
                ("Importe", "amount"),
                ("IVA", "tax"),
                ("Moneda", "currency"),
                ("Pagado", "paid"),
            ],
        ),
    ];
    for (number, (schema, text, expected)) in cases.iter().enumerate() {
        let file = workspace.write(&format!("{schema}-{number}.csv"), text);
        let document = map(&workspace, &file, &plain_schema(schema));
        let expected: Vec<(&str, Option<&str>)> = expected
            .iter()
            .map(|(column, field)| (*column, Some(*field)))
            .collect();
        assert_eq!(fields_of(&document), pairs(&expected), "{schema} {number}");
    }
}

/// A header of the table's own word alone ("Articolo" in an article list, "Cliente" in a
/// customer list) is the entity's code over values that are codes, and stays open over names;
/// the French "P.U." is a unit price, sale or purchase.
#[test]
fn an_entitys_word_alone_over_codes_is_its_code() {
    let workspace = Workspace::new();
    let cases: [OpenCase; 4] = [
        (
            "products",
            "Articolo;Descrizione\nMG-2041;Lampada da tavolo in ottone\nMG-2042;Lampada da terra\n",
            &[
                ("Articolo", Some("sku")),
                ("Descrizione", Some("description")),
            ],
        ),
        (
            "products",
            "Articolo;Descrizione\nLampada;Lampada da tavolo in ottone\nPiantana;Lampada da terra\n",
            &[("Articolo", None), ("Descrizione", Some("description"))],
        ),
        (
            "customers",
            "Cliente;Morada;Localidade\nC0042;Rua do Ouro 20;Lisboa\n",
            &[
                ("Cliente", Some("customer_id")),
                ("Morada", Some("address")),
                ("Localidade", Some("city")),
            ],
        ),
        (
            "products",
            "Code article;Libellé;PU vente HT;PU achat HT\nWS-0042;Cahier spirale A5;2,90;0,95\n",
            &[
                ("Code article", Some("sku")),
                ("Libellé", Some("name")),
                ("PU vente HT", Some("price")),
                ("PU achat HT", Some("cost")),
            ],
        ),
    ];
    assert_mapped(&workspace, &cases);
}

/// What a header names when no other column names it: an "Invoice ID" is the invoice's number
/// alone, and stays open beside an "Invoice Number" (a bare "ID" never is); the plain one of a
/// plain and a fuller description is the product's name unless a column names the name; a
/// table's alias of a letter and a digit is set aside (TOTVS Protheus's `B1_COD`); a header of
/// several codes is no single field.
#[test]
fn what_a_header_names_when_nothing_else_does() {
    let workspace = Workspace::new();
    let cases: [OpenCase; 6] = [
        (
            "invoices",
            "Invoice ID,Customer ID,Invoice Amount\nINV-000812,C-00107,12000.00\n",
            &[
                ("Invoice ID", Some("invoice_number")),
                ("Customer ID", Some("customer_id")),
                ("Invoice Amount", Some("amount")),
            ],
        ),
        (
            "invoices",
            "Invoice ID,Invoice Number,Total\n88,INV-0088,120.00\n",
            &[
                ("Invoice ID", None),
                ("Invoice Number", Some("invoice_number")),
                ("Total", Some("amount")),
            ],
        ),
        (
            "invoices",
            "ID,Customer,Grand Total\nACC-SINV-2024-00012,CUST-00012,1180.00\n",
            &[
                ("ID", None),
                ("Customer", Some("customer_id")),
                ("Grand Total", Some("amount")),
            ],
        ),
        (
            "products",
            "SKU,Description,Long Description\nSV-LAMP-02,Brass Desk Lamp,Brass desk lamp with an adjustable arm\n",
            &[
                ("SKU", Some("sku")),
                ("Description", Some("name")),
                ("Long Description", Some("description")),
            ],
        ),
        (
            "products",
            "SKU,Name,Description,Long Description\nSV-1,Desk Lamp,Brass lamp,Brass desk lamp with an adjustable arm\n",
            &[
                ("SKU", Some("sku")),
                ("Name", Some("name")),
                ("Description", None),
                ("Long Description", Some("description")),
            ],
        ),
        (
            "products",
            "B1_COD,B1_DESC,B1_PRV1,B1_CODBAR,CATEGORY_CODES\nPA0001,CADEIRA GIRATORIA,459.90,7891234000019,\"chairs,office\"\n",
            &[
                ("B1_COD", Some("sku")),
                ("B1_DESC", Some("description")),
                ("B1_PRV1", Some("price")),
                ("B1_CODBAR", Some("barcode")),
                ("CATEGORY_CODES", None),
            ],
        ),
    ];
    assert_mapped(&workspace, &cases);
}

#[test]
fn the_sheet_whose_header_fits_is_read_when_the_first_is_a_summary() {
    let workspace = Workspace::new();
    let run = workspace.run(&[
        "import",
        &fixture("summary-first.xlsx"),
        "--schema",
        &plain_schema("products"),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(document["sheet"], "Products");
    assert_eq!(
        document["sheet_reason"],
        "sheet 2 \"Products\" chosen: its header fits schema products best (5 of 12 fields, 2 of 2 required), the first sheet \"Summary\" fits 1 of 12 fields, 0 of 2 required; --sheet 1 reads the first"
    );
    assert_eq!(document["plan"]["insert"], 3);
    // The terminal says it too; --sheet 1 reads the summary as asked.
    let run = workspace.run(&[
        "map",
        &fixture("summary-first.xlsx"),
        "--schema",
        &plain_schema("products"),
    ]);
    assert!(
        run.stdout
            .contains("sheet 2 \"Products\" chosen: its header fits schema products best"),
        "{}",
        run.stdout
    );
    let document = map_with(&workspace, &["--sheet", "1"]);
    assert_eq!(document["sheet"], "Summary");
    assert_eq!(document["sheet_reason"], Value::Null);
}

fn map_with(workspace: &Workspace, extra: &[&str]) -> Value {
    let schema = plain_schema("products");
    let summary = fixture("summary-first.xlsx");
    let mut args = vec!["map", &summary, "--schema", &schema, "--format", "json"];
    args.extend_from_slice(extra);
    let run = workspace.run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

#[test]
fn padded_cells_are_no_errors_and_are_stored_trimmed() {
    let workspace = Workspace::new();
    let schema = workspace.write(
        "accounts.schema.json",
        r#"{"fields": [
            {"name": "account_id", "type": "string", "constraints": {"required": true, "pattern": "[A-Z]-[0-9]+"}},
            {"name": "email", "type": "string", "format": "email", "constraints": {"unique": true}},
            {"name": "country", "type": "string", "constraints": {"minLength": 2, "maxLength": 2}},
            {"name": "currency", "type": "string", "constraints": {"enum": ["EUR", "USD"]}},
            {"name": "balance", "type": "number"}
        ], "primaryKey": "account_id"}"#,
    );
    // Quote-all, as Excel's "CSV (quoted)" and many exports write it: spaces, a tab and
    // non-breaking spaces around the values; the second e-mail repeats the first once trimmed.
    let file = workspace.write(
        "padded.csv",
        "\"account_id\",\"email\",\"country\",\"currency\",\"balance\"\n\
         \" A-1 \",\" jane@example.com \",\" US \",\" EUR \",\" 12.50 \"\n\
         \"B-2\t\",\"\u{a0}bob@example.com\u{a0}\",\"DE \",\"\u{a0}USD\",\"7\"\n",
    );
    let run = workspace.run(&["validate", &file, "--schema", &schema, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let document = run.json();
    assert_eq!(errors_of(&document), vec![]);
    assert_eq!(document["normalised"]["trimmed"], 9);
    let run = workspace.run(&["validate", &file, "--schema", &schema]);
    assert!(
        run.stdout
            .contains("9 cells had spaces around the value, taken off"),
        "{}",
        run.stdout
    );
    let run = workspace.run(&["import", &file, "--schema", &schema, "--commit", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        workspace.query(
            "SELECT account_id, email, country, currency, balance FROM accounts ORDER BY account_id"
        ),
        crate::texts(&[
            &[
                Some("A-1"),
                Some("jane@example.com"),
                Some("US"),
                Some("EUR"),
                Some("12.50")
            ],
            &[
                Some("B-2"),
                Some("bob@example.com"),
                Some("DE"),
                Some("USD"),
                Some("7")
            ],
        ])
    );
    // A duplicate once trimmed is a duplicate; the report shows the cell as it is.
    let twice = workspace.write(
        "twice.csv",
        "account_id,email\nA-1,jane@example.com\nA-2, jane@example.com \n",
    );
    let run = workspace.run(&["validate", &twice, "--schema", &schema, "--format", "json"]);
    assert_eq!(run.code, 1);
    let document = run.json();
    assert_eq!(
        errors_of(&document),
        vec![(3, "email".to_string(), "unique".to_string())]
    );
    assert_eq!(document["errors"][0]["value"], " jane@example.com ");
}

#[test]
fn a_field_declared_trim_false_keeps_its_spaces() {
    let workspace = Workspace::new();
    let schema = workspace.write(
        "labels.toml",
        r#"
table = "labels"
key = "code"

[[fields]]
name = "code"
required = true

[[fields]]
name = "text"
trim = false
maxLength = 5
"#,
    );
    let file = workspace.write(
        "labels.csv",
        "code,text\n L1 ,  ab  \nL2,abcdef\nL3,\" x\"\n",
    );
    let run = workspace.run(&[
        "import",
        &file,
        "--schema",
        &schema,
        "--skip-invalid",
        "--commit",
        "--yes",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    // "  ab  " is 6 characters with its spaces: too long; "abcdef" too; " x" fits.
    assert_eq!(
        errors_of(&document),
        vec![
            (2, "text".to_string(), "maxLength".to_string()),
            (3, "text".to_string(), "maxLength".to_string()),
        ]
    );
    assert_eq!(
        workspace.query("SELECT code, text FROM labels"),
        crate::texts(&[&[Some("L3"), Some(" x")]])
    );
}

#[test]
fn a_required_field_without_a_column_is_offered_the_columns_on_a_terminal() {
    let workspace = Workspace::new();
    let schema = plain_schema("products");
    let file = workspace.write(
        "odd.csv",
        "Ident,Product Name,Price\nX-1,Bolt,0.20\nX-2,Nut,0.10\n",
    );
    // Off a terminal: the error names the field, the closest columns and the --map to write.
    let run = workspace.run(&["validate", &file, "--schema", &schema]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("required field \"sku\" has no column")
            && run.stderr.contains("map one with --map 'COLUMN=sku'"),
        "{}",
        run.stderr
    );
    // Choosing "none of these" stops as off a terminal.
    let (code, shown) = run_answering(
        &workspace,
        &["validate", &file, "--schema", &schema],
        vec![Answer::new("Which column holds it?", "\x1b[B\r")],
    );
    assert_eq!(code, 2, "{shown}");
    assert!(
        shown.contains("required field \"sku\" has no column"),
        "{shown}"
    );
    // On a terminal, the open columns are offered; the choice is applied and kept.
    let (code, shown) = run_answering(
        &workspace,
        &["validate", &file, "--schema", &schema],
        vec![
            Answer::new("Which column holds it?", "\r"),
            Answer::new(
                "Keep this mapping for the next file with these headers",
                "y",
            ),
        ],
    );
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains("Required field \"sku\" has no column"),
        "{shown}"
    );
    assert!(
        shown.contains("Saved the mapping in mappings/learned/products.toml"),
        "{shown}"
    );
    assert!(
        shown.contains("2 rows read: 2 valid, 0 with errors"),
        "{shown}"
    );
    // The next run, off a terminal, finds the kept mapping by the file's headers.
    let run = workspace.run(&["map", &file, "--schema", &schema, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        mapping_of(&run.json())[0],
        entry("Ident", Some("sku"), Some("manual"))
    );
    let run = workspace.run(&["validate", &file, "--schema", &schema]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn inspect_lists_every_sheet_with_its_header_and_fit() {
    let workspace = Workspace::new();
    let summary = fixture("summary-first.xlsx");
    let schema = plain_schema("products");
    let run = workspace.run(&["inspect", &summary, "--schema", &schema, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(document["sheet"], "Products");
    assert_eq!(
        document["sheet_headers"],
        serde_json::json!([
            {"sheet": "Summary", "header_row": 1, "headers": ["Category", "Items", "Stock value"],
             "fit": "1 of 12 fields, 0 of 2 required"},
            {"sheet": "Products", "header_row": 1,
             "headers": ["SKU#", "Product Name", "Price (USD)", "Stock Qty", "Cat."],
             "fit": "5 of 12 fields, 2 of 2 required"}
        ])
    );
    assert_eq!(document["rows"], 3);
    // Without a schema: every sheet and its header, and the first sheet profiled.
    let run = workspace.run(&["inspect", &summary, "--format", "json"]);
    let document = run.json();
    assert_eq!(document["sheet"], "Summary");
    assert_eq!(document["sheet_headers"][1]["fit"], Value::Null);
    assert_eq!(document["sheet_headers"][1]["headers"][0], "SKU#");
}

#[test]
fn known_look_alikes_stay_open_beside_the_columns_they_resemble() {
    let workspace = Workspace::new();
    let cases: [OpenCase; 3] = [
        (
            "products",
            "SKU,Title,Price,Compare At Price,Sale price,Description,Short description,Purchase Description,Quantity,Reorder Point,Quantity as-of Date\n\
             P-1,Tee,19.99,24.99,17.99,Soft tee,Tee,From supplier,14,5,2024-01-01\n",
            &[
                ("SKU", Some("sku")),
                ("Title", Some("name")),
                ("Price", Some("price")),
                ("Compare At Price", None),
                ("Sale price", None),
                ("Description", Some("description")),
                ("Short description", None),
                ("Purchase Description", None),
                ("Quantity", Some("quantity")),
                ("Reorder Point", None),
                ("Quantity as-of Date", None),
            ],
        ),
        (
            "customers",
            "Customer ID,First Name,Last Name,Title,Phone,Mobile,Email,Email consent,Date of Birth,Open Balance\n\
             C-1,Ann,Lee,CFO,+1 555 0100,+1 555 0101,ann@example.com,yes,1980-02-02,120.00\n",
            &[
                ("Customer ID", Some("customer_id")),
                ("First Name", Some("first_name")),
                ("Last Name", Some("last_name")),
                ("Title", None),
                ("Phone", Some("phone")),
                ("Mobile", None),
                ("Email", Some("email")),
                ("Email consent", None),
                ("Date of Birth", None),
                ("Open Balance", None),
            ],
        ),
        (
            "invoices",
            "Invoice ID,Invoice Number,Invoice Status,Paid,Total,Open Balance\n\
             88,INV-1,Paid,yes,120.00,0.00\n",
            &[
                ("Invoice ID", None),
                ("Invoice Number", Some("invoice_number")),
                ("Invoice Status", None),
                ("Paid", Some("paid")),
                ("Total", Some("amount")),
                ("Open Balance", None),
            ],
        ),
    ];
    assert_mapped(&workspace, &cases);
}

#[test]
fn columns_are_read_beside_each_other_and_never_chosen_by_a_guess() {
    let workspace = Workspace::new();
    let cases: [OpenCase; 4] = [
        // Two columns that fit the amount equally: neither is taken, both show it. The
        // document, in a list of invoices, is the invoice's number.
        (
            "invoices",
            "Documento,Cliente,Valor líquido,Grand Total,Total\nFA 1,Costa,400.00,492.00,492.00\n",
            &[
                ("Documento", Some("invoice_number")),
                ("Cliente", Some("customer_id")),
                ("Valor líquido", None),
                ("Grand Total", None),
                ("Total", None),
            ],
        ),
        // Columns that differ by a number: the first; a flag named exactly but holding amounts
        // is no flag; a name on an invoice yields to the customer's number.
        (
            "invoices",
            "Number,Customer #,Customer,Paid,Amount\nINV-1,C-9,Acme,780.00,780.00\n",
            &[
                ("Number", Some("invoice_number")),
                ("Customer #", Some("customer_id")),
                ("Customer", None),
                ("Paid", None),
                ("Amount", Some("amount")),
            ],
        ),
        // "Name" beside "Vorname" is the last name; Phone 1 before Phone 2; a note in brackets.
        (
            "customers",
            "Kundennr.,Vorname,Name,Phone 1,Phone 2,Phone (Mobile)\n10045,Anna,Huber,+49 89 1,+49 89 2,+49 170 1\n",
            &[
                ("Kundennr.", Some("customer_id")),
                ("Vorname", Some("first_name")),
                ("Name", Some("last_name")),
                ("Phone 1", Some("phone")),
                ("Phone 2", None),
                ("Phone (Mobile)", None),
            ],
        ),
        // "Nom" alone, in a list of companies, is no last name.
        (
            "customers",
            "Code client,Nom,Ville,Pays\nCL-1,Atelier Girard,Lyon,FR\n",
            &[
                ("Code client", Some("customer_id")),
                ("Nom", None),
                ("Ville", Some("city")),
                ("Pays", Some("country")),
            ],
        ),
    ];
    assert_mapped(&workspace, &cases);
    // The tie is said: the amount's candidates name both columns.
    let file = workspace.write("tie.csv", "Grand Total,Total\n492.00,492.00\n");
    let document = map(&workspace, &file, &plain_schema("invoices"));
    for column in 0..2 {
        assert_eq!(
            document["mapping"][column]["candidates"][0]["field"], "amount",
            "{document}"
        );
    }
}
