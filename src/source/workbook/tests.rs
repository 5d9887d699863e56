use super::*;

#[test]
fn sheets_by_name_or_position() {
    let sheets = vec!["Summary".to_string(), "Data".to_string()];
    assert_eq!(choose_sheet(&sheets, None).as_deref(), Some("Summary"));
    assert_eq!(choose_sheet(&sheets, Some("data")).as_deref(), Some("Data"));
    assert_eq!(choose_sheet(&sheets, Some("2")).as_deref(), Some("Data"));
    assert_eq!(choose_sheet(&sheets, Some("3")), None);
    assert_eq!(choose_sheet(&sheets, Some("0")), None);
}

#[test]
fn reader_errors_say_what_happened_and_what_to_do() {
    let encrypted = explain(&calamine::Error::Xls(calamine::XlsError::Password));
    assert!(
        encrypted.starts_with(
            "the workbook is encrypted: it has a password, or (for an .xls) Excel's built-in key"
        ),
        "{encrypted}"
    );
    assert!(
        encrypted.contains("save a copy with no password"),
        "{encrypted}"
    );
    let cut = explain(&calamine::Error::Xls(calamine::XlsError::EoStream(
        "workbook",
    )));
    assert!(
        cut.starts_with("the file is damaged or cut short (it ends where more was expected): open it in Excel or LibreOffice and save it again as .xlsx (the reader said: "),
        "{cut}"
    );
}

#[test]
fn times_and_durations_as_clock_text() {
    assert_eq!(iso_duration_millis("PT11H12M12S"), Some(40_332_000));
    assert_eq!(iso_duration_millis("P1DT2H"), Some(93_600_000));
    assert_eq!(iso_duration_millis("-PT0.5S"), Some(-500));
    assert_eq!(iso_duration_millis("P1Y"), None);
    assert_eq!(iso_duration_millis("PT5"), None);
    assert_eq!(duration_text(40_332_000), "11:12:12");
    assert_eq!(duration_text(93_600_000), "26:00:00");
    assert_eq!(duration_text(-500), "-00:00:00.500");
    assert_eq!(time_of_day_text(23_640_000), "06:34:00");
    assert_eq!(time_of_day_text(86_401_000), "00:00:01");
    let datetime = |text: &str| iso_datetime(text);
    assert_eq!(
        datetime("2021-01-01T10:10:10"),
        Cell::DateTime(
            chrono::NaiveDate::from_ymd_opt(2021, 1, 1)
                .and_then(|date| date.and_hms_opt(10, 10, 10))
                .expect("a date-time")
        )
    );
    assert_eq!(
        datetime("2021-01-01T00:00:00"),
        Cell::Date(chrono::NaiveDate::from_ymd_opt(2021, 1, 1).expect("a date"))
    );
    assert_eq!(datetime("10:10:10"), Cell::Text("10:10:10".into()));
    assert_eq!(datetime("soon"), Cell::Text("soon".into()));
}
