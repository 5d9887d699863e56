//! The plan of an import, as the dry run shows it and the commit checks it against: what every
//! import needs before a row (`ImportSetup`), the rows classified against the table on a thread
//! of their own (`Planning`), the refusal rules, the preview and the diff.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};

use anyhow::bail;

use super::prepare::{
    Prepared, offer_missing_columns, prepare, require_mapped, stage_one_document,
};
use super::validate::validator;
use super::validate::{Checked, reference_sets};
use crate::db;
use crate::exit::Refused;
use crate::load::{self, Plan, Planner};
use crate::parallel::CheckedBatches;
use crate::report::{self, Document, PlanCounts, PreviewRow};
use crate::schema::Schema;
use crate::settings::ImportSettings;
use crate::source::Records;
use crate::validate::{Keep, TypedRow};
use crate::value::Value;
use crate::worker::Worker;

/// What every import needs before it reads a row: the file mapped to the schema, the database
/// (`None`: a SQLite file that does not exist yet), the table's columns when it exists (checked
/// against the schema first), and the sets that references are checked against.
pub(crate) struct ImportSetup {
    pub(crate) prepared: Prepared,
    pub(crate) schema: Schema,
    /// Per schema field, whether a column feeds it.
    pub(crate) mapped: Vec<bool>,
    pub(crate) database: Option<db::Database>,
    pub(crate) existing_columns: Option<Vec<String>>,
    pub(crate) references: Vec<(usize, Arc<HashSet<String>>)>,
}

impl ImportSetup {
    /// A planner of the file's rows against the table (`schema` is this setup's).
    pub(crate) fn planner<'s>(&self, schema: &'s Schema, mode: load::Mode) -> Planner<'s> {
        Planner::new(schema, &self.mapped, mode, self.existing_columns.as_deref())
    }
}

pub(crate) async fn import_setup(settings: &ImportSettings) -> anyhow::Result<ImportSetup> {
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
    let mut database = db::open(&map_settings.database).await?;
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
pub(crate) struct Planning {
    /// Dropped before the worker is joined: its next send fails, and it stops.
    pub(crate) runs: Receiver<Vec<TypedRow>>,
    /// Rows with errors so far.
    pub(crate) rejected: Arc<AtomicUsize>,
    pub(crate) worker: Worker<Checked>,
}

impl Planning {
    pub(crate) fn start(
        setup: &mut ImportSetup,
        settings: &ImportSettings,
    ) -> anyhow::Result<Planning> {
        let mut checked = Checked::new(&settings.validate, &setup.prepared.table.headers)?;
        let records = std::mem::replace(&mut setup.prepared.table.records, Records::empty());
        let validator = validator(&setup.prepared, &setup.references);
        let size = settings.batch_size.max(5_000);
        let rejected = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&rejected);
        let (sender, runs) = sync_channel::<Vec<TypedRow>>(2);
        let worker = Worker::spawn("intake-plan", move || -> anyhow::Result<Checked> {
            let progress = report::Progress::rows("read and compared with the table");
            let mut batches = CheckedBatches::new(records, validator, Keep::Values);
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
    pub(crate) fn next_rows(&mut self) -> Option<Vec<TypedRow>> {
        self.runs.recv().ok()
    }

    /// Rows with errors found so far.
    pub(crate) fn rejected(&self) -> usize {
        self.rejected.load(Ordering::Relaxed)
    }

    /// What stage 2 found over the whole file, once every run was taken.
    pub(crate) fn finish(self) -> anyhow::Result<Checked> {
        drop(self.runs);
        self.worker.finish()
    }
}

/// The document of an import once every row is planned: stage 2's findings, the plan's counts,
/// its id and preview.
pub(crate) fn plan_document(
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
pub(crate) fn refusal(settings: &ImportSettings, plan: &Plan, plan_id: &str) -> Option<Refused> {
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

pub(crate) fn preview(
    columns: &[String],
    writes: &[load::PlannedRow],
    count: usize,
) -> Vec<PreviewRow> {
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
pub(crate) fn diff_lines(plan: &Plan, key_count: usize) -> Vec<[String; 5]> {
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
        Value::Text(_) | Value::Decimal(_) | Value::Date(_) | Value::DateTime(_) => {
            serde_json::Value::String(value.to_string())
        }
    }
}
