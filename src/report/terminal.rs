//! The terminal's tables: each command's document as people read it, text from files cleaned
//! of control characters and cut to what a line shows.

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use crate::load::Action;
use crate::source::SkippedRow;

use super::document::{Document, InspectDocument, PlanCounts};
use super::emit::{Output, emit, print_line};
use super::errors::ErrorSummary;

/// Prints the recorded imports as a JSON array or a table.
pub(crate) fn print_history(entries: &[crate::db::HistoryEntry], output: Output) -> io::Result<()> {
    emit(&entries, output, |out, entries| {
        if entries.is_empty() {
            return writeln!(out, "No import has been committed to this database.");
        }
        let mut table = new_table(&[
            "id",
            "committed at",
            "file",
            "schema",
            "table",
            "mode",
            "inserted",
            "updated",
            "unchanged",
            "rejected",
            "outcome",
            "backup",
        ]);
        for entry in entries.iter() {
            table.add_row(vec![
                entry.id.clone(),
                entry.committed_at.clone(),
                clean(&entry.file),
                entry.schema_name.clone(),
                clean(&entry.target_table),
                entry.mode.clone(),
                entry.inserted.to_string(),
                entry.updated.to_string(),
                entry.unchanged.to_string(),
                entry.rejected.to_string(),
                clean(&entry.outcome),
                entry.backup_id.clone().unwrap_or_default(),
            ]);
        }
        writeln!(out, "{table}")
    })
}

/// Prints an inspection as JSON or as a table of column profiles.
pub(crate) fn print_inspection(document: &InspectDocument, output: Output) -> io::Result<()> {
    emit(document, output, write_inspection)
}

fn write_inspection(
    out: &mut io::StdoutLock<'static>,
    document: &InspectDocument,
) -> io::Result<()> {
    writeln!(out, "file:       {}", clean(&document.file))?;
    writeln!(out, "format:     {}", document.format)?;
    if let Some(encoding) = document.encoding {
        writeln!(out, "encoding:   {encoding}")?;
    }
    if let Some(delimiter) = &document.delimiter {
        writeln!(out, "delimiter:  {delimiter:?}")?;
    }
    if let Some(quote) = &document.quote {
        writeln!(out, "quote:      {quote}")?;
    }
    if !document.sheets.is_empty() {
        let sheets: Vec<String> = document
            .sheets
            .iter()
            .map(|sheet| format!("{:?}", short_name(sheet)))
            .collect();
        writeln!(out, "sheets:     {}", sheets.join(", "))?;
    }
    if let Some(sheet) = &document.sheet {
        writeln!(out, "sheet:      {:?}", short_name(sheet))?;
    }
    for (position, sheet) in document.sheet_headers.iter().enumerate() {
        let header = match sheet.header_row {
            Some(row) => format!(
                "header on row {row}: {}",
                shorten(&clean(&sheet.headers.join(", ")))
            ),
            None => "no table".to_string(),
        };
        let fit = sheet
            .fit
            .as_ref()
            .map_or_else(String::new, |fit| format!(" (fits {fit})"));
        writeln!(
            out,
            "  sheet {} {:?}: {header}{fit}",
            position + 1,
            short_name(&sheet.sheet)
        )?;
    }
    if let Some(reason) = &document.sheet_reason {
        writeln!(out, "            {}", short_message(reason))?;
    }
    writeln!(out, "header row: {}", document.header_row)?;
    if let Some(skipped) = skipped_rows(&document.skipped_rows) {
        writeln!(out, "            {skipped}")?;
    }
    writeln!(out, "data rows:  {}", document.rows)?;
    writeln!(out)?;
    let mut table = new_table(&[
        "#", "column", "type", "empty", "distinct", "min", "max", "examples", "fits", "format",
    ]);
    let mut notes = Vec::new();
    for column in &document.columns {
        let mut format = Vec::new();
        if let Some(decimal) = column.decimal_separator {
            format.push(format!("decimal {decimal:?}"));
        }
        if let Some(thousands) = column.thousands_separator {
            format.push(format!("thousands {thousands:?}"));
        }
        if let Some(order) = column.date_order {
            format.push(format!("{order:?}").to_lowercase());
        }
        for note in &column.notes {
            notes.push(format!(
                "column {:?}: {}",
                short_name(&column.column),
                short_message(note)
            ));
        }
        table.add_row(vec![
            (column.index + 1).to_string(),
            short_name(&column.column),
            serde_json::to_value(column.kind)
                .ok()
                .and_then(|kind| kind.as_str().map(str::to_string))
                .unwrap_or_default(),
            format!("{:.1}%", column.empty_share * 100.0),
            column.distinct.to_string(),
            shorten(&clean(column.min.as_deref().unwrap_or_default())),
            shorten(&clean(column.max.as_deref().unwrap_or_default())),
            shorten(&clean(&column.examples.join(" | "))),
            column
                .shares
                .fitted()
                .iter()
                .take(3)
                .map(|(kind, share)| format!("{kind} {:.0}%", share * 100.0))
                .collect::<Vec<_>>()
                .join(", "),
            format.join(", "),
        ]);
    }
    writeln!(out, "{table}")?;
    for note in notes {
        writeln!(out, "Note: {note}")?;
    }
    Ok(())
}

/// One line naming the rows above the header that were left out, or none.
pub(crate) fn skipped_rows(skipped: &[SkippedRow]) -> Option<String> {
    let (first, last) = (skipped.first()?, skipped.last()?);
    let rows = if skipped.len() == 1 {
        format!("row {}", first.row)
    } else {
        format!("{} rows ({}-{})", skipped.len(), first.row, last.row)
    };
    let shown: Vec<String> = skipped
        .iter()
        .take(3)
        .map(|row| format!("{:?}", short_name(&row.text)))
        .collect();
    let more = if skipped.len() > 3 { ", …" } else { "" };
    Some(format!(
        "Skipped above the header: {rows}: {}{more}",
        shown.join(", ")
    ))
}

/// Prints the document as JSON or as tables. A closed pipe (`| head`) is not an error.
pub(crate) fn print(document: &Document, output: Output) -> io::Result<()> {
    emit(document, output, write_tables)
}

fn write_tables(out: &mut io::StdoutLock<'static>, document: &Document) -> io::Result<()> {
    let mut source = format!("{} ({}", clean(&document.file), document.format);
    if let Some(sheet) = &document.sheet {
        source.push_str(&format!(", sheet {:?}", clean(sheet)));
    }
    if let Some(delimiter) = &document.delimiter {
        source.push_str(&format!(", delimiter {delimiter:?}"));
    }
    source.push_str(&format!(", header on row {})", document.header_row));
    writeln!(
        out,
        "{source} → schema {} (table {})",
        document.schema,
        clean(&document.table)
    )?;
    if let Some(reason) = &document.sheet_reason {
        writeln!(out, "{}.", short_message(reason))?;
    }
    if let Some(skipped) = skipped_rows(&document.skipped_rows) {
        writeln!(out, "{skipped}.")?;
    }
    writeln!(out)?;
    write_mapping(out, document)?;
    if let Some(llm) = &document.llm {
        write_llm(out, llm)?;
    }
    if let Some(summary) = &document.summary {
        writeln!(out)?;
        write_errors(out, document, summary)?;
    }
    for path in &document.written {
        writeln!(out, "Written: {}", clean(path))?;
    }
    if let Some(plan) = &document.plan {
        writeln!(out)?;
        write_plan(out, document, plan)?;
    }
    Ok(())
}

pub(crate) fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    table
}

fn write_mapping(out: &mut impl Write, document: &Document) -> io::Result<()> {
    let mut table = new_table(&["#", "column", "field", "score", "method"]);
    for entry in &document.mapping {
        let (field, score, method) = match &entry.field {
            Some(field) => (
                field.clone(),
                format!("{:.2}", entry.score),
                entry.method.clone().unwrap_or_default(),
            ),
            None => {
                let closest: Vec<String> = entry
                    .candidates
                    .iter()
                    .map(|candidate| format!("{} {:.2}", candidate.field, candidate.score))
                    .collect();
                let note = if closest.is_empty() {
                    "(unmapped)".to_string()
                } else {
                    format!("(unmapped; closest: {})", closest.join(", "))
                };
                (note, String::new(), String::new())
            }
        };
        table.add_row(vec![
            (entry.index + 1).to_string(),
            short_name(&entry.column),
            field,
            score,
            method,
        ]);
    }
    writeln!(out, "{table}")?;
    let mapped = document
        .mapping
        .iter()
        .filter(|entry| entry.field.is_some())
        .count();
    writeln!(
        out,
        "{mapped} of {} columns mapped.",
        document.mapping.len()
    )?;
    if !document.missing_fields.is_empty() {
        writeln!(
            out,
            "Fields with no column: {}.",
            document.missing_fields.join(", ")
        )?;
    }
    if document.mapping.iter().any(|entry| entry.field.is_none()) {
        writeln!(
            out,
            "An unmapped column is not imported; map one with --map 'COLUMN=field'."
        )?;
    }
    // What the values of a mapped column leave open, or how they were read: said here as in
    // the JSON document and `inspect`.
    for entry in document
        .mapping
        .iter()
        .filter(|entry| entry.field.is_some())
    {
        for note in &entry.notes {
            writeln!(
                out,
                "Column {:?}: {}.",
                short_name(&entry.column),
                short_message(note)
            )?;
        }
    }
    Ok(())
}

fn write_errors(
    out: &mut impl Write,
    document: &Document,
    summary: &ErrorSummary,
) -> io::Result<()> {
    let rows = document.rows.unwrap_or_default();
    let valid = document.valid_rows.unwrap_or_default();
    writeln!(
        out,
        "{} read: {valid} valid, {} with errors ({}).",
        plural(rows, "row"),
        rows - valid,
        plural(summary.total, "error")
    )?;
    if let Some(normalised) = document.normalised.as_ref().filter(|n| n.trimmed > 0) {
        writeln!(
            out,
            "{} had spaces around the value, taken off before the checks and the write (the reports show the cells as they are).",
            plural(normalised.trimmed, "cell")
        )?;
    }
    if summary.total == 0 {
        return Ok(());
    }
    let mut counts = new_table(&["code", "column", "errors"]);
    for ((code, column), count) in &summary.counts {
        counts.add_row(vec![code.clone(), short_name(column), count.to_string()]);
    }
    writeln!(out, "{counts}")?;
    if summary.first.is_empty() {
        return Ok(());
    }
    let mut table = new_table(&["row", "cell", "column", "value", "code", "message"]);
    for error in &summary.first {
        table.add_row(vec![
            error.row.to_string(),
            error.cell.clone().unwrap_or_default(),
            short_name(error.column.as_deref().unwrap_or_default()),
            shorten(&clean(&error.value)),
            error.code.to_string(),
            short_message(&error.message),
        ]);
    }
    writeln!(out, "{table}")?;
    if summary.total > summary.first.len() {
        writeln!(
            out,
            "Shown: the first {} of {} errors (all of them with --report PATH or --format json).",
            summary.first.len(),
            summary.total
        )?;
    }
    Ok(())
}

fn write_plan(out: &mut impl Write, document: &Document, plan: &PlanCounts) -> io::Result<()> {
    let database = document.database.as_deref().unwrap_or_default();
    if document.create_table == Some(true) {
        writeln!(
            out,
            "Table {} does not exist in {database}: it would be created.",
            clean(&document.table)
        )?;
    }
    writeln!(
        out,
        "Plan for {} in {database}: {} to insert, {} to update, {} unchanged, {} rejected{}.",
        clean(&document.table),
        plan.insert,
        plan.update,
        plan.unchanged,
        plan.rejected,
        if plan.skipped > 0 {
            format!(", {} skipped by --mode", plan.skipped)
        } else {
            String::new()
        }
    )?;
    if let Some(note) = &document.plan_note {
        writeln!(out, "{}.", clean(note))?;
    }
    if let Some(preview) = document
        .preview
        .as_ref()
        .filter(|preview| !preview.is_empty())
    {
        let columns: Vec<String> = preview[0].values.keys().cloned().collect();
        let mut header = vec!["row", "action"];
        header.extend(columns.iter().map(String::as_str));
        let mut table = new_table(&header);
        for row in preview {
            let mut cells = vec![row.row.to_string(), action_name(row.action).to_string()];
            cells.extend(row.values.values().map(|value| match value {
                serde_json::Value::Null => "NULL".to_string(),
                serde_json::Value::String(text) => shorten(&clean(text)),
                other => other.to_string(),
            }));
            table.add_row(cells);
        }
        writeln!(out, "The first rows as they would be written:")?;
        writeln!(out, "{table}")?;
        let mut changes = new_table(&["row", "column", "now", "would be"]);
        let mut any = false;
        for row in preview {
            for (column, change) in &row.diff {
                any = true;
                let shown = |value: &serde_json::Value| match value {
                    serde_json::Value::Null => "NULL".to_string(),
                    serde_json::Value::String(text) => shorten(&clean(text)),
                    other => other.to_string(),
                };
                changes.add_row(vec![
                    row.row.to_string(),
                    short_name(column),
                    shown(&change["old"]),
                    shown(&change["new"]),
                ]);
            }
        }
        if any {
            writeln!(
                out,
                "What the updates above change (every change with --diff PATH):"
            )?;
            writeln!(out, "{changes}")?;
        }
    }
    match (document.committed, document.dry_run) {
        (Some(true), _) => writeln!(
            out,
            "Committed: {} inserted, {} updated.",
            plan.insert, plan.update
        ),
        (_, Some(true)) => writeln!(
            out,
            "Dry run: nothing was written. To write, run again with --commit."
        ),
        // The plan of a commit, shown before it is written: what follows says how it ended
        // (the question, "Committed: ...", or why nothing was written).
        _ => Ok(()),
    }
}

pub(crate) fn action_name(action: Action) -> &'static str {
    match action {
        Action::Insert => "insert",
        Action::Update => "update",
        Action::Unchanged => "unchanged",
        Action::Skip => "skip",
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// A long cell would push the table off the screen; the JSON document has the whole value.
fn shorten(text: &str) -> String {
    shorten_to(text, 40)
}

/// A name from the file (a column's header, a key, a sheet's rows), cleaned and cut to what a
/// terminal line shows. A table is as wide as its widest cell on every row: a header of 100,000
/// characters over 15,000 columns made a 4 GB table before it was cut.
pub(crate) fn short_name(text: &str) -> String {
    shorten_to(&clean(text), 60)
}

/// A message that may quote the file (a rule's values, a header), cleaned and cut likewise.
pub(crate) fn short_message(text: &str) -> String {
    shorten_to(&clean(text), 240)
}

fn shorten_to(text: &str, most: usize) -> String {
    match text.char_indices().nth(most) {
        None => text.to_string(),
        Some(_) => {
            let kept: String = text.chars().take(most - 1).collect();
            format!("{kept}…")
        }
    }
}

/// Control characters from a file would move the cursor or recolour the terminal: shown escaped.
pub(super) fn clean(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|character| {
            if character.is_control() {
                character.escape_default().to_string()
            } else {
                character.to_string()
            }
        })
        .collect()
}

fn write_llm(out: &mut impl Write, llm: &crate::llm::LlmReport) -> io::Result<()> {
    writeln!(
        out,
        "Language model ({} {}): asked about {} columns{}",
        llm.provider,
        clean(&llm.model),
        llm.asked.len(),
        if llm.samples > 0 {
            format!(", with up to {} sample values each", llm.samples)
        } else {
            ", headers only".to_string()
        }
    )?;
    if let Some(error) = &llm.error {
        writeln!(out, "  no suggestions: {}", clean(error))?;
    }
    for suggestion in &llm.suggestions {
        writeln!(
            out,
            "  {} → {}: {} ({})",
            short_name(&suggestion.column),
            suggestion.field.as_deref().unwrap_or("nothing"),
            suggestion.outcome,
            short_message(&suggestion.reason)
        )?;
    }
    Ok(())
}

/// The end of a run whose document people have read already: the whole document as JSON, one
/// line (`line`) on the terminal.
pub(crate) fn print_ending(document: &Document, output: Output, line: &str) -> io::Result<()> {
    match output {
        Output::Json => print(document, Output::Json),
        Output::Table => print_line(line),
    }
}
