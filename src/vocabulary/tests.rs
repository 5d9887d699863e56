use super::*;

fn vocabulary() -> Vocabulary {
    Vocabulary::parse(include_str!("../vocabulary.toml")).expect("the shipped vocabulary parses")
}

#[test]
fn the_shipped_vocabulary_parses() {
    let vocabulary = vocabulary();
    assert!(vocabulary.concepts.len() > 60);
    assert_eq!(VOCABULARY.concepts.len(), vocabulary.concepts.len());
}

#[test]
fn reads_headers_as_words() {
    let vocabulary = vocabulary();
    for (header, words, units) in [
        ("Product Name", "product name", ""),
        ("PRODUCT_NAME", "product name", ""),
        ("Price (USD)", "price", "usd"),
        ("Weight (kg)", "weight", "kg"),
        ("weight_kg", "weight", "kg"),
        ("SKU#", "sku number", ""),
        ("Stock Qty", "stock quantity", ""),
        ("dueDt", "due date", ""),
        ("phoneNo", "phone number", ""),
        ("isPaid", "is paid", ""),
        ("POCity", "po city", ""),
        ("Option1 Name", "option 1 name", ""),
        ("N° client", "number client", ""),
        ("Référence", "reference", ""),
        ("Fällig am", "fallig am", ""),
        ("Straße", "strasse", ""),
        ("E-Mail-Adresse", "email adresse", ""),
        ("Artikelnummer", "artikel number", ""),
        ("Rechnungsdatum", "rechnung datum", ""),
        ("Kundennr.", "kunden number", ""),
        ("Cat.", "category", ""),
        ("UoM", "uom", ""),
        ("Active (0/1)", "active", ""),
    ] {
        let reading = vocabulary.read(header);
        assert_eq!(reading.joined(), words, "{header:?}");
        assert_eq!(reading.units.join(" "), units, "{header:?}");
    }
    assert!(vocabulary.read("In stock?").question);
}

fn reached(vocabulary: &Vocabulary, header: &str, table: &str) -> Vec<String> {
    let entity = vocabulary.table_entity(table);
    vocabulary
        .concepts(&vocabulary.read(header), entity)
        .into_iter()
        .filter(|found| !found.weak)
        .map(|found| vocabulary.concepts[found.concept].id.clone())
        .collect()
}

#[test]
fn reaches_concepts_in_the_context_of_the_table() {
    let vocabulary = vocabulary();
    for (header, table, concept) in [
        ("Product Name", "products", "product.name"),
        ("name", "products", "product.name"),
        ("Title", "products", "product.name"),
        ("Company Name", "customers", "customer.company"),
        ("Default Address Company", "customers", "customer.company"),
        ("Employer", "customers", "customer.company"),
        ("Stock Qty", "products", "product.quantity"),
        ("In stock?", "products", "product.in_stock"),
        ("Num", "invoices", "invoice.number"),
        ("Invoice #", "invoices", "invoice.number"),
        ("Settled", "invoices", "invoice.paid"),
        ("PAID_FLAG", "invoices", "invoice.paid"),
        ("isPaid", "invoices", "invoice.paid"),
        ("dueDt", "invoices", "invoice.due_date"),
        ("phoneNo", "customers", "party.phone"),
        ("First", "customers", "customer.first_name"),
        ("Artikelnummer", "products", "product.sku"),
        ("Rechnungsdatum", "invoices", "invoice.issue_date"),
        ("Fällig am", "invoices", "invoice.due_date"),
        ("Courriel", "customers", "party.email"),
        ("Customer ID", "invoices", "invoice.customer"),
        ("customer_id", "customers", "customer.id"),
    ] {
        let found = reached(&vocabulary, header, table);
        assert!(
            found.iter().any(|found| found == concept),
            "{header:?} in {table}: {found:?}"
        );
    }
    // Out of their table's context, generic names say nothing.
    assert!(reached(&vocabulary, "Name", "invoices").is_empty());
    assert!(reached(&vocabulary, "Title", "customers") == ["customer.job_title"]);
    assert!(reached(&vocabulary, "Weight (cm)", "products").is_empty());
}

#[test]
fn folds_accents() {
    assert_eq!(fold("Número"), "numero");
    assert_eq!(fold("Größe"), "grosse");
    assert_eq!(fold("ÉTAT"), "etat");
}
