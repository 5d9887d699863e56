//! Whole tables in and out, for backups: what a table is (`TableShape`), every row of several
//! tables read in one consistent snapshot, and a restore that makes tables equal to a set of
//! rows in one transaction. Values travel as [`Stored`], what a table holds whatever the engine;
//! the backup format itself is `crate::backup`'s business.

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteArguments, SqliteConnection};
use sqlx::{Arguments, AssertSqlSafe, Executor, Row, TypeInfo, ValueRef};

use super::{Backend, Database, DbError, Dialect, quote};

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
    fn quoted_columns(&self) -> String {
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
pub trait RowSink {
    fn begin_table(&mut self, shape: &TableShape) -> Result<(), String>;
    fn row(&mut self, row: &[Stored]) -> Result<(), String>;
    fn end_table(&mut self) -> Result<(), String>;
}

/// One table to restore: its shape as backed up, and its rows in key order.
pub struct RestoreTable<'a> {
    pub shape: &'a TableShape,
    pub rows: Box<dyn Iterator<Item = Result<Vec<Stored>, String>> + 'a>,
}

/// What a restore did to one table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Restored {
    pub table: String,
    pub created: bool,
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
}

/// What errors name when they are not about one table.
const WHOLE: &str = "the database";

/// Tables intake keeps for itself, left out of `--all`.
const OWN_TABLES: [&str; 1] = [super::HISTORY_TABLE];

impl Database {
    /// The server's version (PostgreSQL), or the SQLite library's.
    pub async fn server_version(&mut self) -> Result<String, DbError> {
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
    pub async fn user_tables(&mut self) -> Result<Vec<String>, DbError> {
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
    pub async fn table_shape(&mut self, table: &str) -> Result<Option<TableShape>, DbError> {
        let name = crate::value::Value::Text(table.into());
        let parameters = std::slice::from_ref(&name);
        let dialect = self.dialect();
        let (columns_sql, unique_sql, foreign_sql, sequences_sql) = match dialect {
            Dialect::Sqlite => (
                "SELECT name, type, CAST(\"notnull\" AS TEXT), dflt_value, CAST(pk AS TEXT) \
                 FROM pragma_table_info(?) ORDER BY cid",
                // Unique constraints and CREATE UNIQUE INDEX on plain columns, not partial.
                "SELECT list.name, info.name FROM pragma_index_list(?) AS list \
                 JOIN pragma_index_info(list.name) AS info \
                 WHERE list.\"unique\" = 1 AND list.origin IN ('u', 'c') AND list.partial = 0 \
                 ORDER BY list.name, info.seqno",
                // One row per column of each foreign key; `to` is null when the key refers to
                // the parent's primary key.
                "SELECT CAST(id AS TEXT), \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq",
                "",
            ),
            Dialect::Postgres => (
                "SELECT CAST(a.attname AS TEXT), CAST(format_type(a.atttypid, a.atttypmod) AS TEXT), \
                 CASE WHEN a.attnotnull THEN '1' ELSE '0' END, \
                 CASE WHEN a.attidentity <> '' THEN 'GENERATED BY DEFAULT AS IDENTITY' \
                      ELSE CAST(pg_get_expr(d.adbin, d.adrelid) AS TEXT) END, \
                 CAST(COALESCE((SELECT k.n FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) \
                   WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum), 0) AS TEXT) \
                 FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                 WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) \
                   AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                "SELECT CAST(CAST(i.indexrelid AS regclass) AS TEXT), CAST(a.attname AS TEXT) \
                 FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                 WHERE i.indrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) \
                   AND i.indisunique AND NOT i.indisprimary AND i.indpred IS NULL AND i.indexprs IS NULL \
                 ORDER BY 1, k.n",
                "SELECT CAST(c.conname AS TEXT), CAST(p.relname AS TEXT), CAST(ca.attname AS TEXT), CAST(pa.attname AS TEXT) \
                 FROM pg_constraint c JOIN pg_class p ON p.oid = c.confrelid \
                 CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(child, parent, n) \
                 JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.child \
                 JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.parent \
                 WHERE c.contype = 'f' AND c.conrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) \
                 ORDER BY c.conname, k.n",
                "SELECT CAST(a.attname AS TEXT), CAST(s.name AS TEXT), CAST(pg_sequence_last_value(CAST(s.name AS regclass)) AS TEXT) \
                 FROM pg_attribute a, \
                   pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident($1), CAST(a.attname AS TEXT)) AS s(name) \
                 WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) \
                   AND a.attnum > 0 AND NOT a.attisdropped AND s.name IS NOT NULL ORDER BY a.attnum",
            ),
        };
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

    /// Reads the tables in one consistent snapshot (a read-only repeatable-read transaction in
    /// PostgreSQL, one read transaction in SQLite): each table's shape, then its rows in key
    /// order, into `sink`. Gives the shapes.
    pub async fn snapshot(
        &mut self,
        tables: &[String],
        sink: &mut dyn RowSink,
    ) -> Result<Vec<TableShape>, DbError> {
        let begin = match self.dialect() {
            Dialect::Sqlite => "BEGIN",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        self.execute(WHOLE, begin).await?;
        let result = self.snapshot_in_transaction(tables, sink).await;
        // Nothing was written: the end of the transaction only lets go of the snapshot.
        let ended = self.execute(WHOLE, "ROLLBACK").await;
        let shapes = result?;
        ended?;
        Ok(shapes)
    }

    async fn snapshot_in_transaction(
        &mut self,
        tables: &[String],
        sink: &mut dyn RowSink,
    ) -> Result<Vec<TableShape>, DbError> {
        let mut shapes = Vec::new();
        for table in tables {
            let shape = self
                .table_shape(table)
                .await?
                .ok_or_else(|| DbError::Query {
                    table: table.clone(),
                    reason: format!(
                        "no such table in {}: `intake backup create --all` backs up every table there is",
                        self.location
                    ),
                })?;
            self.dump(&shape, &shape.column_names(), sink).await?;
            shapes.push(shape);
        }
        Ok(shapes)
    }

    /// Every row of a table, the given columns in key order (all columns when there is no
    /// key), into `sink`.
    async fn dump(
        &mut self,
        shape: &TableShape,
        columns: &[String],
        sink: &mut dyn RowSink,
    ) -> Result<(), DbError> {
        let table = shape.name.as_str();
        let aborted = |reason: String| DbError::Query {
            table: table.to_string(),
            reason,
        };
        let fail = |error: sqlx::Error| super::query_error(table, error);
        sink.begin_table(shape).map_err(aborted)?;
        let dialect = self.dialect();
        let order = order_by(shape, columns, dialect);
        match &mut self.connection {
            Backend::Sqlite(connection) => {
                let selected: Vec<String> = columns.iter().map(|column| quote(column)).collect();
                let sql = format!(
                    "SELECT {} FROM {} ORDER BY {order}",
                    selected.join(", "),
                    quote(table)
                );
                let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut *connection);
                let mut values = Vec::with_capacity(columns.len());
                while let Some(row) = rows.try_next().await.map_err(fail)? {
                    values.clear();
                    for index in 0..columns.len() {
                        values.push(sqlite_value(&row, index).map_err(fail)?);
                    }
                    sink.row(&values).map_err(aborted)?;
                }
            }
            Backend::Postgres(connection) => {
                let kinds: Vec<PgKind> = columns
                    .iter()
                    .map(|column| {
                        shape
                            .columns
                            .iter()
                            .find(|shape| shape.name == *column)
                            .map_or(PgKind::Text, |shape| PgKind::of(&shape.declared_type))
                    })
                    .collect();
                // COPY's text output is each value's text form, as CAST(... AS TEXT) gives it,
                // streamed in one go rather than a message a row.
                let selected: Vec<String> = columns.iter().map(|column| quote(column)).collect();
                let sql = format!(
                    "COPY (SELECT {} FROM {} ORDER BY {order}) TO STDOUT",
                    selected.join(", "),
                    quote(table)
                );
                let mut stream = connection.copy_out_raw(&sql).await.map_err(fail)?;
                let mut pending: Vec<u8> = Vec::with_capacity(1 << 16);
                let mut values = Vec::with_capacity(columns.len());
                while let Some(chunk) = stream.try_next().await.map_err(fail)? {
                    pending.extend_from_slice(&chunk);
                    let mut start = 0;
                    while let Some(end) = memchr::memchr(b'\n', &pending[start..]) {
                        values.clear();
                        read_copy_line(&pending[start..start + end], &kinds, &mut values)
                            .map_err(aborted)?;
                        sink.row(&values).map_err(aborted)?;
                        start += end + 1;
                    }
                    pending.drain(..start);
                }
                if !pending.is_empty() {
                    return Err(aborted("COPY ended inside a row".to_string()));
                }
            }
        }
        sink.end_table().map_err(aborted)
    }

    pub(super) async fn execute(&mut self, table: &str, sql: &str) -> Result<u64, DbError> {
        let fail = |error: sqlx::Error| super::query_error(table, error);
        let sql = AssertSqlSafe(sql.to_string());
        match &mut self.connection {
            Backend::Sqlite(connection) => connection
                .execute(sqlx::raw_sql(sql))
                .await
                .map(|done| done.rows_affected()),
            Backend::Postgres(connection) => connection
                .execute(sqlx::raw_sql(sql))
                .await
                .map(|done| done.rows_affected()),
        }
        .map_err(fail)
    }

    /// Makes each table equal to its rows, in one transaction: tables the database lacks are
    /// created, rows not among the given ones deleted, the others inserted or updated where they
    /// differ; sequences set past the restored ids. Before the commit, each table is read back
    /// into `check` (its columns as backed up, in key order), which refuses it when the rows are
    /// not what they should be. Any failure rolls everything back.
    pub async fn restore(
        &mut self,
        source: Dialect,
        tables: Vec<RestoreTable<'_>>,
        check: &mut dyn RowSink,
    ) -> Result<Vec<Restored>, DbError> {
        let begin = match self.dialect() {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        };
        self.execute(WHOLE, begin).await?;
        match self.restore_in_transaction(source, tables, check).await {
            Ok(restored) => {
                self.execute(WHOLE, "COMMIT").await?;
                Ok(restored)
            }
            Err(error) => {
                // The error is what the user needs; a failed rollback ends with the connection.
                let _ = self.execute(WHOLE, "ROLLBACK").await;
                Err(error)
            }
        }
    }

    async fn restore_in_transaction(
        &mut self,
        source: Dialect,
        tables: Vec<RestoreTable<'_>>,
        check: &mut dyn RowSink,
    ) -> Result<Vec<Restored>, DbError> {
        let dialect = self.dialect();
        let names: Vec<String> = tables
            .iter()
            .map(|table| table.shape.name.clone())
            .collect();
        // Tables the database lacks are created first (in PostgreSQL their primary and
        // foreign keys come once the rows are in: building an index once is faster)...
        let mut restored = Vec::new();
        let mut keys = Vec::new();
        let mut foreign = Vec::new();
        let mut empty = Vec::new();
        for table in &tables {
            let shape = table.shape;
            let created = self.table_shape(&shape.name).await?.is_none();
            if created {
                let created_sql = create_table_sql(shape, source, dialect, &names);
                self.execute(&shape.name, &created_sql.create).await?;
                keys.extend(
                    created_sql
                        .keys
                        .into_iter()
                        .map(|sql| (shape.name.clone(), sql)),
                );
                foreign.extend(
                    created_sql
                        .foreign_keys
                        .into_iter()
                        .map(|sql| (shape.name.clone(), sql)),
                );
            }
            let is_empty = created
                || self
                    .fetch_texts(
                        &shape.name,
                        format!("SELECT 'row' FROM {} LIMIT 1", quote(&shape.name)),
                        &[],
                        1,
                    )
                    .await?
                    .is_empty();
            empty.push(is_empty);
            restored.push(Restored {
                table: shape.name.clone(),
                created,
                ..Restored::default()
            });
        }
        // ...foreign keys are checked at the commit, so that the order of rows and tables
        // (cycles, rows that refer to their own table) does not matter...
        let deferred = match dialect {
            Dialect::Sqlite => {
                self.execute(WHOLE, "PRAGMA defer_foreign_keys = ON")
                    .await?;
                Vec::new()
            }
            Dialect::Postgres => self.defer_foreign_keys(&names).await?,
        };
        // ...an empty table takes its rows straight in; the others' go into a staging table...
        let mut shapes = Vec::new();
        let mut staged = Vec::new();
        for (index, table) in tables.into_iter().enumerate() {
            let shape = table.shape;
            if dialect == Dialect::Postgres {
                self.execute(
                    &shape.name,
                    &format!("LOCK TABLE {} IN EXCLUSIVE MODE", quote(&shape.name)),
                )
                .await?;
            }
            if empty[index] {
                restored[index].inserted = self.load_rows(shape, &shape.name, table.rows).await?;
            } else {
                let staging = format!("intake_restore_{index}");
                self.stage(shape, &staging, table.rows).await?;
                staged.push((index, staging));
            }
            shapes.push(shape);
        }
        // ...then rows that are not in the backup go, children before parents...
        for (index, staging) in staged.iter().rev() {
            restored[*index].deleted = self.delete_missing(shapes[*index], staging).await?;
        }
        // ...and the others are updated where they differ and inserted where missing.
        for (index, staging) in &staged {
            let (updated, inserted) = self.upsert_staged(shapes[*index], staging, dialect).await?;
            restored[*index].updated = updated;
            restored[*index].inserted = inserted;
            self.execute(
                &shapes[*index].name,
                &format!("DROP TABLE {}", quote(staging)),
            )
            .await?;
        }
        for (table, sql) in keys.into_iter().chain(foreign) {
            self.execute(&table, &sql).await?;
        }
        for shape in &shapes {
            self.advance_sequences(shape).await?;
        }
        for shape in &shapes {
            let columns = shape.column_names();
            // Read as the table is now (its types), the backed-up columns only.
            let current = self
                .table_shape(&shape.name)
                .await?
                .unwrap_or_else(|| (*shape).clone());
            self.dump(&current, &columns, check).await?;
        }
        match dialect {
            Dialect::Sqlite => {
                let broken = self
                    .fetch_texts(
                        WHOLE,
                        "SELECT \"table\", CAST(rowid AS TEXT), parent FROM pragma_foreign_key_check"
                            .to_string(),
                        &[],
                        3,
                    )
                    .await?;
                if let Some(row) = broken.first() {
                    let text = |index: usize| row[index].clone().unwrap_or_default();
                    return Err(DbError::Query {
                        table: text(0),
                        reason: format!(
                            "row {} refers to a row of {} that the restore does not leave there: restore {} too (or --tables without it)",
                            text(1),
                            text(2),
                            text(2)
                        ),
                    });
                }
            }
            Dialect::Postgres => {
                // The deferred checks run here, then the keys are made as they were.
                self.execute(WHOLE, "SET CONSTRAINTS ALL IMMEDIATE").await?;
                for (table, constraint) in deferred {
                    self.execute(
                        &table,
                        &format!(
                            "ALTER TABLE {} ALTER CONSTRAINT {} NOT DEFERRABLE",
                            quote(&table),
                            quote(&constraint)
                        ),
                    )
                    .await?;
                }
            }
        }
        Ok(restored)
    }

    /// Makes the foreign keys into and out of these tables deferrable and defers them; gives
    /// the ones that were not, to be made so again.
    async fn defer_foreign_keys(
        &mut self,
        tables: &[String],
    ) -> Result<Vec<(String, String)>, DbError> {
        let mut deferred = Vec::new();
        for table in tables {
            let name = crate::value::Value::Text(table.as_str().into());
            let rows = self
                .fetch_texts(
                    table,
                    "SELECT DISTINCT CAST(t.relname AS TEXT), CAST(c.conname AS TEXT) \
                     FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
                     WHERE c.contype = 'f' AND NOT c.condeferrable \
                       AND (c.conrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) \
                         OR c.confrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)))"
                        .to_string(),
                    std::slice::from_ref(&name),
                    2,
                )
                .await?;
            for row in rows {
                let pair = (
                    row[0].clone().unwrap_or_default(),
                    row[1].clone().unwrap_or_default(),
                );
                if !deferred.contains(&pair) {
                    deferred.push(pair);
                }
            }
        }
        for (table, constraint) in &deferred {
            self.execute(
                table,
                &format!(
                    "ALTER TABLE {} ALTER CONSTRAINT {} DEFERRABLE INITIALLY DEFERRED",
                    quote(table),
                    quote(constraint)
                ),
            )
            .await?;
        }
        self.execute(WHOLE, "SET CONSTRAINTS ALL DEFERRED").await?;
        Ok(deferred)
    }

    /// Loads rows into a new temporary table with the backup's columns, indexed by the key.
    async fn stage(
        &mut self,
        shape: &TableShape,
        staging: &str,
        rows: Box<dyn Iterator<Item = Result<Vec<Stored>, String>> + '_>,
    ) -> Result<u64, DbError> {
        let table = shape.name.as_str();
        let column_list = shape.quoted_columns();
        let create = match self.dialect() {
            // The target's column affinities: values are converted as an INSERT into the
            // table would convert them, and the key index serves comparisons with it.
            Dialect::Sqlite => format!(
                "CREATE TEMP TABLE {} AS SELECT {column_list} FROM main.{} WHERE 0",
                quote(staging),
                quote(table)
            ),
            Dialect::Postgres => format!(
                "CREATE TEMP TABLE {} AS SELECT {column_list} FROM {} WITH NO DATA",
                quote(staging),
                quote(table)
            ),
        };
        self.execute(table, &create).await?;
        let loaded = self.load_rows(shape, staging, rows).await?;
        // The comparisons with the table look rows up by key on both sides.
        if !shape.primary_key.is_empty() {
            let key: Vec<String> = shape.primary_key.iter().map(|name| quote(name)).collect();
            self.execute(
                table,
                &format!(
                    "CREATE INDEX {} ON {} ({})",
                    quote(&format!("{staging}_key")),
                    quote(staging),
                    key.join(", ")
                ),
            )
            .await?;
            if self.dialect() == Dialect::Postgres {
                self.execute(table, &format!("ANALYZE {}", quote(staging)))
                    .await?;
            }
        }
        Ok(loaded)
    }

    /// Loads rows into a table (COPY in PostgreSQL, multi-row INSERTs in SQLite). Gives how
    /// many.
    async fn load_rows(
        &mut self,
        shape: &TableShape,
        into: &str,
        rows: Box<dyn Iterator<Item = Result<Vec<Stored>, String>> + '_>,
    ) -> Result<u64, DbError> {
        let table = shape.name.as_str();
        let fail = |error: sqlx::Error| super::query_error(table, error);
        let aborted = |reason: String| DbError::Query {
            table: table.to_string(),
            reason,
        };
        let column_list = shape.quoted_columns();
        // Every row has one value a column, whichever engine takes it.
        let expected = shape.columns.len();
        let rows = rows.map(move |row| {
            row.and_then(|row| {
                if row.len() == expected {
                    Ok(row)
                } else {
                    Err(format!(
                        "a row of the backup has {} values for {expected} columns",
                        row.len()
                    ))
                }
            })
        });
        match &mut self.connection {
            Backend::Sqlite(connection) => {
                let width = expected.max(1);
                let per_statement = (Dialect::Sqlite.max_parameters() / width).clamp(1, 500);
                let mut batch: Vec<Vec<Stored>> = Vec::with_capacity(per_statement);
                let mut rows = rows.peekable();
                let mut loaded = 0;
                while let Some(row) = rows.next() {
                    batch.push(row.map_err(aborted)?);
                    if batch.len() == per_statement || rows.peek().is_none() {
                        insert_sqlite(connection, into, &column_list, width, &batch)
                            .await
                            .map_err(fail)?;
                        loaded += batch.len() as u64;
                        batch.clear();
                    }
                }
                Ok(loaded)
            }
            Backend::Postgres(connection) => {
                copy_postgres(connection, table, into, &column_list, Box::new(rows)).await
            }
        }
    }

    /// Deletes the rows whose key the staging table does not have (every row, for a table
    /// without a key whose content differs). Gives how many.
    async fn delete_missing(&mut self, shape: &TableShape, staging: &str) -> Result<u64, DbError> {
        let table = quote(&shape.name);
        if shape.primary_key.is_empty() {
            if self.same_rows(shape, staging).await? {
                return Ok(0);
            }
            return self
                .execute(&shape.name, &format!("DELETE FROM {table}"))
                .await;
        }
        let matches = key_match(&shape.primary_key, "s", &table);
        self.execute(
            &shape.name,
            &format!(
                "DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM {} AS s WHERE {matches})",
                quote(staging)
            ),
        )
        .await
    }

    /// True when a table without a key holds exactly the staged rows (as multisets).
    async fn same_rows(&mut self, shape: &TableShape, staging: &str) -> Result<bool, DbError> {
        let list = shape.quoted_columns();
        let table = quote(&shape.name);
        let staging = quote(staging);
        // Rows with how often each occurs, compared both ways: equal as multisets.
        let grouped = |from: &str| format!("SELECT {list}, count(*) FROM {from} GROUP BY {list}");
        let sql = format!(
            "SELECT CAST((SELECT count(*) FROM {table}) AS TEXT), CAST((SELECT count(*) FROM {staging}) AS TEXT), \
             CAST((SELECT count(*) FROM ({} EXCEPT {}) AS a) AS TEXT), \
             CAST((SELECT count(*) FROM ({} EXCEPT {}) AS b) AS TEXT)",
            grouped(&table),
            grouped(&staging),
            grouped(&staging),
            grouped(&table)
        );
        let rows = self.fetch_texts(&shape.name, sql, &[], 4).await?;
        let counts: Vec<String> = rows
            .first()
            .map(|row| {
                row.iter()
                    .map(|cell| cell.clone().unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default();
        Ok(counts.len() == 4 && counts[0] == counts[1] && counts[2] == "0" && counts[3] == "0")
    }

    /// Updates rows whose values differ from the staged ones, then inserts the staged rows whose
    /// key the table lacks (all of them, for a table without a key that was emptied). Gives
    /// (updated, inserted).
    async fn upsert_staged(
        &mut self,
        shape: &TableShape,
        staging: &str,
        dialect: Dialect,
    ) -> Result<(u64, u64), DbError> {
        let table = quote(&shape.name);
        let quoted_staging = quote(staging);
        let columns: Vec<String> = shape
            .columns
            .iter()
            .map(|column| quote(&column.name))
            .collect();
        let list = columns.join(", ");
        // Identity columns declared GENERATED ALWAYS take the backed-up ids all the same.
        let overriding = if dialect == Dialect::Postgres {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        if shape.primary_key.is_empty() {
            let current = self
                .fetch_texts(
                    &shape.name,
                    format!("SELECT CAST(count(*) AS TEXT) FROM {table}"),
                    &[],
                    1,
                )
                .await?;
            if current
                .first()
                .and_then(|row| row[0].as_deref())
                .is_some_and(|count| count != "0")
            {
                return Ok((0, 0));
            }
            let inserted = self
                .execute(
                    &shape.name,
                    &format!(
                        "INSERT INTO {table} ({list}){overriding} SELECT {list} FROM {quoted_staging}"
                    ),
                )
                .await?;
            return Ok((0, inserted));
        }
        let others: Vec<&String> = shape
            .columns
            .iter()
            .map(|column| &column.name)
            .filter(|name| !shape.primary_key.contains(name))
            .collect();
        let mut updated = 0;
        if !others.is_empty() {
            let distinct = match dialect {
                Dialect::Sqlite => "IS NOT",
                Dialect::Postgres => "IS DISTINCT FROM",
            };
            let assignments: Vec<String> = others
                .iter()
                .map(|name| format!("{0} = s.{0}", quote(name)))
                .collect();
            let differences: Vec<String> = others
                .iter()
                .map(|name| format!("{table}.{0} {distinct} s.{0}", quote(name)))
                .collect();
            updated = self
                .execute(
                    &shape.name,
                    &format!(
                        "UPDATE {table} SET {} FROM {quoted_staging} AS s WHERE {} AND ({})",
                        assignments.join(", "),
                        key_match(&shape.primary_key, "s", &table),
                        differences.join(" OR ")
                    ),
                )
                .await?;
        }
        let selected: Vec<String> = columns.iter().map(|column| format!("s.{column}")).collect();
        let inserted = self
            .execute(
                &shape.name,
                &format!(
                    "INSERT INTO {table} ({list}){overriding} SELECT {} FROM {quoted_staging} AS s \
                     WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {})",
                    selected.join(", "),
                    key_match(&shape.primary_key, "s", &table)
                ),
            )
            .await?;
        Ok((updated, inserted))
    }

    /// Sets each id counter of the table past the largest id it holds and the value the backup
    /// recorded, never back from where it is: no id is handed out twice.
    async fn advance_sequences(&mut self, backed_up: &TableShape) -> Result<(), DbError> {
        let Some(current) = self.table_shape(&backed_up.name).await? else {
            return Ok(());
        };
        let table = quote(&backed_up.name);
        for sequence in &current.sequences {
            let recorded = backed_up
                .sequences
                .iter()
                .find(|state| state.column == sequence.column)
                .and_then(|state| state.last_value)
                .unwrap_or(0);
            let highest = recorded.max(sequence.last_value.unwrap_or(0));
            let column = quote(&sequence.column);
            match self.dialect() {
                Dialect::Postgres => {
                    let name = crate::value::Value::Text(sequence.name.as_str().into());
                    self.fetch_texts(
                        &backed_up.name,
                        format!(
                            "SELECT CAST(setval(CAST($1 AS regclass), m, true) AS TEXT) FROM \
                             (SELECT GREATEST(max(CAST({column} AS BIGINT)), {highest}) AS m FROM {table}) AS t WHERE m > 0"
                        ),
                        std::slice::from_ref(&name),
                        1,
                    )
                    .await?;
                }
                Dialect::Sqlite => {
                    let name = crate::value::Value::Text(backed_up.name.as_str().into());
                    self.fetch_texts(
                        &backed_up.name,
                        format!(
                            "UPDATE sqlite_sequence SET seq = max(seq, {highest}, COALESCE((SELECT max(rowid) FROM {table}), 0)) \
                             WHERE name = ? RETURNING CAST(seq AS TEXT)"
                        ),
                        std::slice::from_ref(&name),
                        1,
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }
}

/// `t.a = s.a AND t.b = s.b` over a key.
fn key_match(key: &[String], staging_alias: &str, table: &str) -> String {
    key.iter()
        .map(|column| format!("{table}.{0} = {staging_alias}.{0}", quote(column)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The order rows are read in: the primary key, else every column; text compared bytewise
/// (`COLLATE "C"` in PostgreSQL, SQLite's default), so that it is the same on every server.
fn order_by(shape: &TableShape, columns: &[String], dialect: Dialect) -> String {
    let key: Vec<&String> = if shape.primary_key.is_empty() {
        columns.iter().collect()
    } else {
        shape.primary_key.iter().collect()
    };
    if key.is_empty() {
        return "1".to_string();
    }
    key.iter()
        .map(|column| {
            let declared = shape
                .columns
                .iter()
                .find(|shape| shape.name == **column)
                .map(|shape| shape.declared_type.to_ascii_lowercase())
                .unwrap_or_default();
            let collatable = declared.contains("char") || declared == "text" || declared == "name";
            if dialect == Dialect::Postgres && collatable {
                format!("{} COLLATE \"C\"", quote(column))
            } else {
                quote(column)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `CREATE TABLE` for a backed-up table, in the target's types (the declared ones when the
/// engines agree; see docs/backup-format.md for the mapping), with its key, its id counter (a
/// serial or identity column, SQLite's INTEGER PRIMARY KEY with AUTOINCREMENT when it had one),
/// its defaults when the engine is the same, and the foreign keys to tables restored with it.
fn create_table_sql(
    shape: &TableShape,
    from: Dialect,
    dialect: Dialect,
    restored: &[String],
) -> CreateTable {
    let single_key = (shape.primary_key.len() == 1).then(|| shape.primary_key[0].as_str());
    let mut key_inline = false;
    let mut lines: Vec<String> = shape
        .columns
        .iter()
        .map(|column| {
            let mut column_type = column_type_for(&column.declared_type, from, dialect);
            let mut extra = String::new();
            let is_key = single_key == Some(column.name.as_str());
            let has_counter = shape
                .sequences
                .iter()
                .any(|sequence| sequence.column == column.name);
            // SQLite's INTEGER PRIMARY KEY hands out ids by itself.
            let counts = has_counter
                || (from == Dialect::Sqlite
                    && is_key
                    && column.declared_type.eq_ignore_ascii_case("INTEGER"));
            let default = column.default.as_deref().unwrap_or_default();
            match dialect {
                Dialect::Postgres if counts => {
                    let serial = match column_type.to_ascii_lowercase().as_str() {
                        "smallint" => Some("SMALLSERIAL"),
                        "integer" => Some("SERIAL"),
                        "bigint" => Some("BIGSERIAL"),
                        _ => None,
                    };
                    match serial {
                        Some(serial) if default.starts_with("nextval(") => {
                            column_type = serial.to_string();
                        }
                        Some(_) => extra = " GENERATED BY DEFAULT AS IDENTITY".to_string(),
                        None => {}
                    }
                }
                Dialect::Sqlite if counts && is_key && column_type == "INTEGER" => {
                    key_inline = true;
                    extra = " PRIMARY KEY".to_string();
                    if has_counter {
                        extra.push_str(" AUTOINCREMENT");
                    }
                }
                _ if from == dialect && !default.is_empty() => {
                    extra = format!(" DEFAULT {default}");
                }
                _ => {}
            }
            let mut line = format!("{} {column_type}{extra}", quote(&column.name));
            if column.not_null && !extra.contains("PRIMARY KEY") {
                line.push_str(" NOT NULL");
            }
            line
        })
        .collect();
    let mut unique_later = Vec::new();
    for columns in &shape.unique {
        let quoted: Vec<String> = columns.iter().map(|name| quote(name)).collect();
        let constraint = format!("UNIQUE ({})", quoted.join(", "));
        match dialect {
            Dialect::Sqlite => lines.push(constraint),
            Dialect::Postgres => {
                unique_later.push(format!(
                    "ALTER TABLE {} ADD {constraint}",
                    quote(&shape.name)
                ));
            }
        }
    }
    let mut key_later = None;
    if !shape.primary_key.is_empty() && !key_inline {
        let key: Vec<String> = shape.primary_key.iter().map(|name| quote(name)).collect();
        let constraint = format!("PRIMARY KEY ({})", key.join(", "));
        match dialect {
            Dialect::Sqlite => lines.push(constraint),
            Dialect::Postgres => {
                key_later = Some(format!(
                    "ALTER TABLE {} ADD {constraint}",
                    quote(&shape.name)
                ));
            }
        }
    }
    let mut later = Vec::new();
    // PostgreSQL wants the referenced table to exist: its keys are added once every table is
    // there (tables may refer to each other). SQLite takes them in the CREATE.
    for foreign in &shape.foreign_keys {
        if !restored.contains(&foreign.table) {
            continue;
        }
        let columns: Vec<String> = foreign.columns.iter().map(|name| quote(name)).collect();
        let references: Vec<String> = foreign.references.iter().map(|name| quote(name)).collect();
        let constraint = format!(
            "FOREIGN KEY ({}) REFERENCES {} ({})",
            columns.join(", "),
            quote(&foreign.table),
            references.join(", ")
        );
        match dialect {
            Dialect::Sqlite => lines.push(constraint),
            Dialect::Postgres => {
                later.push(format!(
                    "ALTER TABLE {} ADD {constraint}",
                    quote(&shape.name)
                ));
            }
        }
    }
    CreateTable {
        create: format!(
            "CREATE TABLE {} (\n  {}\n)",
            quote(&shape.name),
            lines.join(",\n  ")
        ),
        keys: key_later.into_iter().chain(unique_later).collect(),
        foreign_keys: later,
    }
}

/// What makes a table a restore creates: the CREATE, then (in PostgreSQL, once the rows are in)
/// its primary key and its foreign keys.
struct CreateTable {
    create: String,
    /// The primary key, then the unique constraints.
    keys: Vec<String>,
    foreign_keys: Vec<String>,
}

/// A declared type as the target engine should have it: as declared when the backup comes from
/// the same engine; otherwise by SQLite's affinity rules (into PostgreSQL) or by PostgreSQL's
/// type name (into SQLite, numeric as TEXT to stay exact, as intake's own tables have it). The
/// mapping is in docs/backup-format.md.
pub fn column_type_for(declared: &str, from: Dialect, to: Dialect) -> String {
    if from == to {
        return declared.to_string();
    }
    let upper = declared.to_ascii_uppercase();
    let has = |part: &str| upper.contains(part);
    match to {
        Dialect::Postgres => if has("BOOL") {
            "BOOLEAN"
        } else if has("TIMESTAMP") || has("DATETIME") {
            "TIMESTAMP"
        } else if has("DATE") {
            "DATE"
        } else if has("INT") {
            "BIGINT"
        } else if has("CHAR") || has("CLOB") || has("TEXT") {
            "TEXT"
        } else if has("BLOB") || upper.is_empty() {
            "BYTEA"
        } else if has("REAL") || has("FLOA") || has("DOUB") {
            "DOUBLE PRECISION"
        } else {
            "NUMERIC"
        }
        .to_string(),
        Dialect::Sqlite => if has("BOOL") {
            "BOOLEAN"
        } else if has("TIMESTAMP") {
            "DATETIME"
        } else if has("DATE") {
            "DATE"
        } else if has("INT") || has("SERIAL") {
            "INTEGER"
        } else if has("BYTEA") {
            "BLOB"
        } else if has("REAL") || has("DOUBLE") || has("FLOA") {
            "REAL"
        } else {
            // numeric, text, varchar, uuid, json, ...: exact text.
            "TEXT"
        }
        .to_string(),
    }
}

/// How a PostgreSQL column's text form is read back.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PgKind {
    Integer,
    Real,
    Boolean,
    Blob,
    Text,
}

impl PgKind {
    fn of(declared: &str) -> PgKind {
        match declared.to_ascii_lowercase().as_str() {
            "smallint" | "integer" | "bigint" | "oid" => PgKind::Integer,
            "real" | "double precision" => PgKind::Real,
            "boolean" => PgKind::Boolean,
            "bytea" => PgKind::Blob,
            _ => PgKind::Text,
        }
    }

    fn read(self, text: Option<String>) -> Result<Stored, String> {
        let Some(text) = text else {
            return Ok(Stored::Null);
        };
        let bad = || format!("the server gave {text:?}, which is not a {self:?} value");
        Ok(match self {
            PgKind::Integer => Stored::Integer(text.parse().map_err(|_| bad())?),
            PgKind::Real => Stored::Real(text.parse().map_err(|_| bad())?),
            PgKind::Boolean => Stored::Boolean(match text.as_str() {
                "t" | "true" => true,
                "f" | "false" => false,
                _ => return Err(bad()),
            }),
            PgKind::Blob => Stored::Blob(
                text.strip_prefix("\\x")
                    .and_then(decode_hex)
                    .ok_or_else(bad)?,
            ),
            PgKind::Text => Stored::Text(text),
        })
    }
}

/// `0aff` as bytes.
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(text.get(index..index + 2)?, 16).ok())
        .collect()
}

/// Bytes as lowercase hex.
pub fn encode_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// A SQLite value with its storage class.
fn sqlite_value(row: &sqlx::sqlite::SqliteRow, index: usize) -> Result<Stored, sqlx::Error> {
    let raw = row.try_get_raw(index)?;
    if raw.is_null() {
        return Ok(Stored::Null);
    }
    let class = raw.type_info().name().to_ascii_uppercase();
    Ok(match class.as_str() {
        "INTEGER" => Stored::Integer(row.try_get_unchecked::<i64, _>(index)?),
        "REAL" => Stored::Real(row.try_get_unchecked::<f64, _>(index)?),
        "BLOB" => Stored::Blob(row.try_get_unchecked::<Vec<u8>, _>(index)?),
        _ => Stored::Text(row.try_get_unchecked::<String, _>(index)?),
    })
}

/// One multi-row INSERT into a SQLite staging table.
async fn insert_sqlite(
    connection: &mut SqliteConnection,
    staging: &str,
    column_list: &str,
    width: usize,
    batch: &[Vec<Stored>],
) -> Result<(), sqlx::Error> {
    let mut arguments = SqliteArguments::default();
    for row in batch {
        for value in row {
            let bound = match value {
                Stored::Null => arguments.add(Option::<i64>::None),
                Stored::Integer(number) => arguments.add(*number),
                Stored::Real(number) => arguments.add(*number),
                Stored::Text(text) => arguments.add(text.clone()),
                Stored::Boolean(value) => arguments.add(i64::from(*value)),
                Stored::Blob(bytes) => arguments.add(bytes.clone()),
            };
            bound.map_err(sqlx::Error::Encode)?;
        }
    }
    let sql = format!(
        "INSERT INTO {} ({column_list}) VALUES {}",
        quote(staging),
        Dialect::Sqlite.tuples(batch.len(), width)
    );
    sqlx::query_with(AssertSqlSafe(sql), arguments)
        .execute(&mut *connection)
        .await
        .map(|_| ())
}

/// COPY into a PostgreSQL table, in COPY's text format. Gives how many rows.
async fn copy_postgres(
    connection: &mut PgConnection,
    table: &str,
    into: &str,
    column_list: &str,
    rows: Box<dyn Iterator<Item = Result<Vec<Stored>, String>> + '_>,
) -> Result<u64, DbError> {
    let fail = |error: sqlx::Error| super::query_error(table, error);
    let aborted = |reason: String| DbError::Query {
        table: table.to_string(),
        reason,
    };
    let mut copy = connection
        .copy_in_raw(&format!("COPY {} ({column_list}) FROM STDIN", quote(into)))
        .await
        .map_err(fail)?;
    let mut buffer = Vec::with_capacity(1 << 20);
    for row in rows {
        let row = match row {
            Ok(row) => row,
            Err(reason) => {
                let _ = copy.abort(reason.clone()).await;
                return Err(aborted(reason));
            }
        };
        copy_text_line(&mut buffer, &row);
        if buffer.len() >= 1 << 20 {
            copy.send(std::mem::take(&mut buffer)).await.map_err(fail)?;
            buffer.reserve(1 << 20);
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer).await.map_err(fail)?;
    }
    copy.finish().await.map_err(fail)
}

/// Reads one line of COPY's text output (without its line end) into typed values.
fn read_copy_line(line: &[u8], kinds: &[PgKind], values: &mut Vec<Stored>) -> Result<(), String> {
    let mut fields = line.split(|&byte| byte == b'\t');
    for kind in kinds {
        let field = fields
            .next()
            .ok_or_else(|| format!("a row of COPY has fewer than {} values", kinds.len()))?;
        let text = if field == b"\\N" {
            None
        } else {
            Some(unescape_copy(field)?)
        };
        values.push(kind.read(text)?);
    }
    if fields.next().is_some() {
        return Err(format!(
            "a row of COPY has more than {} values",
            kinds.len()
        ));
    }
    Ok(())
}

/// Undoes COPY's text escapes: `\\`, `\t`, `\n`, `\r`, `\b`, `\f`, `\v`, octal and hex bytes.
fn unescape_copy(field: &[u8]) -> Result<String, String> {
    if !field.contains(&b'\\') {
        return String::from_utf8(field.to_vec()).map_err(|error| error.to_string());
    }
    let mut bytes = Vec::with_capacity(field.len());
    let mut index = 0;
    while index < field.len() {
        let byte = field[index];
        index += 1;
        if byte != b'\\' || index == field.len() {
            bytes.push(byte);
            continue;
        }
        let escaped = field[index];
        index += 1;
        match escaped {
            b'b' => bytes.push(8),
            b'f' => bytes.push(12),
            b'n' => bytes.push(b'\n'),
            b'r' => bytes.push(b'\r'),
            b't' => bytes.push(b'\t'),
            b'v' => bytes.push(11),
            b'0'..=b'7' => {
                let mut value = u32::from(escaped - b'0');
                for _ in 0..2 {
                    match field.get(index) {
                        Some(digit @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(digit - b'0');
                            index += 1;
                        }
                        _ => break,
                    }
                }
                bytes.push(value as u8);
            }
            b'x' if field.get(index).is_some_and(u8::is_ascii_hexdigit) => {
                let digits = field[index..]
                    .iter()
                    .take(2)
                    .take_while(|digit| digit.is_ascii_hexdigit())
                    .count();
                let text = std::str::from_utf8(&field[index..index + digits]).unwrap_or("0");
                bytes.push(u8::from_str_radix(text, 16).unwrap_or(0));
                index += digits;
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).map_err(|error| error.to_string())
}

/// One row in COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
fn copy_text_line(buffer: &mut Vec<u8>, row: &[Stored]) {
    use std::io::Write as _;
    for (index, value) in row.iter().enumerate() {
        if index > 0 {
            buffer.push(b'\t');
        }
        match value {
            Stored::Null => buffer.extend_from_slice(b"\\N"),
            Stored::Integer(number) => {
                let _ = write!(buffer, "{number}");
            }
            Stored::Real(number) if number.is_nan() => buffer.extend_from_slice(b"NaN"),
            Stored::Real(number) if number.is_infinite() => {
                if *number < 0.0 {
                    buffer.push(b'-');
                }
                buffer.extend_from_slice(b"Infinity");
            }
            Stored::Real(number) => {
                let _ = write!(buffer, "{number:?}");
            }
            Stored::Boolean(value) => buffer.push(if *value { b't' } else { b'f' }),
            Stored::Blob(bytes) => {
                buffer.extend_from_slice(b"\\\\x");
                buffer.extend_from_slice(encode_hex(bytes).as_bytes());
            }
            Stored::Text(text) => {
                for byte in text.bytes() {
                    match byte {
                        b'\\' => buffer.extend_from_slice(b"\\\\"),
                        b'\t' => buffer.extend_from_slice(b"\\t"),
                        b'\n' => buffer.extend_from_slice(b"\\n"),
                        b'\r' => buffer.extend_from_slice(b"\\r"),
                        other => buffer.push(other),
                    }
                }
            }
        }
    }
    buffer.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_copy_reads_specially() {
        let mut buffer = Vec::new();
        copy_text_line(
            &mut buffer,
            &[
                Stored::Null,
                Stored::Text(String::new()),
                Stored::Text("a\tb\\c\nd".to_string()),
                Stored::Integer(-9_223_372_036_854_775_808),
                Stored::Real(0.1),
                Stored::Real(f64::NEG_INFINITY),
                Stored::Boolean(true),
                Stored::Blob(vec![0, 255]),
            ],
        );
        assert_eq!(
            String::from_utf8_lossy(&buffer),
            "\\N\t\ta\\tb\\\\c\\nd\t-9223372036854775808\t0.1\t-Infinity\tt\t\\\\x00ff\n"
        );
    }

    #[test]
    fn types_across_engines() {
        use Dialect::{Postgres, Sqlite};
        let cases = [
            ("INTEGER", Sqlite, Postgres, "BIGINT"),
            ("TEXT", Sqlite, Postgres, "TEXT"),
            ("", Sqlite, Postgres, "BYTEA"),
            ("BLOB", Sqlite, Postgres, "BYTEA"),
            ("VARCHAR(20)", Sqlite, Postgres, "TEXT"),
            ("DECIMAL(12,2)", Sqlite, Postgres, "NUMERIC"),
            ("DATETIME", Sqlite, Postgres, "TIMESTAMP"),
            ("BOOLEAN", Sqlite, Postgres, "BOOLEAN"),
            ("REAL", Sqlite, Postgres, "DOUBLE PRECISION"),
            ("numeric(12,2)", Postgres, Sqlite, "TEXT"),
            ("bigint", Postgres, Sqlite, "INTEGER"),
            ("boolean", Postgres, Sqlite, "BOOLEAN"),
            ("timestamp without time zone", Postgres, Sqlite, "DATETIME"),
            ("date", Postgres, Sqlite, "DATE"),
            ("bytea", Postgres, Sqlite, "BLOB"),
            ("double precision", Postgres, Sqlite, "REAL"),
            ("character varying(40)", Postgres, Sqlite, "TEXT"),
            ("numeric(12,2)", Postgres, Postgres, "numeric(12,2)"),
            ("DECIMAL", Sqlite, Sqlite, "DECIMAL"),
        ];
        for (declared, from, to, expected) in cases {
            assert_eq!(
                column_type_for(declared, from, to),
                expected,
                "{declared} from {from:?} to {to:?}"
            );
        }
    }

    #[test]
    fn copy_text_reads_back_what_it_writes() {
        let row = vec![
            Stored::Null,
            Stored::Text(String::new()),
            Stored::Text("a\tb\\c\nd\re".to_string()),
            Stored::Integer(-9_223_372_036_854_775_808),
            Stored::Boolean(true),
            Stored::Blob(vec![0, 255]),
        ];
        let mut line = Vec::new();
        copy_text_line(&mut line, &row);
        line.pop();
        let kinds = [
            PgKind::Text,
            PgKind::Text,
            PgKind::Text,
            PgKind::Integer,
            PgKind::Boolean,
            PgKind::Blob,
        ];
        let mut values = Vec::new();
        read_copy_line(&line, &kinds, &mut values).expect("a row");
        assert_eq!(values, row);
        assert_eq!(unescape_copy(b"\\101\\x42\\\\").expect("text"), "AB\\");
        assert!(read_copy_line(b"1\t2", &kinds[..1], &mut Vec::new()).is_err());
    }

    #[test]
    fn hex_both_ways() {
        assert_eq!(encode_hex(&[0, 1, 171, 255]), "0001abff");
        assert_eq!(decode_hex("0001abff"), Some(vec![0, 1, 171, 255]));
        assert_eq!(decode_hex("0g"), None);
        assert_eq!(decode_hex("abc"), None);
    }
}
