//! One function per command: runs the stages in order (source → detect → validate → load) and
//! hands what they found to `report`. Holds no logic of its own beyond the order and the exit.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use anyhow::{Context, bail};

use crate::backup;
use crate::db;
use crate::detect::{self, Mapping};
use crate::exit::{Exit, Refused};
use crate::learned;
use crate::llm;
use crate::load::{self, Plan, Planner};
use crate::parallel::{CheckedBatch, CheckedBatches, CheckedRow};
use crate::profile::{self, ColumnProfile, Profiler};
use crate::report::{
    self, Candidate, Document, ErrorSink, InspectDocument, MappingEntry, Output, PlanCounts,
    PreviewRow,
};
use crate::schema::{self, Schema};
use crate::settings::{
    BackupAction, BackupSettings, HistorySettings, ImportSettings, InputSettings, InspectSettings,
    MapCommandSettings, MapSettings, Settings, UndoSettings, ValidateSettings,
};
use crate::source::{self, Records, Table};
use crate::validate::{TypedRow, Validator, comparable_text};
use crate::value::{self, Value, parse_text};

pub fn run(settings: Settings) -> anyhow::Result<Exit> {
    // One thread: sqlx needs a runtime, and the work is one stream of rows.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        match &settings {
            // Needs no database, runs all the same on the one thread.
            Settings::Inspect(settings) => inspect(settings),
            Settings::Map(settings) => map(settings).await,
            Settings::Validate(settings) => validate(settings).await,
            Settings::Import(settings) => import(settings).await,
            Settings::History(settings) => history(settings).await,
            Settings::Backup(settings) => backup_command(settings).await,
            Settings::Undo(settings) => undo(settings).await,
        }
    })
}

/// Stage 1, shared by every command: the schema, the opened file, its columns' profiles and
/// the mapping.
struct Prepared {
    schema: Schema,
    table: Table,
    profiles: Vec<ColumnProfile>,
    mapping: Mapping,
    /// What the language model suggested, with `--llm`.
    llm: Option<llm::LlmReport>,
}

/// How many data rows at the top of a file are profiled before mapping and validation (all of
/// them for `inspect`). They are read once and kept, then replayed to validation.
const PROFILE_ROWS: usize = 10_000;

/// The schema: a file, an existing table (`--table`), or a file checked against the table.
async fn resolve_schema(settings: &MapSettings) -> anyhow::Result<Schema> {
    let from_file = settings
        .schema
        .as_deref()
        .map(schema::resolve)
        .transpose()?;
    let Some(table) = &settings.table else {
        return from_file.context("give --schema, or --table for an existing table");
    };
    let mut database = db::connect(&settings.database, false)
        .await?
        .with_context(|| {
            format!(
                "--table {table}: the database {} does not exist",
                settings.database
            )
        })?;
    let description = database.describe_table(table).await?.with_context(|| {
        format!(
            "--table {table}: {} has no table {table:?}",
            settings.database
        )
    })?;
    match from_file {
        None => Ok(db::schema_from_table(&description)?),
        Some(mut schema) => {
            db::check_against_table(&schema, &description)?;
            schema.table = table.clone();
            Ok(schema)
        }
    }
}

async fn prepare(settings: &MapSettings) -> anyhow::Result<Prepared> {
    let schema = resolve_schema(settings).await?;
    let mut table = open_best_sheet(&settings.input, &schema)?;
    let profiles = profile_rows(&mut table, PROFILE_ROWS, settings.input.conventions);
    let overrides = with_learned(&schema, &table.headers, &settings.overrides)?;
    let mut mapping = detect::detect(&schema, &table.headers, &profiles, &overrides)?;
    let llm = match &settings.llm {
        Some(llm) => Some(suggest(llm, &schema, &mut mapping, &profiles).await),
        None => None,
    };
    Ok(Prepared {
        schema,
        table,
        profiles,
        mapping,
        llm,
    })
}

/// Opens the file; a workbook without `--sheet` at the sheet whose header fits the schema best,
/// when the first sheet fits clearly worse (fewer required fields, or less than half as many
/// fields), saying which and why in `Table::sheet_reason`.
fn open_best_sheet(input: &InputSettings, schema: &Schema) -> anyhow::Result<Table> {
    let read = &input.read;
    let file = &input.file;
    let sheets = match &read.sheet {
        Some(_) => Vec::new(),
        None => source::sheet_names(file),
    };
    if sheets.len() < 2 {
        return Ok(source::open(file, read)?);
    }
    // Each sheet read to its header: how many fields, and required fields, its header maps.
    let fit_of = |table: &Table| sheet_fit(schema, &table.headers);
    let mut first: Option<(Table, (usize, usize))> = None;
    let mut first_error = None;
    let mut best: Option<(usize, Table, (usize, usize))> = None;
    for (index, _) in sheets.iter().enumerate() {
        let options = source::ReadOptions {
            sheet: Some((index + 1).to_string()),
            ..read.clone()
        };
        match source::open(file, &options) {
            Ok(table) => {
                let fit = fit_of(&table);
                if index == 0 {
                    first = Some((table, fit));
                } else if best.as_ref().is_none_or(|(_, _, known)| fit > *known) {
                    best = Some((index, table, fit));
                }
            }
            Err(error) if index == 0 => first_error = Some(error),
            Err(_) => {}
        }
    }
    let fields = schema.fields.len();
    let required = schema.fields.iter().filter(|field| field.required).count();
    let describe = |(required_found, mapped): (usize, usize)| {
        format!("{mapped} of {fields} fields, {required_found} of {required} required")
    };
    let better = |fit: (usize, usize), than: Option<(usize, usize)>| match than {
        None => fit.1 > 0,
        Some(than) => fit.0 > than.0 || (fit.0 == than.0 && fit.1 >= 2 * than.1.max(1)),
    };
    match (first, best) {
        (first, Some((index, mut table, fit)))
            if better(fit, first.as_ref().map(|(_, fit)| *fit)) =>
        {
            let chosen = table.sheet.clone().unwrap_or_default();
            let first_name = &sheets[0];
            let first_said = match &first {
                Some((_, first_fit)) => format!(
                    "the first sheet {first_name:?} fits {}",
                    describe(*first_fit)
                ),
                None => format!("the first sheet {first_name:?} has no table to read"),
            };
            table.sheet_reason = Some(format!(
                "sheet {} {chosen:?} chosen: its header fits schema {} best ({}), {first_said}; --sheet 1 reads the first",
                index + 1,
                schema.name,
                describe(fit),
            ));
            Ok(table)
        }
        (Some((table, _)), _) => Ok(table),
        (None, _) => Err(first_error
            .map(anyhow::Error::from)
            .unwrap_or_else(|| anyhow::anyhow!("{}: no sheet could be read", file.display()))),
    }
}

/// Asks the model about what stage 1 left open, checks its answer, and applies what the user
/// accepts (every checked suggestion with `--accept-llm`; one by one on a terminal). Whatever
/// goes wrong, the mapping stays intake's own and a warning says why.
async fn suggest(
    settings: &llm::LlmSettings,
    schema: &Schema,
    mapping: &mut Mapping,
    profiles: &[ColumnProfile],
) -> llm::LlmReport {
    let mut report = llm::LlmReport {
        provider: settings.provider.name().to_string(),
        model: settings.model.clone(),
        samples: settings.samples,
        ..llm::LlmReport::default()
    };
    let Some(question) = llm::question(schema, mapping, profiles, settings.samples) else {
        return report;
    };
    report.asked = question
        .columns
        .iter()
        .map(|column| column.header.clone())
        .collect();
    let needs_key = settings.provider.key_variable().is_some();
    if needs_key && settings.key.is_none() {
        let variable = settings.provider.key_variable().unwrap_or("INTAKE_LLM_KEY");
        let message = format!("no key: set INTAKE_LLM_KEY or {variable}");
        eprintln!(
            "warning: the language model was not asked ({message}); the mapping is intake's own"
        );
        report.error = Some(message);
        return report;
    }
    let progress = report::Progress::step(&format!(
        "asking {} about {} columns",
        settings.provider.name(),
        question.columns.len()
    ));
    let answered = llm::ask(settings, &question).await;
    progress.finish();
    let answered = match answered {
        Ok(answered) => answered,
        Err(error) => {
            eprintln!(
                "warning: no suggestions from the language model: {error}; the mapping is intake's own"
            );
            report.error = Some(error.to_string());
            return report;
        }
    };
    let mut suggestions = llm::check(&answered, &question, schema, mapping, profiles);
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let mut held_back = 0;
    for suggestion in &mut suggestions {
        if suggestion.outcome != "accepted" {
            continue;
        }
        let accepted = settings.accept
            || (interactive
                && dialoguer::Confirm::new()
                    .with_prompt(format!(
                        "Map column {:?} to field {} (the model says: {})?",
                        suggestion.column,
                        suggestion.field.as_deref().unwrap_or_default(),
                        suggestion.reason
                    ))
                    .default(false)
                    .interact()
                    .unwrap_or(false));
        if accepted && llm::apply(schema, mapping, suggestion) {
            suggestion.outcome = "applied".to_string();
        } else {
            suggestion.outcome = "not accepted".to_string();
            held_back += 1;
        }
    }
    if held_back > 0 && !settings.accept && !interactive {
        eprintln!(
            "warning: {held_back} suggestions of the language model were not applied: pass --accept-llm to apply them"
        );
    }
    report.suggestions = suggestions;
    report
}

/// The user's `--map` on top of a mapping saved for these headers, if there is one; a saved
/// entry gives way where the user names the same column or field.
fn with_learned(
    schema: &Schema,
    headers: &[String],
    given: &[detect::Override],
) -> anyhow::Result<Vec<detect::Override>> {
    let Some((_, saved)) = learned::find(Path::new(learned::FOLDER), &schema.name, headers)? else {
        return Ok(given.to_vec());
    };
    let mut overrides: Vec<detect::Override> = saved
        .into_iter()
        .filter(|saved| {
            !given.iter().any(|user| {
                detect::normalise(&user.column) == detect::normalise(&saved.column)
                    || (user.field.is_some() && user.field == saved.field)
            })
        })
        .collect();
    overrides.extend(given.iter().cloned());
    Ok(overrides)
}

/// Profiles up to `limit` records and puts them back in front of the rest, so nothing is read
/// twice. A read error stops the sample and waits in line for whoever reads the records next.
fn profile_rows(
    table: &mut Table,
    limit: usize,
    conventions: profile::Overrides,
) -> Vec<ColumnProfile> {
    let mut records = std::mem::replace(&mut table.records, Records::empty());
    let mut profiler = Profiler::new(table.headers.len());
    profiler.delimited_by(table.delimiter);
    let mut sample = Vec::new();
    let mut failure = None;
    while sample.len() < limit {
        match records.next() {
            Some(Ok(record)) => sample.push(record),
            Some(Err(error)) => {
                failure = Some(error);
                break;
            }
            None => break,
        }
    }
    profiler.add_all(&sample);
    records.unread(sample.into_iter().map(Ok).chain(failure.map(Err)).collect());
    table.records = records;
    profiler.finish(&table.headers, conventions)
}

fn inspect(settings: &InspectSettings) -> anyhow::Result<Exit> {
    let schema = settings
        .schema
        .as_deref()
        .map(schema::resolve)
        .transpose()?;
    let sheet_headers = sheet_headers(settings, schema.as_ref());
    let mut table = match &schema {
        Some(schema) => open_best_sheet(&settings.input, schema)?,
        None => source::open(&settings.input.file, &settings.input.read)?,
    };
    let mut profiler = Profiler::new(table.headers.len());
    profiler.delimited_by(table.delimiter);
    for record in table.records.by_ref() {
        profiler.add(&record?);
    }
    let rows = profiler.rows();
    let columns = profiler.finish(&table.headers, settings.input.conventions);
    let document = InspectDocument {
        file: table.file.clone(),
        format: table.format.to_string(),
        encoding: table.encoding,
        delimiter: table
            .delimiter
            .map(|delimiter| (delimiter as char).to_string()),
        quote: table.quote.map(|quote| (quote as char).to_string()),
        sheets: table.sheets.clone(),
        sheet: table.sheet.clone(),
        sheet_headers,
        sheet_reason: table.sheet_reason.clone(),
        header_row: table.header_row,
        skipped_rows: table.skipped.clone(),
        rows,
        columns,
    };
    report::print_inspection(&document, settings.output)?;
    Ok(Exit::Success)
}

/// On a terminal, each required field that found no column is offered the unmapped columns,
/// closest first, to choose from; a choice is applied as the user's own (`manual`), and the
/// mapping offered to be saved for the next file with the same headers. Off a terminal, nothing
/// is asked (`require_mapped` then says what to write).
fn offer_missing_columns(prepared: &mut Prepared) -> anyhow::Result<()> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let Prepared {
        schema,
        table,
        mapping,
        profiles,
        ..
    } = prepared;
    let missing: Vec<usize> = mapping
        .missing_fields
        .iter()
        .copied()
        .filter(|&field| schema.fields[field].required)
        .collect();
    if !interactive || missing.is_empty() {
        return Ok(());
    }
    let mut chosen = false;
    for field in missing {
        let name = schema.fields[field].name.clone();
        let closeness: std::collections::HashMap<String, f64> =
            detect::closest_columns(schema, &table.headers, profiles, field)
                .into_iter()
                .collect();
        let mut open: Vec<(usize, f64)> = mapping
            .columns
            .iter()
            .filter(|column| column.field.is_none())
            .map(|column| {
                let score = closeness.get(&column.column).copied().unwrap_or(0.0);
                (column.index, score)
            })
            .collect();
        if open.is_empty() {
            break;
        }
        open.sort_by(|left, right| right.1.total_cmp(&left.1).then(left.0.cmp(&right.0)));
        let mut items: Vec<String> = open
            .iter()
            .map(|&(index, score)| {
                let header = report::short_name(&table.headers[index]);
                if score > 0.0 {
                    format!("{header} (closeness {score:.2})")
                } else {
                    header
                }
            })
            .collect();
        items.push("none of these: stop here".to_string());
        let picked = dialoguer::Select::new()
            .with_prompt(format!(
                "Required field {name:?} has no column in {}. Which column holds it?",
                table.file
            ))
            .items(&items)
            .default(0)
            .interact()
            .context("cannot read the answer from the terminal")?;
        let Some(&(index, _)) = open.get(picked) else {
            break;
        };
        let column = &mut mapping.columns[index];
        column.field = Some(field);
        column.score = 1.0;
        column.method = Some(detect::Method::Manual);
        column.candidates.clear();
        mapping.missing_fields.retain(|&missing| missing != field);
        chosen = true;
    }
    if chosen {
        let save = dialoguer::Confirm::new()
            .with_prompt(format!(
                "Keep this mapping for the next file with these headers (in {}/)?",
                learned::FOLDER
            ))
            .default(true)
            .interact()
            .context("cannot read the answer from the terminal")?;
        if save {
            let columns: Vec<(String, Option<String>)> = mapping
                .columns
                .iter()
                .map(|column| {
                    (
                        column.column.clone(),
                        column.field.map(|field| schema.fields[field].name.clone()),
                    )
                })
                .collect();
            let path = learned::save(Path::new(learned::FOLDER), &schema.name, &columns)?;
            eprintln!("Saved the mapping in {}.", path.display());
        }
    }
    Ok(())
}

/// Each sheet of a workbook of several, read to its header, with its fit to `schema` when given.
fn sheet_headers(settings: &InspectSettings, schema: Option<&Schema>) -> Vec<report::SheetHeader> {
    let file = &settings.input.file;
    let sheets = source::sheet_names(file);
    if sheets.len() < 2 || settings.input.read.sheet.is_some() {
        return Vec::new();
    }
    sheets
        .iter()
        .enumerate()
        .map(|(index, sheet)| {
            let options = source::ReadOptions {
                sheet: Some((index + 1).to_string()),
                ..settings.input.read.clone()
            };
            let table = source::open(file, &options).ok();
            let fit = match (schema, &table) {
                (Some(schema), Some(table)) => {
                    let (required, mapped) = sheet_fit(schema, &table.headers);
                    let all_required = schema.fields.iter().filter(|field| field.required).count();
                    Some(format!(
                        "{mapped} of {} fields, {required} of {all_required} required",
                        schema.fields.len()
                    ))
                }
                _ => None,
            };
            report::SheetHeader {
                sheet: sheet.clone(),
                header_row: table.as_ref().map(|table| table.header_row),
                headers: table.map(|table| table.headers).unwrap_or_default(),
                fit,
            }
        })
        .collect()
}

/// How many required fields, and fields, a header maps to.
fn sheet_fit(schema: &Schema, headers: &[String]) -> (usize, usize) {
    let Ok(mapping) = detect::detect(schema, headers, &[], &[]) else {
        return (0, 0);
    };
    let mapped: Vec<usize> = mapping
        .columns
        .iter()
        .filter_map(|column| column.field)
        .collect();
    let required = mapped
        .iter()
        .filter(|&&field| schema.fields[field].required)
        .count();
    (required, mapped.len())
}

/// Before any row is checked: some column must be mapped, and every required field must have one.
fn require_mapped(prepared: &Prepared) -> anyhow::Result<()> {
    let Prepared {
        schema,
        table,
        mapping,
        profiles,
        ..
    } = prepared;
    if mapping.columns.iter().all(|column| column.field.is_none()) {
        bail!(
            "{}: no column matches a field of schema {}: check the file and the schema, or map columns with --map 'COLUMN=field'",
            table.file,
            schema.name
        );
    }
    for &field in &mapping.missing_fields {
        if !schema.fields[field].required {
            continue;
        }
        let name = &schema.fields[field].name;
        let closest = detect::closest_columns(schema, &table.headers, profiles, field);
        let hint = if closest.is_empty() {
            String::new()
        } else {
            let listed: Vec<String> = closest
                .iter()
                .map(|(column, score)| format!("{:?} {score:.2}", report::short_name(column)))
                .collect();
            format!(" (closest columns: {})", listed.join(", "))
        };
        bail!(
            "{}: required field {name:?} has no column{hint}: map one with --map 'COLUMN={name}'",
            table.file
        );
    }
    Ok(())
}

fn stage_one_document(prepared: &Prepared) -> Document {
    let Prepared {
        schema,
        table,
        profiles,
        mapping,
        llm,
    } = prepared;
    let reason = |column: &str| {
        llm.as_ref().and_then(|llm| {
            llm.suggestions
                .iter()
                .find(|suggestion| suggestion.column == column && suggestion.outcome == "applied")
                .map(|suggestion| suggestion.reason.clone())
        })
    };
    let field_name = |field: usize| schema.fields[field].name.clone();
    Document {
        file: table.file.clone(),
        schema: schema.name.clone(),
        table: schema.table.clone(),
        format: table.format.to_string(),
        sheet: table.sheet.clone(),
        sheet_reason: table.sheet_reason.clone(),
        delimiter: table
            .delimiter
            .map(|delimiter| (delimiter as char).to_string()),
        header_row: table.header_row,
        skipped_rows: table.skipped.clone(),
        rows: None,
        valid_rows: None,
        normalised: None,
        mapping: mapping
            .columns
            .iter()
            .map(|column| MappingEntry {
                index: column.index,
                column: column.column.clone(),
                field: column.field.map(field_name),
                score: column.score,
                method: column.method.map(|method| method.to_string()),
                reason: (column.method == Some(detect::Method::Llm))
                    .then(|| reason(&column.column))
                    .flatten(),
                notes: profiles
                    .get(column.index)
                    .map(|profile| profile.notes.clone())
                    .unwrap_or_default(),
                candidates: column
                    .candidates
                    .iter()
                    .map(|&(field, score)| Candidate {
                        field: field_name(field),
                        score,
                    })
                    .collect(),
            })
            .collect(),
        missing_fields: mapping
            .missing_fields
            .iter()
            .map(|&field| field_name(field))
            .collect(),
        errors: None,
        summary: None,
        written: Vec::new(),
        database: None,
        create_table: None,
        plan: None,
        plan_note: None,
        plan_id: None,
        preview: None,
        dry_run: None,
        committed: None,
        llm: llm.clone(),
        backup: None,
        import_id: None,
        saved: None,
    }
}

async fn map(settings: &MapCommandSettings) -> anyhow::Result<Exit> {
    let prepared = prepare(&settings.map).await?;
    let mut document = stage_one_document(&prepared);
    if settings.save {
        let columns: Vec<(String, Option<String>)> = document
            .mapping
            .iter()
            .map(|entry| (entry.column.clone(), entry.field.clone()))
            .collect();
        let path = learned::save(Path::new(learned::FOLDER), &prepared.schema.name, &columns)?;
        document.saved = Some(path.display().to_string());
    }
    report::print(&document, settings.map.output)?;
    Ok(Exit::Success)
}

/// What stage 2 found over the whole file.
struct Checked {
    rows: usize,
    rejected: usize,
    /// Cells whose surrounding spaces were taken off.
    trimmed: usize,
    sink: ErrorSink,
}

impl Checked {
    fn new(settings: &ValidateSettings, headers: &[String]) -> anyhow::Result<Checked> {
        Ok(Checked {
            rows: 0,
            rejected: 0,
            trimmed: 0,
            sink: ErrorSink::new(
                settings.show_errors,
                settings.map.output == Output::Json,
                settings.report.as_deref(),
                settings.rejects.as_deref(),
                headers,
            )?,
        })
    }

    /// Counts one checked record, passes its errors on, and gives back the typed row when it is
    /// valid.
    fn add(&mut self, checked: CheckedRow<'_>) -> anyhow::Result<Option<TypedRow>> {
        self.rows += 1;
        self.trimmed += checked.trimmed as usize;
        if !checked.errors.is_empty() {
            self.reject(checked)?;
            return Ok(None);
        }
        Ok(checked.typed)
    }

    /// Counts a batch whose valid rows are not wanted (validation alone): only the rows with
    /// errors are looked at.
    fn add_batch(&mut self, batch: &mut CheckedBatch) -> anyhow::Result<()> {
        self.rows += batch.len();
        self.trimmed += batch.trimmed();
        for checked in batch.rejected() {
            self.reject(checked)?;
        }
        Ok(())
    }

    fn reject(&mut self, checked: CheckedRow<'_>) -> anyhow::Result<()> {
        self.rejected += 1;
        self.sink.add(checked.cells, checked.errors)
    }

    /// Closes the report files and puts what stage 2 found into the document.
    fn finish(self, document: &mut Document) -> anyhow::Result<usize> {
        let (mut summary, written) = self.sink.finish()?;
        document.rows = Some(self.rows);
        document.valid_rows = Some(self.rows - self.rejected);
        document.normalised = Some(report::Normalised {
            trimmed: self.trimmed,
        });
        document.errors = Some(summary.all.take().unwrap_or_default());
        let total = summary.total;
        document.summary = Some(summary);
        document.written = written;
        Ok(total)
    }
}

/// For each field with a reference, the values allowed: from `--reference TABLE=FILE` when given
/// for its table, otherwise from that table in the database.
async fn reference_sets(
    schema: &Schema,
    settings: &ValidateSettings,
    database: Option<&mut db::Database>,
) -> anyhow::Result<Vec<(usize, Arc<HashSet<String>>)>> {
    let mut sets = Vec::new();
    let mut database = database;
    for (index, field) in schema.fields.iter().enumerate() {
        let Some(reference) = &field.reference else {
            continue;
        };
        let texts: Vec<String> = if let Some((_, path)) = settings
            .references
            .iter()
            .find(|(table, _)| *table == reference.table)
        {
            source_column_values(path, &reference.field)?
        } else {
            let hint = format!("or name a file with --reference {}=FILE", reference.table);
            let database = database.as_deref_mut().with_context(|| {
                format!(
                    "field {:?} references {}.{}, and {} does not exist: give --db {hint}",
                    field.name, reference.table, reference.field, settings.map.database
                )
            })?;
            database.column_values(&reference.table, &reference.field).await?.with_context(|| {
                format!(
                    "field {:?} references {}.{}, which {} does not have: import {} first, {hint}",
                    field.name, reference.table, reference.field, settings.map.database, reference.table
                )
            })?
        };
        let values = texts
            .iter()
            .filter_map(|text| {
                parse_text(
                    field.field_type,
                    field.format.as_deref(),
                    text,
                    &Default::default(),
                )
                .ok()
            })
            .filter(|value| !value.is_null())
            .map(|value| comparable_text(&value))
            .collect();
        sets.push((index, Arc::new(values)));
    }
    Ok(sets)
}

/// The values of one column of a file, found by its header (as headers are compared).
fn source_column_values(path: &Path, column: &str) -> anyhow::Result<Vec<String>> {
    let table = source::open(path, &source::ReadOptions::default())?;
    let wanted = detect::normalise(column);
    let index = table
        .headers
        .iter()
        .position(|header| detect::normalise(header) == wanted)
        .with_context(|| {
            format!(
                "{}: no column {column:?} to check references against; its columns are: {}",
                path.display(),
                table.headers.join(", ")
            )
        })?;
    let mut values = Vec::new();
    for record in table.records {
        if let Some(cell) = record?.cells.get(index).filter(|cell| !cell.is_blank()) {
            values.push(cell.to_text().trim().to_string());
        }
    }
    Ok(values)
}

fn validator(prepared: &Prepared, references: &[(usize, Arc<HashSet<String>>)]) -> Validator {
    // intake's own rejects file ends in its `errors` column: its formula guards come off.
    let rejects_file = prepared
        .table
        .headers
        .last()
        .is_some_and(|header| header == "errors");
    let styles = prepared
        .profiles
        .iter()
        .map(|profile| crate::value::TextStyle {
            guarded: rejects_file,
            ..profile.style
        })
        .collect();
    let mut validator = Validator::new(
        &prepared.schema,
        &prepared.table.headers,
        prepared.mapping.field_columns(prepared.schema.fields.len()),
        styles,
    );
    for (field, values) in references {
        validator.set_reference(*field, Arc::clone(values));
    }
    if prepared.table.format == source::Format::Spreadsheet {
        validator.set_sheet();
    }
    validator
}

async fn validate(settings: &ValidateSettings) -> anyhow::Result<Exit> {
    let mut prepared = prepare(&settings.map).await?;
    offer_missing_columns(&mut prepared)?;
    require_mapped(&prepared)?;
    // The database is opened only when a reference has no file to be checked against.
    let needs_database = prepared
        .schema
        .fields
        .iter()
        .filter_map(|field| field.reference.as_ref())
        .any(|reference| {
            !settings
                .references
                .iter()
                .any(|(table, _)| *table == reference.table)
        });
    let mut database = if needs_database {
        db::connect(&settings.map.database, false).await?
    } else {
        None
    };
    let references = reference_sets(&prepared.schema, settings, database.as_mut()).await?;
    drop(database);
    let mut checked = Checked::new(settings, &prepared.table.headers)?;
    let records = std::mem::replace(&mut prepared.table.records, Records::empty());
    {
        let validator = validator(&prepared, &references);
        let progress = report::Progress::rows("read");
        let mut batches = CheckedBatches::new(records, validator, false);
        while let Some(mut batch) = batches.next_batch()? {
            checked.add_batch(&mut batch)?;
            progress.set(checked.rows);
        }
        progress.finish();
    }
    let mut document = stage_one_document(&prepared);
    let total = checked.finish(&mut document)?;
    report::print(&document, settings.map.output)?;
    Ok(if total == 0 {
        Exit::Success
    } else {
        Exit::DataErrors
    })
}

/// What every import needs before it reads a row: the file mapped to the schema, the database
/// (`None`: a SQLite file that does not exist yet), the table's columns when it exists (checked
/// against the schema first), and the sets that references are checked against.
struct ImportSetup {
    prepared: Prepared,
    schema: Schema,
    /// Per schema field, whether a column feeds it.
    mapped: Vec<bool>,
    database: Option<db::Database>,
    existing_columns: Option<Vec<String>>,
    references: Vec<(usize, Arc<HashSet<String>>)>,
}

impl ImportSetup {
    /// A planner of the file's rows against the table (`schema` is this setup's).
    fn planner<'s>(&self, schema: &'s Schema, mode: load::Mode) -> Planner<'s> {
        Planner::new(schema, &self.mapped, mode, self.existing_columns.as_deref())
    }
}

async fn import_setup(settings: &ImportSettings) -> anyhow::Result<ImportSetup> {
    let map_settings = &settings.validate.map;
    let mut prepared = prepare(map_settings).await?;
    offer_missing_columns(&mut prepared)?;
    require_mapped(&prepared)?;
    let mut schema = prepared.schema.clone();
    if schema.key.is_empty() && settings.mode != load::Mode::InsertOnly {
        bail!(
            "schema {} has no key: an {} needs one to tell new rows from existing ones: give it a key (key = [...] in a mapping file, primaryKey in a Table Schema), or insert every valid row with --mode append",
            schema.name,
            if settings.mode == load::Mode::Upsert {
                "upsert"
            } else {
                "update-only import"
            }
        );
    }
    let mut mapped = vec![false; schema.fields.len()];
    for column in &prepared.mapping.columns {
        if let Some(field) = column.field {
            mapped[field] = true;
        }
    }
    db::check_names(
        &map_settings.database,
        std::iter::once(("table", schema.table.as_str())).chain(
            schema
                .fields
                .iter()
                .map(|field| ("column", field.name.as_str())),
        ),
    )?;
    let mut database = db::connect(&map_settings.database, false).await?;
    // An existing table must take the schema's fields: checked before any row is read.
    let existing = match database.as_mut() {
        Some(database) => database.describe_table(&schema.table).await?,
        None => None,
    };
    if let Some(description) = &existing {
        db::check_against_table(&schema, description)?;
        // What the table's columns hold exactly joins the fields' checks (PostgreSQL).
        db::take_column_limits(&mut schema, description);
        db::take_column_limits(&mut prepared.schema, description);
    }
    let existing_columns: Option<Vec<String>> = existing.as_ref().map(|description| {
        description
            .columns
            .iter()
            .map(|column| column.name.clone())
            .collect()
    });
    let references = reference_sets(&schema, &settings.validate, database.as_mut()).await?;
    Ok(ImportSetup {
        prepared,
        schema,
        mapped,
        database,
        existing_columns,
        references,
    })
}

/// The file's rows through stage 2 on threads of their own (see `parallel`), handed on in
/// runs of valid typed rows in file order (at least 5,000, one query each to compare them with
/// the table), so that planning and writing go on meanwhile.
struct Planning {
    /// Dropped before the worker is joined: its next send fails, and it stops.
    runs: Receiver<Vec<TypedRow>>,
    /// Rows with errors so far.
    rejected: Arc<AtomicUsize>,
    worker: Worker<Checked>,
}

impl Planning {
    fn start(setup: &mut ImportSetup, settings: &ImportSettings) -> anyhow::Result<Planning> {
        let mut checked = Checked::new(&settings.validate, &setup.prepared.table.headers)?;
        let records = std::mem::replace(&mut setup.prepared.table.records, Records::empty());
        let validator = validator(&setup.prepared, &setup.references);
        let size = settings.batch_size.max(5_000);
        let rejected = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&rejected);
        let (sender, runs) = sync_channel::<Vec<TypedRow>>(2);
        let worker = Worker::spawn("intake-plan", move || -> anyhow::Result<Checked> {
            let progress = report::Progress::rows("read and compared with the table");
            let mut batches = CheckedBatches::new(records, validator, true);
            let mut pending = Vec::with_capacity(size);
            while let Some(mut batch) = batches.next_batch()? {
                for row in batch.rows() {
                    if let Some(row) = checked.add(row)? {
                        pending.push(row);
                    }
                }
                counted.store(checked.rejected, Ordering::Relaxed);
                progress.set(checked.rows);
                if pending.len() >= size
                    && sender
                        .send(std::mem::replace(&mut pending, Vec::with_capacity(size)))
                        .is_err()
                {
                    // Whoever takes the runs stopped: nothing more to do.
                    return Ok(checked);
                }
            }
            progress.finish();
            let _ = sender.send(pending);
            Ok(checked)
        })?;
        Ok(Planning {
            runs,
            rejected,
            worker,
        })
    }

    /// The next run of valid rows in file order; `None` after the last (or when stage 2
    /// stopped on an error, which [`Planning::finish`] gives).
    fn next_rows(&mut self) -> Option<Vec<TypedRow>> {
        self.runs.recv().ok()
    }

    /// Rows with errors found so far.
    fn rejected(&self) -> usize {
        self.rejected.load(Ordering::Relaxed)
    }

    /// What stage 2 found over the whole file, once every run was taken.
    fn finish(self) -> anyhow::Result<Checked> {
        drop(self.runs);
        self.worker.finish()
    }
}

/// A thread whose work ends in a result: [`Worker::finish`] waits for it and gives it (a panic
/// there goes on here); dropped unfinished, it is waited for all the same.
struct Worker<T> {
    thread: Option<JoinHandle<anyhow::Result<T>>>,
}

impl<T: Send + 'static> Worker<T> {
    /// Starts a named thread (names show in profilers).
    fn spawn(
        name: &str,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<Worker<T>> {
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(work)
            .context("cannot start a thread")?;
        Ok(Worker {
            thread: Some(thread),
        })
    }

    fn finish(mut self) -> anyhow::Result<T> {
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => bail!("the thread was already waited for"),
        }
    }
}

impl<T> Drop for Worker<T> {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The document of an import once every row is planned: stage 2's findings, the plan's counts,
/// its id and preview.
fn plan_document(
    settings: &ImportSettings,
    prepared: &Prepared,
    checked: Checked,
    plan: &Plan,
    preview: Vec<PreviewRow>,
) -> anyhow::Result<Document> {
    let mut document = stage_one_document(prepared);
    checked.finish(&mut document)?;
    document.database = Some(settings.validate.map.database.to_string());
    document.create_table = Some(plan.create_table);
    document.plan = Some(PlanCounts {
        insert: plan.insert,
        update: plan.update,
        unchanged: plan.unchanged,
        rejected: plan.rejected,
        skipped: plan.skipped,
    });
    document.preview = Some(preview);
    if prepared.schema.key.is_empty() {
        document.plan_note = Some(format!(
            "Table {} has no key: every valid row is inserted as a new row, so importing this file again would insert its {} rows again (intake undo takes an import back)",
            prepared.schema.table, plan.insert
        ));
    }
    document.plan_id = Some(plan.id());
    document.dry_run = Some(!settings.commit);
    document.committed = Some(false);
    document.backup = Some(None);
    document.import_id = Some(None);
    Ok(document)
}

/// Why a planned commit must not be written, if it must not: rows with errors (without
/// `--skip-invalid`), or a plan other than the one the user confirmed with `--plan`.
fn refusal(settings: &ImportSettings, plan: &Plan, plan_id: &str) -> Option<Refused> {
    if plan.rejected > 0 && !settings.skip_invalid {
        let valid = plan.insert + plan.update + plan.unchanged + plan.skipped;
        return Some(Refused(format!(
            "{} rows have errors: fix them and import again, or pass --skip-invalid to load only the {valid} valid rows; nothing was written",
            plan.rejected
        )));
    }
    match &settings.plan {
        Some(expected) if expected != plan_id => Some(Refused(format!(
            "the plan changed since the dry run: it was {expected}, it is now {plan_id} (inserts, updates and unchanged rows, then a digest of every row): the table or the file changed; nothing was written; run the dry run again and read its plan"
        ))),
        _ => None,
    }
}

async fn import(settings: &ImportSettings) -> anyhow::Result<Exit> {
    let mut setup = import_setup(settings).await?;
    // Confirmed up front, a commit need not hold its plan to show it first: it streams. When
    // the database refused a row, everything was rolled back, and the import runs again holding
    // its whole plan, which names the row.
    let streams = settings.commit && settings.confirmed && settings.diff.is_none();
    if streams {
        match import_streaming(settings, setup, None).await? {
            StreamEnd::Done(exit) => return Ok(exit),
            StreamEnd::Refused(back) => setup = reopened(*back, settings)?,
        }
    }
    let output = settings.validate.map.output;
    let schema = setup.schema.clone();
    let mut planner = setup.planner(&schema, settings.mode);
    let mut planning = Planning::start(&mut setup, settings)?;
    while let Some(rows) = planning.next_rows() {
        planner.add_batch(setup.database.as_mut(), rows).await?;
    }
    let checked = planning.finish()?;
    let mut plan = planner.finish();
    plan.rejected = checked.rejected;
    let preview = preview(&plan.columns, &plan.writes, settings.preview);
    let mut document = plan_document(settings, &setup.prepared, checked, &plan, preview)?;
    let plan_id = plan.id();
    if let Some(path) = &settings.diff {
        report::write_diff(path, &diff_lines(&plan, schema.key.len()))?;
        document.written.push(path.display().to_string());
    }

    if !settings.commit {
        report::print(&document, output)?;
        return Ok(if plan.rejected > 0 && !settings.skip_invalid {
            Exit::DataErrors
        } else {
            Exit::Success
        });
    }
    if let Some(refused) = refusal(settings, &plan, &plan_id) {
        report::print(&document, output)?;
        return Err(refused.into());
    }
    if plan.writes.is_empty() {
        document.committed = Some(true);
        report::print(&document, output)?;
        return Ok(Exit::Success);
    }
    if output == Output::Table {
        // People read the plan and the preview before they are asked.
        document.committed = None;
        report::print(&document, output)?;
    }
    if !streams {
        if !settings.confirmed {
            confirm(settings, &schema, &plan)?;
        }
        // The confirmed plan is written by a commit that plans again inside its transaction and
        // stops, showing what differs, unless it is the same plan.
        let confirmed = Confirmed {
            plan: &plan,
            announced: output == Output::Table,
        };
        let again = reopened(setup, settings)?;
        match import_streaming(settings, again, Some(confirmed)).await? {
            StreamEnd::Done(exit) => return Ok(exit),
            StreamEnd::Refused(back) => setup = *back,
        }
    }
    // The database refused a row: the held plan is written again, to name it.
    let created_file = matches!(
        &settings.validate.map.database,
        db::Location::Sqlite(path) if !path.exists()
    );
    let mut database = match setup.database {
        Some(database) => database,
        None => db::connect(&settings.validate.map.database, true)
            .await?
            .context("the database could not be created")?,
    };
    let store = backup::Store::new(&settings.backup_dir);
    // The table as it was, before anything is written (a new table has nothing to keep).
    let backup_id = if settings.no_backup || plan.create_table {
        None
    } else {
        Some(backup_before_import(&mut database, &store, &schema).await?)
    };
    document.backup = Some(backup_id.clone());
    let mut history = history_entry(settings, &schema);
    history.file_sha256 = file_sha256(&settings.validate.map.input.file)?.finish()?;
    set_counts(&mut history, &plan);
    history.backup_id = backup_id.clone();
    let import_id = history.id.clone();
    let mut journal = store.journal_writer(&journal_header(
        &schema,
        &plan.columns,
        &import_id,
        backup_id,
    ))?;
    let mut lines = Vec::new();
    journal_lines(&mut lines, &plan.columns, &plan.writes);
    journal.write(&lines)?;
    journal
        .finish()
        .context("cannot keep the import's journal, so nothing was written")?;
    drop(lines);
    let progress = report::Progress::step(&format!(
        "writing {} rows in one transaction",
        plan.writes.len()
    ));
    let committed = load::commit(
        &mut database,
        &schema,
        &plan,
        settings.batch_size,
        Some(history),
    )
    .await;
    progress.finish();
    if let Err(error) = committed {
        store.remove_journal(&import_id);
        drop(database);
        if created_file {
            remove_created_file(settings);
        }
        return Err(Refused(format!(
            "the import failed and nothing was written: {error}"
        ))
        .into());
    }
    document.committed = Some(true);
    document.import_id = Some(Some(import_id));
    print_committed(settings, &document, &schema, &plan)?;
    Ok(Exit::Success)
}

/// `import --commit --yes`: each run of rows is planned inside the commit's transaction (under
/// its lock, so the plan is exact by construction) and written at once, its journal lines with
/// it; memory holds a run at a time, and the database writes while the file is still read. On
/// PostgreSQL, a table the import creates takes every row through one `COPY`. Rows with errors
/// (without `--skip-invalid`), a plan other than `--plan`'s, or nothing to write: the
/// transaction is rolled back, as if nothing had started. `None` when the database refused a
/// row: rolled back too, for the caller to name the row.
async fn import_streaming(
    settings: &ImportSettings,
    mut setup: ImportSetup,
    confirmed: Option<Confirmed<'_>>,
) -> anyhow::Result<StreamEnd> {
    let output = settings.validate.map.output;
    let schema = setup.schema.clone();
    let created_file = setup.database.is_none();
    let mut database = match setup.database.take() {
        Some(database) => database,
        None => db::connect(&settings.validate.map.database, true)
            .await?
            .context("the database could not be created")?,
    };
    let table_exists = setup.existing_columns.is_some();
    let store = backup::Store::new(&settings.backup_dir);
    // The table as it was, before anything is written; discarded when nothing is. On
    // PostgreSQL it is written meanwhile, on a connection and a thread of its own: its snapshot
    // cannot see this import's rows, which stay uncommitted until it is done.
    let mut backup_thread = None;
    let backup_id = if settings.no_backup || !table_exists {
        None
    } else if database.dialect() == db::Dialect::Postgres {
        let (id, thread) = backup_meanwhile(settings, &store, &schema)?;
        backup_thread = Some(thread);
        Some(id)
    } else {
        Some(backup_before_import(&mut database, &store, &schema).await?)
    };
    let sha256 = file_sha256(&settings.validate.map.input.file)?;
    let mut history = history_entry(settings, &schema);
    history.backup_id = backup_id.clone();
    let import_id = history.id.clone();
    if let Some(id) = &backup_id {
        // Until the commit, the backup says it belongs to an import that has not committed:
        // killed before, the import leaves nothing that looks complete.
        store.mark_pending(id, &import_id)?;
    }
    // Whatever stops the import from here on leaves nothing: the transaction rolled back, the
    // backup of the untouched table and a database file made for the import removed.
    let abandon = async |mut database: db::Database, backup_thread: Option<BackupThread>| {
        database.rollback_load().await;
        drop(database);
        // Dropping the backup's worker waits for it: the folder is whole when discarded.
        drop(backup_thread);
        if let Some(id) = &backup_id {
            store.discard(id);
        }
        if created_file {
            remove_created_file(settings);
        }
    };
    let streamed = stream_rows(
        settings,
        &mut setup,
        &mut database,
        &store,
        &import_id,
        backup_id.clone(),
        confirmed.as_ref().map(|confirmed| confirmed.plan),
    )
    .await;
    let (mut document, plan, journal, check) = match streamed {
        Ok(Streamed::Planned(planned)) => *planned,
        Ok(Streamed::Refused) => {
            abandon(database, backup_thread.take()).await;
            return Ok(StreamEnd::Refused(Box::new(setup)));
        }
        Err(error) => {
            abandon(database, backup_thread.take()).await;
            return Err(error);
        }
    };
    let plan_id = plan.id();
    let announced = confirmed
        .as_ref()
        .is_some_and(|confirmed| confirmed.announced);
    let refused = match &confirmed {
        Some(confirmed) => changed_since(confirmed.plan, &plan, check),
        None => refusal(settings, &plan, &plan_id),
    };
    if refused.is_some() || plan.insert + plan.update == 0 {
        // Not a row, not the table it would have created, not the history.
        drop(journal);
        abandon(database, backup_thread.take()).await;
        document.committed = Some(refused.is_none());
        if !announced {
            report::print(&document, output)?;
        }
        return match refused {
            Some(refused) => Err(refused.into()),
            None => Ok(StreamEnd::Done(Exit::Success)),
        };
    }
    set_counts(&mut history, &plan);
    if let Some(thread) = backup_thread.take()
        && let Err(error) = thread.finish()
    {
        abandon(database, None).await;
        return Err(error);
    }
    let mut finished = match sha256.finish() {
        Ok(sha256) => {
            history.file_sha256 = sha256;
            database
                .record_history(&schema.table, &history)
                .await
                .map_err(anyhow::Error::from)
        }
        Err(error) => Err(error),
    };
    if finished.is_ok() {
        // The journal is in place before the commit: a committed import can always be undone.
        finished = journal
            .finish()
            .map(|_| ())
            .context("cannot keep the import's journal, so nothing was written");
    }
    if finished.is_ok() {
        finished = database
            .commit_load(&schema.table)
            .await
            .map_err(anyhow::Error::from);
    }
    if let Err(error) = finished {
        store.remove_journal(&import_id);
        abandon(database, backup_thread.take()).await;
        return Err(Refused(format!(
            "the import failed and nothing was written: {error:#}"
        ))
        .into());
    }
    if let Some(id) = &backup_id {
        store.settle(id);
    }
    document.backup = Some(backup_id.clone());
    document.committed = Some(true);
    document.import_id = Some(Some(import_id));
    if output == Output::Table && !announced {
        // The plan and the preview, then the line that says it is done.
        document.committed = None;
        report::print(&document, output)?;
    }
    print_committed(settings, &document, &schema, &plan)?;
    Ok(StreamEnd::Done(Exit::Success))
}

/// A plan the user confirmed, to be written only as it was shown.
struct Confirmed<'p> {
    plan: &'p Plan,
    /// The plan was printed before the question: only the outcome is left to print.
    announced: bool,
}

/// How a streamed commit ended: done (whatever the exit), or the database refused a row and
/// everything was rolled back (the setup comes back, to name the row).
enum StreamEnd {
    Done(Exit),
    Refused(Box<ImportSetup>),
}

/// The setup of an import, its file opened again from the start for another pass.
fn reopened(mut setup: ImportSetup, settings: &ImportSettings) -> anyhow::Result<ImportSetup> {
    let input = &settings.validate.map.input;
    let table = source::open(&input.file, &input.read)?;
    setup.prepared.table.records = table.records;
    Ok(setup)
}

/// Why a confirmed plan must not be written: the same file planned again inside the commit's
/// transaction is not the plan the user confirmed (the table or the file changed meanwhile).
fn changed_since(confirmed: &Plan, now: &Plan, check: Option<load::PlanCheck>) -> Option<Refused> {
    let (count, differences) =
        check.map_or((0, Vec::new()), |check| (check.count, check.differences));
    if count == 0 && confirmed.id() == now.id() {
        return None;
    }
    let mut shown = differences.join("; ");
    if count > differences.len() {
        shown.push_str(&format!("; and {} more", count - differences.len()));
    }
    if shown.is_empty() {
        shown = format!(
            "it was {} new, {} changed and {} unchanged rows, it is now {}, {} and {}",
            confirmed.insert,
            confirmed.update,
            confirmed.unchanged,
            now.insert,
            now.update,
            now.unchanged
        );
    }
    Some(Refused(format!(
        "the table changed since the plan you confirmed, so nothing was written: {shown}; run the import again to see the new plan"
    )))
}

/// How the rows of a streamed commit ended: all planned and written, the transaction still open
/// (the document, the plan without its rows, and the journal); or refused by the database.
enum Streamed<'p> {
    Planned(
        Box<(
            Document,
            Plan,
            backup::JournalWriter,
            Option<load::PlanCheck<'p>>,
        )>,
    ),
    Refused,
}

/// Where a streamed commit's rows go: one `COPY` for all of them (PostgreSQL, into a table this
/// transaction creates), or a write per run of rows.
enum Sink<'d> {
    Copy(db::InsertStream<'d>),
    Batches(&'d mut db::Database, db::Loading),
}

/// Reads, checks, plans and writes every row of a streamed commit inside its open transaction.
async fn stream_rows<'p>(
    settings: &ImportSettings,
    setup: &mut ImportSetup,
    database: &mut db::Database,
    store: &backup::Store,
    import_id: &str,
    backup_id: Option<String>,
    confirmed: Option<&'p Plan>,
) -> anyhow::Result<Streamed<'p>> {
    let schema = setup.schema.clone();
    let mut planner = setup.planner(&schema, settings.mode);
    let columns = planner.plan.columns.clone();
    let types = load::column_types(&schema, &columns);
    let load = load::target(
        database,
        &schema,
        planner.plan.create_table,
        &columns,
        &types,
        settings.batch_size,
    );
    let journal = JournalThread::start(
        store.journal_writer(&journal_header(&schema, &columns, import_id, backup_id))?,
        columns.clone(),
    )?;
    let loading = database.begin_load(&load).await.map_err(|error| {
        Refused(format!(
            "the import could not start and nothing was written: {error}"
        ))
    })?;
    let mut sink = if load.create_sql.is_some()
        && let Some(copy) = database.insert_stream(&load).await?
    {
        Sink::Copy(copy)
    } else {
        Sink::Batches(database, loading)
    };
    let mut planning = Planning::start(setup, settings)?;
    let mut shown = Vec::new();
    let mut refused = None;
    let mut check = confirmed.map(|plan| load::PlanCheck::new(plan, schema.key.len()));
    while let Some(rows) = planning.next_rows() {
        let lookup = match &mut sink {
            Sink::Batches(database, _) => Some(&mut **database),
            Sink::Copy(_) => None,
        };
        planner.add_batch(lookup, rows).await?;
        let writes = planner.take_writes();
        if let Some(check) = &mut check {
            check.check(&columns, &writes);
        }
        // A row with errors, or one that is not as confirmed, means nothing will be written:
        // the rest is only checked.
        if refused.is_some()
            || (planning.rejected() > 0 && !settings.skip_invalid)
            || check.as_ref().is_some_and(|check| check.count > 0)
        {
            continue;
        }
        if shown.len() < settings.preview {
            shown.extend(preview(&columns, &writes, settings.preview - shown.len()));
        }
        let (inserts, updates): (Vec<&[Value]>, Vec<&[Value]>) = {
            let mut inserts = Vec::with_capacity(writes.len());
            let mut updates = Vec::new();
            for planned in &writes {
                match planned.action {
                    load::Action::Insert => inserts.push(planned.values.as_slice()),
                    _ => updates.push(planned.values.as_slice()),
                }
            }
            (inserts, updates)
        };
        let written = match &mut sink {
            Sink::Copy(copy) => copy.send(&inserts).await,
            Sink::Batches(database, loading) => {
                database
                    .load_batch(&load, loading, &inserts, &updates)
                    .await
            }
        };
        if let Err(error) = written {
            refused = Some(error);
        }
        // The journal's own thread writes the rows' lines, then frees them.
        journal.send(writes);
    }
    let ended = match sink {
        Sink::Copy(copy) if refused.is_none() => copy.finish().await,
        Sink::Copy(copy) => {
            copy.abort().await;
            Ok(())
        }
        Sink::Batches(database, loading) if refused.is_none() => {
            database.finish_load(&load, loading).await
        }
        Sink::Batches(..) => Ok(()),
    };
    let checked = planning.finish()?;
    let journal = journal.finish()?;
    if let Some(error) = refused.or(ended.err()) {
        return match error {
            db::DbError::Query { .. } | db::DbError::UniqueViolation { .. } => {
                Ok(Streamed::Refused)
            }
            other => Err(Refused(format!(
                "the import failed and nothing was written: {other}"
            ))
            .into()),
        };
    }
    let mut plan = planner.finish();
    plan.rejected = checked.rejected;
    if let Some(check) = &mut check {
        check.finish();
    }
    let document = plan_document(settings, &setup.prepared, checked, &plan, shown)?;
    Ok(Streamed::Planned(Box::new((
        document, plan, journal, check,
    ))))
}

/// A streamed commit's journal, written on a thread of its own: each run of written rows is
/// handed over once it is in the database.
struct JournalThread {
    /// Dropped before the worker is joined: the worker's loop ends.
    sender: SyncSender<Vec<load::PlannedRow>>,
    worker: Worker<backup::JournalWriter>,
}

impl JournalThread {
    fn start(mut writer: backup::JournalWriter, columns: Vec<String>) -> anyhow::Result<Self> {
        let (sender, runs) = sync_channel::<Vec<load::PlannedRow>>(2);
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
    fn send(&self, writes: Vec<load::PlannedRow>) {
        let _ = self.sender.send(writes);
    }

    /// Every line written: the journal, to be put in place before the commit.
    fn finish(self) -> anyhow::Result<backup::JournalWriter> {
        drop(self.sender);
        self.worker.finish()
    }
}

/// A backup being written on a thread of its own.
type BackupThread = Worker<()>;

/// Starts backing the import's table up on a thread, its own runtime and a connection of its
/// own; gives the backup's id at once.
fn backup_meanwhile(
    settings: &ImportSettings,
    store: &backup::Store,
    schema: &Schema,
) -> anyhow::Result<(String, BackupThread)> {
    let reserved = store.reserve()?;
    let id = reserved.id.clone();
    let location = settings.validate.map.database.clone();
    let table = schema.table.clone();
    let thread = Worker::spawn("intake-backup", move || -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        runtime
                .block_on(async {
                    let mut database = db::connect(&location, false)
                        .await?
                        .context("the database is gone")?;
                    backup::create_reserved(
                        &mut database,
                        reserved,
                        &backup::Selection::Tables(vec![table.clone()]),
                        &format!("before import into {table}"),
                    )
                    .await
                    .map(|_| ())
                })
                .with_context(|| {
                    format!(
                        "cannot back up table {table} before the import, so nothing was written (--no-backup goes on without one)"
                    )
                })
    })?;
    Ok((id, thread))
}

/// Backs the import's table up before anything is written.
async fn backup_before_import(
    database: &mut db::Database,
    store: &backup::Store,
    schema: &Schema,
) -> anyhow::Result<String> {
    let progress = report::Progress::step(&format!("backing up table {}", schema.table));
    let manifest = backup::create(
        database,
        store,
        &backup::Selection::Tables(vec![schema.table.clone()]),
        &format!("before import into {}", schema.table),
    )
    .await
    .with_context(|| {
        format!(
            "cannot back up table {} before the import, so nothing was written (--no-backup goes on without one)",
            schema.table
        )
    })?;
    progress.finish();
    Ok(manifest.id)
}

/// A SQLite file made for an import that wrote nothing: no trace is left. Only while it is
/// still empty: two first imports may each have found no file, and the one that committed
/// keeps what it wrote (a rolled-back transaction leaves a new file at 0 bytes).
fn remove_created_file(settings: &ImportSettings) {
    if let db::Location::Sqlite(path) = &settings.validate.map.database
        && std::fs::metadata(path).is_ok_and(|metadata| metadata.len() == 0)
    {
        std::fs::remove_file(path).ok();
    }
}

/// The end of a committed import: the document as JSON, or a line on the terminal.
fn print_committed(
    settings: &ImportSettings,
    document: &Document,
    schema: &Schema,
    plan: &Plan,
) -> anyhow::Result<()> {
    match settings.validate.map.output {
        Output::Json => report::print(document, Output::Json)?,
        Output::Table => report::print_line(&format!(
            "Committed: {} inserted, {} updated in table {} of {}.",
            plan.insert, plan.update, schema.table, settings.validate.map.database
        ))?,
    }
    Ok(())
}

/// What `intake_imports` records of this import: an id made of the time and a hash of the
/// file's name, the time and the process; the file's SHA-256, computed meanwhile on a thread of
/// its own (see [`file_sha256`]), and the counts are set once the plan is complete.
fn history_entry(settings: &ImportSettings, schema: &Schema) -> db::HistoryEntry {
    let path = &settings.validate.map.input.file;
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
        mode: match settings.mode {
            load::Mode::Upsert => "upsert",
            load::Mode::InsertOnly => "insert-only",
            load::Mode::UpdateOnly => "update-only",
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

/// The SHA-256 of the imported file, read again on a thread of its own while the import runs.
fn file_sha256(path: &Path) -> anyhow::Result<Worker<String>> {
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

/// The counts of a complete plan, as `intake_imports` records them.
fn set_counts(history: &mut db::HistoryEntry, plan: &Plan) {
    history.inserted = plan.insert as i64;
    history.updated = plan.update as i64;
    history.unchanged = plan.unchanged as i64;
    history.rejected = plan.rejected as i64;
}

/// The first line of an import's journal.
fn journal_header(
    schema: &Schema,
    columns: &[String],
    import_id: &str,
    backup_id: Option<String>,
) -> backup::JournalHeader {
    backup::JournalHeader {
        import_id: import_id.to_string(),
        table: schema.table.clone(),
        columns: columns.to_vec(),
        types: load::column_types(schema, columns)
            .iter()
            .map(|field_type| field_type.name().to_string())
            .collect(),
        key_width: schema.key.len(),
        backup: backup_id,
    }
}

/// The journal's line for each row written (see `backup::JournalEntry`), straight from the
/// plan's values, without a string per value.
fn journal_lines(out: &mut Vec<u8>, columns: &[String], writes: &[load::PlannedRow]) {
    use std::io::Write as _;
    let mut scratch = String::new();
    for planned in writes {
        let insert = planned.action == load::Action::Insert;
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
        .map(|entry| {
            entry
                .new
                .iter()
                .zip(types)
                .map(|(text, field_type)| {
                    text.as_deref().map_or(Value::Null, |text| {
                        parse_text(*field_type, None, text, &Default::default())
                            .unwrap_or_else(|_| Value::Text(text.into()))
                    })
                })
                .collect()
        })
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
        report::print_undo(&document, Output::Table)?;
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
            other => {
                scratch.clear();
                let _ = write!(scratch, "{other}");
                let _ = serde_json::to_writer(&mut *line, scratch.as_str());
            }
        }
    }
    line.push(b']');
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

async fn undo(settings: &UndoSettings) -> anyhow::Result<Exit> {
    let location = &settings.database;
    let mut database = db::connect(location, false)
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
        .map(|entry| {
            entry.new[..width]
                .iter()
                .zip(&types)
                .map(|(text, field_type)| {
                    text.as_deref().map_or(Value::Null, |text| {
                        parse_text(*field_type, None, text, &Default::default())
                            .unwrap_or_else(|_| Value::Text(text.into()))
                    })
                })
                .collect()
        })
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
        report::print_undo(&document, Output::Table)?;
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

async fn history(settings: &HistorySettings) -> anyhow::Result<Exit> {
    let entries = match db::connect(&settings.database, false).await? {
        Some(mut database) => database.history().await?,
        None => Vec::new(),
    };
    report::print_history(&entries, settings.output)?;
    Ok(Exit::Success)
}

async fn backup_command(settings: &BackupSettings) -> anyhow::Result<Exit> {
    let store = backup::Store::new(&settings.dir);
    match &settings.action {
        BackupAction::Create {
            database,
            selection,
        } => {
            let mut connected = db::connect(database, false).await?.with_context(|| {
                format!("{database} does not exist: there is nothing to back up")
            })?;
            let manifest = backup::create(&mut connected, &store, selection, "manual").await?;
            let document = report::BackupCreated {
                id: manifest.id.clone(),
                path: store.dir.join(&manifest.id).display().to_string(),
                tables: manifest
                    .tables
                    .iter()
                    .map(|table| (table.shape.name.clone(), table.rows.into()))
                    .collect(),
                bytes: manifest.tables.iter().map(|table| table.bytes).sum(),
            };
            report::print_backup_created(&document, settings.output)?;
            Ok(Exit::Success)
        }
        BackupAction::List => {
            report::print_backup_list(&store.list()?, settings.output)?;
            Ok(Exit::Success)
        }
        BackupAction::Verify { id } => {
            let verification = store.verify(id)?;
            report::print_verification(&verification, settings.output)?;
            Ok(if verification.ok {
                Exit::Success
            } else {
                Exit::DataErrors
            })
        }
        BackupAction::Restore {
            id,
            database,
            confirmed,
            options,
        } => {
            let manifest = store.manifest(id)?;
            if !confirmed {
                let tables: Vec<&str> = manifest
                    .tables
                    .iter()
                    .map(|table| table.shape.name.as_str())
                    .filter(|name| {
                        options
                            .tables
                            .as_ref()
                            .is_none_or(|wanted| wanted.iter().any(|wanted| wanted == name))
                    })
                    .collect();
                ask(
                    &format!(
                        "Make tables {} of {database} equal to backup {id} of {}? Rows not in the backup are deleted",
                        tables.join(", "),
                        manifest.created_at
                    ),
                    "a restore",
                    "nothing was restored",
                )?;
            }
            let mut connected = db::connect(database, true)
                .await?
                .with_context(|| format!("cannot open {database}"))?;
            let restored = backup::restore(&mut connected, &store, id, options).await?;
            report::print_restore(&restored, settings.output)?;
            Ok(Exit::Success)
        }
        BackupAction::Prune { retention, dry_run } => {
            let deleted = backup::prune(&store, retention, *dry_run, chrono::Utc::now())?;
            report::print_prune(
                &report::PruneDocument {
                    dry_run: *dry_run,
                    deleted,
                },
                settings.output,
            )?;
            Ok(Exit::Success)
        }
    }
}

/// Asks a yes/no question on the terminal; anything but yes, or no terminal, refuses.
fn ask(question: &str, what: &str, nothing: &str) -> anyhow::Result<()> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        return Err(Refused(format!(
            "{what} needs a confirmation: run it in a terminal to be asked, or pass --yes; {nothing}"
        ))
        .into());
    }
    let accepted = dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .context("cannot read the answer from the terminal")?;
    if !accepted {
        return Err(Refused(format!("not confirmed: {nothing}")).into());
    }
    Ok(())
}

fn confirm(settings: &ImportSettings, schema: &Schema, plan: &Plan) -> anyhow::Result<()> {
    ask(
        &format!(
            "Write {} new and {} changed rows to table {} in {}?",
            plan.insert, plan.update, schema.table, settings.validate.map.database
        ),
        "--commit",
        "nothing was written",
    )
}

fn preview(columns: &[String], writes: &[load::PlannedRow], count: usize) -> Vec<PreviewRow> {
    writes
        .iter()
        .take(count)
        .map(|planned| PreviewRow {
            row: planned.row,
            action: planned.action,
            values: columns
                .iter()
                .cloned()
                .zip(planned.values.iter().map(json_value))
                .collect(),
            changed: planned.changed.clone(),
            diff: planned
                .changed
                .iter()
                .zip(&planned.old)
                .map(|(column, old)| {
                    let new = columns
                        .iter()
                        .position(|name| name == column)
                        .map_or(serde_json::Value::Null, |index| {
                            json_value(&planned.values[index])
                        });
                    (
                        column.clone(),
                        serde_json::json!({"old": json_value(old), "new": new}),
                    )
                })
                .collect(),
        })
        .collect()
}

/// Every update of the plan as (row, key, column, old, new), for `--diff`.
fn diff_lines(plan: &Plan, key_count: usize) -> Vec<[String; 5]> {
    let mut lines = Vec::new();
    for planned in plan
        .writes
        .iter()
        .filter(|planned| planned.action == load::Action::Update)
    {
        let key: Vec<String> = planned.values[..key_count]
            .iter()
            .map(Value::to_string)
            .collect();
        for (column, old) in planned.changed.iter().zip(&planned.old) {
            let new = plan
                .columns
                .iter()
                .position(|name| name == column)
                .map_or_else(String::new, |index| planned.values[index].to_string());
            lines.push([
                planned.row.to_string(),
                key.join(", "),
                column.clone(),
                old.to_string(),
                new,
            ]);
        }
    }
    lines
}

/// Decimals stay strings in JSON: a JSON number would be read back as a float.
fn json_value(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Integer(number) => serde_json::Value::from(*number),
        Value::Boolean(value) => serde_json::Value::Bool(*value),
        other => serde_json::Value::String(other.to_string()),
    }
}
