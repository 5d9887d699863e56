//! Records as the rest of intake takes them: one at a time ([`Records`] is an iterator), or a
//! batch at a time ([`Records::next_rows`]), where delimited text arrives as [`TextRows`]: every
//! field's text of thousands of rows in one buffer, read without a cell or a string per row.

use std::collections::VecDeque;

use super::{Cell, Record, SourceError};

/// A reader of one kind of file, from its first record (the header included) to its last.
pub trait ReadRecords: Send {
    /// The next record, blank rows left out; `None` after the last.
    fn next_record(&mut self) -> Option<Result<Record, SourceError>>;

    /// Up to `limit` records at once; `spare` is an emptied batch whose buffers a reader of text
    /// may fill again rather than allocate its own. The default reads records one by one.
    fn next_rows(&mut self, limit: usize, spare: TextRows) -> RowsRead {
        drop(spare);
        let mut records = Vec::with_capacity(limit.min(1024));
        while records.len() < limit {
            match self.next_record() {
                Some(Ok(record)) => records.push(record),
                Some(Err(error)) => {
                    return RowsRead {
                        rows: Rows::Cells(records),
                        failure: Some(error),
                        end: true,
                    };
                }
                None => {
                    return RowsRead {
                        rows: Rows::Cells(records),
                        failure: None,
                        end: true,
                    };
                }
            }
        }
        RowsRead {
            rows: Rows::Cells(records),
            failure: None,
            end: false,
        }
    }
}

/// What one call of [`Records::next_rows`] read: rows in file order, the read error that stopped
/// it (after those rows), and whether nothing more will come.
pub struct RowsRead {
    pub rows: Rows,
    pub failure: Option<SourceError>,
    pub end: bool,
}

/// The data records of a file still to be read: first those read ahead (to find the header and
/// profile the columns) and handed back, then the rest from the file.
pub struct Records {
    ahead: VecDeque<Result<Record, SourceError>>,
    rest: Option<Box<dyn ReadRecords>>,
    /// For UTF-8 text, the file's size in bytes: with the size of the rows read, how many rows
    /// to expect.
    text_bytes: Option<u64>,
}

impl Records {
    pub fn new(reader: impl ReadRecords + 'static) -> Records {
        Records {
            ahead: VecDeque::new(),
            rest: Some(Box::new(reader)),
            text_bytes: None,
        }
    }

    /// Records of UTF-8 text in a file of `bytes` bytes.
    pub fn with_text_bytes(mut self, bytes: u64) -> Records {
        self.text_bytes = Some(bytes);
        self
    }

    /// For UTF-8 text, the file's size in bytes.
    pub fn text_bytes(&self) -> Option<u64> {
        self.text_bytes
    }

    /// No records at all.
    pub fn empty() -> Records {
        Records {
            ahead: VecDeque::new(),
            rest: None,
            text_bytes: None,
        }
    }

    /// Puts records (or a read error) back in front of those still to be read, in their order.
    pub fn unread(&mut self, items: Vec<Result<Record, SourceError>>) {
        for item in items.into_iter().rev() {
            self.ahead.push_front(item);
        }
    }

    /// Up to `limit` records in file order. Records read ahead come first, in batches of their
    /// own; after a read error or the last record, `end` is set. `spare`: see
    /// [`ReadRecords::next_rows`].
    pub fn next_rows(&mut self, limit: usize, spare: TextRows) -> RowsRead {
        if !self.ahead.is_empty() {
            let mut records = Vec::with_capacity(limit.min(self.ahead.len()));
            while records.len() < limit {
                match self.ahead.pop_front() {
                    Some(Ok(record)) => records.push(record),
                    Some(Err(error)) => {
                        self.ahead.clear();
                        self.rest = None;
                        return RowsRead {
                            rows: Rows::Cells(records),
                            failure: Some(error),
                            end: true,
                        };
                    }
                    None => break,
                }
            }
            return RowsRead {
                rows: Rows::Cells(records),
                failure: None,
                end: false,
            };
        }
        match &mut self.rest {
            Some(rest) => {
                let read = rest.next_rows(limit, spare);
                if read.end {
                    self.rest = None;
                }
                read
            }
            None => RowsRead {
                rows: Rows::Cells(Vec::new()),
                failure: None,
                end: true,
            },
        }
    }
}

impl Iterator for Records {
    type Item = Result<Record, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(item) = self.ahead.pop_front() {
            return Some(item);
        }
        let next = self.rest.as_mut()?.next_record();
        if next.is_none() {
            self.rest = None;
        }
        next
    }
}

/// A batch of rows, as the file's reader gives them.
pub enum Rows {
    /// Records of cells: a workbook's, or those read ahead.
    Cells(Vec<Record>),
    /// Delimited text.
    Text(TextRows),
}

impl Rows {
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Rows::Cells(records) => records.len(),
            Rows::Text(rows) => rows.rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The row number and cells of the row at `index` of the batch.
    #[inline]
    pub fn row(&self, index: usize) -> (usize, RowCells<'_>) {
        match self {
            Rows::Cells(records) => {
                let record = &records[index];
                (record.row, RowCells::Cells(&record.cells))
            }
            Rows::Text(rows) => rows.row(index),
        }
    }
}

/// Rows of delimited text: every field's text one after another in one buffer, each followed by
/// one ASCII byte (a line of the file goes in as it is, its delimiters and line break separating
/// its fields), each field's end and each row's number beside it. Reading a million rows this
/// way allocates a few buffers, not a million records.
#[derive(Default)]
pub struct TextRows {
    text: String,
    /// The end of each field in `text`; the next field starts one byte after it.
    ends: Vec<usize>,
    /// Each row's number and the end of its fields in `ends`.
    rows: Vec<(usize, usize)>,
}

impl TextRows {
    /// Makes room for about `rows` more rows of `bytes` bytes of text in all.
    pub fn reserve(&mut self, rows: usize, bytes: usize) {
        self.text.reserve(bytes);
        self.ends.reserve(rows * 8);
        self.rows.reserve(rows);
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Empties the batch, keeping its buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.rows.clear();
    }

    /// A batch from its text, the end of each field in it, and each row's number and the end
    /// of its fields in `ends`.
    pub(super) fn from_parts(
        text: String,
        ends: Vec<usize>,
        rows: Vec<(usize, usize)>,
    ) -> TextRows {
        TextRows { text, ends, rows }
    }

    /// The parts of [`TextRows::from_parts`], to be filled again.
    pub(super) fn into_parts(self) -> (String, Vec<usize>, Vec<(usize, usize)>) {
        (self.text, self.ends, self.rows)
    }

    /// About how many bytes of the file each row took: its fields, a delimiter after each but
    /// the last, a line break (quotes not counted).
    pub fn bytes_per_row(&self) -> Option<usize> {
        self.text.len().checked_div(self.rows.len())
    }

    #[inline]
    pub fn row(&self, index: usize) -> (usize, RowCells<'_>) {
        let (row, fields_end) = self.rows[index];
        let fields_start = index.checked_sub(1).map_or(0, |before| self.rows[before].1);
        let text_start = fields_start
            .checked_sub(1)
            .map_or(0, |before| self.ends[before] + 1);
        (
            row,
            RowCells::Text {
                text: &self.text,
                start: text_start,
                ends: &self.ends[fields_start..fields_end],
            },
        )
    }
}

/// The cells of one row, wherever they are held.
#[derive(Debug, Clone, Copy)]
pub enum RowCells<'a> {
    Cells(&'a [Cell]),
    /// Fields of [`TextRows`]: the batch's text, where the row's first field starts, and the
    /// end of each of its fields.
    Text {
        text: &'a str,
        start: usize,
        ends: &'a [usize],
    },
}

impl<'a> RowCells<'a> {
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            RowCells::Cells(cells) => cells.len(),
            RowCells::Text { ends, .. } => ends.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn get(&self, index: usize) -> Option<CellRef<'a>> {
        match *self {
            RowCells::Cells(cells) => cells.get(index).map(CellRef::from),
            RowCells::Text { text, start, ends } => {
                let end = *ends.get(index)?;
                let start = index
                    .checked_sub(1)
                    .map_or(start, |before| ends[before] + 1);
                Some(CellRef::Text(&text[start..end]))
            }
        }
    }

    pub fn iter(self) -> impl Iterator<Item = CellRef<'a>> {
        (0..self.len()).filter_map(move |index| self.get(index))
    }
}

/// One cell, borrowed: text (an empty cell is empty text), or a typed spreadsheet cell.
#[derive(Debug, Clone, Copy)]
pub enum CellRef<'a> {
    Text(&'a str),
    Other(&'a Cell),
}

impl<'a> From<&'a Cell> for CellRef<'a> {
    #[inline]
    fn from(cell: &'a Cell) -> CellRef<'a> {
        match cell {
            Cell::Empty => CellRef::Text(""),
            Cell::Text(text) => CellRef::Text(text.as_str()),
            other => CellRef::Other(other),
        }
    }
}

impl CellRef<'_> {
    /// True for an empty cell or one holding only white space.
    pub fn is_blank(&self) -> bool {
        match self {
            CellRef::Text(text) => text.trim().is_empty(),
            CellRef::Other(cell) => cell.is_blank(),
        }
    }

    /// As [`Cell::to_text`].
    pub fn to_text(self) -> String {
        match self {
            CellRef::Text(text) => text.to_string(),
            CellRef::Other(cell) => cell.to_text(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rows_give_back_each_field() {
        let rows = TextRows::from_parts(
            "a,,ccc\ndd;\u{e9}\n".to_string(),
            vec![1, 2, 6, 9, 12],
            vec![(2, 3), (4, 3), (5, 5)],
        );
        let rows = Rows::Text(rows);
        let read: Vec<(usize, Vec<String>)> = (0..rows.len())
            .map(|index| {
                let (row, cells) = rows.row(index);
                (row, cells.iter().map(|cell| cell.to_text()).collect())
            })
            .collect();
        assert_eq!(
            read,
            vec![
                (2, vec!["a".to_string(), String::new(), "ccc".to_string()]),
                (4, vec![]),
                (5, vec!["dd".to_string(), "é".to_string()]),
            ]
        );
        assert!(rows.row(0).1.get(3).is_none());
        assert!(rows.row(0).1.get(1).is_some_and(|cell| cell.is_blank()));
    }

    #[test]
    fn records_read_ahead_come_first() {
        let record = |row: usize| Record {
            row,
            cells: vec![Cell::Int(row as i64)],
        };
        let mut records = Records::empty();
        records.unread(vec![Ok(record(3)), Ok(record(4))]);
        records.unread(vec![Ok(record(2))]);
        let first = records.next_rows(2, TextRows::default());
        assert_eq!(first.rows.len(), 2);
        assert!(!first.end);
        assert_eq!(records.next().map(|read| read.ok()), Some(Some(record(4))));
        let last = records.next_rows(2, TextRows::default());
        assert!(last.rows.is_empty() && last.end && last.failure.is_none());
    }
}
