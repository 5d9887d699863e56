//! Stage 2 over a whole file on every core, as a pipeline of three threads: one parses records
//! into batches, one has each batch checked row by row on rayon's threads (a row's own checks
//! need nothing from other rows), and the caller's thread completes each row with what needs
//! the rows before it (unique values), in file order. The results are the same whatever the
//! threads did; memory holds a few batches at most.

use std::sync::mpsc::{Receiver, sync_channel};
use std::thread::JoinHandle;

use rayon::prelude::*;

use crate::source::{Record, Records, SourceError};
use crate::validate::{RowCheck, RowError, TypedRow, Validator};

/// Records a batch holds: enough to keep every thread busy, few enough to stay in the cache.
const BATCH_ROWS: usize = 8_192;

/// One record with everything stage 2 found: its typed row when valid, its errors otherwise.
pub struct CheckedRecord {
    pub record: Record,
    pub typed: Option<TypedRow>,
    pub errors: Vec<RowError>,
}

/// A batch as read: its records, and the read error that stopped it, if one did. A batch
/// shorter than [`BATCH_ROWS`] is the last.
type Batch = (Vec<Record>, Option<SourceError>);

/// A batch with each row's own checks.
type CheckedBatch = (Vec<Record>, Vec<RowCheck>, Option<SourceError>);

/// The records of a file, checked a batch at a time.
pub struct CheckedBatches<'v> {
    batches: Option<Receiver<CheckedBatch>>,
    threads: Vec<JoinHandle<()>>,
    validator: &'v mut Validator,
    /// A read error, given after the records before it.
    failure: Option<SourceError>,
}

impl<'v> CheckedBatches<'v> {
    pub fn new(records: Records, validator: &'v mut Validator) -> CheckedBatches<'v> {
        let (read_sender, read_batches) = sync_channel::<Batch>(1);
        let (checked_sender, checked_batches) = sync_channel::<CheckedBatch>(1);
        let reader = spawn("intake-read", move || {
            let mut records = records;
            loop {
                let mut batch = Vec::with_capacity(BATCH_ROWS);
                let failure = read_batch(&mut records, &mut batch);
                let last = failure.is_some() || batch.len() < BATCH_ROWS;
                // A closed channel: whoever takes the batches stopped early; nothing to do.
                if read_sender.send((batch, failure)).is_err() || last {
                    return;
                }
            }
        });
        let checker = validator.checker();
        let checking = spawn("intake-check", move || {
            for (batch, failure) in read_batches {
                let checks = batch
                    .par_iter()
                    .map_init(Vec::new, |scratch, record| checker.check(record, scratch))
                    .collect();
                if checked_sender.send((batch, checks, failure)).is_err() {
                    return;
                }
            }
        });
        CheckedBatches {
            batches: Some(checked_batches),
            threads: vec![reader, checking],
            validator,
            failure: None,
        }
    }

    /// The next batch, checked, in file order; `None` after the last. A read error comes after
    /// the records before it.
    pub fn next_batch(&mut self) -> Result<Option<Vec<CheckedRecord>>, SourceError> {
        let (batch, checks, failure) = match self.batches.as_ref().map(Receiver::recv) {
            Some(Ok(received)) => received,
            None => return self.failure.take().map_or(Ok(None), Err),
            // The threads end after passing on a short (last) batch, so one of them panicked:
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
        if failure.is_some() || batch.len() < BATCH_ROWS {
            // The last batch: nothing more will come.
            self.failure = failure;
            self.batches = None;
        }
        if batch.is_empty() {
            return self.failure.take().map_or(Ok(None), Err);
        }
        let mut checked = Vec::with_capacity(batch.len());
        for (record, check) in batch.into_iter().zip(checks) {
            let (typed, errors) = self.validator.finish(&record, check);
            checked.push(CheckedRecord {
                record,
                typed,
                errors,
            });
        }
        Ok(Some(checked))
    }
}

impl Drop for CheckedBatches<'_> {
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

/// Appends records to `batch` until it is full or the file ends; gives a read error back.
fn read_batch(records: &mut Records, batch: &mut Vec<Record>) -> Option<SourceError> {
    while batch.len() < BATCH_ROWS {
        match records.next()? {
            Ok(record) => batch.push(record),
            Err(error) => return Some(error),
        }
    }
    None
}
