use super::*;

fn vocabulary() -> Vocabulary {
    Vocabulary::parse(include_str!("../vocabulary.toml")).expect("the shipped vocabulary parses")
}

#[test]
fn the_shipped_vocabulary_parses() {
    let vocabulary = vocabulary();
    assert!(vocabulary.concepts.len() > 60);
    assert_eq!(VOCABULARY.concepts.len(), vocabulary.concepts.len());
    // What a concept names instead, when values rule it out, is found by its id.
    let id = |index: Option<usize>| index.map(|index| vocabulary.concepts[index].id.as_str());
    let of = |id: &str| vocabulary.concepts.iter().find(|concept| concept.id == id);
    assert_eq!(
        id(of("product.in_stock").and_then(|concept| concept.instead)),
        Some("product.quantity")
    );
    assert_eq!(
        id(of("invoice.paid").and_then(|concept| concept.instead)),
        Some("invoice.amount_paid")
    );
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
        ("N. documento", "number documento", ""),
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
        ("B1_COD", "code", ""),
        ("CATEGORY_CODES", "category codes", ""),
        ("PU vente HT", "unit price vente ht", ""),
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

#[test]
fn reads_technical_and_foreign_spellings() {
    let vocabulary = vocabulary();
    for (header, words) in [
        // A one-letter table alias is set aside; an abbreviation with a dot is no alias.
        ("v_products_model", "products model"),
        ("s.town", "town"),
        ("Q.tà", "quantity"),
        // A vendor's two-letter prefix run into known words, but no prefix of the language.
        ("OXARTNUM", "artikel number"),
        ("OXTITLE", "title"),
        ("restock", "restock"),
        // German without umlauts, plurals of known words, Nº as a number sign.
        ("Waehrung", "wahrung"),
        ("Purchases", "purchase"),
        ("Nº Factura", "number factura"),
        // Taxes included or excluded, whatever the language's word.
        ("Totaal incl. btw", "total incl tax"),
        ("Price tax excluded", "price tax excl"),
        // Letters one by one are one word; a locale tag is a note, not a word of the name.
        ("P.V.P.", "pvp"),
        ("N.I.F. cliente", "nif cliente"),
        ("Z i p", "zip"),
        ("name-en_US", "name"),
        ("description-en_US-ecommerce", "description ecommerce"),
        ("Cd_Nazione", "code nazione"),
        // The word for an amount is the same in every language.
        ("Bedrag incl. btw", "amount incl tax"),
        ("Importe total", "amount total"),
        ("Total inc GST", "total incl tax"),
        // With and without in Spanish and Portuguese shorthand, and in brackets.
        ("Total c/ IVA", "total incl tax"),
        ("Total s/ IVA", "total excl tax"),
        ("Amount (ex tax)", "amount excl tax"),
        ("NormalPriceWithoutVAT", "normal price excl tax"),
        // "No" before a tax is "without"; two words that make a known word are that word.
        ("Price no tax", "price excl tax"),
        ("VerkaufsPreis", "verkaufspreis"),
    ] {
        assert_eq!(vocabulary.read(header).joined(), words, "{header:?}");
    }
    assert_eq!(vocabulary.read("Phone (Mobile)").notes, ["mobile"]);
    assert_eq!(vocabulary.read("Weight (kg)").notes, Vec::<String>::new());
    assert_eq!(vocabulary.read("Titel de_DE").notes, ["de", "de"]);
    assert_eq!(vocabulary.read("Gewicht (gram)").units, ["g"]);
    assert_eq!(vocabulary.read("Peso (kilos)").units, ["kg"]);
}

#[test]
fn sets_words_aside_by_what_they_say() {
    let vocabulary = vocabulary();
    for (header, table, concept) in [
        // Any order of a name's words, and without its joining words.
        ("code postal", "customers", "party.postal_code"),
        ("Prénom du contact", "customers", "customer.first_name"),
        ("Prix de vente TTC", "products", "product.price"),
        // Money and date words set aside for money and dates only.
        ("Totale IVA", "invoices", "invoice.tax"),
        ("ADDED TIME", "customers", "any.created"),
        // Two names of one concept, a part's word before a number, a location.
        ("EAN / GTIN", "products", "product.barcode"),
        ("Option Quantity", "products", "product.quantity"),
        ("inventory_Main_Outlet", "products", "product.quantity"),
        // A note in brackets naming another thing of the same kind.
        ("Phone (Mobile)", "customers", "party.mobile"),
        ("Phone (Work)", "customers", "party.phone"),
        // SAP's field codes.
        ("MATNR", "products", "product.sku"),
        ("KUNNR", "customers", "customer.id"),
    ] {
        let found = reached(&vocabulary, header, table);
        assert_eq!(
            found.first().map(String::as_str),
            Some(concept),
            "{header:?} in {table}: {found:?}"
        );
    }
    // A part's word is not set aside before a text: "Variant Name" is no product name.
    assert!(
        !reached(&vocabulary, "Variant Name", "products").contains(&"product.name".to_string())
    );
    assert!(
        !reached(&vocabulary, "Variant Details", "products")
            .contains(&"product.description".to_string())
    );
    // Money words never make a quantity: "Stock value" names no quantity.
    assert!(reached(&vocabulary, "Stock value", "products").is_empty());
}

#[test]
fn secondary_and_reordered_names_score_lower() {
    let vocabulary = vocabulary();
    let score = |header: &str, table: &str| {
        let entity = vocabulary.table_entity(table);
        vocabulary.concepts(&vocabulary.read(header), entity)[0].score
    };
    assert_eq!(score("Customer #", "invoices"), CONCEPT_SCORE);
    assert_eq!(
        score("Customer", "invoices"),
        CONCEPT_SCORE - SECONDARY_PENALTY
    );
    assert_eq!(score("Gross Weight", "products"), CONCEPT_SCORE);
    assert_eq!(
        score("Net Weight", "products"),
        CONCEPT_SCORE - SECONDARY_PENALTY
    );
    assert_eq!(score("price_gross", "products"), CONCEPT_SCORE);
    assert_eq!(
        score("price_net", "products"),
        CONCEPT_SCORE - REORDERED_PENALTY
    );
}
