//! Stage 1: which column feeds which field. Headers are normalised, then matched to each field's
//! name (exact), its aliases (alias) and by edit similarity (fuzzy); each field takes at most
//! one column, best scores first. A weak match is never taken: the column stays unmapped and
//! its closest fields are given. Pure: no I/O.

use std::fmt;

use serde::Serialize;

use crate::schema::Schema;

/// How a column was matched to its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Manual,
    Exact,
    Alias,
    Fuzzy,
    Values,
    Llm,
}

impl fmt::Display for Method {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Method::Manual => "manual",
            Method::Exact => "exact",
            Method::Alias => "alias",
            Method::Fuzzy => "fuzzy",
            Method::Values => "values",
            Method::Llm => "llm",
        })
    }
}

/// One column of the file and what it was matched to.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMatch {
    /// 0-based position of the column in the file.
    pub index: usize,
    pub column: String,
    /// Index into the schema's fields.
    pub field: Option<usize>,
    pub score: f64,
    pub method: Option<Method>,
    /// For an unmapped column: the closest fields and their scores, best first.
    pub candidates: Vec<(usize, f64)>,
}

/// The whole stage-1 result.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub columns: Vec<ColumnMatch>,
    /// Schema fields (indices) that no column feeds.
    pub missing_fields: Vec<usize>,
}

/// A user's `--map 'COLUMN=field'`; `field: None` keeps the column unmapped.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub column: String,
    pub field: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DetectError {
    #[error("--map {column:?}: the file has no such column; its columns are: {available}")]
    UnknownColumn { column: String, available: String },
    #[error(
        "--map {column:?}={field:?}: the schema has no such field; its fields are: {available}"
    )]
    UnknownField {
        column: String,
        field: String,
        available: String,
    },
    #[error(
        "--map: field {field:?} is given to both {first:?} and {second:?}: a field takes one column"
    )]
    FieldTwice {
        field: String,
        first: String,
        second: String,
    },
}

/// Scores at or above this are taken by fuzzy matching; anything below stays unmapped.
pub const FUZZY_THRESHOLD: f64 = 0.8;
const EXACT_SCORE: f64 = 1.0;
const ALIAS_SCORE: f64 = 0.95;
/// A fuzzy match never outranks a known alias.
const FUZZY_CEILING: f64 = 0.9;
const CANDIDATE_FLOOR: f64 = 0.3;

/// Lower case, words split on punctuation, spaces, underscores and camelCase humps.
///
/// ```
/// use intake::detect::normalise;
/// assert_eq!(normalise("Product_Name"), "product name");
/// assert_eq!(normalise("unitPrice (EUR)"), "unit price eur");
/// ```
pub fn normalise(header: &str) -> String {
    let mut words = String::with_capacity(header.len());
    let mut previous: Option<char> = None;
    for character in header.trim().chars() {
        if character.is_alphanumeric() {
            let hump = character.is_uppercase() && previous.is_some_and(char::is_lowercase);
            if hump {
                words.push(' ');
            }
            words.extend(character.to_lowercase());
        } else if !words.ends_with(' ') && !words.is_empty() {
            words.push(' ');
        }
        previous = Some(character);
    }
    words.trim_end().to_string()
}

/// The best score of one header against one field, and how it was reached.
fn score(header: &str, names: &[String]) -> (f64, Method) {
    if names.first().is_some_and(|name| name == header) {
        return (EXACT_SCORE, Method::Exact);
    }
    if names.iter().skip(1).any(|alias| alias == header) {
        return (ALIAS_SCORE, Method::Alias);
    }
    let similarity = names
        .iter()
        .map(|name| strsim::normalized_damerau_levenshtein(header, name))
        .fold(0.0, f64::max);
    (similarity.min(FUZZY_CEILING), Method::Fuzzy)
}

/// Matches the file's headers to the schema's fields, `overrides` first.
pub fn detect(
    schema: &Schema,
    headers: &[String],
    overrides: &[Override],
) -> Result<Mapping, DetectError> {
    let field_names: Vec<Vec<String>> = schema
        .fields
        .iter()
        .map(|field| {
            std::iter::once(&field.name)
                .chain(&field.aliases)
                .map(|name| normalise(name))
                .collect()
        })
        .collect();
    let mut columns: Vec<ColumnMatch> = headers
        .iter()
        .enumerate()
        .map(|(index, column)| ColumnMatch {
            index,
            column: column.clone(),
            field: None,
            score: 0.0,
            method: None,
            candidates: Vec::new(),
        })
        .collect();
    let mut field_taken = vec![false; schema.fields.len()];
    let mut column_fixed = vec![false; headers.len()];
    apply_overrides(
        schema,
        headers,
        overrides,
        &mut columns,
        &mut field_taken,
        &mut column_fixed,
    )?;

    let normalised: Vec<String> = headers.iter().map(|header| normalise(header)).collect();
    let mut pairs = Vec::new();
    for (column_index, header) in normalised.iter().enumerate() {
        for (field_index, names) in field_names.iter().enumerate() {
            let (value, method) = score(header, names);
            pairs.push((column_index, field_index, value, method));
        }
    }
    // Best first; on equal scores the surer method, then the leftmost column.
    pairs.sort_by(|left, right| {
        right
            .2
            .total_cmp(&left.2)
            .then(left.3.cmp(&right.3))
            .then(left.0.cmp(&right.0))
    });
    for &(column_index, field_index, value, method) in &pairs {
        let accepted = value >= FUZZY_THRESHOLD || method != Method::Fuzzy;
        if !accepted || column_fixed[column_index] || field_taken[field_index] {
            continue;
        }
        let column = &mut columns[column_index];
        column.field = Some(field_index);
        column.score = round(value);
        column.method = Some(method);
        column_fixed[column_index] = true;
        field_taken[field_index] = true;
    }
    for column in columns.iter_mut().filter(|column| column.field.is_none()) {
        column.candidates = pairs
            .iter()
            .filter(|pair| pair.0 == column.index && pair.2 >= CANDIDATE_FLOOR)
            .take(3)
            .map(|pair| (pair.1, round(pair.2)))
            .collect();
    }
    let missing_fields = (0..schema.fields.len())
        .filter(|&field| !field_taken[field])
        .collect();
    Ok(Mapping {
        columns,
        missing_fields,
    })
}

/// The columns closest to one field, best first: what to suggest when a field has no column.
pub fn closest_columns(schema: &Schema, headers: &[String], field: usize) -> Vec<(String, f64)> {
    let field = &schema.fields[field];
    let names: Vec<String> = std::iter::once(&field.name)
        .chain(&field.aliases)
        .map(|name| normalise(name))
        .collect();
    let mut scored: Vec<(String, f64)> = headers
        .iter()
        .map(|header| (header.clone(), round(score(&normalise(header), &names).0)))
        .filter(|(_, value)| *value >= CANDIDATE_FLOOR)
        .collect();
    scored.sort_by(|left, right| right.1.total_cmp(&left.1));
    scored.truncate(3);
    scored
}

fn apply_overrides(
    schema: &Schema,
    headers: &[String],
    overrides: &[Override],
    columns: &mut [ColumnMatch],
    field_taken: &mut [bool],
    column_fixed: &mut [bool],
) -> Result<(), DetectError> {
    for wanted in overrides {
        let column_index = headers
            .iter()
            .position(|header| header == &wanted.column)
            .or_else(|| {
                let target = normalise(&wanted.column);
                headers
                    .iter()
                    .position(|header| normalise(header) == target)
            })
            .ok_or_else(|| DetectError::UnknownColumn {
                column: wanted.column.clone(),
                available: quoted_list(headers.iter().map(String::as_str)),
            })?;
        column_fixed[column_index] = true;
        let Some(field_name) = &wanted.field else {
            continue;
        };
        let field_index =
            schema
                .field_index(field_name)
                .ok_or_else(|| DetectError::UnknownField {
                    column: wanted.column.clone(),
                    field: field_name.clone(),
                    available: quoted_list(schema.fields.iter().map(|field| field.name.as_str())),
                })?;
        if field_taken[field_index] {
            let first = columns
                .iter()
                .find(|column| column.field == Some(field_index))
                .map(|column| column.column.clone())
                .unwrap_or_default();
            return Err(DetectError::FieldTwice {
                field: field_name.clone(),
                first,
                second: wanted.column.clone(),
            });
        }
        field_taken[field_index] = true;
        let column = &mut columns[column_index];
        column.field = Some(field_index);
        column.score = EXACT_SCORE;
        column.method = Some(Method::Manual);
    }
    Ok(())
}

fn quoted_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|name| format!("{name:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Two decimals are enough to read a score, and keep JSON output stable.
fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_headers() {
        for (header, expected) in [
            ("Product Name", "product name"),
            ("  SKU ", "sku"),
            ("weightKg", "weight kg"),
            ("unit_price", "unit price"),
            ("Price (USD)", "price usd"),
            ("E-mail", "e mail"),
            ("ÉTAT", "état"),
            ("", ""),
        ] {
            assert_eq!(normalise(header), expected, "{header:?}");
        }
    }

    fn schema() -> Schema {
        let text = r#"
            key = "sku"
            [[fields]]
            name = "sku"
            aliases = ["item code"]
            [[fields]]
            name = "price"
            type = "number"
            [[fields]]
            name = "quantity"
            type = "integer"
            aliases = ["qty"]
            [[fields]]
            name = "email"
        "#;
        crate::schema::parse_mapping(text, "t", "t.toml").expect("schema parses")
    }

    fn check(
        headers: &[&str],
        overrides: &[Override],
        expected: &[(&str, Option<&str>, Option<Method>)],
    ) {
        let schema = schema();
        let headers: Vec<String> = headers.iter().map(|header| header.to_string()).collect();
        let mapping = detect(&schema, &headers, overrides).expect("detects");
        let shown: Vec<(&str, Option<&str>, Option<Method>)> = mapping
            .columns
            .iter()
            .map(|column| {
                (
                    column.column.as_str(),
                    column.field.map(|field| schema.fields[field].name.as_str()),
                    column.method,
                )
            })
            .collect();
        assert_eq!(shown, expected);
    }

    #[test]
    fn matches_by_name_alias_and_typo() {
        check(
            &["Item Code", "Prcie", "QTY", "Email consent", "Notes"],
            &[],
            &[
                ("Item Code", Some("sku"), Some(Method::Alias)),
                ("Prcie", Some("price"), Some(Method::Fuzzy)),
                ("QTY", Some("quantity"), Some(Method::Alias)),
                ("Email consent", None, None),
                ("Notes", None, None),
            ],
        );
    }

    #[test]
    fn the_better_column_wins_a_field() {
        // Both are close to `price`; the exact one takes it even though it stands second.
        check(
            &["prices", "price"],
            &[],
            &[
                ("prices", None, None),
                ("price", Some("price"), Some(Method::Exact)),
            ],
        );
    }

    #[test]
    fn overrides_come_first() {
        check(
            &["Notes", "sku"],
            &[
                Override {
                    column: "notes".into(),
                    field: Some("email".into()),
                },
                Override {
                    column: "SKU".into(),
                    field: None,
                },
            ],
            &[
                ("Notes", Some("email"), Some(Method::Manual)),
                ("sku", None, None),
            ],
        );
        let headers = vec!["a".to_string()];
        let error = detect(
            &schema(),
            &headers,
            &[Override {
                column: "b".into(),
                field: None,
            }],
        )
        .expect_err("unknown");
        assert_eq!(
            error.to_string(),
            "--map \"b\": the file has no such column; its columns are: \"a\""
        );
    }
}
