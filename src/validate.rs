//! Stage 2: every cell of every record read as its field's type and checked against the field's
//! constraints. Pure: no files, no database. A bad row is data, not a failure: each record gives
//! either a typed row or its errors, and the run goes on.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use serde::Serialize;
use validator::{ValidateEmail, ValidateUrl};

use crate::detect::Mapping;
use crate::schema::{Field, FieldType, Schema, Value};
use crate::source::{Cell, Record};

/// The fixed vocabulary of error codes (CONTRACT.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ErrorCode {
    #[serde(rename = "required")]
    Required,
    #[serde(rename = "type")]
    Type,
    #[serde(rename = "format")]
    Format,
    #[serde(rename = "minimum")]
    Minimum,
    #[serde(rename = "maximum")]
    Maximum,
    #[serde(rename = "minLength")]
    MinLength,
    #[serde(rename = "maxLength")]
    MaxLength,
    #[serde(rename = "pattern")]
    Pattern,
    #[serde(rename = "enum")]
    Enum,
    #[serde(rename = "unique")]
    Unique,
    #[serde(rename = "foreign-key")]
    ForeignKey,
    #[serde(rename = "extra-cell")]
    ExtraCell,
    #[serde(rename = "missing-cell")]
    MissingCell,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Required => "required",
            ErrorCode::Type => "type",
            ErrorCode::Format => "format",
            ErrorCode::Minimum => "minimum",
            ErrorCode::Maximum => "maximum",
            ErrorCode::MinLength => "minLength",
            ErrorCode::MaxLength => "maxLength",
            ErrorCode::Pattern => "pattern",
            ErrorCode::Enum => "enum",
            ErrorCode::Unique => "unique",
            ErrorCode::ForeignKey => "foreign-key",
            ErrorCode::ExtraCell => "extra-cell",
            ErrorCode::MissingCell => "missing-cell",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One failed check: where (row and column as the user sees them), the raw value, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub column: Option<String>,
    pub field: Option<String>,
    pub value: String,
    pub code: ErrorCode,
    pub message: String,
}

/// A record that passed every check: one value per schema field, `Null` where no column feeds it.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedRow {
    pub row: usize,
    pub values: Vec<Value>,
}

/// Checks records one at a time, remembering what it needs for uniqueness across the file.
pub struct Validator<'a> {
    schema: &'a Schema,
    headers: &'a [String],
    /// For each schema field, the column that feeds it.
    columns: Vec<Option<usize>>,
    /// For each unique field (and the key, when it spans several fields): value seen → first row.
    seen: Vec<UniqueIndex>,
}

struct UniqueIndex {
    fields: Vec<usize>,
    first_rows: HashMap<String, usize>,
}

impl<'a> Validator<'a> {
    pub fn new(schema: &'a Schema, headers: &'a [String], mapping: &Mapping) -> Validator<'a> {
        let mut columns = vec![None; schema.fields.len()];
        for column in &mapping.columns {
            if let Some(field) = column.field {
                columns[field] = Some(column.index);
            }
        }
        let mut seen: Vec<UniqueIndex> = schema
            .fields
            .iter()
            .enumerate()
            .filter(|(_, field)| {
                field.unique && !(schema.key.len() == 1 && schema.key[0] == field.name)
            })
            .map(|(index, _)| UniqueIndex {
                fields: vec![index],
                first_rows: HashMap::new(),
            })
            .collect();
        if !schema.key.is_empty() {
            seen.insert(
                0,
                UniqueIndex {
                    fields: schema
                        .key
                        .iter()
                        .filter_map(|name| schema.field_index(name))
                        .collect(),
                    first_rows: HashMap::new(),
                },
            );
        }
        Validator {
            schema,
            headers,
            columns,
            seen,
        }
    }

    /// Checks one record: the typed row when every check passed, and the errors found.
    pub fn check(&mut self, record: &Record) -> (Option<TypedRow>, Vec<RowError>) {
        let mut errors = Vec::new();
        self.check_shape(record, &mut errors);
        let mut values = Vec::with_capacity(self.schema.fields.len());
        for (field_index, field) in self.schema.fields.iter().enumerate() {
            let Some(column_index) = self.columns[field_index] else {
                values.push(Value::Null);
                continue;
            };
            // A cell the row does not have is reported once, as missing-cell.
            let Some(cell) = record.cells.get(column_index) else {
                values.push(Value::Null);
                continue;
            };
            let column = &self.headers[column_index];
            match check_cell(field, cell) {
                Ok(value) => values.push(value),
                Err((code, message)) => {
                    errors.push(RowError {
                        row: record.row,
                        column: Some(column.clone()),
                        field: Some(field.name.clone()),
                        value: cell.to_text(),
                        code,
                        message,
                    });
                    values.push(Value::Null);
                }
            }
        }
        self.check_unique(record, &values, &mut errors);
        if errors.is_empty() {
            (
                Some(TypedRow {
                    row: record.row,
                    values,
                }),
                errors,
            )
        } else {
            (None, errors)
        }
    }

    fn check_shape(&self, record: &Record, errors: &mut Vec<RowError>) {
        let width = self.headers.len();
        let cells = record.cells.len();
        if cells < width {
            errors.push(RowError {
                row: record.row,
                column: Some(self.headers[cells].clone()),
                field: None,
                value: String::new(),
                code: ErrorCode::MissingCell,
                message: format!(
                    "the row has {cells} cells but the header has {width}: the cells from column {:?} on are missing",
                    self.headers[cells]
                ),
            });
        } else if let Some(extra) = record.cells[width..]
            .iter()
            .position(|cell| !cell.is_blank())
        {
            let position = width + extra;
            let used = record
                .cells
                .iter()
                .rposition(|cell| !cell.is_blank())
                .map_or(0, |last| last + 1);
            errors.push(RowError {
                row: record.row,
                column: Some(format!("column {}", position + 1)),
                field: None,
                value: record.cells[position].to_text(),
                code: ErrorCode::ExtraCell,
                message: format!(
                    "the row has {used} cells but the header has {width}: a value stands where there is no column (a delimiter inside an unquoted value?)"
                ),
            });
        }
    }

    fn check_unique(&mut self, record: &Record, values: &[Value], errors: &mut Vec<RowError>) {
        for index in &mut self.seen {
            // Only values that were read can be compared; an empty one is not a duplicate.
            if index.fields.iter().any(|&field| values[field].is_null()) {
                continue;
            }
            let key = index
                .fields
                .iter()
                .map(|&field| comparable_text(&values[field]))
                .collect::<Vec<_>>()
                .join("\u{1f}");
            match index.first_rows.get(&key) {
                None => {
                    index.first_rows.insert(key, record.row);
                }
                Some(&first_row) => {
                    let first_field = index.fields[0];
                    let field = &self.schema.fields[first_field];
                    let column =
                        self.columns[first_field].map(|column| self.headers[column].clone());
                    let names: Vec<&str> = index
                        .fields
                        .iter()
                        .map(|&field| self.schema.fields[field].name.as_str())
                        .collect();
                    let value = index
                        .fields
                        .iter()
                        .map(|&field| values[field].to_string())
                        .collect::<Vec<_>>()
                        .join(", ");
                    errors.push(RowError {
                        row: record.row,
                        column,
                        field: Some(field.name.clone()),
                        value,
                        code: ErrorCode::Unique,
                        message: format!(
                            "{} must be unique: the same value is on row {first_row}",
                            names.join(" + ")
                        ),
                    });
                }
            }
        }
    }
}

/// The text under which values are compared as keys: 12.50 and 12.5 are the same number.
pub fn comparable_text(value: &Value) -> String {
    match value {
        Value::Decimal(number) => number.normalize().to_string(),
        other => other.to_string(),
    }
}

/// Reads one cell as its field's type and checks the field's constraints on it.
pub fn check_cell(field: &Field, cell: &Cell) -> Result<Value, (ErrorCode, String)> {
    if cell.is_blank() {
        if field.required {
            return Err((ErrorCode::Required, "is required but empty".to_string()));
        }
        return Ok(Value::Null);
    }
    let value = parse_cell(field.field_type, field.format.as_deref(), cell)
        .map_err(|reason| (ErrorCode::Type, reason))?;
    check_constraints(field, &value)?;
    Ok(value)
}

fn check_constraints(field: &Field, value: &Value) -> Result<(), (ErrorCode, String)> {
    if let Value::Text(text) = value {
        let length = text.chars().count();
        if let Some(min_length) = field.min_length
            && length < min_length
        {
            return Err((
                ErrorCode::MinLength,
                format!("must be at least {min_length} characters long (it has {length})"),
            ));
        }
        if let Some(max_length) = field.max_length
            && length > max_length
        {
            return Err((
                ErrorCode::MaxLength,
                format!("must be at most {max_length} characters long (it has {length})"),
            ));
        }
        if let Some(pattern) = &field.pattern
            && !pattern.regex.is_match(text)
        {
            return Err((
                ErrorCode::Pattern,
                format!("does not match the pattern {}", pattern.source),
            ));
        }
        match field.format.as_deref() {
            Some("email") if !text.validate_email() => {
                return Err((
                    ErrorCode::Format,
                    "is not a valid e-mail address".to_string(),
                ));
            }
            Some("uri") if !text.validate_url() => {
                return Err((
                    ErrorCode::Format,
                    "is not a valid URI (such as https://example.com/page)".to_string(),
                ));
            }
            _ => {}
        }
    }
    if let Some(minimum) = &field.minimum
        && value.compare(minimum) == Some(std::cmp::Ordering::Less)
    {
        return Err((ErrorCode::Minimum, format!("must be at least {minimum}")));
    }
    if let Some(maximum) = &field.maximum
        && value.compare(maximum) == Some(std::cmp::Ordering::Greater)
    {
        return Err((ErrorCode::Maximum, format!("must be at most {maximum}")));
    }
    if let Some(allowed) = &field.allowed
        && !allowed.iter().any(|candidate| candidate.same_as(value))
    {
        let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
        return Err((
            ErrorCode::Enum,
            format!("must be one of: {}", list.join(", ")),
        ));
    }
    Ok(())
}

/// Reads a non-blank cell as a field type. A spreadsheet cell keeps its own type where it fits
/// (a date cell for a date field); text is parsed.
pub fn parse_cell(
    field_type: FieldType,
    format: Option<&str>,
    cell: &Cell,
) -> Result<Value, String> {
    match (field_type, cell) {
        (_, Cell::Error(error)) => Err(format!("is a spreadsheet error ({error}), not a value")),
        (_, Cell::Text(text)) => parse_text(field_type, format, text),
        (FieldType::String, other) => Ok(Value::Text(other.to_text())),
        (FieldType::Integer, Cell::Int(number)) => Ok(Value::Integer(*number)),
        (FieldType::Number, Cell::Int(number)) => Ok(Value::Decimal(Decimal::from(*number))),
        (FieldType::Number | FieldType::Integer, Cell::Float(number)) => {
            match parse_text(field_type, format, &number.to_string()) {
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

/// Reads text as a field type; the error says what form was expected.
pub fn parse_text(
    field_type: FieldType,
    format: Option<&str>,
    text: &str,
) -> Result<Value, String> {
    let trimmed = text.trim();
    match field_type {
        FieldType::String => Ok(Value::Text(text.to_string())),
        FieldType::Integer => parse_integer(trimmed).map(Value::Integer),
        FieldType::Number => parse_decimal(trimmed).map(Value::Decimal),
        FieldType::Boolean => parse_boolean(trimmed).map(Value::Boolean),
        FieldType::Date => parse_date(trimmed, format).map(Value::Date),
        FieldType::Datetime => parse_datetime(trimmed, format).map(Value::DateTime),
    }
}

fn is_plain_decimal(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !(whole.is_empty() && fraction.is_empty())
        && whole.bytes().all(|byte| byte.is_ascii_digit())
        && fraction.bytes().all(|byte| byte.is_ascii_digit())
}

fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let expected = || {
        "expected a number such as 1234.56 (point as decimal separator, no thousands separator)"
            .to_string()
    };
    if is_plain_decimal(text) {
        let unsigned = text.strip_prefix('+').unwrap_or(text);
        return Decimal::from_str_exact(unsigned)
            .map_err(|_| "is too large or too precise for a number".to_string());
    }
    // Scientific notation, as some exports write large or small numbers.
    if let Some((mantissa, exponent)) = text.split_once(['e', 'E'])
        && is_plain_decimal(mantissa)
        && exponent
            .strip_prefix(['-', '+'])
            .unwrap_or(exponent)
            .bytes()
            .all(|byte| byte.is_ascii_digit())
        && !exponent.is_empty()
    {
        return Decimal::from_scientific(text).map_err(|_| expected());
    }
    Err(expected())
}

fn parse_integer(text: &str) -> Result<i64, String> {
    let decimal =
        parse_decimal(text).map_err(|_| "expected a whole number such as 42".to_string())?;
    if !decimal.fract().is_zero() {
        return Err("expected a whole number, not a fraction".to_string());
    }
    i64::from_str(&decimal.trunc().normalize().to_string())
        .map_err(|_| "is too large for a whole number".to_string())
}

fn parse_boolean(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "on" => Ok(true),
        "false" | "f" | "no" | "n" | "0" | "off" => Ok(false),
        _ => Err("expected true or false (also yes/no, y/n, 1/0)".to_string()),
    }
}

fn parse_date(text: &str, format: Option<&str>) -> Result<NaiveDate, String> {
    if let Some(format) = format {
        return NaiveDate::parse_from_str(text, format)
            .map_err(|_| format!("expected a date in the form {format}"));
    }
    for form in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(date) = NaiveDate::parse_from_str(text, form) {
            return Ok(date);
        }
    }
    Err("expected a date such as 2024-01-31".to_string())
}

fn parse_datetime(text: &str, format: Option<&str>) -> Result<NaiveDateTime, String> {
    if let Some(format) = format {
        return NaiveDateTime::parse_from_str(text, format)
            .map_err(|_| format!("expected a date and time in the form {format}"));
    }
    // An explicit offset is honoured: the value is stored in UTC.
    if let Ok(with_offset) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(with_offset.naive_utc());
    }
    for form in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(datetime) = NaiveDateTime::parse_from_str(text, form) {
            return Ok(datetime);
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(NaiveTime::MIN));
    }
    Err("expected a date and time such as 2024-01-31 14:30:00".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(field_type: FieldType, text: &str, expected: &str) {
        let shown = match parse_text(field_type, None, text) {
            Ok(value) => format!("{value:?}"),
            Err(reason) => format!("error: {reason}"),
        };
        assert_eq!(shown, expected, "{text:?} as {field_type:?}");
    }

    #[test]
    fn numbers_are_exact() {
        check(FieldType::Number, "12.50", "Decimal(12.50)");
        check(FieldType::Number, " -0.1 ", "Decimal(-0.1)");
        check(FieldType::Number, "+3", "Decimal(3)");
        check(FieldType::Number, "1.5e3", "Decimal(1500)");
        check(FieldType::Number, ".5", "Decimal(0.5)");
        check(
            FieldType::Number,
            "1,234.00",
            "error: expected a number such as 1234.56 (point as decimal separator, no thousands separator)",
        );
        check(
            FieldType::Number,
            "abc",
            "error: expected a number such as 1234.56 (point as decimal separator, no thousands separator)",
        );
        check(
            FieldType::Number,
            ".",
            "error: expected a number such as 1234.56 (point as decimal separator, no thousands separator)",
        );
        check(
            FieldType::Number,
            "NaN",
            "error: expected a number such as 1234.56 (point as decimal separator, no thousands separator)",
        );
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
    fn booleans_dates_datetimes() {
        check(FieldType::Boolean, "Yes", "Boolean(true)");
        check(FieldType::Boolean, "0", "Boolean(false)");
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
            "31/01/2024",
            "error: expected a date and time such as 2024-01-31 14:30:00",
        );
    }

    #[test]
    fn dates_in_a_declared_format() {
        assert_eq!(
            parse_text(FieldType::Date, Some("%d/%m/%Y"), "31/01/2024"),
            Ok(Value::Date(
                NaiveDate::from_ymd_opt(2024, 1, 31).expect("valid")
            ))
        );
    }

    #[test]
    fn spreadsheet_cells_keep_their_type() {
        assert_eq!(
            parse_cell(FieldType::Number, None, &Cell::Float(0.1)),
            Ok(Value::Decimal(Decimal::new(1, 1)))
        );
        assert_eq!(
            parse_cell(FieldType::String, None, &Cell::Int(1000000000000)),
            Ok(Value::Text("1000000000000".into()))
        );
        assert_eq!(
            parse_cell(FieldType::Integer, None, &Cell::Error("#DIV/0!".into())),
            Err("is a spreadsheet error (#DIV/0!), not a value".to_string())
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_reads_or_fails_cleanly(text in "\\PC{0,40}") {
            for field_type in [FieldType::String, FieldType::Integer, FieldType::Number, FieldType::Boolean, FieldType::Date, FieldType::Datetime] {
                let _ = parse_text(field_type, None, &text);
                let _ = parse_text(field_type, Some("%d/%m/%Y %H:%M"), &text);
            }
        }

        #[test]
        fn any_float_cell_reads_as_a_number(number in proptest::num::f64::ANY) {
            let read = parse_cell(FieldType::Number, None, &Cell::Float(number));
            if number.is_finite() && number.abs() < 1e20 && number.abs() > 1e-20 {
                proptest::prop_assert!(read.is_ok(), "{number}: {read:?}");
            }
        }
    }
}
