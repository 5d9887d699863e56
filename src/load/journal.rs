//! The import journal's side of stage 3: the lines a commit writes beside its rows (what it
//! inserted, and what it updated with the values before), written on a thread of its own while
//! the rows stream, the same lines read back for an undo, and the history row's figures (the
//! file's SHA-256, the plan's counts). The journal's file, beside the backups, is
//! `backup::JournalWriter`'s.

use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};

use anyhow::Context;

use super::{Mode, Plan, PlannedRow};
use crate::backup;
use crate::db;
use crate::schema::Schema;
use crate::value::{FieldType, Value, parse_text};
use crate::worker::Worker;

/// A streamed commit's journal, written on a thread of its own: each run of written rows is
/// handed over once it is in the database.
pub(crate) struct JournalThread {
    /// Dropped before the worker is joined: the worker's loop ends.
    pub(crate) sender: SyncSender<Vec<PlannedRow>>,
    pub(crate) worker: Worker<backup::JournalWriter>,
}

impl JournalThread {
    pub(crate) fn start(
        mut writer: backup::JournalWriter,
        columns: Vec<String>,
    ) -> anyhow::Result<Self> {
        let (sender, runs) = sync_channel::<Vec<PlannedRow>>(2);
        let worker = Worker::spawn("intake-journal", move || {
            let mut lines = Vec::new();
            for writes in runs {
                lines.clear();
                journal_lines(&mut lines, &columns, &writes);
                writer.write(&lines)?;
            }
            Ok(writer)
        })?;
        Ok(JournalThread { sender, worker })
    }

    /// Hands rows over. Should the thread have stopped on an error, `finish` gives it.
    pub(crate) fn send(&self, writes: Vec<PlannedRow>) {
        let _ = self.sender.send(writes);
    }

    /// Every line written: the journal, to be put in place before the commit.
    pub(crate) fn finish(self) -> anyhow::Result<backup::JournalWriter> {
        drop(self.sender);
        self.worker.finish()
    }
}

/// The SHA-256 of the imported file, read again on a thread of its own while the import runs.
pub(crate) fn file_sha256(path: &Path) -> anyhow::Result<Worker<String>> {
    let path = path.to_path_buf();
    Worker::spawn("intake-sha256", move || {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        let mut file = std::fs::File::open(&path)
            .with_context(|| format!("{}: cannot read the file again", path.display()))?;
        std::io::copy(&mut file, &mut hasher)
            .with_context(|| format!("{}: cannot read the file again", path.display()))?;
        Ok(hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect())
    })
}

/// What `intake_imports` records of this import: an id made of the time and a hash of the
/// file's name, the time and the process; the file's SHA-256, computed meanwhile on a thread of
/// its own (see [`file_sha256`]), and the counts are set once the plan is complete.
pub(crate) fn history_entry(path: &Path, schema: &Schema, mode: Mode) -> db::HistoryEntry {
    let now = chrono::Utc::now();
    let mut tag = xxhash_rust::xxh3::Xxh3::new();
    tag.update(path.as_os_str().as_encoded_bytes());
    tag.update(&now.timestamp_nanos_opt().unwrap_or_default().to_le_bytes());
    tag.update(&std::process::id().to_le_bytes());
    db::HistoryEntry {
        id: format!(
            "{}-{:08x}",
            now.format("%Y%m%dT%H%M%S%.6fZ"),
            tag.digest() as u32
        ),
        committed_at: now.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        file: path.display().to_string(),
        file_sha256: String::new(),
        schema_name: schema.name.clone(),
        target_table: schema.table.clone(),
        mode: match mode {
            Mode::Upsert => "upsert",
            Mode::InsertOnly => "insert-only",
            Mode::UpdateOnly => "update-only",
        }
        .to_string(),
        inserted: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        outcome: "committed".to_string(),
        backup_id: None,
    }
}

/// The counts of a complete plan, as `intake_imports` records them.
pub(crate) fn set_counts(history: &mut db::HistoryEntry, plan: &Plan) {
    history.inserted = plan.insert as i64;
    history.updated = plan.update as i64;
    history.unchanged = plan.unchanged as i64;
    history.rejected = plan.rejected as i64;
}

/// The first line of an import's journal.
pub(crate) fn journal_header(
    schema: &Schema,
    columns: &[String],
    import_id: &str,
    backup_id: Option<String>,
) -> backup::JournalHeader {
    backup::JournalHeader {
        import_id: import_id.to_string(),
        table: schema.table.clone(),
        columns: columns.to_vec(),
        types: super::column_types(schema, columns)
            .iter()
            .map(|field_type| field_type.name().to_string())
            .collect(),
        key_width: schema.key.len(),
        backup: backup_id,
    }
}

/// The journal's line for each row written (see `backup::JournalEntry`), straight from the
/// plan's values, without a string per value.
pub(crate) fn journal_lines(out: &mut Vec<u8>, columns: &[String], writes: &[PlannedRow]) {
    use std::io::Write as _;
    let mut scratch = String::new();
    for planned in writes {
        let insert = planned.action == super::Action::Insert;
        out.extend_from_slice(if insert {
            b"{\"action\":\"insert\",\"row\":"
        } else {
            b"{\"action\":\"update\",\"row\":"
        });
        let _ = write!(out, "{}", planned.row);
        out.extend_from_slice(b",\"new\":");
        journal_values(out, &mut scratch, planned.values.iter());
        out.extend_from_slice(b",\"old\":");
        if insert {
            out.extend_from_slice(b"[]");
        } else {
            // The row as it was: the new values, but for the changed columns.
            let old = columns.iter().zip(&planned.values).map(|(column, new)| {
                planned
                    .changed
                    .iter()
                    .position(|changed| changed == column)
                    .map_or(new, |index| &planned.old[index])
            });
            journal_values(out, &mut scratch, old);
        }
        out.extend_from_slice(b"}\n");
    }
}

/// A journal line's texts read back as values of their columns' types (a text that no longer
/// reads as its type stays text).
pub(crate) fn read_back(texts: &[Option<String>], types: &[FieldType]) -> Vec<Value> {
    texts
        .iter()
        .zip(types)
        .map(|(text, field_type)| {
            text.as_deref().map_or(Value::Null, |text| {
                parse_text(*field_type, None, text, &Default::default())
                    .unwrap_or_else(|_| Value::Text(text.into()))
            })
        })
        .collect()
}

/// A JSON array of values as text (null for NULL), as the journal keeps them.
fn journal_values<'v>(
    line: &mut Vec<u8>,
    scratch: &mut String,
    values: impl Iterator<Item = &'v Value>,
) {
    use std::fmt::Write as _;
    line.push(b'[');
    for (index, value) in values.enumerate() {
        if index > 0 {
            line.push(b',');
        }
        match value {
            Value::Null => line.extend_from_slice(b"null"),
            Value::Text(text) => {
                let _ = serde_json::to_writer(&mut *line, text.as_str());
            }
            Value::Integer(_)
            | Value::Decimal(_)
            | Value::Boolean(_)
            | Value::Date(_)
            | Value::DateTime(_) => {
                scratch.clear();
                let _ = write!(scratch, "{value}");
                let _ = serde_json::to_writer(&mut *line, scratch.as_str());
            }
        }
    }
    line.push(b']');
}

/// Ends an import's transaction: its history row, then its journal put in place (a committed
/// import can always be undone), then the commit; anything failing rolls it all back (the
/// caller removes the journal).
pub(crate) async fn commit_with_journal(
    mut transaction: db::Transaction<'_>,
    journal: backup::JournalWriter,
    schema: &Schema,
    history: &db::HistoryEntry,
) -> anyhow::Result<()> {
    if let Err(error) = transaction.record_history(&schema.table, history).await {
        transaction.rollback().await;
        return Err(error.into());
    }
    if let Err(error) = journal.finish() {
        transaction.rollback().await;
        return Err(error.context("cannot keep the import's journal, so nothing was written"));
    }
    Ok(transaction.commit().await?)
}
