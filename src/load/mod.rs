//! Stage 3: the plan (what each valid row would do to the target: insert, update, leave
//! unchanged, or skip under the chosen mode) and the commit of that plan in one transaction.
//! Talks to the database only through `db`.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `load`: stage 3. `Planner` classifies valid rows batch by batch against the target's rows of the
//! same keys (one query per batch, stored rows read as borrowed text straight into typed values,
//! matched by a 128-bit hash of the key's `push_key` form and then value by value): insert,
//! update (with the changed columns), unchanged, or skip under `--mode`; a table without a key
//! (a schema with none, under `--mode insert-only` or `append`; an upsert or update-only import
//! refuses one and says so) has nothing to look up, every valid row is an insert, and the plan
//! says that importing the file again would insert its rows again (`plan_note`); it feeds the plan's
//! digest as rows are planned, so `Plan::id` is the same whether the rows were kept or handed
//! on (`take_writes`). `commit` writes a whole plan's inserts and updates.

use std::collections::HashMap;

use serde::Serialize;

use crate::db::{self, Database, DbError};
use crate::schema::Schema;
use crate::validate::{self, TypedRow};
use crate::value::{self, FieldType, Value};

mod check;
mod journal;
mod undo;

pub(crate) use check::{PlanCheck, changed_since};
pub(crate) use undo::{UndoConflict, UndoPlan, plan_undo};

pub(crate) use journal::{
    JournalThread, commit_with_journal, file_sha256, history_entry, journal_header, journal_lines,
    read_back, set_counts,
};

/// Which rows a commit may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Insert new keys, update changed rows.
    #[default]
    Upsert,
    /// Insert new keys; rows whose key exists are skipped.
    InsertOnly,
    /// Update existing rows; rows whose key is new are skipped.
    UpdateOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Action {
    Insert,
    Update,
    Unchanged,
    Skip,
}

/// One valid row and what it would do.
#[derive(Debug, Clone)]
pub(crate) struct PlannedRow {
    pub row: usize,
    pub action: Action,
    /// Values in the order of [`Plan::columns`].
    pub values: Vec<Value>,
    /// For an update, the columns whose value changes.
    pub changed: Vec<String>,
    /// For an update, the values those columns hold now, in the order of `changed`.
    pub old: Vec<Value>,
}

/// Counts and rows of a dry run; what a commit would write.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub insert: usize,
    pub update: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub skipped: usize,
    /// True when the target table does not exist and would be created.
    pub create_table: bool,
    /// Written columns: the key first, then every other field a column feeds, in schema order.
    pub columns: Vec<String>,
    /// Rows to insert or update, in file order.
    pub writes: Vec<PlannedRow>,
    /// A digest of every row planned for writing, in file order (see [`Plan::id`]).
    pub digest: u64,
}

/// Builds a plan batch by batch: each batch of valid rows is compared with the rows of the
/// same keys in the target, one query per batch.
pub(crate) struct Planner<'a> {
    schema: &'a Schema,
    mode: Mode,
    /// Schema field index of each written column.
    fields: Vec<usize>,
    key_count: usize,
    table_exists: bool,
    pub plan: Plan,
    /// The digest of the rows planned so far, fed as they are planned: a streamed commit hands
    /// its rows on and still knows the plan's id at the end.
    digest: xxhash_rust::xxh3::Xxh3,
    scratch: Vec<u8>,
}

impl<'a> Planner<'a> {
    /// `mapped` holds, per schema field, whether a column feeds it.
    pub(crate) fn new(
        schema: &'a Schema,
        mapped: &[bool],
        mode: Mode,
        existing_columns: Option<&[String]>,
    ) -> Planner<'a> {
        let key_fields: Vec<usize> = schema
            .key
            .iter()
            .filter_map(|name| schema.field_index(name))
            .collect();
        let fields: Vec<usize> = key_fields
            .iter()
            .copied()
            .chain(
                (0..schema.fields.len())
                    .filter(|index| mapped[*index] && !key_fields.contains(index)),
            )
            .collect();
        let columns = fields
            .iter()
            .map(|&index| schema.fields[index].name.clone())
            .collect();
        Planner {
            schema,
            mode,
            key_count: key_fields.len(),
            fields,
            table_exists: existing_columns.is_some(),
            plan: Plan {
                create_table: existing_columns.is_none(),
                columns,
                ..Plan::default()
            },
            digest: xxhash_rust::xxh3::Xxh3::new(),
            scratch: Vec::new(),
        }
    }

    /// The rows planned for writing since the last call, in file order; the counts stay.
    pub(crate) fn take_writes(&mut self) -> Vec<PlannedRow> {
        std::mem::take(&mut self.plan.writes)
    }

    /// The whole plan, its digest complete.
    pub(crate) fn finish(mut self) -> Plan {
        self.plan.digest = self.digest.digest();
        self.plan
    }

    /// Classifies a batch of valid rows against the target (`None`: no database yet).
    pub(crate) async fn add_batch(
        &mut self,
        database: Option<&mut Database>,
        rows: Vec<TypedRow>,
    ) -> Result<(), DbError> {
        // The typed rows are not needed after this: their values are moved, not copied.
        let rows: Vec<Vec<Value>> = rows
            .into_iter()
            .map(|mut row| {
                let mut values = Vec::with_capacity(self.fields.len() + 1);
                values.extend(
                    self.fields
                        .iter()
                        .map(|&field| std::mem::replace(&mut row.values[field], Value::Null)),
                );
                values.push(Value::Integer(row.row as i64));
                values
            })
            .collect();
        let existing = match database {
            // Without a key every row is new: nothing to look up.
            Some(database) if self.table_exists && !rows.is_empty() && self.key_count > 0 => {
                self.existing(database, &rows).await?
            }
            _ => HashMap::new(),
        };
        for mut values in rows {
            let Some(Value::Integer(row)) = values.pop() else {
                continue;
            };
            let row = row as usize;
            // A new table, or keys the table does not have: nothing to look up.
            let current = if existing.is_empty() {
                None
            } else {
                let key = &values[..self.key_count];
                existing
                    .get(&key_hash(&mut self.scratch, key))
                    .filter(|current| same_values(&current[..self.key_count], key))
            };
            let (action, changes) = match current {
                None => (Action::Insert, Vec::new()),
                Some(current) => {
                    let changes = self.changed_columns(&values, current);
                    if changes.is_empty() {
                        (Action::Unchanged, changes)
                    } else {
                        (Action::Update, changes)
                    }
                }
            };
            let (changed, old): (Vec<String>, Vec<Value>) = changes.into_iter().unzip();
            let action = match (action, self.mode) {
                (Action::Insert, Mode::UpdateOnly) | (Action::Update, Mode::InsertOnly) => {
                    Action::Skip
                }
                (action, _) => action,
            };
            match action {
                Action::Insert => self.plan.insert += 1,
                Action::Update => self.plan.update += 1,
                Action::Unchanged => self.plan.unchanged += 1,
                Action::Skip => self.plan.skipped += 1,
            }
            if matches!(action, Action::Insert | Action::Update) {
                let scratch = &mut self.scratch;
                scratch.clear();
                scratch.extend_from_slice(&(row as u64).to_le_bytes());
                scratch.push(u8::from(action == Action::Update));
                for value in &values {
                    validate::push_key(scratch, value);
                }
                for (column, old) in changed.iter().zip(&old) {
                    scratch.extend_from_slice(&(column.len() as u64).to_le_bytes());
                    scratch.extend_from_slice(column.as_bytes());
                    validate::push_key(scratch, old);
                }
                self.digest.update(scratch);
                self.plan.writes.push(PlannedRow {
                    row,
                    action,
                    values,
                    changed,
                    old,
                });
            }
        }
        Ok(())
    }

    /// The target's rows for these keys, by [`key_hash`], values read back as typed.
    async fn existing(
        &self,
        database: &mut Database,
        rows: &[Vec<Value>],
    ) -> Result<HashMap<u128, Vec<Value>>, DbError> {
        let keys: Vec<&[Value]> = rows
            .iter()
            .map(|values| &values[..self.key_count])
            .collect();
        let other_columns = &self.plan.columns[self.key_count..];
        let mut found = HashMap::with_capacity(keys.len());
        let mut scratch = Vec::new();
        // The key columns come first, then the others: the order of `fields`.
        database
            .each_row_by_key(
                &self.schema.table,
                &self.schema.key,
                other_columns,
                &keys,
                |texts| {
                    let values: Vec<Value> = self
                        .fields
                        .iter()
                        .zip(texts)
                        .map(|(&field, text)| stored_value(self.schema, field, *text))
                        .collect();
                    found.insert(key_hash(&mut scratch, &values[..self.key_count]), values);
                },
            )
            .await?;
        Ok(found)
    }

    /// The columns whose new value differs from the stored one, with the stored one.
    fn changed_columns(&self, values: &[Value], current: &[Value]) -> Vec<(String, Value)> {
        values
            .iter()
            .zip(current)
            .zip(&self.plan.columns)
            .skip(self.key_count)
            .filter(|((new, old), _)| !new.same_as(old))
            .map(|((_, old), column)| (column.clone(), old.clone()))
            .collect()
    }
}

impl Plan {
    /// A name for exactly this plan: its counts, readable, and a 64-bit digest of its columns,
    /// counts and every row it writes (row number, action, values, changed columns and their
    /// stored values). The same file against the same table gives the same id; any change to
    /// what would be written gives another.
    pub(crate) fn id(&self) -> String {
        let mut digest = xxhash_rust::xxh3::Xxh3::new();
        for column in &self.columns {
            digest.update(&(column.len() as u64).to_le_bytes());
            digest.update(column.as_bytes());
        }
        for count in [
            self.insert,
            self.update,
            self.unchanged,
            self.rejected,
            self.skipped,
            usize::from(self.create_table),
        ] {
            digest.update(&(count as u64).to_le_bytes());
        }
        digest.update(&self.digest.to_le_bytes());
        format!(
            "{}i{}u{}n-{:016x}",
            self.insert,
            self.update,
            self.unchanged,
            digest.digest()
        )
    }
}

/// A value as stored in the target, read back as the field's type; text that does not read
/// stays text, so it compares as changed.
fn stored_value(schema: &Schema, field: usize, text: Option<&str>) -> Value {
    let Some(text) = text else { return Value::Null };
    let field = &schema.fields[field];
    value::parse_text(field.field_type, None, text, &value::TextStyle::default())
        .unwrap_or_else(|_| Value::Text(text.into()))
}

/// A key's values as one number: a 128-bit hash of their key form (see
/// `validate::push_key`). A match is then checked value by value ([`same_values`]).
fn key_hash(scratch: &mut Vec<u8>, key: &[Value]) -> u128 {
    scratch.clear();
    for value in key {
        validate::push_key(scratch, value);
    }
    xxhash_rust::xxh3::xxh3_128(scratch)
}

/// A key's values as comparable text, joined.
pub(super) fn key_text(values: &[Value]) -> String {
    values
        .iter()
        .map(validate::comparable_text)
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

pub(super) fn same_values(left: &[Value], right: &[Value]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .all(|(left, right)| left.same_as(right))
}

/// The field type of each written column.
pub(crate) fn column_types(schema: &Schema, columns: &[String]) -> Vec<FieldType> {
    columns
        .iter()
        .map(|column| {
            schema
                .field_index(column)
                .map_or(FieldType::String, |index| schema.fields[index].field_type)
        })
        .collect()
}

/// Where and how a plan's rows are written: its table (created first when `create_table`),
/// columns (with their `types`) and key.
pub(crate) fn target<'a>(
    database: &Database,
    schema: &'a Schema,
    create_table: bool,
    columns: &'a [String],
    types: &'a [FieldType],
    batch_size: usize,
) -> db::Load<'a> {
    db::Load {
        table: &schema.table,
        create_sql: create_table.then(|| db::create_table_sql(schema, database.dialect())),
        columns,
        types,
        key: &schema.key,
        batch_size,
    }
}

/// Writes the plan's inserts and updates in one transaction, creating the table first when the
/// plan says it is missing.
pub(crate) async fn commit(
    database: &mut Database,
    schema: &Schema,
    plan: &Plan,
    batch_size: usize,
    history: Option<db::HistoryEntry>,
) -> Result<(), DbError> {
    // Inserts first, then updates, each in file order; `order` leads back to the plan's rows.
    let order: Vec<usize> = (0..plan.writes.len())
        .filter(|&index| plan.writes[index].action == Action::Insert)
        .chain((0..plan.writes.len()).filter(|&index| plan.writes[index].action != Action::Insert))
        .collect();
    let rows: Vec<&[Value]> = order
        .iter()
        .map(|&index| plan.writes[index].values.as_slice())
        .collect();
    let inserts = plan
        .writes
        .iter()
        .filter(|planned| planned.action == Action::Insert)
        .count();
    let types = column_types(schema, &plan.columns);
    let write = db::Write {
        load: target(
            database,
            schema,
            plan.create_table,
            &plan.columns,
            &types,
            batch_size,
        ),
        rows: &rows,
        inserts,
        history,
    };
    let Err(error) = database.write(&write).await else {
        return Ok(());
    };
    // Everything was rolled back. Find the row the database refused, to name it.
    let Ok(Some(index)) = database.failing_row(&write).await else {
        return Err(error);
    };
    let planned = &plan.writes[order[index]];
    let key: Vec<String> = planned.values[..schema.key.len()]
        .iter()
        .map(Value::to_string)
        .collect();
    let reason = match error {
        DbError::UniqueViolation { reason, .. } | DbError::Query { reason, .. } => reason,
        changed @ DbError::Changed { .. } => return Err(changed),
        other => other.to_string(),
    };
    Err(DbError::Query {
        table: schema.table.clone(),
        reason: format!(
            "the database refused row {} ({} {}): {reason}",
            planned.row,
            schema.key.join(", "),
            key.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests;
