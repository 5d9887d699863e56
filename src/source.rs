//! Files in: recognising the format, the CSV dialect and the sheet, finding the header, and
//! yielding data records with the physical row numbers a spreadsheet user sees.
//!
//! CSV is streamed through a reused `csv::ByteRecord`, so a large file is never held whole.
//! Spreadsheets are read a sheet at a time through calamine, which loads the sheet's cells.

use std::cell::Cell as StateCell;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use calamine::{Data, Reader, Sheets, open_workbook_auto};
use chrono::{NaiveDate, NaiveDateTime, Timelike};

/// What a file holds in one cell, before any field type is applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
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
            Cell::Text(text) => text.clone(),
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
    if datetime.nanosecond() == 0 {
        datetime.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        datetime.format("%Y-%m-%d %H:%M:%S%.f").to_string()
    }
}

/// One data row: its physical row number (1-based, as a spreadsheet shows it) and its cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub row: usize,
    pub cells: Vec<Cell>,
}

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
        "{file}{sheet}: the header on row {header_row} has no data rows under it: nothing to import"
    )]
    NoData {
        file: String,
        sheet: SheetLabel,
        header_row: usize,
    },
    #[error("{file}: sheet {wanted:?} not found; the workbook's sheets are: {available}")]
    NoSuchSheet {
        file: String,
        wanted: String,
        available: String,
    },
    #[error("{file}{sheet}: cannot read the workbook: {reason}")]
    Workbook {
        file: String,
        sheet: SheetLabel,
        reason: String,
    },
    #[error(
        "{file}: row {row}, column {column}: the text is not valid UTF-8: save the file as UTF-8 (CSV UTF-8 in Excel)"
    )]
    NotUtf8 {
        file: String,
        row: usize,
        column: usize,
    },
    #[error("{file}: encoding {encoding:?} is not supported yet: save the file as UTF-8")]
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
    pub encoding: Option<&'static str>,
    pub header_row: usize,
    pub headers: Vec<String>,
    /// The data records, blank rows left out, each at most once.
    pub records: Box<dyn Iterator<Item = Result<Record, SourceError>>>,
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

/// Opens a CSV/TSV or a workbook, detects what it is, reads the header and returns the records
/// still to be read. Fails when there is no header or no data row under it.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Table, SourceError> {
    let file = path.display().to_string();
    let mut handle = File::open(path).map_err(|error| SourceError::Open {
        file: file.clone(),
        reason: error.to_string(),
    })?;
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    (&mut handle)
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(|error| SourceError::Open {
            file: file.clone(),
            reason: error.to_string(),
        })?;
    if sample.is_empty() {
        return Err(SourceError::Empty { file });
    }
    let mut table = match sniff(&sample, path) {
        Sniffed::Workbook => open_workbook(path.to_path_buf(), file, options)?,
        Sniffed::Text => {
            handle
                .seek(SeekFrom::Start(0))
                .map_err(|error| SourceError::Open {
                    file: file.clone(),
                    reason: error.to_string(),
                })?;
            open_csv(handle, &sample, path, file, options)?
        }
        Sniffed::Binary(what) => return Err(SourceError::NotASpreadsheet { file, what }),
    };
    let records = std::mem::replace(&mut table.records, Box::new(std::iter::empty()));
    table.records = Box::new(require_data(records, &table)?);
    Ok(table)
}

/// Peeks at the first record so that a header-only file fails at open, not after a plan.
fn require_data(
    records: Box<dyn Iterator<Item = Result<Record, SourceError>>>,
    table: &Table,
) -> Result<impl Iterator<Item = Result<Record, SourceError>> + use<>, SourceError> {
    let mut records = records.peekable();
    match records.peek() {
        None => Err(SourceError::NoData {
            file: table.file.clone(),
            sheet: SheetLabel(table.sheet.clone()),
            header_row: table.header_row,
        }),
        Some(_) => Ok(records),
    }
}

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
    let utf16 = sample.starts_with(b"\xFF\xFE") || sample.starts_with(b"\xFE\xFF");
    if !utf16 && sample.contains(&0) {
        return Sniffed::Binary("binary content".to_string());
    }
    Sniffed::Text
}

fn open_csv(
    handle: File,
    sample: &[u8],
    path: &Path,
    file: String,
    options: &ReadOptions,
) -> Result<Table, SourceError> {
    if let Some(encoding) = &options.encoding {
        let normalised = encoding.to_ascii_lowercase().replace(['-', '_'], "");
        if normalised != "utf8" {
            return Err(SourceError::Encoding {
                file,
                encoding: encoding.clone(),
            });
        }
    }
    if sample.starts_with(b"\xFF\xFE") || sample.starts_with(b"\xFE\xFF") {
        return Err(SourceError::Encoding {
            file,
            encoding: "UTF-16".to_string(),
        });
    }
    let is_tsv = path
        .extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| extension.eq_ignore_ascii_case("tsv"));
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| detect_delimiter(sample, is_tsv));
    let lines = Rc::new(LineState::default());
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(NormalisedLines {
            inner: BufReader::new(handle),
            skip_lf: false,
            state: Rc::clone(&lines),
        });
    let mut records = CsvRecords {
        reader,
        record: csv::ByteRecord::new(),
        file: file.clone(),
        last_row: 0,
        lines,
        first: true,
    };
    let header = find_header(&mut records, options.header_row, &file, &SheetLabel(None))?;
    Ok(Table {
        file,
        format: Format::Csv,
        sheet: None,
        sheets: Vec::new(),
        delimiter: Some(delimiter),
        encoding: Some("utf-8"),
        header_row: header.row,
        headers: header_names(&header.cells),
        records: Box::new(records),
    })
}

/// Picks the delimiter that splits the sample's lines into the most consistent number of fields
/// (more than one), preferring comma, then semicolon, tab and pipe on a tie.
fn detect_delimiter(sample: &[u8], prefer_tab: bool) -> u8 {
    // Only whole lines: a record cut by the end of the sample would count as inconsistent.
    let end = sample
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(sample.len(), |position| position + 1);
    let sample = &sample[..end];
    let candidates: &[u8] = if prefer_tab { b"\t,;|" } else { b",;\t|" };
    let mut best = (candidates[0], 0usize);
    for &delimiter in candidates {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(sample);
        let mut counts: Vec<usize> = Vec::new();
        let mut record = csv::ByteRecord::new();
        while counts.len() < 100 {
            match reader.read_byte_record(&mut record) {
                Ok(true) => counts.push(record.len()),
                _ => break,
            }
        }
        let Some(mode) = most_common(&counts) else {
            continue;
        };
        if mode < 2 {
            continue;
        }
        let consistent = counts.iter().filter(|&&count| count == mode).count();
        // A wider consistent split wins; this weights agreement first, then width.
        let score = consistent * 1000 + mode;
        if score > best.1 {
            best = (delimiter, score);
        }
    }
    best.0
}

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

/// Streams CSV records, numbering them as a spreadsheet shows rows: an empty line counts as a row,
/// a line break inside a quoted field does not.
struct CsvRecords {
    reader: csv::Reader<NormalisedLines<BufReader<File>>>,
    record: csv::ByteRecord,
    file: String,
    last_row: usize,
    lines: Rc<LineState>,
    first: bool,
}

/// What [`NormalisedLines`] has passed on so far: enough to tell whether the last record ended
/// with a line break.
#[derive(Default)]
struct LineState {
    emitted: StateCell<u64>,
    at_end: StateCell<bool>,
    last_byte: StateCell<u8>,
}

/// Turns CRLF and lone CR line ends into LF as the bytes stream by, so that line counts mean the
/// same in files from Windows, old Macs and everything else. A line break inside a quoted cell
/// becomes LF too, as spreadsheets store it.
struct NormalisedLines<R> {
    inner: R,
    /// The previous byte was a CR: an LF right after it belongs to the same line end.
    skip_lf: bool,
    state: Rc<LineState>,
}

impl<R: Read> Read for NormalisedLines<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let read = self.inner.read(buffer)?;
            if read == 0 {
                self.state.at_end.set(true);
                return Ok(0);
            }
            let mut written = 0;
            for index in 0..read {
                let byte = buffer[index];
                if byte == b'\n' && self.skip_lf {
                    self.skip_lf = false;
                    continue;
                }
                self.skip_lf = byte == b'\r';
                buffer[written] = if byte == b'\r' { b'\n' } else { byte };
                written += 1;
            }
            if written > 0 {
                self.state
                    .emitted
                    .set(self.state.emitted.get() + written as u64);
                self.state.last_byte.set(buffer[written - 1]);
                return Ok(written);
            }
        }
    }
}

impl Iterator for CsvRecords {
    type Item = Result<Record, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return None,
                Err(error) => {
                    return Some(Err(SourceError::Csv {
                        file: self.file.clone(),
                        row: self.last_row + 1,
                        reason: error.to_string(),
                    }));
                }
                Ok(true) => {}
            }
            // The csv reader skips empty lines without a trace but in its line count: the lines
            // this record took, less its own (one, plus line breaks inside quoted fields), were
            // empty lines above it, and each is a row in a spreadsheet.
            let start_line = self.record.position().map_or(0, csv::Position::line);
            let end = self.reader.position();
            let embedded: u64 = self
                .record
                .iter()
                .map(|field| field.iter().filter(|&&byte| byte == b'\n').count() as u64)
                .sum();
            let unterminated = self.lines.at_end.get()
                && end.byte() == self.lines.emitted.get()
                && self.lines.last_byte.get() != b'\n';
            let own_lines = embedded + u64::from(!unterminated);
            let blank_lines = end
                .line()
                .saturating_sub(start_line)
                .saturating_sub(own_lines) as usize;
            let row = self.last_row + 1 + blank_lines;
            self.last_row = row;
            if self.first {
                self.first = false;
                strip_bom(&mut self.record);
            }
            let mut cells = Vec::with_capacity(self.record.len());
            for (index, field) in self.record.iter().enumerate() {
                match std::str::from_utf8(field) {
                    Ok("") => cells.push(Cell::Empty),
                    Ok(text) => cells.push(Cell::Text(text.to_string())),
                    Err(_) => {
                        return Some(Err(SourceError::NotUtf8 {
                            file: self.file.clone(),
                            row,
                            column: index + 1,
                        }));
                    }
                }
            }
            if cells.iter().all(Cell::is_blank) {
                continue;
            }
            return Some(Ok(Record { row, cells }));
        }
    }
}

fn strip_bom(record: &mut csv::ByteRecord) {
    let Some(first) = record.get(0) else { return };
    if let Some(rest) = first.strip_prefix(b"\xEF\xBB\xBF") {
        let mut fields: Vec<Vec<u8>> = record.iter().map(<[u8]>::to_vec).collect();
        fields[0] = rest.to_vec();
        let position = record.position().cloned();
        *record = csv::ByteRecord::from(fields);
        record.set_position(position);
    }
}

/// Reads records up to the header: the first non-blank one, or the one on `header_row`.
fn find_header(
    records: &mut dyn Iterator<Item = Result<Record, SourceError>>,
    header_row: Option<usize>,
    file: &str,
    sheet: &SheetLabel,
) -> Result<Record, SourceError> {
    for record in records {
        let record = record?;
        match header_row {
            None => return Ok(record),
            Some(wanted) if record.row == wanted => return Ok(record),
            Some(wanted) if record.row > wanted => {
                return Err(SourceError::NoHeader {
                    file: file.to_string(),
                    sheet: sheet.clone(),
                    detail: format!(" (row {wanted} is blank)"),
                });
            }
            Some(_) => {}
        }
    }
    Err(SourceError::NoHeader {
        file: file.to_string(),
        sheet: sheet.clone(),
        detail: header_row.map_or_else(
            || " (the file has no rows)".to_string(),
            |wanted| format!(" (the file ends before row {wanted})"),
        ),
    })
}

/// Header texts, trimmed, with trailing empty header cells dropped and inner ones named by position.
fn header_names(cells: &[Cell]) -> Vec<String> {
    let used = cells
        .iter()
        .rposition(|cell| !cell.is_blank())
        .map_or(0, |position| position + 1);
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

fn open_workbook(path: PathBuf, file: String, options: &ReadOptions) -> Result<Table, SourceError> {
    let workbook_error = |sheet: Option<&str>, error: calamine::Error| SourceError::Workbook {
        file: file.clone(),
        sheet: SheetLabel(sheet.map(str::to_string)),
        reason: error.to_string(),
    };
    let mut workbook: Sheets<_> =
        open_workbook_auto(&path).map_err(|error| workbook_error(None, error))?;
    let sheets = workbook.sheet_names();
    let sheet = choose_sheet(&sheets, options.sheet.as_deref()).ok_or_else(|| {
        SourceError::NoSuchSheet {
            file: file.clone(),
            wanted: options.sheet.clone().unwrap_or_default(),
            available: if sheets.is_empty() {
                "(none)".to_string()
            } else {
                sheets
                    .iter()
                    .enumerate()
                    .map(|(index, name)| format!("{} {name:?}", index + 1))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        }
    })?;
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|error| workbook_error(Some(&sheet), error))?;
    let label = SheetLabel(Some(sheet.clone()));
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let first_column = range.start().map_or(0, |(_, column)| column as usize);
    // Cells left of the used range are empty; pad so that column positions match the sheet's.
    let rows: Vec<Record> = range
        .rows()
        .enumerate()
        .map(|(index, row)| {
            let mut cells = vec![Cell::Empty; first_column];
            cells.extend(row.iter().map(cell_from_data));
            Record {
                row: first_row + index + 1,
                cells,
            }
        })
        .filter(|record| !record.cells.iter().all(Cell::is_blank))
        .collect();
    let mut records = rows.into_iter().map(Ok);
    let header = find_header(&mut records, options.header_row, &file, &label)?;
    Ok(Table {
        file,
        format: Format::Spreadsheet,
        sheet: Some(sheet),
        sheets,
        delimiter: None,
        encoding: None,
        header_row: header.row,
        headers: header_names(&header.cells),
        records: Box::new(records),
    })
}

/// A sheet by exact name, then by name ignoring case, then by 1-based position; the first sheet
/// when none is asked for.
fn choose_sheet(sheets: &[String], wanted: Option<&str>) -> Option<String> {
    let Some(wanted) = wanted else {
        return sheets.first().cloned();
    };
    sheets
        .iter()
        .find(|name| name.as_str() == wanted)
        .or_else(|| sheets.iter().find(|name| name.eq_ignore_ascii_case(wanted)))
        .or_else(|| {
            let position: usize = wanted.trim().parse().ok()?;
            sheets.get(position.checked_sub(1)?)
        })
        .cloned()
}

fn cell_from_data(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(text) => {
            if text.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(text.clone())
            }
        }
        Data::Int(number) => Cell::Int(*number),
        Data::Float(number) => {
            // Whole numbers that fit are integers, so an ID never shows as 1.0E+12.
            if number.fract() == 0.0 && number.abs() < 9.0e15 {
                Cell::Int(*number as i64)
            } else {
                Cell::Float(*number)
            }
        }
        Data::Bool(value) => Cell::Bool(*value),
        Data::DateTime(excel) => match excel.as_datetime() {
            Some(datetime) if excel.is_datetime() => {
                if datetime.time() == chrono::NaiveTime::MIN {
                    Cell::Date(datetime.date())
                } else {
                    Cell::DateTime(datetime)
                }
            }
            _ => Cell::Float(excel.as_f64()),
        },
        Data::DateTimeIso(text) | Data::DurationIso(text) => Cell::Text(text.clone()),
        Data::Error(error) => Cell::Error(format!("#{error:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_delimiter(sample: &str, expected: u8) {
        assert_eq!(
            detect_delimiter(sample.as_bytes(), false) as char,
            expected as char,
            "{sample:?}"
        );
    }

    #[test]
    fn delimiters() {
        check_delimiter("a,b,c\n1,2,3\n", b',');
        check_delimiter("a;b;c\n1,5;2;3\n", b';');
        check_delimiter("a\tb\n1\t2\n", b'\t');
        check_delimiter("a|b|c\n1|2|3\n", b'|');
        check_delimiter("name,note\n\"x;y\",\"1;2;3\"\n", b',');
        check_delimiter("single\nvalue\n", b',');
    }

    #[test]
    fn sheets_by_name_or_position() {
        let sheets = vec!["Summary".to_string(), "Data".to_string()];
        assert_eq!(choose_sheet(&sheets, None).as_deref(), Some("Summary"));
        assert_eq!(choose_sheet(&sheets, Some("data")).as_deref(), Some("Data"));
        assert_eq!(choose_sheet(&sheets, Some("2")).as_deref(), Some("Data"));
        assert_eq!(choose_sheet(&sheets, Some("3")), None);
        assert_eq!(choose_sheet(&sheets, Some("0")), None);
    }
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

        #[test]
        fn zip_like_bytes(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut bytes = b"PK\x03\x04".to_vec();
            bytes.extend(tail);
            read_all(&bytes, "xlsx");
        }
    }
}
