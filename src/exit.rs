//! How intake ends: the exit codes of ../shared/CONTRACT.md, decided in one place. 0: done, or
//! the reader of the output went away (a broken pipe anywhere in the error's chain); 1: the data
//! has errors, or an import was refused or overtaken with nothing written (`Refused`,
//! `DbError::Changed`); 2: everything else (bad usage, a file that cannot be read, a database
//! that cannot be reached).
//!
//! Invariant: no other file turns an outcome into an exit code.

use crate::db::DbError;

/// How a command that ran ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done, nothing wrong: exit 0.
    Success,
    /// The data has errors: exit 1.
    DataErrors,
}

/// An import that was refused or failed with nothing written: exit 1, not 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Refused(pub String);

/// The exit code of a command's outcome, and whether its error is worth saying (a broken pipe
/// is not: whoever read the output has stopped reading).
pub fn code(outcome: &anyhow::Result<Exit>) -> (u8, bool) {
    match outcome {
        Ok(Exit::Success) => (0, false),
        Ok(Exit::DataErrors) => (1, false),
        Err(error) => {
            let broken_pipe = error.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return (0, false);
            }
            // A plan overtaken by the table (another import got there first) is an import
            // refused with nothing written, as the contract's exit 1 says.
            let refused = error.chain().any(|cause| {
                cause.downcast_ref::<Refused>().is_some()
                    || matches!(
                        cause.downcast_ref::<DbError>(),
                        Some(DbError::Changed { .. })
                    )
            });
            (if refused { 1 } else { 2 }, true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn each_outcome_has_its_code_wherever_the_cause_sits_in_the_chain() {
        let broken = || -> anyhow::Result<Exit> {
            Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe)).context("writing the table")
        };
        assert_eq!(code(&broken()), (0, false));
        let refused = || -> anyhow::Result<Exit> {
            Err(Refused("the plan changed".to_string())).context("import")
        };
        assert_eq!(code(&refused()), (1, true));
        let overtaken: anyhow::Result<Exit> = Err(DbError::Changed {
            table: "products".to_string(),
            reason: "another import created the table".to_string(),
        }
        .into());
        assert_eq!(code(&overtaken), (1, true));
        let other: anyhow::Result<Exit> = Err(anyhow::anyhow!("cannot read the file"));
        assert_eq!(code(&other), (2, true));
        assert_eq!(code(&Ok(Exit::Success)), (0, false));
        assert_eq!(code(&Ok(Exit::DataErrors)), (1, false));
    }
}
