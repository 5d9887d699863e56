//! Stage 2: every cell of every record read as its field's type and checked against the field's
//! constraints. Pure: no files, no database. A bad row is data, not a failure: each record gives
//! either a typed row or its errors, and the run goes on.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use validator::{ValidateEmail, ValidateUrl};

use crate::detect::Mapping;
use crate::schema::{Field, FieldType, Operand, Schema, Value};
use smallvec::SmallVec;

use crate::source::{Cell, CellRef, RowCells};

/// The fixed vocabulary of error codes (CONTRACT.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ErrorCode {
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
    pub fn as_str(self) -> &'static str {
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
pub struct RowError {
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
pub struct TypedRow {
    pub row: usize,
    pub values: Vec<Value>,
}

/// Checks records, remembering what it needs for uniqueness across the file. A row's own checks
/// (its shape, every cell, the rules) are in [`RowChecker`], which threads can share; what
/// needs the rows before it (unique values) is [`Validator::finish`], one row after another.
pub struct Validator {
    checker: std::sync::Arc<RowChecker>,
    /// For each unique field (and the key), in the order of `checker.unique_fields`: the hash of
    /// each value seen → its first row.
    seen: Vec<UniqueIndex>,
}

/// The checks that need nothing but the row itself.
pub struct RowChecker {
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
pub struct RowCheck {
    row: usize,
    values: Vec<Value>,
    errors: Vec<RowError>,
    keys: SmallVec<[Option<[u64; 2]>; 2]>,
    /// How many of the row's cells had spaces around their value, taken off.
    trimmed: u32,
}

impl RowCheck {
    /// The typed row, when the row passed every check and its values were kept.
    pub fn typed(&mut self, row: usize) -> Option<TypedRow> {
        (self.errors.is_empty() && !self.values.is_empty()).then(|| TypedRow {
            row,
            values: std::mem::take(&mut self.values),
        })
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// How many of the row's cells had spaces around their value, which were taken off.
    pub fn trimmed(&self) -> u32 {
        self.trimmed
    }

    /// The errors found, taken.
    pub fn take_errors(&mut self) -> Vec<RowError> {
        std::mem::take(&mut self.errors)
    }
}

/// What a thread reuses from one row to the next.
#[derive(Default)]
pub struct Scratch {
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

pub use crate::source::cell_name;

/// Values seen in one unique field (or the fields of the key) → the first row of each.
enum UniqueIndex {
    /// A single integer field (most keys): the integers themselves, exact. Those near the first
    /// one seen (ascending or descending ids, the usual keys) each have a place of their own in
    /// an array ([`Dense`], 4 bytes a place); the others are in a table (16 bytes a row), where
    /// near values take near places (see [`spread`]).
    Integers {
        dense: Dense,
        others: HashMap<i64, u32, BuildFolded<true>>,
    },
    /// Anything else, each value kept as 96 bits of the 128-bit hash of its comparable form: a
    /// fixed 16 bytes a row whatever the value's length (three 32-bit words and the row, so that
    /// four entries share a cache line). Two different values share those bits with a
    /// probability of about n²/2⁹⁷ (1 in 10¹⁷ for a million rows, 1 in 10¹¹ for a billion).
    Hashes(HashMap<[u32; 3], u32, BuildFolded<false>>),
}

impl UniqueIndex {
    fn integers() -> UniqueIndex {
        UniqueIndex::Integers {
            dense: Dense::default(),
            others: HashMap::default(),
        }
    }

    /// Records `row` as the first with `key` and gives `None`, or gives the first row when the
    /// key was seen before. An integer index takes the integer from the key's first word.
    fn first_row(&mut self, key: [u64; 2], row: usize) -> Option<u32> {
        // Data rows start at 2 (below a header): 0 is free to mean "not seen".
        let row = u32::try_from(row).unwrap_or(u32::MAX).max(1);
        match self {
            UniqueIndex::Integers { dense, others } => {
                let value = key[0] as i64;
                if let Some(place) = dense.place(value) {
                    if *place != 0 {
                        return Some(*place);
                    }
                    // Seen before the array reached so far (it grows with the file's size).
                    if let Some(&first) = others.get(&value) {
                        return Some(first);
                    }
                    *place = row;
                    return None;
                }
                first_in(others, value, row)
            }
            UniqueIndex::Hashes(seen) => first_in(seen, short_hash(key), row),
        }
    }

    /// Makes room for about `rows` more rows: integers get as many places again on either side
    /// of the first one (the table of the others grows if it must); hashes a table that size.
    fn reserve(&mut self, rows: usize) {
        match self {
            UniqueIndex::Integers { dense, .. } => {
                dense.limit = dense.limit.max(rows.saturating_mul(2));
            }
            UniqueIndex::Hashes(seen) => seen.reserve(rows),
        }
    }
}

/// Records `row` as the first with `key` in `seen` and gives `None`, or gives the first row
/// when the key is there already.
fn first_in<K: std::hash::Hash + Eq, S: std::hash::BuildHasher>(
    seen: &mut HashMap<K, u32, S>,
    key: K,
    row: u32,
) -> Option<u32> {
    match seen.entry(key) {
        std::collections::hash_map::Entry::Vacant(vacant) => {
            vacant.insert(row);
            None
        }
        std::collections::hash_map::Entry::Occupied(occupied) => Some(*occupied.get()),
    }
}

/// The 96 bits of a 128-bit hash that a table of hashes keeps.
fn short_hash(key: [u64; 2]) -> [u32; 3] {
    [key[0] as u32, (key[0] >> 32) as u32, key[1] as u32]
}

/// First rows of the integers from `low` on, by place: 0 where an integer was not seen.
struct Dense {
    /// The integer at place 0: half the limit below the first integer seen, so that ids going
    /// down have room too. `None` until then.
    low: Option<i64>,
    first_rows: Vec<u32>,
    /// Places at most (4 bytes each, taken as integers come); integers beyond go to the table.
    limit: usize,
}

impl Default for Dense {
    fn default() -> Dense {
        Dense {
            low: None,
            first_rows: Vec::new(),
            limit: 1 << 20,
        }
    }
}

impl Dense {
    /// The place of `value`, when it has one.
    fn place(&mut self, value: i64) -> Option<&mut u32> {
        let half = i64::try_from(self.limit / 2).unwrap_or(i64::MAX);
        let low = *self.low.get_or_insert(value.saturating_sub(half));
        let place = usize::try_from(value.checked_sub(low)?).ok()?;
        if place >= self.limit {
            return None;
        }
        if place >= self.first_rows.len() {
            let grown = (place + 1)
                .max(self.first_rows.len().saturating_mul(2))
                .min(self.limit);
            self.first_rows.resize(grown, 0);
        }
        self.first_rows.get_mut(place)
    }
}

/// The hasher of the tables of unique values, whose keys are hashes already (or integers): it
/// folds a key's words together with XOR, nothing more, and with `SPREAD` places the result as
/// [`spread`] does (the table of integers).
#[derive(Default, Clone, Copy)]
struct BuildFolded<const SPREAD: bool>;

struct Folded<const SPREAD: bool>(u64);

impl<const SPREAD: bool> std::hash::BuildHasher for BuildFolded<SPREAD> {
    type Hasher = Folded<SPREAD>;
    fn build_hasher(&self) -> Folded<SPREAD> {
        Folded(0)
    }
}

impl<const SPREAD: bool> std::hash::Hasher for Folded<SPREAD> {
    fn finish(&self) -> u64 {
        if SPREAD { spread(self.0) } else { self.0 }
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(word);
        }
    }
}

/// The hash of an integer for the table of unique integers. The table places a value by the
/// low bits of its hash: those are the integer's low 4 bits as they are, above a mix of all its
/// other bits, so that each aligned run of 16 consecutive integers takes 16 neighbouring places
/// (one group of the table, a few cache lines), while the runs themselves are scattered over the
/// table as any hash would scatter them (larger runs kept together would pile up on each other,
/// and so would integers that differ only high up, such as multiples of a large power of two).
/// The top seven bits, which the table compares first, come from the whole integer.
fn spread(value: u64) -> u64 {
    const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut high = value >> 4;
    // The finaliser of MurmurHash3: every bit of `high` moves every bit of the result.
    high ^= high >> 33;
    high = high.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    high ^= high >> 33;
    high = high.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    high ^= high >> 33;
    let tag = value.wrapping_mul(GOLDEN);
    (((high << 4) | (value & 15)) & 0x01FF_FFFF_FFFF_FFFF) | (tag & 0xFE00_0000_0000_0000)
}

/// Appends a value's key form to `buffer`: a tag for its kind, then bytes that are equal exactly
/// when the values are (12.50 and 12.5 are the same number); text is preceded by its length, so
/// that the fields of a composite key cannot run into each other.
pub(crate) fn push_key(buffer: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => buffer.push(0),
        Value::Text(text) => {
            buffer.push(1);
            buffer.extend_from_slice(&(text.len() as u64).to_le_bytes());
            buffer.extend_from_slice(text.as_bytes());
        }
        Value::Integer(number) => {
            buffer.push(2);
            buffer.extend_from_slice(&number.to_le_bytes());
        }
        Value::Decimal(number) => {
            buffer.push(3);
            buffer.extend_from_slice(&number.normalize().serialize());
        }
        Value::Boolean(value) => buffer.extend_from_slice(&[4, u8::from(*value)]),
        Value::Date(date) => {
            buffer.push(5);
            buffer.extend_from_slice(&date.num_days_from_ce().to_le_bytes());
        }
        Value::DateTime(datetime) => {
            let utc = datetime.and_utc();
            buffer.push(6);
            buffer.extend_from_slice(&utc.timestamp().to_le_bytes());
            buffer.extend_from_slice(&utc.timestamp_subsec_nanos().to_le_bytes());
        }
    }
}

impl Validator {
    /// `styles` has one entry per column (missing ones read in the default style).
    pub fn new(
        schema: &Schema,
        headers: &[String],
        mapping: &Mapping,
        mut styles: Vec<TextStyle>,
    ) -> Validator {
        styles.resize(headers.len(), TextStyle::default());
        let mut columns = vec![None; schema.fields.len()];
        for column in &mapping.columns {
            if let Some(field) = column.field {
                columns[field] = Some(column.index);
            }
        }
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
                    UniqueIndex::Hashes(HashMap::default())
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
    pub fn set_reference(
        &mut self,
        field: usize,
        values: std::sync::Arc<std::collections::HashSet<String>>,
    ) {
        std::sync::Arc::get_mut(&mut self.checker)
            .expect("references are set before any row is checked")
            .references[field] = Some(values);
    }

    /// Says that the rows come from a workbook's sheet. Before the first row is checked.
    pub fn set_sheet(&mut self) {
        std::sync::Arc::get_mut(&mut self.checker)
            .expect("the source is set before any row is checked")
            .sheet = true;
    }

    /// Makes room for the unique values of about `rows` rows at once, rather than growing.
    pub fn expect_rows(&mut self, rows: usize) {
        for index in &mut self.seen {
            index.reserve(rows);
        }
    }

    /// The checks of single rows, to be shared by threads.
    pub fn checker(&self) -> std::sync::Arc<RowChecker> {
        std::sync::Arc::clone(&self.checker)
    }

    /// Completes the checks of a batch of rows with those that need the rows before them (unique
    /// values). Batches must come in file order: the first of two equal values is the valid one.
    /// `row` gives the number and cells of the row checked at an index of `checks`. Each unique
    /// field is looked up on a thread of its own.
    pub fn finish<'r>(
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
                    checker.check(number, cells, &mut scratch, true).values
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

impl RowChecker {
    /// Checks what a row can tell about itself. Its values are kept when `keep` is set (for the
    /// typed row), otherwise let go once the keys are hashed.
    pub fn check(
        &self,
        row: usize,
        cells: RowCells<'_>,
        scratch: &mut Scratch,
        keep: bool,
    ) -> RowCheck {
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

/// The text under which values are compared as keys: 12.50 and 12.5 are the same number.
pub fn comparable_text(value: &Value) -> String {
    match value {
        Value::Decimal(number) => number.normalize().to_string(),
        other => other.to_string(),
    }
}

/// Reads one cell as its field's type and checks the field's constraints on it.
/// `pattern` is the field's own, as a thread's copy (see [`Scratch`]). Unless the value is
/// `wanted`, text that passes its checks gives `Null`: no copy is made of what nobody reads.
#[inline(always)]
pub fn check_cell(
    field: &Field,
    cell: CellRef<'_>,
    style: &TextStyle,
    pattern: Option<&regex::Regex>,
    wanted: bool,
) -> Result<Value, Fault> {
    let type_error = |reason: String| Box::new((ErrorCode::Type, reason));
    // Text (every cell of a delimited file) is read here, each type straight into its value:
    // this runs once a cell, and each hand-over of a `Value` through a `Result` shows.
    let value = match cell {
        CellRef::Text(text) => {
            let text = if style.guarded { unguarded(text) } else { text };
            // Most cells start and end with neither a space nor any other character to trim.
            let bytes = text.as_bytes();
            let trimmed = match (bytes.first(), bytes.last()) {
                (Some(first), Some(last))
                    if first.is_ascii_graphic() && last.is_ascii_graphic() =>
                {
                    text
                }
                _ => text.trim(),
            };
            if trimmed.is_empty() {
                return blank(field);
            }
            match field.field_type {
                FieldType::String => {
                    // Spaces around a cell are not part of its value, unless the field keeps them.
                    let text = if field.trim { trimmed } else { text };
                    check_text(field, text, pattern)?;
                    let bounded = field.minimum.is_some()
                        || field.maximum.is_some()
                        || field.allowed.is_some();
                    if !wanted && !bounded {
                        return Ok(Value::Null);
                    }
                    let value = Value::Text(text.into());
                    check_bounds(field, &value)?;
                    return Ok(value);
                }
                FieldType::Integer => {
                    Value::Integer(parse_integer(trimmed, style).map_err(type_error)?)
                }
                FieldType::Number => {
                    Value::Decimal(parse_decimal(trimmed, style).map_err(type_error)?)
                }
                FieldType::Boolean
                    if field.true_values.is_some() || field.false_values.is_some() =>
                {
                    Value::Boolean(
                        parse_boolean_with(
                            trimmed,
                            field.true_values.as_deref(),
                            field.false_values.as_deref(),
                        )
                        .map_err(type_error)?,
                    )
                }
                FieldType::Boolean => Value::Boolean(parse_boolean(trimmed).map_err(type_error)?),
                FieldType::Date => Value::Date(
                    parse_date(trimmed, field.format.as_deref(), style).map_err(type_error)?,
                ),
                FieldType::Datetime => Value::DateTime(
                    parse_datetime(trimmed, field.format.as_deref(), style).map_err(type_error)?,
                ),
            }
        }
        CellRef::Other(other) => {
            if other.is_blank() {
                return blank(field);
            }
            if let (FieldType::String, false, Cell::Text(text)) =
                (field.field_type, field.trim, other)
            {
                let value = Value::Text(text.as_str().into());
                check_constraints(field, &value, pattern)?;
                return Ok(value);
            }
            parse_cell(field.field_type, field.format.as_deref(), cell, style)
                .map_err(type_error)?
        }
    };
    check_constraints(field, &value, pattern)?;
    Ok(value)
}

/// Whether a cell that is not blank has spaces (or tabs, non-breaking spaces) around its value.
#[inline]
fn padded(cell: CellRef<'_>) -> bool {
    let text = match cell {
        CellRef::Text(text) => text,
        CellRef::Other(Cell::Text(text)) => text.as_str(),
        CellRef::Other(_) => return false,
    };
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => false,
        (Some(_), Some(_)) => {
            let trimmed = text.trim();
            !trimmed.is_empty() && trimmed.len() != text.len()
        }
        _ => false,
    }
}

/// What is wrong with a cell: its code and message, boxed so that a cell's `Result` is no larger
/// than its value (a value handed on through a larger one is copied piece by piece).
pub type Fault = Box<(ErrorCode, String)>;

/// What an empty cell gives: an error when the field is required, otherwise no value.
fn blank(field: &Field) -> Result<Value, Fault> {
    if field.required {
        Err(Box::new((
            ErrorCode::Required,
            "is required but empty".to_string(),
        )))
    } else {
        Ok(Value::Null)
    }
}

/// `copy` is a thread's copy of the field's pattern, when it has one.
fn check_constraints(
    field: &Field,
    value: &Value,
    copy: Option<&regex::Regex>,
) -> Result<(), Fault> {
    if let Value::Text(text) = value {
        check_text(field, text, copy)?;
    }
    check_bounds(field, value)
}

/// The constraints on text: length, pattern, format.
fn check_text(field: &Field, text: &str, copy: Option<&regex::Regex>) -> Result<(), Fault> {
    if field.min_length.is_some() || field.max_length.is_some() {
        let length = if text.is_ascii() {
            text.len()
        } else {
            text.chars().count()
        };
        if let Some(min_length) = field.min_length
            && length < min_length
        {
            return Err(Box::new((
                ErrorCode::MinLength,
                format!("must be at least {min_length} characters long (it has {length})"),
            )));
        }
        if let Some(max_length) = field.max_length
            && length > max_length
        {
            return Err(Box::new((
                ErrorCode::MaxLength,
                format!("must be at most {max_length} characters long (it has {length})"),
            )));
        }
    }
    if let Some(column) = &field.column
        && let Some(chars) = column.chars
    {
        let length = text.chars().count();
        if length > chars {
            return Err(Box::new((
                ErrorCode::MaxLength,
                format!(
                    "has {length} characters; column {} is {}, which holds {chars}",
                    column.column, column.declared
                ),
            )));
        }
    }
    if let Some(pattern) = &field.pattern
        && !pattern.matches(text, copy)
    {
        return Err(Box::new((
            ErrorCode::Pattern,
            format!("does not match the pattern {}", pattern.source),
        )));
    }
    match field.format.as_deref() {
        Some("email") if !plain_email(text) && !text.validate_email() => {
            return Err(Box::new((
                ErrorCode::Format,
                "is not a valid e-mail address".to_string(),
            )));
        }
        Some("uri") if !text.validate_url() => {
            return Err(Box::new((
                ErrorCode::Format,
                "is not a valid URI (such as https://example.com/page)".to_string(),
            )));
        }
        _ => {}
    }
    Ok(())
}

/// The constraints on any value: bounds and allowed values.
fn check_bounds(field: &Field, value: &Value) -> Result<(), Fault> {
    if let Some(minimum) = &field.minimum
        && value.compare(minimum) == Some(std::cmp::Ordering::Less)
    {
        return Err(Box::new((
            ErrorCode::Minimum,
            format!("must be at least {minimum}"),
        )));
    }
    if let Some(maximum) = &field.maximum
        && value.compare(maximum) == Some(std::cmp::Ordering::Greater)
    {
        return Err(Box::new((
            ErrorCode::Maximum,
            format!("must be at most {maximum}"),
        )));
    }
    if let Some(allowed) = &field.allowed
        && !allowed.iter().any(|candidate| candidate.same_as(value))
    {
        let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
        return Err(Box::new((
            ErrorCode::Enum,
            format!("must be one of: {}", list.join(", ")),
        )));
    }
    if let Some(column) = &field.column {
        check_column_numbers(column, value)?;
    }
    Ok(())
}

/// A number against what its column holds exactly: a NUMERIC's digits before and after the
/// point, a SMALLINT's or INTEGER's range. The database would round the first and refuse the
/// others, mid-commit.
fn check_column_numbers(column: &crate::schema::ColumnLimits, value: &Value) -> Result<(), Fault> {
    let whole_digits = |text: String| text.trim_start_matches('-').trim_start_matches('0').len();
    let (whole, scale) = match value {
        Value::Integer(number) => (whole_digits(number.to_string()), 0),
        Value::Decimal(number) => {
            let exact = number.normalize();
            (whole_digits(exact.trunc().to_string()), exact.scale())
        }
        _ => return Ok(()),
    };
    let held = |what: String, would: &str| {
        Err(Box::new((
            ErrorCode::Type,
            format!(
                "{what}; column {} is {}, so the database would {would}",
                column.column, column.declared
            ),
        )))
    };
    if let Some((precision, places)) = column.digits {
        if scale > places {
            return held(
                format!("has {scale} decimal places where the column keeps {places}"),
                "round it",
            );
        }
        let room = precision.saturating_sub(places) as usize;
        if whole > room {
            return held(
                format!("has {whole} digits before the point where the column holds {room}"),
                "refuse it",
            );
        }
    }
    if let (Some((low, high)), Value::Integer(number)) = (column.integers, value)
        && !(low..=high).contains(number)
    {
        return held(format!("is outside {low} to {high}"), "refuse it");
    }
    Ok(())
}

/// True for an e-mail address of the plain ASCII form that validator's check accepts: a user part
/// of up to 64 of its characters, `@`, a domain of up to 255 made of dot-separated labels of
/// letters, digits and inner hyphens, each 1 to 63 long. Anything else is for validator to judge
/// (international domains, IP literals). validator matches with regular expressions shared by
/// every thread, whose caches the threads queue for; this answers most addresses without them.
pub fn plain_email(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(at) = memchr::memrchr(b'@', bytes) else {
        return false;
    };
    let (user, domain) = (&bytes[..at], &bytes[at + 1..]);
    if !(1..=64).contains(&user.len())
        || domain.len() > 255
        || !user.iter().all(|&byte| EMAIL_USER_BYTES[usize::from(byte)])
    {
        return false;
    }
    // One pass over the domain: the length of the label so far and the byte before.
    let mut label = 0;
    let mut previous = b'.';
    for &byte in domain {
        match byte {
            b'.' if label > 0 && previous != b'-' => label = 0,
            b'-' if label > 0 => label += 1,
            _ if byte.is_ascii_alphanumeric() => label += 1,
            _ => return false,
        }
        if label > 63 {
            return false;
        }
        previous = byte;
    }
    label > 0 && previous != b'-'
}

/// The bytes of the user part of a plain e-mail address: ASCII letters, digits and
/// `.!#$%&'*+/=?^_`{|}~-`.
const EMAIL_USER_BYTES: [bool; 256] = {
    let symbols = b".!#$%&'*+/=?^_`{|}~-";
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = (byte as u8).is_ascii_alphanumeric();
        byte += 1;
    }
    let mut index = 0;
    while index < symbols.len() {
        table[symbols[index] as usize] = true;
        index += 1;
    }
    table
};

/// How a column writes numbers and dates: decided per column from its values (see `profile`),
/// or by the user's `--decimal-comma` and `--date-order`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextStyle {
    pub decimal_comma: bool,
    /// `None`: only dates that read one way are accepted.
    pub date_order: Option<DateOrder>,
    /// The column is of intake's own rejects file, whose formula guard (`'` before `=`, `+`,
    /// `-`, `@`) is taken off again, so that a fixed rejects file imports what the user wrote.
    pub guarded: bool,
}

/// A cell as it was before `report::neutralise` put a `'` in front of it.
pub fn unguarded(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
}

/// The order of year, month and day in numeric dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    Ymd,
    Dmy,
    Mdy,
}

impl DateOrder {
    pub fn parse(text: &str) -> Option<DateOrder> {
        match text.to_ascii_lowercase().as_str() {
            "ymd" => Some(DateOrder::Ymd),
            "dmy" => Some(DateOrder::Dmy),
            "mdy" => Some(DateOrder::Mdy),
            _ => None,
        }
    }
}

/// Reads a non-blank cell as a field type. A spreadsheet cell keeps its own type where it fits
/// (a date cell for a date field); text is parsed in the column's style.
pub fn parse_cell(
    field_type: FieldType,
    format: Option<&str>,
    cell: CellRef<'_>,
    style: &TextStyle,
) -> Result<Value, String> {
    let cell = match cell {
        CellRef::Text(text) => return parse_text(field_type, format, text, style),
        CellRef::Other(cell) => cell,
    };
    match (field_type, cell) {
        (_, Cell::Error(error)) => Err(format!("is a spreadsheet error ({error}), not a value")),
        (_, Cell::Text(text)) => parse_text(field_type, format, text, style),
        (FieldType::String, other) => Ok(Value::Text(other.to_text().into())),
        (FieldType::Integer, Cell::Int(number)) => Ok(Value::Integer(*number)),
        (FieldType::Number, Cell::Int(number)) => Ok(Value::Decimal(Decimal::from(*number))),
        (FieldType::Number | FieldType::Integer, Cell::Float(number)) => {
            match parse_text(
                field_type,
                format,
                &number.to_string(),
                &TextStyle::default(),
            ) {
                // Tiny fractions print with more places than a decimal holds: keep the 28 it can.
                Err(_) if field_type == FieldType::Number && number.is_finite() => {
                    rust_decimal::prelude::FromPrimitive::from_f64(*number)
                        .map(Value::Decimal)
                        .ok_or_else(|| "is too large for a number".to_string())
                }
                read => read,
            }
        }
        (FieldType::Boolean, Cell::Bool(value)) => Ok(Value::Boolean(*value)),
        (FieldType::Boolean, Cell::Int(number @ (0 | 1))) => Ok(Value::Boolean(*number == 1)),
        (FieldType::Date, Cell::Date(date)) => Ok(Value::Date(*date)),
        (FieldType::Date, Cell::DateTime(datetime)) if datetime.time() == NaiveTime::MIN => {
            Ok(Value::Date(datetime.date()))
        }
        (FieldType::Date, Cell::DateTime(datetime)) => Err(format!(
            "has a time of day ({}) where a date is expected",
            datetime.time()
        )),
        (FieldType::Datetime, Cell::DateTime(datetime)) => Ok(Value::DateTime(*datetime)),
        (FieldType::Datetime, Cell::Date(date)) => {
            Ok(Value::DateTime(date.and_time(NaiveTime::MIN)))
        }
        (field_type, other) => Err(format!(
            "cannot be read as {}: the cell holds {}",
            article(field_type),
            other.to_text()
        )),
    }
}

fn article(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::String => "text",
        FieldType::Integer => "a whole number",
        FieldType::Number => "a number",
        FieldType::Boolean => "true or false",
        FieldType::Date => "a date",
        FieldType::Datetime => "a date and time",
    }
}

/// Reads text as a field type in a column's style; the error says what form was expected.
pub fn parse_text(
    field_type: FieldType,
    format: Option<&str>,
    text: &str,
    style: &TextStyle,
) -> Result<Value, String> {
    let trimmed = text.trim();
    match field_type {
        FieldType::String => Ok(Value::Text(trimmed.into())),
        FieldType::Integer => parse_integer(trimmed, style).map(Value::Integer),
        FieldType::Number => parse_decimal(trimmed, style).map(Value::Decimal),
        FieldType::Boolean => parse_boolean(trimmed).map(Value::Boolean),
        FieldType::Date => parse_date(trimmed, format, style).map(Value::Date),
        FieldType::Datetime => parse_datetime(trimmed, format, style).map(Value::DateTime),
    }
}

/// Takes off what surrounds the digits of a number as people write it: a sign or accounting
/// parentheses, a currency symbol or code before or after. Gives the sign and the rest.
pub fn strip_number_decoration(text: &str) -> Option<(bool, &str)> {
    const CURRENCIES: [&str; 10] = ["$", "€", "£", "¥", "₹", "USD", "EUR", "GBP", "CHF", "CAD"];
    let mut rest = text.trim();
    // Most numbers start and end with a digit: nothing to take off (every sign, parenthesis
    // and currency starts or ends with something else).
    let bytes = rest.as_bytes();
    if bytes.first().is_some_and(u8::is_ascii_digit) && bytes.last().is_some_and(u8::is_ascii_digit)
    {
        return Some((false, rest));
    }
    let mut negative = false;
    if let Some(inner) = rest
        .strip_prefix('(')
        .and_then(|inner| inner.strip_suffix(')'))
    {
        negative = true;
        rest = inner.trim();
    }
    for _ in 0..2 {
        if let Some(after) = rest.strip_prefix(['-', '\u{2212}']) {
            negative = !negative;
            rest = after.trim_start();
        } else if let Some(after) = rest.strip_prefix('+') {
            rest = after.trim_start();
        }
        for currency in CURRENCIES {
            if let Some(after) = rest.strip_prefix(currency) {
                rest = after.trim_start();
            }
            if let Some(before) = rest.strip_suffix(currency) {
                rest = before.trim_end();
            }
        }
    }
    if let Some(before) = rest.strip_suffix('-') {
        // Trailing minus, as some ledgers write it.
        negative = !negative;
        rest = before.trim_end();
    }
    let starts_with_digit = rest.starts_with(|character: char| {
        character.is_ascii_digit() || character == '.' || character == ','
    });
    (starts_with_digit && rest.ends_with(|character: char| character.is_ascii_digit()))
        .then_some((negative, rest))
}

/// Reads a number in the column's style: its decimal separator, any thousands grouping (the
/// other of point and comma, a space, a non-breaking space or an apostrophe, in groups of three),
/// a sign, accounting parentheses, a currency. Exact: a `Decimal`, never a float.
pub fn parse_decimal(text: &str, style: &TextStyle) -> Result<Decimal, String> {
    // The common case, `-1234.5` in a decimal-point column (or digits alone in any column), read
    // directly without the general path's allocations.
    if (!style.decimal_comma || !text.contains('.'))
        && let Some(number) = plain_decimal(text)
    {
        return Ok(number);
    }
    let (decimal, grouping) = if style.decimal_comma {
        (',', '.')
    } else {
        ('.', ',')
    };
    let expected = || {
        format!(
            "expected a number such as {} (decimal {})",
            if style.decimal_comma {
                "1.234,56"
            } else {
                "1,234.56"
            },
            if style.decimal_comma {
                "comma"
            } else {
                "point"
            }
        )
    };
    if let Some(number) = parse_scientific(text) {
        return Ok(number);
    }
    let (negative, core) = strip_number_decoration(text).ok_or_else(expected)?;
    let (whole, fraction) = match core.rsplit_once(decimal) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (core, None),
    };
    if whole.contains(decimal)
        || fraction.is_some_and(|fraction| !fraction.bytes().all(|byte| byte.is_ascii_digit()))
    {
        return Err(expected());
    }
    let groups: Vec<&str> = whole
        .split([grouping, ' ', '\u{a0}', '\u{202f}', '\''])
        .collect();
    let digits_only = |group: &str| group.bytes().all(|byte| byte.is_ascii_digit());
    let grouped = groups.len() > 1;
    let groups_ok = groups.iter().all(|group| digits_only(group))
        && (!grouped
            || (!groups[0].is_empty()
                && groups[0].len() <= 3
                && groups[1..].iter().all(|group| group.len() == 3)));
    if !groups_ok || (whole.is_empty() && fraction.is_none_or(str::is_empty)) {
        return Err(expected());
    }
    let plain = format!(
        "{}{}{}{}",
        if negative { "-" } else { "" },
        if whole.is_empty() {
            "0".to_string()
        } else {
            groups.concat()
        },
        if fraction.is_some() { "." } else { "" },
        fraction.unwrap_or_default()
    );
    Decimal::from_str_exact(&plain)
        .map_err(|_| "is too large or too precise for a number".to_string())
}

/// `-?digits(.digits)?`, nothing else: read by `Decimal` itself.
fn plain_decimal(text: &str) -> Option<Decimal> {
    let bytes = text.as_bytes();
    let negative = bytes.first() == Some(&b'-');
    let digits = if negative { &bytes[1..] } else { bytes };
    if digits.is_empty() || digits.len() > 28 {
        return None;
    }
    let mut point = None;
    // Up to 18 digits fit a u64: the decimal is made from them directly.
    let mut mantissa: u64 = 0;
    for (index, &byte) in digits.iter().enumerate() {
        if byte == b'.' {
            if point.is_some() || index == 0 || index == digits.len() - 1 {
                return None;
            }
            point = Some(index);
        } else if byte.is_ascii_digit() {
            mantissa = mantissa
                .wrapping_mul(10)
                .wrapping_add(u64::from(byte - b'0'));
        } else {
            return None;
        }
    }
    let count = digits.len() - usize::from(point.is_some());
    if count > 18 {
        return Decimal::from_str_exact(text).ok();
    }
    let scale = point.map_or(0, |point| digits.len() - point - 1) as u32;
    Some(Decimal::from_parts(
        mantissa as u32,
        (mantissa >> 32) as u32,
        0,
        negative,
        scale,
    ))
}

/// `1.5e3`, `-2E-4`: scientific notation, as some exports write large or small numbers.
fn parse_scientific(text: &str) -> Option<Decimal> {
    let (mantissa, exponent) = text.split_once(['e', 'E'])?;
    let unsigned = mantissa.strip_prefix(['-', '+']).unwrap_or(mantissa);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let exponent_digits = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
    if whole.is_empty() && fraction.is_empty()
        || !digits(whole)
        || !digits(fraction)
        || exponent_digits.is_empty()
        || !digits(exponent_digits)
    {
        return None;
    }
    Decimal::from_scientific(text).ok()
}

fn parse_integer(text: &str, style: &TextStyle) -> Result<i64, String> {
    let bytes = text.as_bytes();
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) {
        return text
            .parse()
            .map_err(|_| "expected a whole number such as 42".to_string());
    }
    let decimal =
        parse_decimal(text, style).map_err(|_| "expected a whole number such as 42".to_string())?;
    if !decimal.fract().is_zero() {
        return Err("expected a whole number, not a fraction".to_string());
    }
    i64::from_str(&decimal.trunc().normalize().to_string())
        .map_err(|_| "is too large for a whole number".to_string())
}

/// Words for true and false (not 1 and 0, which are numbers too).
pub fn parse_boolean_word(text: &str) -> Option<bool> {
    // English, then the usual words of German, French, Spanish, Italian, Dutch and Portuguese
    // spreadsheets (`ja`, `oui`, `sí`, `sì`, `sim`; `nein`, `non`, `nee`, `não`).
    const TRUE: [&str; 17] = [
        "true",
        "t",
        "yes",
        "y",
        "on",
        "ja",
        "j",
        "wahr",
        "oui",
        "vrai",
        "si",
        "sí",
        "sì",
        "verdadero",
        "vero",
        "sim",
        "waar",
    ];
    const FALSE: [&str; 14] = [
        "false", "f", "no", "n", "off", "nein", "falsch", "non", "faux", "falso", "nee", "onwaar",
        "não", "nao",
    ];
    if text.len() > 10 {
        return None;
    }
    let same = |word: &&str| {
        if text.is_ascii() {
            word.eq_ignore_ascii_case(text)
        } else {
            text.to_lowercase() == **word
        }
    };
    if TRUE.iter().any(same) {
        Some(true)
    } else if FALSE.iter().any(same) {
        Some(false)
    } else {
        None
    }
}

/// A boolean in a field's own words (`trueValues`, `falseValues`); a side left out keeps the
/// usual words.
fn parse_boolean_with(
    text: &str,
    true_values: Option<&[String]>,
    false_values: Option<&[String]>,
) -> Result<bool, String> {
    let matches = |words: &[String]| words.iter().any(|word| word.eq_ignore_ascii_case(text));
    let is_true = true_values.map_or_else(|| parse_boolean(text) == Ok(true), matches);
    let is_false = false_values.map_or_else(|| parse_boolean(text) == Ok(false), matches);
    match (is_true, is_false) {
        (true, false) => Ok(true),
        (false, true) => Ok(false),
        _ => {
            let shown = |words: Option<&[String]>, usual: &str| {
                words.map_or_else(|| usual.to_string(), |words| words.join(", "))
            };
            Err(format!(
                "expected one of: {} (true) or {} (false)",
                shown(true_values, "true, yes, y, 1"),
                shown(false_values, "false, no, n, 0")
            ))
        }
    }
}

fn parse_boolean(text: &str) -> Result<bool, String> {
    match text {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => parse_boolean_word(text)
            .ok_or_else(|| "expected true or false (also yes/no, y/n, 1/0)".to_string()),
    }
}

static TIME_SUFFIX: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)[ T](\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[ap]m)?)(?:\s?(?:Z|UTC|[+-]\d{2}:?\d{2}))?$")
        .expect("a valid expression")
});

thread_local! {
    /// Each thread's copy of [`TIME_SUFFIX`]: a regex shared by threads has them queue for its
    /// caches (stage 1 profiles columns on several threads).
    static TIME_SUFFIX_HERE: regex::Regex = TIME_SUFFIX.clone();
}

/// Splits `2024-01-31 14:30`, `31/01/2024T14:30:00Z` into the date part and whether a time
/// follows. Text that is not shaped like a date gives `None`.
/// True for a time of day (after a date: `0:00:00`, `00:00`, `T00:00:00Z`) that is midnight.
pub fn is_midnight(time_text: &str) -> bool {
    let (time_only, _) = split_offset(time_text.trim_start_matches(['T', ' ']));
    parse_time(time_only) == Some(NaiveTime::MIN)
}

pub fn split_date_time(text: &str) -> Option<(&str, bool)> {
    let text = text.trim();
    // Every date form starts with a digit or a month name, and has digits.
    if !text.contains(|character: char| character.is_ascii_digit()) {
        return None;
    }
    if !text.starts_with(|character: char| character.is_ascii_alphanumeric())
        || text.len() < 6
        || text.len() > 40
    {
        return None;
    }
    let time = TIME_SUFFIX_HERE.with(|suffix| suffix.find(text).map(|found| found.start()));
    match time {
        Some(start) if start > 0 => Some((&text[..start], true)),
        _ => Some((text, false)),
    }
}

/// A date whose form says which part is which: ISO (`2024-01-31`, `2024/01/31`, `2024.01.31`).
pub fn iso_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() < 8 || !bytes[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    // The usual form, YYYY-MM-DD, read directly: this runs once per date cell.
    if bytes.len() == 10 && matches!(bytes[4], b'-' | b'/' | b'.') && bytes[7] == bytes[4] {
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            bytes[range].iter().try_fold(0u32, |total, &byte| {
                byte.is_ascii_digit()
                    .then(|| total * 10 + u32::from(byte - b'0'))
            })
        };
        return NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?);
    }
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
        .iter()
        .find_map(|form| NaiveDate::parse_from_str(text, form).ok())
        .filter(|_| text.len() >= 8 && text.as_bytes()[4].is_ascii_punctuation())
}

/// The year of a two-digit year, as spreadsheets read one: 00-29 are the 2000s, 30-99 the 1900s
/// (Excel's and LibreOffice's default). A four-digit year is itself.
pub fn full_year(digits: &str) -> Option<i32> {
    let year: i32 = digits.parse().ok()?;
    match digits.len() {
        2 if year < 30 => Some(2000 + year),
        2 => Some(1900 + year),
        4 => Some(year),
        _ => None,
    }
}

/// Month names in English, German, French, Spanish, Italian, Dutch and Portuguese, without
/// accents; a word is a month when it is one of these or the start (three letters or more) of
/// one, and of one month only (`jui` is juin or juillet: neither).
const MONTH_NAMES: [&[&str]; 12] = [
    &[
        "january", "januar", "janner", "janvier", "enero", "gennaio", "januari", "janeiro",
    ],
    &[
        "february",
        "februar",
        "fevrier",
        "febrero",
        "febbraio",
        "februari",
        "fevereiro",
    ],
    &[
        "march", "marz", "mrz", "mars", "marzo", "maart", "mrt", "marco",
    ],
    &["april", "avril", "abril", "aprile"],
    &["may", "mai", "mayo", "maggio", "mei", "maio"],
    &["june", "juni", "juin", "junio", "giugno", "junho"],
    &["july", "juli", "juillet", "julio", "luglio", "julho"],
    &["august", "aout", "agosto", "augustus"],
    &[
        "september",
        "septembre",
        "septiembre",
        "setiembre",
        "settembre",
        "setembro",
    ],
    &[
        "october", "oktober", "octobre", "octubre", "ottobre", "outubro",
    ],
    &["november", "novembre", "noviembre", "novembro"],
    &[
        "december",
        "dezember",
        "decembre",
        "diciembre",
        "dicembre",
        "dezembro",
    ],
];

/// The month (1-12) a word names, or none.
fn month_of(word: &str) -> Option<u32> {
    let word = crate::vocabulary::fold(word.trim_end_matches('.'));
    if word.chars().count() < 3 || !word.chars().all(char::is_alphabetic) {
        return None;
    }
    let mut found = None;
    for (index, names) in MONTH_NAMES.iter().enumerate() {
        if names.iter().any(|name| name.starts_with(word.as_str())) {
            if found.is_some_and(|known| known != index) {
                return None;
            }
            found = Some(index);
        }
    }
    found.map(|index| index as u32 + 1)
}

/// A date with the month in words, in any of seven languages (`31 Jan 2024`, `Jan 31, 2024`,
/// `23-Sep-11`, `1. März 2024`, `31 de enero de 2024`, `Mon, 31 Jan 2024`); a two-digit year
/// by [`full_year`].
pub fn textual_date(text: &str) -> Option<NaiveDate> {
    // Cheap refusal first (this runs on every text cell when columns are profiled): a digit,
    // and a word of three letters or more.
    if !text.contains(|character: char| character.is_ascii_digit())
        || !text
            .split(|character: char| !character.is_alphabetic())
            .any(|word| word.chars().count() >= 3)
    {
        return None;
    }
    let mut words: Vec<&str> = text
        .split(|character: char| {
            character.is_whitespace() || matches!(character, '-' | '/' | ',' | '.')
        })
        .filter(|word| !word.is_empty())
        .filter(|word| {
            !["de", "del", "of", "du", "di", "the"].contains(&word.to_lowercase().as_str())
        })
        .collect();
    // A weekday in front (`Mon, 31 Jan 2024`, `Montag, 1. März`).
    if words.len() == 4 && words[0].chars().all(char::is_alphabetic) && month_of(words[0]).is_none()
    {
        words.remove(0);
    }
    let [first, second, third] = words.as_slice() else {
        return None;
    };
    let day_of = |word: &str| -> Option<u32> {
        let digits = word.trim_end_matches(|character: char| character.is_alphabetic());
        let ordinal = &word[digits.len()..];
        if digits.is_empty()
            || digits.len() > 2
            || !digits.bytes().all(|byte| byte.is_ascii_digit())
            || !["", "st", "nd", "rd", "th", "er", "e", "o", "a"]
                .contains(&ordinal.to_lowercase().as_str())
        {
            return None;
        }
        digits.parse().ok()
    };
    let year_of = |word: &str| -> Option<i32> {
        word.bytes()
            .all(|byte| byte.is_ascii_digit())
            .then(|| full_year(word))
            .flatten()
    };
    let (day, month, year) = if let Some(month) = month_of(first) {
        (day_of(second)?, month, year_of(third)?)
    } else if let Some(month) = month_of(second) {
        if first.len() == 4 {
            // 2024-Jan-31
            (day_of(third)?, month, year_of(first)?)
        } else {
            (day_of(first)?, month, year_of(third)?)
        }
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Whether a date's own form settles how to read it (ISO or month in words): `Ymd` for ISO.
pub fn unambiguous_date_form(text: &str) -> Option<DateOrder> {
    if iso_date(text).is_some() {
        Some(DateOrder::Ymd)
    } else if textual_date(text).is_some() {
        // Month in words: nothing to decide, and no evidence about numeric dates either.
        None
    } else {
        None
    }
}

/// `a/b/year` (or with `.` or `-`, a two- or four-digit year) read in the given order.
pub fn parse_date_in_order(text: &str, order: DateOrder) -> Option<NaiveDate> {
    if order == DateOrder::Ymd {
        return iso_date(text);
    }
    let separator = text
        .chars()
        .find(|character| matches!(character, '/' | '.' | '-'))?;
    let parts: Vec<&str> = text.split(separator).collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit()))
    {
        return None;
    }
    if parts[0].len() > 2 || parts[1].len() > 2 || !matches!(parts[2].len(), 2 | 4) {
        return None;
    }
    // Dots are day first wherever dates are written with them (05.03.2013 is 5 March); with a
    // two-digit year they are a date only written in full, `05.03.13`: `2.2.20` is a code.
    if separator == '.'
        && (order == DateOrder::Mdy
            || (parts[2].len() == 2 && (parts[0].len() < 2 || parts[1].len() < 2)))
    {
        return None;
    }
    let first: u32 = parts[0].parse().ok()?;
    let second: u32 = parts[1].parse().ok()?;
    let year = full_year(parts[2])?;
    let (day, month) = if order == DateOrder::Dmy {
        (first, second)
    } else {
        (second, first)
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

fn parse_date(text: &str, format: Option<&str>, style: &TextStyle) -> Result<NaiveDate, String> {
    if let Some(format) = format {
        return NaiveDate::parse_from_str(text, format)
            .map_err(|_| format!("expected a date in the form {format}"));
    }
    // A date-time at midnight (`5/19/2006 0:00:00`, as Excel and many exports write a date) is
    // that date; any other time of day is an error that says so.
    if let Some((date_part, true)) = split_date_time(text) {
        let time_text = text[date_part.len()..].trim_start_matches(['T', ' ']);
        let (time_only, _) = split_offset(time_text);
        let date = parse_date(date_part.trim_end(), None, style)?;
        return match parse_time(time_only) {
            Some(time) if time == NaiveTime::MIN => Ok(date),
            Some(_) => Err(format!(
                "has a time of day ({}) where a date is expected: make the field a datetime, or export the dates without times",
                time_text.trim()
            )),
            None => Err("expected a date such as 2024-01-31".to_string()),
        };
    }
    if let Some(date) = iso_date(text).or_else(|| textual_date(text)) {
        return Ok(date);
    }
    let day_first = parse_date_in_order(text, DateOrder::Dmy);
    let month_first = parse_date_in_order(text, DateOrder::Mdy);
    match (style.date_order, day_first, month_first) {
        (Some(DateOrder::Dmy), Some(date), _) | (Some(DateOrder::Mdy), _, Some(date)) => Ok(date),
        (Some(DateOrder::Dmy), None, Some(_)) => {
            Err("expected a day-first date (dd/mm/yyyy) like the rest of the column".to_string())
        }
        (Some(DateOrder::Mdy), Some(_), None) => {
            Err("expected a month-first date (mm/dd/yyyy) like the rest of the column".to_string())
        }
        (None, Some(date), None) | (None, None, Some(date)) => Ok(date),
        (None, Some(day), Some(month)) if day == month => Ok(day),
        (None, Some(day), Some(month)) => Err(format!(
            "is ambiguous: {} or {}; pass --date-order dmy or mdy",
            day.format("%-d %B %Y"),
            month.format("%-d %B %Y")
        )),
        _ => Err("expected a date such as 2024-01-31".to_string()),
    }
}

static OFFSET: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\s?([+-])(\d{2}):?(\d{2})$").expect("a valid expression")
});

/// `14:30Z`, `14:30 UTC`, `14:30+02:00`: the time and the zone's offset from UTC in seconds.
fn split_offset(text: &str) -> (&str, i64) {
    if let Some(time) = text.strip_suffix('Z').or_else(|| text.strip_suffix("UTC")) {
        return (time.trim_end(), 0);
    }
    let Some(captures) = OFFSET.captures(text) else {
        return (text, 0);
    };
    let number = |index: usize| {
        captures
            .get(index)
            .and_then(|part| part.as_str().parse::<i64>().ok())
            .unwrap_or(0)
    };
    let sign = if &captures[1] == "-" { -1 } else { 1 };
    let start = captures.get(0).map_or(text.len(), |whole| whole.start());
    (&text[..start], sign * (number(2) * 3600 + number(3) * 60))
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    let text = text.trim().replace(',', ".");
    [
        "%H:%M:%S%.f",
        "%H:%M",
        "%I:%M %p",
        "%I:%M:%S %p",
        "%I:%M%p",
        "%I:%M:%S%p",
    ]
    .iter()
    .find_map(|form| NaiveTime::parse_from_str(&text, form).ok())
}

fn parse_datetime(
    text: &str,
    format: Option<&str>,
    style: &TextStyle,
) -> Result<NaiveDateTime, String> {
    if let Some(format) = format {
        return NaiveDateTime::parse_from_str(text, format)
            .map_err(|_| format!("expected a date and time in the form {format}"));
    }
    // The usual form, YYYY-MM-DD HH:MM:SS (or with T), read directly.
    let bytes = text.as_bytes();
    if bytes.len() == 19
        && matches!(bytes[10], b' ' | b'T')
        && bytes[13] == b':'
        && bytes[16] == b':'
    {
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            bytes[range].iter().try_fold(0u32, |total, &byte| {
                byte.is_ascii_digit()
                    .then(|| total * 10 + u32::from(byte - b'0'))
            })
        };
        if let (Some(date), Some(hour), Some(minute), Some(second)) = (
            iso_date(&text[..10]),
            number(11..13),
            number(14..16),
            number(17..19),
        ) && let Some(time) = NaiveTime::from_hms_opt(hour, minute, second)
        {
            return Ok(date.and_time(time));
        }
    }
    // An explicit offset is honoured: the value is stored in UTC.
    if let Ok(with_offset) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(with_offset.naive_utc());
    }
    let expected = || "expected a date and time such as 2024-01-31 14:30:00".to_string();
    let (date_part, with_time) = split_date_time(text).ok_or_else(expected)?;
    let date = parse_date(date_part, None, style).map_err(|reason| {
        if reason.starts_with("is ambiguous")
            || reason.starts_with("expected a day")
            || reason.starts_with("expected a month")
        {
            reason
        } else {
            expected()
        }
    })?;
    if !with_time {
        return Ok(date.and_time(NaiveTime::MIN));
    }
    let time_text = text[date_part.len()..].trim_start_matches(['T', ' ']);
    let (time_text, offset_seconds) = split_offset(time_text);
    let time = parse_time(time_text).ok_or_else(expected)?;
    // A zone is honoured: the value is stored in UTC.
    Ok(date.and_time(time) - chrono::Duration::seconds(offset_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(field_type: FieldType, text: &str, expected: &str) {
        let shown = match parse_text(field_type, None, text, &TextStyle::default()) {
            Ok(value) => format!("{value:?}"),
            Err(reason) => format!("error: {reason}"),
        };
        assert_eq!(shown, expected, "{text:?} as {field_type:?}");
    }

    #[test]
    fn numbers_are_exact() {
        let point = "error: expected a number such as 1,234.56 (decimal point)";
        check(FieldType::Number, "12.50", "Decimal(12.50)");
        check(FieldType::Number, " -0.1 ", "Decimal(-0.1)");
        check(FieldType::Number, "+3", "Decimal(3)");
        check(FieldType::Number, "1.5e3", "Decimal(1500)");
        check(FieldType::Number, ".5", "Decimal(0.5)");
        check(FieldType::Number, "1,234.00", "Decimal(1234.00)");
        check(FieldType::Number, "1,234,567", "Decimal(1234567)");
        check(FieldType::Number, "$1,200.00", "Decimal(1200.00)");
        check(FieldType::Number, "(12.50)", "Decimal(-12.50)");
        check(FieldType::Number, "1 234.5", "Decimal(1234.5)");
        check(FieldType::Number, "12 EUR", "Decimal(12)");
        check(FieldType::Number, "12,34", point);
        check(FieldType::Number, "1,23,456", point);
        check(FieldType::Number, "abc", point);
        check(FieldType::Number, ".", point);
        check(FieldType::Number, "NaN", point);
        check(FieldType::Number, "1.2.3", point);
    }

    #[test]
    fn decimal_comma_columns() {
        let comma = TextStyle {
            decimal_comma: true,
            ..TextStyle::default()
        };
        let read = |text: &str| match parse_text(FieldType::Number, None, text, &comma) {
            Ok(value) => format!("{value:?}"),
            Err(reason) => format!("error: {reason}"),
        };
        assert_eq!(read("12,50"), "Decimal(12.50)");
        assert_eq!(read("1.234,56"), "Decimal(1234.56)");
        assert_eq!(read("1 234,56 €"), "Decimal(1234.56)");
        assert_eq!(read("-0,5"), "Decimal(-0.5)");
        assert_eq!(
            read("1,234.56"),
            "error: expected a number such as 1.234,56 (decimal comma)"
        );
    }

    #[test]
    fn dates_follow_the_column_order() {
        let order = |date_order| TextStyle {
            date_order,
            ..TextStyle::default()
        };
        let read =
            |text: &str, style: TextStyle| match parse_text(FieldType::Date, None, text, &style) {
                Ok(value) => value.to_string(),
                Err(reason) => format!("error: {reason}"),
            };
        assert_eq!(
            read("03/04/2024", order(Some(DateOrder::Dmy))),
            "2024-04-03"
        );
        assert_eq!(
            read("03/04/2024", order(Some(DateOrder::Mdy))),
            "2024-03-04"
        );
        assert_eq!(
            read("03/04/2024", order(None)),
            "error: is ambiguous: 3 April 2024 or 4 March 2024; pass --date-order dmy or mdy"
        );
        assert_eq!(read("25/12/2024", order(None)), "2024-12-25");
        assert_eq!(
            read("12/25/2024", order(Some(DateOrder::Dmy))),
            "error: expected a day-first date (dd/mm/yyyy) like the rest of the column"
        );
        assert_eq!(read("05.05.24", order(None)), "2024-05-05");
        assert_eq!(read("31 Jan 2024", order(None)), "2024-01-31");
        assert_eq!(read("Jan 31, 2024", order(None)), "2024-01-31");
        assert_eq!(
            read("2024/01/31", order(Some(DateOrder::Mdy))),
            "2024-01-31"
        );
    }

    #[test]
    fn integers_keep_their_order_in_the_unique_table_but_do_not_pile_up() {
        // Consecutive integers: each aligned run of 16 in 16 neighbouring places.
        const PLACE: u64 = 0x01FF_FFFF_FFFF_FFFF;
        for value in 0..70_000u64 {
            assert_eq!(
                spread(value) & PLACE,
                (spread(value & !15) & PLACE) + (value & 15)
            );
        }
        let tags: std::collections::HashSet<u64> =
            (0..1_000).map(|value| spread(value) >> 57).collect();
        assert!(tags.len() > 100, "{} tags", tags.len());
        // The 62,500 runs of a million ascending ids spread over the 131,072 groups of 16 places
        // of a 2²¹-slot table as random places would (about 49,700 groups taken, not a few).
        let groups: std::collections::HashSet<u64> = (0..1_000_000u64)
            .step_by(16)
            .map(|value| (spread(value) & ((1 << 21) - 1)) >> 4)
            .collect();
        assert!(groups.len() > 48_000, "{} groups", groups.len());
        // Integers that differ only high up land in different places of a 2²¹-slot table.
        for step in [1u64 << 16, 1 << 20, 1 << 21, 1 << 32, 1_000_000_000_000] {
            let places: std::collections::HashSet<u64> = (0..1_000)
                .map(|value| spread(value * step) & ((1 << 21) - 1))
                .collect();
            assert!(places.len() > 950, "step {step}: {} places", places.len());
        }
        // Each integer is its own key: the index tells them apart exactly, whether it has a
        // place near the first one seen or is in the table of the others.
        let mut index = UniqueIndex::integers();
        let key = |value: i64| [value as u64, 0];
        assert_eq!(index.first_row(key(5), 2), None);
        assert_eq!(index.first_row(key(-5), 3), None);
        assert_eq!(index.first_row(key(5), 4), Some(2));
        for (value, row) in [
            (i64::MIN, 5),
            (i64::MAX, 6),
            (5 + (1 << 20), 7),
            (5 - (1 << 20), 8),
        ] {
            assert_eq!(index.first_row(key(value), row), None, "{value}");
        }
        for (value, first) in [
            (i64::MIN, 5),
            (i64::MAX, 6),
            (5 + (1 << 20), 7),
            (5 - (1 << 20), 8),
            (-5, 3),
        ] {
            assert_eq!(index.first_row(key(value), 100), Some(first), "{value}");
        }
        let UniqueIndex::Integers { dense, others } = &index else {
            unreachable!("an index of integers")
        };
        assert_eq!((dense.first_rows.len(), others.len()), ((1 << 19) + 1, 4));
        // Made room for more rows, it gives places further out; a value already in the table
        // stays found there.
        index.reserve(1 << 21);
        assert_eq!(index.first_row(key(5 + (1 << 20)), 101), Some(7));
        assert_eq!(index.first_row(key(5 + (1 << 21)), 102), None);
        assert_eq!(index.first_row(key(5 + (1 << 21)), 103), Some(102));
    }

    #[test]
    fn plain_decimals_keep_sign_scale_and_zeros() {
        for text in [
            "-0",
            "-0.00",
            "0.0",
            "007.50",
            "971.96",
            "-12",
            "123456789012345678",
            "-1234567890123456789.5",
            "999999999999999999",
        ] {
            assert_eq!(
                plain_decimal(text).map(|number| number.serialize()),
                Decimal::from_str_exact(text)
                    .ok()
                    .map(|number| number.serialize()),
                "{text}"
            );
        }
    }

    /// The first version of `plain_email`, written plainly: the quick one must agree with it.
    fn plain_email_by_parts(text: &str) -> bool {
        const USER_SYMBOLS: &[u8] = b".!#$%&'*+/=?^_`{|}~-";
        let Some((user, domain)) = text.rsplit_once('@') else {
            return false;
        };
        let label = |label: &str| {
            let bytes = label.as_bytes();
            (1..=63).contains(&bytes.len())
                && bytes[0].is_ascii_alphanumeric()
                && bytes[bytes.len() - 1].is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|&byte| byte.is_ascii_alphanumeric() || byte == b'-')
        };
        (1..=64).contains(&user.len())
            && user
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || USER_SYMBOLS.contains(&byte))
            && domain.len() <= 255
            && domain.split('.').all(label)
    }

    #[test]
    fn plain_emails_are_what_validator_accepts() {
        let addresses = [
            "buyer1@example.com",
            "a.b-c+d@mail.example.co.uk",
            "x@y",
            "@example.com",
            "user@",
            "user@.example.com",
            "user@example..com",
            "user@-example.com",
            "user@example-.com",
            "us er@example.com",
            "user@exa_mple.com",
            "a@b@example.com",
            "user@[127.0.0.1]",
            "user@bücher.de",
            "\"quoted\"@example.com",
            "user@example.com ",
            "o'brien{x}@example.com",
        ];
        let long_user = format!("{}@example.com", "u".repeat(65));
        let long_label = format!("user@{}.com", "l".repeat(64));
        for address in addresses
            .iter()
            .copied()
            .chain([long_user.as_str(), long_label.as_str()])
        {
            // The quick check never accepts what validator refuses.
            assert!(
                !plain_email(address) || address.validate_email(),
                "{address}"
            );
            assert_eq!(
                plain_email(address),
                plain_email_by_parts(address),
                "{address}"
            );
        }
        assert!(plain_email("buyer1@example.com"));
        assert!(!plain_email("user@bücher.de"));
    }

    #[test]
    fn integers() {
        check(FieldType::Integer, "42", "Integer(42)");
        check(FieldType::Integer, "12.00", "Integer(12)");
        check(FieldType::Integer, "-7", "Integer(-7)");
        check(
            FieldType::Integer,
            "1.5",
            "error: expected a whole number, not a fraction",
        );
        check(
            FieldType::Integer,
            "ten",
            "error: expected a whole number such as 42",
        );
        check(
            FieldType::Integer,
            "99999999999999999999",
            "error: is too large for a whole number",
        );
    }

    #[test]
    fn month_names_and_two_digit_years_are_read_as_spreadsheets_read_them() {
        for (text, expected) in [
            ("23-Sep-11", "Date(2011-09-23)"),
            ("23-Sep-1911", "Date(1911-09-23)"),
            ("1-Jan-30", "Date(1930-01-01)"),
            ("31-Dec-29", "Date(2029-12-31)"),
            ("31 Jan 2024", "Date(2024-01-31)"),
            ("Jan 31, 2024", "Date(2024-01-31)"),
            ("January 31st, 2024", "Date(2024-01-31)"),
            ("Mon, 31 Jan 2024", "Date(2024-01-31)"),
            ("1. März 2024", "Date(2024-03-01)"),
            ("1 mars 2024", "Date(2024-03-01)"),
            ("31 de enero de 2024", "Date(2024-01-31)"),
            ("5 giugno 2024", "Date(2024-06-05)"),
            ("12 mrt 2024", "Date(2024-03-12)"),
            ("3 de outubro de 2024", "Date(2024-10-03)"),
            ("14-juil-24", "Date(2024-07-14)"),
            ("2024-Jan-31", "Date(2024-01-31)"),
            ("31/01/24", "Date(2024-01-31)"),
            ("31/01/85", "Date(1985-01-31)"),
        ] {
            check(FieldType::Date, text, expected);
        }
        // `jui` is juin or juillet: no month; a year of three digits is no year.
        check(
            FieldType::Date,
            "14 jui 2024",
            "error: expected a date such as 2024-01-31",
        );
        check(
            FieldType::Date,
            "14 Jan 202",
            "error: expected a date such as 2024-01-31",
        );
    }

    #[test]
    fn a_date_time_at_midnight_is_its_date() {
        check(FieldType::Date, "5/19/2006 0:00:00", "Date(2006-05-19)");
        check(FieldType::Date, "2024-01-31 00:00", "Date(2024-01-31)");
        check(FieldType::Date, "2024-01-31T00:00:00", "Date(2024-01-31)");
        check(FieldType::Date, "1/31/2024 12:00:00 AM", "Date(2024-01-31)");
        check(
            FieldType::Date,
            "5/19/2006 14:30:00",
            "error: has a time of day (14:30:00) where a date is expected: make the field a datetime, or export the dates without times",
        );
        check(
            FieldType::Datetime,
            "5/19/2006 0:00:00",
            "DateTime(2006-05-19T00:00:00)",
        );
    }

    #[test]
    fn booleans_dates_datetimes() {
        check(FieldType::Boolean, "Yes", "Boolean(true)");
        check(FieldType::Boolean, "0", "Boolean(false)");
        check(
            FieldType::Boolean,
            "maybe",
            "error: expected true or false (also yes/no, y/n, 1/0)",
        );
        check(FieldType::Date, "2024-02-29", "Date(2024-02-29)");
        check(
            FieldType::Date,
            "2023-02-29",
            "error: expected a date such as 2024-01-31",
        );
        check(
            FieldType::Datetime,
            "2024-01-31T14:30:00Z",
            "DateTime(2024-01-31T14:30:00)",
        );
        check(
            FieldType::Datetime,
            "2024-01-31T14:30:00+02:00",
            "DateTime(2024-01-31T12:30:00)",
        );
        check(
            FieldType::Datetime,
            "2024-01-31 14:30",
            "DateTime(2024-01-31T14:30:00)",
        );
        check(
            FieldType::Datetime,
            "31/01/2024 14:30",
            "DateTime(2024-01-31T14:30:00)",
        );
        check(
            FieldType::Datetime,
            "01/31/2024 2:30 PM",
            "DateTime(2024-01-31T14:30:00)",
        );
        check(
            FieldType::Datetime,
            "2024-01-31 14:30:00 +01:00",
            "DateTime(2024-01-31T13:30:00)",
        );
        check(
            FieldType::Datetime,
            "2024-01-31 14:30 UTC",
            "DateTime(2024-01-31T14:30:00)",
        );
        check(
            FieldType::Datetime,
            "31/31/2024",
            "error: expected a date and time such as 2024-01-31 14:30:00",
        );
    }

    #[test]
    fn dates_in_a_declared_format() {
        assert_eq!(
            parse_text(
                FieldType::Date,
                Some("%d/%m/%Y"),
                "31/01/2024",
                &TextStyle::default()
            ),
            Ok(Value::Date(
                NaiveDate::from_ymd_opt(2024, 1, 31).expect("valid")
            ))
        );
    }

    #[test]
    fn spreadsheet_cells_keep_their_type() {
        assert_eq!(
            parse_cell(
                FieldType::Number,
                None,
                (&Cell::Float(0.1)).into(),
                &TextStyle::default()
            ),
            Ok(Value::Decimal(Decimal::new(1, 1)))
        );
        assert_eq!(
            parse_cell(
                FieldType::String,
                None,
                (&Cell::Int(1000000000000)).into(),
                &TextStyle::default()
            ),
            Ok(Value::Text("1000000000000".into()))
        );
        assert_eq!(
            parse_cell(
                FieldType::Integer,
                None,
                (&Cell::Error("#DIV/0!".into())).into(),
                &TextStyle::default()
            ),
            Err("is a spreadsheet error (#DIV/0!), not a value".to_string())
        );
    }

    proptest::proptest! {
        #[test]
        fn plain_decimals_are_read_as_rust_decimal_reads_them(text in "-?[0-9]{1,20}(\\.[0-9]{1,12})?") {
            // Longer text is left to the general reader.
            let exact = Decimal::from_str_exact(&text)
                .ok()
                .filter(|_| text.trim_start_matches('-').len() <= 28)
                .map(|number| number.serialize());
            proptest::prop_assert_eq!(plain_decimal(&text).map(|number| number.serialize()), exact, "{}", text);
        }

        #[test]
        fn plain_emails_are_emails_to_validator(text in "[a-z0-9.@_'+ü-]{0,30}(@[a-z0-9.-]{0,20})?") {
            proptest::prop_assert!(!plain_email(&text) || text.as_str().validate_email(), "{text}");
            proptest::prop_assert_eq!(plain_email(&text), plain_email_by_parts(&text), "{}", text);
        }

        #[test]
        fn any_text_reads_or_fails_cleanly(text in "\\PC{0,40}") {
            for field_type in [FieldType::String, FieldType::Integer, FieldType::Number, FieldType::Boolean, FieldType::Date, FieldType::Datetime] {
                let _ = parse_text(field_type, None, &text, &TextStyle::default());
                let _ = parse_text(field_type, Some("%d/%m/%Y %H:%M"), &text, &TextStyle { decimal_comma: true, guarded: false, date_order: Some(DateOrder::Dmy) });
            }
        }

        #[test]
        fn any_float_cell_reads_as_a_number(number in proptest::num::f64::ANY) {
            let read = parse_cell(FieldType::Number, None, (&Cell::Float(number)).into(), &TextStyle::default());
            if number.is_finite() && number.abs() < 1e20 && number.abs() > 1e-20 {
                proptest::prop_assert!(read.is_ok(), "{number}: {read:?}");
            }
        }
    }
}
