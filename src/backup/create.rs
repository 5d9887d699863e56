//! Writing a backup: each table's rows streamed from a snapshot into its file, the manifest last.

use std::fs;
use std::path::Path;

use anyhow::{Context, bail};

use crate::db::Database;

use super::manifest::{
    DatabaseInfo, FORMAT, FORMAT_VERSION, MANIFEST, Manifest, Selection, TableEntry,
    manifest_digest, now_text,
};
use super::rows::FolderSink;
use super::store::{Reserved, Store};
use crate::files::{create_private_dir, sync_parent, write_atomically};
/// Backs up tables of the database into a new backup under the store: the rows of all of them
/// from one snapshot, each table's file written and renamed into place, the manifest last. A
/// failure leaves no manifest, so the folder never passes for a backup (and is removed when it
/// can be).
pub(crate) async fn create(
    database: &mut Database,
    store: &Store,
    selection: &Selection,
    reason: &str,
) -> anyhow::Result<Manifest> {
    let reserved = store.reserve()?;
    create_reserved(database, reserved, selection, reason).await
}

/// [`create`] into a reserved folder.
pub(crate) async fn create_reserved(
    database: &mut Database,
    reserved: Reserved,
    selection: &Selection,
    reason: &str,
) -> anyhow::Result<Manifest> {
    let Reserved {
        id,
        folder,
        created,
    } = reserved;
    let tables = match selection {
        Selection::All => database.user_tables().await,
        Selection::Tables(tables) => Ok(tables.clone()),
    };
    let tables = match tables {
        Ok(tables) if !tables.is_empty() => tables,
        Ok(_) => {
            let _ = fs::remove_dir_all(&folder);
            bail!("{} has no tables to back up", database.location());
        }
        Err(error) => {
            let _ = fs::remove_dir_all(&folder);
            return Err(error.into());
        }
    };
    let server_version = match database.server_version().await {
        Ok(version) => version,
        Err(error) => {
            let _ = fs::remove_dir_all(&folder);
            return Err(error.into());
        }
    };
    let result = write_backup(database, &tables, &folder).await;
    let entries = match result {
        Ok(entries) => entries,
        Err(error) => {
            let _ = fs::remove_dir_all(&folder);
            return Err(error);
        }
    };
    let mut manifest = Manifest {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        id: id.clone(),
        created_at: now_text(created),
        intake_version: env!("CARGO_PKG_VERSION").to_string(),
        reason: reason.to_string(),
        database: DatabaseInfo {
            kind: database.dialect().name().to_string(),
            location: database.location().to_string(),
            server_version,
        },
        tables: entries,
        manifest_sha256: String::new(),
    };
    manifest.manifest_sha256 = manifest_digest(&manifest)?;
    let written = serde_json::to_vec_pretty(&manifest)?;
    if let Err(error) = write_atomically(&folder.join(MANIFEST), &written) {
        let _ = fs::remove_dir_all(&folder);
        return Err(error).with_context(|| format!("cannot write the manifest of backup {id}"));
    }
    Ok(manifest)
}

async fn write_backup(
    database: &mut Database,
    tables: &[String],
    folder: &Path,
) -> anyhow::Result<Vec<TableEntry>> {
    create_private_dir(&folder.join("tables"))?;
    let mut sink = FolderSink {
        folder: folder.to_path_buf(),
        entries: Vec::new(),
        current: None,
    };
    database.snapshot(tables, &mut sink).await?;
    sync_parent(&folder.join("tables").join("x"))?;
    Ok(sink.entries)
}
