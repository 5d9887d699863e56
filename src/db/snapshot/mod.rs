//! Whole tables in and out, for backups: what a table is (`TableShape`), every row of several
//! tables read in one consistent snapshot, and a restore that makes tables equal to a set of
//! rows in one transaction. Values travel as [`Stored`], what a table holds whatever the engine;
//! the backup format itself is `crate::backup`'s business.

mod copy;
mod ddl;
mod read;
mod restore;
mod shape;

pub(crate) use copy::{decode_hex, encode_hex};
pub(in crate::db) use shape::WHOLE;
pub(crate) use shape::{RestoreTable, Restored, RowSink, Stored, TableShape};
