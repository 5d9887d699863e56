//! Stage 2 over a whole file on every core, as a pipeline of four threads: one reads batches of
//! rows (delimited text as one buffer a batch, see [`crate::source::TextRows`]), one has each
//! batch checked row by row on rayon's threads (a row's own checks need nothing from other
//! rows), one completes each batch with what needs the rows before it (unique values, each
//! unique field on a thread of its own) while the next is checked, and the caller's thread takes
//! the batches in file order. The results are the same whatever the threads did; memory holds a
//! few batches at most.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `parallel`: stage 2 over a whole file. `CheckedBatches` runs a pipeline of threads: one reads
//! batches of rows (`Records::next_rows`: 16,384 for `validate`, 8,192 for an import, whose runs
//! follow them), one has each batch's rows checked on rayon's
//! threads (`RowChecker`, runs of at least 1,024 rows each with one `Scratch`), one finishes each
//! batch while the next is checked (`Validator::finish`, the unique checks; the tables of unique
//! values are sized once from the file's size and the first batch's bytes a row), and the
//! caller's thread takes `CheckedBatch`es in file order (`validate` looks only at their rows with
//! errors; a batch dropped sends its emptied buffers back to the reader and the checker, so that
//! memory is written again rather than faulted in anew), each row a `CheckedRow` (number, cells,
//! typed row when kept and valid, errors). A read error comes after the rows before it; a panic
//! in a thread is passed on, never taken for the end of the file. `validate` and `import` both
//! read through it.

use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};
use std::thread::JoinHandle;

use rayon::prelude::*;

use crate::source::{Records, RowCells, Rows, RowsRead, SourceError, TextRows};
use crate::validate::{Keep, RowCheck, RowError, Scratch, TypedRow, Validator};

/// Rows a batch holds when only the errors are wanted: enough that handing batches from thread
/// to thread costs little (16,384 measured 3 % faster than 8,192 on the benchmark file, 32,768
/// no faster), few enough to stay in the cache.
const BATCH_ROWS: usize = 16_384;

/// Rows a batch holds when the typed rows are kept (an import): the runs of rows it plans and
/// writes follow the batches, and runs of 16,384 made the benchmark's PostgreSQL upsert 15 %
/// slower than runs of 8,192, with more memory.
const TYPED_BATCH_ROWS: usize = 8_192;

/// A batch with each row's checks, the read error after it and whether it is the last.
struct Checked {
    rows: Rows,
    checks: Vec<RowCheck>,
    failure: Option<SourceError>,
    end: bool,
}

/// The rows of a file, checked a batch at a time.
pub(crate) struct CheckedBatches {
    batches: Option<Receiver<Checked>>,
    spares: Spares,
    threads: Vec<JoinHandle<()>>,
    /// A read error, given after the rows before it.
    failure: Option<SourceError>,
}

/// A batch of rows as [`CheckedBatches::next_batch`] gives it. Dropped, its buffers go back to
/// the threads that fill them (memory that is written again costs less than new memory, which
/// the system hands out a page fault at a time).
pub(crate) struct CheckedBatch {
    rows: Rows,
    checks: Vec<RowCheck>,
    spares: Spares,
}

/// Where emptied buffers go back to: the reader's, the checker's.
#[derive(Clone)]
struct Spares {
    rows: Sender<TextRows>,
    checks: Sender<Vec<RowCheck>>,
}

impl Drop for CheckedBatch {
    fn drop(&mut self) {
        // A closed channel: the threads are done; the buffers are freed.
        if let Rows::Text(rows) = &mut self.rows {
            let mut rows = std::mem::take(rows);
            rows.clear();
            let _ = self.spares.rows.send(rows);
        }
        let mut checks = std::mem::take(&mut self.checks);
        checks.clear();
        let _ = self.spares.checks.send(checks);
    }
}

/// One row of a checked batch: its cells, its typed row when it is valid (and the batches keep
/// typed rows), and its errors (which carry its number).
pub(crate) struct CheckedRow<'a> {
    pub cells: RowCells<'a>,
    pub typed: Option<TypedRow>,
    pub errors: Vec<RowError>,
    /// How many of its cells had spaces around their value, taken off.
    pub trimmed: u32,
}

impl CheckedBatch {
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// How many cells of the batch had spaces around their value, taken off.
    pub(crate) fn trimmed(&self) -> usize {
        self.checks
            .iter()
            .map(|check| check.trimmed() as usize)
            .sum()
    }

    /// The rows in file order, their typed rows and errors taken out.
    pub(crate) fn rows(&mut self) -> impl Iterator<Item = CheckedRow<'_>> {
        let rows = &self.rows;
        self.checks
            .iter_mut()
            .enumerate()
            .map(move |(index, check)| {
                let (row, cells) = rows.row(index);
                CheckedRow {
                    cells,
                    trimmed: check.trimmed(),
                    typed: check.typed(row),
                    errors: check.take_errors(),
                }
            })
    }
}

impl CheckedBatch {
    /// The rows with errors, in file order, their errors taken out.
    pub(crate) fn rejected(&mut self) -> impl Iterator<Item = CheckedRow<'_>> {
        let rows = &self.rows;
        self.checks
            .iter_mut()
            .enumerate()
            .filter(|(_, check)| check.has_errors())
            .map(move |(index, check)| {
                let (_, cells) = rows.row(index);
                CheckedRow {
                    cells,
                    trimmed: check.trimmed(),
                    typed: None,
                    errors: check.take_errors(),
                }
            })
    }
}

impl CheckedBatches {
    /// Checks `records` with `validator`, each row's typed values kept (to be written) or let
    /// go as soon as they are checked, as `keep` says.
    pub(crate) fn new(records: Records, validator: Validator, keep: Keep) -> CheckedBatches {
        let mut text_bytes = records.text_bytes();
        let batch_rows = match keep {
            Keep::Values => TYPED_BATCH_ROWS,
            Keep::Errors => BATCH_ROWS,
        };
        let (read_sender, read_batches) = sync_channel::<RowsRead>(1);
        let (checked_sender, checked_batches) = sync_channel::<Checked>(1);
        let (spare_rows, spare_rows_back) = channel::<TextRows>();
        let (spare_checks, spare_checks_back) = channel::<Vec<RowCheck>>();
        let reader = spawn("intake-read", move || {
            let mut records = records;
            loop {
                let spare = spare_rows_back.try_recv().unwrap_or_default();
                let read = records.next_rows(batch_rows, spare);
                let end = read.end;
                // A closed channel: whoever takes the batches stopped early; nothing to do.
                if read_sender.send(read).is_err() || end {
                    return;
                }
            }
        });
        let (unique_sender, unique_batches) = sync_channel::<Checked>(1);
        let checker = validator.checker();
        let checking = spawn("intake-check", move || {
            for RowsRead { rows, failure, end } in read_batches {
                // Rows are split in runs of at least 1,024, each run with one scratch: a scratch
                // made anew for fewer rows would clone the patterns, and their caches, too often.
                let mut checks = spare_checks_back.try_recv().unwrap_or_default();
                (0..rows.len())
                    .into_par_iter()
                    .with_min_len(1024)
                    .map_init(Scratch::default, |scratch, index| {
                        let (row, cells) = rows.row(index);
                        checker.check(row, cells, scratch, keep)
                    })
                    .collect_into_vec(&mut checks);
                let checked = Checked {
                    rows,
                    checks,
                    failure,
                    end,
                };
                if unique_sender.send(checked).is_err() || end {
                    return;
                }
            }
        });
        // The unique checks of a batch run while the next batch is checked.
        let unique = spawn("intake-unique", move || {
            let mut validator = validator;
            for mut checked in unique_batches {
                // The unique values' tables are made as large as the file needs at once
                // (growing them would copy and rehash them over and over).
                if let Rows::Text(text) = &checked.rows
                    && let Some(per_row) = text.bytes_per_row()
                    && let Some(bytes) = text_bytes.take()
                {
                    validator.expect_rows(usize::try_from(bytes).unwrap_or(0) / per_row.max(1));
                }
                let rows = &checked.rows;
                validator.finish(&|index| rows.row(index), &mut checked.checks);
                let end = checked.end;
                if checked_sender.send(checked).is_err() || end {
                    return;
                }
            }
        });
        CheckedBatches {
            batches: Some(checked_batches),
            spares: Spares {
                rows: spare_rows,
                checks: spare_checks,
            },
            threads: vec![reader, checking, unique],
            failure: None,
        }
    }

    /// The next batch, checked, in file order; `None` after the last. A read error comes after
    /// the rows before it.
    pub(crate) fn next_batch(&mut self) -> Result<Option<CheckedBatch>, SourceError> {
        loop {
            let checked = match self.batches.as_ref().map(Receiver::recv) {
                Some(Ok(checked)) => checked,
                None => return self.failure.take().map_or(Ok(None), Err),
                // The threads end after passing on the last batch, so one of them panicked:
                // the panic goes on here rather than passing for the end of the file.
                Some(Err(_)) => {
                    self.batches = None;
                    for thread in self.threads.drain(..) {
                        if let Err(panic) = thread.join() {
                            std::panic::resume_unwind(panic);
                        }
                    }
                    return self.failure.take().map_or(Ok(None), Err);
                }
            };
            if checked.end {
                // The last batch: nothing more will come.
                self.failure = checked.failure;
                self.batches = None;
            }
            if !checked.rows.is_empty() {
                return Ok(Some(CheckedBatch {
                    rows: checked.rows,
                    checks: checked.checks,
                    spares: self.spares.clone(),
                }));
            }
        }
    }
}

impl Drop for CheckedBatches {
    /// Stops the threads (their next send fails) and waits for them.
    fn drop(&mut self) {
        self.batches = None;
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Starts a named thread (names show in profilers). Failing to start one is as fatal as running
/// out of memory.
fn spawn(name: &str, work: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(work)
        .expect("the operating system starts a thread")
}
