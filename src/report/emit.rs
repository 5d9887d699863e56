//! The one place that branches on `Output`: a document to stdout as pretty JSON, or through its
//! tables for people; a closed pipe is not an error.

use std::io::{self, Write};

use serde::Serialize;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Table,
    Json,
}

/// Writes `document` to stdout as pretty JSON, or through `tables` for people. A closed pipe
/// (`| head`) is not an error.
pub(crate) fn emit<D: Serialize>(
    document: &D,
    output: Output,
    tables: impl FnOnce(&mut io::StdoutLock<'static>, &D) -> io::Result<()>,
) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let result = match output {
        Output::Json => serde_json::to_writer_pretty(&mut out, document)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out)),
        Output::Table => tables(&mut out, document),
    };
    match result {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.and_then(|()| out.flush()),
    }
}

/// One line of plain output, for what follows a printed document (the end of a commit).
pub(super) fn print_line(line: &str) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match writeln!(out, "{line}") {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
