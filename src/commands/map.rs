//! `intake map`: stage 1 alone, its mapping shown (and saved with `--save`).

use std::path::Path;

use super::prepare::{prepare, stage_one_document};
use crate::exit::Exit;
use crate::learned;
use crate::report;
use crate::settings::MapCommandSettings;

pub(crate) async fn map(settings: &MapCommandSettings) -> anyhow::Result<Exit> {
    let prepared = prepare(&settings.map).await?;
    let mut document = stage_one_document(&prepared);
    if settings.save {
        let columns: Vec<(String, Option<String>)> = document
            .mapping
            .iter()
            .map(|entry| (entry.column.clone(), entry.field.clone()))
            .collect();
        let path = learned::save(Path::new(learned::FOLDER), &prepared.schema.name, &columns)?;
        document.saved = Some(path.display().to_string());
    }
    report::print(&document, settings.map.output)?;
    Ok(Exit::Success)
}
