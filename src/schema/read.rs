//! The two files a schema is read from: an intake mapping file (TOML) and a Frictionless Table
//! Schema (JSON), each turned into the same fields as written, for `build` to check.

use serde::Deserialize;

use super::*;

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

pub(super) fn parse_table_schema(
    text: &str,
    stem: &str,
    file: &str,
) -> Result<Schema, SchemaError> {
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
