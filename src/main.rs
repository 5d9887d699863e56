//! The `intake` binary: parse the command line, run it, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;
use intake::Cli;

fn main() -> ExitCode {
    // A reader's panic on a damaged file is turned into a message where it is caught; any
    // other is a defect of intake, said in one line instead of a trace.
    std::panic::set_hook(Box::new(|info| {
        if intake::panics_are_caught() {
            return;
        }
        let what = intake::panic_text(info.payload()).unwrap_or_default();
        let place = info
            .location()
            .map(|location| format!(" at {}:{}", location.file(), location.line()))
            .unwrap_or_default();
        eprintln!(
            "error: intake stopped on an internal defect ({what}{place}); nothing more was written. \
             Please report it with the command and, if you can, the file"
        );
    }));
    let cli = Cli::parse();
    let outcome = std::panic::catch_unwind(|| intake::resolve(cli).and_then(intake::run));
    let Ok(outcome) = outcome else {
        return ExitCode::from(2);
    };
    let (code, say) = intake::code(&outcome);
    if let (true, Err(error)) = (say, &outcome) {
        eprintln!("error: {error:#}");
    }
    ExitCode::from(code)
}
