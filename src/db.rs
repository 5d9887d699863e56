//! The only user of sqlx: where the database is, connecting, reading rows by key, creating the
//! target table and writing batches inside one transaction. Every identifier goes through
//! [`quote`]; every value is a bound parameter.
//!
//! SQLite is the embedded default. PostgreSQL will stand beside it with the same function names.

use std::path::PathBuf;
use std::str::FromStr;

use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteConnection};
use sqlx::{Arguments, AssertSqlSafe, ConnectOptions, Connection, Row};

use crate::schema::{FieldType, Schema, Value};

/// Where the target database is.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    Sqlite(PathBuf),
}

impl std::fmt::Display for Location {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => write!(formatter, "{}", path.display()),
        }
    }
}

/// A database failure, normalised to what a caller may want to branch on.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database URL {0:?} is not understood: use sqlite://path/to/file.db")]
    BadUrl(String),
    #[error("database URL {0:?}: PostgreSQL targets are not supported yet: use a sqlite:// URL")]
    Unsupported(String),
    #[error("cannot open the database {location}: {reason}")]
    Connect { location: String, reason: String },
    #[error("{table}: a row would break a uniqueness rule of the table: {reason}")]
    UniqueViolation { table: String, reason: String },
    #[error("{table}: {reason}")]
    Query { table: String, reason: String },
}

/// Reads `sqlite://path`, `sqlite:path` or a plain path ending in `.db`/`.sqlite`.
pub fn parse_location(url: &str) -> Result<Location, DbError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(DbError::Unsupported(url.to_string()));
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .or_else(|| {
            let plain =
                url.ends_with(".db") || url.ends_with(".sqlite") || url.ends_with(".sqlite3");
            (plain && !url.contains("://")).then_some(url)
        })
        .map(|path| path.split('?').next().unwrap_or(path))
        .filter(|path| !path.is_empty())
        .ok_or_else(|| DbError::BadUrl(url.to_string()))?;
    Ok(Location::Sqlite(PathBuf::from(path)))
}

/// An open connection to the target.
pub struct Database {
    connection: SqliteConnection,
    location: Location,
}

/// Opens the database. With `create: false` a SQLite file that does not exist is not created:
/// the answer is `None`, which a dry run reads as an empty database.
pub async fn connect(location: &Location, create: bool) -> Result<Option<Database>, DbError> {
    let Location::Sqlite(path) = location;
    if !create && !path.exists() {
        return Ok(None);
    }
    let connect_error = |error: sqlx::Error| DbError::Connect {
        location: location.to_string(),
        reason: error.to_string(),
    };
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(connect_error)?
        .filename(path)
        .create_if_missing(create)
        .foreign_keys(true)
        .busy_timeout(std::time::Duration::from_secs(10));
    let mut connection = options.connect().await.map_err(connect_error)?;
    // Opening is lazy in SQLite: ask something so that a file that is not a database fails here.
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&mut connection)
        .await
        .map_err(connect_error)?;
    Ok(Some(Database {
        connection,
        location: location.clone(),
    }))
}

/// `"name"` with inner quotes doubled: the only way an identifier enters SQL text.
pub fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// The column type intake gives a field in a table it creates. Decimals are stored as text in
/// SQLite: its NUMERIC affinity would turn 12.50 into a binary float.
fn sqlite_type(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::String | FieldType::Number | FieldType::Date | FieldType::Datetime => "TEXT",
        FieldType::Integer | FieldType::Boolean => "INTEGER",
    }
}

/// `CREATE TABLE` for a schema: every field, NOT NULL where required, the key as primary key.
pub fn create_table_sql(schema: &Schema) -> String {
    let mut lines: Vec<String> = schema
        .fields
        .iter()
        .map(|field| {
            let mut line = format!("{} {}", quote(&field.name), sqlite_type(field.field_type));
            if field.required {
                line.push_str(" NOT NULL");
            }
            if field.unique && !schema.key.contains(&field.name) {
                line.push_str(" UNIQUE");
            }
            line
        })
        .collect();
    if !schema.key.is_empty() {
        let key: Vec<String> = schema.key.iter().map(|name| quote(name)).collect();
        lines.push(format!("PRIMARY KEY ({})", key.join(", ")));
    }
    format!(
        "CREATE TABLE {} (\n  {}\n)",
        quote(&schema.table),
        lines.join(",\n  ")
    )
}

fn bind(arguments: &mut SqliteArguments, value: &Value) -> Result<(), sqlx::error::BoxDynError> {
    match value {
        Value::Null => arguments.add(Option::<String>::None),
        Value::Text(text) => arguments.add(text.clone()),
        Value::Integer(number) => arguments.add(*number),
        Value::Boolean(value) => arguments.add(*value),
        Value::Decimal(_) | Value::Date(_) | Value::DateTime(_) => arguments.add(value.to_string()),
    }
}

/// Largest number of bound parameters in one statement (SQLite allows 32766).
const MAX_PARAMETERS: usize = 30_000;

impl Database {
    pub fn location(&self) -> &Location {
        &self.location
    }

    fn query_error(&self, table: &str, error: sqlx::Error) -> DbError {
        if let Some(database_error) = error.as_database_error()
            && database_error.is_unique_violation()
        {
            return DbError::UniqueViolation {
                table: table.to_string(),
                reason: database_error.message().to_string(),
            };
        }
        DbError::Query {
            table: table.to_string(),
            reason: error.to_string(),
        }
    }

    /// The table's column names, or `None` when there is no such table.
    pub async fn table_columns(&mut self, table: &str) -> Result<Option<Vec<String>>, DbError> {
        let rows = sqlx::query("SELECT name FROM pragma_table_info(?1)")
            .bind(table)
            .fetch_all(&mut self.connection)
            .await
            .map_err(|error| self.query_error(table, error))?;
        if rows.is_empty() {
            return Ok(None);
        }
        let names = rows
            .iter()
            .map(|row| row.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| self.query_error(table, error))?;
        Ok(Some(names))
    }

    /// Every non-null value of one column, as text; `None` when the table or column is missing.
    pub async fn column_values(
        &mut self,
        table: &str,
        column: &str,
    ) -> Result<Option<Vec<String>>, DbError> {
        let Some(columns) = self.table_columns(table).await? else {
            return Ok(None);
        };
        if !columns.iter().any(|name| name == column) {
            return Ok(None);
        }
        let sql = format!(
            "SELECT DISTINCT CAST({0} AS TEXT) FROM {1} WHERE {0} IS NOT NULL",
            quote(column),
            quote(table)
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&mut self.connection)
            .await
            .map_err(|error| self.query_error(table, error))?;
        rows.iter()
            .map(|row| row.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
            .map_err(|error| self.query_error(table, error))
    }

    /// The rows whose key is one of `keys`, each as the text of `columns` (key columns first,
    /// in key order), `None` for NULL.
    pub async fn rows_by_key(
        &mut self,
        table: &str,
        key: &[String],
        columns: &[String],
        keys: &[Vec<Value>],
    ) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let mut found = Vec::new();
        let per_statement = (MAX_PARAMETERS / key.len().max(1)).max(1);
        for chunk in keys.chunks(per_statement) {
            let selected: Vec<String> = key
                .iter()
                .chain(columns)
                .map(|column| format!("CAST({} AS TEXT)", quote(column)))
                .collect();
            let key_columns: Vec<String> = key.iter().map(|column| quote(column)).collect();
            let tuple = format!("({})", vec!["?"; key.len()].join(", "));
            let sql = format!(
                "SELECT {} FROM {} WHERE ({}) IN (VALUES {})",
                selected.join(", "),
                quote(table),
                key_columns.join(", "),
                vec![tuple; chunk.len()].join(", ")
            );
            let mut arguments = SqliteArguments::default();
            for value in chunk.iter().flatten() {
                bind(&mut arguments, value).map_err(|error| DbError::Query {
                    table: table.to_string(),
                    reason: error.to_string(),
                })?;
            }
            let rows = sqlx::query_with(AssertSqlSafe(sql), arguments)
                .fetch_all(&mut self.connection)
                .await
                .map_err(|error| self.query_error(table, error))?;
            for row in rows {
                let texts = (0..key.len() + columns.len())
                    .map(|index| row.try_get::<Option<String>, _>(index))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|error| self.query_error(table, error))?;
                found.push(texts);
            }
        }
        Ok(found)
    }

    /// In one transaction: creates the table when asked, then upserts `rows` (values in the
    /// order of `columns`) on `key` in batches of at most `batch_size` rows. On any failure
    /// nothing is written.
    pub async fn write(&mut self, write: &Write<'_>) -> Result<(), DbError> {
        let table = write.table;
        let mut transaction = self
            .connection
            .begin()
            .await
            .map_err(|error| DbError::Query {
                table: table.to_string(),
                reason: error.to_string(),
            })?;
        let fail = |error: sqlx::Error| {
            if let Some(database_error) = error.as_database_error()
                && database_error.is_unique_violation()
            {
                return DbError::UniqueViolation {
                    table: table.to_string(),
                    reason: database_error.message().to_string(),
                };
            }
            DbError::Query {
                table: table.to_string(),
                reason: error.to_string(),
            }
        };
        if let Some(create) = &write.create_sql {
            sqlx::query(AssertSqlSafe(create.as_str()))
                .execute(&mut *transaction)
                .await
                .map_err(fail)?;
        }
        let columns: Vec<String> = write.columns.iter().map(|column| quote(column)).collect();
        let key: Vec<String> = write.key.iter().map(|column| quote(column)).collect();
        let updates: Vec<String> = write
            .columns
            .iter()
            .filter(|column| !write.key.contains(column))
            .map(|column| format!("{0} = excluded.{0}", quote(column)))
            .collect();
        let conflict = if updates.is_empty() {
            "DO NOTHING".to_string()
        } else {
            format!("DO UPDATE SET {}", updates.join(", "))
        };
        let rows_per_batch = write
            .batch_size
            .min(MAX_PARAMETERS / columns.len().max(1))
            .max(1);
        for batch in write.rows.chunks(rows_per_batch) {
            let tuple = format!("({})", vec!["?"; columns.len()].join(", "));
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) {}",
                quote(table),
                columns.join(", "),
                vec![tuple; batch.len()].join(", "),
                key.join(", "),
                conflict
            );
            let mut arguments = SqliteArguments::default();
            for value in batch.iter().flatten() {
                bind(&mut arguments, value).map_err(|error| DbError::Query {
                    table: table.to_string(),
                    reason: error.to_string(),
                })?;
            }
            sqlx::query_with(AssertSqlSafe(sql), arguments)
                .execute(&mut *transaction)
                .await
                .map_err(fail)?;
        }
        transaction.commit().await.map_err(fail)?;
        Ok(())
    }
}

/// What one commit writes.
pub struct Write<'a> {
    pub table: &'a str,
    /// `CREATE TABLE` to run first, when the table does not exist yet.
    pub create_sql: Option<String>,
    pub columns: &'a [String],
    pub key: &'a [String],
    pub rows: &'a [Vec<Value>],
    pub batch_size: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        for (url, expected) in [
            ("sqlite://intake.db", Some("intake.db")),
            ("sqlite:///tmp/a.db", Some("/tmp/a.db")),
            ("sqlite:data/x.sqlite?mode=rwc", Some("data/x.sqlite")),
            ("shop.db", Some("shop.db")),
            ("mysql://host/db", None),
            ("sqlite://", None),
        ] {
            let parsed = parse_location(url)
                .ok()
                .map(|Location::Sqlite(path)| path.display().to_string());
            assert_eq!(parsed.as_deref(), expected, "{url}");
        }
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote("price"), "\"price\"");
        assert_eq!(
            quote("a\"; DROP TABLE x; --"),
            "\"a\"\"; DROP TABLE x; --\""
        );
    }
}
