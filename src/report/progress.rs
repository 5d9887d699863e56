//! Progress on stderr while rows are read and written, only on a terminal.

use std::io;

/// Progress on stderr while rows are read and written, shown only when stderr is a terminal
/// (scripts and logs get nothing).
pub(crate) struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// A counter of rows with a rate, labelled `what` ("read").
    pub(crate) fn rows(what: &str) -> Progress {
        Progress::start("{spinner} {human_pos} rows {msg} ({elapsed})", what)
    }

    /// A spinner for a step that counts nothing ("writing 5,000 rows").
    pub(crate) fn step(what: &str) -> Progress {
        Progress::start("{spinner} {msg} ({elapsed})", what)
    }

    pub(crate) fn start(template: &str, message: &str) -> Progress {
        use std::io::IsTerminal;
        if !io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_message(message.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress(Some(bar))
    }

    /// Where the count stands; cheap enough to call for every row.
    pub(crate) fn set(&self, rows: usize) {
        if let Some(bar) = &self.0
            && rows.is_multiple_of(1024)
        {
            bar.set_position(rows as u64);
        }
    }

    pub(crate) fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}
