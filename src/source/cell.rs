//! A cell as read from any format (`Cell`), a row of them (`Record`), and how dates and cell
//! positions are written (`2024-01-31 14:30:00`, `D7`).

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use compact_str::CompactString;

/// What a file holds in one cell, before any field type is applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Short text (up to 24 bytes, most cells) is held inline, without an allocation.
    Text(CompactString),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    /// A spreadsheet error cell such as `#DIV/0!`.
    Error(String),
}

impl Cell {
    /// True for an empty cell or one holding only white space.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as the user would read it: numbers without a spurious `.0`, dates in ISO form.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.to_string(),
            Cell::Int(number) => number.to_string(),
            // `{}` on f64 prints the shortest text that reads back as the same number.
            Cell::Float(number) => number.to_string(),
            Cell::Bool(value) => value.to_string(),
            Cell::Date(date) => date.format("%Y-%m-%d").to_string(),
            Cell::DateTime(datetime) => format_datetime(datetime),
            Cell::Error(error) => error.clone(),
        }
    }
}

/// ISO 8601 with a space, seconds always, fractions only when present.
pub(super) fn format_datetime(datetime: &NaiveDateTime) -> String {
    let mut text = String::with_capacity(26);
    let _ = write_datetime(&mut text, datetime);
    text
}

/// A date in ISO form, `2024-01-31`, written directly (chrono's formatter reads its pattern
/// anew each time, which shows in a million rows); years outside 0-9999 through chrono.
pub(crate) fn write_date(out: &mut impl fmt::Write, date: &NaiveDate) -> fmt::Result {
    use chrono::Datelike;
    let year = date.year();
    if (0..=9999).contains(&year) {
        write!(out, "{year:04}-{:02}-{:02}", date.month(), date.day())
    } else {
        write!(out, "{}", date.format("%Y-%m-%d"))
    }
}

/// As [`format_datetime`], into `out`: seconds always, a fraction in 3, 6 or 9 digits when
/// there is one (as chrono's `%.f`).
pub(crate) fn write_datetime(out: &mut impl fmt::Write, datetime: &NaiveDateTime) -> fmt::Result {
    write_date(out, &datetime.date())?;
    write!(
        out,
        " {:02}:{:02}:{:02}",
        datetime.hour(),
        datetime.minute(),
        datetime.second()
    )?;
    let nanos = datetime.nanosecond() % 1_000_000_000;
    if nanos == 0 {
        Ok(())
    } else if nanos.is_multiple_of(1_000_000) {
        write!(out, ".{:03}", nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        write!(out, ".{:06}", nanos / 1_000)
    } else {
        write!(out, ".{nanos:09}")
    }
}

/// One data row: its physical row number (1-based, as a spreadsheet shows it) and its cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub row: usize,
    pub cells: Vec<Cell>,
}

/// `D7`: a spreadsheet's name for the cell in column index 3 (0-based) on row 7.
pub(crate) fn cell_name(column_index: usize, row: usize) -> String {
    let mut letters = Vec::new();
    let mut number = column_index + 1;
    while number > 0 {
        let remainder = (number - 1) % 26;
        letters.push(b'A' + remainder as u8);
        number = (number - 1) / 26;
    }
    letters.reverse();
    format!("{}{row}", String::from_utf8_lossy(&letters))
}
