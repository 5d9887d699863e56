//! Stage 1 as every command runs it: the schema resolved (a file, a shipped name, or the
//! table), the file opened (the best-fitting sheet when `--sheet` is absent), the columns
//! profiled and mapped, learned mappings and `--llm` suggestions applied, and, on a terminal,
//! the open columns offered for a required field left without one.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, bail};

use crate::db;
use crate::detect::{self, Mapping};
use crate::learned;
use crate::llm;
use crate::profile::{self, ColumnProfile, Profiler};
use crate::report::{self, Candidate, Document, MappingEntry};
use crate::schema::{self, Schema};
use crate::settings::{InputSettings, MapSettings};
use crate::source::{self, Records, Table};

/// Stage 1, shared by every command: the schema, the opened file, its columns' profiles and
/// the mapping.
pub(crate) struct Prepared {
    pub(crate) schema: Schema,
    pub(crate) table: Table,
    pub(crate) profiles: Vec<ColumnProfile>,
    pub(crate) mapping: Mapping,
    /// What the language model suggested, with `--llm`.
    pub(crate) llm: Option<llm::LlmReport>,
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
    let mut database = db::open(&settings.database).await?.with_context(|| {
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

pub(crate) async fn prepare(settings: &MapSettings) -> anyhow::Result<Prepared> {
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
pub(crate) fn open_best_sheet(input: &InputSettings, schema: &Schema) -> anyhow::Result<Table> {
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
        report::warn(&format!(
            "the language model was not asked ({message}); the mapping is intake's own"
        ));
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
            report::warn(&format!(
                "no suggestions from the language model: {error}; the mapping is intake's own"
            ));
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
        report::warn(&format!(
            "{held_back} suggestions of the language model were not applied: pass --accept-llm to apply them"
        ));
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

/// On a terminal, each required field that found no column is offered the unmapped columns,
/// closest first, to choose from; a choice is applied as the user's own (`manual`), and the
/// mapping offered to be saved for the next file with the same headers. Off a terminal, nothing
/// is asked (`require_mapped` then says what to write).
pub(crate) fn offer_missing_columns(prepared: &mut Prepared) -> anyhow::Result<()> {
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

/// How many required fields, and fields, a header maps to.
pub(crate) fn sheet_fit(schema: &Schema, headers: &[String]) -> (usize, usize) {
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
pub(crate) fn require_mapped(prepared: &Prepared) -> anyhow::Result<()> {
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

pub(crate) fn stage_one_document(prepared: &Prepared) -> Document {
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
