//! What a cell means once read: `Value` (exact decimals, calendar dates, never a float) and
//! `FieldType`, and the parsers that read text and spreadsheet cells into them in a column's
//! style (`TextStyle`: decimal comma, date order, the rejects file's formula guard). Numbers in
//! `number`, dates and times in `date`, e-mail addresses and yes/no words in `text`.
//! `profile` (to read a column's kind), `validate` (to check a row), `schema` (bounds and enum
//! values) and `load` (keys) read values through here alike.
//!
//! Invariant: pure; nothing here knows of files, mappings or databases, and no value is ever a
//! float.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `value`: what a cell means once read: `Value` (null, text, integer, exact `Decimal`, boolean,
//! date, datetime) and `FieldType`, and the parsers of text and cells (`parse_text`,
//! `parse_cell`, in a column's `TextStyle`): numbers in `value/number.rs`, dates and times in
//! `value/date.rs`, e-mail addresses and yes/no words in `value/text.rs`. `profile`, `validate`,
//! `schema`, `load` and `db` read values through it alike. Invariant: pure, and below every
//! module that uses it (it imports only `source`'s cell types). Invariant: no match over a
//! `Value` or a `FieldType` ends in a wildcard that would take a new kind silently: each arm
//! names its kinds, so that a new kind is a compile error at every place that must decide
//! (the only `_ =>` over a `Value` are "not this kind" picks that fail: the key arrays of
//! `db`'s `postgres_rows_by_key`).

use std::cmp::Ordering;
use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use compact_str::CompactString;
use rust_decimal::Decimal;

use crate::source::{Cell, CellRef};

mod date;
mod number;
mod text;

pub(crate) use date::*;
pub(crate) use number::*;
pub(crate) use text::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Integer,
    Number,
    Boolean,
    Date,
    Datetime,
}

impl FieldType {
    pub fn parse(text: &str) -> Option<FieldType> {
        Some(match text {
            "string" => FieldType::String,
            "integer" => FieldType::Integer,
            "number" | "decimal" => FieldType::Number,
            "boolean" => FieldType::Boolean,
            "date" => FieldType::Date,
            "datetime" => FieldType::Datetime,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
        }
    }
}

/// What a field holds once read: exact decimals, calendar dates, never a float.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(CompactString),
    Integer(i64),
    Decimal(Decimal),
    Boolean(bool),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

/// 10⁰ to 10¹⁸: the powers of ten under 2⁶³.
const POWERS_OF_TEN: [i128; 19] = {
    let mut powers = [1i128; 19];
    let mut index = 1;
    while index < powers.len() {
        powers[index] = powers[index - 1] * 10;
        index += 1;
    }
    powers
};

/// Orders two decimals as `Decimal::cmp` does, most pairs (a value against a bound) without its
/// general path: the signed mantissas brought to one scale and compared as integers, when the
/// one to scale is under 2⁶³ and the scales differ by at most 18 (otherwise `Decimal::cmp`
/// decides).
fn compare_decimals(left: &Decimal, right: &Decimal) -> Ordering {
    let (left_scale, right_scale) = (left.scale(), right.scale());
    // Both factors under 2⁶³: the product fits 128 bits.
    let scaled = |mantissa: i128, by: u32| {
        let factor = *POWERS_OF_TEN.get(by as usize)?;
        (mantissa.unsigned_abs() < 1 << 63).then(|| mantissa * factor)
    };
    let pair = if left_scale < right_scale {
        scaled(left.mantissa(), right_scale - left_scale).map(|left| (left, right.mantissa()))
    } else {
        scaled(right.mantissa(), left_scale - right_scale).map(|right| (left.mantissa(), right))
    };
    match pair {
        Some((left, right)) => left.cmp(&right),
        None => left.cmp(right),
    }
}

impl Value {
    /// Orders two values of the same kind; `None` across kinds.
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Text(left), Value::Text(right)) => Some(left.cmp(right)),
            (Value::Integer(left), Value::Integer(right)) => Some(left.cmp(right)),
            (Value::Decimal(left), Value::Decimal(right)) => Some(compare_decimals(left, right)),
            (Value::Integer(left), Value::Decimal(right)) => {
                Some(compare_decimals(&Decimal::from(*left), right))
            }
            (Value::Decimal(left), Value::Integer(right)) => {
                Some(compare_decimals(left, &Decimal::from(*right)))
            }
            (Value::Boolean(left), Value::Boolean(right)) => Some(left.cmp(right)),
            (Value::Date(left), Value::Date(right)) => Some(left.cmp(right)),
            (Value::DateTime(left), Value::DateTime(right)) => Some(left.cmp(right)),
            // Across kinds, and nulls: no order. (Every kind named, so that a new one must say.)
            (
                Value::Null
                | Value::Text(_)
                | Value::Integer(_)
                | Value::Decimal(_)
                | Value::Boolean(_)
                | Value::Date(_)
                | Value::DateTime(_),
                _,
            ) => None,
        }
    }

    /// Equal for the database: decimals by value (12.5 = 12.50), everything else exactly.
    pub fn same_as(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (left, right) => left.compare(right) == Some(Ordering::Equal),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl fmt::Display for Value {
    /// The text form, which is also how text-stored values are written to the database.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Text(text) => formatter.write_str(text),
            Value::Integer(number) => write!(formatter, "{number}"),
            Value::Decimal(number) => write!(formatter, "{number}"),
            Value::Boolean(value) => write!(formatter, "{value}"),
            Value::Date(date) => crate::source::write_date(formatter, date),
            Value::DateTime(datetime) => crate::source::write_datetime(formatter, datetime),
        }
    }
}

/// Reads a non-blank cell as a field type. A spreadsheet cell keeps its own type where it fits
/// (a date cell for a date field); text is parsed in the column's style.
pub(crate) fn parse_cell(
    field_type: FieldType,
    format: Option<&str>,
    cell: CellRef<'_>,
    style: &TextStyle,
) -> Result<Value, String> {
    let cell = match cell {
        CellRef::Text(text) => return parse_text(field_type, format, text, style),
        CellRef::Other(cell) => cell,
    };
    match (field_type, cell) {
        (_, Cell::Error(error)) => Err(format!("is a spreadsheet error ({error}), not a value")),
        (_, Cell::Text(text)) => parse_text(field_type, format, text, style),
        (FieldType::String, other) => Ok(Value::Text(other.to_text().into())),
        (FieldType::Integer, Cell::Int(number)) => Ok(Value::Integer(*number)),
        (FieldType::Number, Cell::Int(number)) => Ok(Value::Decimal(Decimal::from(*number))),
        (FieldType::Number | FieldType::Integer, Cell::Float(number)) => {
            match parse_text(
                field_type,
                format,
                &number.to_string(),
                &TextStyle::default(),
            ) {
                // Tiny fractions print with more places than a decimal holds: keep the 28 it can.
                Err(_) if field_type == FieldType::Number && number.is_finite() => {
                    rust_decimal::prelude::FromPrimitive::from_f64(*number)
                        .map(Value::Decimal)
                        .ok_or_else(|| "is too large for a number".to_string())
                }
                read => read,
            }
        }
        (FieldType::Boolean, Cell::Bool(value)) => Ok(Value::Boolean(*value)),
        (FieldType::Boolean, Cell::Int(number @ (0 | 1))) => Ok(Value::Boolean(*number == 1)),
        (FieldType::Date, Cell::Date(date)) => Ok(Value::Date(*date)),
        (FieldType::Date, Cell::DateTime(datetime)) if datetime.time() == NaiveTime::MIN => {
            Ok(Value::Date(datetime.date()))
        }
        (FieldType::Date, Cell::DateTime(datetime)) => Err(format!(
            "has a time of day ({}) where a date is expected",
            datetime.time()
        )),
        (FieldType::Datetime, Cell::DateTime(datetime)) => Ok(Value::DateTime(*datetime)),
        (FieldType::Datetime, Cell::Date(date)) => {
            Ok(Value::DateTime(date.and_time(NaiveTime::MIN)))
        }
        (field_type, other) => Err(format!(
            "cannot be read as {}: the cell holds {}",
            article(field_type),
            other.to_text()
        )),
    }
}

fn article(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::String => "text",
        FieldType::Integer => "a whole number",
        FieldType::Number => "a number",
        FieldType::Boolean => "true or false",
        FieldType::Date => "a date",
        FieldType::Datetime => "a date and time",
    }
}

/// Reads text as a field type in a column's style; the error says what form was expected.
pub(crate) fn parse_text(
    field_type: FieldType,
    format: Option<&str>,
    text: &str,
    style: &TextStyle,
) -> Result<Value, String> {
    let trimmed = text.trim();
    match field_type {
        FieldType::String => Ok(Value::Text(trimmed.into())),
        FieldType::Integer => parse_integer(trimmed, style).map(Value::Integer),
        FieldType::Number => parse_decimal(trimmed, style).map(Value::Decimal),
        FieldType::Boolean => parse_boolean(trimmed).map(Value::Boolean),
        FieldType::Date => parse_date(trimmed, format, style).map(Value::Date),
        FieldType::Datetime => parse_datetime(trimmed, format, style).map(Value::DateTime),
    }
}

#[cfg(test)]
mod tests;
