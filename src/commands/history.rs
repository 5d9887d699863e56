//! `intake history`: the imports recorded in the database.

use crate::db;
use crate::exit::Exit;
use crate::report;
use crate::settings::HistorySettings;

pub(crate) async fn history(settings: &HistorySettings) -> anyhow::Result<Exit> {
    let entries = match db::open(&settings.database).await? {
        Some(mut database) => database.history().await?,
        None => Vec::new(),
    };
    report::print_history(&entries, settings.output)?;
    Ok(Exit::Success)
}
