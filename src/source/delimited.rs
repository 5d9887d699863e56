//! Delimited text (CSV, TSV, semicolon- or pipe-separated): the encoding, the dialect, and the
//! records, numbered as a spreadsheet numbers rows. Streams through a reused `csv::ByteRecord`.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};

use encoding_rs::{Encoding, UTF_8};
use encoding_rs_io::DecodeReaderBytesBuilder;

use super::{
    Cell, Opened, ReadOptions, ReadRecords, Record, Records, Rows, RowsRead, SourceError, TextRows,
};

/// Opens delimited text: detects (or takes) the encoding and the dialect, and returns every
/// record, the header included.
pub(super) fn open(
    handle: File,
    sample: &[u8],
    path: &Path,
    file: &str,
    options: &ReadOptions,
) -> Result<Opened, SourceError> {
    let encoding = choose_encoding(sample, options.encoding.as_deref(), file)?;
    // The dialect is detected on text, so that UTF-16 and single-byte files look like any other.
    let (text_sample, _) = encoding.decode_with_bom_removal(sample);
    let is_tsv = path
        .extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| extension.eq_ignore_ascii_case("tsv"));
    let dialect = detect_dialect(
        text_sample.as_bytes(),
        is_tsv,
        options.delimiter,
        options.quote,
    );
    let size = handle.metadata().map(|metadata| metadata.len()).ok();
    let mut records = Records::new(csv_records(handle, encoding, dialect, file.to_string()));
    if let Some(size) = size.filter(|_| encoding == UTF_8) {
        records = records.with_text_bytes(size);
    }
    Ok(Opened {
        records,
        sheet: None,
        sheets: Vec::new(),
        delimiter: Some(dialect.delimiter),
        quote: Some(dialect.quote),
        encoding: Some(encoding.name()),
    })
}

fn csv_records(
    handle: File,
    encoding: &'static Encoding,
    dialect: Dialect,
    file: String,
) -> CsvRecords {
    let input: Box<dyn Read + Send> = if encoding == UTF_8 {
        // No transcoding: an invalid byte is reported with its row, never replaced silently.
        // No buffer either: the csv reader's own large buffer is filled straight from the file.
        Box::new(handle)
    } else {
        Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding))
                .bom_override(true)
                .strip_bom(true)
                .build(handle),
        )
    };
    let lines = Arc::new(LineState::default());
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(dialect.delimiter)
        .quote(dialect.quote)
        .buffer_capacity(256 * 1024)
        .from_reader(NormalisedLines {
            inner: input,
            skip_lf: false,
            state: Arc::clone(&lines),
        });
    CsvRecords {
        reader,
        record: csv::ByteRecord::new(),
        file,
        encoding,
        last_row: 0,
        lines,
        first: true,
    }
}

/// `--encoding` when given; otherwise a byte-order mark; otherwise UTF-8 when the sample is valid
/// UTF-8; otherwise what chardetng recognises (Windows-1252 for most Western exports).
fn choose_encoding(
    sample: &[u8],
    wanted: Option<&str>,
    file: &str,
) -> Result<&'static Encoding, SourceError> {
    if let Some(label) = wanted {
        return Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| SourceError::Encoding {
            file: file.to_string(),
            encoding: label.to_string(),
        });
    }
    if let Some((encoding, _)) = Encoding::for_bom(sample) {
        return Ok(encoding);
    }
    let valid_utf8 = match std::str::from_utf8(sample) {
        Ok(_) => true,
        // A character cut in two by the end of the sample is not a fault of the file.
        Err(error) => error.error_len().is_none(),
    };
    if valid_utf8 {
        return Ok(UTF_8);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(sample, sample.len() < super::SAMPLE_BYTES);
    Ok(detector.guess(None, true))
}

/// How a delimited file separates fields and quotes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    pub delimiter: u8,
    pub quote: u8,
}

/// Picks the delimiter and quote that split the sample's lines into the most consistent number
/// of fields (more than one), as DuckDB's sniffer does: agreement first, then width. On a tie,
/// comma before semicolon, tab and pipe (tab first for a .tsv), and the double quote first.
pub fn detect_dialect(
    sample: &[u8],
    prefer_tab: bool,
    delimiter: Option<u8>,
    quote: Option<u8>,
) -> Dialect {
    // Only whole lines: a record cut by the end of the sample would count as inconsistent.
    let end = sample
        .iter()
        .rposition(|&byte| byte == b'\n' || byte == b'\r')
        .map_or(sample.len(), |position| position + 1);
    let sample = &sample[..end];
    let delimiters: Vec<u8> = match delimiter {
        Some(delimiter) => vec![delimiter],
        None if prefer_tab => b"\t,;|".to_vec(),
        None => b",;\t|".to_vec(),
    };
    let quotes: Vec<u8> = match quote {
        Some(quote) => vec![quote],
        None => b"\"'".to_vec(),
    };
    let mut best = (
        Dialect {
            delimiter: delimiters[0],
            quote: quotes[0],
        },
        0usize,
    );
    for &quote in &quotes {
        for &delimiter in &delimiters {
            let score = consistency(sample, delimiter, quote);
            if score > best.1 {
                best = (Dialect { delimiter, quote }, score);
            }
        }
    }
    best.0
}

/// How many of the first records share the most common field count, weighted first, and that
/// count; zero when that count is one (the delimiter splits nothing).
fn consistency(sample: &[u8], delimiter: u8, quote: u8) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quote(quote)
        .from_reader(sample);
    let mut counts: Vec<usize> = Vec::new();
    let mut record = csv::ByteRecord::new();
    while counts.len() < 200 {
        match reader.read_byte_record(&mut record) {
            Ok(true) => counts.push(record.len()),
            _ => break,
        }
    }
    let Some(mode) = super::most_common(&counts) else {
        return 0;
    };
    if mode < 2 {
        return 0;
    }
    let consistent = counts.iter().filter(|&&count| count == mode).count();
    consistent * 1000 + mode.min(999)
}

/// Streams CSV records, numbering them as a spreadsheet shows rows: an empty line counts as a row,
/// a line break inside a quoted field does not.
struct CsvRecords {
    reader: csv::Reader<NormalisedLines<Box<dyn Read + Send>>>,
    record: csv::ByteRecord,
    file: String,
    encoding: &'static Encoding,
    last_row: usize,
    lines: Arc<LineState>,
    first: bool,
}

/// What [`NormalisedLines`] has passed on so far: enough to tell whether the last record ended
/// with a line break.
#[derive(Default)]
struct LineState {
    emitted: AtomicU64,
    at_end: AtomicBool,
    last_byte: AtomicU8,
}

/// Turns CRLF and lone CR line ends into LF as the bytes stream by, so that line counts mean the
/// same in files from Windows, old Macs and everything else. A line break inside a quoted cell
/// becomes LF too, as spreadsheets store it.
struct NormalisedLines<R> {
    inner: R,
    /// The previous byte was a CR: an LF right after it belongs to the same line end.
    skip_lf: bool,
    state: Arc<LineState>,
}

impl<R: Read> Read for NormalisedLines<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let read = self.inner.read(buffer)?;
            if read == 0 {
                self.state.at_end.store(true, Ordering::Relaxed);
                return Ok(0);
            }
            // Most files have no CR at all: nothing to rewrite then.
            if !self.skip_lf && memchr::memchr(b'\r', &buffer[..read]).is_none() {
                self.state.emitted.fetch_add(read as u64, Ordering::Relaxed);
                self.state
                    .last_byte
                    .store(buffer[read - 1], Ordering::Relaxed);
                return Ok(read);
            }
            // Each CR becomes LF, and an LF right after a CR is dropped; the bytes between are
            // moved down in runs (a CRLF file has one run a line).
            let mut start = 0;
            if self.skip_lf && buffer[0] == b'\n' {
                start = 1;
            }
            self.skip_lf = false;
            let mut written = 0;
            while start < read {
                let end = memchr::memchr(b'\r', &buffer[start..read]).map_or(read, |at| start + at);
                buffer.copy_within(start..end, written);
                written += end - start;
                if end == read {
                    break;
                }
                buffer[written] = b'\n';
                written += 1;
                start = end + 1;
                if start == read {
                    self.skip_lf = true;
                } else if buffer[start] == b'\n' {
                    start += 1;
                }
            }
            if written > 0 {
                self.state
                    .emitted
                    .fetch_add(written as u64, Ordering::Relaxed);
                self.state
                    .last_byte
                    .store(buffer[written - 1], Ordering::Relaxed);
                return Ok(written);
            }
        }
    }
}

impl CsvRecords {
    /// Reads the next record into `self.record` and gives its row number; `None` after the
    /// last. Blank records are read too (see [`record_text`]).
    fn advance(&mut self) -> Option<Result<usize, SourceError>> {
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
        let unterminated = self.lines.at_end.load(Ordering::Relaxed)
            && end.byte() == self.lines.emitted.load(Ordering::Relaxed)
            && self.lines.last_byte.load(Ordering::Relaxed) != b'\n';
        // A terminated record that took one line has no line break inside it: the fields of
        // the others are searched.
        let embedded = if unterminated || end.line().saturating_sub(start_line) > 1 {
            memchr::memchr_iter(b'\n', self.record.as_slice()).count() as u64
        } else {
            0
        };
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
        Some(Ok(row))
    }

    fn not_utf8(&self, row: usize, column: usize) -> SourceError {
        SourceError::NotUtf8 {
            file: self.file.clone(),
            row,
            column,
            encoding: self.encoding.name(),
        }
    }
}

/// The text of a record's fields, one after another, when every field is UTF-8 (otherwise the
/// 1-based column of the first that is not); `None` for a blank record (only white space),
/// which is left out as a blank row is.
fn record_text(record: &csv::ByteRecord) -> Result<Option<&str>, usize> {
    let bytes = record.as_slice();
    let Ok(text) = std::str::from_utf8(bytes) else {
        let column = record
            .iter()
            .position(|field| std::str::from_utf8(field).is_err())
            .unwrap_or(0);
        return Err(column + 1);
    };
    // Valid as a whole, yet a character could straddle two fields: each must start on one.
    let mut start = 0;
    for (index, field) in record.iter().enumerate() {
        if !text.is_char_boundary(start) {
            return Err(index);
        }
        start += field.len();
    }
    // The fields are all white space exactly when their text is.
    Ok((!text.trim().is_empty()).then_some(text))
}

/// The fields of `record`, as parts of its [`record_text`].
fn fields<'t>(record: &'t csv::ByteRecord, text: &'t str) -> impl Iterator<Item = &'t str> {
    let mut start = 0;
    record.iter().map(move |field| {
        let end = start + field.len();
        // Every field starts and ends on a character: `record_text` checked.
        let part = text.get(start..end).unwrap_or_default();
        start = end;
        part
    })
}

impl ReadRecords for CsvRecords {
    fn next_record(&mut self) -> Option<Result<Record, SourceError>> {
        loop {
            let row = match self.advance()? {
                Ok(row) => row,
                Err(error) => return Some(Err(error)),
            };
            let text = match record_text(&self.record) {
                Ok(Some(text)) => text,
                Ok(None) => continue,
                Err(column) => return Some(Err(self.not_utf8(row, column))),
            };
            let cells = fields(&self.record, text)
                .map(|field| {
                    if field.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(field.into())
                    }
                })
                .collect();
            return Some(Ok(Record { row, cells }));
        }
    }

    /// Rows as text, straight from the csv reader's buffer into one batch: no cell and no
    /// string a row. A batch stops early at 16 MiB of text, so that long cells cannot make it
    /// large.
    fn next_rows(&mut self, limit: usize, spare: TextRows) -> RowsRead {
        const MAX_BYTES: usize = 16 * 1024 * 1024;
        let mut rows = spare;
        rows.clear();
        rows.reserve(limit, limit * 128);
        let (failure, end) = loop {
            if rows.len() == limit || rows.bytes() >= MAX_BYTES {
                break (None, false);
            }
            let row = match self.advance() {
                Some(Ok(row)) => row,
                Some(Err(error)) => break (Some(error), true),
                None => break (None, true),
            };
            match record_text(&self.record) {
                Ok(Some(text)) => {
                    rows.push_text(row, text, self.record.iter().map(<[u8]>::len));
                }
                Ok(None) => {}
                Err(column) => break (Some(self.not_utf8(row, column)), true),
            }
        };
        RowsRead {
            rows: Rows::Text(rows),
            failure,
            end,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_text_finds_the_column_that_is_not_utf8() {
        let record = |fields: &[&[u8]]| csv::ByteRecord::from(fields.to_vec());
        assert_eq!(
            record_text(&record(&[b"a", "\u{e9}t\u{e9}".as_bytes()])),
            Ok(Some("a\u{e9}t\u{e9}"))
        );
        // Only white space (a no-break space too): a blank row.
        assert_eq!(
            record_text(&record(&[b" ", "\u{a0}".as_bytes(), b""])),
            Ok(None)
        );
        assert_eq!(record_text(&record(&[b"ok", b"\xff", b"x"])), Err(2));
        // The halves of one character in two fields: valid together, neither field alone.
        assert_eq!(record_text(&record(&[b"x", b"a\xc3", b"\xa9b"])), Err(2));
    }

    fn check_dialect(sample: &str, delimiter: u8, quote: u8) {
        let found = detect_dialect(sample.as_bytes(), false, None, None);
        assert_eq!(
            (found.delimiter as char, found.quote as char),
            (delimiter as char, quote as char),
            "{sample:?}"
        );
    }

    #[test]
    fn dialects() {
        check_dialect("a,b,c\n1,2,3\n", b',', b'"');
        check_dialect("a;b;c\n1,5;2;3\n", b';', b'"');
        check_dialect("a\tb\n1\t2\n", b'\t', b'"');
        check_dialect("a|b|c\n1|2|3\n", b'|', b'"');
        check_dialect("name,note\n\"x;y\",\"1;2;3\"\n", b',', b'"');
        check_dialect("name,note\n'x,y',z\n'a,b',c\n", b',', b'\'');
        check_dialect("name,city\nO'Brien,Cork\nD'Arcy,Paris\n", b',', b'"');
        check_dialect("Report of March\n\na;b;c\n1;2;3\n4;5;6\n", b';', b'"');
        check_dialect("single\nvalue\n", b',', b'"');
    }

    fn check_encoding(bytes: &[u8], expected: &str) {
        let encoding = choose_encoding(bytes, None, "f").expect("an encoding");
        assert_eq!(encoding.name(), expected, "{bytes:?}");
    }

    #[test]
    fn encodings() {
        check_encoding(b"name\nplain ascii\n", "UTF-8");
        check_encoding("name\ncaf\u{e9}\n".as_bytes(), "UTF-8");
        check_encoding(b"\xEF\xBB\xBFname\n", "UTF-8");
        check_encoding(b"\xFF\xFEn\0a\0", "UTF-16LE");
        check_encoding(b"\xFE\xFF\0n\0a", "UTF-16BE");
        check_encoding(
            b"name;city\nM\xfcller;K\xf6ln\nGarc\xeda;M\xe1laga\n",
            "windows-1252",
        );
        // A character cut by the end of the sample is still UTF-8.
        check_encoding(&"name\ncaf\u{e9}".as_bytes()[..9], "UTF-8");
        assert!(choose_encoding(b"x", Some("klingon"), "f").is_err());
        assert_eq!(
            choose_encoding(b"x", Some("latin1"), "f")
                .expect("latin1")
                .name(),
            "windows-1252"
        );
    }
    /// Hands out its bytes a few at a time, as a slow pipe does.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let count = self.step.min(self.bytes.len()).min(buffer.len());
            buffer[..count].copy_from_slice(&self.bytes[..count]);
            self.bytes = &self.bytes[count..];
            Ok(count)
        }
    }

    #[test]
    fn line_ends_become_lf_however_the_bytes_arrive() {
        let input = b"a,b\r\n1,\"x\r\ny\"\r\n\r\n2,z\r3,w\n\r\r4,v\r\n";
        let expected = b"a,b\n1,\"x\ny\"\n\n2,z\n3,w\n\n\n4,v\n";
        for step in 1..=input.len() {
            let mut lines = NormalisedLines {
                inner: Trickle { bytes: input, step },
                skip_lf: false,
                state: Arc::new(LineState::default()),
            };
            let mut output = Vec::new();
            let mut buffer = [0u8; 7];
            loop {
                let read = lines.read(&mut buffer).expect("read");
                if read == 0 {
                    break;
                }
                output.extend_from_slice(&buffer[..read]);
            }
            assert_eq!(
                String::from_utf8_lossy(&output),
                String::from_utf8_lossy(expected),
                "step {step}"
            );
            assert_eq!(
                lines.state.emitted.load(Ordering::Relaxed),
                expected.len() as u64
            );
        }
    }
}
