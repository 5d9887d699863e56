//! Taking an import back, in one transaction: the rows it touched are read again under the
//! import lock, the caller decides from them what to delete and what to set back, and that is
//! written with the import marked undone.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `db/undo.rs`: `Database::undo`: one transaction under the import lock that reads the rows an
//! import wrote, lets the caller decide (`load::plan_undo`), deletes and sets back row by row
//! (each must find its row), and marks the import `undone` in `intake_imports`.
//! `Database::undo_keyless` takes back an import into a table without a key (the journal's
//! `key_width` 0): for each row it inserted, one row holding the same values (NULL matching NULL:
//! SQLite `IS`, PostgreSQL `IS NOT DISTINCT FROM`) is deleted by `rowid`/`ctid`; rows alike are
//! interchangeable, so the table's rows as a multiset are exactly as before. A row no longer
//! there fails the undo (exit 1, nothing changed), or with `--force` is passed over (counted as `already`). The journal it
//! works from is `backup::JournalHeader`/`JournalEntry`, written through `backup::JournalWriter`
//! (a temporary file put in place before the commit, removed when dropped unfinished) from
//! `load::journal_lines`.

use super::{Begin, Database, DbError, HISTORY_TABLE, quote};
use crate::value::{FieldType, Value};

/// What an undo writes: rows to delete (by key) and rows to set back (whole, key first).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct UndoWrites {
    pub deletes: Vec<Vec<Value>>,
    pub updates: Vec<Vec<Value>>,
}

/// Where an undo reads and writes.
pub(crate) struct UndoTarget<'a> {
    pub table: &'a str,
    pub key: &'a [String],
    /// Every column the import wrote, the key's first.
    pub columns: &'a [String],
    pub types: &'a [FieldType],
    /// The keys of the rows the import wrote.
    pub keys: &'a [Vec<Value>],
    pub import_id: &'a str,
    /// What `intake_imports` says of the import afterwards.
    pub outcome: &'a str,
}

impl Database {
    /// Reads the rows of `target.keys` as they are now (key columns first, as text), lets
    /// `decide` say what to write, and writes it: all in one transaction that holds the import
    /// lock of the table. Each delete and update must find its row. Gives (deleted, updated).
    pub(crate) async fn undo(
        &mut self,
        target: &UndoTarget<'_>,
        decide: &mut dyn FnMut(Vec<Vec<Option<String>>>) -> Result<UndoWrites, String>,
    ) -> Result<(u64, u64), DbError> {
        let mut transaction = self.begin(Begin::Table(target.table)).await?;
        let counts = transaction.undo_in_transaction(target, decide).await;
        transaction.finish(counts).await
    }

    async fn undo_in_transaction(
        &mut self,
        target: &UndoTarget<'_>,
        decide: &mut dyn FnMut(Vec<Vec<Option<String>>>) -> Result<UndoWrites, String>,
    ) -> Result<(u64, u64), DbError> {
        let table = target.table;
        let width = target.key.len();
        let current = self
            .rows_by_key(table, target.key, &target.columns[width..], target.keys)
            .await?;
        let writes = decide(current).map_err(|reason| DbError::Changed {
            table: table.to_string(),
            reason,
        })?;
        let dialect = self.dialect();
        let key_match: Vec<String> = target
            .key
            .iter()
            .enumerate()
            .map(|(index, column)| format!("{} = {}", quote(column), dialect.parameter(index + 1)))
            .collect();
        let delete = format!(
            "DELETE FROM {} WHERE {}",
            quote(table),
            key_match.join(" AND ")
        );
        let key_types = &target.types[..width];
        let mut deleted = 0;
        for key in &writes.deletes {
            let parameters: Vec<(&Value, FieldType)> =
                key.iter().zip(key_types.iter().copied()).collect();
            deleted += self.one_row(table, &delete, &parameters).await?;
        }
        let others = &target.columns[width..];
        let mut updated = 0;
        if !others.is_empty() {
            // The new values first, then the key: parameters in the order the SQL has them
            // (SQLite numbers `?` by position).
            let assignments: Vec<String> = others
                .iter()
                .enumerate()
                .map(|(index, column)| {
                    format!("{} = {}", quote(column), dialect.parameter(index + 1))
                })
                .collect();
            let by_key: Vec<String> = target
                .key
                .iter()
                .enumerate()
                .map(|(index, column)| {
                    format!(
                        "{} = {}",
                        quote(column),
                        dialect.parameter(others.len() + index + 1)
                    )
                })
                .collect();
            let update = format!(
                "UPDATE {} SET {} WHERE {}",
                quote(table),
                assignments.join(", "),
                by_key.join(" AND ")
            );
            for row in &writes.updates {
                let typed: Vec<(&Value, FieldType)> =
                    row.iter().zip(target.types.iter().copied()).collect();
                let (key, values) = typed.split_at(width);
                let parameters: Vec<(&Value, FieldType)> =
                    values.iter().chain(key).copied().collect();
                updated += self.one_row(table, &update, &parameters).await?;
            }
        }
        self.mark_undone(target).await?;
        Ok((deleted, updated))
    }

    /// Takes back an import into a table without a key: for each row it inserted (`target.keys`
    /// holds them whole, in the order of `target.columns`), one row holding exactly those values
    /// (NULL matching NULL) is deleted, in one transaction under the import lock. Rows that are
    /// alike are alike: which of them goes does not matter. A row no longer there fails the
    /// undo (nothing is changed), or with `force` is passed over. Gives (deleted, passed over).
    pub(crate) async fn undo_keyless(
        &mut self,
        target: &UndoTarget<'_>,
        force: bool,
    ) -> Result<(u64, u64), DbError> {
        let mut transaction = self.begin(Begin::Table(target.table)).await?;
        let counts = transaction.undo_keyless_in_transaction(target, force).await;
        transaction.finish(counts).await
    }

    async fn undo_keyless_in_transaction(
        &mut self,
        target: &UndoTarget<'_>,
        force: bool,
    ) -> Result<(u64, u64), DbError> {
        let table = target.table;
        let dialect = self.dialect();
        let same = dialect.same();
        let matches: Vec<String> = target
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| {
                format!("{} {same} {}", quote(column), dialect.parameter(index + 1))
            })
            .collect();
        let row_id = dialect.row_id();
        let delete = format!(
            "DELETE FROM {table_name} WHERE {row_id} = (SELECT {row_id} FROM {table_name} WHERE {} LIMIT 1)",
            matches.join(" AND "),
            table_name = quote(table),
        );
        let (mut deleted, mut missing) = (0, 0);
        for row in target.keys {
            let parameters: Vec<(&Value, FieldType)> =
                row.iter().zip(target.types.iter().copied()).collect();
            let affected = self
                .execute_bound(table, &delete, parameters.iter().copied())
                .await?;
            match affected {
                1 => deleted += 1,
                0 if force => missing += 1,
                _ => {
                    return Err(DbError::Changed {
                        table: table.to_string(),
                        reason: "a row the import inserted is no longer in the table (changed or deleted since): nothing was undone; --force takes back the rows that are still there".to_string(),
                    });
                }
            }
        }
        self.mark_undone(target).await?;
        Ok((deleted, missing))
    }

    /// Marks the import as the undo leaves it in `intake_imports` (`target.outcome`).
    async fn mark_undone(&mut self, target: &UndoTarget<'_>) -> Result<(), DbError> {
        let dialect = self.dialect();
        let mark = format!(
            "UPDATE {HISTORY_TABLE} SET outcome = {} WHERE id = {}",
            dialect.parameter(1),
            dialect.parameter(2)
        );
        let outcome = Value::Text(target.outcome.into());
        let id = Value::Text(target.import_id.into());
        self.one_row(
            HISTORY_TABLE,
            &mark,
            &[(&outcome, FieldType::String), (&id, FieldType::String)],
        )
        .await
        .map(|_| ())
    }

    /// Runs a statement that must change exactly one row.
    async fn one_row(
        &mut self,
        table: &str,
        sql: &str,
        parameters: &[(&Value, FieldType)],
    ) -> Result<u64, DbError> {
        let affected = self
            .execute_bound(table, sql, parameters.iter().copied())
            .await?;
        if affected != 1 {
            return Err(DbError::Changed {
                table: table.to_string(),
                reason: format!("a row the undo meant to change was not there ({affected} rows)"),
            });
        }
        Ok(affected)
    }
}
