//! The `intake` binary: parse the command line, run it, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;
use intake::cli::Cli;
use intake::commands::{self, Exit, Refused};
use intake::db::DbError;
use intake::settings;

fn main() -> ExitCode {
    // A reader's panic on a damaged file is turned into a message where it is caught; any
    // other is a defect of intake, said in one line instead of a trace.
    std::panic::set_hook(Box::new(|info| {
        if intake::source::panics_are_caught() {
            return;
        }
        let what = intake::source::panic_text(info.payload()).unwrap_or_default();
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
    let outcome = std::panic::catch_unwind(|| settings::resolve(cli).and_then(commands::run));
    let Ok(outcome) = outcome else {
        return ExitCode::from(2);
    };
    match outcome {
        Ok(Exit::Success) => ExitCode::SUCCESS,
        Ok(Exit::DataErrors) => ExitCode::from(1),
        Err(error) => {
            if error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {error:#}");
            // A plan overtaken by the table (another import got there first) is an import
            // refused with nothing written, as the contract's exit 1 says.
            let overtaken = error.chain().any(|cause| {
                matches!(
                    cause.downcast_ref::<DbError>(),
                    Some(DbError::Changed { .. })
                )
            });
            if error.downcast_ref::<Refused>().is_some() || overtaken {
                ExitCode::from(1)
            } else {
                ExitCode::from(2)
            }
        }
    }
}
