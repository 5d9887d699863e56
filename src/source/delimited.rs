//! Delimited text (CSV, TSV, semicolon- or pipe-separated): the encoding, the dialect, and the
//! records, numbered as a spreadsheet numbers rows. Parsed by csv_core into reused buffers.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use encoding_rs::{Encoding, UTF_8};
use encoding_rs_io::DecodeReaderBytesBuilder;

use super::header::most_common;
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
        // No buffer either: the reader's own large buffer is filled straight from the file.
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
    let core = csv_core::ReaderBuilder::new()
        .delimiter(dialect.delimiter)
        .quote(dialect.quote)
        .build();
    CsvRecords {
        core,
        delimiter: dialect.delimiter,
        quote: dialect.quote,
        lines_split: dialect.delimiter.is_ascii() && dialect.quote.is_ascii(),
        input: NormalisedLines::new(input),
        buffer: vec![0; 256 * 1024],
        at: 0,
        filled: 0,
        parsed: 0,
        line: 1,
        done: false,
        last: LastRecord::Parsed,
        fields: vec![0; 1024],
        ends: vec![0; 64],
        field_bytes: 0,
        field_count: 0,
        file,
        encoding,
        last_row: 0,
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
    // Before UTF-8: UTF-16 text of Latin letters is valid UTF-8 too, with a NUL every other byte.
    if let Some(encoding) = utf16_without_bom(sample) {
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

/// UTF-16 written without a byte-order mark, as some exporters do: in a sample of text that is
/// mostly Latin letters, digits and punctuation, the high byte of every unit is zero, so one of
/// the two byte positions is nearly all NULs and the other nearly none.
pub(super) fn utf16_without_bom(sample: &[u8]) -> Option<&'static Encoding> {
    let pairs = sample.len().min(8192) / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in sample[..pairs * 2].chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    let most = pairs * 4 / 10;
    let few = pairs / 20;
    if odd >= most && even <= few {
        Some(encoding_rs::UTF_16LE)
    } else if even >= most && odd <= few {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// How a delimited file separates fields and quotes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Dialect {
    pub delimiter: u8,
    pub quote: u8,
}

/// Picks the delimiter and quote that split the sample's lines into the most consistent number
/// of fields (more than one), as DuckDB's sniffer does: agreement first, then width. On a tie,
/// comma before semicolon, tab and pipe (tab first for a .tsv), and the double quote first.
pub(super) fn detect_dialect(
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
    let Some(mode) = most_common(&counts) else {
        return 0;
    };
    if mode < 2 {
        return 0;
    }
    let consistent = counts.iter().filter(|&&count| count == mode).count();
    consistent * 1000 + mode.min(999)
}

/// Streams CSV records, numbering them as a spreadsheet shows rows: an empty line counts as a row,
/// a line break inside a quoted field does not. A line without a quote character (most lines)
/// is a record as it stands, its fields between the delimiters: it is taken from the reader's
/// own input buffer as it is. Any other record (quoted fields, the first record, a last line
/// without a line break, a line longer than the buffer) is parsed by csv_core into the record
/// buffers. [`ReadRecords::next_rows`] copies records into a batch and checks its UTF-8 once.
/// The most bytes one record may take: far more than any row of a spreadsheet (16,384 cells of
/// 32,767 characters would be past it only when every cell is full), and a bound on what a
/// quote that is never closed makes intake hold.
const MOST_RECORD_BYTES: usize = 64 << 20;

struct CsvRecords {
    core: csv_core::Reader,
    delimiter: u8,
    quote: u8,
    /// Both ASCII: a line without the quote splits at the delimiter, and a field between two
    /// delimiters is UTF-8 exactly when the line is.
    lines_split: bool,
    input: NormalisedLines<Box<dyn Read + Send>>,
    /// Bytes read from `input`; `buffer[at..filled]` are not parsed yet.
    buffer: Vec<u8>,
    at: usize,
    filled: usize,
    /// Bytes parsed so far (after line ends were normalised).
    parsed: u64,
    /// The line the next record starts on, counted as csv_core counts lines.
    line: u64,
    /// Nothing more to read: the last record was read, or a read error was given.
    done: bool,
    /// Where the last record read is.
    last: LastRecord,
    /// A record parsed by csv_core: its fields one after another in `fields[..field_bytes]`,
    /// and the end of each in `ends[..field_count]`.
    fields: Vec<u8>,
    ends: Vec<usize>,
    field_bytes: usize,
    field_count: usize,
    file: String,
    encoding: &'static Encoding,
    last_row: usize,
    first: bool,
}

/// Where [`CsvRecords::advance`] left the record it read.
#[derive(Clone, Copy)]
enum LastRecord {
    /// `buffer[start..end]`, a line without its line break: fields between delimiters.
    Line(usize, usize),
    /// In `fields` and `ends`, as csv_core wrote it.
    Parsed,
}

/// Turns CRLF and lone CR line ends into LF as the bytes stream by, so that line counts mean the
/// same in files from Windows, old Macs and everything else. A line break inside a quoted cell
/// becomes LF too, as spreadsheets store it. Keeps what it has passed on so far: enough to tell
/// whether the last record ended with a line break.
struct NormalisedLines<R> {
    inner: R,
    /// The previous byte was a CR: an LF right after it belongs to the same line end.
    skip_lf: bool,
    emitted: u64,
    at_end: bool,
    last_byte: u8,
}

impl<R> NormalisedLines<R> {
    fn new(inner: R) -> NormalisedLines<R> {
        NormalisedLines {
            inner,
            skip_lf: false,
            emitted: 0,
            at_end: false,
            last_byte: 0,
        }
    }
}

impl<R: Read> Read for NormalisedLines<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let read = self.inner.read(buffer)?;
            if read == 0 {
                self.at_end = true;
                return Ok(0);
            }
            // Most files have no CR at all: nothing to rewrite then.
            if !self.skip_lf && memchr::memchr(b'\r', &buffer[..read]).is_none() {
                self.emitted += read as u64;
                self.last_byte = buffer[read - 1];
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
                self.emitted += written as u64;
                self.last_byte = buffer[written - 1];
                return Ok(written);
            }
        }
    }
}

impl CsvRecords {
    /// Reads the next record and gives its row number; `None` after the last. Blank records
    /// are read too (see [`CsvRecords::last_is_blank`]).
    fn advance(&mut self) -> Option<Result<usize, SourceError>> {
        if self.done {
            return None;
        }
        // Empty lines are rows of their own that hold no record.
        let mut empty_lines = 0;
        loop {
            if self.first || !self.lines_split {
                break;
            }
            // The first line break or quote, in one search: a quote first is a record for
            // csv_core.
            let pending = &self.buffer[self.at..self.filled];
            let found = memchr::memchr2(b'\n', self.quote, pending);
            if found.is_some_and(|at| pending[at] != b'\n') {
                break;
            }
            let Some(length) = found else {
                // No whole line is buffered: more is read first, unless the input is over or
                // the line fills the buffer (csv_core takes those).
                if !self.input.at_end && (self.at > 0 || self.filled < self.buffer.len()) {
                    self.buffer.copy_within(self.at..self.filled, 0);
                    self.filled -= self.at;
                    self.at = 0;
                    if let Err(error) = self.fill() {
                        return Some(Err(error));
                    }
                    continue;
                }
                break;
            };
            let start = self.at;
            self.at += length + 1;
            self.parsed += length as u64 + 1;
            self.line += 1;
            if length == 0 {
                empty_lines += 1;
                continue;
            }
            self.last = LastRecord::Line(start, start + length);
            self.last_row += 1 + empty_lines;
            return Some(Ok(self.last_row));
        }
        let row = self.parse()?;
        Some(row.map(|row| {
            self.last_row = row + empty_lines;
            self.last_row
        }))
    }

    /// Reads more of the input after `buffer[..filled]`.
    fn fill(&mut self) -> Result<(), SourceError> {
        // Reading into no room would look like the end of the input.
        if self.filled == self.buffer.len() {
            return Ok(());
        }
        loop {
            match self.input.read(&mut self.buffer[self.filled..]) {
                Ok(read) => {
                    self.filled += read;
                    return Ok(());
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => {
                    self.done = true;
                    return Err(SourceError::Csv {
                        file: self.file.clone(),
                        row: self.last_row + 1,
                        reason: error.to_string(),
                    });
                }
            }
        }
    }

    /// Parses the next record with csv_core into `fields` and `ends` and gives its row number
    /// (from `last_row`); `None` after the last.
    fn parse(&mut self) -> Option<Result<usize, SourceError>> {
        use csv_core::ReadRecordResult;
        let start_line = self.line;
        self.core.set_line(start_line);
        let (mut written, mut ended) = (0, 0);
        loop {
            if self.at == self.filled && !self.input.at_end {
                self.at = 0;
                self.filled = 0;
                if let Err(error) = self.fill() {
                    return Some(Err(error));
                }
            }
            let (result, read, wrote, ends) = self.core.read_record(
                &self.buffer[self.at..self.filled],
                &mut self.fields[written..],
                &mut self.ends[ended..],
            );
            self.at += read;
            self.parsed += read as u64;
            written += wrote;
            ended += ends;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if self.fields.len() >= MOST_RECORD_BYTES {
                        return Some(Err(SourceError::RecordTooLong {
                            file: self.file.clone(),
                            row: start_line as usize,
                        }));
                    }
                    let size = (self.fields.len() * 2).clamp(64, MOST_RECORD_BYTES);
                    self.fields.resize(size, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let size = (self.ends.len() * 2).max(16);
                    self.ends.resize(size, 0);
                }
                ReadRecordResult::Record => break,
                ReadRecordResult::End => {
                    self.done = true;
                    return None;
                }
            }
        }
        self.last = LastRecord::Parsed;
        self.field_bytes = written;
        self.field_count = ended;
        // csv_core skips empty lines without a trace but in its line count: the lines this
        // record took, less its own (one, plus line breaks inside quoted fields), were empty
        // lines above it, and each is a row in a spreadsheet.
        let end_line = self.core.line();
        self.line = end_line;
        let unterminated =
            self.input.at_end && self.parsed == self.input.emitted && self.input.last_byte != b'\n';
        // A terminated record that took one line has no line break inside it: the fields of
        // the others are searched.
        let embedded = if unterminated || end_line.saturating_sub(start_line) > 1 {
            memchr::memchr_iter(b'\n', &self.fields[..written]).count() as u64
        } else {
            0
        };
        let own_lines = embedded + u64::from(!unterminated);
        let blank_lines = end_line
            .saturating_sub(start_line)
            .saturating_sub(own_lines) as usize;
        if self.first {
            self.first = false;
            self.strip_bom();
        }
        Some(Ok(self.last_row + 1 + blank_lines))
    }

    /// The fields of the last record read.
    fn last_fields(&self) -> impl Iterator<Item = &[u8]> {
        let (line, parsed) = match self.last {
            LastRecord::Line(start, end) => (Some(&self.buffer[start..end]), None),
            LastRecord::Parsed => (None, Some(&self.ends[..self.field_count])),
        };
        let delimiter = self.delimiter;
        let mut start = 0;
        let parsed = parsed.into_iter().flatten().map(move |&end| {
            let field = &self.fields[start..end];
            start = end;
            field
        });
        line.into_iter()
            .flat_map(move |line| line.split(move |&byte| byte == delimiter))
            .chain(parsed)
    }

    /// Whether the last record holds only white space, which is left out as a blank row is.
    /// Bytes that are not UTF-8 are not blank: their error is found when they are checked.
    fn last_is_blank(&self) -> bool {
        if let LastRecord::Line(start, _) = self.last {
            let first = self.buffer[start];
            if first.is_ascii() && first != self.delimiter && !char::from(first).is_whitespace() {
                return false;
            }
        }
        self.last_fields()
            .all(|field| std::str::from_utf8(field).is_ok_and(|text| text.trim().is_empty()))
    }

    /// Appends the last record to a batch's text (each field followed by one ASCII byte) and
    /// the end of each field.
    fn append_last(&self, text: &mut Vec<u8>, ends: &mut Vec<usize>) {
        match self.last {
            LastRecord::Line(start, end) => {
                // The line as it is: its delimiters and line break separate the fields.
                let line = &self.buffer[start..end];
                let base = text.len();
                text.extend_from_slice(&self.buffer[start..=end]);
                ends.extend(memchr::memchr_iter(self.delimiter, line).map(|at| base + at));
                ends.push(base + line.len());
            }
            LastRecord::Parsed => {
                let mut start = 0;
                for &end in &self.ends[..self.field_count] {
                    text.extend_from_slice(&self.fields[start..end]);
                    ends.push(text.len());
                    text.push(b'\n');
                    start = end;
                }
            }
        }
    }

    /// Drops a byte-order mark left at the start of the first field.
    fn strip_bom(&mut self) {
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        let first_end = self.ends[..self.field_count].first().copied().unwrap_or(0);
        if self.fields[..first_end].starts_with(BOM) {
            self.fields.copy_within(BOM.len()..self.field_bytes, 0);
            self.field_bytes -= BOM.len();
            for end in &mut self.ends[..self.field_count] {
                *end -= BOM.len();
            }
        }
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

/// The 1-based column of the first field that is not UTF-8 on its own. A character split
/// between two fields makes the first of them the one.
fn first_not_utf8<'f>(fields: impl Iterator<Item = &'f [u8]>) -> Option<usize> {
    fields
        .enumerate()
        .find(|(_, field)| std::str::from_utf8(field).is_err())
        .map(|(index, _)| index + 1)
}

impl ReadRecords for CsvRecords {
    fn next_record(&mut self) -> Option<Result<Record, SourceError>> {
        loop {
            let row = match self.advance()? {
                Ok(row) => row,
                Err(error) => return Some(Err(error)),
            };
            if let Some(column) = first_not_utf8(self.last_fields()) {
                return Some(Err(self.not_utf8(row, column)));
            }
            if self.last_is_blank() {
                continue;
            }
            let cells = self
                .last_fields()
                .map(|field| match std::str::from_utf8(field) {
                    Ok("") | Err(_) => Cell::Empty,
                    Ok(text) => Cell::Text(text.into()),
                })
                .collect();
            return Some(Ok(Record { row, cells }));
        }
    }

    /// Rows as text, copied from the input buffer (or the parser's record buffer) into one
    /// batch: no cell and no string a row, and the batch's UTF-8 checked at once. A batch stops
    /// early at 16 MiB of text, so that long cells cannot make it large.
    fn next_rows(&mut self, limit: usize, spare: TextRows) -> RowsRead {
        const MAX_BYTES: usize = 16 * 1024 * 1024;
        let (text, mut ends, mut rows) = spare.into_parts();
        let mut bytes = text.into_bytes();
        bytes.clear();
        ends.clear();
        rows.clear();
        bytes.reserve(limit * 128);
        ends.reserve(limit * 8);
        rows.reserve(limit);
        let mut failure = None;
        let mut end = false;
        while rows.len() < limit && bytes.len() < MAX_BYTES {
            let row = match self.advance() {
                Some(Ok(row)) => row,
                Some(Err(error)) => {
                    failure = Some(error);
                    end = true;
                    break;
                }
                None => {
                    end = true;
                    break;
                }
            };
            if self.last_is_blank() {
                continue;
            }
            self.append_last(&mut bytes, &mut ends);
            rows.push((row, ends.len()));
        }
        // The fields are separated by ASCII bytes, so the batch is UTF-8 exactly when each field
        // is. Only when it is not are the rows checked one by one, for the first that is not
        // (its error replaces any read error after it).
        if !bytes.is_ascii() && std::str::from_utf8(&bytes).is_err() {
            let mut fields_start: usize = 0;
            for (index, &(row, fields_end)) in rows.iter().enumerate() {
                let text_start = fields_start
                    .checked_sub(1)
                    .map_or(0, |before| ends[before] + 1);
                let mut start = text_start;
                let fields = ends[fields_start..fields_end].iter().map(|&field_end| {
                    let field = &bytes[start..field_end];
                    start = field_end + 1;
                    field
                });
                if let Some(column) = first_not_utf8(fields) {
                    failure = Some(self.not_utf8(row, column));
                    end = true;
                    self.done = true;
                    bytes.truncate(text_start);
                    ends.truncate(fields_start);
                    rows.truncate(index);
                    break;
                }
                fields_start = fields_end;
            }
        }
        // Valid now: every row before the first that is not is valid.
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
        RowsRead {
            rows: Rows::Text(TextRows::from_parts(text, ends, rows)),
            failure,
            end,
        }
    }
}

#[cfg(test)]
mod tests;
