//! A schema built from its fields as written: each value checked whole (types, bounds,
//! patterns, enums, keys, references, rules) before any row is read.

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::value::{self, FieldType, Value};

use super::*;

/// A field as written in either format, before its values are checked.
pub(super) struct RawField {
    pub(super) name: String,
    pub(super) field_type: String,
    pub(super) required: bool,
    pub(super) unique: bool,
    pub(super) minimum: Option<String>,
    pub(super) maximum: Option<String>,
    pub(super) min_length: Option<usize>,
    pub(super) max_length: Option<usize>,
    pub(super) pattern: Option<String>,
    pub(super) allowed: Option<Vec<String>>,
    pub(super) format: Option<String>,
    pub(super) aliases: Vec<String>,
    pub(super) true_values: Option<Vec<String>>,
    pub(super) false_values: Option<Vec<String>>,
    pub(super) reference: Option<Reference>,
    pub(super) trim: bool,
}

pub(super) fn build(
    name: &str,
    table: String,
    key: Vec<String>,
    raw_fields: Vec<RawField>,
    raw_rules: Vec<(String, Option<String>)>,
    file: &str,
) -> Result<Schema, SchemaError> {
    let invalid = |reason: String| SchemaError::Invalid {
        file: file.to_string(),
        reason,
    };
    if table.trim().is_empty() {
        return Err(invalid("the table name is empty".to_string()));
    }
    if raw_fields.is_empty() {
        return Err(invalid("the schema has no fields".to_string()));
    }
    let mut seen = HashSet::new();
    let mut fields = Vec::with_capacity(raw_fields.len());
    for raw in raw_fields {
        if raw.name.trim().is_empty() {
            return Err(invalid("a field has an empty name".to_string()));
        }
        if !seen.insert(raw.name.clone()) {
            return Err(invalid(format!("field {:?} is defined twice", raw.name)));
        }
        let key_role = match key.iter().position(|name| *name == raw.name) {
            None => KeyRole::None,
            Some(_) if key.len() == 1 => KeyRole::Whole,
            Some(_) => KeyRole::Part,
        };
        fields.push(build_field(raw, key_role, file)?);
    }
    for key_field in &key {
        if !seen.contains(key_field) {
            return Err(invalid(format!(
                "the key names {key_field:?}, which is not a field"
            )));
        }
    }
    let rules = raw_rules
        .into_iter()
        .map(|(text, message)| parse_rule(&text, message, &fields, file))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Schema {
        name: name.to_string(),
        table,
        key,
        fields,
        rules,
    })
}

/// A key field is required; it is unique by itself only when it is the whole key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyRole {
    None,
    Whole,
    Part,
}

fn build_field(raw: RawField, key_role: KeyRole, file: &str) -> Result<Field, SchemaError> {
    let field_error = |reason: String| SchemaError::Field {
        file: file.to_string(),
        field: raw.name.clone(),
        reason,
    };
    let field_type = FieldType::parse(&raw.field_type).ok_or_else(|| {
        field_error(format!(
            "type {:?} is not one of string, integer, number, boolean, date, datetime",
            raw.field_type
        ))
    })?;
    if let Some(format) = &raw.format {
        let known = match field_type {
            FieldType::String => matches!(format.as_str(), "email" | "uri"),
            FieldType::Date | FieldType::Datetime => {
                chrono::format::StrftimeItems::new(format).parse().is_ok()
            }
            FieldType::Integer | FieldType::Number | FieldType::Boolean => false,
        };
        if !known {
            return Err(field_error(format!(
                "format {format:?} does not apply to a {} field (strings take email or uri, dates a pattern such as %d/%m/%Y)",
                field_type.name()
            )));
        }
    }
    let typed = |text: &str, what: &str| {
        value::parse_text(
            field_type,
            raw.format.as_deref(),
            text,
            &value::TextStyle::default(),
        )
        .map_err(|reason| {
            field_error(format!(
                "{what} {text:?} is not a valid {}: {reason}",
                field_type.name()
            ))
        })
    };
    let bound = |text: &Option<String>, what: &str| -> Result<Option<Value>, SchemaError> {
        let Some(text) = text else { return Ok(None) };
        if !matches!(
            field_type,
            FieldType::Integer | FieldType::Number | FieldType::Date | FieldType::Datetime
        ) {
            return Err(field_error(format!(
                "{what} applies to numbers and dates, not to a {} field",
                field_type.name()
            )));
        }
        typed(text, what).map(Some)
    };
    let minimum = bound(&raw.minimum, "minimum")?;
    let maximum = bound(&raw.maximum, "maximum")?;
    if let (Some(low), Some(high)) = (&minimum, &maximum)
        && low.compare(high) == Some(Ordering::Greater)
    {
        return Err(field_error(format!(
            "minimum {low} is above maximum {high}"
        )));
    }
    if let (Some(low), Some(high)) = (raw.min_length, raw.max_length)
        && low > high
    {
        return Err(field_error(format!(
            "minLength {low} is above maxLength {high}"
        )));
    }
    if (raw.min_length.is_some() || raw.max_length.is_some() || raw.pattern.is_some())
        && field_type != FieldType::String
    {
        return Err(field_error(format!(
            "minLength, maxLength and pattern apply to strings, not to a {} field",
            field_type.name()
        )));
    }
    let pattern = raw
        .pattern
        .as_ref()
        .map(|source| {
            Pattern::new(source).map_err(|error| {
                let text = error.to_string();
                let reason = text
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim_start_matches("error: ");
                field_error(format!("pattern {source:?} does not compile: {reason}"))
            })
        })
        .transpose()?;
    let allowed = raw
        .allowed
        .as_ref()
        .map(|values| {
            values
                .iter()
                .map(|value| typed(value, "enum value"))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    Ok(Field {
        field_type,
        required: raw.required || key_role != KeyRole::None,
        unique: raw.unique || key_role == KeyRole::Whole,
        minimum,
        maximum,
        min_length: raw.min_length,
        max_length: raw.max_length,
        pattern,
        allowed,
        format: raw.format.clone(),
        aliases: raw.aliases.clone(),
        true_values: raw.true_values.clone(),
        false_values: raw.false_values.clone(),
        reference: raw.reference.clone(),
        trim: raw.trim,
        column: None,
        name: raw.name,
    })
}

/// Reads a rule such as `due_date >= issue_date` or `quantity > 0`: a field, an operator
/// (`<`, `<=`, `>`, `>=`, `==` or `=`, `!=`), and a field or a constant of the left field's type.
fn parse_rule(
    text: &str,
    message: Option<String>,
    fields: &[Field],
    file: &str,
) -> Result<Rule, SchemaError> {
    let invalid = |reason: String| SchemaError::Invalid {
        file: file.to_string(),
        reason: format!("rule {text:?}: {reason}"),
    };
    const OPERATORS: [(&str, Operator); 7] = [
        (">=", Operator::GreaterOrEqual),
        ("<=", Operator::LessOrEqual),
        ("!=", Operator::NotEqual),
        ("==", Operator::Equal),
        (">", Operator::Greater),
        ("<", Operator::Less),
        ("=", Operator::Equal),
    ];
    let (position, symbol, operator) = OPERATORS
        .iter()
        .filter_map(|(symbol, operator)| text.find(symbol).map(|position| (position, *symbol, *operator)))
        .min_by_key(|(position, symbol, _)| (*position, std::cmp::Reverse(symbol.len())))
        .ok_or_else(|| invalid("no comparison: write FIELD OP FIELD or FIELD OP VALUE, with OP one of < <= > >= == !=".to_string()))?;
    let left_name = text[..position].trim();
    let right_text = text[position + symbol.len()..].trim();
    let left = fields
        .iter()
        .position(|field| field.name == left_name)
        .ok_or_else(|| invalid(format!("{left_name:?} is not a field")))?;
    let right = match fields.iter().position(|field| field.name == right_text) {
        Some(index) => Operand::Field(index),
        None => {
            let literal =
                right_text.trim_matches(|character| character == '"' || character == '\'');
            let field = &fields[left];
            let value = value::parse_text(
                field.field_type,
                field.format.as_deref(),
                literal,
                &value::TextStyle::default(),
            )
            .map_err(|reason| {
                invalid(format!(
                    "{right_text:?} is neither a field nor a {} value ({reason})",
                    field.field_type.name()
                ))
            })?;
            Operand::Constant(value)
        }
    };
    Ok(Rule {
        text: text.trim().to_string(),
        left,
        operator,
        right,
        message,
    })
}
