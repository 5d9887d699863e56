//! What the database says of a table (`describe_table`: columns, declared types, keys,
//! references) and what intake makes of it: a schema read from the table (`--table` without a
//! schema), a schema checked against it, and the column limits stage 2 checks values against.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `db/describe.rs`: `describe_table` and what intake makes of a table: `schema_from_table` (for
//! `--table` without a schema: each column a field of its type, columns of types intake cannot
//! load left out, NOT NULL without a default as required, the primary key as the key,
//! single-column UNIQUE as unique, `varchar(n)` as a maximum length, single-column foreign keys
//! as references), `check_against_table` (every field a column of a fitting type, before any
//! row is read) and `take_column_limits` (PostgreSQL's `numeric(p,s)`, `varchar(n)`, integer
//! widths, for stage 2).

use super::{Database, DbError, Dialect};
use crate::schema::{ColumnLimits, Field, Reference, Schema, SchemaError};
use crate::value::{FieldType, Value};

/// What the database says of a table: its columns, keys and references.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TableDescription {
    pub name: String,
    pub dialect: Dialect,
    pub columns: Vec<ColumnDescription>,
    pub primary_key: Vec<String>,
    /// Columns with a single-column UNIQUE constraint or index.
    pub unique: Vec<String>,
    /// (column, referenced table, referenced column), single-column foreign keys.
    pub foreign_keys: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnDescription {
    pub name: String,
    /// As declared: `INTEGER`, `numeric`, `character varying(40)`, ...
    pub declared_type: String,
    pub not_null: bool,
    /// A default (a sequence, a constant) fills the column when a row leaves it out.
    pub has_default: bool,
}

impl Database {
    /// The table's description, or `None` when there is no such table.
    pub(crate) async fn describe_table(
        &mut self,
        table: &str,
    ) -> Result<Option<TableDescription>, DbError> {
        let name = Value::Text(table.into());
        let (columns, keys, foreign) = match self.dialect() {
            Dialect::Sqlite => (
                // name, type, notnull, default, pk position
                "SELECT name, type, CAST(\"notnull\" AS TEXT), CAST(dflt_value IS NOT NULL AS TEXT), CAST(pk AS TEXT) \
                 FROM pragma_table_info(?) ORDER BY cid",
                // single-column unique indexes (constraints and CREATE UNIQUE INDEX alike)
                "SELECT info.name FROM pragma_index_list(?) AS list JOIN pragma_index_info(list.name) AS info \
                 WHERE list.\"unique\" = 1 AND list.origin != 'pk' \
                 AND (SELECT count(*) FROM pragma_index_info(list.name)) = 1",
                "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?)",
            ),
            Dialect::Postgres => (
                "SELECT CAST(c.column_name AS TEXT), CAST(format_type(a.atttypid, a.atttypmod) AS TEXT), \
                 CASE WHEN c.is_nullable = 'NO' THEN '1' ELSE '0' END, \
                 CASE WHEN c.column_default IS NOT NULL OR c.is_identity = 'YES' THEN '1' ELSE '0' END, \
                 CAST(COALESCE((SELECT k.ordinal_position FROM information_schema.table_constraints t \
                   JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name \
                     AND k.table_schema = t.table_schema AND k.table_name = t.table_name \
                   WHERE t.table_schema = c.table_schema AND t.table_name = c.table_name \
                     AND t.constraint_type = 'PRIMARY KEY' AND k.column_name = c.column_name), 0) AS TEXT) \
                 FROM information_schema.columns c \
                 JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass \
                   AND a.attname = c.column_name \
                 WHERE c.table_schema = current_schema() AND c.table_name = $1 ORDER BY c.ordinal_position",
                "SELECT CAST(k.column_name AS TEXT) FROM information_schema.table_constraints t \
                 JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name \
                   AND k.table_schema = t.table_schema AND k.table_name = t.table_name \
                 WHERE t.table_schema = current_schema() AND t.table_name = $1 AND t.constraint_type = 'UNIQUE' \
                   AND (SELECT count(*) FROM information_schema.key_column_usage other \
                        WHERE other.constraint_name = t.constraint_name AND other.table_schema = t.table_schema) = 1",
                "SELECT CAST(k.column_name AS TEXT), CAST(u.table_name AS TEXT), CAST(u.column_name AS TEXT) \
                 FROM information_schema.table_constraints t \
                 JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name \
                   AND k.table_schema = t.table_schema AND k.table_name = t.table_name \
                 JOIN information_schema.constraint_column_usage u ON u.constraint_name = t.constraint_name \
                   AND u.constraint_schema = t.table_schema \
                 WHERE t.table_schema = current_schema() AND t.table_name = $1 AND t.constraint_type = 'FOREIGN KEY'",
            ),
        };
        let column_rows = self
            .fetch_texts(table, columns.to_string(), std::slice::from_ref(&name), 5)
            .await?;
        if column_rows.is_empty() {
            return Ok(None);
        }
        let text = |row: &Vec<Option<String>>, index: usize| row[index].clone().unwrap_or_default();
        let mut primary: Vec<(usize, String)> = Vec::new();
        let mut described = Vec::new();
        for row in &column_rows {
            let position: usize = text(row, 4).parse().unwrap_or(0);
            if position > 0 {
                primary.push((position, text(row, 0)));
            }
            described.push(ColumnDescription {
                name: text(row, 0),
                declared_type: text(row, 1),
                not_null: text(row, 2) == "1" || text(row, 2) == "true",
                has_default: text(row, 3) == "1" || text(row, 3) == "true",
            });
        }
        primary.sort();
        let unique = self
            .fetch_texts(table, keys.to_string(), std::slice::from_ref(&name), 1)
            .await?
            .into_iter()
            .filter_map(|row| row[0].clone())
            .collect();
        let foreign_keys = self
            .fetch_texts(table, foreign.to_string(), std::slice::from_ref(&name), 3)
            .await?
            .into_iter()
            .map(|row| (text(&row, 0), text(&row, 1), text(&row, 2)))
            .collect();
        Ok(Some(TableDescription {
            name: table.to_string(),
            dialect: self.dialect(),
            columns: described,
            primary_key: primary.into_iter().map(|(_, column)| column).collect(),
            unique,
            foreign_keys,
        }))
    }
}

/// The field type a declared column type holds, by SQLite's affinity rules and PostgreSQL's
/// type names; `None` for a type intake does not load (arrays, JSON, binary, ...).
pub(super) fn field_type_of_column(declared: &str) -> Option<FieldType> {
    let upper = declared.to_ascii_uppercase();
    let has = |part: &str| upper.contains(part);
    Some(if has("BOOL") {
        FieldType::Boolean
    } else if has("TIMESTAMP") || has("DATETIME") {
        FieldType::Datetime
    } else if has("DATE") {
        FieldType::Date
    } else if has("INT") || has("SERIAL") {
        FieldType::Integer
    } else if has("NUMERIC")
        || has("DECIMAL")
        || has("REAL")
        || has("FLOA")
        || has("DOUB")
        || has("MONEY")
    {
        FieldType::Number
    } else if has("CHAR")
        || has("TEXT")
        || has("CLOB")
        || upper.is_empty()
        || has("UUID")
        || has("CITEXT")
    {
        FieldType::String
    } else {
        return None;
    })
}

/// A schema read from an existing table: each column a field of its type (columns of types
/// intake cannot load are left out), NOT NULL without a default as required, the primary key as
/// the key, single-column UNIQUE constraints as unique, `varchar(n)` as a maximum length, and
/// single-column foreign keys as references.
pub(crate) fn schema_from_table(table: &TableDescription) -> Result<Schema, SchemaError> {
    let mut fields = Vec::new();
    for column in &table.columns {
        let Some(field_type) = field_type_of_column(&column.declared_type) else {
            continue;
        };
        // On PostgreSQL the column's limit is checked as the column's (`ColumnLimits`); SQLite
        // holds any length, so its declared one is taken as the field's.
        let max_length = column
            .declared_type
            .split_once('(')
            .filter(|_| field_type == FieldType::String)
            .filter(|_| table.dialect != Dialect::Postgres)
            .and_then(|(_, rest)| rest.trim_end_matches(')').trim().parse().ok());
        let is_key = table.primary_key.contains(&column.name);
        fields.push(Field {
            name: column.name.clone(),
            field_type,
            // A key field must be in the file: the key tells new rows from existing ones.
            required: (column.not_null && !column.has_default) || is_key,
            unique: table.unique.contains(&column.name) || (is_key && table.primary_key.len() == 1),
            minimum: None,
            maximum: None,
            min_length: None,
            max_length,
            pattern: None,
            allowed: None,
            format: None,
            aliases: Vec::new(),
            true_values: None,
            false_values: None,
            reference: table
                .foreign_keys
                .iter()
                .find(|(local, _, _)| *local == column.name)
                .map(|(_, table, field)| Reference {
                    table: table.clone(),
                    field: field.clone(),
                }),
            trim: true,
            // SQLite stores what it is given; PostgreSQL holds a column's declared limits.
            column: (table.dialect == Dialect::Postgres)
                .then(|| ColumnLimits::of(&column.name, &column.declared_type))
                .flatten(),
        });
    }
    let key = table
        .primary_key
        .iter()
        .filter(|name| fields.iter().any(|field| field.name == **name))
        .cloned()
        .collect();
    if fields.is_empty() {
        return Err(SchemaError::Invalid {
            file: format!("table {}", table.name),
            reason: "no column of a type intake can load (text, numbers, booleans, dates)"
                .to_string(),
        });
    }
    Ok(Schema {
        name: table.name.clone(),
        table: table.name.clone(),
        key,
        fields,
        rules: Vec::new(),
    })
}

/// Gives each field the limits of its column in `table`, when the engine holds them
/// (PostgreSQL), so that stage 2 finds what the column would round, cut or refuse.
pub(crate) fn take_column_limits(schema: &mut Schema, table: &TableDescription) {
    if table.dialect != Dialect::Postgres {
        return;
    }
    for field in &mut schema.fields {
        if let Some(column) = table
            .columns
            .iter()
            .find(|column| column.name == field.name)
        {
            field.column = ColumnLimits::of(&column.name, &column.declared_type);
        }
    }
}

/// Whether a schema's fields fit an existing table: every field a column, of a type that holds
/// its values. All mismatches are listed at once.
pub(crate) fn check_against_table(
    schema: &Schema,
    table: &TableDescription,
) -> Result<(), SchemaError> {
    let mut problems = Vec::new();
    for field in &schema.fields {
        let Some(column) = table
            .columns
            .iter()
            .find(|column| column.name == field.name)
        else {
            problems.push(format!("field {:?} has no column in the table", field.name));
            continue;
        };
        let sqlite = table.dialect == Dialect::Sqlite;
        let fits = match field_type_of_column(&column.declared_type) {
            Some(column_type) => {
                column_type == field.field_type
                    || (field.field_type == FieldType::Integer && column_type == FieldType::Number)
                    // SQLite: intake keeps decimals and dates as exact text, booleans as 0/1.
                    || (sqlite && column_type == FieldType::String)
                    || (sqlite && field.field_type == FieldType::Boolean && column_type == FieldType::Integer)
            }
            None => false,
        };
        if !fits {
            problems.push(format!(
                "field {:?} is {} but its column is {}",
                field.name,
                field.field_type.name(),
                column.declared_type
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SchemaError::Invalid {
            file: format!("schema {} against table {}", schema.name, table.name),
            reason: format!("{}: change the schema or the table", problems.join("; ")),
        })
    }
}
