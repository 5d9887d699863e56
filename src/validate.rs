//! Stage 2: every cell of every record read as its field's type and checked against the field's
//! constraints. Pure: no files, no database. A bad row is data, not a failure: each record gives
//! either a typed row or its errors, and the run goes on.

use std::collections::HashMap;
use std::fmt;

use chrono::Datelike;
use serde::{Deserialize, Serialize};
use validator::{ValidateEmail, ValidateUrl};

use crate::schema::{Field, Operand, Schema};
use crate::value::{
    FieldType, TextStyle, Value, parse_boolean, parse_boolean_with, parse_cell, parse_date,
    parse_datetime, parse_decimal, parse_integer, plain_email, unguarded,
};
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
    /// `columns` gives each field the index of the column that feeds it (`Mapping::field_columns`);
    /// `styles` has one entry per column (missing ones read in the default style).
    pub fn new(
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

#[cfg(test)]
mod tests;
