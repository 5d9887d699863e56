//! The only writer of stdout: the JSON document of CONTRACT.md, and the tables people read.
//! Text taken from files is stripped of control characters before it reaches a terminal.

use std::collections::BTreeMap;
use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use crate::load::Action;
use crate::profile::ColumnProfile;
use crate::source::SkippedRow;
use crate::validate::RowError;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Table,
    Json,
}

/// One column of the mapping as the document shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MappingEntry {
    pub index: usize,
    pub column: String,
    pub field: Option<String>,
    pub score: f64,
    pub method: Option<String>,
    /// For an unmapped column, the closest fields and their scores.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
    /// Why the model suggested this field (method `llm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the column's values leave open (an ambiguous date order or decimal separator).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What `inspect` prints.
#[derive(Debug, Clone, Serialize)]
pub struct InspectDocument {
    pub file: String,
    pub format: String,
    pub encoding: Option<&'static str>,
    pub delimiter: Option<String>,
    pub quote: Option<String>,
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    /// Every sheet of a workbook of several: its header and, with `--schema`, its fit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sheet_headers: Vec<SheetHeader>,
    /// Why the sheet profiled is not the first, when `--schema` chose it by fit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet_reason: Option<String>,
    pub header_row: usize,
    /// The non-blank rows above the header, left out as titles, notes or metadata.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_rows: Vec<SkippedRow>,
    pub rows: usize,
    pub columns: Vec<ColumnProfile>,
}

/// One sheet of a workbook as `inspect` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct SheetHeader {
    pub sheet: String,
    /// None when the sheet has no table to read.
    pub header_row: Option<usize>,
    pub headers: Vec<String>,
    /// With `--schema`: how many fields, and required fields, the header maps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit: Option<String>,
}

/// Prints the recorded imports as a JSON array or a table.
pub fn print_history(entries: &[crate::db::HistoryEntry], output: Output) -> io::Result<()> {
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
pub fn print_inspection(document: &InspectDocument, output: Output) -> io::Result<()> {
    emit(document, output, write_inspection)
}

/// Writes `document` to stdout as pretty JSON, or through `tables` for people. A closed pipe
/// (`| head`) is not an error.
fn emit<D: Serialize>(
    document: &D,
    output: Output,
    tables: impl FnOnce(&mut io::StdoutLock<'static>, &D) -> io::Result<()>,
) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let result = match output {
        Output::Json => serde_json::to_writer_pretty(&mut out, document)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out)),
        Output::Table => tables(&mut out, document),
    };
    match result {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.and_then(|()| out.flush()),
    }
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

#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub field: String,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanCounts {
    pub insert: usize,
    pub update: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// Valid rows that the mode leaves alone (`insert-only`, `update-only`).
    pub skipped: usize,
}

/// A row as it would be written.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewRow {
    pub row: usize,
    pub action: Action,
    pub values: serde_json::Map<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// For an update: each changed column's stored and new value.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub diff: serde_json::Map<String, serde_json::Value>,
}

/// Writes every change of a plan's updates as CSV: row, key, column, old, new.
pub fn write_diff(path: &std::path::Path, lines: &[[String; 5]]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(create(path)?);
    writer.write_record(["row", "key", "column", "old", "new"])?;
    for line in lines {
        writer.write_record(line.iter().map(|field| neutralise(field).into_owned()))?;
    }
    commit_csv(writer)
}

/// The one document `map`, `validate` and `import` print; each fills what its stage knows.
#[derive(Debug, Serialize)]
pub struct Document {
    pub file: String,
    pub schema: String,
    pub table: String,
    pub format: String,
    pub sheet: Option<String>,
    /// Why this sheet was read rather than the first, when intake chose it by fit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    pub header_row: usize,
    /// The non-blank rows above the header, left out as titles, notes or metadata.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_rows: Vec<SkippedRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_rows: Option<usize>,
    pub mapping: Vec<MappingEntry>,
    pub missing_fields: Vec<String>,
    /// What intake changed in cells before checking them (validate and import).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalised: Option<Normalised>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<ErrorList>,
    /// Counts and the first errors, for the terminal.
    #[serde(skip)]
    pub summary: Option<ErrorSummary>,
    /// Files written by `--report` and `--rejects`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub written: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_table: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanCounts>,
    /// What the plan means beyond its counts: for a table without a key, what a re-import does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_note: Option<String>,
    /// Names exactly this plan; `import --commit --plan ID` writes only if it is still the plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<Vec<PreviewRow>>,
    /// True for an import that wrote nothing because it was not asked to (`--commit` absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committed: Option<bool>,
    /// What the language model was asked and what came of it (`--llm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm: Option<crate::llm::LlmReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import_id: Option<Option<String>>,
    /// Where `map --save` recorded the mapping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved: Option<String>,
}

/// What was normalised in the cells read: the values were checked and written so.
#[derive(Debug, Serialize, Default)]
pub struct Normalised {
    /// Cells with spaces, tabs or non-breaking spaces around their value, taken off.
    pub trimmed: usize,
}

/// One line naming the rows above the header that were left out, or none.
fn skipped_rows(skipped: &[SkippedRow]) -> Option<String> {
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
pub fn print(document: &Document, output: Output) -> io::Result<()> {
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

fn new_table(header: &[&str]) -> Table {
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

fn action_name(action: Action) -> &'static str {
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
pub fn short_name(text: &str) -> String {
    shorten_to(&clean(text), 60)
}

/// A message that may quote the file (a rule's values, a header), cleaned and cut likewise.
fn short_message(text: &str) -> String {
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
pub fn clean(text: &str) -> String {
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

/// One line of plain output, for what follows a printed document (the end of a commit).
pub fn print_line(line: &str) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match writeln!(out, "{line}") {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// What a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a carriage return
/// first) gets a leading apostrophe, so that opening a report never runs anything. Plain numbers
/// such as `-3` are left alone: they cannot be formulas.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let plain_number = {
        let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        !whole.is_empty()
            && whole.bytes().all(|byte| byte.is_ascii_digit())
            && fraction.bytes().all(|byte| byte.is_ascii_digit())
    };
    if risky && !plain_number {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Every error of a run, counted and passed on as it comes: to the report file, the rejects
/// file, and a short list for the terminal. Only the JSON document on stdout keeps them all.
pub struct ErrorSink {
    show: usize,
    keep_all: bool,
    pub summary: ErrorSummary,
    report: Option<ReportFile>,
    rejects: Option<(String, csv::Writer<OutputFile>)>,
    width: usize,
}

/// Counts and the first errors, for the terminal; all errors when the JSON document needs them.
#[derive(Debug, Default)]
pub struct ErrorSummary {
    pub total: usize,
    /// (code, column) → errors.
    pub counts: BTreeMap<(String, String), usize>,
    pub first: Vec<RowError>,
    pub all: Option<ErrorList>,
}

/// Errors an [`ErrorList`] keeps in memory; the rest wait in a temporary file.
const ERRORS_IN_MEMORY: usize = 10_000;

/// Every error of a run, for the JSON document, in memory that does not grow with them: the
/// first [`ERRORS_IN_MEMORY`] as they are, the rest as JSON lines in an anonymous temporary
/// file (gone when it is closed). Serialized as one JSON array either way, in the order added.
#[derive(Debug, Default)]
pub struct ErrorList {
    kept: Vec<RowError>,
    spilled: Option<Spilled>,
}

#[derive(Debug)]
struct Spilled {
    writer: io::BufWriter<std::fs::File>,
    count: usize,
}

impl ErrorList {
    pub fn push(&mut self, error: RowError) -> anyhow::Result<()> {
        use anyhow::Context;
        if self.kept.len() < ERRORS_IN_MEMORY {
            self.kept.push(error);
            return Ok(());
        }
        let spilled = match &mut self.spilled {
            Some(spilled) => spilled,
            None => self.spilled.insert(Spilled {
                writer: io::BufWriter::new(
                    tempfile::tempfile()
                        .context("cannot create a temporary file to hold the errors")?,
                ),
                count: 0,
            }),
        };
        serde_json::to_writer(&mut spilled.writer, &error)?;
        spilled
            .writer
            .write_all(b"\n")
            .context("cannot write the errors to a temporary file")?;
        spilled.count += 1;
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.kept.len() + self.spilled.as_ref().map_or(0, |spilled| spilled.count)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes out what is buffered, so that serializing reads every error back.
    pub fn flush(&mut self) -> io::Result<()> {
        match &mut self.spilled {
            Some(spilled) => spilled.writer.flush(),
            None => Ok(()),
        }
    }
}

impl Serialize for ErrorList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        use std::io::{BufRead, Seek};
        let mut sequence = serializer.serialize_seq(Some(self.len()))?;
        for error in &self.kept {
            sequence.serialize_element(error)?;
        }
        if let Some(spilled) = &self.spilled {
            let mut file = spilled
                .writer
                .get_ref()
                .try_clone()
                .map_err(S::Error::custom)?;
            file.seek(io::SeekFrom::Start(0))
                .map_err(S::Error::custom)?;
            for line in io::BufReader::new(file).lines() {
                let line = line.map_err(S::Error::custom)?;
                let error: RowError = serde_json::from_str(&line).map_err(S::Error::custom)?;
                sequence.serialize_element(&error)?;
            }
        }
        sequence.end()
    }
}

type OutputFile = std::io::BufWriter<crate::output::Pending>;

enum ReportFile {
    Csv(String, Box<csv::Writer<OutputFile>>),
    Json(String, OutputFile, bool),
}

/// A file that lands at `path` only when [`commit`] is called on it.
fn create(path: &std::path::Path) -> anyhow::Result<OutputFile> {
    Ok(std::io::BufWriter::new(crate::output::Pending::create(
        path,
    )?))
}

fn commit(writer: OutputFile) -> anyhow::Result<()> {
    writer
        .into_inner()
        .map_err(|error| error.into_error())?
        .commit()
}

fn commit_csv(writer: csv::Writer<OutputFile>) -> anyhow::Result<()> {
    commit(writer.into_inner().map_err(|error| error.into_error())?)
}

impl ErrorSink {
    /// `headers` are the file's columns, for the rejects file.
    pub fn new(
        show: usize,
        keep_all: bool,
        report: Option<&std::path::Path>,
        rejects: Option<&std::path::Path>,
        headers: &[String],
    ) -> anyhow::Result<ErrorSink> {
        let report = match report {
            None => None,
            Some(path)
                if path
                    .extension()
                    .is_some_and(|extension| extension.eq_ignore_ascii_case("json")) =>
            {
                let mut writer = create(path)?;
                writer.write_all(b"[")?;
                Some(ReportFile::Json(path.display().to_string(), writer, true))
            }
            Some(path) => {
                let mut writer = csv::Writer::from_writer(create(path)?);
                writer.write_record(crate::output::REPORT_COLUMNS)?;
                Some(ReportFile::Csv(
                    path.display().to_string(),
                    Box::new(writer),
                ))
            }
        };
        let rejects = match rejects {
            None => None,
            Some(path) => {
                let mut output = create(path)?;
                // A byte-order mark, so that Excel opens the file as UTF-8; intake skips it.
                output.write_all(b"\xEF\xBB\xBF")?;
                let mut writer = csv::Writer::from_writer(output);
                let mut header: Vec<String> = headers
                    .iter()
                    .map(|header| neutralise(header).into_owned())
                    .collect();
                header.push("errors".to_string());
                writer.write_record(&header)?;
                Some((path.display().to_string(), writer))
            }
        };
        Ok(ErrorSink {
            show,
            keep_all,
            summary: ErrorSummary {
                all: keep_all.then(ErrorList::default),
                ..ErrorSummary::default()
            },
            report,
            rejects,
            width: headers.len(),
        })
    }

    /// Takes the errors of one rejected record.
    pub fn add(
        &mut self,
        record: crate::source::RowCells<'_>,
        errors: Vec<RowError>,
    ) -> anyhow::Result<()> {
        if let Some((_, writer)) = &mut self.rejects {
            let mut cells: Vec<String> = (0..self.width)
                .map(|index| {
                    record
                        .get(index)
                        .map(|cell| cell.to_text())
                        .unwrap_or_default()
                })
                .map(|text| neutralise(&text).into_owned())
                .collect();
            let messages: Vec<String> = errors
                .iter()
                .map(|error| match &error.column {
                    Some(column) => format!("{column}: {}", error.message),
                    None => error.message.clone(),
                })
                .collect();
            cells.push(neutralise(&messages.join("; ")).into_owned());
            writer.write_record(&cells)?;
        }
        for error in errors {
            self.summary.total += 1;
            *self
                .summary
                .counts
                .entry((
                    error.code.as_str().to_string(),
                    error.column.clone().unwrap_or_default(),
                ))
                .or_default() += 1;
            match &mut self.report {
                Some(ReportFile::Csv(_, writer)) => {
                    let row = error.row.to_string();
                    let fields = [
                        row.as_str(),
                        error.cell.as_deref().unwrap_or_default(),
                        error.column.as_deref().unwrap_or_default(),
                        error.field.as_deref().unwrap_or_default(),
                        error.value.as_str(),
                        error.code.as_str(),
                        error.message.as_str(),
                    ];
                    writer.write_record(
                        fields
                            .iter()
                            .map(|field| neutralise(field))
                            .map(|field| field.into_owned()),
                    )?;
                }
                Some(ReportFile::Json(_, writer, first)) => {
                    writer.write_all(if *first { b"\n  " } else { b",\n  " })?;
                    *first = false;
                    let mut neutral = error.clone();
                    neutral.value = neutralise(&neutral.value).into_owned();
                    neutral.column = neutral
                        .column
                        .map(|column| neutralise(&column).into_owned());
                    serde_json::to_writer(&mut *writer, &neutral)?;
                }
                None => {}
            }
            if self.summary.first.len() < self.show {
                self.summary.first.push(error.clone());
            }
            if self.keep_all
                && let Some(all) = &mut self.summary.all
            {
                all.push(error)?;
            }
        }
        Ok(())
    }

    /// Closes the files; gives the summary and the files written.
    pub fn finish(mut self) -> anyhow::Result<(ErrorSummary, Vec<String>)> {
        if let Some(all) = &mut self.summary.all {
            all.flush()?;
        }
        let mut written = Vec::new();
        match self.report {
            Some(ReportFile::Csv(path, writer)) => {
                commit_csv(*writer)?;
                written.push(path);
            }
            Some(ReportFile::Json(path, mut writer, first)) => {
                writer.write_all(if first { b"]\n" } else { b"\n]\n" })?;
                commit(writer)?;
                written.push(path);
            }
            None => {}
        }
        if let Some((path, writer)) = self.rejects {
            commit_csv(writer)?;
            written.push(path);
        }
        Ok((self.summary, written))
    }
}

/// Progress on stderr while rows are read and written, shown only when stderr is a terminal
/// (scripts and logs get nothing).
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// A counter of rows with a rate, labelled `what` ("read").
    pub fn rows(what: &str) -> Progress {
        Progress::start("{spinner} {human_pos} rows {msg} ({elapsed})", what)
    }

    /// A spinner for a step that counts nothing ("writing 5,000 rows").
    pub fn step(what: &str) -> Progress {
        Progress::start("{spinner} {msg} ({elapsed})", what)
    }

    fn start(template: &str, message: &str) -> Progress {
        use std::io::IsTerminal;
        if !io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_message(message.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress(Some(bar))
    }

    /// Where the count stands; cheap enough to call for every row.
    pub fn set(&self, rows: usize) {
        if let Some(bar) = &self.0
            && rows.is_multiple_of(1024)
        {
            bar.set_position(rows as u64);
        }
    }

    pub fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}

/// `intake backup create`'s document: the contract's `id`, `path` and rows per table.
#[derive(Debug, Clone, Serialize)]
pub struct BackupCreated {
    pub id: String,
    pub path: String,
    pub tables: serde_json::Map<String, serde_json::Value>,
    pub bytes: u64,
}

pub fn print_backup_created(document: &BackupCreated, output: Output) -> io::Result<()> {
    emit(document, output, |out, document| {
        writeln!(out, "backup {}  ({})", document.id, clean(&document.path))?;
        for (table, rows) in &document.tables {
            writeln!(out, "  {}: {rows} rows", clean(table))?;
        }
        writeln!(out, "{} bytes", document.bytes)
    })
}

pub fn print_backup_list(listed: &[crate::backup::Listed], output: Output) -> io::Result<()> {
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

pub fn print_verification(
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

pub fn print_restore(report: &crate::backup::RestoreReport, output: Output) -> io::Result<()> {
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

/// What `prune` deleted (or, with `--dry-run`, would delete).
#[derive(Debug, Clone, Serialize)]
pub struct PruneDocument {
    pub dry_run: bool,
    pub deleted: Vec<crate::backup::Pruned>,
}

pub fn print_prune(document: &PruneDocument, output: Output) -> io::Result<()> {
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

/// What `intake undo` did (or, before the confirmation, will do).
#[derive(Debug, Clone, Serialize)]
pub struct UndoDocument {
    pub import_id: String,
    pub table: String,
    pub database: String,
    /// Rows the import inserted, deleted.
    pub delete: usize,
    /// Rows the import updated, set back to what they were.
    pub set_back: usize,
    /// Rows already as they were before the import.
    pub already: usize,
    /// Rows changed since the import, left as they are.
    pub conflicts: Vec<crate::load::UndoConflict>,
    /// The backup of the table taken just before the undo.
    pub backup: Option<String>,
    pub done: bool,
}

pub fn print_undo(document: &UndoDocument, output: Output) -> io::Result<()> {
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
