//! The backup location: its folders, their manifests, listing and verification.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::manifest::{
    FORMAT, FORMAT_VERSION, Listed, MANIFEST, Manifest, RESTORES, RestoreRecord, TableEntry,
    VERIFICATION, Verification, check_id, hex, manifest_digest, now_text,
};
use super::rows::{RowFile, decode_row};
use crate::files::{
    create_private_dir, private_dir_builder, private_file_options, write_atomically,
};

/// How far a backup is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Depth {
    /// The manifest's digest and each file's SHA-256.
    Hashes,
    /// And each file decompressed: its rows' count, width and content digest.
    Rows,
}

/// The backup location.
#[derive(Debug, Clone)]
pub struct Store {
    pub dir: PathBuf,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    pub(crate) fn path(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// A new backup's id and its (new, empty, owner-only) folder: the UTC time to the
    /// millisecond, so that ids sort as times; a later millisecond when one is taken.
    pub(crate) fn new_folder(&self, now: DateTime<Utc>) -> io::Result<(String, PathBuf)> {
        create_private_dir(&self.dir)?;
        let mut time = now;
        loop {
            let id = time.format("%Y%m%d-%H%M%S-%3f").to_string();
            let path = self.path(&id);
            match private_dir_builder().create(&path) {
                Ok(()) => return Ok((id, path)),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                    time += chrono::Duration::milliseconds(1);
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Reads a backup's manifest, checking that it is one this build understands.
    pub fn manifest(&self, id: &str) -> anyhow::Result<Manifest> {
        check_id(id)?;
        let path = self.path(id).join(MANIFEST);
        if !self.path(id).is_dir() {
            bail!(
                "no backup {id} in {}: `intake backup list` shows the backups there (or give --dir)",
                self.dir.display()
            );
        }
        let text = fs::read(&path).with_context(|| {
            format!(
                "{}: backup {id} has no manifest: it did not finish (`intake backup prune` clears such folders)",
                path.display()
            )
        })?;
        let manifest: Manifest = serde_json::from_slice(&text).with_context(|| {
            format!(
                "{}: the manifest is not valid: the backup is damaged",
                path.display()
            )
        })?;
        if manifest.format != FORMAT {
            bail!(
                "{}: not an intake backup (format {:?})",
                path.display(),
                manifest.format
            );
        }
        if manifest.format_version > FORMAT_VERSION {
            bail!(
                "{}: backup format version {} is newer than this intake reads ({FORMAT_VERSION}): use a newer intake",
                path.display(),
                manifest.format_version
            );
        }
        Ok(manifest)
    }

    /// Every folder under the location, newest first; unfinished ones too.
    pub fn list(&self) -> anyhow::Result<Vec<Listed>> {
        let mut listed = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(listed),
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", self.dir.display()));
            }
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot read {}", self.dir.display()))?;
            let id = entry.file_name().to_string_lossy().to_string();
            if !entry.path().is_dir() || check_id(&id).is_err() {
                continue;
            }
            let path = entry.path();
            let bytes = folder_size(&path);
            let verified = self.verification(&id);
            let item = match self.manifest(&id) {
                Ok(manifest) => Listed {
                    id: id.clone(),
                    path: path.display().to_string(),
                    created_at: Some(manifest.created_at.clone()),
                    reason: Some(manifest.reason.clone()),
                    database: Some(format!(
                        "{} {}",
                        manifest.database.kind, manifest.database.location
                    )),
                    tables: manifest
                        .tables
                        .iter()
                        .map(|table| table.shape.name.clone())
                        .collect(),
                    rows: manifest.tables.iter().map(|table| table.rows).sum(),
                    bytes,
                    verified: match verified {
                        Some(true) => "verified",
                        Some(false) => "failed",
                        None => "never",
                    }
                    .to_string(),
                    format_version: Some(manifest.format_version),
                },
                Err(_) => Listed {
                    id: id.clone(),
                    path: path.display().to_string(),
                    created_at: None,
                    reason: None,
                    database: None,
                    tables: Vec::new(),
                    rows: 0,
                    bytes,
                    verified: "incomplete".to_string(),
                    format_version: None,
                },
            };
            let mut item = item;
            if let Some((import_id, marked)) = self.uncommitted_import(&id) {
                // A backup killed before its manifest was written has its reason in the mark.
                let reason = item.reason.or(marked);
                item.verified = "uncommitted".to_string();
                item.reason = Some(format!(
                    "{}; import {import_id} did not commit",
                    reason.as_deref().unwrap_or("before an import")
                ));
            }
            listed.push(item);
        }
        listed.sort_by(|left, right| right.id.cmp(&left.id));
        Ok(listed)
    }

    /// The last verification's outcome, if any.
    pub(crate) fn verification(&self, id: &str) -> Option<bool> {
        let text = fs::read(self.path(id).join(VERIFICATION)).ok()?;
        let verification: Verification = serde_json::from_slice(&text).ok()?;
        Some(verification.ok)
    }

    /// Checks a backup whole: the manifest's own digest, each file's SHA-256, that it
    /// decompresses, its rows' count, width and content digest. Records the outcome beside it.
    pub fn verify(&self, id: &str) -> anyhow::Result<Verification> {
        // No such backup is a command that cannot run (exit 2, as for restore), not a
        // backup found damaged (exit 1).
        check_id(id)?;
        if !self.path(id).is_dir() {
            bail!(
                "no backup {id} in {}: `intake backup list` shows the backups there (or give --dir)",
                self.dir.display()
            );
        }
        let verification = self.check(id, Depth::Rows)?;
        if self.path(id).is_dir() {
            write_atomically(
                &self.path(id).join(VERIFICATION),
                &serde_json::to_vec_pretty(&verification)?,
            )
            .with_context(|| format!("cannot record the verification of backup {id}"))?;
        }
        Ok(verification)
    }

    /// The manifest's digest and every file's SHA-256, without decompressing: a changed or
    /// missing byte anywhere is found. A restore checks this first, and the rows' count and
    /// content digest as they stream in, before its commit.
    pub fn verify_hashes(&self, id: &str) -> anyhow::Result<Verification> {
        self.check(id, Depth::Hashes)
    }

    /// A backup checked as far as `depth` says.
    fn check(&self, id: &str, depth: Depth) -> anyhow::Result<Verification> {
        let mut problems = Vec::new();
        match self.manifest(id) {
            Ok(manifest) => {
                if manifest.id != id {
                    problems.push(format!(
                        "manifest.json: it names backup {}, not {id}: the folder was renamed or the manifest swapped",
                        manifest.id
                    ));
                }
                if manifest_digest(&manifest)? != manifest.manifest_sha256 {
                    problems.push(
                        "manifest.json: its content does not match its digest: it was changed or damaged"
                            .to_string(),
                    );
                }
                for table in &manifest.tables {
                    if let Err(problem) = self.check_table(id, table, depth) {
                        problems.push(format!("{}: {problem}", table.shape.name));
                    }
                }
            }
            Err(error) => problems.push(format!("{error:#}")),
        }
        Ok(Verification {
            id: id.to_string(),
            verified_at: now_text(Utc::now()),
            ok: problems.is_empty(),
            problems,
        })
    }

    /// One table's file against the manifest.
    fn check_table(&self, id: &str, table: &TableEntry, depth: Depth) -> Result<(), String> {
        let path = self.table_path(id, table)?;
        let mut file = File::open(&path).map_err(|error| format!("{}: {error}", table.file))?;
        let mut hasher = Sha256::new();
        io::copy(&mut file, &mut hasher).map_err(|error| format!("{}: {error}", table.file))?;
        let file_sha256 = hex(&hasher.finalize());
        if file_sha256 != table.file_sha256 {
            return Err(format!(
                "{}: the file's SHA-256 is {file_sha256}, the manifest says {}: the file was changed or damaged",
                table.file, table.file_sha256
            ));
        }
        if depth == Depth::Hashes {
            return Ok(());
        }
        let mut content = Sha256::new();
        let mut rows = 0u64;
        let width = table.shape.columns.len();
        for line in RowFile::open(&path, width)?.lines_with_bytes() {
            let (number, bytes) = line?;
            decode_row(&bytes, width).map_err(|reason| format!("line {number}: {reason}"))?;
            content.update(&bytes);
            rows += 1;
        }
        if rows != table.rows {
            return Err(format!(
                "{}: {rows} rows, the manifest says {}",
                table.file, table.rows
            ));
        }
        let content_sha256 = hex(&content.finalize());
        if content_sha256 != table.content_sha256 {
            return Err(format!(
                "{}: the rows' digest is {content_sha256}, the manifest says {}",
                table.file, table.content_sha256
            ));
        }
        Ok(())
    }

    /// A table file's path, refusing one that would lead out of the backup's folder.
    pub(crate) fn table_path(&self, id: &str, table: &TableEntry) -> Result<PathBuf, String> {
        let relative = Path::new(&table.file);
        let inside = relative
            .components()
            .all(|component| matches!(component, std::path::Component::Normal(_)));
        if !inside {
            return Err(format!(
                "{}: a file outside the backup's folder: the manifest is not trustworthy",
                table.file
            ));
        }
        Ok(self.path(id).join(relative))
    }

    /// Adds a line to the restore history, which lives beside the backups so that it survives
    /// the restore of the database it tells about.
    pub(crate) fn record_restore(&self, record: &RestoreRecord) -> anyhow::Result<()> {
        create_private_dir(&self.dir)?;
        let path = self.dir.join(RESTORES);
        let mut file = private_file_options()
            .append(true)
            .create(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let mut line = serde_json::to_vec(record)?;
        line.push(b'\n');
        file.write_all(&line)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

fn folder_size(path: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(path) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                folder_size(&path)
            } else {
                entry.metadata().map_or(0, |metadata| metadata.len())
            }
        })
        .sum()
}

/// A backup's id and folder, made before the backup is written (see [`create_reserved`]).
#[derive(Debug)]
pub struct Reserved {
    pub id: String,
    pub(crate) folder: PathBuf,
    pub(crate) created: DateTime<Utc>,
}

impl Store {
    /// A new backup's id and (empty) folder: a backup written on another thread is named from
    /// the start.
    pub fn reserve(&self) -> anyhow::Result<Reserved> {
        let created = Utc::now();
        let (id, folder) = self
            .new_folder(created)
            .with_context(|| format!("cannot create a backup folder in {}", self.dir.display()))?;
        Ok(Reserved {
            id,
            folder,
            created,
        })
    }
}
