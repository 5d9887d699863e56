//! Whole tables in and out, for backups: what a table is (`TableShape`), every row of several
//! tables read in one consistent snapshot, and a restore that makes tables equal to a set of
//! rows in one transaction. Values travel as [`Stored`], what a table holds whatever the engine;
//! the backup format itself is `crate::backup`'s business.

mod copy;
mod ddl;
mod read;
mod restore;
mod shape;

pub use copy::{decode_hex, encode_hex};
pub use ddl::column_type_for;
pub(in crate::db) use shape::WHOLE;
pub use shape::{
    ColumnShape, ForeignKeyShape, RestoreTable, Restored, RowSink, SequenceState, Stored,
    TableShape,
};
