//! The import journal: what an import wrote, kept beside the backups
//! (`imports/IMPORT_ID.jsonl.zst`) so that `intake undo` can take it back; its writer, its reader,
//! and the marks of a safety backup whose import has not committed yet.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::manifest::{PENDING, check_id};
use super::store::Store;
use crate::files::{create_private_dir, private_file_options, temporary_path};
/// What an import wrote, kept beside the backups (`imports/IMPORT_ID.jsonl.zst`) so that
/// `intake undo` can take it back: a header line, then a line per row written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalHeader {
    pub import_id: String,
    pub table: String,
    /// The columns written, the key's first.
    pub columns: Vec<String>,
    /// Each column's field type (`integer`, `number`, ...), to read the values back.
    pub types: Vec<String>,
    pub key_width: usize,
    /// The backup taken just before the import, if one was.
    pub backup: Option<String>,
}

/// One row an import wrote: its values, and for an update the row as it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// `insert` or `update`.
    pub action: String,
    /// The row of the file it came from.
    pub row: usize,
    /// The values written, one per column, as text (null for NULL).
    pub new: Vec<Option<String>>,
    /// For an update, the values before it, one per column.
    pub old: Vec<Option<String>>,
}

impl Store {
    pub(crate) fn journal_path(&self, import_id: &str) -> anyhow::Result<PathBuf> {
        let plain = !import_id.is_empty()
            && import_id
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_'));
        if !plain {
            bail!("{import_id:?} is not an import id (`intake history` shows them)");
        }
        Ok(self
            .dir
            .join("imports")
            .join(format!("{import_id}.jsonl.zst")))
    }

    /// Starts an import's journal: a temporary file that [`JournalWriter::finish`] puts in
    /// place, and that is removed when the writer is dropped unfinished.
    pub fn journal_writer(&self, header: &JournalHeader) -> anyhow::Result<JournalWriter> {
        let path = self.journal_path(&header.import_id)?;
        let folder = self.dir.join("imports");
        create_private_dir(&folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        let temporary = temporary_path(&path);
        let fail = || format!("cannot write {}", temporary.display());
        let file = private_file_options()
            .create(true)
            .truncate(true)
            .open(&temporary)
            .with_context(fail)?;
        // zstd's fastest level: a journal is written with every commit, read only by undo.
        let encoder =
            zstd::stream::write::Encoder::new(io::BufWriter::new(file), 1).with_context(fail)?;
        let mut writer = JournalWriter {
            encoder: Some(encoder),
            temporary,
            path,
        };
        let mut line = serde_json::to_vec(header)?;
        line.push(b'\n');
        writer.write(&line)?;
        Ok(writer)
    }

    /// Reads an import's journal back.
    pub fn read_journal(
        &self,
        import_id: &str,
    ) -> anyhow::Result<(JournalHeader, Vec<JournalEntry>)> {
        let path = self.journal_path(import_id)?;
        let file = File::open(&path).with_context(|| {
            format!(
                "{}: no journal of import {import_id} here: it was committed with another backup folder (give --backup-dir), or before intake kept journals",
                path.display()
            )
        })?;
        let reader = BufReader::new(
            zstd::stream::read::Decoder::new(file)
                .with_context(|| format!("{}: cannot read", path.display()))?,
        );
        let mut lines = reader.lines();
        let damaged = |line: usize| format!("{}: line {line} is damaged", path.display());
        let header: JournalHeader = serde_json::from_str(
            &lines
                .next()
                .transpose()
                .with_context(|| damaged(1))?
                .with_context(|| damaged(1))?,
        )
        .with_context(|| damaged(1))?;
        let mut entries = Vec::new();
        for (index, line) in lines.enumerate() {
            let line = line.with_context(|| damaged(index + 2))?;
            let entry: JournalEntry =
                serde_json::from_str(&line).with_context(|| damaged(index + 2))?;
            if entry.new.len() != header.columns.len()
                || !(entry.old.is_empty() || entry.old.len() == header.columns.len())
            {
                bail!("{}", damaged(index + 2));
            }
            entries.push(entry);
        }
        Ok((header, entries))
    }

    /// Removes a backup taken for an import that wrote nothing after all.
    pub fn discard(&self, id: &str) {
        if check_id(id).is_ok() {
            let _ = fs::remove_dir_all(self.path(id));
        }
    }

    /// Removes the journal of an import that did not commit.
    /// Marks backup `id` as the safety backup of import `import_id`, which has not committed
    /// yet; [`Store::settle`] takes the mark off once it has. The mark holds the import's id
    /// and the backup's reason, which a backup killed before its manifest was written lacks.
    pub fn mark_pending(&self, id: &str, import_id: &str, reason: &str) -> anyhow::Result<()> {
        check_id(id)?;
        let path = self.path(id).join(PENDING);
        fs::write(&path, format!("{import_id}\n{reason}\n"))
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// The import of backup `id` committed: its mark goes.
    pub fn settle(&self, id: &str) {
        if check_id(id).is_ok() {
            let _ = fs::remove_file(self.path(id).join(PENDING));
        }
    }

    /// The import a backup was taken for, when that import never committed (the backup keeps
    /// its mark and the import has no committed journal, which is in place before a commit),
    /// with the backup's reason as the mark holds it.
    pub(crate) fn uncommitted_import(&self, id: &str) -> Option<(String, Option<String>)> {
        let mark = fs::read_to_string(self.path(id).join(PENDING)).ok()?;
        let mut lines = mark.lines().map(str::trim);
        let import_id = lines.next()?.to_string();
        let reason = lines.next().filter(|reason| !reason.is_empty());
        let committed = self
            .journal_path(&import_id)
            .is_ok_and(|journal| journal.exists());
        (!committed).then(|| (import_id, reason.map(str::to_string)))
    }

    pub fn remove_journal(&self, import_id: &str) {
        if let Ok(path) = self.journal_path(import_id) {
            let _ = fs::remove_file(path);
        }
    }
}

/// An import's journal being written (see [`Store::journal_writer`]).
pub struct JournalWriter {
    encoder: Option<zstd::stream::write::Encoder<'static, io::BufWriter<File>>>,
    temporary: PathBuf,
    path: PathBuf,
}

impl JournalWriter {
    /// Appends lines (each a [`JournalEntry`] as JSON, ending in a newline).
    pub fn write(&mut self, lines: &[u8]) -> anyhow::Result<()> {
        let fail = || format!("cannot write {}", self.temporary.display());
        self.encoder
            .as_mut()
            .context("the journal is closed")
            .with_context(fail)?
            .write_all(lines)
            .with_context(fail)
    }

    /// Completes the journal, on disk, and puts it in place.
    pub fn finish(mut self) -> anyhow::Result<PathBuf> {
        let fail = || format!("cannot write {}", self.temporary.display());
        let encoder = self.encoder.take().context("the journal is closed")?;
        let writer = encoder.finish().with_context(fail)?;
        let file = writer
            .into_inner()
            .map_err(|error| error.into_error())
            .with_context(fail)?;
        file.sync_all().with_context(fail)?;
        fs::rename(&self.temporary, &self.path).with_context(fail)?;
        Ok(self.path.clone())
    }
}

impl Drop for JournalWriter {
    /// An unfinished journal is of an import that did not commit: nothing to keep.
    fn drop(&mut self) {
        if self.encoder.take().is_some() {
            let _ = fs::remove_file(&self.temporary);
        }
    }
}
