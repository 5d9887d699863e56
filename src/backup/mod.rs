//! Backups: a logical copy of tables in a folder of their own under the backup location, made of
//! one zstd-compressed file of rows per table and a manifest written last; their verification,
//! listing, pruning, and the restore that makes tables equal to a backup. The format is
//! specified in docs/backup-format.md; the database side (shapes, snapshot reads, the restore
//! transaction) is in `db`.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `backup/`: backups in a folder each under the backup location (docs/backup-format.md), a file
//! a job: `manifest.rs` (`Manifest`: per table its `TableShape`, rows, file and content
//! SHA-256s, and the manifest's own digest; the folder's file names; ids), `rows.rs`
//! (`encode_row`/`decode_row`, one JSON array a row, exact for every value; the zstd rows files,
//! hashed as written), `store.rs` (`Store`: `list`, `verify` with its record
//! `verification.json`, the restore history `restores.jsonl`), `create.rs` (files written and
//! renamed into place, manifest last), `restore.rs` (verify, check the target, safety backup,
//! then `Database::restore` with a `RestoreCheck` that compares counts and digests before the
//! commit, foreign-key order by `restore_order`), `prune.rs` (retention, the newest verified
//! and newest safety backup kept) and `journal.rs` (the import journal beside the backups, and
//! the pending mark of an import's safety backup). `mod.rs` only names what the crate uses.

mod create;
mod journal;
mod manifest;
mod prune;
mod restore;
mod rows;
mod store;

pub(crate) use create::{create, create_reserved};
pub(crate) use journal::{JournalEntry, JournalHeader, JournalWriter};
pub(crate) use manifest::{DEFAULT_DIR, Listed, Selection, Verification};
pub(crate) use prune::{Pruned, Retention, prune};
pub(crate) use restore::{RestoreOptions, RestoreReport, restore};
pub use rows::decode_row;
pub use store::Store;

#[cfg(test)]
mod tests {
    use super::manifest::check_id;
    use super::rows::encode_row;
    use super::*;
    use crate::db::Stored;

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

    /// An import killed while its safety backup was still being written leaves a folder with
    /// no manifest: the list still says which import it was for, why it was taken, and that
    /// the import did not commit.
    #[test]
    fn a_backup_killed_before_its_manifest_keeps_its_reason() {
        let folder = tempfile::tempdir().expect("a folder");
        let store = Store::new(folder.path());
        let reserved = store.reserve().expect("a reserved folder");
        store
            .mark_pending(&reserved.id, "IMPORT-1", "before import into products")
            .expect("the mark");
        let listed = store.list().expect("the list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].verified, "uncommitted");
        assert_eq!(
            listed[0].reason.as_deref(),
            Some("before import into products; import IMPORT-1 did not commit")
        );
    }
}

#[cfg(test)]
mod stream_tests {
    use std::fs;

    use sha2::{Digest, Sha256};

    use super::manifest::{LEVEL, TableEntry, hex};
    use super::rows::{RowFile, encode_row};
    use crate::db::{Stored, TableShape};

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
