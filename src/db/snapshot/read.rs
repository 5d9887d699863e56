//! Reading tables in one consistent snapshot, each in key order, into a `RowSink`.

use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, Executor};

use super::copy::PgKind;
use super::copy::{read_copy_line, sqlite_value};
use super::restore::order_by;
use super::shape::RowSink;
use super::shape::TableShape;
use crate::db::{Backend, Begin, Database, DbError, quote};

impl Database {
    /// Reads the tables in one consistent snapshot (a read-only repeatable-read transaction in
    /// PostgreSQL, one read transaction in SQLite): each table's shape, then its rows in key
    /// order, into `sink`. Gives the shapes.
    pub(crate) async fn snapshot(
        &mut self,
        tables: &[String],
        sink: &mut dyn RowSink,
    ) -> Result<Vec<TableShape>, DbError> {
        let mut transaction = self.begin(Begin::Snapshot).await?;
        let shapes = transaction.snapshot_in_transaction(tables, sink).await;
        // Nothing was written: the end of the transaction only lets go of the snapshot.
        transaction.rollback().await;
        shapes
    }

    pub(crate) async fn snapshot_in_transaction(
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
    pub(crate) async fn dump(
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
        let fail = |error: sqlx::Error| crate::db::query_error(table, error);
        sink.begin_table(shape).map_err(aborted)?;
        let dialect = self.dialect();
        let order = order_by(shape, columns, dialect);
        match self.backend().await {
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

    pub(in crate::db) async fn execute(&mut self, table: &str, sql: &str) -> Result<u64, DbError> {
        self.settle().await;
        self.execute_now(table, sql).await
    }

    /// The same, whatever a dropped transaction left (`settle` itself rolls back through it).
    pub(in crate::db) async fn execute_now(
        &mut self,
        table: &str,
        sql: &str,
    ) -> Result<u64, DbError> {
        let fail = |error: sqlx::Error| crate::db::query_error(table, error);
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
}
