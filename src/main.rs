//! The `intake` binary: parse the command line, run it, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;
use intake::cli::Cli;
use intake::commands::{self, Exit, Refused};
use intake::settings;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match settings::resolve(cli).and_then(commands::run) {
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
            if error.downcast_ref::<Refused>().is_some() {
                ExitCode::from(1)
            } else {
                ExitCode::from(2)
            }
        }
    }
}
