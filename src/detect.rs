//! Stage 1: which column feeds which field. Headers are normalised, then matched to each field's
//! name (exact), its aliases (alias) and by edit similarity (fuzzy); each field takes at most
//! one column, best scores first. A weak match is never taken: the column stays unmapped and
//! its closest fields are given. Pure: no I/O.

use std::fmt;

use serde::Serialize;

use crate::profile::{ColumnProfile, KIND_SHARE, Kind};
use crate::schema::{Field, Schema};
use crate::value::FieldType;
use crate::vocabulary::{ConceptKind, ConceptMatch, Form, Reading, VOCABULARY};

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

impl Mapping {
    /// For each of the schema's `fields`, the index of the column that feeds it, if any.
    pub fn field_columns(&self, fields: usize) -> Vec<Option<usize>> {
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
/// The field's own name or alias once the words of the table's entity, qualifiers or units
/// are set aside ("Product Colour" for `colour` in products, "Price (USD)" for `price`).
const NAME_IN_CONTEXT_SCORE: f64 = 0.92;
/// A fuzzy match never outranks a known name.
const FUZZY_CEILING: f64 = 0.85;
/// Matching by values alone: a column of e-mail addresses for the one e-mail field left.
const VALUES_SCORE: f64 = 0.82;
const CANDIDATE_FLOOR: f64 = 0.5;

/// The most characters of a header that matching reads: no field's name or alias comes near
/// it, and comparing a header of a megabyte with every name took most of a minute.
const HEADER_CHARS: usize = 128;

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

/// What stage 1 knows of one field: its own names, the concepts they reach in the table's
/// context, and the unit its name carries.
struct FieldNames {
    /// `normalise`d: the name first, then the aliases.
    normalised: Vec<String>,
    /// The same, accents and case folded (computed once: a file may have thousands of columns).
    folded: Vec<String>,
    /// Read as words (accents folded, units set aside): the name first, then the aliases.
    words: Vec<String>,
    concepts: Vec<usize>,
    units: Vec<String>,
    /// Names to compare typos with: its own and its concepts'.
    similar: Vec<Letters>,
}

/// What stage 1 reads in one header.
struct HeaderNames {
    normalised: String,
    folded: String,
    reading: Reading,
    /// Its forms with the table's entity words, qualifiers or a last "number" set aside.
    forms: Vec<(String, Form)>,
    /// The forms, their letters counted, for edit similarity.
    letters: Vec<Letters>,
    concepts: Vec<ConceptMatch>,
    /// The concepts its words reach as they stand.
    whole: Vec<usize>,
}

/// The entity of the schema's table and every field's names.
fn field_names(schema: &Schema) -> (Option<usize>, Vec<FieldNames>) {
    let vocabulary = &*VOCABULARY;
    let entity = vocabulary.table_entity(&schema.table);
    let fields = schema
        .fields
        .iter()
        .map(|field| {
            let names: Vec<&String> = std::iter::once(&field.name).chain(&field.aliases).collect();
            let readings: Vec<Reading> = names.iter().map(|name| vocabulary.read(name)).collect();
            let mut concepts: Vec<usize> = Vec::new();
            for reading in &readings {
                for found in vocabulary.concepts(reading, entity) {
                    if !found.weak && !concepts.contains(&found.concept) {
                        concepts.push(found.concept);
                    }
                }
            }
            let words: Vec<String> = readings.iter().map(Reading::joined).collect();
            let mut similar = words.clone();
            for &concept in &concepts {
                similar.extend(vocabulary.concepts[concept].names.iter().cloned());
            }
            similar.retain(|name| name.chars().count() >= 4);
            similar.sort();
            similar.dedup();
            let similar = similar.into_iter().map(Letters::of).collect();
            let normalised: Vec<String> = names.iter().map(|name| normalise(name)).collect();
            FieldNames {
                folded: normalised
                    .iter()
                    .map(|name| crate::vocabulary::fold(name))
                    .collect(),
                normalised,
                units: readings[0].units.clone(),
                words,
                concepts,
                similar,
            }
        })
        .collect();
    (entity, fields)
}

/// What matching reads of a header: its first `HEADER_CHARS` characters.
fn header_names(header: &str, entity: Option<usize>) -> HeaderNames {
    let header = match header.char_indices().nth(HEADER_CHARS) {
        Some((end, _)) => &header[..end],
        None => header,
    };
    let vocabulary = &*VOCABULARY;
    let reading = vocabulary.read(header);
    let forms: Vec<(String, Form)> = vocabulary
        .forms(&reading, entity)
        .into_iter()
        .map(|(words, _, form)| (words.join(" "), form))
        .collect();
    let normalised = normalise(header);
    HeaderNames {
        folded: crate::vocabulary::fold(&normalised),
        normalised,
        concepts: vocabulary.concepts(&reading, entity),
        whole: vocabulary
            .whole_concepts(&reading, entity)
            .into_iter()
            .map(|found| found.concept)
            .collect(),
        letters: forms
            .iter()
            .map(|(form, _)| Letters::of(form.clone()))
            .collect(),
        forms,
        reading,
    }
}

/// How one header scores against one field.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PairScore {
    value: f64,
    method: Method,
    /// The concept both reach, when that is how.
    concept: Option<usize>,
    /// Reached by a name that counts only with the values' support (`CC` for a country).
    weak: bool,
}

/// The best score of one header against one field's names, and how it was reached: its own name
/// (exact), an alias, its name or alias once the table's entity words, qualifiers or units are
/// set aside, a concept both reach, or the similarity of a typo.
fn score(header: &HeaderNames, field: &FieldNames, field_type: FieldType) -> PairScore {
    let plain = |value: f64, method: Method| PairScore {
        value,
        method,
        concept: None,
        weak: false,
    };
    let joined = header.reading.joined();
    // Units that say another thing ("Weight (lb)" for `weight_kg`) rule a match out.
    let units_clash = !header.reading.units.is_empty()
        && !field.units.is_empty()
        && !header
            .reading
            .units
            .iter()
            .any(|unit| field.units.contains(unit));
    if !units_clash {
        for (position, ((normalised, folded), words)) in field
            .normalised
            .iter()
            .zip(&field.folded)
            .zip(&field.words)
            .enumerate()
        {
            // The same name, up to case, punctuation and accents, is the name itself; read the
            // same way (an abbreviation, a unit in brackets) it is an alias.
            let same = !normalised.is_empty()
                && (*normalised == header.normalised || *folded == header.folded);
            if same && position == 0 {
                return plain(EXACT_SCORE, Method::Exact);
            }
            if same || (!words.is_empty() && *words == joined) {
                return plain(ALIAS_SCORE, Method::Alias);
            }
        }
        let form_fits = |form: Form| match form {
            Form::Any => true,
            Form::Flag => field_type == FieldType::Boolean,
            Form::Code => field_type == FieldType::String,
        };
        // Not when the header as it stands names another thing ("PO Number" is a reference).
        let other_thing = !header.whole.is_empty()
            && !header
                .whole
                .iter()
                .any(|concept| field.concepts.contains(concept));
        if !other_thing
            && header
                .forms
                .iter()
                .any(|(form, kind)| form_fits(*kind) && field.words.contains(form))
        {
            return plain(NAME_IN_CONTEXT_SCORE, Method::Alias);
        }
        if let Some(found) = header
            .concepts
            .iter()
            .find(|found| field.concepts.contains(&found.concept))
        {
            return PairScore {
                value: found.score,
                method: Method::Alias,
                concept: Some(found.concept),
                weak: found.weak,
            };
        }
    }
    // Edit similarity catches typos; very short names are left out, where one letter is a
    // different word (qty, sku, vat).
    let similarity = header
        .letters
        .iter()
        .filter(|form| form.chars >= 4)
        .flat_map(|form| {
            field
                .similar
                .iter()
                .map(move |name| similarity_of(form, name))
        })
        .fold(0.0, f64::max);
    // A header that names another known thing ("Sale price", "Short description") or carries
    // another unit is that thing, however close its spelling: shown, never taken.
    let ceiling = if units_clash || !header.concepts.is_empty() {
        FUZZY_THRESHOLD - 0.01
    } else {
        FUZZY_CEILING
    };
    plain(similarity.min(ceiling), Method::Fuzzy)
}

/// Edit similarity of two names. Of as many words each, every pair of words must be the same,
/// a typo of each other (four letters or more), or an abbreviation (`lmt` for `limit`: the
/// letters in order, the first the same), so that `Customer PO` is not `customer id`.
fn similarity_of(header: &Letters, name: &Letters) -> f64 {
    // Below what is ever shown, a similarity is not worth computing (a file of thousands of
    // columns): the lengths and then the letter counts bound it from above.
    let (short, long) = (
        header.chars.min(name.chars) as f64,
        header.chars.max(name.chars) as f64,
    );
    if short < CANDIDATE_FLOOR * long || header.at_most(name) < CANDIDATE_FLOOR {
        return 0.0;
    }
    let header_words: Vec<&str> = header.text.split(' ').collect();
    let name_words: Vec<&str> = name.text.split(' ').collect();
    if header_words.len() == name_words.len() {
        let close = header_words.iter().zip(&name_words).all(|(left, right)| {
            left == right
                || (left.chars().count() >= 4
                    && right.chars().count() >= 4
                    && strsim::normalized_damerau_levenshtein(left, right) >= 0.75)
                || abbreviates(left, right)
                || abbreviates(right, left)
        });
        if !close {
            return 0.0;
        }
    }
    strsim::normalized_damerau_levenshtein(&header.text, &name.text)
}

/// A name with its letters counted once, to bound its edit similarity with another cheaply:
/// stage 1 compares every header with every name of every field, and most pairs end at the bound.
struct Letters {
    text: String,
    chars: usize,
    /// How often each letter occurs, in 64 buckets (a shared bucket only lowers the bound).
    counts: [u16; 64],
}

impl Letters {
    fn of(text: String) -> Letters {
        let mut counts = [0u16; 64];
        let mut chars = 0;
        for character in text.chars() {
            counts[character as usize % 64] = counts[character as usize % 64].saturating_add(1);
            chars += 1;
        }
        Letters {
            text,
            chars,
            counts,
        }
    }

    /// The most the edit similarity of the two can be: each letter one has more of than the
    /// other needs an edit, and so does each letter of length one has more.
    fn at_most(&self, other: &Letters) -> f64 {
        let (mut more, mut fewer) = (0u32, 0u32);
        for (left, right) in self.counts.iter().zip(&other.counts) {
            if left > right {
                more += u32::from(left - right);
            } else {
                fewer += u32::from(right - left);
            }
        }
        let longer = self.chars.max(other.chars).max(1);
        1.0 - f64::from(more.max(fewer)) / longer as f64
    }
}

/// `short` is made of letters of `long` in order, starting with its first (`lmt`, `limit`).
fn abbreviates(short: &str, long: &str) -> bool {
    let mut letters = long.chars();
    short.chars().count() >= 2
        && short.chars().next() == long.chars().next()
        && short
            .chars()
            .all(|wanted| letters.any(|letter| letter == wanted))
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

    let pairs: Vec<Vec<(f64, Method, bool)>> = headers
        .iter()
        .enumerate()
        .map(|(column_index, header)| {
            pair_scores(schema, &known, entity, header, profiles.get(column_index))
        })
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
    // Only columns that some field may take enter the assignment: the rest cannot be assigned,
    // and a file of thousands of columns would make the assignment take minutes.
    let open_columns: Vec<usize> = (0..headers.len())
        .filter(|&column| !column_fixed[column])
        .filter(|&column| open_fields.iter().any(|&field| weight(column, field) > 0))
        .collect();
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
    header: &str,
    profile: Option<&ColumnProfile>,
) -> Vec<(f64, Method, bool)> {
    let header = header_names(header, entity);
    let scores: Vec<PairScore> = schema
        .fields
        .iter()
        .zip(known)
        .map(|(field, names)| score(&header, names, field.field_type))
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
            let acceptable = pair.value >= FUZZY_THRESHOLD
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
pub fn closest_columns(
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
