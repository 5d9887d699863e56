//! Stage 1: which column feeds which field. Headers are normalised, then matched to each field's
//! name (exact), its aliases (alias) and by edit similarity (fuzzy); each field takes at most
//! one column, best scores first. A weak match is never taken: the column stays unmapped and
//! its closest fields are given. Pure: no I/O.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `detect`: stage 1 (`detect.rs`: the assignment and its rules; `detect/score.rs`: the
//! score of one header against one field; `detect/beside.rs`: headers read beside their
//! neighbours, the fuller of two descriptions and the halves of a person's name). Each field's names (`FieldNames`: its name and aliases as words, the
//! concepts they reach in the table's context, its unit) and each header's (`HeaderNames`) are
//! scored (`score`; a header on its first 128 characters, cut in `header_names` for every
//! caller): exact (1.00), alias, the same reading or the field's own name in the plural (0.95),
//! the name once context words are set aside (0.92), a shared concept (0.90/0.88, weak names 0.86
//! with the values' support), otherwise Damerau-Levenshtein similarity of the words (fuzzy, at
//! most 0.85, taken from 0.80, never for a header that names another concept or carries another
//! unit, never between two words of the vocabulary, `Vocabulary::is_known`). The folded names
//! and each name's letter counts (`Letters`) are computed once; a pair whose lengths or letter
//! counts bound its similarity under what is ever shown (0.50) is not compared letter by letter,
//! which keeps a file of 16,384 columns at a fraction of a second. `pair_scores` then
//! decides what may be taken: values that do not fit the field's type or the concept's kind veto
//! (unless the header is the field's own name; a flag never takes amounts even so), a question or
//! a column of yes/no words never feeds a number, a header that is another field's name or alias
//! is that field's, and a header whose words name what its values rule out is read with words set
//! aside. Each header is read once (`header_names`) for all of this. `names_of_a_person` reads the
//! halves of a name across columns (`Vorname` + `Name`; a `Nom` alone stays open);
//! `the_fuller_of_two` leaves the plain one of `descr` and `fulldescr` to the fuller. Columns are
//! assigned to fields by the best total (Hungarian algorithm, `pathfinding::kuhn_munkres`, over the
//! columns some field may take, the earlier column winning an exact tie); an assigned pair that
//! another differently named, unassigned column fits exactly as well is undone (no guess), while
//! columns that read the same but for a number are no tie. `--map` and saved mappings come first; a
//! field of e-mail addresses or URLs left over takes the one unmapped column whose values are such
//! (method `values`). `Mapping`, `ColumnMatch`, `Method`.
//! Pure. `normalise` stays for comparing headers as saved mappings and `--map` do.

use crate::profile::{ColumnProfile, KIND_SHARE, Kind};
use crate::schema::{Field, Schema};
use crate::value::FieldType;
use crate::vocabulary::{ConceptKind, ConceptMatch, VOCABULARY};
use score::{
    ALIAS_SCORE, CANDIDATE_FLOOR, EXACT_SCORE, FieldNames, HeaderNames, PairScore, VALUES_SCORE,
    field_names, header_names, score,
};

mod beside;
mod score;

use beside::{names_of_a_person, the_fuller_of_two};

pub(crate) use score::{FUZZY_THRESHOLD, Method, normalise};

/// One column of the file and what it was matched to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnMatch {
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
pub(crate) struct Mapping {
    pub columns: Vec<ColumnMatch>,
    /// Schema fields (indices) that no column feeds.
    pub missing_fields: Vec<usize>,
}

impl Mapping {
    /// For each of the schema's `fields`, the index of the column that feeds it, if any.
    pub(crate) fn field_columns(&self, fields: usize) -> Vec<Option<usize>> {
        let mut columns = vec![None; fields];
        for column in &self.columns {
            if let Some(field) = column.field {
                columns[field] = Some(column.index);
            }
        }
        columns
    }
}

/// A user's `--map 'COLUMN=field'`; `field: None` keeps the column unmapped.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub column: String,
    pub field: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub(crate) enum DetectError {
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

/// Whether a column's values fit what a concept holds: `Some(true)` when nearly all do,
/// `Some(false)` when most do not, `None` when values say nothing of it.
fn values_fit_kind(kind: ConceptKind, profile: Option<&ColumnProfile>) -> Option<bool> {
    let profile = profile.filter(|profile| profile.kind != Kind::Empty)?;
    let shares = &profile.shares;
    let share = match kind {
        ConceptKind::Country => shares.country,
        ConceptKind::Currency => shares.currency,
        ConceptKind::Email => shares.email,
        ConceptKind::Url => shares.url,
        ConceptKind::Phone => shares.phone,
        ConceptKind::Boolean => shares.boolean,
        ConceptKind::Date => shares.date.max(shares.datetime),
        ConceptKind::Datetime => shares.datetime,
        ConceptKind::Money | ConceptKind::Number => shares.number,
        ConceptKind::Integer => shares.integer,
        ConceptKind::Text | ConceptKind::Code => return None,
    };
    if share >= KIND_SHARE {
        Some(true)
    } else if share < VETO_SHARE {
        Some(false)
    } else {
        None
    }
}

/// Whether a column's values fit a field, from its profile: `Some(false)` when most values are
/// of another kind (a veto), `Some(true)` when nearly all are of the field's kind (a tie-break),
/// `None` when the values say nothing (no values, or a plain text field, which takes anything).
/// A few bad values do not veto: they are validation's business.
pub(crate) fn values_fit(field: &Field, profile: Option<&ColumnProfile>) -> Option<bool> {
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

/// Whether a column's values are codes: every example one word of letters and digits both
/// (`MG-2041`, `C0042`), not a name, a plain number or an empty column.
fn looks_like_codes(profile: &ColumnProfile) -> bool {
    !profile.examples.is_empty()
        && profile.examples.iter().all(|example| {
            let example = example.trim();
            example.chars().count() <= 40
                && !example.chars().any(char::is_whitespace)
                && example.chars().any(|c| c.is_ascii_digit())
                && example.chars().any(char::is_alphabetic)
        })
}

/// The score of the concept a header names instead of the one its column's values rule out,
/// or the entity's code named by the entity's word alone: below a name found as it stands.
pub(super) const INSTEAD_SCORE: f64 = 0.87;

/// Room in an assignment weight for the column's position, which breaks ties of columns that
/// read the same but for a number.
const TIE_BREAK: i64 = 1 << 14;

/// Below this share of fitting values, a column cannot feed a field (unless named exactly).
const VETO_SHARE: f64 = 0.5;

/// Matches the file's headers to the schema's fields: `overrides` first, then the best total
/// score over all columns at once (the Hungarian algorithm), then values for what is left.
/// `profiles` (one per column, possibly none) let values veto a match and break ties.
pub(crate) fn detect(
    schema: &Schema,
    headers: &[String],
    profiles: &[ColumnProfile],
    overrides: &[Override],
) -> Result<Mapping, DetectError> {
    let (entity, known) = field_names(schema);
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

    // Each header read once (its first characters only: see `header_names`).
    let read: Vec<HeaderNames> = headers
        .iter()
        .map(|header| header_names(header, entity))
        .collect();
    let mut pairs: Vec<Vec<(f64, Method, bool)>> = read
        .iter()
        .enumerate()
        .map(|(column_index, header)| {
            pair_scores(schema, &known, entity, header, profiles.get(column_index))
        })
        .collect();
    names_of_a_person(&known, &read, &mut pairs);
    the_fuller_of_two(&known, &read, &mut pairs);
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
        ((value * 10_000.0).round() as i64 * 10 + surety * 2 + fits) * TIE_BREAK
    };
    // Between columns that read the same but for a number ("Phone 1", "Phone 2"), the first.
    let ordered = |column: usize, field: usize| -> i64 {
        match weight(column, field) {
            0 => 0,
            weight => weight + TIE_BREAK - 1 - (column as i64).min(TIE_BREAK - 1),
        }
    };
    let unnumbered: Vec<Vec<&String>> = read
        .iter()
        .map(|header| {
            header
                .reading
                .words
                .iter()
                .filter(|word| !word.bytes().all(|byte| byte.is_ascii_digit()))
                .collect()
        })
        .collect();
    // Only columns that some field may take enter the assignment: the rest cannot be assigned,
    // and a file of thousands of columns would make the assignment take minutes.
    let open_columns: Vec<usize> = (0..headers.len())
        .filter(|&column| !column_fixed[column])
        .filter(|&column| open_fields.iter().any(|&field| weight(column, field) > 0))
        .collect();
    let assigned = best_assignment(&open_columns, &open_fields, ordered);
    // Two columns that fit a field exactly as well ("Grand Total" and "Total" both an amount), one
    // of them left over: choosing would be a guess, so neither is taken and both show it.
    // Columns that read the same but for a number are no tie: the first is taken.
    let tied = |column: usize, field: usize| {
        open_columns.iter().any(|&other| {
            other != column
                && weight(other, field) == weight(column, field)
                && unnumbered[other] != unnumbered[column]
                && !assigned.iter().any(|&(taken, _)| taken == other)
        })
    };
    let assigned: Vec<(usize, usize)> = assigned
        .iter()
        .copied()
        .filter(|&(column, field)| !tied(column, field))
        .collect();
    for (column, field) in assigned {
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
            // A candidate whose values do not fit (a text column for a date) is no hint.
            .filter(|&(field, _)| {
                values_fit(&schema.fields[field], profiles.get(column.index)) != Some(false)
            })
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

/// One header's score against every field, and whether each may be taken: not when the values
/// do not fit the field or the concept (unless the header is the field's own name), not a
/// yes/no question for another type of field, not a weak name without the values' support, and
/// not by a concept when the header is another field's own name or alias.
fn pair_scores(
    schema: &Schema,
    known: &[FieldNames],
    entity: Option<usize>,
    header: &HeaderNames,
    profile: Option<&ColumnProfile>,
) -> Vec<(f64, Method, bool)> {
    // What the header's words name as they stand, when the values rule all of it out, is not
    // what the column holds: `In stock` over counts is a quantity, not a flag.
    let set_aside;
    let header = if !header.whole.is_empty()
        && header.whole.iter().all(|&concept| {
            values_fit_kind(VOCABULARY.concepts[concept].kind, profile) == Some(false)
        }) {
        let mut concepts = VOCABULARY.concepts_set_aside(&header.reading, entity);
        // A concept may say what it names instead (`Availability` over counts: the quantity).
        for &concept in &header.whole {
            if let Some(instead) = VOCABULARY.concepts[concept].instead
                && !concepts.iter().any(|found| found.concept == instead)
            {
                concepts.push(ConceptMatch {
                    concept: instead,
                    score: INSTEAD_SCORE,
                    weak: false,
                });
            }
        }
        set_aside = HeaderNames {
            whole: Vec::new(),
            concepts,
            ..header.clone()
        };
        &set_aside
    } else if header.concepts.is_empty()
        && let Some(code) = VOCABULARY.entity_code(&header.reading, entity)
        && profile.is_some_and(looks_like_codes)
    {
        // The entity's word alone over codes ("Articolo" of `MG-2041`) is its code, named
        // less surely than by a name.
        set_aside = HeaderNames {
            concepts: vec![ConceptMatch {
                concept: code,
                score: INSTEAD_SCORE,
                weak: false,
            }],
            ..header.clone()
        };
        &set_aside
    } else {
        header
    };
    let scores: Vec<PairScore> = schema
        .fields
        .iter()
        .zip(known)
        .map(|(field, names)| score(header, names, field.field_type))
        .collect();
    let named = scores
        .iter()
        .any(|pair| pair.method == Method::Exact || pair.value >= ALIAS_SCORE);
    // A column of yes/no values (or a header asking a question) is a flag, never a number.
    // Yes/no words, not only 0 and 1, which a count may hold as well.
    let flag_column = header.reading.question
        || profile.is_some_and(|profile| {
            profile.kind == Kind::Boolean && profile.shares.integer < KIND_SHARE
        });
    schema
        .fields
        .iter()
        .zip(scores)
        .map(|(field, pair)| {
            let exact = pair.method == Method::Exact;
            let concept_kind = pair
                .concept
                .map(|concept| VOCABULARY.concepts[concept].kind);
            // Even a flag named exactly never takes a column of amounts ("Paid" of 780.00 is
            // what was paid): no value of it could be read as yes or no.
            let amounts_for_a_flag = field.field_type == FieldType::Boolean
                && profile.is_some_and(|profile| {
                    profile.kind != Kind::Empty
                        && profile.shares.boolean == 0.0
                        && profile.shares.number >= KIND_SHARE
                });
            let acceptable = pair.value >= FUZZY_THRESHOLD
                && !amounts_for_a_flag
                && (exact
                    || (values_fit(field, profile) != Some(false)
                        && concept_kind
                            .is_none_or(|kind| values_fit_kind(kind, profile) != Some(false))
                        && !(pair.weak
                            && concept_kind
                                .is_none_or(|kind| values_fit_kind(kind, profile) != Some(true)))
                        && !(header.reading.question && field.field_type != FieldType::Boolean)
                        && !(flag_column
                            && matches!(
                                field.field_type,
                                FieldType::Integer | FieldType::Number
                            ))
                        && !(named && pair.value < ALIAS_SCORE)));
            (pair.value, pair.method, acceptable)
        })
        .collect()
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
/// Columns whose values do not fit the field (a text column for a date) are left out.
pub(crate) fn closest_columns(
    schema: &Schema,
    headers: &[String],
    profiles: &[ColumnProfile],
    field: usize,
) -> Vec<(String, f64)> {
    let (entity, known) = field_names(schema);
    let field_type = schema.fields[field].field_type;
    let mut scored: Vec<(String, f64)> = headers
        .iter()
        .enumerate()
        .filter(|(index, _)| values_fit(&schema.fields[field], profiles.get(*index)) != Some(false))
        .map(|(_, header)| {
            let names = header_names(header, entity);
            (
                header.clone(),
                round(score(&names, &known[field], field_type).value),
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
mod tests;
