//! How one header scores against one field: the names each reads as (`FieldNames`,
//! `HeaderNames`, the vocabulary's concepts in the table's context), and the score of a pair
//! (`score`): exact, alias, the name in context, a shared concept, or edit similarity bounded
//! first by letter counts (`Letters`).

use std::fmt;

use serde::Serialize;

use crate::schema::Schema;
use crate::value::FieldType;
use crate::vocabulary::{ConceptKind, ConceptMatch, Form, Reading, VOCABULARY};

/// Scores at or above this are taken by fuzzy matching; anything below stays unmapped.
pub(crate) const FUZZY_THRESHOLD: f64 = 0.8;

pub(crate) const EXACT_SCORE: f64 = 1.0;

pub(crate) const ALIAS_SCORE: f64 = 0.95;

/// The field's own name or alias once the words of the table's entity, qualifiers or units
/// are set aside ("Product Colour" for `colour` in products, "Price (USD)" for `price`).
const NAME_IN_CONTEXT_SCORE: f64 = 0.92;

/// A fuzzy match never outranks a known name.
const FUZZY_CEILING: f64 = 0.85;

/// Matching by values alone: a column of e-mail addresses for the one e-mail field left.
pub(crate) const VALUES_SCORE: f64 = 0.82;

pub(crate) const CANDIDATE_FLOOR: f64 = 0.5;

/// The most characters of a header that matching reads: no field's name or alias comes near
/// it, and comparing a header of a megabyte with every name took most of a minute.
const HEADER_CHARS: usize = 128;

/// Lower case, words split on punctuation, spaces, underscores and camelCase humps
/// (`Product_Name` is `product name`, `unitPrice (EUR)` is `unit price eur`).
pub(crate) fn normalise(header: &str) -> String {
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
pub(crate) struct FieldNames {
    /// `normalise`d: the name first, then the aliases.
    pub(crate) normalised: Vec<String>,
    /// The same, accents and case folded (computed once: a file may have thousands of columns).
    pub(crate) folded: Vec<String>,
    /// Read as words (accents folded, units set aside): the name first, then the aliases.
    pub(crate) words: Vec<String>,
    pub(crate) concepts: Vec<usize>,
    pub(crate) units: Vec<String>,
    /// Names to compare typos with: its own and its concepts'.
    pub(crate) similar: Vec<Letters>,
    /// Whether a header less its last "id" may name it: a field of a code (`sku`,
    /// `customer_id`) or of no known concept, not a text (`Category ID` is no category).
    pub(crate) takes_codes: bool,
}

/// The score of what a concept names too (`otherwise` in the vocabulary): below its own names.
const OTHERWISE_SCORE: f64 = 0.87;

/// What stage 1 reads in one header.
#[derive(Clone)]
pub(crate) struct HeaderNames {
    pub(crate) normalised: String,
    pub(crate) folded: String,
    pub(crate) reading: Reading,
    /// Its forms with the table's entity words, qualifiers or a last "number" set aside, their
    /// letters counted for edit similarity.
    pub(crate) forms: Vec<(Letters, Form)>,
    pub(crate) concepts: Vec<ConceptMatch>,
    /// The concepts its words reach as they stand.
    pub(crate) whole: Vec<usize>,
}

/// The entity of the schema's table and every field's names.
pub(crate) fn field_names(schema: &Schema) -> (Option<usize>, Vec<FieldNames>) {
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
                similar.extend(
                    vocabulary.concepts[concept]
                        .names_in(entity)
                        .iter()
                        .cloned(),
                );
            }
            similar.retain(|name| name.chars().count() >= 4);
            similar.sort();
            similar.dedup();
            let similar = similar.into_iter().map(Letters::of).collect();
            let normalised: Vec<String> = names.iter().map(|name| normalise(name)).collect();
            let takes_codes = concepts.is_empty()
                || concepts
                    .iter()
                    .any(|&concept| vocabulary.concepts[concept].kind == ConceptKind::Code);
            FieldNames {
                takes_codes,
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
pub(crate) fn header_names(header: &str, entity: Option<usize>) -> HeaderNames {
    let header = match header.char_indices().nth(HEADER_CHARS) {
        Some((end, _)) => &header[..end],
        None => header,
    };
    let vocabulary = &*VOCABULARY;
    let reading = vocabulary.read(header);
    let forms = vocabulary
        .forms(&reading, entity)
        .into_iter()
        .map(|(words, _, form)| (Letters::of(words.join(" ")), form))
        .collect();
    let normalised = normalise(header);
    let mut concepts = vocabulary.concepts(&reading, entity);
    // What a concept names too, less surely, when the header says the entity's word (an
    // "Invoice ID" is the invoice's number where no column names the number; a bare "ID" is not).
    let says_entity = vocabulary.says_entity(&reading, entity);
    for index in 0..concepts.len() {
        if let Some(otherwise) = vocabulary.concepts[concepts[index].concept].otherwise
            && says_entity
            && !concepts[index].weak
            && !concepts.iter().any(|found| found.concept == otherwise)
        {
            concepts.push(ConceptMatch {
                concept: otherwise,
                score: OTHERWISE_SCORE,
                weak: false,
            });
        }
    }
    let read = HeaderNames {
        folded: crate::vocabulary::fold(&normalised),
        normalised,
        concepts,
        whole: vocabulary
            .whole_concepts(&reading, entity)
            .into_iter()
            .map(|found| found.concept)
            .collect(),
        forms,
        reading,
    };
    // A path of a technical export ("ItemDescription.name1", "SalesPrice.price") names the
    // object before its last dot and the column after it: the last part is read alone when it
    // names something of its own, but a bare code of the object ("VariationBarcode.code",
    // "Variation.number") is read with the object.
    let Some(last) = last_of_path(header) else {
        return read;
    };
    // Its number is the object's ("name1": the first name of it).
    let last = match last.trim_end_matches(|character: char| character.is_ascii_digit()) {
        "" => last,
        name => name,
    };
    let alone = header_names(last, entity);
    let bare_code = alone.reading.words.iter().all(|word| {
        ["code", "number", "id"].contains(&word.as_str())
            || word.bytes().all(|byte| byte.is_ascii_digit())
    });
    if bare_code || alone.concepts.is_empty() {
        return read;
    }
    HeaderNames {
        normalised: read.normalised,
        folded: read.folded,
        ..alone
    }
}

/// The part after the last dot of a path of identifiers (`ItemDescription.name1`: `name1`),
/// the part before it two letters or more (a one-letter table alias is read elsewhere).
fn last_of_path(header: &str) -> Option<&str> {
    let header = header.trim();
    let (before, last) = header.rsplit_once('.')?;
    let identifier = |part: &str| {
        part.chars().next().is_some_and(char::is_alphabetic)
            && part
                .chars()
                .all(|character| character.is_alphanumeric() || character == '_')
    };
    (before.chars().count() >= 2 && before.split('.').all(identifier) && identifier(last))
        .then_some(last)
}

/// How one header scores against one field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PairScore {
    pub(crate) value: f64,
    pub(crate) method: Method,
    /// The concept both reach, when that is how.
    pub(crate) concept: Option<usize>,
    /// Reached by a name that counts only with the values' support (`CC` for a country).
    pub(crate) weak: bool,
}

/// The best score of one header against one field's names, and how it was reached: its own name
/// (exact), an alias, its name or alias once the table's entity words, qualifiers or units are
/// set aside, a concept both reach, or the similarity of a typo.
pub(crate) fn score(header: &HeaderNames, field: &FieldNames, field_type: FieldType) -> PairScore {
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
    // Not when the header as it stands names another thing ("PO Number" is a reference,
    // "Phone (Mobile)" a mobile number).
    let other_thing = !header.whole.is_empty()
        && !header
            .whole
            .iter()
            .any(|concept| field.concepts.contains(concept));
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
            if same || (!words.is_empty() && *words == joined && !other_thing) {
                return plain(ALIAS_SCORE, Method::Alias);
            }
            // The field's own name in the plural ("categories" for `category`) is as good as
            // an alias: better than a name of its concept ("family").
            if position == 0 && !other_thing && is_plural_of(&joined, words) {
                return plain(ALIAS_SCORE, Method::Alias);
            }
        }

        if !other_thing
            && header.forms.iter().any(|(form, kind)| {
                form_fits(field_type, *kind)
                    && (*kind != Form::Id || field.takes_codes)
                    && field.words.contains(&form.text)
            })
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
        .forms
        .iter()
        // The money and date forms only against fields of their type ("Stock value" is no
        // typo of "stock").
        .filter(|(form, kind)| {
            form.chars >= 4
                && match kind {
                    Form::Any | Form::Flag | Form::Code => true,
                    Form::Id => field.takes_codes,
                    _ => form_fits(field_type, *kind),
                }
        })
        .map(|(form, _)| form)
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

/// `plural` is `name` in the English plural: an -s, an -es, a -y become -ies.
fn is_plural_of(plural: &str, name: &str) -> bool {
    !name.is_empty()
        && (plural.strip_suffix('s') == Some(name)
            || plural.strip_suffix("es") == Some(name)
            || (plural
                .strip_suffix("ies")
                .is_some_and(|stem| name.strip_suffix('y') == Some(stem))))
}

/// Whether a form of a header may name a field of this type: a form with flag words set aside
/// only a boolean, with a last "code" a string, with money words a number, with date words a
/// date.
fn form_fits(field_type: FieldType, form: Form) -> bool {
    match form {
        Form::Any => true,
        Form::Flag => field_type == FieldType::Boolean,
        Form::Code | Form::Id => field_type == FieldType::String,
        Form::Money => field_type == FieldType::Number,
        Form::Date => matches!(field_type, FieldType::Date | FieldType::Datetime),
        // A string field may be a text: a part's code is reached through its concept only.
        Form::Measure => field_type != FieldType::String,
    }
}

/// Edit similarity of two names. Of as many words each, every pair of words must be the same,
/// a typo of each other (four letters or more, not both words of the vocabulary), or an
/// abbreviation (`lmt` for `limit`: the letters in order, the first the same), so that
/// `Customer PO` is not `customer id`.
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
    // A name with a whole word more or less is another name, not a typo ("product category
    // id" is no "product category").
    if header_words.len() != name_words.len() {
        let (fewer, more) = if header_words.len() < name_words.len() {
            (&header_words, &name_words)
        } else {
            (&name_words, &header_words)
        };
        if fewer.iter().all(|word| more.contains(word)) {
            return 0.0;
        }
    }
    if header_words.len() == name_words.len() {
        let vocabulary = &*VOCABULARY;
        let close = header_words.iter().zip(&name_words).all(|(left, right)| {
            left == right
                // Two words the vocabulary knows are two words ("count", "cout").
                || (!(vocabulary.is_known(left) && vocabulary.is_known(right))
                    && ((left.chars().count() >= 4
                        && right.chars().count() >= 4
                        && strsim::normalized_damerau_levenshtein(left, right) >= 0.75)
                        || abbreviates(left, right)
                        || abbreviates(right, left)))
        });
        if !close {
            return 0.0;
        }
    }
    strsim::normalized_damerau_levenshtein(&header.text, &name.text)
}

/// A name with its letters counted once, to bound its edit similarity with another cheaply:
/// stage 1 compares every header with every name of every field, and most pairs end at the bound.
#[derive(Clone)]
pub(crate) struct Letters {
    pub(crate) text: String,
    pub(crate) chars: usize,
    /// How often each letter occurs, in 64 buckets (a shared bucket only lowers the bound).
    pub(crate) counts: [u16; 64],
}

impl Letters {
    pub(crate) fn of(text: String) -> Letters {
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
    pub(crate) fn at_most(&self, other: &Letters) -> f64 {
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

/// How a column was matched to its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Method {
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
