//! One cell of stage 2: read as its field's type, then checked against the field's constraints
//! (lengths, patterns, enums, bounds, the column's own limits).

use validator::{ValidateEmail, ValidateUrl};

use crate::schema::Field;
use crate::value::{
    FieldType, TextStyle, Value, parse_boolean, parse_boolean_with, parse_cell, parse_date,
    parse_datetime, parse_decimal, parse_integer, plain_email, unguarded,
};

use crate::source::{Cell, CellRef};

use super::*;

/// The text under which values are compared as keys: 12.50 and 12.5 are the same number.
pub(crate) fn comparable_text(value: &Value) -> String {
    match value {
        Value::Decimal(number) => number.normalize().to_string(),
        Value::Null
        | Value::Text(_)
        | Value::Integer(_)
        | Value::Boolean(_)
        | Value::Date(_)
        | Value::DateTime(_) => value.to_string(),
    }
}

/// Reads one cell as its field's type and checks the field's constraints on it.
/// `pattern` is the field's own, as a thread's copy (see [`Scratch`]). Unless the value is
/// `wanted`, text that passes its checks gives `Null`: no copy is made of what nobody reads.
#[inline(always)]
pub(crate) fn check_cell(
    field: &Field,
    cell: CellRef<'_>,
    style: &TextStyle,
    pattern: Option<&regex::Regex>,
    wanted: bool,
) -> Result<Value, Fault> {
    let type_error = |reason: String| Box::new((ErrorCode::Type, reason));
    // Text (every cell of a delimited file) is read here, each type straight into its value:
    // this runs once a cell, and each hand-over of a `Value` through a `Result` shows.
    let value = match cell {
        CellRef::Text(text) => {
            let text = if style.guarded { unguarded(text) } else { text };
            // Most cells start and end with neither a space nor any other character to trim.
            let bytes = text.as_bytes();
            let trimmed = match (bytes.first(), bytes.last()) {
                (Some(first), Some(last))
                    if first.is_ascii_graphic() && last.is_ascii_graphic() =>
                {
                    text
                }
                _ => text.trim(),
            };
            if trimmed.is_empty() {
                return blank(field);
            }
            match field.field_type {
                FieldType::String => {
                    // Spaces around a cell are not part of its value, unless the field keeps them.
                    let text = if field.trim { trimmed } else { text };
                    check_text(field, text, pattern)?;
                    let bounded = field.minimum.is_some()
                        || field.maximum.is_some()
                        || field.allowed.is_some();
                    if !wanted && !bounded {
                        return Ok(Value::Null);
                    }
                    let value = Value::Text(text.into());
                    check_bounds(field, &value)?;
                    return Ok(value);
                }
                FieldType::Integer => {
                    Value::Integer(parse_integer(trimmed, style).map_err(type_error)?)
                }
                FieldType::Number => {
                    Value::Decimal(parse_decimal(trimmed, style).map_err(type_error)?)
                }
                FieldType::Boolean
                    if field.true_values.is_some() || field.false_values.is_some() =>
                {
                    Value::Boolean(
                        parse_boolean_with(
                            trimmed,
                            field.true_values.as_deref(),
                            field.false_values.as_deref(),
                        )
                        .map_err(type_error)?,
                    )
                }
                FieldType::Boolean => Value::Boolean(parse_boolean(trimmed).map_err(type_error)?),
                FieldType::Date => Value::Date(
                    parse_date(trimmed, field.format.as_deref(), style).map_err(type_error)?,
                ),
                FieldType::Datetime => Value::DateTime(
                    parse_datetime(trimmed, field.format.as_deref(), style).map_err(type_error)?,
                ),
            }
        }
        CellRef::Other(other) => {
            if other.is_blank() {
                return blank(field);
            }
            if let (FieldType::String, false, Cell::Text(text)) =
                (field.field_type, field.trim, other)
            {
                let value = Value::Text(text.as_str().into());
                check_constraints(field, &value, pattern)?;
                return Ok(value);
            }
            parse_cell(field.field_type, field.format.as_deref(), cell, style)
                .map_err(type_error)?
        }
    };
    check_constraints(field, &value, pattern)?;
    Ok(value)
}

/// Whether a cell that is not blank has spaces (or tabs, non-breaking spaces) around its value.
#[inline]
pub(super) fn padded(cell: CellRef<'_>) -> bool {
    let text = match cell {
        CellRef::Text(text) => text,
        CellRef::Other(Cell::Text(text)) => text.as_str(),
        CellRef::Other(_) => return false,
    };
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => false,
        (Some(_), Some(_)) => {
            let trimmed = text.trim();
            !trimmed.is_empty() && trimmed.len() != text.len()
        }
        _ => false,
    }
}

/// What is wrong with a cell: its code and message, boxed so that a cell's `Result` is no larger
/// than its value (a value handed on through a larger one is copied piece by piece).
pub(super) type Fault = Box<(ErrorCode, String)>;

/// What an empty cell gives: an error when the field is required, otherwise no value.
fn blank(field: &Field) -> Result<Value, Fault> {
    if field.required {
        Err(Box::new((
            ErrorCode::Required,
            "is required but empty".to_string(),
        )))
    } else {
        Ok(Value::Null)
    }
}

/// `copy` is a thread's copy of the field's pattern, when it has one.
fn check_constraints(
    field: &Field,
    value: &Value,
    copy: Option<&regex::Regex>,
) -> Result<(), Fault> {
    if let Value::Text(text) = value {
        check_text(field, text, copy)?;
    }
    check_bounds(field, value)
}

/// The constraints on text: length, pattern, format.
fn check_text(field: &Field, text: &str, copy: Option<&regex::Regex>) -> Result<(), Fault> {
    if field.min_length.is_some() || field.max_length.is_some() {
        let length = if text.is_ascii() {
            text.len()
        } else {
            text.chars().count()
        };
        if let Some(min_length) = field.min_length
            && length < min_length
        {
            return Err(Box::new((
                ErrorCode::MinLength,
                format!("must be at least {min_length} characters long (it has {length})"),
            )));
        }
        if let Some(max_length) = field.max_length
            && length > max_length
        {
            return Err(Box::new((
                ErrorCode::MaxLength,
                format!("must be at most {max_length} characters long (it has {length})"),
            )));
        }
    }
    if let Some(column) = &field.column
        && let Some(chars) = column.chars
    {
        let length = text.chars().count();
        if length > chars {
            return Err(Box::new((
                ErrorCode::MaxLength,
                format!(
                    "has {length} characters; column {} is {}, which holds {chars}",
                    column.column, column.declared
                ),
            )));
        }
    }
    if let Some(pattern) = &field.pattern
        && !pattern.matches(text, copy)
    {
        return Err(Box::new((
            ErrorCode::Pattern,
            format!("does not match the pattern {}", pattern.source),
        )));
    }
    match field.format.as_deref() {
        Some("email") if !plain_email(text) && !text.validate_email() => {
            return Err(Box::new((
                ErrorCode::Format,
                "is not a valid e-mail address".to_string(),
            )));
        }
        Some("uri") if !text.validate_url() => {
            return Err(Box::new((
                ErrorCode::Format,
                "is not a valid URI (such as https://example.com/page)".to_string(),
            )));
        }
        _ => {}
    }
    Ok(())
}

/// The constraints on any value: bounds and allowed values.
fn check_bounds(field: &Field, value: &Value) -> Result<(), Fault> {
    if let Some(minimum) = &field.minimum
        && value.compare(minimum) == Some(std::cmp::Ordering::Less)
    {
        return Err(Box::new((
            ErrorCode::Minimum,
            format!("must be at least {minimum}"),
        )));
    }
    if let Some(maximum) = &field.maximum
        && value.compare(maximum) == Some(std::cmp::Ordering::Greater)
    {
        return Err(Box::new((
            ErrorCode::Maximum,
            format!("must be at most {maximum}"),
        )));
    }
    if let Some(allowed) = &field.allowed
        && !allowed.iter().any(|candidate| candidate.same_as(value))
    {
        let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
        return Err(Box::new((
            ErrorCode::Enum,
            format!("must be one of: {}", list.join(", ")),
        )));
    }
    if let Some(column) = &field.column {
        check_column_numbers(column, value)?;
    }
    Ok(())
}

/// A number against what its column holds exactly: a NUMERIC's digits before and after the
/// point, a SMALLINT's or INTEGER's range. The database would round the first and refuse the
/// others, mid-commit.
fn check_column_numbers(column: &crate::schema::ColumnLimits, value: &Value) -> Result<(), Fault> {
    let whole_digits = |text: String| text.trim_start_matches('-').trim_start_matches('0').len();
    let (whole, scale) = match value {
        Value::Integer(number) => (whole_digits(number.to_string()), 0),
        Value::Decimal(number) => {
            let exact = number.normalize();
            (whole_digits(exact.trunc().to_string()), exact.scale())
        }
        Value::Null | Value::Text(_) | Value::Boolean(_) | Value::Date(_) | Value::DateTime(_) => {
            return Ok(());
        }
    };
    let held = |what: String, would: &str| {
        Err(Box::new((
            ErrorCode::Type,
            format!(
                "{what}; column {} is {}, so the database would {would}",
                column.column, column.declared
            ),
        )))
    };
    if let Some((precision, places)) = column.digits {
        if scale > places {
            return held(
                format!("has {scale} decimal places where the column keeps {places}"),
                "round it",
            );
        }
        let room = precision.saturating_sub(places) as usize;
        if whole > room {
            return held(
                format!("has {whole} digits before the point where the column holds {room}"),
                "refuse it",
            );
        }
    }
    if let (Some((low, high)), Value::Integer(number)) = (column.integers, value)
        && !(low..=high).contains(number)
    {
        return held(format!("is outside {low} to {high}"), "refuse it");
    }
    Ok(())
}
