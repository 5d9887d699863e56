//! Files written at paths the user names (`--report`, `--rejects`, `--diff`): each path checked
//! before anything is read or written, each file written beside its place and renamed in only
//! when complete, so that a failed run never leaves a half-written file, and a path that names
//! the input, the database, its journals or a file intake did not write is refused.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `output`: the files written at paths the user names (`--report`, `--rejects`, `--diff`).
//! `check` runs in `settings`, before anything is opened: a path that names the input, a
//! `--reference` file, the SQLite database or its `-journal`/`-wal`/`-shm`, or a file in the
//! backup folder is refused even with `--force`; two outputs on one file are refused; an existing
//! file is replaced only when it begins as intake begins that kind of file (the report's header,
//! `REPORT_COLUMNS`, which `report` writes from here, or a JSON array of errors, the rejects file's BOM and `errors` column, the diff's header), or
//! with `--force`. `Pending` writes into a temporary file beside the target and renames it in
//! when complete, so a failed run leaves the old file as it was and never a half-written one.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The header of the CSV error report (`--report errors.csv`), by which an earlier one is known.
pub(crate) const REPORT_COLUMNS: [&str; 7] =
    ["row", "cell", "column", "field", "value", "code", "message"];

/// What kind of file a path is given for; each kind knows how its own files begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `--report`: the error report, CSV or JSON.
    Report,
    /// `--rejects`: the rejected rows.
    Rejects,
    /// `--diff`: the changes an import's updates make.
    Diff,
}

impl Kind {
    fn flag(self) -> &'static str {
        match self {
            Kind::Report => "--report",
            Kind::Rejects => "--rejects",
            Kind::Diff => "--diff",
        }
    }

    /// Whether `start` (the first bytes of an existing file) is how intake begins this kind of
    /// file, so that writing over it replaces an earlier run's output and nothing else.
    fn wrote(self, start: &[u8]) -> bool {
        let text = String::from_utf8_lossy(start);
        let first_line = text.lines().next().unwrap_or_default();
        match self {
            Kind::Report => {
                first_line == REPORT_COLUMNS.join(",") || {
                    let rest = text.trim_start();
                    rest.strip_prefix('[').is_some_and(|rest| {
                        let rest = rest.trim_start();
                        rest.is_empty() || rest.starts_with(']') || rest.starts_with("{\"row\":")
                    })
                }
            }
            Kind::Rejects => first_line
                .strip_prefix('\u{feff}')
                .is_some_and(|header| header == "errors" || header.ends_with(",errors")),
            Kind::Diff => first_line == "row,key,column,old,new",
        }
    }
}

/// The files no output may land on, whatever `--force` says: the input, the files it refers
/// to, the database with its journals, and the backup folder.
#[derive(Debug, Default, Clone)]
pub(crate) struct Protected {
    files: Vec<(PathBuf, String)>,
    folders: Vec<(PathBuf, String)>,
}

impl Protected {
    /// A file that must not be written over; `what` names it in the refusal.
    pub(crate) fn file(&mut self, path: &Path, what: &str) {
        self.files.push((absolute(path), what.to_string()));
    }

    /// A SQLite database with the journal files SQLite keeps beside it.
    pub(crate) fn database(&mut self, path: &Path) {
        self.file(path, "the target database");
        for suffix in ["-journal", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_os_string();
            name.push(suffix);
            self.file(Path::new(&name), "a journal file of the target database");
        }
    }

    /// A folder whose files intake manages itself.
    pub(crate) fn folder(&mut self, path: &Path, what: &str) {
        self.folders.push((absolute(path), what.to_string()));
    }

    fn refusal(&self, path: &Path) -> Option<&str> {
        let target = absolute(path);
        for (file, what) in &self.files {
            if *file == target {
                return Some(what);
            }
        }
        for (folder, what) in &self.folders {
            if target.starts_with(folder) {
                return Some(what);
            }
        }
        None
    }
}

/// A path made absolute and, where it exists, resolved through links, so that two spellings of
/// one file compare equal. A file not there yet is resolved through its folder.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(resolved) = std::fs::canonicalize(path) {
        return resolved;
    }
    let whole = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (whole.parent(), whole.file_name()) {
        (Some(parent), Some(name)) => std::fs::canonicalize(parent)
            .map(|parent| parent.join(name))
            .unwrap_or(whole),
        _ => whole,
    }
}

/// Checks every output path before the run starts: none of them a protected file, no two the
/// same, and none an existing file that intake did not write (unless `force`).
pub(crate) fn check(
    outputs: &[(Kind, &Path)],
    protected: &Protected,
    force: bool,
) -> anyhow::Result<()> {
    for (index, (kind, path)) in outputs.iter().enumerate() {
        let flag = kind.flag();
        if let Some(what) = protected.refusal(path) {
            bail!(
                "{}: {flag} names {what}; writing there would destroy it. Give {flag} a new file name.",
                path.display()
            );
        }
        for (other_kind, other) in &outputs[..index] {
            if absolute(path) == absolute(other) {
                bail!(
                    "{}: {flag} and {} name the same file; give each its own.",
                    path.display(),
                    other_kind.flag()
                );
            }
        }
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("{}: cannot look at it", path.display()));
            }
        };
        if metadata.is_dir() {
            bail!(
                "{}: {flag} names a folder; give it a file name.",
                path.display()
            );
        }
        if force {
            continue;
        }
        let mut start = Vec::with_capacity(4096);
        std::fs::File::open(path)
            .and_then(|file| file.take(4096).read_to_end(&mut start))
            .with_context(|| format!("{}: cannot read it", path.display()))?;
        if !start.is_empty() && !kind.wrote(&start) {
            bail!(
                "{}: the file exists and is not a file intake wrote for {flag}; give {flag} a new \
                 file name, or pass --force to replace it.",
                path.display()
            );
        }
    }
    Ok(())
}

/// A file being written: a temporary file in the same folder, renamed over `path` by
/// [`Pending::commit`]; dropped without it, it is removed and `path` is untouched.
pub(crate) struct Pending {
    file: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Pending {
    pub(crate) fn create(path: &Path) -> anyhow::Result<Pending> {
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let file = tempfile::Builder::new()
            .prefix(".intake-")
            .suffix(".partial")
            .tempfile_in(folder)
            .with_context(|| format!("{}: cannot create the file", path.display()))?;
        Ok(Pending {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Puts the finished file in its place, with the permissions of the file it replaces (or
    /// those a new file gets).
    pub(crate) fn commit(self) -> anyhow::Result<()> {
        let Pending { file, path } = self;
        file.as_file()
            .sync_all()
            .with_context(|| format!("{}: cannot write the file", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = match std::fs::metadata(&path) {
                Ok(metadata) => metadata.permissions().mode(),
                Err(_) => 0o644,
            };
            std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(mode))
                .with_context(|| format!("{}: cannot write the file", path.display()))?;
        }
        file.persist(&path)
            .map_err(|error| error.error)
            .with_context(|| format!("{}: cannot put the file in place", path.display()))?;
        Ok(())
    }
}

impl Write for Pending {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        self.file.write(buffer)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_knows_its_own_files() {
        let report = "row,cell,column,field,value,code,message\n2,B2,x,x,1,type,bad\n";
        assert!(Kind::Report.wrote(report.as_bytes()));
        assert!(Kind::Report.wrote(b"[\n{\"row\":2,\"cell\":\"B2\"}\n]\n"));
        assert!(Kind::Report.wrote(b"[]\n"));
        assert!(!Kind::Report.wrote(b"sku,name\nA,B\n"));
        assert!(!Kind::Report.wrote(b"[1, 2]"));
        assert!(Kind::Rejects.wrote("\u{feff}sku,name,errors\n".as_bytes()));
        assert!(!Kind::Rejects.wrote(b"sku,name,errors\n"));
        assert!(Kind::Diff.wrote(b"row,key,column,old,new\n"));
        assert!(!Kind::Diff.wrote(b"SQLite format 3\0"));
    }
}
