//! What a backup records of a table (`TableShape`: columns, key, foreign keys, sequences) and a
//! value as the table holds it (`Stored`), read from `pragma_*` or `pg_catalog`.

use serde::{Deserialize, Serialize};

use crate::db::{Database, DbError, Dialect, quote};

/// A value as a table stores it. SQLite gives each value its storage class; PostgreSQL values
/// are read as their text form and typed by their column: integers, floats, booleans and
/// `bytea` as such, everything else (numeric, dates, times, uuid, json, ...) as its exact text.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Boolean(bool),
    Blob(Vec<u8>),
}

/// What a table is: its columns, keys, references and sequences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableShape {
    pub name: String,
    pub columns: Vec<ColumnShape>,
    pub primary_key: Vec<String>,
    /// Other unique constraints (and unique indexes on plain columns), each its columns.
    #[serde(default)]
    pub unique: Vec<Vec<String>>,
    pub foreign_keys: Vec<ForeignKeyShape>,
    /// Counters that hand out ids: PostgreSQL sequences (serial and identity columns), SQLite's
    /// AUTOINCREMENT counter.
    pub sequences: Vec<SequenceState>,
}

impl TableShape {
    pub fn column_names(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|column| column.name.clone())
            .collect()
    }

    /// `"a", "b"`: the columns as SQL lists them.
    pub(crate) fn quoted_columns(&self) -> String {
        let quoted: Vec<String> = self
            .columns
            .iter()
            .map(|column| quote(&column.name))
            .collect();
        quoted.join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnShape {
    pub name: String,
    /// As declared: `INTEGER`, `numeric(12,2)`, `character varying(40)`, ...
    pub declared_type: String,
    pub not_null: bool,
    /// The default's SQL expression, when there is one.
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForeignKeyShape {
    pub columns: Vec<String>,
    pub table: String,
    pub references: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequenceState {
    pub column: String,
    /// The sequence (PostgreSQL), or `sqlite_sequence`.
    pub name: String,
    /// The last value handed out; `None` when none was yet.
    pub last_value: Option<i64>,
}

/// Where rows go as a snapshot reads them: a backup's files, or a restore's final check.
pub(crate) trait RowSink {
    fn begin_table(&mut self, shape: &TableShape) -> Result<(), String>;
    fn row(&mut self, row: &[Stored]) -> Result<(), String>;
    fn end_table(&mut self) -> Result<(), String>;
}

/// One table to restore: its shape as backed up, and its rows in key order.
pub(crate) struct RestoreTable<'a> {
    pub shape: &'a TableShape,
    pub rows: Box<dyn Iterator<Item = Result<Vec<Stored>, String>> + 'a>,
}

/// What a restore did to one table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct Restored {
    pub table: String,
    pub created: bool,
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
}

/// What errors name when they are not about one table.
pub(crate) const WHOLE: &str = "the database";

/// Tables intake keeps for itself, left out of `--all`.
const OWN_TABLES: [&str; 1] = [crate::db::HISTORY_TABLE];

impl Database {
    /// The server's version (PostgreSQL), or the SQLite library's.
    pub(crate) async fn server_version(&mut self) -> Result<String, DbError> {
        let sql = match self.dialect() {
            Dialect::Sqlite => "SELECT sqlite_version()",
            Dialect::Postgres => "SELECT CAST(current_setting('server_version') AS TEXT)",
        };
        let rows = self.fetch_texts(WHOLE, sql.to_string(), &[], 1).await?;
        Ok(rows
            .first()
            .and_then(|row| row[0].clone())
            .unwrap_or_default())
    }

    /// The user's tables (in PostgreSQL, of the current schema), by name, without intake's own.
    pub(crate) async fn user_tables(&mut self) -> Result<Vec<String>, DbError> {
        let sql = match self.dialect() {
            Dialect::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name"
            }
            Dialect::Postgres => {
                "SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            }
        };
        let rows = self.fetch_texts(WHOLE, sql.to_string(), &[], 1).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| row[0].clone())
            .filter(|name| !OWN_TABLES.contains(&name.as_str()))
            .collect())
    }

    /// What a table is, or `None` when there is no such table.
    pub(crate) async fn table_shape(&mut self, table: &str) -> Result<Option<TableShape>, DbError> {
        let name = crate::value::Value::Text(table.into());
        let parameters = std::slice::from_ref(&name);
        let dialect = self.dialect();
        let queries = dialect.shape_queries();
        let (columns_sql, unique_sql, foreign_sql, sequences_sql) = (
            queries.columns,
            queries.unique,
            queries.foreign_keys,
            queries.sequences,
        );
        let column_rows = self
            .fetch_texts(table, columns_sql.to_string(), parameters, 5)
            .await?;
        if column_rows.is_empty() {
            return Ok(None);
        }
        let text = |row: &Vec<Option<String>>, index: usize| row[index].clone().unwrap_or_default();
        let mut key: Vec<(usize, String)> = Vec::new();
        let columns: Vec<ColumnShape> = column_rows
            .iter()
            .map(|row| {
                let position: usize = text(row, 4).parse().unwrap_or(0);
                if position > 0 {
                    key.push((position, text(row, 0)));
                }
                ColumnShape {
                    name: text(row, 0),
                    declared_type: text(row, 1),
                    not_null: text(row, 2) == "1",
                    default: row[3].clone(),
                }
            })
            .collect();
        key.sort();
        let primary_key: Vec<String> = key.into_iter().map(|(_, column)| column).collect();

        let mut unique: Vec<(String, Vec<String>)> = Vec::new();
        for row in self
            .fetch_texts(table, unique_sql.to_string(), parameters, 2)
            .await?
        {
            let name = text(&row, 0);
            match unique.last_mut() {
                Some((last, columns)) if *last == name => columns.push(text(&row, 1)),
                _ => unique.push((name, vec![text(&row, 1)])),
            }
        }
        let mut unique: Vec<Vec<String>> = unique.into_iter().map(|(_, columns)| columns).collect();
        unique.sort();
        unique.dedup();

        let mut foreign_keys: Vec<(String, ForeignKeyShape)> = Vec::new();
        for row in self
            .fetch_texts(table, foreign_sql.to_string(), parameters, 4)
            .await?
        {
            let id = text(&row, 0);
            if foreign_keys.last().is_none_or(|(last, _)| *last != id) {
                foreign_keys.push((
                    id,
                    ForeignKeyShape {
                        columns: Vec::new(),
                        table: text(&row, 1),
                        references: Vec::new(),
                    },
                ));
            }
            if let Some((_, foreign)) = foreign_keys.last_mut() {
                foreign.columns.push(text(&row, 2));
                // SQLite leaves `to` empty for a reference to the parent's primary key.
                foreign.references.push(row[3].clone().unwrap_or_default());
            }
        }
        let mut foreign_keys: Vec<ForeignKeyShape> = foreign_keys
            .into_iter()
            .map(|(_, foreign)| foreign)
            .collect();
        for foreign in &mut foreign_keys {
            if foreign.references.iter().any(String::is_empty) {
                let parent = Box::pin(self.table_shape(&foreign.table)).await?;
                if let Some(parent) = parent {
                    foreign.references = parent.primary_key.clone();
                }
            }
        }
        foreign_keys.sort_by(|left, right| {
            (&left.table, &left.columns).cmp(&(&right.table, &right.columns))
        });

        let sequences = match dialect {
            Dialect::Postgres => self
                .fetch_texts(table, sequences_sql.to_string(), parameters, 3)
                .await?
                .into_iter()
                .map(|row| SequenceState {
                    column: text(&row, 0),
                    name: text(&row, 1),
                    last_value: row[2].as_deref().and_then(|value| value.parse().ok()),
                })
                .collect(),
            Dialect::Sqlite => {
                let has_counter = !self
                    .fetch_texts(
                        table,
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
                            .to_string(),
                        &[],
                        1,
                    )
                    .await?
                    .is_empty();
                let counter = if has_counter {
                    self.fetch_texts(
                        table,
                        "SELECT CAST(seq AS TEXT) FROM sqlite_sequence WHERE name = ?".to_string(),
                        parameters,
                        1,
                    )
                    .await?
                } else {
                    Vec::new()
                };
                counter
                    .into_iter()
                    .map(|row| SequenceState {
                        column: primary_key.first().cloned().unwrap_or_default(),
                        name: "sqlite_sequence".to_string(),
                        last_value: row[0].as_deref().and_then(|value| value.parse().ok()),
                    })
                    .collect()
            }
        };
        Ok(Some(TableShape {
            name: table.to_string(),
            columns,
            primary_key,
            unique,
            foreign_keys,
            sequences,
        }))
    }
}
