//! The only user of sqlx: where the database is, connecting, reading rows by key and column
//! values, creating the target table and writing batches inside one transaction, for SQLite and
//! PostgreSQL side by side. Every identifier goes through [`quote`]; every value is a bound
//! parameter. The SQL differences between the two live here and nowhere else.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `db`: the only sqlx user, SQLite and PostgreSQL side by side behind one `Database` with the
//! same functions: `parse_location`, `open` (as it is: a dry run never creates a SQLite file) and `open_or_create` (a commit, a restore), `quote`
//! for identifiers, `create_table_sql` (per `Dialect`: decimals as exact text in SQLite, NUMERIC in
//! PostgreSQL; DATE, TIMESTAMP, BOOLEAN, BIGINT there), `table_columns`, `column_values`,
//! `rows_by_key` and `each_row_by_key` (the same rows handed on as borrowed text), `describe_table`
//! (columns, declared types, NOT NULL, defaults, primary key, single-column UNIQUE and foreign
//! keys, from `pragma_*` or `information_schema`). PostgreSQL looks rows up by one key with
//! `key = ANY($1)`. Values are bound with their types in PostgreSQL (a null with its field's
//! type), as exact text in SQLite (text as one `Arc<str>` each, which sqlx keeps as it is).

use std::path::PathBuf;
use std::str::FromStr;

use sqlx::postgres::{PgArguments, PgConnection};
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteConnection};
use sqlx::{Arguments, AssertSqlSafe, ConnectOptions, Connection, Row};

use crate::schema::Schema;
use crate::value::{FieldType, Value};

mod describe;
mod dialect;
mod history;
mod snapshot;
mod transaction;
mod undo;
mod write;

pub(crate) use describe::{check_against_table, schema_from_table, take_column_limits};
pub(crate) use dialect::Dialect;
pub(crate) use history::{HISTORY_TABLE, HistoryEntry};
pub(crate) use snapshot::{
    RestoreTable, Restored, RowSink, Stored, TableShape, decode_hex, encode_hex,
};
pub(crate) use transaction::{Begin, Transaction};
pub(crate) use undo::{UndoTarget, UndoWrites};
pub(crate) use write::{InsertStream, Load, Loading, Write};

/// Where the target database is.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    Sqlite(PathBuf),
    /// A `postgres://` URL, shown without its password.
    Postgres(String),
}

impl std::fmt::Display for Location {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => write!(formatter, "{}", path.display()),
            Location::Postgres(url) => formatter.write_str(&crate::redact::url(url)),
        }
    }
}

/// A database failure, normalised to what a caller may want to branch on.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    #[error(
        "database URL {0:?} is not understood: use sqlite://path/to/file.db or postgres://user@host/database"
    )]
    BadUrl(String),
    #[error("cannot open the database {location}: {reason}")]
    Connect { location: String, reason: String },
    #[error("{table}: a row would break a uniqueness rule of the table: {reason}")]
    UniqueViolation { table: String, reason: String },
    #[error("{table}: {reason}")]
    Query { table: String, reason: String },
    #[error(
        "{table}: the table changed since the plan ({reason}): run the import again to plan anew"
    )]
    Changed { table: String, reason: String },
    #[error(
        "{what} {name:?} is {bytes} bytes long, and {engine} keeps names of at most {limit} bytes (it would cut this one, so a later import would not find it): give it a shorter name in the schema"
    )]
    NameTooLong {
        what: String,
        name: String,
        bytes: usize,
        engine: &'static str,
        limit: usize,
    },
}

/// The longest name an engine keeps whole, in bytes: PostgreSQL cuts longer identifiers to
/// 63 bytes (NAMEDATALEN - 1) without an error; SQLite keeps any.
pub(crate) fn name_limit(location: &Location) -> Option<(&'static str, usize)> {
    match location {
        Location::Postgres(_) => Some(("PostgreSQL", 63)),
        Location::Sqlite(_) => None,
    }
}

/// Refuses, before anything is written, a table or column name the engine would cut.
pub(crate) fn check_names<'a>(
    location: &Location,
    names: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), DbError> {
    let Some((engine, limit)) = name_limit(location) else {
        return Ok(());
    };
    for (what, name) in names {
        if name.len() > limit {
            return Err(DbError::NameTooLong {
                what: what.to_string(),
                name: name.to_string(),
                bytes: name.len(),
                engine,
                limit,
            });
        }
    }
    Ok(())
}

/// Reads `postgres://…`, `sqlite://path`, `sqlite:path` or a plain path ending in `.db`/`.sqlite`.
pub(crate) fn parse_location(url: &str) -> Result<Location, DbError> {
    let url = url.trim();
    // The scheme without case, as URLs have it: `POSTGRES://` is `postgres://`.
    for scheme in ["postgres://", "postgresql://"] {
        if url
            .get(..scheme.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
        {
            return Ok(Location::Postgres(format!(
                "{scheme}{}",
                &url[scheme.len()..]
            )));
        }
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
        .ok_or_else(|| DbError::BadUrl(crate::redact::url(url)))?;
    Ok(Location::Sqlite(PathBuf::from(path)))
}

/// An open connection to the target.
pub(crate) struct Database {
    connection: Backend,
    location: Location,
    /// A [`Transaction`]'s guard was dropped without an end: rolled back before the next
    /// statement (see `transaction`).
    rollback_pending: bool,
}

enum Backend {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Opens the database as it is: a SQLite file that does not exist is not created, and the answer
/// is `None`, which a dry run reads as an empty database. A PostgreSQL server must be there.
pub(crate) async fn open(location: &Location) -> Result<Option<Database>, DbError> {
    if let Location::Sqlite(path) = location
        && !path.exists()
    {
        return Ok(None);
    }
    connect(location, false).await.map(Some)
}

/// Opens the database, creating a SQLite file that does not exist (a commit, a restore).
pub(crate) async fn open_or_create(location: &Location) -> Result<Database, DbError> {
    connect(location, true).await
}

async fn connect(location: &Location, create: bool) -> Result<Database, DbError> {
    let secrets = match location {
        Location::Postgres(url) => crate::redact::secrets_of_url(url),
        Location::Sqlite(_) => Vec::new(),
    };
    let connect_error = |error: sqlx::Error| DbError::Connect {
        location: location.to_string(),
        reason: crate::redact::scrub(&server_message(&error), &secrets),
    };
    let connection = match location {
        Location::Sqlite(path) => {
            let options = SqliteConnectOptions::from_str("sqlite:")
                .map_err(connect_error)?
                .filename(path)
                .create_if_missing(create)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(10));
            let mut connection = options.connect().await.map_err(connect_error)?;
            // Opening is lazy in SQLite: ask something so that a file that is not a database
            // fails here.
            sqlx::query("SELECT count(*) FROM sqlite_master")
                .execute(&mut connection)
                .await
                .map_err(connect_error)?;
            Backend::Sqlite(connection)
        }
        Location::Postgres(url) => {
            Backend::Postgres(PgConnection::connect(url).await.map_err(connect_error)?)
        }
    };
    Ok(Database {
        connection,
        location: location.clone(),
        rollback_pending: false,
    })
}

/// `"name"` with inner quotes doubled: the only way an identifier enters SQL text.
pub(crate) fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// `CREATE TABLE` for a schema: every field, NOT NULL where required, the key as primary key.
pub(crate) fn create_table_sql(schema: &Schema, dialect: Dialect) -> String {
    let mut lines: Vec<String> = schema
        .fields
        .iter()
        .map(|field| {
            let mut line = format!(
                "{} {}",
                quote(&field.name),
                dialect.column_type(field.field_type)
            );
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

type BindResult = Result<(), sqlx::error::BoxDynError>;

/// SQLite: decimals, dates and date-times as their exact text. Text goes in as one shared
/// allocation (`Arc<str>`, which sqlx keeps as it is), the others through `scratch`.
fn bind_sqlite(arguments: &mut SqliteArguments, value: &Value, scratch: &mut String) -> BindResult {
    use std::fmt::Write as _;
    use std::sync::Arc;
    match value {
        Value::Null => arguments.add(Option::<String>::None),
        Value::Text(text) => arguments.add(Arc::<str>::from(text.as_str())),
        Value::Integer(number) => arguments.add(*number),
        Value::Boolean(value) => arguments.add(*value),
        Value::Decimal(_) | Value::Date(_) | Value::DateTime(_) => {
            scratch.clear();
            let _ = write!(scratch, "{value}");
            arguments.add(Arc::<str>::from(scratch.as_str()))
        }
    }
}

/// PostgreSQL: every value with its own type, a null with the type of its field.
fn bind_postgres(arguments: &mut PgArguments, value: &Value, field_type: FieldType) -> BindResult {
    match (value, field_type) {
        (Value::Null, FieldType::String) => arguments.add(Option::<String>::None),
        (Value::Null, FieldType::Integer) => arguments.add(Option::<i64>::None),
        (Value::Null, FieldType::Number) => arguments.add(Option::<rust_decimal::Decimal>::None),
        (Value::Null, FieldType::Boolean) => arguments.add(Option::<bool>::None),
        (Value::Null, FieldType::Date) => arguments.add(Option::<chrono::NaiveDate>::None),
        (Value::Null, FieldType::Datetime) => arguments.add(Option::<chrono::NaiveDateTime>::None),
        (Value::Text(text), _) => arguments.add(text.to_string()),
        (Value::Integer(number), _) => arguments.add(*number),
        (Value::Decimal(number), _) => arguments.add(*number),
        (Value::Boolean(value), _) => arguments.add(*value),
        (Value::Date(date), _) => arguments.add(*date),
        (Value::DateTime(datetime), _) => arguments.add(*datetime),
    }
}

fn field_type_of(value: &Value) -> FieldType {
    match value {
        Value::Null | Value::Text(_) => FieldType::String,
        Value::Integer(_) => FieldType::Integer,
        Value::Decimal(_) => FieldType::Number,
        Value::Boolean(_) => FieldType::Boolean,
        Value::Date(_) => FieldType::Date,
        Value::DateTime(_) => FieldType::Datetime,
    }
}

impl Database {
    pub(crate) fn location(&self) -> &Location {
        &self.location
    }

    /// The connection, once a transaction left without an end is rolled back: every statement
    /// goes through here (or through `execute`).
    async fn backend(&mut self) -> &mut Backend {
        self.settle().await;
        &mut self.connection
    }

    pub(crate) fn dialect(&self) -> Dialect {
        match self.connection {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs a statement that reads rows of text, with its parameters.
    async fn fetch_texts(
        &mut self,
        table: &str,
        sql: String,
        parameters: &[Value],
        width: usize,
    ) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let fetched = self.fetch_rows(table, sql, parameters).await?;
        let mut texts = Vec::new();
        fetched
            .each(width, |cells| {
                texts.push(cells.iter().map(|cell| cell.map(str::to_string)).collect());
            })
            .map_err(|error| query_error(table, error))?;
        Ok(texts)
    }

    /// The rows a query answers, its parameters bound in order.
    async fn fetch_rows(
        &mut self,
        table: &str,
        sql: String,
        parameters: &[Value],
    ) -> Result<Fetched, DbError> {
        let fail = |error: sqlx::Error| query_error(table, error);
        match self.backend().await {
            Backend::Sqlite(connection) => {
                let mut arguments = SqliteArguments::default();
                let mut scratch = String::new();
                for value in parameters {
                    bind_sqlite(&mut arguments, value, &mut scratch)
                        .map_err(|error| bind_error(table, error))?;
                }
                let rows = sqlx::query_with(AssertSqlSafe(sql), arguments)
                    .fetch_all(&mut *connection)
                    .await
                    .map_err(fail)?;
                Ok(Fetched::Sqlite(rows))
            }
            Backend::Postgres(connection) => {
                let mut arguments = PgArguments::default();
                for value in parameters {
                    bind_postgres(&mut arguments, value, field_type_of(value))
                        .map_err(|error| bind_error(table, error))?;
                }
                let rows = sqlx::query_with(AssertSqlSafe(sql), arguments)
                    .fetch_all(&mut *connection)
                    .await
                    .map_err(fail)?;
                Ok(Fetched::Postgres(rows))
            }
        }
    }

    /// The table's column names, or `None` when there is no such table.
    pub(crate) async fn table_columns(
        &mut self,
        table: &str,
    ) -> Result<Option<Vec<String>>, DbError> {
        let sql = self.dialect().columns_query().to_string();
        let rows = self
            .fetch_texts(table, sql, &[Value::Text(table.into())], 1)
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        Ok(Some(rows.into_iter().flatten().flatten().collect()))
    }

    /// Every non-null value of one column, as text; `None` when the table or column is missing.
    pub(crate) async fn column_values(
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
        let rows = self.fetch_texts(table, sql, &[], 1).await?;
        Ok(Some(rows.into_iter().flatten().flatten().collect()))
    }

    /// The rows whose key is one of `keys`, each as the text of `columns` (key columns first,
    /// in key order), `None` for NULL.
    pub(crate) async fn rows_by_key<K: AsRef<[Value]>>(
        &mut self,
        table: &str,
        key: &[String],
        columns: &[String],
        keys: &[K],
    ) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let mut found = Vec::new();
        self.each_row_by_key(table, key, columns, keys, |cells| {
            found.push(cells.iter().map(|cell| cell.map(str::to_string)).collect());
        })
        .await?;
        Ok(found)
    }

    /// Like [`Database::rows_by_key`], but hands each row's text to `each` as it is read,
    /// without a copy.
    pub(crate) async fn each_row_by_key<K: AsRef<[Value]>>(
        &mut self,
        table: &str,
        key: &[String],
        columns: &[String],
        keys: &[K],
        mut each: impl FnMut(&[Option<&str>]),
    ) -> Result<(), DbError> {
        let dialect = self.dialect();
        let width = key.len() + columns.len();
        if let (Backend::Postgres(connection), [key_column]) = (self.backend().await, key) {
            return postgres_rows_by_key(connection, table, key_column, columns, keys)
                .await?
                .each(width, each)
                .map_err(|error| query_error(table, error));
        }
        let per_statement = (dialect.max_parameters() / key.len().max(1)).max(1);
        for chunk in keys.chunks(per_statement) {
            let selected: Vec<String> = key
                .iter()
                .chain(columns)
                .map(|column| format!("CAST({} AS TEXT)", quote(column)))
                .collect();
            let key_columns: Vec<String> = key.iter().map(|column| quote(column)).collect();
            let sql = format!(
                "SELECT {} FROM {} WHERE ({}) IN (VALUES {})",
                selected.join(", "),
                quote(table),
                key_columns.join(", "),
                dialect.tuples(chunk.len(), key.len())
            );
            let parameters: Vec<Value> = chunk
                .iter()
                .flat_map(|values| values.as_ref().iter().cloned())
                .collect();
            self.fetch_rows(table, sql, &parameters)
                .await?
                .each(width, &mut each)
                .map_err(|error| query_error(table, error))?;
        }
        Ok(())
    }
}

/// The rows a query answered, on either database.
enum Fetched {
    Sqlite(Vec<sqlx::sqlite::SqliteRow>),
    Postgres(Vec<sqlx::postgres::PgRow>),
}

impl Fetched {
    /// Hands each row's first `width` columns to `each` as text (`None` for NULL), borrowed
    /// from the row.
    fn each(&self, width: usize, mut each: impl FnMut(&[Option<&str>])) -> Result<(), sqlx::Error> {
        match self {
            Fetched::Sqlite(rows) => each_text_row(rows, width, &mut each),
            Fetched::Postgres(rows) => each_text_row(rows, width, &mut each),
        }
    }
}

fn each_text_row<R: Row>(
    rows: &[R],
    width: usize,
    each: &mut impl FnMut(&[Option<&str>]),
) -> Result<(), sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> Option<&'r str>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut cells: Vec<Option<&str>> = Vec::with_capacity(width);
    for row in rows {
        cells.clear();
        for index in 0..width {
            cells.push(row.try_get::<Option<&str>, _>(index)?);
        }
        each(&cells);
    }
    Ok(())
}

/// PostgreSQL, one key column: all the keys as one array parameter, `key = ANY($1)`, instead of
/// a parameter each.
async fn postgres_rows_by_key<K: AsRef<[Value]>>(
    connection: &mut PgConnection,
    table: &str,
    key: &str,
    columns: &[String],
    keys: &[K],
) -> Result<Fetched, DbError> {
    let selected: Vec<String> = std::iter::once(&key.to_string())
        .chain(columns)
        .map(|column| format!("CAST({} AS TEXT)", quote(column)))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE {} = ANY($1)",
        selected.join(", "),
        quote(table),
        quote(key)
    );
    let values: Vec<&Value> = keys.iter().filter_map(|row| row.as_ref().first()).collect();
    let mut arguments = PgArguments::default();
    // One array of the key's type: the first value's kind says which, and every other value
    // must be of that kind (keys of one field are); a null matches no key and is left out.
    fn all<T>(
        values: &[&Value],
        pick: impl Fn(&Value) -> Option<T>,
    ) -> Result<Vec<T>, sqlx::error::BoxDynError> {
        values
            .iter()
            .filter(|value| !matches!(value, Value::Null))
            .map(|value| pick(value))
            .collect::<Option<Vec<T>>>()
            .ok_or_else(|| "the keys are not all of one kind".into())
    }
    let bound = match values.first() {
        Some(Value::Integer(_)) => all(&values, |value| match value {
            Value::Integer(number) => Some(*number),
            _ => None,
        })
        .and_then(|array| arguments.add(array)),
        Some(Value::Decimal(_)) => all(&values, |value| match value {
            Value::Decimal(number) => Some(*number),
            _ => None,
        })
        .and_then(|array| arguments.add(array)),
        Some(Value::Date(_)) => all(&values, |value| match value {
            Value::Date(date) => Some(*date),
            _ => None,
        })
        .and_then(|array| arguments.add(array)),
        Some(Value::DateTime(_)) => all(&values, |value| match value {
            Value::DateTime(datetime) => Some(*datetime),
            _ => None,
        })
        .and_then(|array| arguments.add(array)),
        Some(Value::Boolean(_)) => all(&values, |value| match value {
            Value::Boolean(flag) => Some(*flag),
            _ => None,
        })
        .and_then(|array| arguments.add(array)),
        Some(Value::Text(_) | Value::Null) | None => all(&values, |value| match value {
            Value::Text(text) => Some(text.to_string()),
            _ => None,
        })
        .and_then(|array| arguments.add(array)),
    };
    bound.map_err(|error| bind_error(table, error))?;
    let rows = sqlx::query_with(AssertSqlSafe(sql), arguments)
        .fetch_all(&mut *connection)
        .await
        .map_err(|error| query_error(table, error))?;
    Ok(Fetched::Postgres(rows))
}

fn query_error(table: &str, error: sqlx::Error) -> DbError {
    if let Some(database_error) = error.as_database_error()
        && database_error.is_unique_violation()
    {
        return DbError::UniqueViolation {
            table: table.to_string(),
            reason: server_message(&error),
        };
    }
    DbError::Query {
        table: table.to_string(),
        reason: server_message(&error),
    }
}

/// What the server said, for a person: PostgreSQL's message with its detail and hint, without
/// the line of the server's own source file that sqlx's display adds ("at line 1234").
pub(crate) fn server_message(error: &sqlx::Error) -> String {
    let Some(database_error) = error.as_database_error() else {
        return error.to_string();
    };
    let mut message = database_error.message().to_string();
    if let Some(postgres) = database_error.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        if let Some(detail) = postgres.detail() {
            message.push_str(" (");
            message.push_str(detail);
            message.push(')');
        }
        if let Some(hint) = postgres.hint() {
            message.push_str("; ");
            message.push_str(hint);
        }
    }
    message
}

fn bind_error(table: &str, error: sqlx::error::BoxDynError) -> DbError {
    DbError::Query {
        table: table.to_string(),
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests;
