//! Writing a commit: one transaction, opened by [`Database::begin_load`] (a [`Transaction`]
//! under the table's lock), fed batch by batch by [`Database::load_batch`] (or, into a table
//! this transaction created on PostgreSQL, by one [`InsertStream`]), closed by
//! [`Database::finish_load`] and the transaction's commit; dropped any other way, it rolls back.
//! A commit that holds its whole plan goes through the same steps at once
//! ([`Database::write`]).
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `db/write.rs`: the one write path of commits, on both backends. `begin_load` opens the
//! transaction (`Begin::Table`) and creates the table when the plan says so, giving the guard; `load_batch` writes a batch of planned inserts and updates
//! (SQLite: multi-row INSERTs, the SQL built once per batch size, then `UPDATE … FROM (VALUES
//! …)`, each under the parameter limit; PostgreSQL: `COPY` straight into the table for inserts,
//! `COPY` into a staging table for updates); `finish_load` applies the staged updates with one
//! `UPDATE … FROM`; `record_history` adds the `HistoryEntry` (`db/history.rs`, with the table's DDL) to `intake_imports`;
//! the guard ends it (`load::commit_with_journal` records the history row, puts
//! the journal in place, then commits). `execute_bound` is the one place statements get their values bound, for commits and undos alike. `InsertStream` is one `COPY` kept open for every insert
//! of a streamed commit into a table the same transaction created (PostgreSQL). An insert whose
//! key appeared since the plan fails, an update that finds fewer rows than planned stops with
//! `Changed`, and no sequence value is spent on a row only updated. `write` runs the steps over a
//! whole plan; when the database refuses it, `failing_row` replays it a row at a time (staged
//! updates one by one under a savepoint) in a transaction that is rolled back, to name the row.

use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgArguments, PgConnection, PgCopyIn};
use sqlx::sqlite::SqliteArguments;

use super::history::{HISTORY_ADD_BACKUP, history_table_sql};
use super::{
    Backend, Begin, Database, DbError, Dialect, HISTORY_TABLE, HistoryEntry, Transaction,
    bind_error, bind_postgres, bind_sqlite, field_type_of, query_error, quote,
};
use crate::value::{FieldType, Value};

/// The target of a commit and how it is written.
#[derive(Clone)]
pub(crate) struct Load<'a> {
    pub table: &'a str,
    /// `CREATE TABLE` to run first, when the table does not exist yet.
    pub create_sql: Option<String>,
    pub columns: &'a [String],
    /// The field type of each column, for typed nulls.
    pub types: &'a [FieldType],
    pub key: &'a [String],
    /// Most rows in one SQLite statement (bind limits permitting).
    pub batch_size: usize,
}

/// What a commit that holds its whole plan writes.
#[derive(Clone)]
pub(crate) struct Write<'a> {
    pub load: Load<'a>,
    /// The planned inserts first, then the planned updates.
    pub rows: &'a [&'a [Value]],
    /// How many of `rows`, from the start, are inserts.
    pub inserts: usize,
    /// Recorded in `intake_imports` in the same transaction.
    pub history: Option<HistoryEntry>,
}

/// An open load: what its transaction holds so far.
#[derive(Debug, Default)]
pub(crate) struct Loading {
    /// PostgreSQL: rows copied into the staging table of updates, applied by `finish_load`.
    staged: u64,
}

impl Database {
    /// In one transaction: creates the table when asked, then inserts and updates `rows`, and
    /// records the history entry. On any failure nothing is written.
    pub(crate) async fn write(&mut self, write: &Write<'_>) -> Result<(), DbError> {
        let (inserts, updates) = write.rows.split_at(write.inserts.min(write.rows.len()));
        let (mut transaction, mut loading) = self.begin_load(&write.load).await?;
        let mut written = transaction
            .load_batch(&write.load, &mut loading, inserts, updates)
            .await;
        if written.is_ok() {
            written = transaction.finish_load(&write.load, loading).await;
        }
        if written.is_ok()
            && let Some(entry) = &write.history
        {
            written = transaction.record_history(write.load.table, entry).await;
        }
        transaction.finish(written).await
    }

    /// Replays a write one row at a time in a transaction that is always rolled back, and gives
    /// the position (in `rows`) of the first row the database refuses: how a failed commit names
    /// the row that caused it.
    pub(crate) async fn failing_row(
        &mut self,
        write: &Write<'_>,
    ) -> Result<Option<usize>, DbError> {
        let (mut transaction, mut loading) = self.begin_load(&write.load).await?;
        let mut failing = None;
        for (index, row) in write.rows.iter().enumerate() {
            let (inserts, updates): (&[&[Value]], &[&[Value]]) = if index < write.inserts {
                (std::slice::from_ref(row), &[])
            } else {
                (&[], std::slice::from_ref(row))
            };
            if transaction
                .load_batch(&write.load, &mut loading, inserts, updates)
                .await
                .is_err()
            {
                failing = Some(index);
                break;
            }
        }
        if failing.is_none() && loading.staged > 0 {
            // PostgreSQL applies updates at the end: one of those failed, found one at a time.
            failing = transaction.failing_update(write, loading).await;
        }
        transaction.rollback().await;
        Ok(failing)
    }

    /// PostgreSQL: the first staged update whose UPDATE fails, each under a savepoint.
    async fn failing_update(&mut self, write: &Write<'_>, mut loading: Loading) -> Option<usize> {
        for index in write.inserts..write.rows.len() {
            self.execute(write.load.table, "SAVEPOINT intake_probe")
                .await
                .ok()?;
            self.execute(write.load.table, "TRUNCATE intake_update")
                .await
                .ok()?;
            loading.staged = 0;
            let row = std::slice::from_ref(&write.rows[index]);
            let applied = match self.load_batch(&write.load, &mut loading, &[], row).await {
                Ok(()) => self.apply_staged(&write.load, &mut loading).await,
                Err(error) => Err(error),
            };
            if applied.is_err() {
                return Some(index);
            }
            self.execute(write.load.table, "RELEASE SAVEPOINT intake_probe")
                .await
                .ok()?;
        }
        None
    }

    /// Opens the transaction of a commit, under the table's lock ([`Begin::Table`]), and
    /// creates the table when asked.
    pub(crate) async fn begin_load(
        &mut self,
        load: &Load<'_>,
    ) -> Result<(Transaction<'_>, Loading), DbError> {
        let table = load.table;
        let mut transaction = self.begin(Begin::Table(table)).await?;
        if let Some(create) = &load.create_sql {
            // Planned while the table did not exist; another import may have created it while
            // this one waited for the lock. Its plan (every row an insert) is not this table's.
            if transaction.table_columns(table).await?.is_some() {
                transaction.rollback().await;
                return Err(DbError::Changed {
                    table: table.to_string(),
                    reason: "another import created the table after this one was planned; nothing was written".to_string(),
                });
            }
            transaction.execute(table, create).await?;
        }
        Ok((transaction, Loading::default()))
    }

    /// Writes planned inserts and updates inside the open transaction. SQLite: multi-row
    /// INSERTs (a key that appeared since the plan fails them, and no sequence value is spent on
    /// a row that is only updated), then `UPDATE ... FROM (VALUES ...)` by key, each of which
    /// must change exactly its rows. PostgreSQL: inserts by `COPY` straight into the table,
    /// updates by `COPY` into a staging table, applied by [`Database::finish_load`].
    pub(crate) async fn load_batch(
        &mut self,
        load: &Load<'_>,
        loading: &mut Loading,
        inserts: &[&[Value]],
        updates: &[&[Value]],
    ) -> Result<(), DbError> {
        let table = load.table;
        let dialect = self.dialect();
        if let Backend::Postgres(connection) = self.backend().await {
            let column_list = column_list(load);
            if !inserts.is_empty() {
                copy_rows(connection, table, &quote(table), &column_list, inserts).await?;
            }
            if !updates.is_empty() {
                if loading.staged == 0 {
                    sqlx::query(AssertSqlSafe(format!(
                        "CREATE TEMP TABLE IF NOT EXISTS intake_update ON COMMIT DROP AS SELECT {column_list} FROM {} WITH NO DATA",
                        quote(table)
                    )))
                    .execute(&mut *connection)
                    .await
                    .map_err(|error| query_error(table, error))?;
                }
                copy_rows(connection, table, "intake_update", &column_list, updates).await?;
                loading.staged += updates.len() as u64;
            }
            return Ok(());
        }
        for (sql, rows, expected) in write_statements(load, inserts, updates, dialect) {
            let affected = self.execute_rows(table, &sql, rows, load.types).await?;
            if let Some(expected) = expected
                && affected != expected
            {
                return Err(rows_gone(table, expected, affected));
            }
        }
        Ok(())
    }

    /// Applies the staged updates (PostgreSQL), still inside the transaction.
    pub(crate) async fn finish_load(
        &mut self,
        load: &Load<'_>,
        mut loading: Loading,
    ) -> Result<(), DbError> {
        self.apply_staged(load, &mut loading).await
    }

    /// Records a commit in `intake_imports`, inside its transaction (the table is made, or
    /// given the column later versions added, when needed).
    pub(crate) async fn record_history(
        &mut self,
        table: &str,
        entry: &HistoryEntry,
    ) -> Result<(), DbError> {
        let dialect = self.dialect();
        self.execute(table, &history_table_sql(dialect)).await?;
        let columns = self.table_columns(HISTORY_TABLE).await?.unwrap_or_default();
        if !columns.iter().any(|column| column == "backup_id") {
            self.execute(table, HISTORY_ADD_BACKUP).await?;
        }
        let values = entry.values();
        let types: Vec<FieldType> = values.iter().map(field_type_of).collect();
        self.execute_rows(table, &history_insert_sql(dialect), &[&values], &types)
            .await?;
        Ok(())
    }

    /// PostgreSQL: one `UPDATE ... FROM` the staging table, which must change every staged row.
    async fn apply_staged(
        &mut self,
        load: &Load<'_>,
        loading: &mut Loading,
    ) -> Result<(), DbError> {
        let table = load.table;
        let assignments: Vec<String> = load
            .columns
            .iter()
            .filter(|column| !load.key.contains(column))
            .map(|column| format!("{0} = s.{0}", quote(column)))
            .collect();
        if loading.staged == 0 || assignments.is_empty() {
            return Ok(());
        }
        let matches: Vec<String> = load
            .key
            .iter()
            .map(|column| format!("{}.{1} = s.{1}", quote(table), quote(column)))
            .collect();
        let sql = format!(
            "UPDATE {} SET {} FROM intake_update AS s WHERE {}",
            quote(table),
            assignments.join(", "),
            matches.join(" AND ")
        );
        let affected = self.execute_rows(table, &sql, &[], &[]).await?;
        let expected = std::mem::take(&mut loading.staged);
        if affected != expected {
            return Err(rows_gone(table, expected, affected));
        }
        Ok(())
    }

    /// PostgreSQL, into a table created by this transaction: one `COPY` for every insert of the
    /// load, fed as rows come, so that the server writes while the file is still being read.
    /// `None` on SQLite.
    pub(crate) async fn insert_stream<'d>(
        &'d mut self,
        load: &Load<'_>,
    ) -> Result<Option<InsertStream<'d>>, DbError> {
        let Backend::Postgres(connection) = self.backend().await else {
            return Ok(None);
        };
        let table = load.table.to_string();
        let copy = connection
            .copy_in_raw(&format!(
                "COPY {} ({}) FROM STDIN (FORMAT csv)",
                quote(&table),
                column_list(load)
            ))
            .await
            .map_err(|error| query_error(&table, error))?;
        Ok(Some(InsertStream {
            copy,
            table,
            buffer: Vec::with_capacity(COPY_CHUNK),
        }))
    }

    /// Runs one statement with the values of `rows` bound in order; gives the rows it changed.
    async fn execute_rows(
        &mut self,
        table: &str,
        sql: &str,
        rows: &[&[Value]],
        types: &[FieldType],
    ) -> Result<u64, DbError> {
        let values = rows
            .iter()
            .flat_map(|row| row.iter().zip(types.iter().copied()));
        self.execute_bound(table, sql, values).await
    }

    /// Runs one statement with `values` bound in order (each with its field's type, for typed
    /// nulls on PostgreSQL); gives the rows it changed. The one place commits and undos bind.
    pub(super) async fn execute_bound<'v>(
        &mut self,
        table: &str,
        sql: &str,
        values: impl Iterator<Item = (&'v Value, FieldType)>,
    ) -> Result<u64, DbError> {
        let done = match self.backend().await {
            Backend::Sqlite(connection) => {
                let mut arguments = SqliteArguments::default();
                let mut scratch = String::new();
                for (value, _) in values {
                    bind_sqlite(&mut arguments, value, &mut scratch)
                        .map_err(|error| bind_error(table, error))?;
                }
                sqlx::query_with(AssertSqlSafe(sql), arguments)
                    .execute(&mut *connection)
                    .await
                    .map(|done| done.rows_affected())
            }
            Backend::Postgres(connection) => {
                let mut arguments = PgArguments::default();
                for (value, field_type) in values {
                    bind_postgres(&mut arguments, value, field_type)
                        .map_err(|error| bind_error(table, error))?;
                }
                sqlx::query_with(AssertSqlSafe(sql), arguments)
                    .execute(&mut *connection)
                    .await
                    .map(|done| done.rows_affected())
            }
        };
        done.map_err(|error| query_error(table, error))
    }
}

/// How much COPY text is sent at a time.
const COPY_CHUNK: usize = 1 << 20;

/// One `COPY` into a table, open while rows come (see [`Database::insert_stream`]).
pub(crate) struct InsertStream<'d> {
    copy: PgCopyIn<&'d mut PgConnection>,
    table: String,
    buffer: Vec<u8>,
}

impl InsertStream<'_> {
    /// Sends rows (values in the order of the load's columns) on, a chunk at a time.
    pub(crate) async fn send(&mut self, rows: &[&[Value]]) -> Result<(), DbError> {
        for row in rows {
            copy_line(&mut self.buffer, row);
            if self.buffer.len() >= COPY_CHUNK {
                let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(COPY_CHUNK));
                self.copy
                    .send(chunk)
                    .await
                    .map_err(|error| query_error(&self.table, error))?;
            }
        }
        Ok(())
    }

    /// Ends the COPY: the server answers once every row is in, or with the error that stopped
    /// it.
    pub(crate) async fn finish(mut self) -> Result<(), DbError> {
        let table = std::mem::take(&mut self.table);
        if !self.buffer.is_empty() {
            let chunk = std::mem::take(&mut self.buffer);
            if let Err(error) = self.copy.send(chunk).await {
                let _ = self.copy.abort("intake could not send every row").await;
                return Err(query_error(&table, error));
            }
        }
        self.copy
            .finish()
            .await
            .map(|_| ())
            .map_err(|error| query_error(&table, error))
    }

    /// Gives the COPY up: the server discards what it received.
    pub(crate) async fn abort(self) {
        let _ = self.copy.abort("intake stopped the import").await;
    }
}

/// The load's columns, quoted, comma-separated.
fn column_list(load: &Load<'_>) -> String {
    load.columns
        .iter()
        .map(|column| quote(column))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One `COPY ... FROM STDIN` of rows into `target` (a quoted table name).
async fn copy_rows(
    connection: &mut PgConnection,
    table: &str,
    target: &str,
    column_list: &str,
    rows: &[&[Value]],
) -> Result<(), DbError> {
    let fail = |error: sqlx::Error| query_error(table, error);
    let mut copy = connection
        .copy_in_raw(&format!(
            "COPY {target} ({column_list}) FROM STDIN (FORMAT csv)"
        ))
        .await
        .map_err(fail)?;
    let mut buffer = Vec::with_capacity(COPY_CHUNK);
    for row in rows {
        copy_line(&mut buffer, row);
        if buffer.len() >= COPY_CHUNK {
            copy.send(std::mem::replace(
                &mut buffer,
                Vec::with_capacity(COPY_CHUNK),
            ))
            .await
            .map_err(fail)?;
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer).await.map_err(fail)?;
    }
    copy.finish().await.map_err(fail)?;
    Ok(())
}

/// The advisory lock of imports into one table: a stable number from its name.
pub(super) fn lock_key(table: &str) -> i64 {
    let hash = xxhash_rust::xxh3::xxh3_64(format!("intake:{table}").as_bytes());
    i64::from_ne_bytes(hash.to_ne_bytes())
}

fn history_insert_sql(dialect: Dialect) -> String {
    format!(
        "INSERT INTO {HISTORY_TABLE} ({}) VALUES {}",
        HistoryEntry::COLUMNS.join(", "),
        dialect.tuples(1, HistoryEntry::COLUMNS.len())
    )
}

/// One row in COPY's CSV format: an unquoted empty field is NULL, text is always quoted (so an
/// empty string stays one), numbers, booleans and dates as their exact text.
fn copy_line(buffer: &mut Vec<u8>, row: &[Value]) {
    use std::io::Write as _;
    for (index, value) in row.iter().enumerate() {
        if index > 0 {
            buffer.push(b',');
        }
        match value {
            Value::Null => {}
            Value::Text(text) => {
                buffer.push(b'"');
                for byte in text.bytes() {
                    if byte == b'"' {
                        buffer.push(b'"');
                    }
                    buffer.push(byte);
                }
                buffer.push(b'"');
            }
            Value::Integer(_)
            | Value::Decimal(_)
            | Value::Boolean(_)
            | Value::Date(_)
            | Value::DateTime(_) => {
                let _ = write!(buffer, "{value}");
            }
        }
    }
    buffer.push(b'\n');
}

/// One statement of a write: its SQL, the rows it binds, and how many rows it must change.
type Statement<'a> = (String, &'a [&'a [Value]], Option<u64>);

/// SQLite's statements for a batch, each with the rows it binds and, for updates, how many rows
/// it must change: multi-row INSERTs, then `UPDATE ... FROM (VALUES ...)` by key.
fn write_statements<'a>(
    load: &Load<'_>,
    inserts: &'a [&'a [Value]],
    updates: &'a [&'a [Value]],
    dialect: Dialect,
) -> Vec<Statement<'a>> {
    let width = load.columns.len().max(1);
    let rows_per_batch = load.batch_size.min(dialect.max_parameters() / width).max(1);
    let columns: Vec<String> = load.columns.iter().map(|column| quote(column)).collect();
    // Every batch but the last has the same size, so the same SQL: built once.
    let mut insert_sql: Option<(usize, String)> = None;
    let mut statements: Vec<Statement<'a>> = inserts
        .chunks(rows_per_batch)
        .map(|batch| {
            let sql = match &insert_sql {
                Some((rows, sql)) if *rows == batch.len() => sql.clone(),
                _ => {
                    let sql = format!(
                        "INSERT INTO {} ({}) VALUES {}",
                        quote(load.table),
                        columns.join(", "),
                        dialect.tuples(batch.len(), columns.len())
                    );
                    insert_sql = Some((batch.len(), sql.clone()));
                    sql
                }
            };
            (sql, batch, None)
        })
        .collect();
    let value_column = |index: usize| dialect.values_column("v", index);
    let alias = dialect.values_alias("v", load.columns.len());
    let assignments: Vec<String> = load
        .columns
        .iter()
        .enumerate()
        .filter(|(_, column)| !load.key.contains(column))
        .map(|(index, column)| format!("{} = {}", quote(column), value_column(index)))
        .collect();
    let matches: Vec<String> = load
        .columns
        .iter()
        .enumerate()
        .filter(|(_, column)| load.key.contains(column))
        .map(|(index, column)| {
            format!(
                "{}.{} = {}",
                quote(load.table),
                quote(column),
                value_column(index)
            )
        })
        .collect();
    if !assignments.is_empty() {
        statements.extend(updates.chunks(rows_per_batch).map(|batch| {
            let sql = format!(
                "UPDATE {} SET {} FROM (VALUES {}) AS {alias} WHERE {}",
                quote(load.table),
                assignments.join(", "),
                dialect.tuples(batch.len(), columns.len()),
                matches.join(" AND ")
            );
            (sql, batch, Some(batch.len() as u64))
        }));
    }
    statements
}

/// An update that found fewer rows than the plan: the table changed since.
fn rows_gone(table: &str, expected: u64, affected: u64) -> DbError {
    DbError::Changed {
        table: table.to_string(),
        reason: format!(
            "{} of {expected} rows to update are no longer there",
            expected - affected.min(expected)
        ),
    }
}
