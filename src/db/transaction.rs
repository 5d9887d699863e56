//! A transaction as a value. [`Database::begin`] opens one and gives a [`Transaction`] that
//! reads and writes as the database does (it dereferences to it); [`Transaction::commit`] is
//! the only way out that keeps what it wrote. Dropped any other way (an error returned with
//! `?`, a panic, a cancelled task), it rolls back: before the connection's next statement, as
//! sqlx's own `Transaction` does, and with the connection's end at the latest; an error path
//! that wants the rollback at once awaits [`Transaction::rollback`] or [`Transaction::finish`].
//!
//! Invariant: no `BEGIN`, `COMMIT` or `ROLLBACK` is written anywhere else in `src/`.

use std::ops::{Deref, DerefMut};

use super::snapshot::WHOLE;
use super::{Database, DbError};

/// What a transaction is for, which says how it begins.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Begin<'t> {
    /// One consistent read of several tables (a backup): a read-only repeatable-read snapshot
    /// on PostgreSQL, a read transaction on SQLite.
    Snapshot,
    /// Writes to several tables (a restore): SQLite's write lock taken at once.
    Write,
    /// Writes to one table by an import or an undo: SQLite's write lock taken at once (a second
    /// writer waits for it, up to the busy timeout), PostgreSQL's advisory lock of the table (a
    /// second import or undo of it waits here).
    Table(&'t str),
}

/// An open transaction (see the module's comment).
pub(crate) struct Transaction<'d> {
    database: &'d mut Database,
    open: bool,
}

impl Database {
    /// Opens a transaction; see [`Begin`].
    pub(crate) async fn begin(&mut self, purpose: Begin<'_>) -> Result<Transaction<'_>, DbError> {
        let table = match purpose {
            Begin::Table(table) => table,
            Begin::Snapshot | Begin::Write => WHOLE,
        };
        let statement = self.dialect().begin(purpose);
        self.execute(table, statement).await.map_err(|error| {
            if let Begin::Table(table) = purpose {
                busy(error, table)
            } else {
                error
            }
        })?;
        let mut transaction = Transaction {
            database: self,
            open: true,
        };
        if let Begin::Table(table) = purpose
            && let Some(lock) = transaction.dialect().lock_table(table)
        {
            transaction.execute(table, &lock).await?;
        }
        Ok(transaction)
    }

    /// Rolls back a transaction whose guard was dropped without an end, before anything else
    /// is sent. A failed rollback leaves the connection to fail on its own.
    pub(super) async fn settle(&mut self) {
        if std::mem::take(&mut self.rollback_pending) {
            let _ = self.execute_now(WHOLE, "ROLLBACK").await;
        }
    }
}

impl Transaction<'_> {
    /// Keeps what the transaction wrote.
    pub(crate) async fn commit(mut self) -> Result<(), DbError> {
        self.open = false;
        self.database.execute(WHOLE, "COMMIT").await.map(|_| ())
    }

    /// Ends it at once, keeping nothing. Should even the rollback fail, the connection is
    /// useless and its end rolls back all the same.
    pub(crate) async fn rollback(mut self) {
        self.open = false;
        let _ = self.database.execute(WHOLE, "ROLLBACK").await;
    }

    /// Commits when the work in it succeeded, else rolls back at once; gives the work's
    /// outcome (or the commit's error).
    pub(crate) async fn finish<T>(self, outcome: Result<T, DbError>) -> Result<T, DbError> {
        match outcome {
            Ok(value) => {
                self.commit().await?;
                Ok(value)
            }
            Err(error) => {
                self.rollback().await;
                Err(error)
            }
        }
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            self.database.rollback_pending = true;
        }
    }
}

impl Deref for Transaction<'_> {
    type Target = Database;

    fn deref(&self) -> &Database {
        self.database
    }
}

impl DerefMut for Transaction<'_> {
    fn deref_mut(&mut self) -> &mut Database {
        self.database
    }
}

/// SQLite's "database is locked" after the busy timeout, said as what it means for the user.
fn busy(error: DbError, table: &str) -> DbError {
    match error {
        DbError::Query { reason, .. } if reason.contains("database is locked") => DbError::Query {
            table: table.to_string(),
            reason: "another writer (another import?) has held the database for more than 10 seconds; nothing was written; run the import again once it is done".to_string(),
        },
        other => other,
    }
}
