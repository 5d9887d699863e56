//! The only writer of stdout: the JSON document of CONTRACT.md, and the tables people read.
//! Text taken from files is stripped of control characters before it reaches a terminal.
//!
//! One file per kind of output, behind `emit`, the one place that branches on `Output`: the
//! documents (`document`), the terminal's tables (`terminal`), the files people open
//! (`errors`: the error report, the rejects file, the diff) and progress on stderr
//! (`progress`).
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `report/`: the only stdout writer, and the writer of the files users open, one file per kind
//! of output: `document.rs` the JSON contract's types, `emit.rs` the one branch on `Output` (JSON
//! or tables), `terminal.rs` the tables (`backups.rs` those of the backup and undo commands), `errors.rs` the error files, `progress.rs` stderr's
//! progress, `warn` every non-fatal warning (`warning: ...` on stderr); `mod.rs` only names what
//! the rest of the crate uses. Invariant: how a document is printed is decided in `report/`
//! alone, and `commands` never branches on the format (`grep -rn 'Output::' src/commands` finds
//! nothing): what a format means for a command is asked of it (`Output::in_steps`: the plan
//! shown before the question and the outcome after it; `holds_every_error`: the JSON document
//! carries every error), and an undo's question is always preceded by its table
//! (`print_undo_question`). `Document` is the
//! JSON document; `print` renders it as JSON or as comfy-table tables; control characters from
//! files are escaped before they reach a terminal, and text from files is cut there (`shorten`,
//! `short_name`, `short_message`: 40, 60 and 240 characters), since a table is as wide as its
//! widest cell on every row; the JSON document keeps every text whole. `ErrorSink` takes every error as rows are
//! read: counts and the first errors for the terminal, the `--report` file (CSV or JSON) and the
//! `--rejects` file written as they come; `neutralise` defuses spreadsheet formulas in all of them.
//! `ErrorList` holds every error for the JSON document in memory that does not grow with them:
//! the first 10,000, then JSON lines in an anonymous temporary file, read back in order while
//! the document is written.
//! `Progress` shows rows read and the write step on stderr (indicatif), only on a terminal.

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
