//! Stage 2: every cell of every record read as its field's type and checked against the field's
//! constraints. Pure: no files, no database. A bad row is data, not a failure: each record gives
//! either a typed row or its errors, and the run goes on.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `validate`: stage 2 (`validate.rs`: the row checker, the validator and their types;
//! `validate/cell.rs`: one cell read and checked, `check_cell`; `validate/unique.rs`: the
//! indexes of the unique checks, `UniqueIndex`, `Dense`, `spread`, `push_key`). Each row gives a
//! `TypedRow` or `RowError`s (row, column, field, raw
//! value, `ErrorCode`, message); uniqueness across the file (the key, and each unique field) is
//! the only state. It is split in two so that rows can be checked on several threads:
//! `RowChecker::check` (shared through an `Arc`, owning a copy of the schema) does what a row can
//! tell about itself (shape, cells, references, rules, and the hash of each unique value) into a
//! `RowCheck`, keeping the row's values only when asked (an import keeps them, `validate` lets
//! them go); a `Scratch` per thread holds its buffers and its own copy of each pattern (threads
//! sharing one regex queue for its caches); `Validator::finish` then does the unique checks of a
//! batch in file order, each unique field (or key) on a thread of its own. `Validator::new` takes
//! each field's column index (`Mapping::field_columns`), not the mapping: stage 2 knows no
//! stage 1. Cells become `Value`s through `value` (decimal comma or point, thousands grouping,
//! currency, accounting parentheses; date order, ISO and month-name dates, times with zones). A
//! numeric date that reads
//! two ways in a column whose order is open is an error that asks for `--date-order`. Rules
//! between fields and references (the allowed values handed in by `commands`, which reads them
//! from a file or the database) are checked per row; uniqueness keeps, per value, the first row
//! and either the integer itself (a key or unique field of one integer field, exact: those near
//! the first one seen in an array of first rows by place, `Dense`, 4 bytes a place, up to twice
//! the rows expected; the others in a table, 16 bytes a row, placed by `spread` in runs of 16) or
//! 96 bits of a 128-bit xxh3 hash (anything else: 16 bytes a row; two different values share
//! them with a probability of about n²/2⁹⁷, 1 in 10¹⁷ for a million rows), never the values. Text cells are read straight into each
//! type's value (`check_cell`), and text that nothing reads after its checks (values not kept,
//! the field not in a key, a rule or a reference: `RowChecker::wanted`) is checked where it lies,
//! without a copy; a cell's fault is boxed (`Fault`) so that its `Result` is no
//! larger than a `Value`. Plain ASCII e-mail addresses are accepted by `plain_email` in one pass
//! (never one that validator refuses, tested), the rest by validator, whose regexes all threads
//! share. A `pattern` is matched by a DFA built in full when it fits 1 MiB (`schema::Pattern`:
//! a table step a byte, nothing shared between threads), otherwise by the thread's copy of its
//! regex. Decimals are compared with bounds as integers brought to one scale
//! (`schema::compare_decimals`, rust_decimal's own comparison when they do not fit).
//! Pure. See docs/validation.md.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::schema::{Field, Operand, Schema};
use crate::value::{FieldType, TextStyle, Value};
use smallvec::SmallVec;

use crate::source::RowCells;

mod cell;
mod unique;

use cell::*;
pub(crate) use cell::{check_cell, comparable_text};
pub(crate) use unique::push_key;
use unique::*;

/// The fixed vocabulary of error codes (CONTRACT.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum ErrorCode {
    #[serde(rename = "required")]
    Required,
    #[serde(rename = "type")]
    Type,
    #[serde(rename = "format")]
    Format,
    #[serde(rename = "minimum")]
    Minimum,
    #[serde(rename = "maximum")]
    Maximum,
    #[serde(rename = "minLength")]
    MinLength,
    #[serde(rename = "maxLength")]
    MaxLength,
    #[serde(rename = "pattern")]
    Pattern,
    #[serde(rename = "enum")]
    Enum,
    #[serde(rename = "unique")]
    Unique,
    #[serde(rename = "foreign-key")]
    ForeignKey,
    #[serde(rename = "extra-cell")]
    ExtraCell,
    #[serde(rename = "missing-cell")]
    MissingCell,
    /// A rule between fields of the row (`due_date >= issue_date`) does not hold.
    #[serde(rename = "rule")]
    Rule,
}

impl ErrorCode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Required => "required",
            ErrorCode::Type => "type",
            ErrorCode::Format => "format",
            ErrorCode::Minimum => "minimum",
            ErrorCode::Maximum => "maximum",
            ErrorCode::MinLength => "minLength",
            ErrorCode::MaxLength => "maxLength",
            ErrorCode::Pattern => "pattern",
            ErrorCode::Enum => "enum",
            ErrorCode::Unique => "unique",
            ErrorCode::ForeignKey => "foreign-key",
            ErrorCode::ExtraCell => "extra-cell",
            ErrorCode::MissingCell => "missing-cell",
            ErrorCode::Rule => "rule",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One failed check: where (row and column as the user sees them), the raw value, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RowError {
    pub row: usize,
    /// The cell as a spreadsheet names it, `D7`; none for an error of the whole row.
    pub cell: Option<String>,
    pub column: Option<String>,
    pub field: Option<String>,
    pub value: String,
    pub code: ErrorCode,
    pub message: String,
}

/// A record that passed every check: one value per schema field, `Null` where no column feeds it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TypedRow {
    pub row: usize,
    pub values: Vec<Value>,
}

/// Checks records, remembering what it needs for uniqueness across the file. A row's own checks
/// (its shape, every cell, the rules) are in [`RowChecker`], which threads can share; what
/// needs the rows before it (unique values) is [`Validator::finish`], one row after another.
pub(crate) struct Validator {
    checker: std::sync::Arc<RowChecker>,
    /// For each unique field (and the key), in the order of `checker.unique_fields`: the hash of
    /// each value seen → its first row.
    seen: Vec<UniqueIndex>,
}

/// The checks that need nothing but the row itself.
pub(crate) struct RowChecker {
    schema: Schema,
    headers: Vec<String>,
    /// For each schema field, the column that feeds it.
    columns: Vec<Option<usize>>,
    /// The key's fields first (when there is a key), then each other unique field.
    unique_fields: Vec<Vec<usize>>,
    /// For each of `unique_fields`, whether it is one integer field (its key is the integer).
    integers: Vec<bool>,
    /// For each schema field, whether its value is read after its own checks (by a unique
    /// check, a rule or a reference) when rows' values are not kept.
    wanted: Vec<bool>,
    /// For each column of the file, how its text writes numbers and dates.
    styles: Vec<TextStyle>,
    /// For each field with a reference, the values the referenced column holds.
    references: Vec<Option<std::sync::Arc<std::collections::HashSet<String>>>>,
    /// The rows come from a workbook's sheet, not delimited text (for the hints of messages).
    sheet: bool,
}

/// What a row's own checks found: one value per field (`Null` where none was read) when the
/// values are kept, the errors, and for each unique field (as [`RowChecker`] orders them) the
/// hash of its value, when every value it needs was read.
pub(crate) struct RowCheck {
    row: usize,
    values: Vec<Value>,
    errors: Vec<RowError>,
    keys: SmallVec<[Option<[u64; 2]>; 2]>,
    /// How many of the row's cells had spaces around their value, taken off.
    trimmed: u32,
}

impl RowCheck {
    /// The typed row, when the row passed every check and its values were kept.
    pub(crate) fn typed(&mut self, row: usize) -> Option<TypedRow> {
        (self.errors.is_empty() && !self.values.is_empty()).then(|| TypedRow {
            row,
            values: std::mem::take(&mut self.values),
        })
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// How many of the row's cells had spaces around their value, which were taken off.
    pub(crate) fn trimmed(&self) -> u32 {
        self.trimmed
    }

    /// The errors found, taken.
    pub(crate) fn take_errors(&mut self) -> Vec<RowError> {
        std::mem::take(&mut self.errors)
    }
}

/// What a thread reuses from one row to the next.
#[derive(Default)]
pub(crate) struct Scratch {
    key: Vec<u8>,
    values: Vec<Value>,
    /// Each field's pattern, cloned for this thread: a clone searches with a cache of its own,
    /// where threads sharing one regex would queue for its caches.
    patterns: Vec<Option<regex::Regex>>,
}

impl Scratch {
    /// This thread's copy of the pattern of field `index`.
    fn pattern(&mut self, index: usize, field: &Field) -> Option<&regex::Regex> {
        let pattern = field.pattern.as_ref()?;
        if self.patterns.len() <= index {
            self.patterns.resize(index + 1, None);
        }
        Some(self.patterns[index].get_or_insert_with(|| pattern.regex.clone()))
    }
}

pub(crate) use crate::source::cell_name;

impl Validator {
    /// `columns` gives each field the index of the column that feeds it (`Mapping::field_columns`);
    /// `styles` has one entry per column (missing ones read in the default style).
    pub(crate) fn new(
        schema: &Schema,
        headers: &[String],
        columns: Vec<Option<usize>>,
        mut styles: Vec<TextStyle>,
    ) -> Validator {
        styles.resize(headers.len(), TextStyle::default());
        let mut unique_fields: Vec<Vec<usize>> = schema
            .fields
            .iter()
            .enumerate()
            .filter(|(_, field)| {
                field.unique && !(schema.key.len() == 1 && schema.key[0] == field.name)
            })
            .map(|(index, _)| vec![index])
            .collect();
        if !schema.key.is_empty() {
            unique_fields.insert(
                0,
                schema
                    .key
                    .iter()
                    .filter_map(|name| schema.field_index(name))
                    .collect(),
            );
        }
        let integers: Vec<bool> = unique_fields
            .iter()
            .map(|fields| {
                matches!(fields.as_slice(), [field] if schema.fields[*field].field_type == FieldType::Integer)
            })
            .collect();
        let mut wanted = vec![false; schema.fields.len()];
        for &field in unique_fields.iter().flatten() {
            wanted[field] = true;
        }
        for rule in &schema.rules {
            wanted[rule.left] = true;
            if let Operand::Field(field) = rule.right {
                wanted[field] = true;
            }
        }
        for (index, field) in schema.fields.iter().enumerate() {
            wanted[index] |= field.reference.is_some();
        }
        let seen = integers
            .iter()
            .map(|&integer| {
                if integer {
                    UniqueIndex::integers()
                } else {
                    UniqueIndex::hashes()
                }
            })
            .collect();
        Validator {
            checker: std::sync::Arc::new(RowChecker {
                schema: schema.clone(),
                headers: headers.to_vec(),
                columns,
                unique_fields,
                integers,
                wanted,
                styles,
                references: vec![None; schema.fields.len()],
                sheet: false,
            }),
            seen,
        }
    }

    /// Gives a field the set of values its reference allows (as [`comparable_text`]). Before
    /// the first row is checked.
    pub(crate) fn set_reference(
        &mut self,
        field: usize,
        values: std::sync::Arc<std::collections::HashSet<String>>,
    ) {
        std::sync::Arc::get_mut(&mut self.checker)
            .expect("references are set before any row is checked")
            .references[field] = Some(values);
    }

    /// Says that the rows come from a workbook's sheet. Before the first row is checked.
    pub(crate) fn set_sheet(&mut self) {
        std::sync::Arc::get_mut(&mut self.checker)
            .expect("the source is set before any row is checked")
            .sheet = true;
    }

    /// Makes room for the unique values of about `rows` rows at once, rather than growing.
    pub(crate) fn expect_rows(&mut self, rows: usize) {
        for index in &mut self.seen {
            index.reserve(rows);
        }
    }

    /// The checks of single rows, to be shared by threads.
    pub(crate) fn checker(&self) -> std::sync::Arc<RowChecker> {
        std::sync::Arc::clone(&self.checker)
    }

    /// Completes the checks of a batch of rows with those that need the rows before them (unique
    /// values). Batches must come in file order: the first of two equal values is the valid one.
    /// `row` gives the number and cells of the row checked at an index of `checks`. Each unique
    /// field is looked up on a thread of its own.
    pub(crate) fn finish<'r>(
        &mut self,
        row: &(dyn Fn(usize) -> (usize, RowCells<'r>) + Sync),
        checks: &mut [RowCheck],
    ) {
        let checks_read: &[RowCheck] = checks;
        let look_up = |position: usize, index: &mut UniqueIndex| {
            let mut repeats = Vec::new();
            for (at, check) in checks_read.iter().enumerate() {
                let Some(key) = check.keys[position] else {
                    continue;
                };
                if let Some(first_row) = index.first_row(key, check.row) {
                    repeats.push((at, first_row));
                }
            }
            repeats
        };
        // Each unique field on a thread of its own, the first on this one. Not rayon's: its
        // threads are busy checking the next batch, and a job queued behind that would hold
        // this batch up.
        let repeats: Vec<Vec<(usize, u32)>> = std::thread::scope(|scope| {
            let mut indexes = self.seen.iter_mut().enumerate();
            let first = indexes.next();
            let others: Vec<_> = indexes
                .map(|(position, index)| scope.spawn(move || look_up(position, index)))
                .collect();
            first
                .map(|(position, index)| look_up(position, index))
                .into_iter()
                .chain(others.into_iter().map(|other| {
                    other
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                }))
                .collect()
        });
        let checker = &self.checker;
        let mut scratch = Scratch::default();
        for (fields, repeats) in checker.unique_fields.iter().zip(repeats) {
            for (at, first_row) in repeats {
                let (number, cells) = row(at);
                // The values were let go (a check that keeps none): read again, for the message.
                let values = if checks[at].values.is_empty() {
                    checker
                        .check(number, cells, &mut scratch, Keep::Values)
                        .values
                } else {
                    std::mem::take(&mut checks[at].values)
                };
                let error = checker.unique_error(number, cells, fields, &values, first_row);
                checks[at].values = values;
                checks[at].errors.push(error);
            }
        }
    }
}

/// What the check of a row keeps of its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Its typed values, to be written (a plan, a commit).
    Values,
    /// Nothing once the keys are hashed (a validation).
    Errors,
}

impl RowChecker {
    /// Checks what a row can tell about itself, keeping its values as `keep` says.
    pub(crate) fn check(
        &self,
        row: usize,
        cells: RowCells<'_>,
        scratch: &mut Scratch,
        keep: Keep,
    ) -> RowCheck {
        let keep = keep == Keep::Values;
        let mut errors = Vec::new();
        let mut trimmed = 0;
        self.check_shape(row, cells, &mut errors);
        let mut values = if keep {
            Vec::with_capacity(self.schema.fields.len())
        } else {
            std::mem::take(&mut scratch.values)
        };
        for (field_index, field) in self.schema.fields.iter().enumerate() {
            let Some(column_index) = self.columns[field_index] else {
                values.push(Value::Null);
                continue;
            };
            // A cell the row does not have is reported once, as missing-cell.
            let Some(cell) = cells.get(column_index) else {
                values.push(Value::Null);
                continue;
            };
            let pattern = scratch.pattern(field_index, field);
            let wanted = keep || self.wanted[field_index];
            let fault = match check_cell(field, cell, &self.styles[column_index], pattern, wanted) {
                Ok(value) => {
                    trimmed += u32::from(field.trim && padded(cell));
                    match self.reference_fault(field_index, value, &mut values) {
                        Some(fault) => fault,
                        None => continue,
                    }
                }
                Err(fault) => fault,
            };
            let (code, message) = *fault;
            errors.push(RowError {
                row,
                cell: Some(cell_name(column_index, row)),
                column: Some(self.headers[column_index].clone()),
                field: Some(field.name.clone()),
                value: cell.to_text(),
                code,
                message,
            });
            values.push(Value::Null);
        }
        self.check_rules(row, &values, &mut errors);
        // Only values that were read can be compared; an empty one is not a duplicate.
        let mut keys = SmallVec::new();
        for (fields, &integer) in self.unique_fields.iter().zip(&self.integers) {
            let key = if fields.iter().any(|&field| values[field].is_null()) {
                None
            } else if integer && let Value::Integer(number) = values[fields[0]] {
                // An integer field's values are integers: the key is the integer itself.
                Some([number as u64, 0])
            } else {
                scratch.key.clear();
                for &field in fields {
                    push_key(&mut scratch.key, &values[field]);
                }
                let hash = xxhash_rust::xxh3::xxh3_128(&scratch.key);
                Some([hash as u64, (hash >> 64) as u64])
            };
            keys.push(key);
        }
        if !keep {
            values.clear();
            scratch.values = std::mem::take(&mut values);
        }
        RowCheck {
            row,
            values,
            errors,
            keys,
            trimmed,
        }
    }

    /// The fault of a value that its field's reference does not hold; a value that passes is
    /// pushed onto `values`.
    fn reference_fault(
        &self,
        field_index: usize,
        value: Value,
        values: &mut Vec<Value>,
    ) -> Option<Fault> {
        let field = &self.schema.fields[field_index];
        match &self.references[field_index] {
            Some(allowed) if !value.is_null() && !allowed.contains(&comparable_text(&value)) => {
                let reference = field
                    .reference
                    .as_ref()
                    .map_or_else(String::new, |reference| {
                        format!("{}.{}", reference.table, reference.field)
                    });
                Some(Box::new((
                    ErrorCode::ForeignKey,
                    format!("has no match in {reference}"),
                )))
            }
            _ => {
                values.push(value);
                None
            }
        }
    }

    fn check_shape(&self, row: usize, cells: RowCells<'_>, errors: &mut Vec<RowError>) {
        let width = self.headers.len();
        let count = cells.len();
        if count < width {
            errors.push(RowError {
                row,
                cell: Some(cell_name(count, row)),
                column: Some(self.headers[count].clone()),
                field: None,
                value: String::new(),
                code: ErrorCode::MissingCell,
                message: format!(
                    "the row has {count} cells but the header has {width}: the cells from column {:?} on are missing",
                    self.headers[count]
                ),
            });
        } else if let Some(position) =
            (width..count).find(|&index| cells.get(index).is_some_and(|cell| !cell.is_blank()))
        {
            let used = (0..count)
                .rposition(|index| cells.get(index).is_some_and(|cell| !cell.is_blank()))
                .map_or(0, |last| last + 1);
            errors.push(RowError {
                row,
                cell: Some(cell_name(position, row)),
                column: Some(format!("column {}", position + 1)),
                field: None,
                value: cells.get(position).map(|cell| cell.to_text()).unwrap_or_default(),
                code: ErrorCode::ExtraCell,
                // In text, a delimiter inside an unquoted value is the usual cause; in a sheet,
                // a cell filled beside the table.
                message: if self.sheet {
                    format!(
                        "the row has {used} cells but the header has {width}: a value stands in a column with no header: give the column a header, or clear the cell"
                    )
                } else {
                    format!(
                        "the row has {used} cells but the header has {width}: a value stands where there is no column (a delimiter inside an unquoted value?)"
                    )
                },
            });
        }
    }

    /// Rules between fields: checked when every value they compare was read.
    fn check_rules(&self, row: usize, values: &[Value], errors: &mut Vec<RowError>) {
        for rule in &self.schema.rules {
            let left = &values[rule.left];
            let right = match &rule.right {
                Operand::Field(field) => &values[*field],
                Operand::Constant(value) => value,
            };
            if left.is_null() || right.is_null() {
                continue;
            }
            if left
                .compare(right)
                .is_some_and(|ordering| rule.operator.holds(ordering))
            {
                continue;
            }
            let field = &self.schema.fields[rule.left];
            let column = self.columns[rule.left];
            let shown_right = match &rule.right {
                Operand::Field(index) => format!("{} is {right}", self.schema.fields[*index].name),
                Operand::Constant(_) => format!("{right}"),
            };
            errors.push(RowError {
                row,
                cell: column.map(|column| cell_name(column, row)),
                column: column.map(|column| self.headers[column].clone()),
                field: Some(field.name.clone()),
                value: left.to_string(),
                code: ErrorCode::Rule,
                message: rule.message.clone().unwrap_or_else(|| {
                    format!(
                        "breaks the rule {} ({} is {left}, {shown_right})",
                        rule.text, field.name
                    )
                }),
            });
        }
    }
}

impl RowChecker {
    /// The error of a row whose value of a unique field (or key) is on `first_row` already.
    fn unique_error(
        &self,
        row: usize,
        cells: RowCells<'_>,
        fields: &[usize],
        values: &[Value],
        first_row: u32,
    ) -> RowError {
        let first_field = fields[0];
        let field = &self.schema.fields[first_field];
        let column = self.columns[first_field];
        let names: Vec<&str> = fields
            .iter()
            .map(|&field| self.schema.fields[field].name.as_str())
            .collect();
        // One field: the cell as it is, as every other error shows it; a key of several
        // fields: their values, joined.
        let value = match (fields, column.and_then(|column| cells.get(column))) {
            ([_], Some(cell)) => cell.to_text(),
            _ => fields
                .iter()
                .map(|&field| values[field].to_string())
                .collect::<Vec<_>>()
                .join(", "),
        };
        RowError {
            row,
            cell: column.map(|column| cell_name(column, row)),
            column: column.map(|column| self.headers[column].clone()),
            field: Some(field.name.clone()),
            value,
            code: ErrorCode::Unique,
            message: format!(
                "{} must be unique: the same value is on row {first_row}",
                names.join(" + ")
            ),
        }
    }
}

#[cfg(test)]
mod tests;
