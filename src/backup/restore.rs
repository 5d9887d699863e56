//! Restoring a backup: the tables in foreign-key order, in one transaction, read back and
//! checked against the manifest before it commits.

use anyhow::{Context, bail};
use chrono::Utc;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{self, Database, Dialect, RestoreTable, Restored, RowSink, Stored, TableShape};

use super::create::create;
use super::manifest::{Manifest, RestoreRecord, Selection, TableEntry, hex, now_text};
use super::rows::{RowFile, encode_row};
use super::store::Store;
/// What `restore` may do beyond making tables equal to the backup.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// Only these tables of the backup.
    pub tables: Option<Vec<String>>,
    /// Restore tables that lack some of the backup's columns without those columns.
    pub ignore_missing_columns: bool,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RestoreReport {
    pub backup: String,
    pub safety_backup: Option<String>,
    pub database: String,
    pub tables: Vec<Restored>,
}

/// The tables of a backup a restore takes, in foreign-key order (parents first; tables in a
/// cycle in the order the backup has them).
fn restore_order<'m>(
    manifest: &'m Manifest,
    wanted: Option<&[String]>,
) -> anyhow::Result<Vec<&'m TableEntry>> {
    let mut chosen: Vec<&TableEntry> = match wanted {
        None => manifest.tables.iter().collect(),
        Some(names) => names
            .iter()
            .map(|name| {
                manifest
                    .tables
                    .iter()
                    .find(|table| table.shape.name == *name)
                    .with_context(|| {
                        let have: Vec<&str> = manifest
                            .tables
                            .iter()
                            .map(|table| table.shape.name.as_str())
                            .collect();
                        format!(
                            "backup {} has no table {name:?}; it has: {}",
                            manifest.id,
                            have.join(", ")
                        )
                    })
            })
            .collect::<anyhow::Result<_>>()?,
    };
    let mut ordered: Vec<&TableEntry> = Vec::new();
    while !chosen.is_empty() {
        let names: Vec<&str> = chosen
            .iter()
            .map(|table| table.shape.name.as_str())
            .collect();
        // A table whose parents (other than itself) are all placed goes next; in a cycle, the
        // first one left.
        let next = chosen
            .iter()
            .position(|table| {
                table.shape.foreign_keys.iter().all(|foreign| {
                    foreign.table == table.shape.name || !names.contains(&foreign.table.as_str())
                })
            })
            .unwrap_or(0);
        ordered.push(chosen.remove(next));
    }
    Ok(ordered)
}

/// Compares what a restore wrote, read back inside its transaction, with the backup.
struct RestoreCheck {
    expected: Vec<(String, u64, Option<String>)>,
    current: Option<(String, u64, Sha256, u64, Option<String>)>,
    line: Vec<u8>,
}

impl RowSink for RestoreCheck {
    fn begin_table(&mut self, shape: &TableShape) -> Result<(), String> {
        let (_, rows, digest) = self
            .expected
            .iter()
            .find(|(name, _, _)| *name == shape.name)
            .cloned()
            .ok_or_else(|| format!("{} is not in the backup", shape.name))?;
        self.current = Some((shape.name.clone(), 0, Sha256::new(), rows, digest));
        Ok(())
    }

    fn row(&mut self, row: &[Stored]) -> Result<(), String> {
        let Some((_, count, hasher, _, _)) = self.current.as_mut() else {
            return Err("a row before its table".to_string());
        };
        self.line.clear();
        encode_row(&mut self.line, row);
        hasher.update(&self.line);
        *count += 1;
        Ok(())
    }

    fn end_table(&mut self) -> Result<(), String> {
        let Some((name, count, hasher, rows, digest)) = self.current.take() else {
            return Err("the end of a table that did not begin".to_string());
        };
        if count != rows {
            return Err(format!(
                "after the restore {name} has {count} rows, the backup {rows}: nothing was changed"
            ));
        }
        if let Some(digest) = digest {
            let found = hex(&hasher.finalize());
            if found != digest {
                return Err(format!(
                    "after the restore the rows of {name} do not hash to the backup's digest ({found}, not {digest}): nothing was changed"
                ));
            }
        }
        Ok(())
    }
}

/// Makes tables of the database equal to a backup, after verifying it and backing up the
/// tables as they are (the safety backup); see [`Database::restore`]. Every restore, done or
/// failed, goes into the history beside the backups.
pub(crate) async fn restore(
    database: &mut Database,
    store: &Store,
    id: &str,
    options: &RestoreOptions,
) -> anyhow::Result<RestoreReport> {
    let verification = store.verify_hashes(id)?;
    if !verification.ok {
        return Err(crate::exit::Refused(format!(
            "backup {id} is damaged, nothing was restored: {}",
            verification.problems.join("; ")
        ))
        .into());
    }
    let manifest = store.manifest(id)?;
    let Some(source) = Dialect::named(&manifest.database.kind) else {
        bail!(
            "backup {id} comes from a {} database, which intake cannot restore",
            manifest.database.kind
        );
    };
    let ordered = restore_order(&manifest, options.tables.as_deref())?;

    // What the target has decides, before anything is written, whether the restore can go on.
    let mut shapes: Vec<(TableShape, Vec<usize>, bool)> = Vec::new();
    let mut existing = Vec::new();
    for entry in &ordered {
        let backed_up = &entry.shape;
        let Some(current) = database.table_shape(&backed_up.name).await? else {
            shapes.push((
                backed_up.clone(),
                (0..backed_up.columns.len()).collect(),
                true,
            ));
            continue;
        };
        existing.push(backed_up.name.clone());
        let missing: Vec<&str> = backed_up
            .columns
            .iter()
            .filter(|column| !current.columns.iter().any(|have| have.name == column.name))
            .map(|column| column.name.as_str())
            .collect();
        if !missing.is_empty() && !options.ignore_missing_columns {
            bail!(
                "{}: the table lacks the backup's columns {}: add them (ALTER TABLE {} ADD COLUMN ...) and restore again, or pass --ignore-missing-columns to restore the other columns only; nothing was changed",
                backed_up.name,
                missing.join(", "),
                db::quote(&backed_up.name)
            );
        }
        let extra: Vec<&str> = current
            .columns
            .iter()
            .filter(|column| {
                column.not_null
                    && column.default.is_none()
                    && !backed_up.columns.iter().any(|had| had.name == column.name)
            })
            .map(|column| column.name.as_str())
            .collect();
        if !extra.is_empty() {
            bail!(
                "{}: the table has NOT NULL columns without a default that the backup does not have ({}): rows restored into it would have no value there; give them a default (ALTER TABLE {} ALTER COLUMN ... SET DEFAULT ...), allow NULL, or drop them, then restore again; nothing was changed",
                backed_up.name,
                extra.join(", "),
                db::quote(&backed_up.name)
            );
        }
        let kept: Vec<usize> = backed_up
            .columns
            .iter()
            .enumerate()
            .filter(|(_, column)| current.columns.iter().any(|have| have.name == column.name))
            .map(|(index, _)| index)
            .collect();
        let mut shape = backed_up.clone();
        shape.columns = kept
            .iter()
            .map(|&index| backed_up.columns[index].clone())
            .collect();
        let whole = kept.len() == backed_up.columns.len();
        shapes.push((shape, kept, whole));
    }

    let safety_backup = if existing.is_empty() {
        None
    } else {
        let safety = create(
            database,
            store,
            &Selection::Tables(existing),
            &format!("safety before restoring {id}"),
        )
        .await
        .context("cannot take the safety backup, so nothing was restored")?;
        Some(safety.id)
    };

    let mut tables = Vec::new();
    let mut expected = Vec::new();
    for (entry, (shape, kept, whole)) in ordered.iter().zip(&shapes) {
        let path = store
            .table_path(id, entry)
            .map_err(|reason| anyhow::anyhow!("{reason}"))?;
        let file = RowFile::open(&path, entry.shape.columns.len())
            .map_err(|reason| anyhow::anyhow!("{reason}"))?;
        let kept = kept.clone();
        let rows: Box<dyn Iterator<Item = Result<Vec<Stored>, String>>> = if *whole {
            Box::new(file.rows(entry))
        } else {
            Box::new(file.rows(entry).map(move |row| {
                row.map(|row| kept.iter().map(|&index| row[index].clone()).collect())
            }))
        };
        // The digest can be compared when the same engine reads back the same columns.
        let digest = (source == database.dialect() && *whole).then(|| entry.content_sha256.clone());
        expected.push((shape.name.clone(), entry.rows, digest));
        tables.push((shape, rows));
    }
    let restore_tables: Vec<RestoreTable<'_>> = tables
        .into_iter()
        .map(|(shape, rows)| RestoreTable { shape, rows })
        .collect();
    let mut check = RestoreCheck {
        expected,
        current: None,
        line: Vec::new(),
    };
    let names: Vec<String> = ordered
        .iter()
        .map(|entry| entry.shape.name.clone())
        .collect();
    let outcome = database.restore(source, restore_tables, &mut check).await;
    let record = RestoreRecord {
        restored_at: now_text(Utc::now()),
        backup: id.to_string(),
        safety_backup: safety_backup.clone(),
        database: database.location().to_string(),
        tables: names,
        outcome: match &outcome {
            Ok(_) => "restored".to_string(),
            Err(error) => format!("failed: {error}"),
        },
    };
    store.record_restore(&record)?;
    let restored = outcome.with_context(|| {
        format!(
            "the restore of backup {id} was rolled back; the tables are as they were{}",
            safety_backup
                .as_ref()
                .map(|safety| format!(" (and backed up as {safety})"))
                .unwrap_or_default()
        )
    })?;
    Ok(RestoreReport {
        backup: id.to_string(),
        safety_backup,
        database: database.location().to_string(),
        tables: restored,
    })
}
