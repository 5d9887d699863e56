//! One column of a profile while its cells are read: its counts, its evidence for a decimal
//! separator and a date order, and what it says once the file is read.

use std::collections::BTreeMap;

use polars::prelude::{
    ChunkedBuilder, Int32Type, IntoSeries, PlSmallStr, PrimitiveChunkedBuilder,
    StringChunkedBuilder,
};
use rust_decimal::Decimal;
use validator::ValidateEmail;

use crate::source::Cell;
use crate::value::{self, DateOrder, FieldType, TextStyle, Value};

use super::*;

#[derive(Default)]
pub(super) struct Counts {
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

pub(super) struct ColumnState {
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

impl ColumnState {
    /// An empty column, the `index`-th of the file.
    pub(super) fn new(index: usize) -> ColumnState {
        ColumnState {
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
        }
    }
}

/// The decimal separator the file's numeric columns show, when they show one and agree
/// (decimal commas in one column and points in another say nothing); else a semicolon
/// delimiter, the mark of a CSV written where the comma is decimal.
pub(super) fn file_decimal(
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
    pub(super) fn take(&mut self, cell: Option<&Cell>) {
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

    pub(super) fn finish(
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
