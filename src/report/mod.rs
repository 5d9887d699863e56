//! The only writer of stdout: the JSON document of CONTRACT.md, and the tables people read.
//! Text taken from files is stripped of control characters before it reaches a terminal.
//!
//! One file per kind of output, behind `emit`, the one place that branches on `Output`: the
//! documents (`document`), the terminal's tables (`terminal`), the files people open
//! (`errors`: the error report, the rejects file, the diff) and progress on stderr
//! (`progress`).

mod backups;
mod document;
mod emit;
mod errors;
mod progress;
mod terminal;

pub(crate) use backups::{
    print_backup_created, print_backup_list, print_prune, print_restore, print_undo,
    print_undo_question, print_verification,
};
pub(crate) use document::{
    BackupCreated, Candidate, Document, InspectDocument, MappingEntry, Normalised, PlanCounts,
    PreviewRow, PruneDocument, SheetHeader, UndoDocument,
};
pub(crate) use emit::{Output, warn};
pub(crate) use errors::{ErrorSink, write_diff};
pub(crate) use progress::Progress;
pub(crate) use terminal::{print, print_ending, print_history, print_inspection, short_name};
