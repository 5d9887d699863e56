//! Column profiles: what the values of each column look like. Each cell is classified (number,
//! date, e-mail, ...) and the column's conventions are decided from its unambiguous values:
//! decimal comma or point, thousands separator, day-first or month-first dates. Distinct counts,
//! empty shares and minimum and maximum are computed with polars over the column's values.
//! Pure: no I/O.

use std::collections::BTreeMap;

use polars::prelude::{
    AnyValue, ChunkedBuilder, Int32Type, IntoSeries, PlSmallStr, PrimitiveChunkedBuilder,
    StringChunkedBuilder,
};
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use validator::ValidateEmail;

use crate::source::{Cell, Record};
use crate::value::{self, DateOrder, FieldType, TextStyle, Value};

/// What most values of a column are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
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
pub struct ColumnProfile {
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
pub struct Shares {
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
    pub fn fitted(&self) -> Vec<(&'static str, f64)> {
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
pub const KIND_SHARE: f64 = 0.9;

/// The user's `--decimal-comma` and `--date-order`, which override what values suggest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    pub decimal_comma: bool,
    /// `--decimal-point`: the point is decimal in every column, whatever the file suggests.
    pub decimal_point: bool,
    pub date_order: Option<DateOrder>,
}

/// Gathers the values of every column, one record at a time.
pub struct Profiler {
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

#[derive(Default)]
struct Counts {
    boolean: usize,
    integer: usize,
    number: usize,
    date: usize,
    datetime: usize,
    email: usize,
    url: usize,
    country: usize,
    currency: usize,
    phone: usize,
    /// Numbers that are 0 or 1 (which a flag may hold too).
    zero_one: usize,
}

struct ColumnState {
    values: StringChunkedBuilder,
    /// Each date as days since 1970, read day-first and month-first (the same for ISO dates and
    /// date cells); the column's order picks one at the end.
    dates: [PrimitiveChunkedBuilder<Int32Type>; 2],
    non_empty: usize,
    counts: Counts,
    /// Smallest and largest number under each reading: decimal point, decimal comma.
    numbers: [(Option<Decimal>, Option<Decimal>); 2],
    examples: Vec<String>,
    decimal_evidence: BTreeMap<char, usize>,
    /// The first value that showed its decimal separator.
    decimal_example: Option<String>,
    thousands_seen: BTreeMap<char, usize>,
    ambiguous_numbers: usize,
    ambiguous_number_example: Option<String>,
    order_evidence: BTreeMap<DateOrder, usize>,
    ambiguous_dates: usize,
    ambiguous_date_example: Option<String>,
    /// Dates written with a two-digit year, read by the pivot (00-29 the 2000s).
    two_digit_years: usize,
    two_digit_year_example: Option<String>,
}

impl Profiler {
    pub fn new(width: usize) -> Profiler {
        let columns = (0..width)
            .map(|index| ColumnState {
                values: StringChunkedBuilder::new(PlSmallStr::from(format!("c{index}")), 1024),
                dates: [
                    PrimitiveChunkedBuilder::new(PlSmallStr::from(format!("dmy{index}")), 0),
                    PrimitiveChunkedBuilder::new(PlSmallStr::from(format!("mdy{index}")), 0),
                ],
                non_empty: 0,
                counts: Counts::default(),
                numbers: [(None, None); 2],
                examples: Vec::new(),
                decimal_evidence: BTreeMap::new(),
                decimal_example: None,
                thousands_seen: BTreeMap::new(),
                ambiguous_numbers: 0,
                ambiguous_number_example: None,
                order_evidence: BTreeMap::new(),
                ambiguous_dates: 0,
                ambiguous_date_example: None,
                two_digit_years: 0,
                two_digit_year_example: None,
            })
            .collect();
        Profiler {
            columns,
            rows: 0,
            delimiter: None,
        }
    }

    /// Records the file's delimiter (none for a workbook), evidence for the decimal separator.
    pub fn delimited_by(&mut self, delimiter: Option<u8>) {
        self.delimiter = delimiter;
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn add(&mut self, record: &Record) {
        self.rows += 1;
        for (index, state) in self.columns.iter_mut().enumerate() {
            state.take(record.cells.get(index));
        }
    }

    /// Adds many records at once, each column on a thread of its own: the same profiles as
    /// adding them one by one.
    pub fn add_all(&mut self, records: &[Record]) {
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
    pub fn finish(self, headers: &[String], overrides: Overrides) -> Vec<ColumnProfile> {
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

/// The decimal separator the file's numeric columns show, when they show one and agree
/// (decimal commas in one column and points in another say nothing); else a semicolon
/// delimiter, the mark of a CSV written where the comma is decimal.
fn file_decimal(
    columns: &[ColumnState],
    headers: &[String],
    delimiter: Option<u8>,
) -> Option<FileDecimal> {
    let mut seen: [Option<(String, String)>; 2] = [None, None];
    for (state, header) in columns.iter().zip(headers) {
        let numbers = state.counts.number;
        if state.non_empty == 0 || (numbers as f64) < KIND_SHARE * state.non_empty as f64 {
            continue;
        }
        let point = state.decimal_evidence.get(&'.').copied().unwrap_or(0);
        let comma = state.decimal_evidence.get(&',').copied().unwrap_or(0);
        let side = match (point > 0, comma > 0) {
            (true, false) => 0,
            (false, true) => 1,
            _ => continue,
        };
        if seen[side].is_none() {
            let example = state.decimal_example.clone().unwrap_or_default();
            seen[side] = Some((header.clone(), example));
        }
    }
    match seen {
        [Some((header, example)), None] => Some(FileDecimal {
            comma: false,
            because: format!("column {header:?} has decimal points ({example})"),
        }),
        [None, Some((header, example))] => Some(FileDecimal {
            comma: true,
            because: format!("column {header:?} has decimal commas ({example})"),
        }),
        [None, None] if delimiter == Some(b';') => Some(FileDecimal {
            comma: true,
            because: "the file is separated by semicolons (how Excel writes CSV where the comma is decimal)".to_string(),
        }),
        _ => None,
    }
}

impl ColumnState {
    /// Takes the column's cell of a row (none when the row is shorter).
    fn take(&mut self, cell: Option<&Cell>) {
        match cell {
            Some(cell) if !cell.is_blank() => self.observe(cell),
            _ => self.values.append_null(),
        }
    }

    fn observe(&mut self, cell: &Cell) {
        self.non_empty += 1;
        // Text cells, nearly all cells of a CSV, are used as they are, without a copy.
        let owned;
        let text: &str = match cell {
            Cell::Text(text) => text,
            other => {
                owned = other.to_text();
                &owned
            }
        };
        self.values.append_value(text.trim());
        if self.examples.len() < 3 && !self.examples.iter().any(|example| example == text) {
            self.examples.push(text.to_string());
        }
        match cell {
            Cell::Int(number) => {
                self.counts.integer += 1;
                self.counts.number += 1;
                if *number == 0 || *number == 1 {
                    self.counts.boolean += 1;
                    self.counts.zero_one += 1;
                }
                self.number(Decimal::from(*number), None);
            }
            Cell::Float(number) => {
                self.counts.number += 1;
                if let Ok(Value::Decimal(decimal)) =
                    value::parse_cell(FieldType::Number, None, cell.into(), &TextStyle::default())
                {
                    self.number(decimal, None);
                }
                let _ = number;
            }
            Cell::Bool(_) => self.counts.boolean += 1,
            Cell::Date(date) => {
                self.counts.date += 1;
                self.counts.datetime += 1;
                self.date(*date);
            }
            Cell::DateTime(datetime) => {
                self.counts.datetime += 1;
                self.date(datetime.date());
            }
            Cell::Text(text) => self.observe_text(text.trim()),
            Cell::Empty | Cell::Error(_) => {}
        }
    }

    fn observe_text(&mut self, text: &str) {
        if value::parse_boolean_word(text).is_some() {
            self.counts.boolean += 1;
        }
        if looks_like_phone(text) {
            self.counts.phone += 1;
        }
        match text.len() {
            2 if COUNTRY_CODES.contains(&text.to_ascii_uppercase().as_str()) => {
                self.counts.country += 1;
            }
            3 if CURRENCY_CODES.contains(&text.to_ascii_uppercase().as_str()) => {
                self.counts.currency += 1;
            }
            _ => {}
        }
        if let Some(evidence) = number_evidence(text) {
            self.counts.number += 1;
            self.number_text(text);
            match evidence.decimal {
                DecimalEvidence::Point | DecimalEvidence::Comma => {
                    let separator = if evidence.decimal == DecimalEvidence::Point {
                        '.'
                    } else {
                        ','
                    };
                    *self.decimal_evidence.entry(separator).or_default() += 1;
                    if self.decimal_example.is_none() {
                        self.decimal_example = Some(text.to_string());
                    }
                }
                DecimalEvidence::Either => {
                    self.ambiguous_numbers += 1;
                    self.ambiguous_number_example
                        .get_or_insert_with(|| text.to_string());
                }
                DecimalEvidence::None => {}
            }
            if let Some(separator) = evidence.thousands {
                *self.thousands_seen.entry(separator).or_default() += 1;
            }
            if evidence.integer {
                self.counts.integer += 1;
                if text == "0" || text == "1" {
                    self.counts.boolean += 1;
                    self.counts.zero_one += 1;
                }
            }
            return;
        }
        if let Some(evidence) = date_evidence(text) {
            let (date_part, _) = value::split_date_time(text).unwrap_or((text, false));
            let reading = |order| {
                value::iso_date(date_part)
                    .or_else(|| value::textual_date(date_part))
                    .or_else(|| value::parse_date_in_order(date_part, order))
            };
            self.date_readings(reading(DateOrder::Dmy), reading(DateOrder::Mdy));
            let last = date_part
                .trim_end()
                .rsplit(|character: char| !character.is_ascii_digit())
                .next()
                .unwrap_or_default();
            if last.len() == 2 && value::iso_date(date_part).is_none() {
                self.two_digit_years += 1;
                self.two_digit_year_example
                    .get_or_insert_with(|| text.to_string());
            }
            // A date-time at midnight is a date (a date field takes it as one).
            if evidence.with_time && !value::is_midnight(&text[date_part.len()..]) {
                self.counts.datetime += 1;
            } else {
                self.counts.date += 1;
                self.counts.datetime += 1;
            }
            match evidence.order {
                Some(order) => *self.order_evidence.entry(order).or_default() += 1,
                None if evidence.ambiguous => {
                    self.ambiguous_dates += 1;
                    self.ambiguous_date_example
                        .get_or_insert_with(|| text.to_string());
                }
                None => {}
            }
            return;
        }
        if text.contains('@') && (value::plain_email(text) || text.validate_email()) {
            self.counts.email += 1;
        } else if looks_like_url(text) {
            self.counts.url += 1;
        }
    }

    /// Counts a number towards the minimum and maximum of one reading, or of both.
    fn number(&mut self, number: Decimal, reading: Option<usize>) {
        for (index, (min, max)) in self.numbers.iter_mut().enumerate() {
            if reading.is_some_and(|reading| reading != index) {
                continue;
            }
            if min.is_none_or(|current| number < current) {
                *min = Some(number);
            }
            if max.is_none_or(|current| number > current) {
                *max = Some(number);
            }
        }
    }

    /// A numeric text read both ways, since the column's separator is decided only at the end.
    fn number_text(&mut self, text: &str) {
        for (reading, decimal_comma) in [false, true].into_iter().enumerate() {
            let style = TextStyle {
                decimal_comma,
                date_order: None,
                guarded: false,
            };
            if let Ok(Value::Decimal(number)) =
                value::parse_text(FieldType::Number, None, text, &style)
            {
                self.number(number, Some(reading));
            }
        }
    }

    fn date(&mut self, date: chrono::NaiveDate) {
        self.date_readings(Some(date), Some(date));
    }

    fn date_readings(
        &mut self,
        day_first: Option<chrono::NaiveDate>,
        month_first: Option<chrono::NaiveDate>,
    ) {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        for (builder, date) in self.dates.iter_mut().zip([day_first, month_first]) {
            builder.append_option(date.map(|date| (date - epoch).num_days() as i32));
        }
    }

    fn finish(
        self,
        index: usize,
        column: &str,
        rows: usize,
        overrides: Overrides,
        file: Option<&FileDecimal>,
    ) -> ColumnProfile {
        let share = |count: usize| {
            if self.non_empty == 0 {
                0.0
            } else {
                count as f64 / self.non_empty as f64
            }
        };
        let shares = Shares {
            boolean: share(self.counts.boolean),
            integer: share(self.counts.integer),
            number: share(self.counts.number),
            date: share(self.counts.date),
            datetime: share(self.counts.datetime),
            email: share(self.counts.email),
            url: share(self.counts.url),
            country: share(self.counts.country),
            currency: share(self.counts.currency),
            phone: share(self.counts.phone),
        };
        let kind = if self.non_empty == 0 {
            Kind::Empty
        // Evidence that excludes: a number other than 0 and 1 means no flag (a quantity of 62), a
        // number with a fraction no whole numbers (money with cents), whatever the majority.
        } else if shares.boolean >= KIND_SHARE
            && self.counts.boolean > self.counts.integer / 2
            && self.counts.number == self.counts.zero_one
        {
            Kind::Boolean
        } else if shares.integer >= KIND_SHARE && self.counts.number == self.counts.integer {
            Kind::Integer
        } else if shares.number >= KIND_SHARE {
            Kind::Number
        } else if shares.date >= KIND_SHARE {
            Kind::Date
        } else if shares.datetime >= KIND_SHARE {
            Kind::Datetime
        } else if shares.email >= KIND_SHARE {
            Kind::Email
        } else if shares.url >= KIND_SHARE {
            Kind::Url
        } else {
            Kind::Text
        };

        let mut notes = Vec::new();
        let numeric = matches!(kind, Kind::Integer | Kind::Number);
        let point = self.decimal_evidence.get(&'.').copied().unwrap_or(0);
        let comma = self.decimal_evidence.get(&',').copied().unwrap_or(0);
        let decimal_comma = if overrides.decimal_comma {
            true
        } else if overrides.decimal_point {
            false
        } else if numeric && point > 0 && comma > 0 {
            notes.push(format!(
                "both decimal point ({point} values) and decimal comma ({comma} values): check the column, or pass --decimal-comma"
            ));
            comma > point
        } else if numeric
            && point == 0
            && comma == 0
            && self.ambiguous_numbers > 0
            && let Some(file) = file
        {
            // The column cannot tell; the rest of the file can.
            let example = self.ambiguous_number_example.clone().unwrap_or_default();
            let style = TextStyle {
                decimal_comma: file.comma,
                date_order: None,
                guarded: false,
            };
            let read = value::parse_decimal(&example, &style)
                .map(|number| number.to_string())
                .unwrap_or_default();
            let (separator, role, other) = match (example.contains(','), file.comma) {
                (true, true) => ("comma", "decimal", "--decimal-point"),
                (true, false) => ("comma", "thousands", "--decimal-comma"),
                (false, true) => ("point", "thousands", "--decimal-point"),
                (false, false) => ("point", "decimal", "--decimal-comma"),
            };
            notes.push(format!(
                "values such as {example:?} are read with a {role} {separator} ({example} is {read}) because {}; pass {other} if not",
                file.because
            ));
            file.comma
        } else if numeric && point == 0 && comma == 0 && self.ambiguous_numbers > 0 {
            let example = self.ambiguous_number_example.clone().unwrap_or_default();
            // Say what the reading makes of the value, whichever separator it has.
            let read = value::parse_decimal(&example, &TextStyle::default())
                .map(|number| number.to_string())
                .unwrap_or_default();
            notes.push(if example.contains(',') {
                format!(
                    "values such as {example:?} are read with a thousands comma ({example} is {read}); pass --decimal-comma if the comma is decimal"
                )
            } else {
                format!(
                    "values such as {example:?} are read with a decimal point ({example} is {read}); pass --decimal-comma if the point groups thousands"
                )
            });
            false
        } else {
            comma > point
        };
        let dated = matches!(kind, Kind::Date | Kind::Datetime);
        let day_first = self
            .order_evidence
            .get(&DateOrder::Dmy)
            .copied()
            .unwrap_or(0);
        let month_first = self
            .order_evidence
            .get(&DateOrder::Mdy)
            .copied()
            .unwrap_or(0);
        let ymd = self
            .order_evidence
            .get(&DateOrder::Ymd)
            .copied()
            .unwrap_or(0);
        let date_order = if let Some(order) = overrides.date_order {
            Some(order)
        } else if day_first > 0 && month_first > 0 {
            if dated {
                notes.push(format!(
                    "dates are day-first in {day_first} values and month-first in {month_first}: pass --date-order dmy or mdy"
                ));
            }
            None
        } else if day_first > 0 {
            Some(DateOrder::Dmy)
        } else if month_first > 0 {
            Some(DateOrder::Mdy)
        } else if self.ambiguous_dates > 0 {
            if dated {
                notes.push(format!(
                    "dates such as {:?} could be day-first or month-first: pass --date-order dmy or mdy",
                    self.ambiguous_date_example.clone().unwrap_or_default()
                ));
            }
            None
        } else if ymd > 0 {
            Some(DateOrder::Ymd)
        } else {
            None
        };

        if self.two_digit_years > 0 && dated {
            notes.push(format!(
                "{} dates such as {:?} have a two-digit year, read as 1930 to 2029 (00-29 are the 2000s, as spreadsheets read them)",
                self.two_digit_years,
                self.two_digit_year_example.clone().unwrap_or_default()
            ));
        }
        let values = self.values.finish().into_series();
        let distinct = values
            .n_unique()
            .unwrap_or(0)
            .saturating_sub(usize::from(values.null_count() > 0));
        let empty_share = if rows == 0 {
            0.0
        } else {
            values.null_count() as f64 / rows as f64
        };
        let (min, max) = if numeric {
            let (min, max) = self.numbers[usize::from(decimal_comma)];
            (
                min.map(|number| number.to_string()),
                max.map(|number| number.to_string()),
            )
        } else if dated && (date_order.is_some() || self.ambiguous_dates == 0) {
            let [day_first, month_first] = self.dates;
            let chosen = if date_order == Some(DateOrder::Mdy) {
                month_first
            } else {
                day_first
            };
            let dates = chosen.finish().into_series();
            (
                day_text(dates.min_reduce().ok().map(|scalar| scalar.value().clone())),
                day_text(dates.max_reduce().ok().map(|scalar| scalar.value().clone())),
            )
        } else if dated {
            // The order is open: any minimum would be a guess.
            (None, None)
        } else {
            (
                any_text(
                    values
                        .min_reduce()
                        .ok()
                        .map(|scalar| scalar.value().clone()),
                ),
                any_text(
                    values
                        .max_reduce()
                        .ok()
                        .map(|scalar| scalar.value().clone()),
                ),
            )
        };
        let thousands_separator = if numeric {
            self.thousands_seen
                .iter()
                .max_by_key(|(_, seen)| **seen)
                .map(|(separator, _)| *separator)
        } else {
            None
        };
        ColumnProfile {
            index,
            column: column.to_string(),
            kind,
            empty_share: (empty_share * 1000.0).round() / 1000.0,
            distinct,
            min,
            max,
            examples: self.examples,
            decimal_separator: numeric.then_some(if decimal_comma { ',' } else { '.' }),
            thousands_separator,
            date_order: if dated { date_order } else { None },
            notes,
            shares,
            style: TextStyle {
                decimal_comma,
                date_order,
                guarded: false,
            },
        }
    }
}

fn any_text(value: Option<AnyValue<'_>>) -> Option<String> {
    match value? {
        AnyValue::String(text) => Some(text.to_string()),
        AnyValue::StringOwned(text) => Some(text.to_string()),
        _ => None,
    }
}

fn day_text(value: Option<AnyValue<'_>>) -> Option<String> {
    let days = match value? {
        AnyValue::Int32(days) => days,
        _ => return None,
    };
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    let date = epoch.checked_add_signed(chrono::Duration::days(i64::from(days)))?;
    Some(date.format("%Y-%m-%d").to_string())
}

fn looks_like_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www."))
        && !text.contains(char::is_whitespace)
}

/// What a numeric text says about the decimal separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalEvidence {
    /// No separator that could be decimal: `1234`, `1 234`.
    None,
    Point,
    Comma,
    /// `1,234` or `1.234`: a thousands separator, or a decimal one with three places.
    Either,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberEvidence {
    pub decimal: DecimalEvidence,
    pub thousands: Option<char>,
    /// Reads as a whole number under the evidence (no fraction in any reading).
    pub integer: bool,
}

/// Whether text is a number as people write them (sign, currency, parentheses, grouping), and
/// what it says about the separators.
pub fn number_evidence(text: &str) -> Option<NumberEvidence> {
    let (_, core) = value::strip_number_decoration(text)?;
    let digits_only =
        |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    const SPACES: [char; 4] = [' ', '\u{a0}', '\u{202f}', '\''];
    // Most numbers have no space in them: the text is used as it is, without a copy.
    let grouped_by_space = core.contains(SPACES);
    let core: std::borrow::Cow<'_, str> = if grouped_by_space {
        let spaced: Vec<&str> = core.split(SPACES).collect();
        if !spaced[1..]
            .iter()
            .all(|group| group.len() == 3 || group.contains([',', '.']))
        {
            return None;
        }
        spaced.concat().into()
    } else {
        core.into()
    };
    let thousands_space = grouped_by_space.then_some(' ');
    let commas = core.matches(',').count();
    let points = core.matches('.').count();
    match (commas, points) {
        (0, 0) => digits_only(&core).then_some(NumberEvidence {
            decimal: DecimalEvidence::None,
            thousands: thousands_space,
            integer: true,
        }),
        (0, _) | (_, 0) => {
            let separator = if commas > 0 { ',' } else { '.' };
            let parts: Vec<&str> = core.split(separator).collect();
            let plain = parts.iter().all(|part| digits_only(part));
            let leading_separator =
                parts.len() == 2 && parts[0].is_empty() && digits_only(parts[1]);
            if !(plain || leading_separator) {
                return None;
            }
            let as_decimal = if separator == ',' {
                DecimalEvidence::Comma
            } else {
                DecimalEvidence::Point
            };
            let other = if separator == ',' {
                DecimalEvidence::Point
            } else {
                DecimalEvidence::Comma
            };
            if parts.len() > 2 {
                // 1,234,567: only thousands; the decimal separator is the other one.
                let groups_ok =
                    parts[0].len() <= 3 && parts[1..].iter().all(|part| part.len() == 3);
                return groups_ok.then_some(NumberEvidence {
                    decimal: other,
                    thousands: Some(separator),
                    integer: true,
                });
            }
            let (whole, fraction) = (parts[0], parts[1]);
            let could_group = fraction.len() == 3
                && (1..=3).contains(&whole.len())
                && !whole.starts_with('0')
                && thousands_space.is_none();
            Some(NumberEvidence {
                decimal: if could_group {
                    DecimalEvidence::Either
                } else {
                    as_decimal
                },
                thousands: thousands_space,
                integer: fraction.bytes().all(|byte| byte == b'0'),
            })
        }
        _ => {
            // Both: the last one is decimal, the other groups thousands.
            let last_comma = core.rfind(',').unwrap_or(0);
            let last_point = core.rfind('.').unwrap_or(0);
            let (decimal, thousands) = if last_comma > last_point {
                (',', '.')
            } else {
                ('.', ',')
            };
            let (whole, fraction) = core.rsplit_once(decimal)?;
            if whole.contains(decimal) || !digits_only(fraction) {
                return None;
            }
            let groups: Vec<&str> = whole.split(thousands).collect();
            let groups_ok = digits_only(groups[0])
                && groups[0].len() <= 3
                && groups[1..]
                    .iter()
                    .all(|group| group.len() == 3 && digits_only(group));
            groups_ok.then_some(NumberEvidence {
                decimal: if decimal == ',' {
                    DecimalEvidence::Comma
                } else {
                    DecimalEvidence::Point
                },
                thousands: Some(thousands),
                integer: fraction.bytes().all(|byte| byte == b'0'),
            })
        }
    }
}

/// What a date text says about the order of day and month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateEvidence {
    /// Decided by this value alone (`ymd` for ISO, `dmy` for 31/01/2024, `mdy` for 01/31/2024).
    pub order: Option<DateOrder>,
    /// Both readings are valid and differ (03/04/2024).
    pub ambiguous: bool,
    pub with_time: bool,
}

/// Whether text is a date (or date and time) and what it says about the order.
pub fn date_evidence(text: &str) -> Option<DateEvidence> {
    let (date_part, with_time) = value::split_date_time(text)?;
    if value::iso_date(date_part).is_some() {
        return Some(DateEvidence {
            order: Some(DateOrder::Ymd),
            ambiguous: false,
            with_time,
        });
    }
    if value::textual_date(date_part).is_some() {
        return Some(DateEvidence {
            order: None,
            ambiguous: false,
            with_time,
        });
    }
    let day_first = value::parse_date_in_order(date_part, DateOrder::Dmy).is_some();
    let month_first = value::parse_date_in_order(date_part, DateOrder::Mdy).is_some();
    let same = day_first
        && month_first
        && value::parse_date_in_order(date_part, DateOrder::Dmy)
            == value::parse_date_in_order(date_part, DateOrder::Mdy);
    match (day_first, month_first) {
        (false, false) => None,
        (true, false) => Some(DateEvidence {
            order: Some(DateOrder::Dmy),
            ambiguous: false,
            with_time,
        }),
        (false, true) => Some(DateEvidence {
            order: Some(DateOrder::Mdy),
            ambiguous: false,
            with_time,
        }),
        (true, true) => Some(DateEvidence {
            order: None,
            ambiguous: !same,
            with_time,
        }),
    }
}

/// A telephone number as people write one: 6 to 15 digits, grouped or prefixed by at least one of
/// `+ ( ) - . /` or a space, and nothing else (a bare run of digits is a number, not evidence).
fn looks_like_phone(text: &str) -> bool {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    (6..=15).contains(&digits)
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || b"+()-./ ".contains(&byte))
        && text.bytes().any(|byte| b"+()-./ ".contains(&byte))
        && !text.contains("..")
        && date_evidence(text).is_none()
        && !text.bytes().filter(|byte| *byte == b'.').count().eq(&1)
}

/// ISO 3166-1 alpha-2, the officially assigned codes (and `UK`, `EU`, which exports use).
const COUNTRY_CODES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "EU", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE",
    "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE",
    "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB",
    "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH",
    "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ",
    "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF",
    "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU",
    "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR",
    "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN",
    "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UK", "UM", "US", "UY", "UZ", "VA", "VC", "VE",
    "VG", "VI", "VN", "VU", "WF", "WS", "XK", "YE", "YT", "ZA", "ZM", "ZW",
];

/// ISO 4217 codes of the currencies in use.
const CURRENCY_CODES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL",
];

#[cfg(test)]
mod tests;
