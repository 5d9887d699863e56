//! Column profiles: what the values of each column look like. Each cell is classified (number,
//! date, e-mail, ...) and the column's conventions are decided from its unambiguous values:
//! decimal comma or point, thousands separator, day-first or month-first dates. Distinct counts,
//! empty shares and minimum and maximum are computed with polars over the column's values.
//! Pure: no I/O.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `profile`: column profiles (`profile.rs`: `Profiler`, `ColumnProfile`, `Kind`, `Shares`;
//! `profile/column.rs`: one column's state while its cells are read, and the file's decimal
//! separator; `profile/evidence.rs`: what one text says of its kind). `Profiler` classifies every cell (`number_evidence`, `date_evidence`,
//! e-mail, URL, boolean) and decides each column's `Kind`, its decimal separator and thousands
//! separator, and its date order from the values that settle them; what stays open becomes a note
//! (`--decimal-comma` and `--date-order` override). Distinct counts, empty shares and minimum and
//! maximum of text and dates are computed with polars; numeric minimum and maximum exactly, with
//! `Decimal`. The sample is profiled a column a thread (`Profiler::add_all`), each column's
//! finish too. Main types: `ColumnProfile`, `Shares`, `Overrides`. Pure.

use rayon::prelude::*;
use serde::Serialize;

use crate::source::Record;
use crate::value::{DateOrder, TextStyle};

mod column;
mod evidence;

use column::*;
pub(crate) use evidence::*;

/// What most values of a column are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    Empty,
    Boolean,
    Integer,
    Number,
    Date,
    Datetime,
    Email,
    Url,
    Text,
}

/// A column's profile.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ColumnProfile {
    pub index: usize,
    pub column: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Share of the rows whose cell is empty.
    pub empty_share: f64,
    /// Distinct non-empty values.
    pub distinct: usize,
    pub min: Option<String>,
    pub max: Option<String>,
    /// Up to three distinct values, as written.
    pub examples: Vec<String>,
    /// `.` or `,` for a numeric column.
    pub decimal_separator: Option<char>,
    pub thousands_separator: Option<char>,
    /// `ymd`, `dmy` or `mdy` for a date column whose values decide it.
    pub date_order: Option<DateOrder>,
    /// Things a person must decide: a date order or decimal separator the values leave open, or
    /// values that contradict each other.
    pub notes: Vec<String>,
    /// Share of the non-empty values that read as each kind (a value can read as several);
    /// shown as `fits`, the kinds that some value reads as.
    #[serde(rename = "fits", serialize_with = "serialize_shares")]
    pub shares: Shares,
    /// How to read the column's text: its own conventions, or the user's overrides.
    #[serde(skip)]
    pub style: TextStyle,
}

/// Shares of non-empty values, 0.0 to 1.0.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Shares {
    pub boolean: f64,
    pub integer: f64,
    pub number: f64,
    pub date: f64,
    pub datetime: f64,
    pub email: f64,
    pub url: f64,
    /// ISO 3166-1 two-letter country codes (`US`, `de`).
    pub country: f64,
    /// ISO 4217 three-letter currency codes (`EUR`, `usd`).
    pub currency: f64,
    /// Telephone numbers: 6 to 15 digits with at least one of `+ ( ) - . /` or a space.
    pub phone: f64,
}

impl Shares {
    /// Each kind some value reads as, with its share, the largest first (kinds in this
    /// struct's order on a tie).
    pub(crate) fn fitted(&self) -> Vec<(&'static str, f64)> {
        let mut shares: Vec<(&'static str, f64)> = [
            ("boolean", self.boolean),
            ("integer", self.integer),
            ("number", self.number),
            ("date", self.date),
            ("datetime", self.datetime),
            ("email", self.email),
            ("url", self.url),
            ("country", self.country),
            ("currency", self.currency),
            ("phone", self.phone),
        ]
        .into_iter()
        .filter(|(_, share)| *share > 0.0)
        .map(|(kind, share)| (kind, (share * 1000.0).round() / 1000.0))
        .collect();
        shares.sort_by(|left, right| right.1.total_cmp(&left.1));
        shares
    }
}

fn serialize_shares<S: serde::Serializer>(
    shares: &Shares,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let fitted = shares.fitted();
    let mut map = serializer.serialize_map(Some(fitted.len()))?;
    for (kind, share) in fitted {
        map.serialize_entry(kind, &share)?;
    }
    map.end()
}

/// A kind is a column's kind when at least this share of its non-empty values read as it.
pub(crate) const KIND_SHARE: f64 = 0.9;

/// The user's `--decimal-comma` and `--date-order`, which override what values suggest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    pub decimal_comma: bool,
    /// `--decimal-point`: the point is decimal in every column, whatever the file suggests.
    pub decimal_point: bool,
    pub date_order: Option<DateOrder>,
}

/// Gathers the values of every column, one record at a time.
pub(crate) struct Profiler {
    columns: Vec<ColumnState>,
    rows: usize,
    /// The file's delimiter, when it is text: a semicolon is how Excel writes CSV where the
    /// comma is the decimal separator.
    delimiter: Option<u8>,
}

/// What the whole file says about its decimal separator, for columns that do not say it
/// themselves (all their values such as `2.221`, a decimal or thousands).
#[derive(Debug, Clone)]
struct FileDecimal {
    comma: bool,
    /// Why, for the note: `column "Preis" has decimal commas (12,50)`.
    because: String,
}

impl Profiler {
    pub(crate) fn new(width: usize) -> Profiler {
        let columns = (0..width).map(ColumnState::new).collect();
        Profiler {
            columns,
            rows: 0,
            delimiter: None,
        }
    }

    /// Records the file's delimiter (none for a workbook), evidence for the decimal separator.
    pub(crate) fn delimited_by(&mut self, delimiter: Option<u8>) {
        self.delimiter = delimiter;
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    pub(crate) fn add(&mut self, record: &Record) {
        self.rows += 1;
        for (index, state) in self.columns.iter_mut().enumerate() {
            state.take(record.cells.get(index));
        }
    }

    /// Adds many records at once, each column on a thread of its own: the same profiles as
    /// adding them one by one.
    pub(crate) fn add_all(&mut self, records: &[Record]) {
        self.rows += records.len();
        self.columns
            .par_iter_mut()
            .enumerate()
            .for_each(|(index, state)| {
                for record in records {
                    state.take(record.cells.get(index));
                }
            });
    }

    /// The profiles, with each column's reading conventions decided (the overrides win).
    pub(crate) fn finish(self, headers: &[String], overrides: Overrides) -> Vec<ColumnProfile> {
        let rows = self.rows;
        let file = file_decimal(&self.columns, headers, self.delimiter);
        self.columns
            .into_par_iter()
            .zip(headers)
            .enumerate()
            .map(|(index, (state, column))| {
                state.finish(index, column, rows, overrides, file.as_ref())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
