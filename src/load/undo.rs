//! Taking an import back: from what its journal says it wrote and what the table holds now,
//! which rows are deleted, which set back, and which left alone because they changed since.

use std::collections::HashMap;

use serde::Serialize;

use super::{key_text, read_back, same_values};
use crate::db;
use crate::value::{FieldType, Value};

/// A row an undo leaves as it is, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct UndoConflict {
    /// The row of the imported file that wrote it.
    pub row: usize,
    pub key: String,
    pub reason: String,
}

/// What taking an import back does: the writes, the rows left alone (changed since the
/// import), and how many rows are already as they were before it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct UndoPlan {
    pub writes: db::UndoWrites,
    pub conflicts: Vec<UndoConflict>,
    pub already: usize,
}

/// Decides, row by row, how to take an import back from what its journal says it wrote and
/// what the table holds now (`current`: key columns first, as text). A row inserted is deleted
/// and a row updated set back, when it still holds what the import wrote; otherwise it is a
/// conflict, left alone unless `force`.
pub(crate) fn plan_undo(
    header: &crate::backup::JournalHeader,
    entries: &[crate::backup::JournalEntry],
    types: &[FieldType],
    current: &[Vec<Option<String>>],
    force: bool,
) -> UndoPlan {
    let read = |texts: &[Option<String>]| read_back(texts, types);
    let width = header.key_width;
    let now: HashMap<String, Vec<Value>> = current
        .iter()
        .map(|texts| {
            let values = read(texts);
            (key_text(&values[..width]), values)
        })
        .collect();
    let mut plan = UndoPlan::default();
    for entry in entries {
        let new = read(&entry.new);
        let key = key_text(&new[..width]);
        let shown_key = new[..width]
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let conflict = |reason: &str| UndoConflict {
            row: entry.row,
            key: shown_key.clone(),
            reason: reason.to_string(),
        };
        let stored = now.get(&key);
        if entry.action == "insert" {
            match stored {
                None => plan.already += 1,
                Some(stored) if same_values(stored, &new) || force => {
                    plan.writes.deletes.push(new[..width].to_vec());
                }
                Some(_) => plan.conflicts.push(conflict(
                    "changed since the import: left as it is (--force deletes it)",
                )),
            }
            continue;
        }
        let old = read(&entry.old);
        match stored {
            None => plan.conflicts.push(conflict(
                "deleted since the import: left deleted (the backup taken before the import has it)",
            )),
            Some(stored) if same_values(stored, &old) => plan.already += 1,
            Some(stored) if same_values(stored, &new) || force => plan.writes.updates.push(old),
            Some(_) => plan.conflicts.push(conflict(
                "changed since the import: left as it is (--force sets it back)",
            )),
        }
    }
    plan
}
