//! The commands, one file each (`inspect`, `map`, `validate`, `import`, `undo`, `history`,
//! `backups`): each runs the stages in order (source → detect → validate → load) and hands what
//! they found to `report`. `prepare` is stage 1 as every command runs it; `commit` is an
//! import's commit (the safety backup, the journal, the rows planned again inside the
//! transaction). Here: `run`, which picks the command, and
//! the terminal's yes/no question.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `commands/`: one file per command (`inspect`, `map`, `validate`, `import`, `undo`,
//! `history`, `backups`), each running the stages in order and handing their results to
//! `report`; `mod.rs` holds `run` (which picks the command) and the
//! terminal's yes/no question. `prepare.rs` is stage 1 as every command runs it: the schema
//! resolved, the sheet chosen by fit when `--sheet` is absent (`open_best_sheet`: each sheet read
//! to its header and mapped; another than the first only when the first fits clearly worse, the
//! reason in `Table::sheet_reason`), learned mappings and `--llm` suggestions applied, and on a
//! terminal the open columns offered for a required field that found none
//! (`offer_missing_columns`, dialoguer). `validate.rs` gathers the values references are checked
//! against (`--reference` files, or the database). `plan.rs` is the import's plan as the dry run
//! shows it (`ImportSetup`, `Planning` on a thread of its own, the refusal rules raising
//! `exit::Refused`, preview and diff); `commit.rs` the commit (safety backup and SHA-256 on their
//! threads, the rows planned again run by run inside the transaction, the journal, the history
//! row). Invariant: the files import in one direction (`import` → `commit` → `plan` →
//! `prepare`), and only `mod.rs` is reached from outside (`commands::run`).

use std::io::IsTerminal;

use anyhow::Context;

use crate::exit::{Exit, Refused};
use crate::settings::Settings;

mod backups;
mod commit;
mod history;
mod import;
mod inspect;
mod map;
mod plan;
mod prepare;
mod undo;
mod validate;

pub fn run(settings: Settings) -> anyhow::Result<Exit> {
    // One thread: sqlx needs a runtime, and the work is one stream of rows.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        match &settings {
            // Needs no database, runs all the same on the one thread.
            Settings::Inspect(settings) => inspect::inspect(settings),
            Settings::Map(settings) => map::map(settings).await,
            Settings::Validate(settings) => validate::validate(settings).await,
            Settings::Import(settings) => import::import(settings).await,
            Settings::History(settings) => history::history(settings).await,
            Settings::Backup(settings) => backups::backup_command(settings).await,
            Settings::Undo(settings) => undo::undo(settings).await,
        }
    })
}

/// Asks a yes/no question on the terminal; anything but yes, or no terminal, refuses.
pub(crate) fn ask(question: &str, what: &str, nothing: &str) -> anyhow::Result<()> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        return Err(Refused(format!(
            "{what} needs a confirmation: run it in a terminal to be asked, or pass --yes; {nothing}"
        ))
        .into());
    }
    let accepted = dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .context("cannot read the answer from the terminal")?;
    if !accepted {
        return Err(Refused(format!("not confirmed: {nothing}")).into());
    }
    Ok(())
}
