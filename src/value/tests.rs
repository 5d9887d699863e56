use super::*;
use validator::ValidateEmail;

fn check(field_type: FieldType, text: &str, expected: &str) {
    let shown = match parse_text(field_type, None, text, &TextStyle::default()) {
        Ok(value) => format!("{value:?}"),
        Err(reason) => format!("error: {reason}"),
    };
    assert_eq!(shown, expected, "{text:?} as {field_type:?}");
}

#[test]
fn numbers_are_exact() {
    let point = "error: expected a number such as 1,234.56 (decimal point)";
    check(FieldType::Number, "12.50", "Decimal(12.50)");
    check(FieldType::Number, " -0.1 ", "Decimal(-0.1)");
    check(FieldType::Number, "+3", "Decimal(3)");
    check(FieldType::Number, "1.5e3", "Decimal(1500)");
    check(FieldType::Number, ".5", "Decimal(0.5)");
    check(FieldType::Number, "1,234.00", "Decimal(1234.00)");
    check(FieldType::Number, "1,234,567", "Decimal(1234567)");
    check(FieldType::Number, "$1,200.00", "Decimal(1200.00)");
    check(FieldType::Number, "(12.50)", "Decimal(-12.50)");
    check(FieldType::Number, "1 234.5", "Decimal(1234.5)");
    check(FieldType::Number, "12 EUR", "Decimal(12)");
    check(FieldType::Number, "12,34", point);
    check(FieldType::Number, "1,23,456", point);
    check(FieldType::Number, "abc", point);
    check(FieldType::Number, ".", point);
    check(FieldType::Number, "NaN", point);
    check(FieldType::Number, "1.2.3", point);
}

#[test]
fn decimal_comma_columns() {
    let comma = TextStyle {
        decimal_comma: true,
        ..TextStyle::default()
    };
    let read = |text: &str| match parse_text(FieldType::Number, None, text, &comma) {
        Ok(value) => format!("{value:?}"),
        Err(reason) => format!("error: {reason}"),
    };
    assert_eq!(read("12,50"), "Decimal(12.50)");
    assert_eq!(read("1.234,56"), "Decimal(1234.56)");
    assert_eq!(read("1 234,56 €"), "Decimal(1234.56)");
    assert_eq!(read("-0,5"), "Decimal(-0.5)");
    assert_eq!(
        read("1,234.56"),
        "error: expected a number such as 1.234,56 (decimal comma)"
    );
}

#[test]
fn dates_follow_the_column_order() {
    let order = |date_order| TextStyle {
        date_order,
        ..TextStyle::default()
    };
    let read = |text: &str, style: TextStyle| match parse_text(FieldType::Date, None, text, &style)
    {
        Ok(value) => value.to_string(),
        Err(reason) => format!("error: {reason}"),
    };
    assert_eq!(
        read("03/04/2024", order(Some(DateOrder::Dmy))),
        "2024-04-03"
    );
    assert_eq!(
        read("03/04/2024", order(Some(DateOrder::Mdy))),
        "2024-03-04"
    );
    assert_eq!(
        read("03/04/2024", order(None)),
        "error: is ambiguous: 3 April 2024 or 4 March 2024; pass --date-order dmy or mdy"
    );
    assert_eq!(read("25/12/2024", order(None)), "2024-12-25");
    assert_eq!(
        read("12/25/2024", order(Some(DateOrder::Dmy))),
        "error: expected a day-first date (dd/mm/yyyy) like the rest of the column"
    );
    assert_eq!(read("05.05.24", order(None)), "2024-05-05");
    assert_eq!(read("31 Jan 2024", order(None)), "2024-01-31");
    assert_eq!(read("Jan 31, 2024", order(None)), "2024-01-31");
    assert_eq!(
        read("2024/01/31", order(Some(DateOrder::Mdy))),
        "2024-01-31"
    );
}

#[test]
fn plain_decimals_keep_sign_scale_and_zeros() {
    for text in [
        "-0",
        "-0.00",
        "0.0",
        "007.50",
        "971.96",
        "-12",
        "123456789012345678",
        "-1234567890123456789.5",
        "999999999999999999",
    ] {
        assert_eq!(
            plain_decimal(text).map(|number| number.serialize()),
            Decimal::from_str_exact(text)
                .ok()
                .map(|number| number.serialize()),
            "{text}"
        );
    }
}

/// The first version of `plain_email`, written plainly: the quick one must agree with it.
fn plain_email_by_parts(text: &str) -> bool {
    const USER_SYMBOLS: &[u8] = b".!#$%&'*+/=?^_`{|}~-";
    let Some((user, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let label = |label: &str| {
        let bytes = label.as_bytes();
        (1..=63).contains(&bytes.len())
            && bytes[0].is_ascii_alphanumeric()
            && bytes[bytes.len() - 1].is_ascii_alphanumeric()
            && bytes
                .iter()
                .all(|&byte| byte.is_ascii_alphanumeric() || byte == b'-')
    };
    (1..=64).contains(&user.len())
        && user
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || USER_SYMBOLS.contains(&byte))
        && domain.len() <= 255
        && domain.split('.').all(label)
}

#[test]
fn plain_emails_are_what_validator_accepts() {
    let addresses = [
        "buyer1@example.com",
        "a.b-c+d@mail.example.co.uk",
        "x@y",
        "@example.com",
        "user@",
        "user@.example.com",
        "user@example..com",
        "user@-example.com",
        "user@example-.com",
        "us er@example.com",
        "user@exa_mple.com",
        "a@b@example.com",
        "user@[127.0.0.1]",
        "user@bücher.de",
        "\"quoted\"@example.com",
        "user@example.com ",
        "o'brien{x}@example.com",
    ];
    let long_user = format!("{}@example.com", "u".repeat(65));
    let long_label = format!("user@{}.com", "l".repeat(64));
    for address in addresses
        .iter()
        .copied()
        .chain([long_user.as_str(), long_label.as_str()])
    {
        // The quick check never accepts what validator refuses.
        assert!(
            !plain_email(address) || address.validate_email(),
            "{address}"
        );
        assert_eq!(
            plain_email(address),
            plain_email_by_parts(address),
            "{address}"
        );
    }
    assert!(plain_email("buyer1@example.com"));
    assert!(!plain_email("user@bücher.de"));
}

#[test]
fn integers() {
    check(FieldType::Integer, "42", "Integer(42)");
    check(FieldType::Integer, "12.00", "Integer(12)");
    check(FieldType::Integer, "-7", "Integer(-7)");
    check(
        FieldType::Integer,
        "1.5",
        "error: expected a whole number, not a fraction",
    );
    check(
        FieldType::Integer,
        "ten",
        "error: expected a whole number such as 42",
    );
    check(
        FieldType::Integer,
        "99999999999999999999",
        "error: is too large for a whole number",
    );
}

#[test]
fn month_names_and_two_digit_years_are_read_as_spreadsheets_read_them() {
    for (text, expected) in [
        ("23-Sep-11", "Date(2011-09-23)"),
        ("23-Sep-1911", "Date(1911-09-23)"),
        ("1-Jan-30", "Date(1930-01-01)"),
        ("31-Dec-29", "Date(2029-12-31)"),
        ("31 Jan 2024", "Date(2024-01-31)"),
        ("Jan 31, 2024", "Date(2024-01-31)"),
        ("January 31st, 2024", "Date(2024-01-31)"),
        ("Mon, 31 Jan 2024", "Date(2024-01-31)"),
        ("1. März 2024", "Date(2024-03-01)"),
        ("1 mars 2024", "Date(2024-03-01)"),
        ("31 de enero de 2024", "Date(2024-01-31)"),
        ("5 giugno 2024", "Date(2024-06-05)"),
        ("12 mrt 2024", "Date(2024-03-12)"),
        ("3 de outubro de 2024", "Date(2024-10-03)"),
        ("14-juil-24", "Date(2024-07-14)"),
        ("2024-Jan-31", "Date(2024-01-31)"),
        ("31/01/24", "Date(2024-01-31)"),
        ("31/01/85", "Date(1985-01-31)"),
    ] {
        check(FieldType::Date, text, expected);
    }
    // `jui` is juin or juillet: no month; a year of three digits is no year.
    check(
        FieldType::Date,
        "14 jui 2024",
        "error: expected a date such as 2024-01-31",
    );
    check(
        FieldType::Date,
        "14 Jan 202",
        "error: expected a date such as 2024-01-31",
    );
}

#[test]
fn a_date_time_at_midnight_is_its_date() {
    check(FieldType::Date, "5/19/2006 0:00:00", "Date(2006-05-19)");
    check(FieldType::Date, "2024-01-31 00:00", "Date(2024-01-31)");
    check(FieldType::Date, "2024-01-31T00:00:00", "Date(2024-01-31)");
    check(FieldType::Date, "1/31/2024 12:00:00 AM", "Date(2024-01-31)");
    check(
        FieldType::Date,
        "5/19/2006 14:30:00",
        "error: has a time of day (14:30:00) where a date is expected: make the field a datetime, or export the dates without times",
    );
    check(
        FieldType::Datetime,
        "5/19/2006 0:00:00",
        "DateTime(2006-05-19T00:00:00)",
    );
}

#[test]
fn booleans_dates_datetimes() {
    check(FieldType::Boolean, "Yes", "Boolean(true)");
    check(FieldType::Boolean, "0", "Boolean(false)");
    // S and N, for sí/sim and no/não.
    check(FieldType::Boolean, "S", "Boolean(true)");
    check(FieldType::Boolean, "N", "Boolean(false)");
    check(
        FieldType::Boolean,
        "maybe",
        "error: expected true or false (also yes/no, y/n, 1/0)",
    );
    check(FieldType::Date, "2024-02-29", "Date(2024-02-29)");
    check(
        FieldType::Date,
        "2023-02-29",
        "error: expected a date such as 2024-01-31",
    );
    check(
        FieldType::Datetime,
        "2024-01-31T14:30:00Z",
        "DateTime(2024-01-31T14:30:00)",
    );
    check(
        FieldType::Datetime,
        "2024-01-31T14:30:00+02:00",
        "DateTime(2024-01-31T12:30:00)",
    );
    check(
        FieldType::Datetime,
        "2024-01-31 14:30",
        "DateTime(2024-01-31T14:30:00)",
    );
    check(
        FieldType::Datetime,
        "31/01/2024 14:30",
        "DateTime(2024-01-31T14:30:00)",
    );
    check(
        FieldType::Datetime,
        "01/31/2024 2:30 PM",
        "DateTime(2024-01-31T14:30:00)",
    );
    check(
        FieldType::Datetime,
        "2024-01-31 14:30:00 +01:00",
        "DateTime(2024-01-31T13:30:00)",
    );
    check(
        FieldType::Datetime,
        "2024-01-31 14:30 UTC",
        "DateTime(2024-01-31T14:30:00)",
    );
    check(
        FieldType::Datetime,
        "31/31/2024",
        "error: expected a date and time such as 2024-01-31 14:30:00",
    );
}

#[test]
fn dates_in_a_declared_format() {
    assert_eq!(
        parse_text(
            FieldType::Date,
            Some("%d/%m/%Y"),
            "31/01/2024",
            &TextStyle::default()
        ),
        Ok(Value::Date(
            NaiveDate::from_ymd_opt(2024, 1, 31).expect("valid")
        ))
    );
}

#[test]
fn spreadsheet_cells_keep_their_type() {
    assert_eq!(
        parse_cell(
            FieldType::Number,
            None,
            (&Cell::Float(0.1)).into(),
            &TextStyle::default()
        ),
        Ok(Value::Decimal(Decimal::new(1, 1)))
    );
    assert_eq!(
        parse_cell(
            FieldType::String,
            None,
            (&Cell::Int(1000000000000)).into(),
            &TextStyle::default()
        ),
        Ok(Value::Text("1000000000000".into()))
    );
    assert_eq!(
        parse_cell(
            FieldType::Integer,
            None,
            (&Cell::Error("#DIV/0!".into())).into(),
            &TextStyle::default()
        ),
        Err("is a spreadsheet error (#DIV/0!), not a value".to_string())
    );
}

proptest::proptest! {
    #[test]
    fn plain_decimals_are_read_as_rust_decimal_reads_them(text in "-?[0-9]{1,20}(\\.[0-9]{1,12})?") {
        // Longer text is left to the general reader.
        let exact = Decimal::from_str_exact(&text)
            .ok()
            .filter(|_| text.trim_start_matches('-').len() <= 28)
            .map(|number| number.serialize());
        proptest::prop_assert_eq!(plain_decimal(&text).map(|number| number.serialize()), exact, "{}", text);
    }

    #[test]
    fn plain_emails_are_emails_to_validator(text in "[a-z0-9.@_'+ü-]{0,30}(@[a-z0-9.-]{0,20})?") {
        proptest::prop_assert!(!plain_email(&text) || text.as_str().validate_email(), "{text}");
        proptest::prop_assert_eq!(plain_email(&text), plain_email_by_parts(&text), "{}", text);
    }

    #[test]
    fn any_text_reads_or_fails_cleanly(text in "\\PC{0,40}") {
        for field_type in [FieldType::String, FieldType::Integer, FieldType::Number, FieldType::Boolean, FieldType::Date, FieldType::Datetime] {
            let _ = parse_text(field_type, None, &text, &TextStyle::default());
            let _ = parse_text(field_type, Some("%d/%m/%Y %H:%M"), &text, &TextStyle { decimal_comma: true, guarded: false, date_order: Some(DateOrder::Dmy) });
        }
    }

    #[test]
    fn any_float_cell_reads_as_a_number(number in proptest::num::f64::ANY) {
        let read = parse_cell(FieldType::Number, None, (&Cell::Float(number)).into(), &TextStyle::default());
        if number.is_finite() && number.abs() < 1e20 && number.abs() > 1e-20 {
            proptest::prop_assert!(read.is_ok(), "{number}: {read:?}");
        }
    }
}

mod compare {
    use super::super::compare_decimals;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn decimal() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            (any::<i64>(), 0u32..=28).prop_map(|(mantissa, scale)| Decimal::new(mantissa, scale)),
            (
                any::<u32>(),
                any::<u32>(),
                any::<u32>(),
                any::<bool>(),
                0u32..=28
            )
                .prop_map(|(low, middle, high, negative, scale)| Decimal::from_parts(
                    low, middle, high, negative, scale
                )),
            (-3i64..=3, 0u32..=3).prop_map(|(mantissa, scale)| Decimal::new(mantissa, scale)),
        ]
    }

    #[test]
    fn decimals_compare_by_value() {
        let cases = [
            ("0", "-0.00"),
            ("971.96", "100000"),
            ("-1.5", "-1.50"),
            ("0.1", "0.09"),
        ];
        for (left, right) in cases {
            let (left, right) = (
                Decimal::from_str_exact(left).expect("left"),
                Decimal::from_str_exact(right).expect("right"),
            );
            assert_eq!(
                compare_decimals(&left, &right),
                left.cmp(&right),
                "{left} {right}"
            );
        }
    }

    proptest! {
        #[test]
        fn decimals_compare_as_rust_decimal_does(left in decimal(), right in decimal()) {
            prop_assert_eq!(compare_decimals(&left, &right), left.cmp(&right));
        }
    }
}
