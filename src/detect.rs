//! Stage 1: which column feeds which field. Headers are normalised, then matched to each field's
//! name (exact), its aliases (alias) and by edit similarity (fuzzy); each field takes at most
//! one column, best scores first. A weak match is never taken: the column stays unmapped and
//! its closest fields are given. Pure: no I/O.

use std::fmt;

use serde::Serialize;

use crate::profile::{ColumnProfile, KIND_SHARE, Kind};
use crate::schema::{Field, FieldType, Schema};

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
const LEXICON_SCORE: f64 = 0.9;
/// A fuzzy match never outranks a known name.
const FUZZY_CEILING: f64 = 0.85;
/// Matching by values alone: a column of e-mail addresses for the one e-mail field left.
const VALUES_SCORE: f64 = 0.82;
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
    // Lower-case letters just before: a camelCase hump splits only after a word of two or more
    // (weightKg, isActive), not inside an acronym such as UoM.
    let mut lower_run = 0;
    for character in header.trim().chars() {
        if character.is_alphanumeric() {
            let hump = character.is_uppercase() && lower_run >= 2;
            lower_run = if character.is_lowercase() {
                lower_run + 1
            } else {
                0
            };
            if hump {
                words.push(' ');
            }
            words.extend(character.to_lowercase());
        } else if character == '#' {
            // "Invoice #" is "invoice number".
            lower_run = 0;
            if !words.ends_with(' ') && !words.is_empty() {
                words.push(' ');
            }
            words.push_str("number");
        } else {
            lower_run = 0;
            if !words.ends_with(' ') && !words.is_empty() {
                words.push(' ');
            }
        }
    }
    words.trim_end().to_string()
}

/// The names one field is known by, normalised, each with the score a header equal to it gets.
struct KnownNames {
    names: Vec<(String, f64, Method)>,
}

/// The shipped lexicon of business vocabulary (src/lexicon.toml): groups of names for the same
/// kind of column, used for every schema.
#[derive(serde::Deserialize)]
struct Lexicon {
    group: Vec<LexiconGroup>,
}

#[derive(serde::Deserialize)]
struct LexiconGroup {
    names: Vec<String>,
}

static LEXICON: std::sync::LazyLock<Vec<Vec<String>>> = std::sync::LazyLock::new(|| {
    let lexicon: Lexicon =
        toml::from_str(include_str!("lexicon.toml")).unwrap_or(Lexicon { group: Vec::new() });
    lexicon
        .group
        .into_iter()
        .map(|group| group.names.iter().map(|name| normalise(name)).collect())
        .collect()
});

/// Each field's names: its own (exact), the schema's aliases, then the lexicon's names for the
/// same kind of column, less any name that another field of the schema claims as its own.
fn known_names(schema: &Schema) -> Vec<KnownNames> {
    let own: Vec<Vec<String>> = schema
        .fields
        .iter()
        .map(|field| {
            std::iter::once(&field.name)
                .chain(&field.aliases)
                .map(|name| normalise(name))
                .collect()
        })
        .collect();
    own.iter()
        .enumerate()
        .map(|(index, names)| {
            let mut known: Vec<(String, f64, Method)> = Vec::new();
            for (position, name) in names.iter().enumerate() {
                let (score, method) = if position == 0 {
                    (EXACT_SCORE, Method::Exact)
                } else {
                    (ALIAS_SCORE, Method::Alias)
                };
                if !name.is_empty() && !known.iter().any(|(known_name, _, _)| known_name == name) {
                    known.push((name.clone(), score, method));
                }
            }
            let claimed_elsewhere = |name: &String| {
                own.iter()
                    .enumerate()
                    .any(|(other, names)| other != index && names.contains(name))
            };
            for group in LEXICON
                .iter()
                .filter(|group| group.iter().any(|name| names.contains(name)))
            {
                for name in group {
                    if !known.iter().any(|(known_name, _, _)| known_name == name)
                        && !claimed_elsewhere(name)
                    {
                        known.push((name.clone(), LEXICON_SCORE, Method::Alias));
                    }
                }
            }
            KnownNames { names: known }
        })
        .collect()
}

/// The best score of one normalised header against one field's names, and how it was reached.
fn score(header: &str, known: &KnownNames) -> (f64, Method) {
    if let Some((_, score, method)) = known.names.iter().find(|(name, _, _)| name == header) {
        return (*score, *method);
    }
    // Edit similarity catches typos; very short names are left out, where one letter is a
    // different word (qty, sku, vat).
    let similarity = known
        .names
        .iter()
        .filter(|(name, _, _)| name.chars().count() >= 4 && header.chars().count() >= 4)
        .map(|(name, _, _)| strsim::normalized_damerau_levenshtein(header, name))
        .fold(0.0, f64::max);
    (similarity.min(FUZZY_CEILING), Method::Fuzzy)
}

/// Whether a column's values fit a field, from its profile: `Some(false)` when most values are
/// of another kind (a veto), `Some(true)` when nearly all are of the field's kind (a tie-break),
/// `None` when the values say nothing (no values, or a plain text field, which takes anything).
/// A few bad values do not veto: they are validation's business.
pub fn values_fit(field: &Field, profile: Option<&ColumnProfile>) -> Option<bool> {
    let profile = profile.filter(|profile| profile.kind != Kind::Empty)?;
    let shares = &profile.shares;
    let share = match field.field_type {
        FieldType::Integer => shares.integer,
        FieldType::Number => shares.number,
        FieldType::Boolean => shares.boolean,
        // A column of date-times may feed a date field (validation then says which values carry
        // a time of day), but only dates alone count as a perfect fit.
        FieldType::Date if shares.date < KIND_SHARE && shares.datetime >= VETO_SHARE => {
            return None;
        }
        FieldType::Date => shares.date,
        FieldType::Datetime => shares.datetime,
        FieldType::String => match field.format.as_deref() {
            Some("email") => shares.email,
            Some("uri") => shares.url,
            _ => return None,
        },
    };
    if share < VETO_SHARE {
        Some(false)
    } else if share >= KIND_SHARE {
        Some(true)
    } else {
        None
    }
}

/// Below this share of fitting values, a column cannot feed a field (unless named exactly).
const VETO_SHARE: f64 = 0.5;

/// Matches the file's headers to the schema's fields: `overrides` first, then the best total
/// score over all columns at once (the Hungarian algorithm), then values for what is left.
/// `profiles` (one per column, possibly none) let values veto a match and break ties.
pub fn detect(
    schema: &Schema,
    headers: &[String],
    profiles: &[ColumnProfile],
    overrides: &[Override],
) -> Result<Mapping, DetectError> {
    let known = known_names(schema);
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

    // Every pair's score; a pair whose values do not fit is out unless the header is the name.
    let normalised: Vec<String> = headers.iter().map(|header| normalise(header)).collect();
    let mut pairs: Vec<Vec<(f64, Method, bool)>> = Vec::with_capacity(headers.len());
    for (column_index, header) in normalised.iter().enumerate() {
        let profile = profiles.get(column_index);
        pairs.push(
            schema
                .fields
                .iter()
                .zip(&known)
                .map(|(field, names)| {
                    let (value, method) = score(header, names);
                    let fit = values_fit(field, profile);
                    let acceptable =
                        value >= FUZZY_THRESHOLD && (fit != Some(false) || method == Method::Exact);
                    (value, method, acceptable)
                })
                .collect(),
        );
    }
    let open_columns: Vec<usize> = (0..headers.len())
        .filter(|&column| !column_fixed[column])
        .collect();
    let open_fields: Vec<usize> = (0..schema.fields.len())
        .filter(|&field| !field_taken[field])
        .collect();
    let weight = |column: usize, field: usize| -> i64 {
        let (value, method, acceptable) = pairs[column][field];
        if !acceptable {
            return 0;
        }
        // Surer methods and fitting values win ties.
        let surety = match method {
            Method::Exact => 3,
            Method::Alias => 2,
            _ => 1,
        };
        let fits = i64::from(values_fit(&schema.fields[field], profiles.get(column)) == Some(true));
        (value * 10_000.0).round() as i64 * 10 + surety * 2 + fits
    };
    for (column, field) in best_assignment(&open_columns, &open_fields, weight) {
        let (value, method, _) = pairs[column][field];
        let entry = &mut columns[column];
        entry.field = Some(field);
        entry.score = round(value);
        entry.method = Some(method);
        column_fixed[column] = true;
        field_taken[field] = true;
    }

    match_by_values(
        schema,
        profiles,
        &mut columns,
        &mut field_taken,
        &column_fixed,
    );

    for column in columns.iter_mut().filter(|column| column.field.is_none()) {
        let mut candidates: Vec<(usize, f64)> = pairs[column.index]
            .iter()
            .enumerate()
            .map(|(field, (value, _, _))| (field, round(*value)))
            .filter(|(_, value)| *value >= CANDIDATE_FLOOR)
            .collect();
        candidates.sort_by(|left, right| right.1.total_cmp(&left.1).then(left.0.cmp(&right.0)));
        candidates.truncate(3);
        column.candidates = candidates;
    }
    let missing_fields = (0..schema.fields.len())
        .filter(|&field| !field_taken[field])
        .collect();
    Ok(Mapping {
        columns,
        missing_fields,
    })
}

/// The one-to-one assignment of columns to fields with the largest total weight; pairs of weight
/// zero are not assignments.
fn best_assignment(
    columns: &[usize],
    fields: &[usize],
    weight: impl Fn(usize, usize) -> i64,
) -> Vec<(usize, usize)> {
    if columns.is_empty() || fields.is_empty() {
        return Vec::new();
    }
    // kuhn_munkres wants no more rows than columns.
    let transpose = columns.len() > fields.len();
    let (rows, cols) = if transpose {
        (fields, columns)
    } else {
        (columns, fields)
    };
    let matrix = pathfinding::matrix::Matrix::from_fn(rows.len(), cols.len(), |(row, col)| {
        if transpose {
            weight(cols[col], rows[row])
        } else {
            weight(rows[row], cols[col])
        }
    });
    let (_, assigned) = pathfinding::kuhn_munkres::kuhn_munkres(&matrix);
    assigned
        .into_iter()
        .enumerate()
        .map(|(row, col)| {
            if transpose {
                (cols[col], rows[row])
            } else {
                (rows[row], cols[col])
            }
        })
        .filter(|&(column, field)| weight(column, field) > 0)
        .collect()
}

/// A field that must hold e-mail addresses or URLs, left without a column, takes the one
/// unmapped column whose values are nearly all of that kind (method `values`).
fn match_by_values(
    schema: &Schema,
    profiles: &[ColumnProfile],
    columns: &mut [ColumnMatch],
    field_taken: &mut [bool],
    column_fixed: &[bool],
) {
    for (field_index, field) in schema.fields.iter().enumerate() {
        if field_taken[field_index] || field.field_type != FieldType::String {
            continue;
        }
        let share = |profile: &ColumnProfile| match field.format.as_deref() {
            Some("email") => profile.shares.email,
            Some("uri") => profile.shares.url,
            _ => 0.0,
        };
        let fitting: Vec<&ColumnProfile> = profiles
            .iter()
            .filter(|profile| {
                !column_fixed[profile.index] && columns[profile.index].field.is_none()
            })
            .filter(|profile| profile.kind != Kind::Empty && share(profile) >= KIND_SHARE)
            .collect();
        if let [profile] = fitting.as_slice() {
            let column = &mut columns[profile.index];
            column.field = Some(field_index);
            column.score = VALUES_SCORE;
            column.method = Some(Method::Values);
            field_taken[field_index] = true;
        }
    }
}

/// The columns closest to one field, best first: what to suggest when a field has no column.
pub fn closest_columns(schema: &Schema, headers: &[String], field: usize) -> Vec<(String, f64)> {
    let known = known_names(schema);
    let mut scored: Vec<(String, f64)> = headers
        .iter()
        .map(|header| {
            (
                header.clone(),
                round(score(&normalise(header), &known[field]).0),
            )
        })
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
            ("UoM", "uom"),
            ("InvoiceAmountDue", "invoice amount due"),
            ("Invoice #", "invoice number"),
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
        let mapping = detect(&schema, &headers, &[], overrides).expect("detects");
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
            &[],
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
