//! Files in: recognising the kind of file, its encoding and CSV dialect or its sheet, finding the
//! header (below any title rows), and yielding data records with the physical row numbers a
//! spreadsheet user sees. `delimited` reads text, `workbook` reads spreadsheets.
//!
//! Delimited text is streamed, so a large file is never held whole; a workbook sheet is loaded
//! by calamine and turned into records one row at a time.

mod delimited;
mod rows;
mod workbook;

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use compact_str::CompactString;

pub use delimited::{Dialect, detect_dialect};
pub use rows::{CellRef, ReadRecords, Records, RowCells, Rows, RowsRead, TextRows};
pub use workbook::{panic_text, panics_are_caught};

/// What a file holds in one cell, before any field type is applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Short text (up to 24 bytes, most cells) is held inline, without an allocation.
    Text(CompactString),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    /// A spreadsheet error cell such as `#DIV/0!`.
    Error(String),
}

impl Cell {
    /// True for an empty cell or one holding only white space.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as the user would read it: numbers without a spurious `.0`, dates in ISO form.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.to_string(),
            Cell::Int(number) => number.to_string(),
            // `{}` on f64 prints the shortest text that reads back as the same number.
            Cell::Float(number) => number.to_string(),
            Cell::Bool(value) => value.to_string(),
            Cell::Date(date) => date.format("%Y-%m-%d").to_string(),
            Cell::DateTime(datetime) => format_datetime(datetime),
            Cell::Error(error) => error.clone(),
        }
    }
}

/// ISO 8601 with a space, seconds always, fractions only when present.
pub fn format_datetime(datetime: &NaiveDateTime) -> String {
    let mut text = String::with_capacity(26);
    let _ = write_datetime(&mut text, datetime);
    text
}

/// A date in ISO form, `2024-01-31`, written directly (chrono's formatter reads its pattern
/// anew each time, which shows in a million rows); years outside 0-9999 through chrono.
pub fn write_date(out: &mut impl fmt::Write, date: &NaiveDate) -> fmt::Result {
    use chrono::Datelike;
    let year = date.year();
    if (0..=9999).contains(&year) {
        write!(out, "{year:04}-{:02}-{:02}", date.month(), date.day())
    } else {
        write!(out, "{}", date.format("%Y-%m-%d"))
    }
}

/// As [`format_datetime`], into `out`: seconds always, a fraction in 3, 6 or 9 digits when
/// there is one (as chrono's `%.f`).
pub fn write_datetime(out: &mut impl fmt::Write, datetime: &NaiveDateTime) -> fmt::Result {
    write_date(out, &datetime.date())?;
    write!(
        out,
        " {:02}:{:02}:{:02}",
        datetime.hour(),
        datetime.minute(),
        datetime.second()
    )?;
    let nanos = datetime.nanosecond() % 1_000_000_000;
    if nanos == 0 {
        Ok(())
    } else if nanos.is_multiple_of(1_000_000) {
        write!(out, ".{:03}", nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        write!(out, ".{:06}", nanos / 1_000)
    } else {
        write!(out, ".{nanos:09}")
    }
}

/// One data row: its physical row number (1-based, as a spreadsheet shows it) and its cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub row: usize,
    pub cells: Vec<Cell>,
}

/// `D7`: a spreadsheet's name for the cell in column index 3 (0-based) on row 7.
pub fn cell_name(column_index: usize, row: usize) -> String {
    let mut letters = Vec::new();
    let mut number = column_index + 1;
    while number > 0 {
        let remainder = (number - 1) % 26;
        letters.push(b'A' + remainder as u8);
        number = (number - 1) / 26;
    }
    letters.reverse();
    format!("{}{row}", String::from_utf8_lossy(&letters))
}

/// The most columns a table may have: as many as Excel and LibreOffice hold (XFD).
pub const MOST_COLUMNS: usize = 16_384;

/// The kind of file, as recognised from its bytes and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Spreadsheet,
}

impl fmt::Display for Format {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Format::Csv => "csv",
            Format::Spreadsheet => "spreadsheet",
        })
    }
}

/// How to read a file; each `Some` overrides what would be detected.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// A sheet name, or its 1-based position among the workbook's sheets.
    pub sheet: Option<String>,
    /// 1-based physical row of the header.
    pub header_row: Option<usize>,
    pub delimiter: Option<u8>,
    pub quote: Option<u8>,
    /// An encoding label such as `utf-8`, `windows-1252`, `latin1`, `utf-16le`.
    pub encoding: Option<String>,
}

/// A failure to read a file, with where it happened and what to do.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{file}: cannot open the file: {reason}")]
    Open { file: String, reason: String },
    #[error("{file}: the file is empty: export the data again, with a header row and data rows")]
    Empty { file: String },
    #[error(
        "{file}: this does not look like a spreadsheet ({what}); intake reads CSV or TSV text and xlsx, xlsm, xls, xlsb or ods workbooks"
    )]
    NotASpreadsheet { file: String, what: String },
    #[error(
        "{file}{sheet}: no header row found{detail}: give the file a header row, or name it with --header-row"
    )]
    NoHeader {
        file: String,
        sheet: SheetLabel,
        detail: String,
    },
    #[error(
        "{file}{sheet}: the header on row {header_row} has no data rows under it: nothing to import{other_sheets}"
    )]
    NoData {
        file: String,
        sheet: SheetLabel,
        header_row: usize,
        /// For a workbook with several sheets: which others there are.
        other_sheets: String,
    },
    #[error("{file}: sheet {wanted:?} not found; the workbook's sheets are: {available}")]
    NoSuchSheet {
        file: String,
        wanted: String,
        available: String,
    },
    #[error(
        "{file}{sheet}: the header on row {header_row} has {columns} columns, more than the {MOST_COLUMNS} a spreadsheet holds and intake reads: if the delimiter was read wrong, name it with --delimiter; otherwise split the file"
    )]
    TooWide {
        file: String,
        sheet: SheetLabel,
        header_row: usize,
        columns: usize,
    },
    #[error(
        "{file}: the record that starts on row {row} is longer than 64 MB: most often a quote that is never closed; check the quotes from row {row} on, or name the quote character with --quote"
    )]
    RecordTooLong { file: String, row: usize },
    #[error("{file}{sheet}: {reason}")]
    Workbook {
        file: String,
        sheet: SheetLabel,
        reason: String,
    },
    #[error(
        "{file}: row {row}, column {column}: the text is not valid {encoding}: name the file's encoding with --encoding (windows-1252 for most Excel exports), or save it as UTF-8"
    )]
    NotUtf8 {
        file: String,
        row: usize,
        column: usize,
        encoding: &'static str,
    },
    #[error(
        "{file}: unknown encoding {encoding:?}: use a label such as utf-8, windows-1252, latin1, iso-8859-15, utf-16le, shift_jis"
    )]
    Encoding { file: String, encoding: String },
    #[error("{file}: row {row}: malformed CSV: {reason}")]
    Csv {
        file: String,
        row: usize,
        reason: String,
    },
}

/// `, sheet "Name"` after a file name in a message, or nothing for a CSV.
#[derive(Debug, Clone, Default)]
pub struct SheetLabel(pub Option<String>);

impl fmt::Display for SheetLabel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(sheet) => write!(formatter, ", sheet {sheet:?}"),
            None => Ok(()),
        }
    }
}

/// An opened file: what was detected, the header, and the data records still to read.
pub struct Table {
    pub file: String,
    pub format: Format,
    pub sheet: Option<String>,
    /// Every sheet of a workbook, in order; empty for a CSV.
    pub sheets: Vec<String>,
    pub delimiter: Option<u8>,
    pub quote: Option<u8>,
    /// The encoding's name (`UTF-8`, `windows-1252`, `UTF-16LE`); none for a workbook.
    pub encoding: Option<&'static str>,
    pub header_row: usize,
    pub headers: Vec<String>,
    /// The non-blank rows above the header, which are not data.
    pub skipped: Vec<SkippedRow>,
    /// The data records, blank rows left out, each at most once.
    pub records: Records,
    /// Why this sheet was read rather than the first, when intake chose it by fit.
    pub sheet_reason: Option<String>,
}

/// What a reader found before the header is looked for: every record, the header included.
struct Opened {
    records: Records,
    sheet: Option<String>,
    sheets: Vec<String>,
    delimiter: Option<u8>,
    quote: Option<u8>,
    encoding: Option<&'static str>,
}

impl fmt::Debug for Table {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Table")
            .field("file", &self.file)
            .field("format", &self.format)
            .field("sheet", &self.sheet)
            .field("header_row", &self.header_row)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// Opens a CSV/TSV or a workbook, detects what it is, finds the header and returns the records
/// still to be read. Fails when there is no header or no data row under it.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Table, SourceError> {
    let file = path.display().to_string();
    let open_error = |error: std::io::Error| SourceError::Open {
        file: file.clone(),
        reason: error.to_string(),
    };
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    File::open(path)
        .and_then(|handle| handle.take(SAMPLE_BYTES as u64).read_to_end(&mut sample))
        .map_err(open_error)?;
    if sample.is_empty() {
        return Err(SourceError::Empty { file });
    }
    // A user who names a UTF-16 encoding says the NUL bytes are text.
    let named_utf16 = options.encoding.as_deref().is_some_and(|label| {
        label
            .to_ascii_lowercase()
            .replace('_', "-")
            .contains("utf-16")
    });
    let sniffed = match sniff(&sample, path) {
        Sniffed::Binary(_) if named_utf16 => Sniffed::Text,
        other => other,
    };
    let (opened, format) = match sniffed {
        Sniffed::Workbook => (workbook::open(path, &file, options)?, Format::Spreadsheet),
        Sniffed::Text => {
            let handle = File::open(path).map_err(open_error)?;
            (
                delimited::open(handle, &sample, path, &file, options)?,
                Format::Csv,
            )
        }
        Sniffed::Binary(what) => return Err(SourceError::NotASpreadsheet { file, what }),
    };
    let sheet = SheetLabel(opened.sheet.clone());
    let Found {
        row: header_row,
        names: headers,
        skipped,
        mut records,
    } = find_header(opened.records, options.header_row, &file, &sheet)?;
    if headers.len() > MOST_COLUMNS {
        return Err(SourceError::TooWide {
            file,
            sheet,
            header_row,
            columns: headers.len(),
        });
    }
    let first = records.next();
    if first.is_none() {
        let others: Vec<String> = opened
            .sheets
            .iter()
            .enumerate()
            .filter(|(_, name)| Some(*name) != opened.sheet.as_ref())
            .map(|(index, name)| format!("{} {name:?}", index + 1))
            .collect();
        return Err(SourceError::NoData {
            file,
            sheet,
            header_row,
            other_sheets: if others.is_empty() {
                String::new()
            } else {
                format!(
                    " (other sheets: {}; choose one with --sheet)",
                    others.join(", ")
                )
            },
        });
    }
    Ok(Table {
        file,
        format,
        sheet: opened.sheet,
        sheets: opened.sheets,
        delimiter: opened.delimiter,
        quote: opened.quote,
        encoding: opened.encoding,
        header_row,
        headers,
        skipped,
        records: {
            records.unread(first.into_iter().collect());
            records
        },
        sheet_reason: None,
    })
}

/// The sheets of a workbook, in order; none for delimited text or a file that cannot be read.
pub fn sheet_names(path: &Path) -> Vec<String> {
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    let read = File::open(path)
        .and_then(|handle| handle.take(SAMPLE_BYTES as u64).read_to_end(&mut sample));
    match (read, sniff(&sample, path)) {
        (Ok(_), Sniffed::Workbook) => workbook::sheet_names(path),
        _ => Vec::new(),
    }
}

/// How much of a file is read up front to recognise it.
const SAMPLE_BYTES: usize = 64 * 1024;

enum Sniffed {
    Text,
    Workbook,
    Binary(String),
}
/// Decides from the first bytes (and only then the extension) what kind of file this is.
fn sniff(sample: &[u8], path: &Path) -> Sniffed {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    if sample.starts_with(ZIP) || sample.starts_with(OLE) {
        return Sniffed::Workbook;
    }
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    if matches!(
        extension.as_deref(),
        Some("xlsx" | "xlsm" | "xls" | "xlsb" | "ods")
    ) {
        return Sniffed::Binary(format!(
            "its name ends in .{} but its content is not a workbook",
            extension.unwrap_or_default()
        ));
    }
    for (magic, what) in [
        (&b"%PDF"[..], "a PDF document"),
        (&b"\x89PNG"[..], "a PNG image"),
        (&b"\xFF\xD8\xFF"[..], "a JPEG image"),
        (&b"GIF8"[..], "a GIF image"),
        (&b"\x1F\x8B"[..], "a gzip archive"),
    ] {
        if sample.starts_with(magic) {
            return Sniffed::Binary(what.to_string());
        }
    }
    let utf16 = sample.starts_with(b"\xFF\xFE")
        || sample.starts_with(b"\xFE\xFF")
        || delimited::utf16_without_bom(sample).is_some();
    if !utf16 && sample.contains(&0) {
        return Sniffed::Binary("binary content".to_string());
    }
    Sniffed::Text
}

/// How many non-blank rows at the top may be titles, notes or banners above the real header.
const HEADER_SEARCH: usize = 30;
/// How many rows under a candidate header show how wide the data is.
const DATA_SAMPLE: usize = 10;

/// Finds the header: the row on `header_row` when given, otherwise the row that best heads the
/// rows under it (see [`choose_header`]). Returns it, the non-blank rows above it that were
/// skipped, a sample of the rows under it, and the records under it.
fn find_header(
    mut records: Records,
    header_row: Option<usize>,
    file: &str,
    sheet: &SheetLabel,
) -> Result<Found, SourceError> {
    let no_header = |detail: String| SourceError::NoHeader {
        file: file.to_string(),
        sheet: sheet.clone(),
        detail,
    };
    let mut top = Vec::with_capacity(HEADER_SEARCH + DATA_SAMPLE);
    let chosen = if let Some(wanted) = header_row {
        let mut found = None;
        for record in records.by_ref() {
            let record = record?;
            let row = record.row;
            top.push(record);
            if row == wanted {
                found = Some(top.len() - 1);
                break;
            }
            if row > wanted {
                return Err(no_header(format!(" (row {wanted} is blank)")));
            }
        }
        let Some(found) = found else {
            return Err(no_header(format!(" (the file ends before row {wanted})")));
        };
        // A sample of the rows under the header, to see how wide the data is.
        for record in records.by_ref().take(DATA_SAMPLE) {
            top.push(record?);
        }
        found
    } else {
        for record in records.by_ref() {
            top.push(record?);
            if top.len() == HEADER_SEARCH + DATA_SAMPLE {
                break;
            }
        }
        if top.is_empty() {
            return Err(no_header(" (the file has no rows)".to_string()));
        }
        choose_header(&top)
    };
    let mut rest = top.split_off(chosen);
    let header = rest.remove(0);
    let skipped = top.iter().map(SkippedRow::of).collect();
    let names = header_names(&header.cells, &rest[..rest.len().min(DATA_SAMPLE)]);
    records.unread(rest.into_iter().map(Ok).collect());
    Ok(Found {
        row: header.row,
        names,
        skipped,
        records,
    })
}

/// The header [`find_header`] found, and what lies around it.
struct Found {
    row: usize,
    names: Vec<String>,
    skipped: Vec<SkippedRow>,
    records: Records,
}

/// A non-blank row above the header, left out of the data: a title, a note, a metadata line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SkippedRow {
    pub row: usize,
    /// Its filled cells, joined by `, ` and shortened.
    pub text: String,
}

impl SkippedRow {
    fn of(record: &Record) -> Self {
        let cells: Vec<String> = record
            .cells
            .iter()
            .filter(|cell| !cell.is_blank())
            .map(|cell| cell.to_text().trim().to_string())
            .collect();
        let text = cells.join(", ");
        let text = match text.char_indices().nth(SKIPPED_TEXT) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text,
        };
        SkippedRow {
            row: record.row,
            text,
        }
    }
}

/// How many characters of a skipped row are kept to name it.
const SKIPPED_TEXT: usize = 60;

/// The index of the row that best heads the rows under it. Each row with two filled cells or
/// more, one a label at least, is scored by the rows below it (within the rows read; a row
/// with none below is a candidate only when no other row is; with no candidate, the first row
/// is the header, so that a file of values alone loses no row but its first):
///
/// - each filled cell below one of its labels (text that is not a number or a date) counts 1
///   for it; below one of its numbers or dates, 1 against it (a row of values is data; years
///   and months such as `2019` or `2024-03` across a row count as labels); below one of its
///   blank cells (data it would leave unnamed), 1 against it;
/// - a label above a column of numbers or dates counts 2 more per value: the mark of a header
///   over data;
/// - a column below that mixes labels and values counts 3 against it per cell of the lesser
///   kind: a metadata block (`Key,Value`) or a title above a header has such columns.
///
/// The highest score wins, the earliest on a tie; titles, notes, metadata blocks, footnotes
/// and the end of a file therefore lose to the header of the table under them. A row that
/// names only some columns directly under one that names them all (units, groups) is a
/// second header line: the first is the header. A file of one column has its header on its
/// first row.
///
/// The weights were set on the cases of the unit tests below and checked on two sets written
/// apart (docs/architecture.md, "Header row").
pub fn choose_header(rows: &[Record]) -> usize {
    let kinds: Vec<Vec<Option<bool>>> = rows.iter().map(|row| cell_kinds(&row.cells)).collect();
    let mut best: Option<(i64, usize)> = None;
    for (index, candidate) in kinds.iter().enumerate().take(HEADER_SEARCH) {
        let no_label = !candidate.contains(&Some(true));
        if candidate.iter().flatten().count() < 2
            || no_label
            || (index + 1 == kinds.len() && best.is_some())
        {
            continue;
        }
        let below = &kinds[index + 1..];
        let width = below.iter().map(Vec::len).max().unwrap_or(0);
        let mut score: i64 = 0;
        for column in 0..width {
            let (mut labels, mut values) = (0i64, 0i64);
            for row in below {
                match row.get(column).copied().flatten() {
                    Some(true) => labels += 1,
                    Some(false) => values += 1,
                    None => {}
                }
            }
            match candidate.get(column).copied().flatten() {
                None => score -= labels + values,
                Some(false) => score -= labels + values + 3 * labels.min(values),
                Some(true) => {
                    score += labels + values - 3 * labels.min(values);
                    if values > 0 && labels * 10 <= values {
                        score += 2 * values;
                    }
                }
            }
        }
        if best.is_none_or(|(top, _)| score > top) {
            best = Some((score, index));
        }
    }
    let Some((_, mut chosen)) = best else {
        return 0;
    };
    while chosen > 0 && rows[chosen - 1].row + 1 == rows[chosen].row {
        let (above, header) = (&kinds[chosen - 1], &kinds[chosen]);
        let names_all = header
            .iter()
            .enumerate()
            .all(|(column, kind)| kind.is_none() || above.get(column) == Some(&Some(true)));
        let names_more = above.iter().enumerate().any(|(column, kind)| {
            *kind == Some(true)
                && header.get(column).copied().flatten().is_none()
                && kinds[chosen + 1..]
                    .iter()
                    .any(|row| row.get(column).copied().flatten().is_some())
        });
        if !(names_all && names_more) {
            break;
        }
        chosen -= 1;
    }
    chosen
}

/// Per cell: `None` blank, `Some(true)` a label, `Some(false)` a number or date. Years and
/// year-months across a row (two or more, all different: `2019, 2020`, `2024-01, 2024-02`)
/// are labels: column names of a table by period.
fn cell_kinds(cells: &[Cell]) -> Vec<Option<bool>> {
    let mut kinds: Vec<Option<bool>> = cells
        .iter()
        .map(|cell| (!cell.is_blank()).then(|| is_label(cell)))
        .collect();
    let values: Vec<String> = cells
        .iter()
        .zip(&kinds)
        .filter(|(_, kind)| **kind == Some(false))
        .map(|(cell, _)| cell.to_text().trim().to_string())
        .collect();
    let distinct: std::collections::HashSet<&String> = values.iter().collect();
    if values.len() >= 2
        && distinct.len() == values.len()
        && values.iter().all(|value| is_period(value))
    {
        for kind in &mut kinds {
            if *kind == Some(false) {
                *kind = Some(true);
            }
        }
    }
    kinds
}

/// `2019`, `2024-03`, `2024/03`, `2024.03`: a year from 1800 to 2199, or a month of one.
fn is_period(text: &str) -> bool {
    let bytes = text.as_bytes();
    let year = bytes.len() >= 4
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && matches!(&text[..2], "18" | "19" | "20" | "21");
    match bytes.len() {
        4 => year,
        7 => {
            year && matches!(bytes[4], b'-' | b'/' | b'.')
                && matches!(text[5..].parse::<u8>(), Ok(1..=12))
                && bytes[5..].iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// The most frequent value (the larger one on a tie), or `None` for no values.
fn most_common(counts: &[usize]) -> Option<usize> {
    let mut tally = std::collections::BTreeMap::new();
    for &count in counts {
        *tally.entry(count).or_insert(0usize) += 1;
    }
    tally
        .into_iter()
        .max_by_key(|&(count, seen)| (seen, count))
        .map(|(count, _)| count)
}

/// Text that is not a number or a date: what column names are made of.
fn is_label(cell: &Cell) -> bool {
    let Cell::Text(text) = cell else { return false };
    let text = text.trim();
    let numeric = text
        .chars()
        .all(|character| character.is_ascii_digit() || ".,-+/: %$€£()".contains(character));
    !numeric
}

/// Header texts, trimmed, with inner empty header cells named by position, and trailing ones
/// dropped unless most of the rows under them (`below`) have a value there: a column of data
/// under a blank header cell at the right edge is kept, a stray cell beside a table is not.
fn header_names(cells: &[Cell], below: &[Record]) -> Vec<String> {
    let mut used = cells
        .iter()
        .rposition(|cell| !cell.is_blank())
        .map_or(0, |position| position + 1);
    while used < cells.len() {
        let filled = below
            .iter()
            .filter(|row| row.cells.get(used).is_some_and(|cell| !cell.is_blank()))
            .count();
        if filled * 2 <= below.len() || filled == 0 {
            break;
        }
        used += 1;
    }
    cells[..used]
        .iter()
        .enumerate()
        .map(|(index, cell)| {
            let text = cell.to_text().trim().to_string();
            if text.is_empty() {
                format!("column {}", index + 1)
            } else {
                text
            }
        })
        .collect()
}

#[cfg(test)]
mod row_tests {
    use super::*;

    fn rows_of(text: &str) -> Vec<(usize, Vec<String>)> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("rows.csv");
        std::fs::write(&path, text).expect("write");
        let table = open(&path, &ReadOptions::default()).expect("opens");
        table
            .records
            .map(|record| {
                let record = record.expect("reads");
                (record.row, record.cells.iter().map(Cell::to_text).collect())
            })
            .collect()
    }

    #[test]
    fn rows_as_a_spreadsheet_numbers_them() {
        let cells = |row: usize, text: &str| (row, vec![text.to_string()]);
        assert_eq!(rows_of("a\n1\n\n2\n"), vec![cells(2, "1"), cells(4, "2")]);
        assert_eq!(
            rows_of("a\r\n1\r\n\r\n\r\n2"),
            vec![cells(2, "1"), cells(5, "2")]
        );
        assert_eq!(
            rows_of("a\n\"x\ny\"\nz\n"),
            vec![cells(2, "x\ny"), cells(3, "z")]
        );
        assert_eq!(rows_of("\n\na\n1\n"), vec![cells(4, "1")]);
        assert_eq!(rows_of("\u{feff}a\n1\n"), vec![cells(2, "1")]);
        assert_eq!(rows_of("a\r1\r\r2\r"), vec![cells(2, "1"), cells(4, "2")]);
        assert_eq!(
            rows_of("a\r\n\"x\r\ny\"\r\nz"),
            vec![cells(2, "x\ny"), cells(3, "z")]
        );
        assert_eq!(rows_of("a\n1\n\n\n2"), vec![cells(2, "1"), cells(5, "2")]);
        assert_eq!(rows_of("a\n\"x\ny\""), vec![cells(2, "x\ny")]);
    }

    /// Files larger than the reader's buffer, written from known records: quoted fields with
    /// delimiters, quotes and line breaks, empty lines, CRLF or LF, a line longer than the
    /// buffer, with or without a last line break. Every record comes back whole, on its row (as
    /// a spreadsheet counts them: empty lines count, line breaks inside cells do not), in
    /// batches and one at a time.
    #[test]
    fn large_files_read_back_what_was_written() {
        // A small xorshift: the same files every run.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        for crlf in [false, true] {
            let line_break = if crlf { "\r\n" } else { "\n" };
            let mut text = format!("h1,h2,h3{line_break}");
            let mut line = 2;
            let mut expected = Vec::new();
            for index in 0..30_000 {
                while next(10) == 0 {
                    text.push_str(line_break);
                    line += 1;
                }
                let width = if index == 6_000 {
                    2
                } else {
                    1 + next(4) as usize
                };
                let mut cells = Vec::new();
                for column in 0..width {
                    let cell = match next(8) {
                        _ if column == 0 => format!("r{index}"),
                        // A line longer than the reader's buffer.
                        _ if index == 6_000 => "x".repeat(300_000),
                        0 => "x".repeat(20),
                        1 => "a,b".to_string(),
                        2 => "say \"hi\"".to_string(),
                        3 => "two\nlines".to_string(),
                        4 => String::new(),
                        5 => "caf\u{e9} \u{a0}".to_string(),
                        _ => format!("{}", next(1_000_000)),
                    };
                    cells.push(cell);
                }
                let written: Vec<String> = cells
                    .iter()
                    .map(|cell| {
                        if cell.contains([',', '"', '\n']) || next(20) == 0 {
                            format!(
                                "\"{}\"",
                                cell.replace('"', "\"\"").replace('\n', line_break)
                            )
                        } else {
                            cell.clone()
                        }
                    })
                    .collect();
                text.push_str(&written.join(","));
                expected.push((line, cells.clone()));
                // A line break inside a quoted cell does not start a row.
                line += 1;
                if index < 29_999 || next(2) == 0 {
                    text.push_str(line_break);
                }
            }
            assert!(text.len() > 900_000, "{}", text.len());
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("large.csv");
            std::fs::write(&path, &text).expect("write");
            let options = ReadOptions {
                header_row: Some(1),
                delimiter: Some(b','),
                quote: Some(b'"'),
                ..ReadOptions::default()
            };
            let one_by_one: Vec<(usize, Vec<String>)> = open(&path, &options)
                .expect("opens")
                .records
                .map(|record| {
                    let record = record.expect("reads");
                    (record.row, record.cells.iter().map(Cell::to_text).collect())
                })
                .collect();
            for (read, written) in one_by_one.iter().zip(&expected) {
                assert_eq!(read, written, "crlf {crlf}");
            }
            assert_eq!(one_by_one.len(), expected.len());
            let mut records = open(&path, &options).expect("opens").records;
            let mut batched = Vec::new();
            loop {
                let read = records.next_rows(1_000, TextRows::default());
                for index in 0..read.rows.len() {
                    let (row, cells) = read.rows.row(index);
                    batched.push((row, cells.iter().map(|cell| cell.to_text()).collect()));
                }
                assert!(read.failure.is_none());
                if read.end {
                    break;
                }
            }
            assert!(batched == one_by_one, "crlf {crlf}: batches differ");
        }
    }
}

#[cfg(test)]
mod header_tests {
    use super::*;

    fn rows(lines: &[&[&str]]) -> Vec<Record> {
        lines
            .iter()
            .enumerate()
            .map(|(index, cells)| Record {
                row: index + 1,
                cells: cells
                    .iter()
                    .map(|text| {
                        if text.is_empty() {
                            Cell::Empty
                        } else {
                            Cell::Text((*text).into())
                        }
                    })
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn headers_below_titles_and_notes() {
        let plain = rows(&[
            &["sku", "name", "price"],
            &["A", "One", "1"],
            &["B", "Two", "2"],
        ]);
        assert_eq!(choose_header(&plain), 0);
        let titled = rows(&[
            &["Stock report", "", ""],
            &["Exported 2024-03-01 by ERP", "", ""],
            &["sku", "name", "price"],
            &["A", "One", "1"],
            &["B", "", "2"],
        ]);
        assert_eq!(choose_header(&titled), 2);
        let banner_with_two_cells = rows(&[
            &["Company:", "ACME", "", "", ""],
            &["id", "name", "qty", "price", "note"],
            &["1", "x", "2", "3", ""],
            &["2", "y", "2", "3", "z"],
        ]);
        assert_eq!(choose_header(&banner_with_two_cells), 1);
        let one_column = rows(&[&["email"], &["a@b.c"], &["d@e.f"]]);
        assert_eq!(choose_header(&one_column), 0);
        let numbers_first = rows(&[
            &["2024", "2025", ""],
            &["name", "q1", "q2"],
            &["x", "1", "2"],
        ]);
        assert_eq!(choose_header(&numbers_first), 1);
    }

    /// What lies under a row decides: the cases seen in files nobody here wrote.
    #[test]
    fn headers_scored_by_what_lies_under_them() {
        let footnotes = rows(&[
            &["region", "sales", "units"],
            &["North", "10", "2"],
            &["South", "12", "3"],
            &["Source:", "ONS", ""],
            &["Note: figures are provisional", "", ""],
            &["* revised", "", ""],
        ]);
        assert_eq!(choose_header(&footnotes), 0);
        let notes_under_title = rows(&[
            &["Stock report", "", "", ""],
            &["Prepared by:", "Finance", "", ""],
            &["Notes:", "values in EUR", "", ""],
            &["sku", "name", "qty", "price"],
            &["A", "One", "1", "2.50"],
            &["B", "Two", "2", "3.50"],
        ]);
        assert_eq!(choose_header(&notes_under_title), 3);
        let metadata = rows(&[
            &["Key", "Value"],
            &["Report", "Customers"],
            &["Exported", "2024-05-01"],
            &["Rows", "2"],
            &["System", "ERP"],
            &["id", "name"],
            &["1", "Ann"],
            &["2", "Bob"],
        ]);
        assert_eq!(choose_header(&metadata), 5);
        let wide_after_metadata = rows(&[
            &["Key", "Value", "", "", ""],
            &["Report", "Stock", "", "", ""],
            &["Exported", "2024-05-01", "", "", ""],
            &["Site", "Main", "", "", ""],
            &["Owner", "Ann", "", "", ""],
            &["sku", "name", "qty", "price", "bin"],
            &["A", "One", "1", "2", "X1"],
            &["B", "Two", "2", "3", "X2"],
        ]);
        assert_eq!(choose_header(&wide_after_metadata), 5);
        let short = rows(&[&["name", "city"], &["Ann", "Oslo"], &["Bob", "Rome"]]);
        assert_eq!(choose_header(&short), 0);
        let years = rows(&[
            &["Name", "2019", "2020", "2021"],
            &["Ann", "1", "2", "3"],
            &["Bob", "4", "5", "6"],
        ]);
        assert_eq!(choose_header(&years), 0);
        let years_under_title = rows(&[
            &["Population by year", "", "", ""],
            &["Name", "2019", "2020", "2021"],
            &["Oslo", "1", "2", "3"],
            &["Rome", "4", "5", "6"],
        ]);
        assert_eq!(choose_header(&years_under_title), 1);
        let group_row = rows(&[
            &["", "Contact", "", "Address", ""],
            &["id", "email", "phone", "street", "city"],
            &["1", "a@b.c", "5", "Main St", "Oslo"],
            &["2", "d@e.f", "6", "High St", "Rome"],
        ]);
        assert_eq!(choose_header(&group_row), 1);
    }

    /// More of the cases the weights were set on, and long tables.
    #[test]
    fn headers_of_the_tuning_cases() {
        let cases = [
            // right_edge: data under the header's blank last cell
            (
                rows(&[
                    &["sku", "name", ""],
                    &["A", "One", "5"],
                    &["B", "Two", "6"],
                    &["C", "Three", "7"],
                ]),
                0,
            ),
            // mixed_codes
            (
                rows(&[
                    &["code", "name"],
                    &["123", "A"],
                    &["A-5", "B"],
                    &["77", "C"],
                    &["X9", "D"],
                    &["12", "E"],
                ]),
                0,
            ),
            // sparse
            (
                rows(&[
                    &["id", "name", "email", "phone", "city"],
                    &["1", "Ann", "", "", ""],
                    &["2", "", "b@c.d", "", ""],
                    &["3", "", "", "5", "Oslo"],
                    &["4", "Dan", "", "", ""],
                ]),
                0,
            ),
            // exported_2
            (
                rows(&[
                    &["Exported:", "2024-01-01"],
                    &["id", "amount"],
                    &["1", "5.00"],
                    &["2", "6.00"],
                    &["3", "7.00"],
                ]),
                1,
            ),
            // exported_3
            (
                rows(&[
                    &["Exported:", "2024-01-01", ""],
                    &["id", "name", "amount"],
                    &["1", "a", "5.00"],
                    &["2", "b", "6.00"],
                ]),
                1,
            ),
            // inner_blank
            (
                rows(&[
                    &["id", "", "amount"],
                    &["1", "a", "5.00"],
                    &["2", "b", "6.00"],
                ]),
                0,
            ),
            // dates_meta
            (
                rows(&[
                    &["From", "2024-01-01"],
                    &["To", "2024-01-31"],
                    &["Store", "12"],
                    &["date", "amount"],
                    &["2024-01-02", "5"],
                    &["2024-01-03", "6"],
                ]),
                3,
            ),
            // footnote_numbers
            (
                rows(&[
                    &["year", "value"],
                    &["2019", "5"],
                    &["2020", "6"],
                    &["2021", "7"],
                    &["Source: ONS", ""],
                    &["1) provisional", ""],
                ]),
                0,
            ),
            // header_then_units
            (
                rows(&[
                    &["name", "weight", "price"],
                    &["", "kg", "EUR"],
                    &["a", "1", "2"],
                    &["b", "3", "4"],
                    &["c", "5", "6"],
                ]),
                0,
            ),
            // report_2col
            (
                rows(&[
                    &["Report:", "Q1"],
                    &["sku", "qty"],
                    &["A", "1"],
                    &["B", "2"],
                ]),
                1,
            ),
        ];
        for (index, (rows, expected)) in cases.iter().enumerate() {
            assert_eq!(choose_header(rows), *expected, "case {index}");
        }
        let mut long = vec![vec![
            "id".to_string(),
            "name".to_string(),
            "qty".to_string(),
        ]];
        long.extend((0..39).map(|n| vec![n.to_string(), format!("n{n}"), (n * 2).to_string()]));
        let long: Vec<Vec<&str>> = long
            .iter()
            .map(|row| row.iter().map(String::as_str).collect())
            .collect();
        let long: Vec<&[&str]> = long.iter().map(Vec::as_slice).collect();
        assert_eq!(choose_header(&rows(&long)), 0);
        let mut titled = vec![
            vec!["Title".to_string(), String::new()],
            vec!["Generated".to_string(), "2024-01-01".to_string()],
            vec!["id".to_string(), "qty".to_string()],
        ];
        titled.extend((0..37).map(|n| vec![n.to_string(), (n * 2).to_string()]));
        let titled: Vec<Vec<&str>> = titled
            .iter()
            .map(|row| row.iter().map(String::as_str).collect())
            .collect();
        let titled: Vec<&[&str]> = titled.iter().map(Vec::as_slice).collect();
        assert_eq!(choose_header(&rows(&titled)), 2);
        // Every row has a cell more than the header: the header still heads them.
        let mut extra = vec![vec!["id".to_string(), "price".to_string()]];
        extra.extend((1..40).map(|n| {
            let price = if n % 2 == 0 {
                "9.50".to_string()
            } else {
                format!("x{n}")
            };
            vec![n.to_string(), price, "oops".to_string()]
        }));
        let extra: Vec<Vec<&str>> = extra
            .iter()
            .map(|row| row.iter().map(String::as_str).collect())
            .collect();
        let extra: Vec<&[&str]> = extra.iter().map(Vec::as_slice).collect();
        assert_eq!(choose_header(&rows(&extra)), 0);
        // No labels anywhere: the first row, not the last.
        let values = rows(&[&["1", "2"], &["3", "4"], &["5", "6"]]);
        assert_eq!(choose_header(&values), 0);
    }

    /// A third set, written apart from both and first run on the rule the first two set: 6 of
    /// 7 (a header of months, `2024-01`, lost to the last row); since then months and years
    /// across a row count as labels and a row with nothing under it is no candidate.
    #[test]
    fn headers_of_a_third_set() {
        let cases = [
            // price_list
            (
                rows(&[
                    &["Price list 2024", "", "", ""],
                    &["", "", "", ""],
                    &["Code", "Description", "Unit", "Price"],
                    &["A1", "Bolt", "pcs", "0.10"],
                    &["A2", "Nut", "pcs", "0.05"],
                    &["B1", "Washer", "box", "2.00"],
                ]),
                2,
            ),
            // invoice_kv
            (
                rows(&[
                    &["Invoice:", "INV-7", "", ""],
                    &["Date:", "2024-02-01", "", ""],
                    &["Customer:", "ACME", "", ""],
                    &["", "", "", ""],
                    &["line", "sku", "qty", "price"],
                    &["1", "A", "2", "3.00"],
                    &["2", "B", "1", "4.50"],
                ]),
                4,
            ),
            // trailing_commas
            (
                rows(&[
                    &["a", "b", "c", "", ""],
                    &["1", "2", "3", "", ""],
                    &["4", "5", "6", "", ""],
                ]),
                0,
            ),
            // pandas_index
            (
                rows(&[
                    &["", "name", "qty"],
                    &["0", "a", "1"],
                    &["1", "b", "2"],
                    &["2", "c", "3"],
                ]),
                0,
            ),
            // wide_title
            (
                rows(&[
                    &["Report", "", "", "", "", "Page 1"],
                    &["id", "name", "city", "zip", "phone", "email"],
                    &["1", "a", "x", "123", "555", "a@b"],
                    &["2", "b", "y", "456", "556", "c@d"],
                ]),
                1,
            ),
            // text_table
            (
                rows(&[
                    &["first", "last", "email"],
                    &["Ann", "Lee", "a@x"],
                    &["Bob", "Ray", "b@x"],
                ]),
                0,
            ),
            // dates_header
            (
                rows(&[
                    &["Store", "2024-01", "2024-02", "2024-03"],
                    &["North", "1", "2", "3"],
                    &["South", "4", "5", "6"],
                ]),
                0,
            ),
        ];
        for (index, (rows, expected)) in cases.iter().enumerate() {
            assert_eq!(choose_header(rows), *expected, "case {index}");
        }
    }

    /// A second set, written apart from the first and run once the weights were set: a
    /// statistics table with notes, a long statement header, a bank export, two tables.
    #[test]
    fn headers_of_a_second_set() {
        let cases = [
            // ons
            (
                rows(&[
                    &["Table 1: Households by region", "", "", ""],
                    &["Source: Labour Force Survey", "", "", ""],
                    &["", "", "", ""],
                    &["Region", "2021", "2022", "2023"],
                    &["North East", "1,200", "1,210", "1,220"],
                    &["London", "3,400", "3,500", "3,600"],
                    &["Wales", "1,300", "1,310", "1,320"],
                    &["", "", "", ""],
                    &["Notes", "", "", ""],
                    &["1. Figures rounded", "", "", ""],
                ]),
                3,
            ),
            // kv_long
            (
                rows(&[
                    &["Customer", "ACME Ltd"],
                    &["Account", "12345"],
                    &["Period", "Jan 2024"],
                    &["Currency", "EUR"],
                    &["Printed", "2024-02-01"],
                    &["Page", "1"],
                    &["Invoice", "Amount"],
                    &["INV-1", "10.00"],
                    &["INV-2", "12.50"],
                    &["INV-3", "7.25"],
                ]),
                6,
            ),
            // bank
            (
                rows(&[
                    &["Account statement", "", ""],
                    &["IBAN", "DE89 3704 0044 0532 0130 00", ""],
                    &["Date", "Description", "Amount"],
                    &["01.02.2024", "Rent", "-900,00"],
                    &["02.02.2024", "Salary", "2.500,00"],
                    &["05.02.2024", "Food", "-45,10"],
                ]),
                2,
            ),
            // header_only_two_rows
            (rows(&[&["sku", "qty"], &["A1", "5"]]), 0),
            // shopify
            (
                rows(&[
                    &["Handle", "Title", "Body (HTML)", "Vendor", "Variant Price"],
                    &["shirt", "Shirt", "<p>x</p>", "Acme", "19.99"],
                    &["", "", "", "", "21.99"],
                    &["hat", "Hat", "", "Acme", "9.99"],
                ]),
                0,
            ),
            // trailing_totals
            (
                rows(&[
                    &["item", "qty", "price"],
                    &["a", "1", "2.00"],
                    &["b", "2", "3.00"],
                    &["Total", "3", "5.00"],
                    &["", "", ""],
                    &["Printed by", "Ann", ""],
                ]),
                0,
            ),
            // two_tables
            (
                rows(&[
                    &["name", "qty"],
                    &["a", "1"],
                    &["b", "2"],
                    &["c", "3"],
                    &["d", "4"],
                    &["", "", ""],
                    &["Summary", "Value"],
                    &["count", "4"],
                ]),
                0,
            ),
            // numeric_first_col_header
            (
                rows(&[
                    &["Report 2024", "", ""],
                    &["id", "price", "date"],
                    &["1", "2.5", "2024-01-01"],
                    &["2", "3.5", "2024-01-02"],
                ]),
                1,
            ),
        ];
        for (index, (rows, expected)) in cases.iter().enumerate() {
            assert_eq!(choose_header(rows), *expected, "case {index}");
        }
    }
}

#[cfg(test)]
mod property_tests {
    use super::*;
    use proptest::prelude::*;

    /// Whatever the bytes, opening and reading gives records or an error, never a panic.
    fn read_all(bytes: &[u8], extension: &str) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(format!("input.{extension}"));
        std::fs::write(&path, bytes).expect("write");
        if let Ok(table) = open(&path, &ReadOptions::default()) {
            let mut last_row = table.header_row;
            for record in table.records {
                let Ok(record) = record else { break };
                assert!(record.row > last_row, "rows only go forward");
                last_row = record.row;
            }
        }
    }

    proptest! {
        #[test]
        fn any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024), extension in "(csv|tsv|xlsx|xls|ods|txt)") {
            read_all(&bytes, &extension);
        }

        #[test]
        fn csv_like_text(text in "[ab1,;\t|\"\r\n ]{0,300}") {
            read_all(text.as_bytes(), "csv");
        }

        /// Batches of text give the same rows, numbers and cells as records read one at a
        /// time, and the same error after the same rows, past the rows read ahead.
        #[test]
        fn batches_read_what_records_read(
            lines in proptest::collection::vec("[ab1\u{e9},;\" \u{a0}]{0,12}", 50..120),
            crlf in any::<bool>(),
            bad_byte in proptest::option::of((0usize..2_000, proptest::sample::select(vec![0xffu8, 0xc3, 0xa9]))),
            split in proptest::option::of(0usize..60),
            utf8 in any::<bool>(),
        ) {
            let mut bytes = lines.join(if crlf { "\r\n" } else { "\n" }).into_bytes();
            if let Some((at, byte)) = bad_byte.filter(|&(at, _)| at < bytes.len()) {
                bytes[at] = byte;
            }
            // The halves of one character on either side of a delimiter: each field is not
            // UTF-8 though the bytes of the row are.
            if let Some(at) = split.and_then(|nth| {
                bytes.windows(2).enumerate().filter(|(_, pair)| pair == b"\xc3\xa9").map(|(at, _)| at).nth(nth)
            }) {
                bytes.insert(at + 1, b',');
            }
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("input.csv");
            std::fs::write(&path, &bytes).expect("write");
            type Read = (Vec<(usize, Vec<String>)>, Option<String>);
            let read = |batches: bool| -> Option<Read> {
                // UTF-8 when told (bytes that are not are errors), otherwise as detected.
                let options = ReadOptions {
                    encoding: utf8.then(|| "utf-8".to_string()),
                    ..ReadOptions::default()
                };
                let table = open(&path, &options).ok()?;
                let mut records = table.records;
                let mut rows = Vec::new();
                if !batches {
                    for record in records {
                        match record {
                            Ok(record) => rows.push((record.row, record.cells.iter().map(Cell::to_text).collect())),
                            Err(error) => return Some((rows, Some(error.to_string()))),
                        }
                    }
                    return Some((rows, None));
                }
                loop {
                    let read = records.next_rows(3, TextRows::default());
                    for index in 0..read.rows.len() {
                        let (row, cells) = read.rows.row(index);
                        rows.push((row, cells.iter().map(|cell| cell.to_text()).collect()));
                    }
                    if let Some(error) = read.failure {
                        return Some((rows, Some(error.to_string())));
                    }
                    if read.end {
                        return Some((rows, None));
                    }
                }
            };
            prop_assert_eq!(read(true), read(false));
        }

        #[test]
        fn zip_like_bytes(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut bytes = b"PK\x03\x04".to_vec();
            bytes.extend(tail);
            read_all(&bytes, "xlsx");
        }
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn dates_and_times_are_written_as_chrono_writes_them() {
        let dates = [
            (2024, 1, 31),
            (1, 2, 3),
            (9999, 12, 31),
            (-44, 3, 15),
            (12345, 6, 7),
        ];
        for (year, month, day) in dates {
            let date = NaiveDate::from_ymd_opt(year, month, day).expect("a date");
            let mut text = String::new();
            write_date(&mut text, &date).expect("written");
            assert_eq!(text, date.format("%Y-%m-%d").to_string());
            for nanos in [0, 120_000_000, 123_456_000, 123_456_789, 5] {
                let datetime = date.and_hms_nano_opt(13, 5, 9, nanos).expect("a date-time");
                let expected = if nanos == 0 {
                    datetime.format("%Y-%m-%d %H:%M:%S").to_string()
                } else {
                    datetime.format("%Y-%m-%d %H:%M:%S%.f").to_string()
                };
                assert_eq!(format_datetime(&datetime), expected);
            }
        }
    }
}
