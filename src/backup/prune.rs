//! Pruning backups by count and age, per database, and the leftovers of imports that did not
//! commit.

use std::fs;
use std::io;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::manifest::Listed;
use super::store::Store;
/// Which backups `prune` keeps: at least the newest `keep_last`, those younger than
/// `keep_days`, always the newest verified one and the newest safety backup.
#[derive(Debug, Clone)]
pub struct Retention {
    pub keep_last: Option<usize>,
    pub keep_days: Option<u64>,
}

/// One folder `prune` removes (or would).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Pruned {
    pub id: String,
    pub path: String,
    pub bytes: u64,
    pub why: String,
}

/// Removes the backups the retention does not keep (with `dry_run`, only says which), and
/// folders of backups that did not finish, once an hour old.
pub(crate) fn prune(
    store: &Store,
    retention: &Retention,
    dry_run: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Pruned>> {
    if retention.keep_last.is_none() && retention.keep_days.is_none() {
        bail!("say what to keep: --keep-last N, --keep-days D, or both");
    }
    let listed = store.list()?;
    let complete: Vec<&Listed> = listed
        .iter()
        .filter(|item| item.created_at.is_some() && item.verified != "uncommitted")
        .collect();
    let newest_verified = complete
        .iter()
        .find(|item| item.verified == "verified")
        .map(|item| item.id.clone());
    let newest_safety = complete
        .iter()
        .find(|item| {
            item.reason
                .as_deref()
                .is_some_and(|reason| reason.starts_with("safety"))
        })
        .map(|item| item.id.clone());
    let mut pruned = Vec::new();
    for (position, item) in complete.iter().enumerate() {
        let age_days = item
            .created_at
            .as_deref()
            .and_then(|time| DateTime::parse_from_rfc3339(time).ok())
            .map(|time| (now - time.with_timezone(&Utc)).num_days().max(0) as u64);
        let kept_by_count = retention.keep_last.is_some_and(|keep| position < keep);
        let kept_by_age = retention
            .keep_days
            .is_some_and(|keep| age_days.is_none_or(|age| age < keep));
        let kept = kept_by_count
            || kept_by_age
            || newest_verified.as_deref() == Some(item.id.as_str())
            || newest_safety.as_deref() == Some(item.id.as_str());
        if !kept {
            pruned.push(Pruned {
                id: item.id.clone(),
                path: item.path.clone(),
                bytes: item.bytes,
                why: format!(
                    "number {} from the newest, {} days old",
                    position + 1,
                    age_days.map_or_else(|| "?".to_string(), |age| age.to_string())
                ),
            });
        }
    }
    for item in listed.iter().filter(|item| item.created_at.is_none()) {
        if older_than_an_hour(fs::metadata(&item.path)) {
            pruned.push(Pruned {
                id: item.id.clone(),
                path: item.path.clone(),
                bytes: item.bytes,
                why: "a backup that did not finish".to_string(),
            });
        }
    }
    for item in listed.iter().filter(|item| item.verified == "uncommitted") {
        if older_than_an_hour(fs::metadata(&item.path)) {
            pruned.push(Pruned {
                id: item.id.clone(),
                path: item.path.clone(),
                bytes: item.bytes,
                why: "the safety backup of an import that did not commit".to_string(),
            });
        }
    }
    // Journals of imports that never committed (killed while they wrote): gone once an hour old.
    let journals = fs::read_dir(store.dir.join("imports"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".partial"));
    for entry in journals {
        if older_than_an_hour(entry.metadata()) {
            pruned.push(Pruned {
                id: entry.file_name().to_string_lossy().into_owned(),
                path: entry.path().display().to_string(),
                bytes: entry.metadata().map_or(0, |metadata| metadata.len()),
                why: "the journal of an import that did not finish".to_string(),
            });
        }
    }
    if !dry_run {
        for item in &pruned {
            let path = Path::new(&item.path);
            let removed = if path.is_dir() {
                fs::remove_dir_all(path)
            } else {
                fs::remove_file(path)
            };
            removed.with_context(|| format!("cannot remove {}", item.path))?;
        }
    }
    Ok(pruned)
}

/// Last changed more than an hour ago: whatever wrote it is long gone.
fn older_than_an_hour(metadata: io::Result<fs::Metadata>) -> bool {
    metadata
        .and_then(|metadata| metadata.modified())
        .ok()
        .and_then(|modified| modified.elapsed().ok())
        .is_some_and(|elapsed| elapsed.as_secs() > 3600)
}
