use super::*;

fn rows(lines: &[&[&str]]) -> Vec<Record> {
    lines
        .iter()
        .enumerate()
        .map(|(index, cells)| Record {
            row: index + 1,
            cells: cells
                .iter()
                .map(|text| {
                    if text.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text((*text).into())
                    }
                })
                .collect(),
        })
        .collect()
}

#[test]
fn headers_below_titles_and_notes() {
    let plain = rows(&[
        &["sku", "name", "price"],
        &["A", "One", "1"],
        &["B", "Two", "2"],
    ]);
    assert_eq!(choose_header(&plain), 0);
    let titled = rows(&[
        &["Stock report", "", ""],
        &["Exported 2024-03-01 by ERP", "", ""],
        &["sku", "name", "price"],
        &["A", "One", "1"],
        &["B", "", "2"],
    ]);
    assert_eq!(choose_header(&titled), 2);
    let banner_with_two_cells = rows(&[
        &["Company:", "ACME", "", "", ""],
        &["id", "name", "qty", "price", "note"],
        &["1", "x", "2", "3", ""],
        &["2", "y", "2", "3", "z"],
    ]);
    assert_eq!(choose_header(&banner_with_two_cells), 1);
    let one_column = rows(&[&["email"], &["a@b.c"], &["d@e.f"]]);
    assert_eq!(choose_header(&one_column), 0);
    let numbers_first = rows(&[
        &["2024", "2025", ""],
        &["name", "q1", "q2"],
        &["x", "1", "2"],
    ]);
    assert_eq!(choose_header(&numbers_first), 1);
}

/// What lies under a row decides: the cases seen in files nobody here wrote.
#[test]
fn headers_scored_by_what_lies_under_them() {
    let footnotes = rows(&[
        &["region", "sales", "units"],
        &["North", "10", "2"],
        &["South", "12", "3"],
        &["Source:", "ONS", ""],
        &["Note: figures are provisional", "", ""],
        &["* revised", "", ""],
    ]);
    assert_eq!(choose_header(&footnotes), 0);
    let notes_under_title = rows(&[
        &["Stock report", "", "", ""],
        &["Prepared by:", "Finance", "", ""],
        &["Notes:", "values in EUR", "", ""],
        &["sku", "name", "qty", "price"],
        &["A", "One", "1", "2.50"],
        &["B", "Two", "2", "3.50"],
    ]);
    assert_eq!(choose_header(&notes_under_title), 3);
    let metadata = rows(&[
        &["Key", "Value"],
        &["Report", "Customers"],
        &["Exported", "2024-05-01"],
        &["Rows", "2"],
        &["System", "ERP"],
        &["id", "name"],
        &["1", "Ann"],
        &["2", "Bob"],
    ]);
    assert_eq!(choose_header(&metadata), 5);
    let wide_after_metadata = rows(&[
        &["Key", "Value", "", "", ""],
        &["Report", "Stock", "", "", ""],
        &["Exported", "2024-05-01", "", "", ""],
        &["Site", "Main", "", "", ""],
        &["Owner", "Ann", "", "", ""],
        &["sku", "name", "qty", "price", "bin"],
        &["A", "One", "1", "2", "X1"],
        &["B", "Two", "2", "3", "X2"],
    ]);
    assert_eq!(choose_header(&wide_after_metadata), 5);
    let short = rows(&[&["name", "city"], &["Ann", "Oslo"], &["Bob", "Rome"]]);
    assert_eq!(choose_header(&short), 0);
    let years = rows(&[
        &["Name", "2019", "2020", "2021"],
        &["Ann", "1", "2", "3"],
        &["Bob", "4", "5", "6"],
    ]);
    assert_eq!(choose_header(&years), 0);
    let years_under_title = rows(&[
        &["Population by year", "", "", ""],
        &["Name", "2019", "2020", "2021"],
        &["Oslo", "1", "2", "3"],
        &["Rome", "4", "5", "6"],
    ]);
    assert_eq!(choose_header(&years_under_title), 1);
    let group_row = rows(&[
        &["", "Contact", "", "Address", ""],
        &["id", "email", "phone", "street", "city"],
        &["1", "a@b.c", "5", "Main St", "Oslo"],
        &["2", "d@e.f", "6", "High St", "Rome"],
    ]);
    assert_eq!(choose_header(&group_row), 1);
}

/// More of the cases the weights were set on, and long tables.
#[test]
fn headers_of_the_tuning_cases() {
    let cases = [
        // right_edge: data under the header's blank last cell
        (
            rows(&[
                &["sku", "name", ""],
                &["A", "One", "5"],
                &["B", "Two", "6"],
                &["C", "Three", "7"],
            ]),
            0,
        ),
        // mixed_codes
        (
            rows(&[
                &["code", "name"],
                &["123", "A"],
                &["A-5", "B"],
                &["77", "C"],
                &["X9", "D"],
                &["12", "E"],
            ]),
            0,
        ),
        // sparse
        (
            rows(&[
                &["id", "name", "email", "phone", "city"],
                &["1", "Ann", "", "", ""],
                &["2", "", "b@c.d", "", ""],
                &["3", "", "", "5", "Oslo"],
                &["4", "Dan", "", "", ""],
            ]),
            0,
        ),
        // exported_2
        (
            rows(&[
                &["Exported:", "2024-01-01"],
                &["id", "amount"],
                &["1", "5.00"],
                &["2", "6.00"],
                &["3", "7.00"],
            ]),
            1,
        ),
        // exported_3
        (
            rows(&[
                &["Exported:", "2024-01-01", ""],
                &["id", "name", "amount"],
                &["1", "a", "5.00"],
                &["2", "b", "6.00"],
            ]),
            1,
        ),
        // inner_blank
        (
            rows(&[
                &["id", "", "amount"],
                &["1", "a", "5.00"],
                &["2", "b", "6.00"],
            ]),
            0,
        ),
        // dates_meta
        (
            rows(&[
                &["From", "2024-01-01"],
                &["To", "2024-01-31"],
                &["Store", "12"],
                &["date", "amount"],
                &["2024-01-02", "5"],
                &["2024-01-03", "6"],
            ]),
            3,
        ),
        // footnote_numbers
        (
            rows(&[
                &["year", "value"],
                &["2019", "5"],
                &["2020", "6"],
                &["2021", "7"],
                &["Source: ONS", ""],
                &["1) provisional", ""],
            ]),
            0,
        ),
        // header_then_units
        (
            rows(&[
                &["name", "weight", "price"],
                &["", "kg", "EUR"],
                &["a", "1", "2"],
                &["b", "3", "4"],
                &["c", "5", "6"],
            ]),
            0,
        ),
        // report_2col
        (
            rows(&[
                &["Report:", "Q1"],
                &["sku", "qty"],
                &["A", "1"],
                &["B", "2"],
            ]),
            1,
        ),
    ];
    for (index, (rows, expected)) in cases.iter().enumerate() {
        assert_eq!(choose_header(rows), *expected, "case {index}");
    }
    let mut long = vec![vec![
        "id".to_string(),
        "name".to_string(),
        "qty".to_string(),
    ]];
    long.extend((0..39).map(|n| vec![n.to_string(), format!("n{n}"), (n * 2).to_string()]));
    let long: Vec<Vec<&str>> = long
        .iter()
        .map(|row| row.iter().map(String::as_str).collect())
        .collect();
    let long: Vec<&[&str]> = long.iter().map(Vec::as_slice).collect();
    assert_eq!(choose_header(&rows(&long)), 0);
    let mut titled = vec![
        vec!["Title".to_string(), String::new()],
        vec!["Generated".to_string(), "2024-01-01".to_string()],
        vec!["id".to_string(), "qty".to_string()],
    ];
    titled.extend((0..37).map(|n| vec![n.to_string(), (n * 2).to_string()]));
    let titled: Vec<Vec<&str>> = titled
        .iter()
        .map(|row| row.iter().map(String::as_str).collect())
        .collect();
    let titled: Vec<&[&str]> = titled.iter().map(Vec::as_slice).collect();
    assert_eq!(choose_header(&rows(&titled)), 2);
    // Every row has a cell more than the header: the header still heads them.
    let mut extra = vec![vec!["id".to_string(), "price".to_string()]];
    extra.extend((1..40).map(|n| {
        let price = if n % 2 == 0 {
            "9.50".to_string()
        } else {
            format!("x{n}")
        };
        vec![n.to_string(), price, "oops".to_string()]
    }));
    let extra: Vec<Vec<&str>> = extra
        .iter()
        .map(|row| row.iter().map(String::as_str).collect())
        .collect();
    let extra: Vec<&[&str]> = extra.iter().map(Vec::as_slice).collect();
    assert_eq!(choose_header(&rows(&extra)), 0);
    // No labels anywhere: the first row, not the last.
    let values = rows(&[&["1", "2"], &["3", "4"], &["5", "6"]]);
    assert_eq!(choose_header(&values), 0);
}

/// A third set, written apart from both and first run on the rule the first two set: 6 of
/// 7 (a header of months, `2024-01`, lost to the last row); since then months and years
/// across a row count as labels and a row with nothing under it is no candidate.
#[test]
fn headers_of_a_third_set() {
    let cases = [
        // price_list
        (
            rows(&[
                &["Price list 2024", "", "", ""],
                &["", "", "", ""],
                &["Code", "Description", "Unit", "Price"],
                &["A1", "Bolt", "pcs", "0.10"],
                &["A2", "Nut", "pcs", "0.05"],
                &["B1", "Washer", "box", "2.00"],
            ]),
            2,
        ),
        // invoice_kv
        (
            rows(&[
                &["Invoice:", "INV-7", "", ""],
                &["Date:", "2024-02-01", "", ""],
                &["Customer:", "ACME", "", ""],
                &["", "", "", ""],
                &["line", "sku", "qty", "price"],
                &["1", "A", "2", "3.00"],
                &["2", "B", "1", "4.50"],
            ]),
            4,
        ),
        // trailing_commas
        (
            rows(&[
                &["a", "b", "c", "", ""],
                &["1", "2", "3", "", ""],
                &["4", "5", "6", "", ""],
            ]),
            0,
        ),
        // pandas_index
        (
            rows(&[
                &["", "name", "qty"],
                &["0", "a", "1"],
                &["1", "b", "2"],
                &["2", "c", "3"],
            ]),
            0,
        ),
        // wide_title
        (
            rows(&[
                &["Report", "", "", "", "", "Page 1"],
                &["id", "name", "city", "zip", "phone", "email"],
                &["1", "a", "x", "123", "555", "a@b"],
                &["2", "b", "y", "456", "556", "c@d"],
            ]),
            1,
        ),
        // text_table
        (
            rows(&[
                &["first", "last", "email"],
                &["Ann", "Lee", "a@x"],
                &["Bob", "Ray", "b@x"],
            ]),
            0,
        ),
        // dates_header
        (
            rows(&[
                &["Store", "2024-01", "2024-02", "2024-03"],
                &["North", "1", "2", "3"],
                &["South", "4", "5", "6"],
            ]),
            0,
        ),
    ];
    for (index, (rows, expected)) in cases.iter().enumerate() {
        assert_eq!(choose_header(rows), *expected, "case {index}");
    }
}

/// A second set, written apart from the first and run once the weights were set: a
/// statistics table with notes, a long statement header, a bank export, two tables.
#[test]
fn headers_of_a_second_set() {
    let cases = [
        // ons
        (
            rows(&[
                &["Table 1: Households by region", "", "", ""],
                &["Source: Labour Force Survey", "", "", ""],
                &["", "", "", ""],
                &["Region", "2021", "2022", "2023"],
                &["North East", "1,200", "1,210", "1,220"],
                &["London", "3,400", "3,500", "3,600"],
                &["Wales", "1,300", "1,310", "1,320"],
                &["", "", "", ""],
                &["Notes", "", "", ""],
                &["1. Figures rounded", "", "", ""],
            ]),
            3,
        ),
        // kv_long
        (
            rows(&[
                &["Customer", "ACME Ltd"],
                &["Account", "12345"],
                &["Period", "Jan 2024"],
                &["Currency", "EUR"],
                &["Printed", "2024-02-01"],
                &["Page", "1"],
                &["Invoice", "Amount"],
                &["INV-1", "10.00"],
                &["INV-2", "12.50"],
                &["INV-3", "7.25"],
            ]),
            6,
        ),
        // bank
        (
            rows(&[
                &["Account statement", "", ""],
                &["IBAN", "DE89 3704 0044 0532 0130 00", ""],
                &["Date", "Description", "Amount"],
                &["01.02.2024", "Rent", "-900,00"],
                &["02.02.2024", "Salary", "2.500,00"],
                &["05.02.2024", "Food", "-45,10"],
            ]),
            2,
        ),
        // header_only_two_rows
        (rows(&[&["sku", "qty"], &["A1", "5"]]), 0),
        // shopify
        (
            rows(&[
                &["Handle", "Title", "Body (HTML)", "Vendor", "Variant Price"],
                &["shirt", "Shirt", "<p>x</p>", "Acme", "19.99"],
                &["", "", "", "", "21.99"],
                &["hat", "Hat", "", "Acme", "9.99"],
            ]),
            0,
        ),
        // trailing_totals
        (
            rows(&[
                &["item", "qty", "price"],
                &["a", "1", "2.00"],
                &["b", "2", "3.00"],
                &["Total", "3", "5.00"],
                &["", "", ""],
                &["Printed by", "Ann", ""],
            ]),
            0,
        ),
        // two_tables
        (
            rows(&[
                &["name", "qty"],
                &["a", "1"],
                &["b", "2"],
                &["c", "3"],
                &["d", "4"],
                &["", "", ""],
                &["Summary", "Value"],
                &["count", "4"],
            ]),
            0,
        ),
        // numeric_first_col_header
        (
            rows(&[
                &["Report 2024", "", ""],
                &["id", "price", "date"],
                &["1", "2.5", "2024-01-01"],
                &["2", "3.5", "2024-01-02"],
            ]),
            1,
        ),
    ];
    for (index, (rows, expected)) in cases.iter().enumerate() {
        assert_eq!(choose_header(rows), *expected, "case {index}");
    }
}
