//! The target schema: tables, fields, types, constraints and the other names people give a
//! field. Read from an intake mapping file (TOML) or a Frictionless Table Schema (JSON), and
//! checked whole before any row is read.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use regex::Regex;
use serde::Deserialize;

use crate::value::{self, FieldType, Value};

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
pub fn resolve(spec: &str) -> Result<Schema, SchemaError> {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    table: Option<String>,
    key: Option<OneOrMany>,
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    fields: Vec<MappingField>,
    #[serde(default)]
    rules: Vec<MappingRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingRule {
    check: String,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingReference {
    table: String,
    field: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct MappingField {
    name: String,
    #[serde(rename = "type", default = "default_type")]
    field_type: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    unique: bool,
    minimum: Option<toml::Value>,
    maximum: Option<toml::Value>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    allowed: Option<Vec<toml::Value>>,
    format: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    title: Option<String>,
    description: Option<String>,
    true_values: Option<Vec<String>>,
    false_values: Option<Vec<String>>,
    reference: Option<MappingReference>,
    trim: Option<bool>,
}

fn default_type() -> String {
    "string".to_string()
}

/// Text of a TOML scalar as a user would write it in a cell (`2024-01-31`, `0`, `9.99`).
fn toml_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

pub(crate) fn parse_mapping(text: &str, stem: &str, file: &str) -> Result<Schema, SchemaError> {
    let mapping: MappingFile = toml::from_str(text).map_err(|error| SchemaError::Parse {
        file: file.to_string(),
        reason: error.to_string().trim().replace('\n', " "),
    })?;
    let fields = mapping
        .fields
        .into_iter()
        .map(|field| RawField {
            name: field.name,
            field_type: field.field_type,
            required: field.required,
            unique: field.unique,
            minimum: field.minimum.as_ref().map(toml_text),
            maximum: field.maximum.as_ref().map(toml_text),
            min_length: field.min_length,
            max_length: field.max_length,
            pattern: field.pattern,
            allowed: field
                .allowed
                .map(|values| values.iter().map(toml_text).collect()),
            format: field.format,
            aliases: field
                .aliases
                .into_iter()
                .chain(field.title)
                .chain(field.description)
                .collect(),
            true_values: field.true_values,
            false_values: field.false_values,
            reference: field.reference.map(|reference| Reference {
                table: reference.table,
                field: reference.field,
            }),
            trim: field.trim.unwrap_or(true),
        })
        .collect();
    let rules = mapping
        .rules
        .into_iter()
        .map(|rule| (rule.check, rule.message))
        .collect();
    build(
        stem,
        mapping.table.unwrap_or_else(|| stem.to_string()),
        mapping.key.map(OneOrMany::into_vec).unwrap_or_default(),
        fields,
        rules,
        file,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TableSchema {
    fields: Vec<TableSchemaField>,
    primary_key: Option<OneOrMany>,
    #[serde(default)]
    foreign_keys: Vec<TableSchemaForeignKey>,
}

#[derive(Deserialize)]
struct TableSchemaForeignKey {
    fields: OneOrMany,
    reference: TableSchemaReference,
}

#[derive(Deserialize)]
struct TableSchemaReference {
    resource: String,
    fields: OneOrMany,
}

#[derive(Deserialize)]
struct TableSchemaField {
    name: String,
    #[serde(rename = "type", default = "default_type")]
    field_type: String,
    format: Option<String>,
    title: Option<String>,
    description: Option<String>,
    #[serde(default)]
    constraints: TableSchemaConstraints,
    #[serde(rename = "trueValues")]
    true_values: Option<Vec<String>>,
    #[serde(rename = "falseValues")]
    false_values: Option<Vec<String>>,
    /// intake's extension: `"trim": false` keeps the spaces around a cell.
    trim: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TableSchemaConstraints {
    #[serde(default)]
    required: bool,
    #[serde(default)]
    unique: bool,
    minimum: Option<serde_json::Value>,
    maximum: Option<serde_json::Value>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    allowed: Option<Vec<serde_json::Value>>,
}

fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn parse_table_schema(text: &str, stem: &str, file: &str) -> Result<Schema, SchemaError> {
    let schema: TableSchema = serde_json::from_str(text).map_err(|error| SchemaError::Parse {
        file: file.to_string(),
        reason: error.to_string(),
    })?;
    let fields = schema
        .fields
        .into_iter()
        .map(|field| {
            let constraints = field.constraints;
            // Table Schema's `default` and `any` date formats mean "the usual forms".
            let format = field
                .format
                .filter(|format| format != "default" && format != "any");
            RawField {
                name: field.name,
                field_type: field.field_type,
                required: constraints.required,
                unique: constraints.unique,
                minimum: constraints.minimum.as_ref().map(json_text),
                maximum: constraints.maximum.as_ref().map(json_text),
                min_length: constraints.min_length,
                max_length: constraints.max_length,
                pattern: constraints.pattern,
                allowed: constraints
                    .allowed
                    .map(|values| values.iter().map(json_text).collect()),
                format,
                aliases: field.title.into_iter().chain(field.description).collect(),
                true_values: field.true_values,
                false_values: field.false_values,
                reference: None,
                trim: field.trim.unwrap_or(true),
            }
        })
        .collect::<Vec<_>>();
    let mut fields = fields;
    for foreign_key in schema.foreign_keys {
        let (local, remote) = (
            foreign_key.fields.into_vec(),
            foreign_key.reference.fields.into_vec(),
        );
        let ([local], [remote]) = (local.as_slice(), remote.as_slice()) else {
            return Err(SchemaError::Invalid {
                file: file.to_string(),
                reason: "a foreign key of several fields is not supported yet: use one field per foreign key".to_string(),
            });
        };
        let field = fields
            .iter_mut()
            .find(|field| field.name == *local)
            .ok_or_else(|| SchemaError::Invalid {
                file: file.to_string(),
                reason: format!("a foreign key names {local:?}, which is not a field"),
            })?;
        // An empty resource means the same table (a self-reference).
        let table = if foreign_key.reference.resource.is_empty() {
            stem.to_string()
        } else {
            foreign_key.reference.resource
        };
        field.reference = Some(Reference {
            table,
            field: remote.clone(),
        });
    }
    build(
        stem,
        stem.to_string(),
        schema
            .primary_key
            .map(OneOrMany::into_vec)
            .unwrap_or_default(),
        fields,
        Vec::new(),
        file,
    )
}

/// A field as written in either format, before its values are checked.
struct RawField {
    name: String,
    field_type: String,
    required: bool,
    unique: bool,
    minimum: Option<String>,
    maximum: Option<String>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<String>,
    allowed: Option<Vec<String>>,
    format: Option<String>,
    aliases: Vec<String>,
    true_values: Option<Vec<String>>,
    false_values: Option<Vec<String>>,
    reference: Option<Reference>,
    trim: bool,
}

fn build(
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
            _ => false,
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

#[cfg(test)]
mod tests;

#[cfg(test)]
mod pattern_tests;
