//! What a backup says of itself: the manifest (the format, the database, each table's shape,
//! rows, files and hashes, and its own digest), the names of the files in a backup's folder,
//! a backup's id, and what listing and verifying give.

use anyhow::bail;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::{self, TableShape};

/// What the manifest's `format` says.
pub(super) const FORMAT: &str = "intake-backup";
/// The version of the format this build writes; it reads this one and those before.
pub(super) const FORMAT_VERSION: u32 = 1;
/// Where backups live unless `--dir` says otherwise.
pub(crate) const DEFAULT_DIR: &str = "backups";
pub(crate) const MANIFEST: &str = "manifest.json";
pub(crate) const VERIFICATION: &str = "verification.json";
pub(crate) const RESTORES: &str = "restores.jsonl";
/// In the folder of an import's safety backup until that import commits: the import's id. A
/// backup that keeps it, with no committed journal of that import, belongs to an import that
/// was killed, and is listed and pruned as such.
pub(crate) const PENDING: &str = "import-pending";
/// zstd's level: its default, a good trade of speed for size on rows of text.
pub(crate) const LEVEL: i32 = 3;

/// What a backup holds, written last: a folder with a manifest is a complete backup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub id: String,
    /// UTC, RFC 3339 with milliseconds.
    pub created_at: String,
    pub intake_version: String,
    /// Why it was taken: `manual`, `before import into products`, `safety before restoring ...`.
    pub reason: String,
    pub database: DatabaseInfo,
    pub tables: Vec<TableEntry>,
    /// SHA-256 of this manifest as written with this field empty: a changed byte anywhere in
    /// what the manifest says is found.
    #[serde(default)]
    pub manifest_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseInfo {
    /// `sqlite` or `postgres`.
    pub kind: String,
    /// Where it was, without a password.
    pub location: String,
    pub server_version: String,
}

/// One table of a backup: what it is, where its rows are, and what they must hash to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    #[serde(flatten)]
    pub shape: TableShape,
    /// The file of rows, relative to the backup's folder.
    pub file: String,
    pub rows: u64,
    /// Size of the compressed file.
    pub bytes: u64,
    /// SHA-256 of the compressed file.
    pub file_sha256: String,
    /// SHA-256 of the rows as encoded (the file decompressed): the same data gives the same
    /// digest, however often and wherever it is backed up from the same engine.
    pub content_sha256: String,
}

/// What a verification found, kept beside the backup for `list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub id: String,
    pub verified_at: String,
    pub ok: bool,
    pub problems: Vec<String>,
}

/// One backup as `list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub id: String,
    pub path: String,
    /// None for a folder without a manifest: a backup that did not finish.
    pub created_at: Option<String>,
    pub reason: Option<String>,
    pub database: Option<String>,
    pub tables: Vec<String>,
    pub rows: u64,
    pub bytes: u64,
    /// `verified`, `failed`, `never`, `incomplete`, or `uncommitted` (the safety backup of an
    /// import that did not commit).
    pub verified: String,
    pub format_version: Option<u32>,
}

/// Which tables to back up.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    All,
    Tables(Vec<String>),
}

/// A restore, as the history beside the backups keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RestoreRecord {
    pub restored_at: String,
    pub backup: String,
    /// The backup of the tables as they were just before, when there were any.
    pub safety_backup: Option<String>,
    pub database: String,
    pub tables: Vec<String>,
    /// `restored`, or `failed: why`.
    pub outcome: String,
}

/// `20261122-023651-123`: only such names are backups (and nothing in an id leads elsewhere).
pub(crate) fn check_id(id: &str) -> anyhow::Result<()> {
    let ok = id.len() == 19
        && id.bytes().enumerate().all(|(index, byte)| match index {
            8 | 15 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !ok {
        bail!(
            "{id:?} is not a backup id (such as 20261122-023651-123): `intake backup list` shows them"
        );
    }
    Ok(())
}

pub(crate) fn now_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    db::encode_hex(bytes)
}

/// The manifest's digest: SHA-256 of its JSON with `manifest_sha256` empty.
pub(crate) fn manifest_digest(manifest: &Manifest) -> anyhow::Result<String> {
    let mut blank = manifest.clone();
    blank.manifest_sha256.clear();
    Ok(hex(&Sha256::digest(serde_json::to_vec_pretty(&blank)?)))
}
