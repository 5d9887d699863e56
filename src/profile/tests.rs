use super::*;
use crate::source::Cell;

fn check_number(text: &str, expected: Option<(DecimalEvidence, Option<char>)>) {
    let found = number_evidence(text).map(|evidence| (evidence.decimal, evidence.thousands));
    assert_eq!(found, expected, "{text:?}");
}

#[test]
fn separators() {
    use DecimalEvidence::*;
    check_number("1234", Some((None, Option::None)));
    check_number("12.50", Some((Point, Option::None)));
    check_number("12,5", Some((Comma, Option::None)));
    check_number("0,250", Some((Comma, Option::None)));
    check_number("1,234", Some((Either, Option::None)));
    check_number("1.234", Some((Either, Option::None)));
    check_number("1,234,567", Some((Point, Some(','))));
    check_number("1.234.567", Some((Comma, Some('.'))));
    check_number("1.234,56", Some((Comma, Some('.'))));
    check_number("1,234.56", Some((Point, Some(','))));
    check_number("1 234,56", Some((Comma, Some(' '))));
    check_number("1\u{a0}234", Some((None, Some(' '))));
    check_number("$1,200.00", Some((Point, Some(','))));
    check_number("(12.00)", Some((Point, Option::None)));
    check_number("-3", Some((None, Option::None)));
    check_number("12,34,5", Option::None);
    check_number("1.2.3", Option::None);
    check_number("abc", Option::None);
    check_number("2024-01-31", Option::None);
    check_number("12 apples", Option::None);
}

fn check_date(text: &str, expected: Option<(Option<DateOrder>, bool)>) {
    let found = date_evidence(text).map(|evidence| (evidence.order, evidence.ambiguous));
    assert_eq!(found, expected, "{text:?}");
}

#[test]
fn date_orders() {
    check_date("2024-01-31", Some((Some(DateOrder::Ymd), false)));
    check_date("31/01/2024", Some((Some(DateOrder::Dmy), false)));
    check_date("01/31/2024", Some((Some(DateOrder::Mdy), false)));
    check_date("03/04/2024", Some((None, true)));
    check_date("05/05/2024", Some((None, false)));
    check_date("31.01.2024 14:30", Some((Some(DateOrder::Dmy), false)));
    check_date("31 Jan 2024", Some((None, false)));
    check_date("13/13/2024", None);
    check_date("hello", None);
}

fn profile(cells: &[&str], overrides: Overrides) -> ColumnProfile {
    let mut profiler = Profiler::new(1);
    for (index, text) in cells.iter().enumerate() {
        let cell = if text.is_empty() {
            Cell::Empty
        } else {
            Cell::Text((*text).into())
        };
        profiler.add(&Record {
            row: index + 2,
            cells: vec![cell],
        });
    }
    profiler.finish(&["c".to_string()], overrides).remove(0)
}

#[test]
fn columns_decide_their_conventions() {
    let prices = profile(&["12,50", "1.234,00", "", "7"], Overrides::default());
    assert_eq!(prices.kind, Kind::Number);
    assert_eq!(prices.decimal_separator, Some(','));
    assert_eq!(prices.thousands_separator, Some('.'));
    assert_eq!(
        (prices.min.as_deref(), prices.max.as_deref()),
        (Some("7"), Some("1234.00"))
    );
    assert_eq!(prices.empty_share, 0.25);
    assert_eq!(prices.distinct, 3);
    assert!(prices.notes.is_empty());

    let dates = profile(
        &["03/04/2024", "25/12/2024", "01/01/2025"],
        Overrides::default(),
    );
    assert_eq!(dates.kind, Kind::Date);
    assert_eq!(dates.date_order, Some(DateOrder::Dmy));
    assert_eq!(
        (dates.min.as_deref(), dates.max.as_deref()),
        (Some("2024-04-03"), Some("2025-01-01"))
    );

    let open = profile(&["03/04/2024", "05/06/2024"], Overrides::default());
    assert_eq!(open.date_order, None);
    assert_eq!(
        open.notes,
        vec![
            "dates such as \"03/04/2024\" could be day-first or month-first: pass --date-order dmy or mdy"
        ]
    );
    let told = profile(
        &["03/04/2024", "05/06/2024"],
        Overrides {
            decimal_comma: false,
            decimal_point: false,
            date_order: Some(DateOrder::Mdy),
        },
    );
    assert_eq!(told.date_order, Some(DateOrder::Mdy));
    assert!(told.notes.is_empty());

    let mails = profile(
        &["a@b.example", "c@d.example", "not mail"],
        Overrides::default(),
    );
    assert_eq!(mails.kind, Kind::Text);
    assert!((mails.shares.email - 2.0 / 3.0).abs() < 1e-9);
    let flags = profile(&["yes", "no", "Y"], Overrides::default());
    assert_eq!(flags.kind, Kind::Boolean);
    let ids = profile(&["1", "2", "10"], Overrides::default());
    assert_eq!(ids.kind, Kind::Integer);
    assert_eq!(ids.max.as_deref(), Some("10"));
}
