//! Dates and times as spreadsheets and exports write them: ISO, numeric in a column's order,
//! month names in seven languages, two-digit years, zones.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use super::TextStyle;

/// The order of year, month and day in numeric dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    Ymd,
    Dmy,
    Mdy,
}

impl DateOrder {
    pub fn parse(text: &str) -> Option<DateOrder> {
        match text.to_ascii_lowercase().as_str() {
            "ymd" => Some(DateOrder::Ymd),
            "dmy" => Some(DateOrder::Dmy),
            "mdy" => Some(DateOrder::Mdy),
            _ => None,
        }
    }
}

static TIME_SUFFIX: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)[ T](\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[ap]m)?)(?:\s?(?:Z|UTC|[+-]\d{2}:?\d{2}))?$")
        .expect("a valid expression")
});

thread_local! {
    /// Each thread's copy of [`TIME_SUFFIX`]: a regex shared by threads has them queue for its
    /// caches (stage 1 profiles columns on several threads).
    static TIME_SUFFIX_HERE: regex::Regex = TIME_SUFFIX.clone();
}

/// True for a time of day (after a date: `0:00:00`, `00:00`, `T00:00:00Z`) that is midnight.
pub(crate) fn is_midnight(time_text: &str) -> bool {
    let (time_only, _) = split_offset(time_text.trim_start_matches(['T', ' ']));
    parse_time(time_only) == Some(NaiveTime::MIN)
}

/// Splits `2024-01-31 14:30`, `31/01/2024T14:30:00Z` into the date part and whether a time
/// follows. Text that is not shaped like a date gives `None`.
pub(crate) fn split_date_time(text: &str) -> Option<(&str, bool)> {
    let text = text.trim();
    // Every date form starts with a digit or a month name, and has digits.
    if !text.contains(|character: char| character.is_ascii_digit()) {
        return None;
    }
    if !text.starts_with(|character: char| character.is_ascii_alphanumeric())
        || text.len() < 6
        || text.len() > 40
    {
        return None;
    }
    let time = TIME_SUFFIX_HERE.with(|suffix| suffix.find(text).map(|found| found.start()));
    match time {
        Some(start) if start > 0 => Some((&text[..start], true)),
        _ => Some((text, false)),
    }
}

/// A date whose form says which part is which: ISO (`2024-01-31`, `2024/01/31`, `2024.01.31`).
pub(crate) fn iso_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() < 8 || !bytes[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    // The usual form, YYYY-MM-DD, read directly: this runs once per date cell.
    if bytes.len() == 10 && matches!(bytes[4], b'-' | b'/' | b'.') && bytes[7] == bytes[4] {
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            bytes[range].iter().try_fold(0u32, |total, &byte| {
                byte.is_ascii_digit()
                    .then(|| total * 10 + u32::from(byte - b'0'))
            })
        };
        return NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?);
    }
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
        .iter()
        .find_map(|form| NaiveDate::parse_from_str(text, form).ok())
        .filter(|_| text.len() >= 8 && text.as_bytes()[4].is_ascii_punctuation())
}

/// The year of a two-digit year, as spreadsheets read one: 00-29 are the 2000s, 30-99 the 1900s
/// (Excel's and LibreOffice's default). A four-digit year is itself.
pub(crate) fn full_year(digits: &str) -> Option<i32> {
    let year: i32 = digits.parse().ok()?;
    match digits.len() {
        2 if year < 30 => Some(2000 + year),
        2 => Some(1900 + year),
        4 => Some(year),
        _ => None,
    }
}

/// Month names in English, German, French, Spanish, Italian, Dutch and Portuguese, without
/// accents; a word is a month when it is one of these or the start (three letters or more) of
/// one, and of one month only (`jui` is juin or juillet: neither).
const MONTH_NAMES: [&[&str]; 12] = [
    &[
        "january", "januar", "janner", "janvier", "enero", "gennaio", "januari", "janeiro",
    ],
    &[
        "february",
        "februar",
        "fevrier",
        "febrero",
        "febbraio",
        "februari",
        "fevereiro",
    ],
    &[
        "march", "marz", "mrz", "mars", "marzo", "maart", "mrt", "marco",
    ],
    &["april", "avril", "abril", "aprile"],
    &["may", "mai", "mayo", "maggio", "mei", "maio"],
    &["june", "juni", "juin", "junio", "giugno", "junho"],
    &["july", "juli", "juillet", "julio", "luglio", "julho"],
    &["august", "aout", "agosto", "augustus"],
    &[
        "september",
        "septembre",
        "septiembre",
        "setiembre",
        "settembre",
        "setembro",
    ],
    &[
        "october", "oktober", "octobre", "octubre", "ottobre", "outubro",
    ],
    &["november", "novembre", "noviembre", "novembro"],
    &[
        "december",
        "dezember",
        "decembre",
        "diciembre",
        "dicembre",
        "dezembro",
    ],
];

/// The month (1-12) a word names, or none.
fn month_of(word: &str) -> Option<u32> {
    let word = crate::vocabulary::fold(word.trim_end_matches('.'));
    if word.chars().count() < 3 || !word.chars().all(char::is_alphabetic) {
        return None;
    }
    let mut found = None;
    for (index, names) in MONTH_NAMES.iter().enumerate() {
        if names.iter().any(|name| name.starts_with(word.as_str())) {
            if found.is_some_and(|known| known != index) {
                return None;
            }
            found = Some(index);
        }
    }
    found.map(|index| index as u32 + 1)
}

/// A date with the month in words, in any of seven languages (`31 Jan 2024`, `Jan 31, 2024`,
/// `23-Sep-11`, `1. März 2024`, `31 de enero de 2024`, `Mon, 31 Jan 2024`); a two-digit year
/// by [`full_year`].
pub(crate) fn textual_date(text: &str) -> Option<NaiveDate> {
    // Cheap refusal first (this runs on every text cell when columns are profiled): a digit,
    // and a word of three letters or more.
    if !text.contains(|character: char| character.is_ascii_digit())
        || !text
            .split(|character: char| !character.is_alphabetic())
            .any(|word| word.chars().count() >= 3)
    {
        return None;
    }
    let mut words: Vec<&str> = text
        .split(|character: char| {
            character.is_whitespace() || matches!(character, '-' | '/' | ',' | '.')
        })
        .filter(|word| !word.is_empty())
        .filter(|word| {
            !["de", "del", "of", "du", "di", "the"].contains(&word.to_lowercase().as_str())
        })
        .collect();
    // A weekday in front (`Mon, 31 Jan 2024`, `Montag, 1. März`).
    if words.len() == 4 && words[0].chars().all(char::is_alphabetic) && month_of(words[0]).is_none()
    {
        words.remove(0);
    }
    let [first, second, third] = words.as_slice() else {
        return None;
    };
    let day_of = |word: &str| -> Option<u32> {
        let digits = word.trim_end_matches(|character: char| character.is_alphabetic());
        let ordinal = &word[digits.len()..];
        if digits.is_empty()
            || digits.len() > 2
            || !digits.bytes().all(|byte| byte.is_ascii_digit())
            || !["", "st", "nd", "rd", "th", "er", "e", "o", "a"]
                .contains(&ordinal.to_lowercase().as_str())
        {
            return None;
        }
        digits.parse().ok()
    };
    let year_of = |word: &str| -> Option<i32> {
        word.bytes()
            .all(|byte| byte.is_ascii_digit())
            .then(|| full_year(word))
            .flatten()
    };
    let (day, month, year) = if let Some(month) = month_of(first) {
        (day_of(second)?, month, year_of(third)?)
    } else if let Some(month) = month_of(second) {
        if first.len() == 4 {
            // 2024-Jan-31
            (day_of(third)?, month, year_of(first)?)
        } else {
            (day_of(first)?, month, year_of(third)?)
        }
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

/// `a/b/year` (or with `.` or `-`, a two- or four-digit year) read in the given order.
pub(crate) fn parse_date_in_order(text: &str, order: DateOrder) -> Option<NaiveDate> {
    if order == DateOrder::Ymd {
        return iso_date(text);
    }
    let separator = text
        .chars()
        .find(|character| matches!(character, '/' | '.' | '-'))?;
    let parts: Vec<&str> = text.split(separator).collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit()))
    {
        return None;
    }
    if parts[0].len() > 2 || parts[1].len() > 2 || !matches!(parts[2].len(), 2 | 4) {
        return None;
    }
    // Dots are day first wherever dates are written with them (05.03.2013 is 5 March); with a
    // two-digit year they are a date only written in full, `05.03.13`: `2.2.20` is a code.
    if separator == '.'
        && (order == DateOrder::Mdy
            || (parts[2].len() == 2 && (parts[0].len() < 2 || parts[1].len() < 2)))
    {
        return None;
    }
    let first: u32 = parts[0].parse().ok()?;
    let second: u32 = parts[1].parse().ok()?;
    let year = full_year(parts[2])?;
    let (day, month) = if order == DateOrder::Dmy {
        (first, second)
    } else {
        (second, first)
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

pub(crate) fn parse_date(
    text: &str,
    format: Option<&str>,
    style: &TextStyle,
) -> Result<NaiveDate, String> {
    if let Some(format) = format {
        return NaiveDate::parse_from_str(text, format)
            .map_err(|_| format!("expected a date in the form {format}"));
    }
    // A date-time at midnight (`5/19/2006 0:00:00`, as Excel and many exports write a date) is
    // that date; any other time of day is an error that says so.
    if let Some((date_part, true)) = split_date_time(text) {
        let time_text = text[date_part.len()..].trim_start_matches(['T', ' ']);
        let (time_only, _) = split_offset(time_text);
        let date = parse_date(date_part.trim_end(), None, style)?;
        return match parse_time(time_only) {
            Some(time) if time == NaiveTime::MIN => Ok(date),
            Some(_) => Err(format!(
                "has a time of day ({}) where a date is expected: make the field a datetime, or export the dates without times",
                time_text.trim()
            )),
            None => Err("expected a date such as 2024-01-31".to_string()),
        };
    }
    if let Some(date) = iso_date(text).or_else(|| textual_date(text)) {
        return Ok(date);
    }
    let day_first = parse_date_in_order(text, DateOrder::Dmy);
    let month_first = parse_date_in_order(text, DateOrder::Mdy);
    match (style.date_order, day_first, month_first) {
        (Some(DateOrder::Dmy), Some(date), _) | (Some(DateOrder::Mdy), _, Some(date)) => Ok(date),
        (Some(DateOrder::Dmy), None, Some(_)) => {
            Err("expected a day-first date (dd/mm/yyyy) like the rest of the column".to_string())
        }
        (Some(DateOrder::Mdy), Some(_), None) => {
            Err("expected a month-first date (mm/dd/yyyy) like the rest of the column".to_string())
        }
        (None, Some(date), None) | (None, None, Some(date)) => Ok(date),
        (None, Some(day), Some(month)) if day == month => Ok(day),
        (None, Some(day), Some(month)) => Err(format!(
            "is ambiguous: {} or {}; pass --date-order dmy or mdy",
            day.format("%-d %B %Y"),
            month.format("%-d %B %Y")
        )),
        _ => Err("expected a date such as 2024-01-31".to_string()),
    }
}

static OFFSET: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\s?([+-])(\d{2}):?(\d{2})$").expect("a valid expression")
});

/// `14:30Z`, `14:30 UTC`, `14:30+02:00`: the time and the zone's offset from UTC in seconds.
fn split_offset(text: &str) -> (&str, i64) {
    if let Some(time) = text.strip_suffix('Z').or_else(|| text.strip_suffix("UTC")) {
        return (time.trim_end(), 0);
    }
    let Some(captures) = OFFSET.captures(text) else {
        return (text, 0);
    };
    let number = |index: usize| {
        captures
            .get(index)
            .and_then(|part| part.as_str().parse::<i64>().ok())
            .unwrap_or(0)
    };
    let sign = if &captures[1] == "-" { -1 } else { 1 };
    let start = captures.get(0).map_or(text.len(), |whole| whole.start());
    (&text[..start], sign * (number(2) * 3600 + number(3) * 60))
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    let text = text.trim().replace(',', ".");
    [
        "%H:%M:%S%.f",
        "%H:%M",
        "%I:%M %p",
        "%I:%M:%S %p",
        "%I:%M%p",
        "%I:%M:%S%p",
    ]
    .iter()
    .find_map(|form| NaiveTime::parse_from_str(&text, form).ok())
}

pub(crate) fn parse_datetime(
    text: &str,
    format: Option<&str>,
    style: &TextStyle,
) -> Result<NaiveDateTime, String> {
    if let Some(format) = format {
        return NaiveDateTime::parse_from_str(text, format)
            .map_err(|_| format!("expected a date and time in the form {format}"));
    }
    // The usual form, YYYY-MM-DD HH:MM:SS (or with T), read directly.
    let bytes = text.as_bytes();
    if bytes.len() == 19
        && matches!(bytes[10], b' ' | b'T')
        && bytes[13] == b':'
        && bytes[16] == b':'
    {
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            bytes[range].iter().try_fold(0u32, |total, &byte| {
                byte.is_ascii_digit()
                    .then(|| total * 10 + u32::from(byte - b'0'))
            })
        };
        if let (Some(date), Some(hour), Some(minute), Some(second)) = (
            iso_date(&text[..10]),
            number(11..13),
            number(14..16),
            number(17..19),
        ) && let Some(time) = NaiveTime::from_hms_opt(hour, minute, second)
        {
            return Ok(date.and_time(time));
        }
    }
    // An explicit offset is honoured: the value is stored in UTC.
    if let Ok(with_offset) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(with_offset.naive_utc());
    }
    let expected = || "expected a date and time such as 2024-01-31 14:30:00".to_string();
    let (date_part, with_time) = split_date_time(text).ok_or_else(expected)?;
    let date = parse_date(date_part, None, style).map_err(|reason| {
        if reason.starts_with("is ambiguous")
            || reason.starts_with("expected a day")
            || reason.starts_with("expected a month")
        {
            reason
        } else {
            expected()
        }
    })?;
    if !with_time {
        return Ok(date.and_time(NaiveTime::MIN));
    }
    let time_text = text[date_part.len()..].trim_start_matches(['T', ' ']);
    let (time_text, offset_seconds) = split_offset(time_text);
    let time = parse_time(time_text).ok_or_else(expected)?;
    // A zone is honoured: the value is stored in UTC.
    Ok(date.and_time(time) - chrono::Duration::seconds(offset_seconds))
}
