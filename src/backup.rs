//! Backups: a logical copy of tables in a folder of their own under the backup location, made of
//! one zstd-compressed file of rows per table and a manifest written last; their verification,
//! listing, pruning, and the restore that makes tables equal to a backup. The format is
//! specified in docs/backup-format.md; the database side (shapes, snapshot reads, the restore
//! transaction) is in `db`.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::{self, Database, Dialect, RestoreTable, Restored, RowSink, Stored, TableShape};

/// What the manifest's `format` says.
pub const FORMAT: &str = "intake-backup";
/// The version of the format this build writes; it reads this one and those before.
pub const FORMAT_VERSION: u32 = 1;
/// Where backups live unless `--dir` says otherwise.
pub const DEFAULT_DIR: &str = "backups";
const MANIFEST: &str = "manifest.json";
const VERIFICATION: &str = "verification.json";
const RESTORES: &str = "restores.jsonl";
/// In the folder of an import's safety backup until that import commits: the import's id. A
/// backup that keeps it, with no committed journal of that import, belongs to an import that
/// was killed, and is listed and pruned as such.
const PENDING: &str = "import-pending";
/// zstd's level: its default, a good trade of speed for size on rows of text.
const LEVEL: i32 = 3;

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

/// The backup location.
#[derive(Debug, Clone)]
pub struct Store {
    pub dir: PathBuf,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// A new backup's id and its (new, empty, owner-only) folder: the UTC time to the
    /// millisecond, so that ids sort as times; a later millisecond when one is taken.
    fn new_folder(&self, now: DateTime<Utc>) -> io::Result<(String, PathBuf)> {
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
            if let Some(import_id) = self.uncommitted_import(&id) {
                item.verified = "uncommitted".to_string();
                item.reason = Some(format!(
                    "{}; import {import_id} did not commit",
                    item.reason.as_deref().unwrap_or("before an import")
                ));
            }
            listed.push(item);
        }
        listed.sort_by(|left, right| right.id.cmp(&left.id));
        Ok(listed)
    }

    /// The last verification's outcome, if any.
    fn verification(&self, id: &str) -> Option<bool> {
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
        let verification = self.check(id, true)?;
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
        self.check(id, false)
    }

    fn check(&self, id: &str, whole: bool) -> anyhow::Result<Verification> {
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
                    if let Err(problem) = self.check_table(id, table, whole) {
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
    fn check_table(&self, id: &str, table: &TableEntry, whole: bool) -> Result<(), String> {
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
        if !whole {
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
    fn table_path(&self, id: &str, table: &TableEntry) -> Result<PathBuf, String> {
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
    fn record_restore(&self, record: &RestoreRecord) -> anyhow::Result<()> {
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

/// A restore, as the history beside the backups keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreRecord {
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
fn check_id(id: &str) -> anyhow::Result<()> {
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

fn now_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn hex(bytes: &[u8]) -> String {
    db::encode_hex(bytes)
}

/// The manifest's digest: SHA-256 of its JSON with `manifest_sha256` empty.
fn manifest_digest(manifest: &Manifest) -> anyhow::Result<String> {
    let mut blank = manifest.clone();
    blank.manifest_sha256.clear();
    Ok(hex(&Sha256::digest(serde_json::to_vec_pretty(&blank)?)))
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

fn private_dir_builder() -> fs::DirBuilder {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
}

/// Creates a folder (and its parents) readable by its owner only, when it is missing.
fn create_private_dir(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    private_dir_builder().recursive(true).create(path)
}

fn private_file_options() -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Writes a file whole or not at all: into a temporary file beside it, synced, then renamed.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = temporary_path(path);
    let mut file = private_file_options()
        .create(true)
        .truncate(true)
        .open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, path)?;
    sync_parent(path)
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// Makes a rename in a folder durable.
fn sync_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => File::open(parent)?.sync_all(),
        _ => Ok(()),
    }
}

/// One row as a line of the rows file: a JSON array, one element a column (see
/// docs/backup-format.md): null; an integer; a float, always with a point or an exponent, or
/// `{"real": "NaN"}` for what JSON cannot write; text as a string; true or false; bytes as
/// `{"hex": "00ff"}`.
pub fn encode_row(buffer: &mut Vec<u8>, row: &[Stored]) {
    buffer.push(b'[');
    for (index, value) in row.iter().enumerate() {
        if index > 0 {
            buffer.push(b',');
        }
        match value {
            Stored::Null => buffer.extend_from_slice(b"null"),
            Stored::Integer(number) => {
                let _ = write!(buffer, "{number}");
            }
            Stored::Real(number) if number.is_finite() => {
                // serde_json writes the shortest text that reads back as the same float, and
                // always with a point or an exponent.
                let _ = serde_json::to_writer(&mut *buffer, number);
            }
            Stored::Real(number) => {
                let name = if number.is_nan() {
                    "NaN"
                } else if *number > 0.0 {
                    "Infinity"
                } else {
                    "-Infinity"
                };
                let _ = write!(buffer, "{{\"real\":\"{name}\"}}");
            }
            Stored::Text(text) => {
                let _ = serde_json::to_writer(&mut *buffer, text);
            }
            Stored::Boolean(value) => {
                buffer.extend_from_slice(if *value { b"true" } else { b"false" });
            }
            Stored::Blob(bytes) => {
                let _ = write!(buffer, "{{\"hex\":\"{}\"}}", hex(bytes));
            }
        }
    }
    buffer.extend_from_slice(b"]\n");
}

/// Reads a line of a rows file back; `width` is the number of columns.
pub fn decode_row(line: &[u8], width: usize) -> Result<Vec<Stored>, String> {
    let values: Vec<serde_json::Value> =
        serde_json::from_slice(line).map_err(|error| format!("not a row: {error}"))?;
    if values.len() != width {
        return Err(format!(
            "a row with {} values for {width} columns",
            values.len()
        ));
    }
    values
        .into_iter()
        .map(|value| {
            Ok(match value {
                serde_json::Value::Null => Stored::Null,
                serde_json::Value::Bool(value) => Stored::Boolean(value),
                serde_json::Value::String(text) => Stored::Text(text),
                serde_json::Value::Number(number) => match number.as_i64() {
                    Some(integer) if number.is_i64() => Stored::Integer(integer),
                    _ if number.is_f64() => {
                        Stored::Real(number.as_f64().ok_or("a float out of range")?)
                    }
                    _ => return Err(format!("{number} is out of the 64-bit range")),
                },
                serde_json::Value::Object(object) => {
                    match (object.len(), object.get("hex"), object.get("real")) {
                        (1, Some(serde_json::Value::String(text)), None) => Stored::Blob(
                            db::decode_hex(text).ok_or_else(|| format!("{text:?} is not hex"))?,
                        ),
                        (1, None, Some(serde_json::Value::String(name))) => {
                            Stored::Real(match name.as_str() {
                                "NaN" => f64::NAN,
                                "Infinity" => f64::INFINITY,
                                "-Infinity" => f64::NEG_INFINITY,
                                _ => return Err(format!("{name:?} is not a float")),
                            })
                        }
                        _ => return Err(format!("{object:?} is not a value")),
                    }
                }
                serde_json::Value::Array(_) => return Err("an array is not a value".to_string()),
            })
        })
        .collect()
}

/// A rows file being read: decompressed as it goes.
struct RowFile {
    reader: BufReader<zstd::stream::read::Decoder<'static, BufReader<File>>>,
    width: usize,
    line: usize,
}

impl RowFile {
    fn open(path: &Path, width: usize) -> Result<RowFile, String> {
        let file = File::open(path).map_err(|error| format!("{}: {error}", path.display()))?;
        let decoder = zstd::stream::read::Decoder::new(file)
            .map_err(|error| format!("{}: {error}", path.display()))?;
        Ok(RowFile {
            reader: BufReader::with_capacity(1 << 16, decoder),
            width,
            line: 0,
        })
    }

    /// Each line's number and bytes (with its line end), not yet decoded.
    fn lines_with_bytes(self) -> impl Iterator<Item = Result<(usize, Vec<u8>), String>> {
        let mut file = self;
        std::iter::from_fn(move || {
            let mut bytes = Vec::new();
            file.line += 1;
            match file.reader.read_until(b'\n', &mut bytes) {
                Ok(0) => None,
                Ok(_) if !bytes.ends_with(b"\n") => Some(Err(format!(
                    "line {}: cut short: the file is truncated",
                    file.line
                ))),
                Ok(_) => Some(Ok((file.line, bytes))),
                Err(error) => Some(Err(format!(
                    "line {}: cannot decompress: {error} (the file is damaged or truncated)",
                    file.line
                ))),
            }
        })
    }

    /// Each row, decoded; after the last, an error when their count or content digest is not
    /// the manifest's.
    fn rows(self, table: &TableEntry) -> impl Iterator<Item = Result<Vec<Stored>, String>> + use<> {
        let width = self.width;
        let (expected_rows, expected_digest) = (table.rows, table.content_sha256.clone());
        let mut content = Some(Sha256::new());
        let mut count = 0u64;
        let mut lines = self.lines_with_bytes();
        std::iter::from_fn(move || match lines.next() {
            Some(line) => Some(line.and_then(|(number, bytes)| {
                if let Some(content) = content.as_mut() {
                    content.update(&bytes);
                }
                count += 1;
                decode_row(&bytes, width).map_err(|reason| format!("line {number}: {reason}"))
            })),
            None => {
                let digest = hex(&content.take()?.finalize());
                if count != expected_rows {
                    return Some(Err(format!(
                        "the backup's file holds {count} rows, its manifest says {expected_rows}: the backup is damaged"
                    )));
                }
                (digest != expected_digest).then(|| {
                    Err(format!(
                        "the rows of the backup's file hash to {digest}, its manifest says {expected_digest}: the backup is damaged"
                    ))
                })
            }
        })
    }
}

/// Passes bytes on to a file and hashes them on the way.
struct HashingWriter {
    file: File,
    hasher: Sha256,
    bytes: u64,
}

impl Write for HashingWriter {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        let written = self.file.write(buffer)?;
        self.hasher.update(&buffer[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Writes a backup's table files as the snapshot reads rows.
struct FolderSink {
    folder: PathBuf,
    entries: Vec<TableEntry>,
    current: Option<TableFile>,
}

struct TableFile {
    shape: TableShape,
    file: String,
    path: PathBuf,
    encoder: zstd::stream::write::Encoder<'static, io::BufWriter<HashingWriter>>,
    content: Sha256,
    rows: u64,
    line: Vec<u8>,
}

impl RowSink for FolderSink {
    fn begin_table(&mut self, shape: &TableShape) -> Result<(), String> {
        let file = format!("tables/{:03}.jsonl.zst", self.entries.len());
        let path = self.folder.join(&file);
        let temporary = temporary_path(&path);
        let fail = |error: io::Error| format!("cannot write {}: {error}", temporary.display());
        let handle = private_file_options()
            .create_new(true)
            .open(&temporary)
            .map_err(fail)?;
        let writer = io::BufWriter::with_capacity(
            1 << 16,
            HashingWriter {
                file: handle,
                hasher: Sha256::new(),
                bytes: 0,
            },
        );
        let encoder = zstd::stream::write::Encoder::new(writer, LEVEL).map_err(fail)?;
        self.current = Some(TableFile {
            shape: shape.clone(),
            file,
            path,
            encoder,
            content: Sha256::new(),
            rows: 0,
            line: Vec::with_capacity(256),
        });
        Ok(())
    }

    fn row(&mut self, row: &[Stored]) -> Result<(), String> {
        let Some(table) = self.current.as_mut() else {
            return Err("a row before its table".to_string());
        };
        table.line.clear();
        encode_row(&mut table.line, row);
        table.content.update(&table.line);
        table.rows += 1;
        table
            .encoder
            .write_all(&table.line)
            .map_err(|error| format!("cannot write {}: {error}", table.path.display()))
    }

    fn end_table(&mut self) -> Result<(), String> {
        let Some(table) = self.current.take() else {
            return Err("the end of a table that did not begin".to_string());
        };
        let temporary = temporary_path(&table.path);
        let fail = |error: io::Error| format!("cannot write {}: {error}", temporary.display());
        let writer = table.encoder.finish().map_err(fail)?;
        let hashing = writer
            .into_inner()
            .map_err(|error| fail(error.into_error()))?;
        hashing.file.sync_all().map_err(fail)?;
        fs::rename(&temporary, &table.path).map_err(fail)?;
        self.entries.push(TableEntry {
            shape: table.shape,
            file: table.file,
            rows: table.rows,
            bytes: hashing.bytes,
            file_sha256: hex(&hashing.hasher.finalize()),
            content_sha256: hex(&table.content.finalize()),
        });
        Ok(())
    }
}

fn dialect_name(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "sqlite",
        Dialect::Postgres => "postgres",
    }
}

/// Backs up tables of the database into a new backup under the store: the rows of all of them
/// from one snapshot, each table's file written and renamed into place, the manifest last. A
/// failure leaves no manifest, so the folder never passes for a backup (and is removed when it
/// can be).
pub async fn create(
    database: &mut Database,
    store: &Store,
    selection: &Selection,
    reason: &str,
) -> anyhow::Result<Manifest> {
    let reserved = store.reserve()?;
    create_reserved(database, reserved, selection, reason).await
}

/// A backup's id and folder, made before the backup is written (see [`create_reserved`]).
#[derive(Debug)]
pub struct Reserved {
    pub id: String,
    folder: PathBuf,
    created: DateTime<Utc>,
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

/// [`create`] into a reserved folder.
pub async fn create_reserved(
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
            kind: dialect_name(database.dialect()).to_string(),
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
pub struct RestoreReport {
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
pub async fn restore(
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
    let source = match manifest.database.kind.as_str() {
        "sqlite" => Dialect::Sqlite,
        "postgres" => Dialect::Postgres,
        other => bail!("backup {id} comes from a {other} database, which intake cannot restore"),
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

/// Which backups `prune` keeps: at least the newest `keep_last`, those younger than
/// `keep_days`, always the newest verified one and the newest safety backup.
#[derive(Debug, Clone)]
pub struct Retention {
    pub keep_last: Option<usize>,
    pub keep_days: Option<u64>,
}

/// One folder `prune` removes (or would).
#[derive(Debug, Clone, Serialize)]
pub struct Pruned {
    pub id: String,
    pub path: String,
    pub bytes: u64,
    pub why: String,
}

/// Removes the backups the retention does not keep (with `dry_run`, only says which), and
/// folders of backups that did not finish, once an hour old.
pub fn prune(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_encode_exactly_and_read_back() {
        let row = vec![
            Stored::Null,
            Stored::Text(String::new()),
            Stored::Text("l\u{e9}a \"x\"\n".to_string()),
            Stored::Integer(i64::MIN),
            Stored::Integer(i64::MAX),
            Stored::Real(0.1),
            Stored::Real(1.0),
            Stored::Real(f64::NEG_INFINITY),
            Stored::Boolean(false),
            Stored::Blob(vec![0, 255]),
        ];
        let mut line = Vec::new();
        encode_row(&mut line, &row);
        assert_eq!(
            String::from_utf8_lossy(&line),
            "[null,\"\",\"l\u{e9}a \\\"x\\\"\\n\",-9223372036854775808,9223372036854775807,0.1,1.0,{\"real\":\"-Infinity\"},false,{\"hex\":\"00ff\"}]\n"
        );
        assert_eq!(decode_row(&line, row.len()), Ok(row.clone()));
        assert!(decode_row(&line, row.len() + 1).is_err());
        assert!(decode_row(b"[18446744073709551615]", 1).is_err());
        assert!(decode_row(b"[{\"hex\":\"0\"}]", 1).is_err());
    }

    #[test]
    fn ids_are_times_and_nothing_else() {
        assert!(check_id("20261122-023651-123").is_ok());
        for bad in ["../etc", "20261122-023651-12", "20261122/023651-123", ""] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }
}

/// What an import wrote, kept beside the backups (`imports/IMPORT_ID.jsonl.zst`) so that
/// `intake undo` can take it back: a header line, then a line per row written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalHeader {
    pub import_id: String,
    pub table: String,
    /// The columns written, the key's first.
    pub columns: Vec<String>,
    /// Each column's field type (`integer`, `number`, ...), to read the values back.
    pub types: Vec<String>,
    pub key_width: usize,
    /// The backup taken just before the import, if one was.
    pub backup: Option<String>,
}

/// One row an import wrote: its values, and for an update the row as it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// `insert` or `update`.
    pub action: String,
    /// The row of the file it came from.
    pub row: usize,
    /// The values written, one per column, as text (null for NULL).
    pub new: Vec<Option<String>>,
    /// For an update, the values before it, one per column.
    pub old: Vec<Option<String>>,
}

impl Store {
    fn journal_path(&self, import_id: &str) -> anyhow::Result<PathBuf> {
        let plain = !import_id.is_empty()
            && import_id
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_'));
        if !plain {
            bail!("{import_id:?} is not an import id (`intake history` shows them)");
        }
        Ok(self
            .dir
            .join("imports")
            .join(format!("{import_id}.jsonl.zst")))
    }

    /// Starts an import's journal: a temporary file that [`JournalWriter::finish`] puts in
    /// place, and that is removed when the writer is dropped unfinished.
    pub fn journal_writer(&self, header: &JournalHeader) -> anyhow::Result<JournalWriter> {
        let path = self.journal_path(&header.import_id)?;
        let folder = self.dir.join("imports");
        create_private_dir(&folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        let temporary = temporary_path(&path);
        let fail = || format!("cannot write {}", temporary.display());
        let file = private_file_options()
            .create(true)
            .truncate(true)
            .open(&temporary)
            .with_context(fail)?;
        // zstd's fastest level: a journal is written with every commit, read only by undo.
        let encoder =
            zstd::stream::write::Encoder::new(io::BufWriter::new(file), 1).with_context(fail)?;
        let mut writer = JournalWriter {
            encoder: Some(encoder),
            temporary,
            path,
        };
        let mut line = serde_json::to_vec(header)?;
        line.push(b'\n');
        writer.write(&line)?;
        Ok(writer)
    }

    /// Reads an import's journal back.
    pub fn read_journal(
        &self,
        import_id: &str,
    ) -> anyhow::Result<(JournalHeader, Vec<JournalEntry>)> {
        let path = self.journal_path(import_id)?;
        let file = File::open(&path).with_context(|| {
            format!(
                "{}: no journal of import {import_id} here: it was committed with another backup folder (give --backup-dir), or before intake kept journals",
                path.display()
            )
        })?;
        let reader = BufReader::new(
            zstd::stream::read::Decoder::new(file)
                .with_context(|| format!("{}: cannot read", path.display()))?,
        );
        let mut lines = reader.lines();
        let damaged = |line: usize| format!("{}: line {line} is damaged", path.display());
        let header: JournalHeader = serde_json::from_str(
            &lines
                .next()
                .transpose()
                .with_context(|| damaged(1))?
                .with_context(|| damaged(1))?,
        )
        .with_context(|| damaged(1))?;
        let mut entries = Vec::new();
        for (index, line) in lines.enumerate() {
            let line = line.with_context(|| damaged(index + 2))?;
            let entry: JournalEntry =
                serde_json::from_str(&line).with_context(|| damaged(index + 2))?;
            if entry.new.len() != header.columns.len()
                || !(entry.old.is_empty() || entry.old.len() == header.columns.len())
            {
                bail!("{}", damaged(index + 2));
            }
            entries.push(entry);
        }
        Ok((header, entries))
    }

    /// Removes a backup taken for an import that wrote nothing after all.
    pub fn discard(&self, id: &str) {
        if check_id(id).is_ok() {
            let _ = fs::remove_dir_all(self.path(id));
        }
    }

    /// Removes the journal of an import that did not commit.
    /// Marks backup `id` as the safety backup of import `import_id`, which has not committed
    /// yet; [`Store::settle`] takes the mark off once it has.
    pub fn mark_pending(&self, id: &str, import_id: &str) -> anyhow::Result<()> {
        check_id(id)?;
        let path = self.path(id).join(PENDING);
        fs::write(&path, import_id).with_context(|| format!("cannot write {}", path.display()))
    }

    /// The import of backup `id` committed: its mark goes.
    pub fn settle(&self, id: &str) {
        if check_id(id).is_ok() {
            let _ = fs::remove_file(self.path(id).join(PENDING));
        }
    }

    /// The import a backup was taken for, when that import never committed: the backup keeps
    /// its mark and the import has no committed journal (which is in place before a commit).
    fn uncommitted_import(&self, id: &str) -> Option<String> {
        let import_id = fs::read_to_string(self.path(id).join(PENDING)).ok()?;
        let import_id = import_id.trim().to_string();
        let committed = self
            .journal_path(&import_id)
            .is_ok_and(|journal| journal.exists());
        (!committed).then_some(import_id)
    }

    pub fn remove_journal(&self, import_id: &str) {
        if let Ok(path) = self.journal_path(import_id) {
            let _ = fs::remove_file(path);
        }
    }
}

/// An import's journal being written (see [`Store::journal_writer`]).
pub struct JournalWriter {
    encoder: Option<zstd::stream::write::Encoder<'static, io::BufWriter<File>>>,
    temporary: PathBuf,
    path: PathBuf,
}

impl JournalWriter {
    /// Appends lines (each a [`JournalEntry`] as JSON, ending in a newline).
    pub fn write(&mut self, lines: &[u8]) -> anyhow::Result<()> {
        let fail = || format!("cannot write {}", self.temporary.display());
        self.encoder
            .as_mut()
            .context("the journal is closed")
            .with_context(fail)?
            .write_all(lines)
            .with_context(fail)
    }

    /// Completes the journal, on disk, and puts it in place.
    pub fn finish(mut self) -> anyhow::Result<PathBuf> {
        let fail = || format!("cannot write {}", self.temporary.display());
        let encoder = self.encoder.take().context("the journal is closed")?;
        let writer = encoder.finish().with_context(fail)?;
        let file = writer
            .into_inner()
            .map_err(|error| error.into_error())
            .with_context(fail)?;
        file.sync_all().with_context(fail)?;
        fs::rename(&self.temporary, &self.path).with_context(fail)?;
        Ok(self.path.clone())
    }
}

impl Drop for JournalWriter {
    /// An unfinished journal is of an import that did not commit: nothing to keep.
    fn drop(&mut self) {
        if self.encoder.take().is_some() {
            let _ = fs::remove_file(&self.temporary);
        }
    }
}

#[cfg(test)]
mod stream_tests {
    use super::*;

    /// A rows file is checked as it streams: a count or digest that is not the manifest's ends
    /// the rows with an error.
    #[test]
    fn rows_that_do_not_match_the_manifest_end_in_an_error() {
        let folder = tempfile::tempdir().expect("a folder");
        let path = folder.path().join("rows.jsonl.zst");
        let mut lines = Vec::new();
        encode_row(&mut lines, &[Stored::Integer(1)]);
        encode_row(&mut lines, &[Stored::Integer(2)]);
        fs::write(
            &path,
            zstd::encode_all(lines.as_slice(), LEVEL).expect("zstd"),
        )
        .expect("write");
        let entry = |rows: u64, digest: String| TableEntry {
            shape: TableShape {
                name: "t".to_string(),
                columns: Vec::new(),
                primary_key: Vec::new(),
                unique: Vec::new(),
                foreign_keys: Vec::new(),
                sequences: Vec::new(),
            },
            file: "rows.jsonl.zst".to_string(),
            rows,
            bytes: 0,
            file_sha256: String::new(),
            content_sha256: digest,
        };
        let right = hex(&Sha256::digest(&lines));
        let read = |table: &TableEntry| -> Vec<Result<Vec<Stored>, String>> {
            RowFile::open(&path, 1).expect("open").rows(table).collect()
        };
        assert_eq!(
            read(&entry(2, right.clone())),
            vec![Ok(vec![Stored::Integer(1)]), Ok(vec![Stored::Integer(2)])]
        );
        let counted = read(&entry(3, right));
        assert!(counted[2].as_ref().is_err_and(|error| error.contains("3")));
        let hashed = read(&entry(2, "0".repeat(64)));
        assert!(
            hashed[2]
                .as_ref()
                .is_err_and(|error| error.contains("hash"))
        );
    }
}
