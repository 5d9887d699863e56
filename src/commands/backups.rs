//! `intake backup create/list/verify/restore/prune`.

use anyhow::Context;

use super::ask;
use crate::backup;
use crate::db;
use crate::exit::Exit;
use crate::report;
use crate::settings::{BackupAction, BackupSettings};

pub(crate) async fn backup_command(settings: &BackupSettings) -> anyhow::Result<Exit> {
    let store = backup::Store::new(&settings.dir);
    match &settings.action {
        BackupAction::Create {
            database,
            selection,
        } => {
            let mut connected = db::open(database).await?.with_context(|| {
                format!("{database} does not exist: there is nothing to back up")
            })?;
            let manifest = backup::create(&mut connected, &store, selection, "manual").await?;
            let document = report::BackupCreated {
                id: manifest.id.clone(),
                path: store.dir.join(&manifest.id).display().to_string(),
                tables: manifest
                    .tables
                    .iter()
                    .map(|table| (table.shape.name.clone(), table.rows.into()))
                    .collect(),
                bytes: manifest.tables.iter().map(|table| table.bytes).sum(),
            };
            report::print_backup_created(&document, settings.output)?;
            Ok(Exit::Success)
        }
        BackupAction::List => {
            report::print_backup_list(&store.list()?, settings.output)?;
            Ok(Exit::Success)
        }
        BackupAction::Verify { id } => {
            let verification = store.verify(id)?;
            report::print_verification(&verification, settings.output)?;
            Ok(if verification.ok {
                Exit::Success
            } else {
                Exit::DataErrors
            })
        }
        BackupAction::Restore {
            id,
            database,
            confirmed,
            options,
        } => {
            let manifest = store.manifest(id)?;
            if !confirmed {
                let tables: Vec<&str> = manifest
                    .tables
                    .iter()
                    .map(|table| table.shape.name.as_str())
                    .filter(|name| {
                        options
                            .tables
                            .as_ref()
                            .is_none_or(|wanted| wanted.iter().any(|wanted| wanted == name))
                    })
                    .collect();
                ask(
                    &format!(
                        "Make tables {} of {database} equal to backup {id} of {}? Rows not in the backup are deleted",
                        tables.join(", "),
                        manifest.created_at
                    ),
                    "a restore",
                    "nothing was restored",
                )?;
            }
            let mut connected = db::open_or_create(database).await?;
            let restored = backup::restore(&mut connected, &store, id, options).await?;
            report::print_restore(&restored, settings.output)?;
            Ok(Exit::Success)
        }
        BackupAction::Prune { retention, dry_run } => {
            let deleted = backup::prune(&store, retention, *dry_run, chrono::Utc::now())?;
            report::print_prune(
                &report::PruneDocument {
                    dry_run: *dry_run,
                    deleted,
                },
                settings.output,
            )?;
            Ok(Exit::Success)
        }
    }
}
