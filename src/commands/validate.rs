//! `intake validate`: stages 1 and 2; the references gathered from files or the database,
//! the rows checked on several threads, every error to the report.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use super::prepare::{
    Prepared, offer_missing_columns, prepare, require_mapped, stage_one_document,
};
use crate::db;
use crate::detect;
use crate::exit::Exit;
use crate::parallel::{CheckedBatch, CheckedBatches, CheckedRow};
use crate::report::{self, Document, ErrorSink};
use crate::schema::Schema;
use crate::settings::ValidateSettings;
use crate::source::{self, Records};
use crate::validate::{Keep, TypedRow, Validator, comparable_text};
use crate::value::parse_text;

/// What stage 2 found over the whole file.
pub(crate) struct Checked {
    pub(crate) rows: usize,
    pub(crate) rejected: usize,
    /// Cells whose surrounding spaces were taken off.
    pub(crate) trimmed: usize,
    pub(crate) sink: ErrorSink,
}

impl Checked {
    pub(crate) fn new(settings: &ValidateSettings, headers: &[String]) -> anyhow::Result<Checked> {
        Ok(Checked {
            rows: 0,
            rejected: 0,
            trimmed: 0,
            sink: ErrorSink::new(
                settings.show_errors,
                settings.map.output.holds_every_error(),
                settings.report.as_deref(),
                settings.rejects.as_deref(),
                headers,
            )?,
        })
    }

    /// Counts one checked record, passes its errors on, and gives back the typed row when it is
    /// valid.
    pub(crate) fn add(&mut self, checked: CheckedRow<'_>) -> anyhow::Result<Option<TypedRow>> {
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
    pub(crate) fn add_batch(&mut self, batch: &mut CheckedBatch) -> anyhow::Result<()> {
        self.rows += batch.len();
        self.trimmed += batch.trimmed();
        for checked in batch.rejected() {
            self.reject(checked)?;
        }
        Ok(())
    }

    pub(crate) fn reject(&mut self, checked: CheckedRow<'_>) -> anyhow::Result<()> {
        self.rejected += 1;
        self.sink.add(checked.cells, checked.errors)
    }

    /// Closes the report files and puts what stage 2 found into the document.
    pub(crate) fn finish(self, document: &mut Document) -> anyhow::Result<usize> {
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
pub(crate) async fn reference_sets(
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

pub(crate) fn validator(
    prepared: &Prepared,
    references: &[(usize, Arc<HashSet<String>>)],
) -> Validator {
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

pub(crate) async fn validate(settings: &ValidateSettings) -> anyhow::Result<Exit> {
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
        db::open(&settings.map.database).await?
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
        let mut batches = CheckedBatches::new(records, validator, Keep::Errors);
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
