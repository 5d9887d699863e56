//! The terminal's tables of the backup and undo commands: a backup made, the list, a
//! verification, a restore, a prune, an undo.

use std::io::{self, Write};

use super::document::{BackupCreated, PruneDocument, UndoDocument};
use super::emit::{Output, emit};

use super::terminal::{clean, new_table, short_message, short_name};

pub(crate) fn print_backup_created(document: &BackupCreated, output: Output) -> io::Result<()> {
    emit(document, output, |out, document| {
        writeln!(out, "backup {}  ({})", document.id, clean(&document.path))?;
        for (table, rows) in &document.tables {
            writeln!(out, "  {}: {rows} rows", clean(table))?;
        }
        writeln!(out, "{} bytes", document.bytes)
    })
}

pub(crate) fn print_backup_list(
    listed: &[crate::backup::Listed],
    output: Output,
) -> io::Result<()> {
    emit(&listed, output, |out, listed| {
        if listed.is_empty() {
            return writeln!(out, "No backups here.");
        }
        let mut table = new_table(&[
            "id",
            "created at",
            "database",
            "tables",
            "rows",
            "bytes",
            "verified",
            "reason",
        ]);
        for item in listed.iter() {
            table.add_row(vec![
                item.id.clone(),
                item.created_at.clone().unwrap_or_default(),
                clean(item.database.as_deref().unwrap_or_default()),
                clean(&item.tables.join(", ")),
                item.rows.to_string(),
                item.bytes.to_string(),
                item.verified.clone(),
                clean(item.reason.as_deref().unwrap_or_default()),
            ]);
        }
        writeln!(out, "{table}")
    })
}

pub(crate) fn print_verification(
    verification: &crate::backup::Verification,
    output: Output,
) -> io::Result<()> {
    emit(verification, output, |out, verification| {
        if verification.ok {
            return writeln!(out, "backup {} is intact", verification.id);
        }
        writeln!(out, "backup {} is damaged:", verification.id)?;
        for problem in &verification.problems {
            writeln!(out, "  {}", clean(problem))?;
        }
        Ok(())
    })
}

pub(crate) fn print_restore(
    report: &crate::backup::RestoreReport,
    output: Output,
) -> io::Result<()> {
    emit(report, output, |out, report| {
        writeln!(
            out,
            "restored backup {} into {}",
            report.backup,
            clean(&report.database)
        )?;
        match &report.safety_backup {
            Some(safety) => writeln!(
                out,
                "the tables as they were are in backup {safety} (intake backup restore {safety} goes back)"
            )?,
            None => writeln!(out, "no table existed before: no safety backup was needed")?,
        }
        let mut table = new_table(&["table", "created", "inserted", "updated", "deleted"]);
        for restored in &report.tables {
            table.add_row(vec![
                clean(&restored.table),
                if restored.created { "yes" } else { "no" }.to_string(),
                restored.inserted.to_string(),
                restored.updated.to_string(),
                restored.deleted.to_string(),
            ]);
        }
        writeln!(out, "{table}")
    })
}

pub(crate) fn print_prune(document: &PruneDocument, output: Output) -> io::Result<()> {
    emit(document, output, |out, document| {
        let verb = if document.dry_run {
            "would delete"
        } else {
            "deleted"
        };
        if document.deleted.is_empty() {
            return writeln!(out, "nothing to delete");
        }
        for item in &document.deleted {
            writeln!(
                out,
                "{verb} {} ({} bytes): {}",
                clean(&item.path),
                item.bytes,
                item.why
            )?;
        }
        Ok(())
    })
}

/// An undo's plan as people read it before they are asked, whatever the output format.
pub(crate) fn print_undo_question(document: &UndoDocument) -> io::Result<()> {
    print_undo(document, Output::Table)
}

pub(crate) fn print_undo(document: &UndoDocument, output: Output) -> io::Result<()> {
    emit(document, output, |out, document| {
        let verb = if document.done { "" } else { "would be " };
        writeln!(
            out,
            "import {} into table {} of {}: {} rows {verb}deleted, {} rows {verb}set back, {} already as before",
            document.import_id,
            clean(&document.table),
            clean(&document.database),
            document.delete,
            document.set_back,
            document.already
        )?;
        if let Some(backup) = &document.backup {
            writeln!(out, "the table as it was just before is in backup {backup}")?;
        }
        if !document.conflicts.is_empty() {
            writeln!(
                out,
                "{} rows changed since the import are left as they are:",
                document.conflicts.len()
            )?;
            let mut table = new_table(&["row", "key", "why"]);
            for conflict in &document.conflicts {
                table.add_row(vec![
                    conflict.row.to_string(),
                    short_name(&conflict.key),
                    short_message(&conflict.reason),
                ]);
            }
            writeln!(out, "{table}")?;
        }
        Ok(())
    })
}
