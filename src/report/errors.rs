//! The error files people open: the report (CSV or JSON), the rejects file (formula guards
//! put in front of what a spreadsheet would run), the dry run's diff; and the errors of a run
//! counted and passed on as they come (`ErrorSink`).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::validate::RowError;

/// Writes every change of a plan's updates as CSV: row, key, column, old, new.
pub(crate) fn write_diff(path: &std::path::Path, lines: &[[String; 5]]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(create(path)?);
    writer.write_record(["row", "key", "column", "old", "new"])?;
    for line in lines {
        writer.write_record(line.iter().map(|field| neutralise(field).into_owned()))?;
    }
    commit_csv(writer)
}

/// What a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a carriage return
/// first) gets a leading apostrophe, so that opening a report never runs anything. Plain numbers
/// such as `-3` are left alone: they cannot be formulas.
pub(super) fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let plain_number = {
        let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        !whole.is_empty()
            && whole.bytes().all(|byte| byte.is_ascii_digit())
            && fraction.bytes().all(|byte| byte.is_ascii_digit())
    };
    if risky && !plain_number {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Every error of a run, counted and passed on as it comes: to the report file, the rejects
/// file, and a short list for the terminal. Only the JSON document on stdout keeps them all.
pub(crate) struct ErrorSink {
    show: usize,
    keep_all: bool,
    pub summary: ErrorSummary,
    report: Option<ReportFile>,
    rejects: Option<(String, csv::Writer<OutputFile>)>,
    width: usize,
}

/// Counts and the first errors, for the terminal; all errors when the JSON document needs them.
#[derive(Debug, Default)]
pub(crate) struct ErrorSummary {
    pub total: usize,
    /// (code, column) → errors.
    pub counts: BTreeMap<(String, String), usize>,
    pub first: Vec<RowError>,
    pub all: Option<ErrorList>,
}

/// Errors an [`ErrorList`] keeps in memory; the rest wait in a temporary file.
const ERRORS_IN_MEMORY: usize = 10_000;

/// Every error of a run, for the JSON document, in memory that does not grow with them: the
/// first [`ERRORS_IN_MEMORY`] as they are, the rest as JSON lines in an anonymous temporary
/// file (gone when it is closed). Serialized as one JSON array either way, in the order added.
#[derive(Debug, Default)]
pub(crate) struct ErrorList {
    kept: Vec<RowError>,
    spilled: Option<Spilled>,
}

#[derive(Debug)]
struct Spilled {
    writer: io::BufWriter<std::fs::File>,
    count: usize,
}

impl ErrorList {
    pub(crate) fn push(&mut self, error: RowError) -> anyhow::Result<()> {
        use anyhow::Context;
        if self.kept.len() < ERRORS_IN_MEMORY {
            self.kept.push(error);
            return Ok(());
        }
        let spilled = match &mut self.spilled {
            Some(spilled) => spilled,
            None => self.spilled.insert(Spilled {
                writer: io::BufWriter::new(
                    tempfile::tempfile()
                        .context("cannot create a temporary file to hold the errors")?,
                ),
                count: 0,
            }),
        };
        serde_json::to_writer(&mut spilled.writer, &error)?;
        spilled
            .writer
            .write_all(b"\n")
            .context("cannot write the errors to a temporary file")?;
        spilled.count += 1;
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.kept.len() + self.spilled.as_ref().map_or(0, |spilled| spilled.count)
    }

    /// Writes out what is buffered, so that serializing reads every error back.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        match &mut self.spilled {
            Some(spilled) => spilled.writer.flush(),
            None => Ok(()),
        }
    }
}

impl Serialize for ErrorList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        use std::io::{BufRead, Seek};
        let mut sequence = serializer.serialize_seq(Some(self.len()))?;
        for error in &self.kept {
            sequence.serialize_element(error)?;
        }
        if let Some(spilled) = &self.spilled {
            let mut file = spilled
                .writer
                .get_ref()
                .try_clone()
                .map_err(S::Error::custom)?;
            file.seek(io::SeekFrom::Start(0))
                .map_err(S::Error::custom)?;
            for line in io::BufReader::new(file).lines() {
                let line = line.map_err(S::Error::custom)?;
                let error: RowError = serde_json::from_str(&line).map_err(S::Error::custom)?;
                sequence.serialize_element(&error)?;
            }
        }
        sequence.end()
    }
}

type OutputFile = std::io::BufWriter<crate::output::Pending>;

enum ReportFile {
    Csv(String, Box<csv::Writer<OutputFile>>),
    Json(String, OutputFile, bool),
}

/// A file that lands at `path` only when [`commit`] is called on it.
pub(crate) fn create(path: &std::path::Path) -> anyhow::Result<OutputFile> {
    Ok(std::io::BufWriter::new(crate::output::Pending::create(
        path,
    )?))
}

pub(crate) fn commit(writer: OutputFile) -> anyhow::Result<()> {
    writer
        .into_inner()
        .map_err(|error| error.into_error())?
        .commit()
}

fn commit_csv(writer: csv::Writer<OutputFile>) -> anyhow::Result<()> {
    commit(writer.into_inner().map_err(|error| error.into_error())?)
}

impl ErrorSink {
    /// `headers` are the file's columns, for the rejects file.
    pub(crate) fn new(
        show: usize,
        keep_all: bool,
        report: Option<&std::path::Path>,
        rejects: Option<&std::path::Path>,
        headers: &[String],
    ) -> anyhow::Result<ErrorSink> {
        let report = match report {
            None => None,
            Some(path)
                if path
                    .extension()
                    .is_some_and(|extension| extension.eq_ignore_ascii_case("json")) =>
            {
                let mut writer = create(path)?;
                writer.write_all(b"[")?;
                Some(ReportFile::Json(path.display().to_string(), writer, true))
            }
            Some(path) => {
                let mut writer = csv::Writer::from_writer(create(path)?);
                writer.write_record(crate::output::REPORT_COLUMNS)?;
                Some(ReportFile::Csv(
                    path.display().to_string(),
                    Box::new(writer),
                ))
            }
        };
        let rejects = match rejects {
            None => None,
            Some(path) => {
                let mut output = create(path)?;
                // A byte-order mark, so that Excel opens the file as UTF-8; intake skips it.
                output.write_all(b"\xEF\xBB\xBF")?;
                let mut writer = csv::Writer::from_writer(output);
                let mut header: Vec<String> = headers
                    .iter()
                    .map(|header| neutralise(header).into_owned())
                    .collect();
                header.push("errors".to_string());
                writer.write_record(&header)?;
                Some((path.display().to_string(), writer))
            }
        };
        Ok(ErrorSink {
            show,
            keep_all,
            summary: ErrorSummary {
                all: keep_all.then(ErrorList::default),
                ..ErrorSummary::default()
            },
            report,
            rejects,
            width: headers.len(),
        })
    }

    /// Takes the errors of one rejected record.
    pub(crate) fn add(
        &mut self,
        record: crate::source::RowCells<'_>,
        errors: Vec<RowError>,
    ) -> anyhow::Result<()> {
        if let Some((_, writer)) = &mut self.rejects {
            let mut cells: Vec<String> = (0..self.width)
                .map(|index| {
                    record
                        .get(index)
                        .map(|cell| cell.to_text())
                        .unwrap_or_default()
                })
                .map(|text| neutralise(&text).into_owned())
                .collect();
            let messages: Vec<String> = errors
                .iter()
                .map(|error| match &error.column {
                    Some(column) => format!("{column}: {}", error.message),
                    None => error.message.clone(),
                })
                .collect();
            cells.push(neutralise(&messages.join("; ")).into_owned());
            writer.write_record(&cells)?;
        }
        for error in errors {
            self.summary.total += 1;
            *self
                .summary
                .counts
                .entry((
                    error.code.as_str().to_string(),
                    error.column.clone().unwrap_or_default(),
                ))
                .or_default() += 1;
            match &mut self.report {
                Some(ReportFile::Csv(_, writer)) => {
                    let row = error.row.to_string();
                    let fields = [
                        row.as_str(),
                        error.cell.as_deref().unwrap_or_default(),
                        error.column.as_deref().unwrap_or_default(),
                        error.field.as_deref().unwrap_or_default(),
                        error.value.as_str(),
                        error.code.as_str(),
                        error.message.as_str(),
                    ];
                    writer.write_record(
                        fields
                            .iter()
                            .map(|field| neutralise(field))
                            .map(|field| field.into_owned()),
                    )?;
                }
                Some(ReportFile::Json(_, writer, first)) => {
                    writer.write_all(if *first { b"\n  " } else { b",\n  " })?;
                    *first = false;
                    let mut neutral = error.clone();
                    neutral.value = neutralise(&neutral.value).into_owned();
                    neutral.column = neutral
                        .column
                        .map(|column| neutralise(&column).into_owned());
                    serde_json::to_writer(&mut *writer, &neutral)?;
                }
                None => {}
            }
            if self.summary.first.len() < self.show {
                self.summary.first.push(error.clone());
            }
            if self.keep_all
                && let Some(all) = &mut self.summary.all
            {
                all.push(error)?;
            }
        }
        Ok(())
    }

    /// Closes the files; gives the summary and the files written.
    pub(crate) fn finish(mut self) -> anyhow::Result<(ErrorSummary, Vec<String>)> {
        if let Some(all) = &mut self.summary.all {
            all.flush()?;
        }
        let mut written = Vec::new();
        match self.report {
            Some(ReportFile::Csv(path, writer)) => {
                commit_csv(*writer)?;
                written.push(path);
            }
            Some(ReportFile::Json(path, mut writer, first)) => {
                writer.write_all(if first { b"]\n" } else { b"\n]\n" })?;
                commit(writer)?;
                written.push(path);
            }
            None => {}
        }
        if let Some((path, writer)) = self.rejects {
            commit_csv(writer)?;
            written.push(path);
        }
        Ok((self.summary, written))
    }
}
