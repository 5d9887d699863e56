//! The target schema: tables, fields, types, constraints and the other names people give a
//! field. Read from an intake mapping file (TOML) or a Frictionless Table Schema (JSON), and
//! checked whole before any row is read.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use regex::Regex;

use crate::value::{FieldType, Value};

mod fields;
mod read;

use fields::*;
pub(crate) use read::parse_mapping;
use read::*;

/// A target table and what each of its fields accepts.
#[derive(Debug, Clone)]
pub struct Schema {
    /// What the user called it: `products`, or the file's stem.
    pub name: String,
    pub table: String,
    /// The upsert key, in order; empty when the schema names none.
    pub key: Vec<String>,
    pub fields: Vec<Field>,
    /// Checks between the fields of one row, such as `due_date >= issue_date`.
    pub rules: Vec<Rule>,
}

/// A field's values must exist in a column of another table (of the target database, or of a
/// file given with `--reference TABLE=FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub table: String,
    pub field: String,
}

/// A comparison between two fields of a row, or a field and a constant.
#[derive(Debug, Clone)]
pub struct Rule {
    /// As written: `due_date >= issue_date`.
    pub text: String,
    pub left: usize,
    pub operator: Operator,
    pub right: Operand,
    /// What to tell the user when the rule fails; a default names the rule and the values.
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
}

impl Operator {
    /// Whether `ordering` (left compared with right) satisfies the operator.
    pub fn holds(self, ordering: Ordering) -> bool {
        match self {
            Operator::Less => ordering == Ordering::Less,
            Operator::LessOrEqual => ordering != Ordering::Greater,
            Operator::Greater => ordering == Ordering::Greater,
            Operator::GreaterOrEqual => ordering != Ordering::Less,
            Operator::Equal => ordering == Ordering::Equal,
            Operator::NotEqual => ordering != Ordering::Equal,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Operand {
    Field(usize),
    Constant(Value),
}

impl Schema {
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.name == name)
    }
}

/// The limits a column's declared type sets: `character varying(40)` holds 40 characters,
/// `numeric(10,2)` ten digits of which two after the point, `smallint` and `integer` their
/// ranges. Read by [`ColumnLimits::of`] from the type as the database declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnLimits {
    pub column: String,
    pub declared: String,
    pub chars: Option<usize>,
    /// (precision, scale) of a NUMERIC/DECIMAL with a precision.
    pub digits: Option<(u32, u32)>,
    /// The range of a fixed-width integer column narrower than 64 bits.
    pub integers: Option<(i64, i64)>,
}

impl ColumnLimits {
    /// The limits of a column of type `declared` (PostgreSQL's `format_type` spelling, or any
    /// SQL spelling of the same types); `None` when it sets none.
    pub fn of(column: &str, declared: &str) -> Option<ColumnLimits> {
        let lower = declared.trim().to_ascii_lowercase();
        let (base, arguments) = match lower.split_once('(') {
            Some((base, rest)) => (base.trim(), rest.trim_end_matches(')').trim()),
            None => (lower.as_str(), ""),
        };
        let numbers: Vec<u32> = arguments
            .split(',')
            .filter_map(|part| part.trim().parse().ok())
            .collect();
        let mut limits = ColumnLimits {
            column: column.to_string(),
            declared: declared.trim().to_string(),
            chars: None,
            digits: None,
            integers: None,
        };
        match base {
            "character varying" | "varchar" | "character" | "char" | "bpchar" | "nvarchar"
            | "nchar" => limits.chars = numbers.first().map(|&length| length as usize),
            "numeric" | "decimal" => {
                limits.digits = match numbers[..] {
                    [precision] => Some((precision, 0)),
                    [precision, scale, ..] => Some((precision, scale)),
                    [] => None,
                }
            }
            "smallint" | "int2" => limits.integers = Some((i16::MIN.into(), i16::MAX.into())),
            "integer" | "int" | "int4" => {
                limits.integers = Some((i32::MIN.into(), i32::MAX.into()));
            }
            _ => {}
        }
        (limits.chars.is_some() || limits.digits.is_some() || limits.integers.is_some())
            .then_some(limits)
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub field_type: FieldType,
    pub required: bool,
    pub unique: bool,
    pub minimum: Option<Value>,
    pub maximum: Option<Value>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<Pattern>,
    pub allowed: Option<Vec<Value>>,
    /// `email` or `uri` on strings; a chrono/strftime pattern such as `%d/%m/%Y` on dates.
    pub format: Option<String>,
    /// Other names for the column: the mapping's aliases, a Table Schema's title and description.
    pub aliases: Vec<String>,
    /// For booleans: the words that mean true and false, replacing the usual ones when given.
    pub true_values: Option<Vec<String>>,
    pub false_values: Option<Vec<String>>,
    pub reference: Option<Reference>,
    /// Whether spaces around a cell are taken off before its checks and its write (the default);
    /// `trim = false` keeps them as part of the value.
    pub trim: bool,
    /// What the target column holds exactly, when the engine enforces it (PostgreSQL): a value
    /// it would round, cut or refuse is an error of its row before anything is written.
    pub column: Option<ColumnLimits>,
}

/// A field's regular expression, anchored to the whole value as Table Schema requires.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    pub regex: Regex,
    /// The same expression as a DFA built in full, when it is small (most patterns: codes,
    /// SKUs, postcodes): a value is matched by one table step a byte, with no cache to fill
    /// and none to share between threads. `None` for what a DFA cannot hold in its limits
    /// (large Unicode classes repeated, Unicode word boundaries): `regex` runs those.
    dfa: Option<Arc<regex_automata::dfa::dense::DFA<Vec<u32>>>>,
}

impl Pattern {
    /// `source` as the user wrote it, to match whole values.
    pub fn new(source: &str) -> Result<Pattern, regex::Error> {
        use regex_automata::dfa::{StartKind, dense};
        // The user's pattern alone first, so that an error speaks of what they wrote.
        Regex::new(source)?;
        let anchored = format!("^(?:{source})$");
        let regex = Regex::new(&anchored)?;
        let dfa = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .start_kind(StartKind::Anchored)
                    .dfa_size_limit(Some(1 << 20))
                    .determinize_size_limit(Some(4 << 20)),
            )
            .build(&anchored)
            .ok()
            .map(Arc::new);
        Ok(Pattern {
            source: source.to_string(),
            regex,
            dfa,
        })
    }

    /// Whether `text` matches as a whole. `copy` is a thread's own copy of `regex` (each copy
    /// has its own cache), used when there is no DFA.
    pub fn matches(&self, text: &str, copy: Option<&Regex>) -> bool {
        use regex_automata::dfa::Automaton;
        use regex_automata::{Anchored, Input};
        if let Some(dfa) = &self.dfa
            && let Ok(found) = dfa.try_search_fwd(&Input::new(text).anchored(Anchored::Yes))
        {
            return found.is_some();
        }
        copy.unwrap_or(&self.regex).is_match(text)
    }
}

/// A schema that cannot be used, with the file and what to change.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "unknown schema {0:?}: give the path of a mapping (.toml) or Table Schema (.json) file, or one of the names in mappings/: {1}"
    )]
    Unknown(String, String),
    #[error("{file}: cannot read the schema: {reason}")]
    Read { file: String, reason: String },
    #[error("{file}: the schema does not parse: {reason}")]
    Parse { file: String, reason: String },
    #[error("{file}: field {field:?}: {reason}")]
    Field {
        file: String,
        field: String,
        reason: String,
    },
    #[error("{file}: {reason}")]
    Invalid { file: String, reason: String },
}

/// The schemas shipped in `mappings/`, built in so that `--schema products` works anywhere.
const SHIPPED: &[(&str, &str)] = &[
    ("products", include_str!("../mappings/products.toml")),
    ("customers", include_str!("../mappings/customers.toml")),
    ("invoices", include_str!("../mappings/invoices.toml")),
];

/// Finds and reads a schema: a path to a `.toml` or `.json` file, or a name looked up as
/// `mappings/NAME.toml` (then `.json`, `.schema.json`) under the current directory, then among
/// the shipped schemas.
pub(crate) fn resolve(spec: &str) -> Result<Schema, SchemaError> {
    let as_path = Path::new(spec);
    if as_path.is_file() {
        return load(as_path);
    }
    for candidate in [
        format!("mappings/{spec}.toml"),
        format!("mappings/{spec}.json"),
        format!("mappings/{spec}.schema.json"),
    ] {
        let candidate = PathBuf::from(candidate);
        if candidate.is_file() {
            return load(&candidate);
        }
    }
    if let Some((name, text)) = SHIPPED.iter().find(|(name, _)| *name == spec) {
        return parse_mapping(text, name, &format!("mappings/{name}.toml (built in)"));
    }
    let names: Vec<&str> = SHIPPED.iter().map(|(name, _)| *name).collect();
    Err(SchemaError::Unknown(spec.to_string(), names.join(", ")))
}

/// Reads a schema file, choosing the format by its extension.
pub fn load(path: &Path) -> Result<Schema, SchemaError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| SchemaError::Read {
        file: file.clone(),
        reason: error.to_string(),
    })?;
    let file_name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    // `products.schema.json` and `products.json` both name the table `products`.
    let stem = file_name.split('.').next().unwrap_or_default().to_string();
    if file_name.ends_with(".json") {
        parse_table_schema(&text, &stem, &file)
    } else {
        parse_mapping(&text, &stem, &file)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod pattern_tests;
