//! Whole tables in and out, for backups: what a table is (`TableShape`), every row of several
//! tables read in one consistent snapshot, and a restore that makes tables equal to a set of
//! rows in one transaction. Values travel as [`Stored`], what a table holds whatever the engine;
//! the backup format itself is `crate::backup`'s business.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `db/snapshot/`: the database side of backups. `shape.rs`: `TableShape` (columns, key,
//! foreign keys, sequences, from `pragma_*` or `pg_catalog`) and `Stored` (a value as the table
//! holds it: SQLite's storage classes; PostgreSQL read as text and typed by column); `read.rs`:
//! `snapshot` (one read-only repeatable-read transaction, or one SQLite read transaction, rows
//! streamed in key order into a `RowSink`); `restore.rs`: `restore` (one transaction: create what
//! is missing, defer foreign keys, stage rows, delete, update where different, insert, advance
//! sequences, read back into the check); `ddl.rs`: tables created as a backup describes them
//! and `column_type_for` (the type mapping across engines); `copy.rs`: COPY text written and read,
//! SQLite values, hex.

mod copy;
mod ddl;
mod read;
mod restore;
mod shape;

pub(crate) use copy::{decode_hex, encode_hex};
pub(in crate::db) use shape::WHOLE;
pub(crate) use shape::{RestoreTable, Restored, RowSink, Stored, TableShape};
