//! The indexes of stage 2's unique checks: the values seen in a unique field (or the fields
//! of the key), each with the first row that held it, kept small for millions of rows.

use std::collections::HashMap;

use chrono::Datelike;

use crate::value::Value;

/// Values seen in one unique field (or the fields of the key) → the first row of each.
pub(super) enum UniqueIndex {
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
    pub(super) fn integers() -> UniqueIndex {
        UniqueIndex::Integers {
            dense: Dense::default(),
            others: HashMap::default(),
        }
    }

    pub(super) fn hashes() -> UniqueIndex {
        UniqueIndex::Hashes(HashMap::default())
    }

    /// Records `row` as the first with `key` and gives `None`, or gives the first row when the
    /// key was seen before. An integer index takes the integer from the key's first word.
    pub(super) fn first_row(&mut self, key: [u64; 2], row: usize) -> Option<u32> {
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
    pub(super) fn reserve(&mut self, rows: usize) {
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
pub(super) struct Dense {
    /// The integer at place 0: half the limit below the first integer seen, so that ids going
    /// down have room too. `None` until then.
    low: Option<i64>,
    pub(super) first_rows: Vec<u32>,
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
pub(super) struct BuildFolded<const SPREAD: bool>;

pub(super) struct Folded<const SPREAD: bool>(u64);

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
pub(super) fn spread(value: u64) -> u64 {
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
