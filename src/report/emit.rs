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

impl Output {
    /// Whether a command shows its plan before its question and its outcome after it, for
    /// people to read as it goes (tables), rather than one whole document at the end (JSON).
    pub(crate) fn in_steps(self) -> bool {
        match self {
            Output::Table => true,
            Output::Json => false,
        }
    }

    /// Whether the document itself carries every error (JSON), rather than a summary of them.
    pub(crate) fn holds_every_error(self) -> bool {
        match self {
            Output::Table => false,
            Output::Json => true,
        }
    }
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

/// A warning that does not stop the command, on stderr: every one goes through here.
pub(crate) fn warn(message: &str) {
    eprintln!("warning: {message}");
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
