//! Files in: recognising the kind of file, its encoding and CSV dialect or its sheet, finding the
//! header (below any title rows), and yielding data records with the physical row numbers a
//! spreadsheet user sees. `delimited` reads text, `workbook` reads spreadsheets.
//!
//! Delimited text is streamed, so a large file is never held whole; a workbook sheet is loaded
//! by calamine and turned into records one row at a time.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `source`: opening files. `source/mod.rs` recognises the kind from the first 64 KiB (zip/OLE
//! workbooks; PDF, images and other binary refused); `source/header.rs` finds the header
//! (`choose_header`, see "Header row" in docs/architecture.md's decisions; `--header-row` overrides), names the non-blank rows above it
//! (`Table::skipped`, shown by `inspect` and `map` and as `skipped_rows` in JSON), keeps a blank
//! header cell at the right edge when most rows under it hold a value there (`column N`), refuses
//! a header of more than `MOST_COLUMNS` (16,384) columns, and
//! yields `Record { row, cells: Vec<Cell> }` where `row` is the physical row a spreadsheet shows.
//! `source/cell.rs` holds `Cell`, `Record`, the date writers and `cell_name` (`D7`), for every
//! layer above.
//! `source/delimited.rs` reads text (one record at most 64 MB: past it, an error naming the row
//! where the record starts, most often an unclosed quote): the encoding (`--encoding`, else a BOM, else UTF-16 without
//! one when one byte of every two is nearly always NUL, else UTF-8 when the sample is valid UTF-8,
//! else chardetng's guess; a file of NULs named `--encoding utf-16*` is text, not binary; non-UTF-8 is transcoded while streaming by
//! encoding_rs_io, UTF-8 is not transcoded so that a bad byte is reported with its row), the
//! dialect (`detect_dialect`: the delimiter and quote that split the sample into the most
//! consistent field counts), CRLF and CR normalised to LF while streaming, row numbers counting
//! empty lines but not line breaks inside quotes. `CsvRecords::advance` takes a line without a
//! quote character (most lines) as a record as it stands, its fields between the delimiters,
//! straight from the reader's own input buffer; csv_core parses the rest (quoted fields, the
//! first record, a last line without a line break, a line longer than the 256 KiB buffer) into
//! reused record buffers, its line count kept in step. `source/workbook.rs` reads xlsx, xlsm, xls, xlsb
//! and ods through calamine (after `source/workbook/checks.rs` has checked the bytes it would
//! trust) (`--sheet` by name or 1-based position), turning cells into `Cell`s
//! (whole numbers as integers, date cells as dates in either date system, a date-time at
//! midnight as its date, times of day and durations of every format, ODS `PT11H12M12S` and xls
//! serials below 1 included, as `HH:MM:SS` text, formulas as cached values). A chart or dialog
//! sheet is passed over unasked and named as such when asked for; each calamine error becomes a
//! message that says what happened and what to do (`explain`), the reader's own words last.
//! calamine runs inside `guarded`: a panic of the reader on a damaged file is caught there and
//! becomes "the workbook is damaged ... save it again, or export the sheet as CSV" (exit 2); the
//! binary's panic hook is silent for it and turns any other panic into one line naming it as
//! intake's defect (exit 2). Rows are taken from the loaded range by index (`rows().nth()`
//! walked every row before it: minutes on a sheet whose used range runs far down), through
//! `get`, since calamine may size a range past the cells it holds.
//! Before calamine opens a file, two checks bound what it may allocate (calamine lays out every
//! sheet as a dense grid): `check_xls_extent` opens an xls with the `cfb` crate (which checks the
//! sector chains that calamine's own reader would follow round a loop until memory runs out) and
//! walks the BIFF records of its `Workbook` stream for each sheet's cell positions and declared
//! dimensions; `check_ods_structure` streams `content.xml` once (quick-xml) for tables never
//! closed (calamine reads past the end for ever), XML that does not parse, filled rows repeated
//! past row 1,048,576, and repeated cells; `check_xlsx_texts` streams an xlsx's shared strings
//! and sheet XML for a text longer than a cell holds (32,767 characters; 196,602 bytes written
//! out), since calamine loads every shared string at open; `check_cells_extent` streams the
//! chosen xlsx/xlsb sheet through calamine's cell reader before it is laid out. A sheet is
//! refused when its grid would exceed 2^25 positions, or 2^20 positions with fewer than one cell
//! in 64, or (xls) the format's 65,536 × 256. docs/reliability.md lists the limits.
//! `source/rows.rs`: `Records`, the data records still to read (those read ahead to find the
//! header and profile the columns are put back in front with `unread`), one at a time as an
//! iterator or a batch at a time (`next_rows`); a delimited file gives a batch as `TextRows`,
//! the text of every field of thousands of rows in one buffer, each field followed by one ASCII
//! byte (a line goes in as it is, delimiters and line break included), with each field's end
//! and each row's number beside it (no `Record`, `Cell` or string per row; UTF-8 checked once a
//! batch, which the ASCII separators make the same as checking each field, and field by field
//! only when that fails, to name the first row and column that is not),
//! a workbook as `Record`s. `RowCells`/`CellRef` borrow one row's cells from either.
//! Main types: `Table`, `Record`, `Cell`, `Records`, `Rows`, `TextRows`, `RowCells`, `CellRef`,
//! `ReadOptions`, `SourceError`.

mod cell;
mod delimited;
mod header;
mod rows;
mod workbook;

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use header::{Found, find_header};

pub(crate) use cell::{Cell, Record, cell_name, write_date, write_datetime};
pub(crate) use header::SkippedRow;
pub(crate) use rows::{CellRef, ReadRecords, Records, RowCells, Rows, RowsRead, TextRows};
pub use workbook::{panic_text, panics_are_caught};

/// The most columns a table may have: as many as Excel and LibreOffice hold (XFD).
pub(crate) const MOST_COLUMNS: usize = 16_384;

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
pub(crate) fn sheet_names(path: &Path) -> Vec<String> {
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
    use chrono::NaiveDate;

    use super::cell::format_datetime;
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
