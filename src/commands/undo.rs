//! `intake undo`: an import taken back from its journal, whole or (with `--force`) for the rows
//! nobody changed since.

use anyhow::Context;

use super::ask;
use crate::backup;
use crate::db;
use crate::exit::{Exit, Refused};
use crate::load;
use crate::report::{self};
use crate::settings::UndoSettings;
use crate::value::{self, Value};

/// `undo` of an import into a table without a key: every row it wrote was inserted, and one
/// row alike is deleted for each (see `Database::undo_keyless`).
async fn undo_keyless(
    settings: &UndoSettings,
    mut database: db::Database,
    store: &backup::Store,
    entry: &db::HistoryEntry,
    header: &backup::JournalHeader,
    entries: &[backup::JournalEntry],
    types: &[value::FieldType],
) -> anyhow::Result<Exit> {
    let location = &settings.database;
    let rows: Vec<Vec<Value>> = entries
        .iter()
        .map(|entry| load::read_back(&entry.new, types))
        .collect();
    let mut document = report::UndoDocument {
        import_id: entry.id.clone(),
        table: header.table.clone(),
        database: location.to_string(),
        delete: rows.len(),
        set_back: 0,
        already: 0,
        conflicts: Vec::new(),
        backup: None,
        done: false,
    };
    if !settings.confirmed {
        report::print_undo_question(&document)?;
        ask(
            &format!(
                "Delete {} rows of table {} in {location} (one row alike for each row the import inserted)?",
                document.delete, header.table
            ),
            "an undo",
            "nothing was changed",
        )?;
    }
    if !settings.no_backup {
        let manifest = backup::create(
            &mut database,
            store,
            &backup::Selection::Tables(vec![header.table.clone()]),
            &format!("before undoing import {}", entry.id),
        )
        .await
        .context("cannot back up the table before the undo, so nothing was changed (--no-backup goes on without one)")?;
        document.backup = Some(manifest.id);
    }
    let outcome = format!(
        "undone at {}",
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
    );
    let target = db::UndoTarget {
        table: &header.table,
        key: &[],
        columns: &header.columns,
        types,
        keys: &rows,
        import_id: &entry.id,
        outcome: &outcome,
    };
    let (deleted, missing) = database.undo_keyless(&target, settings.force).await?;
    document.delete = deleted as usize;
    document.already = missing as usize;
    document.done = true;
    report::print_undo(&document, settings.output)?;
    Ok(Exit::Success)
}

/// The history's word for an undo: `undone` when nothing `--force` could take back was left,
/// otherwise `partly undone`, which a later `undo --force` may finish; either says what was
/// left.
fn undo_outcome(plan: &load::UndoPlan, force: bool) -> String {
    let at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let left = plan.conflicts.len();
    if left == 0 {
        format!("undone at {at}")
    } else if force {
        format!("undone at {at}; {left} rows deleted since the import were left deleted")
    } else {
        format!(
            "partly undone at {at}; {left} rows changed or deleted since the import were left as they are (intake undo --force takes back the changed ones)"
        )
    }
}

pub(crate) async fn undo(settings: &UndoSettings) -> anyhow::Result<Exit> {
    let location = &settings.database;
    let mut database = db::open(location)
        .await?
        .with_context(|| format!("{location} does not exist: there is no import to undo"))?;
    let entry = database
        .history()
        .await?
        .into_iter()
        .find(|entry| entry.id == settings.import_id)
        .with_context(|| {
            format!(
                "{location} has no import {}: `intake history` lists them",
                settings.import_id
            )
        })?;
    if entry.outcome.starts_with("undone") {
        return Err(Refused(format!(
            "import {} was already taken back ({}); nothing was changed",
            entry.id, entry.outcome
        ))
        .into());
    }
    let store = backup::Store::new(&settings.backup_dir);
    let (header, entries) = store.read_journal(&entry.id)?;
    let types: Vec<value::FieldType> = header
        .types
        .iter()
        .map(|name| value::FieldType::parse(name).unwrap_or(value::FieldType::String))
        .collect();
    let width = header.key_width;
    if width == 0 {
        return undo_keyless(
            settings, database, &store, &entry, &header, &entries, &types,
        )
        .await;
    }
    let keys: Vec<Vec<Value>> = entries
        .iter()
        .map(|entry| load::read_back(&entry.new[..width], &types))
        .collect();
    let key_columns = header.columns[..width].to_vec();
    let current = database
        .rows_by_key(&header.table, &key_columns, &header.columns[width..], &keys)
        .await?;
    let plan = load::plan_undo(&header, &entries, &types, &current, settings.force);
    let mut document = report::UndoDocument {
        import_id: entry.id.clone(),
        table: header.table.clone(),
        database: location.to_string(),
        delete: plan.writes.deletes.len(),
        set_back: plan.writes.updates.len(),
        already: plan.already,
        conflicts: plan.conflicts.clone(),
        backup: None,
        done: false,
    };
    if !settings.confirmed {
        report::print_undo_question(&document)?;
        ask(
            &format!(
                "Delete {} rows and set back {} rows of table {} in {location}?",
                document.delete, document.set_back, header.table
            ),
            "an undo",
            "nothing was changed",
        )?;
    }
    if !settings.no_backup {
        let manifest = backup::create(
            &mut database,
            &store,
            &backup::Selection::Tables(vec![header.table.clone()]),
            &format!("before undoing import {}", entry.id),
        )
        .await
        .context("cannot back up the table before the undo, so nothing was changed (--no-backup goes on without one)")?;
        document.backup = Some(manifest.id);
    }
    let outcome = undo_outcome(&plan, settings.force);
    let target = db::UndoTarget {
        table: &header.table,
        key: &key_columns,
        columns: &header.columns,
        types: &types,
        keys: &keys,
        import_id: &entry.id,
        outcome: &outcome,
    };
    let mut decide = |current: Vec<Vec<Option<String>>>| {
        let again = load::plan_undo(&header, &entries, &types, &current, settings.force);
        if again == plan {
            Ok(again.writes)
        } else {
            Err(
                "rows of the import changed since they were read: run the undo again to see them"
                    .to_string(),
            )
        }
    };
    database.undo(&target, &mut decide).await?;
    document.done = true;
    report::print_undo(&document, settings.output)?;
    Ok(Exit::Success)
}
