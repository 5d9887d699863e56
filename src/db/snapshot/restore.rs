//! Making tables equal to a backup's rows in one transaction: staging tables, deletes,
//! upserts, sequences advanced, and the rows read back into a check before the commit.

use super::copy::{copy_postgres, insert_sqlite};
use super::ddl::create_table_sql;
use super::shape::RowSink;
use super::shape::{RestoreTable, Restored, Stored, TableShape, WHOLE};
use crate::db::{Backend, Begin, Database, DbError, Dialect, quote};

impl Database {
    /// Makes each table equal to its rows, in one transaction: tables the database lacks are
    /// created, rows not among the given ones deleted, the others inserted or updated where they
    /// differ; sequences set past the restored ids. Before the commit, each table is read back
    /// into `check` (its columns as backed up, in key order), which refuses it when the rows are
    /// not what they should be. Any failure rolls everything back.
    pub(crate) async fn restore(
        &mut self,
        source: Dialect,
        tables: Vec<RestoreTable<'_>>,
        check: &mut dyn RowSink,
    ) -> Result<Vec<Restored>, DbError> {
        let mut transaction = self.begin(Begin::Write).await?;
        let restored = transaction
            .restore_in_transaction(source, tables, check)
            .await;
        transaction.finish(restored).await
    }

    pub(crate) async fn restore_in_transaction(
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
    pub(crate) async fn defer_foreign_keys(
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
    pub(crate) async fn stage(
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
    pub(crate) async fn load_rows(
        &mut self,
        shape: &TableShape,
        into: &str,
        rows: Box<dyn Iterator<Item = Result<Vec<Stored>, String>> + '_>,
    ) -> Result<u64, DbError> {
        let table = shape.name.as_str();
        let fail = |error: sqlx::Error| crate::db::query_error(table, error);
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
        match self.backend().await {
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
    pub(crate) async fn delete_missing(
        &mut self,
        shape: &TableShape,
        staging: &str,
    ) -> Result<u64, DbError> {
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
    pub(crate) async fn same_rows(
        &mut self,
        shape: &TableShape,
        staging: &str,
    ) -> Result<bool, DbError> {
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
    pub(crate) async fn upsert_staged(
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
            let distinct = dialect.distinct();
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
    pub(crate) async fn advance_sequences(
        &mut self,
        backed_up: &TableShape,
    ) -> Result<(), DbError> {
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
pub(crate) fn key_match(key: &[String], staging_alias: &str, table: &str) -> String {
    key.iter()
        .map(|column| format!("{table}.{0} = {staging_alias}.{0}", quote(column)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The order rows are read in: the primary key, else every column; text compared bytewise
/// (`COLLATE "C"` in PostgreSQL, SQLite's default), so that it is the same on every server.
pub(crate) fn order_by(shape: &TableShape, columns: &[String], dialect: Dialect) -> String {
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
