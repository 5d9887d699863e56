//! A mutation fuzzer for intake's readers, run in process on the stable toolchain (cargo-fuzz
//! needs a nightly one): each execution mutates an input of the seed corpus (the repository's
//! own fixtures) and hands it to one reader, with panics caught and counted. An input that
//! panics is written to `fuzz-crashes/` to be kept as a regression test.
//!
//! ```text
//! cargo run --release --example fuzz -- TARGET EXECUTIONS [SEED]
//! ```
//!
//! TARGET is `csv` (the delimited reader, header detection and every record), `workbook` (xlsx,
//! xlsm, xls and ods through the workbook reader and its checks), `schema` (mapping TOML and
//! Table Schema JSON), `manifest` (a backup's manifest read and verified) or `rows` (a backup's
//! rows file decoded). docs/reliability.md has the figures of the last campaign.

use std::path::{Path, PathBuf};
use std::time::Instant;

/// The repeatable mutations of one execution: bytes set at random, runs cut out or doubled,
/// and now and then two inputs spliced.
struct Mutator {
    state: u64,
}

impl Mutator {
    fn new(seed: u64) -> Mutator {
        Mutator {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    fn mutate(&mut self, original: &[u8], other: &[u8]) -> Vec<u8> {
        let mut bytes = original.to_vec();
        let changes = 1 + self.below(8);
        for _ in 0..changes {
            if bytes.is_empty() {
                bytes.push(b'a');
            }
            let at = self.below(bytes.len());
            match self.below(12) {
                0 => {
                    let end = (at + self.below(64)).min(bytes.len());
                    bytes.drain(at..end);
                }
                1 => {
                    let end = (at + self.below(64)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    bytes.splice(at..at, copy);
                }
                2 if !other.is_empty() => {
                    let from = self.below(other.len());
                    let end = (from + self.below(256)).min(other.len());
                    bytes.splice(at..at, other[from..end].iter().copied());
                }
                3 => bytes[at] = 0xFF,
                4 => bytes[at] = 0,
                5 => {
                    let special = b"\",;\t\r\n'=<>&";
                    bytes[at] = special[self.below(special.len())];
                }
                6 => bytes[at] = bytes[at].wrapping_add(1),
                _ => bytes[at] = self.next() as u8,
            }
        }
        bytes
    }
}

/// The seed corpus of a target: fixture files by extension.
fn corpus(target: &str) -> Vec<(Vec<u8>, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut walk = vec![root.join("fixtures"), root.join("mappings")];
    while let Some(folder) = walk.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk.push(path);
                continue;
            }
            let name = path.to_string_lossy().to_string();
            let extension = path
                .extension()
                .map(|extension| extension.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            let wanted = match target {
                "csv" => matches!(extension.as_str(), "csv" | "txt" | "tsv"),
                "workbook" => matches!(extension.as_str(), "xlsx" | "xlsm" | "xls" | "ods"),
                "schema" => extension == "toml" || name.ends_with(".schema.json"),
                "manifest" => name.ends_with("manifest.json"),
                "rows" => name.ends_with(".rows.zst") || name.contains("/tables/"),
                _ => false,
            };
            if wanted && let Ok(bytes) = std::fs::read(&path) {
                files.push((bytes, extension));
            }
        }
    }
    files.sort();
    files
}

/// One execution: the reader on `bytes`, written where it reads from when it reads files.
fn run(target: &str, bytes: &[u8], extension: &str, scratch: &Path) {
    match target {
        "csv" | "workbook" => {
            let path = scratch.join(format!("input.{extension}"));
            if std::fs::write(&path, bytes).is_err() {
                return;
            }
            if let Ok(table) = intake::open(&path, &intake::ReadOptions::default()) {
                for record in table.records.take(100_000) {
                    if record.is_err() {
                        break;
                    }
                }
            }
        }
        "schema" => {
            let path = scratch.join(if extension == "toml" {
                "schema.toml"
            } else {
                "schema.json"
            });
            if std::fs::write(&path, bytes).is_ok() {
                let _ = intake::load_schema(&path);
            }
        }
        "manifest" => {
            let id = "20261122-032024-805";
            let folder = scratch.join("backups").join(id);
            let _ = std::fs::create_dir_all(&folder);
            if std::fs::write(folder.join("manifest.json"), bytes).is_ok() {
                let store = intake::Store::new(scratch.join("backups"));
                let _ = store.manifest(id);
                let _ = store.verify(id);
            }
        }
        "rows" => {
            let text = zstd::decode_all(bytes).unwrap_or_else(|_| bytes.to_vec());
            for width in [1, 3, 10] {
                for line in text.split(|byte| *byte == b'\n') {
                    let _ = intake::decode_row(line, width);
                }
            }
        }
        other => {
            eprintln!("unknown target {other:?}: csv, workbook, schema, manifest or rows");
            std::process::exit(2);
        }
    }
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let (Some(target), Some(count)) = (arguments.get(1), arguments.get(2)) else {
        eprintln!("usage: fuzz TARGET EXECUTIONS [SEED]");
        std::process::exit(2);
    };
    let count: u64 = count.parse().unwrap_or(1000);
    let seed: u64 = arguments
        .get(3)
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(1);
    let seeds = corpus(target);
    if seeds.is_empty() {
        eprintln!("no seed files for target {target:?}");
        std::process::exit(2);
    }
    let scratch: PathBuf = tempfile::tempdir().expect("a scratch folder").keep();
    let crashes = Path::new("fuzz-crashes");
    // Each panic is one line (where and what), its input kept.
    std::panic::set_hook(Box::new(|info| {
        // A reader's panic that intake catches and turns into a message is no finding.
        if intake::panics_are_caught() {
            return;
        }
        let place = info
            .location()
            .map(|location| format!("{}:{}", location.file(), location.line()))
            .unwrap_or_default();
        let what = intake::panic_text(info.payload()).unwrap_or_default();
        eprintln!(
            "panic at {place}: {}",
            what.chars().take(200).collect::<String>()
        );
    }));
    let mut mutator = Mutator::new(seed);
    let started = Instant::now();
    let mut panics = 0u64;
    for execution in 0..count {
        let (original, extension) = &seeds[mutator.below(seeds.len())];
        let (other, _) = &seeds[mutator.below(seeds.len())];
        let input = mutator.mutate(original, other);
        let outcome = std::panic::catch_unwind(|| run(target, &input, extension, &scratch));
        if outcome.is_err() {
            panics += 1;
            let _ = std::fs::create_dir_all(crashes);
            let _ = std::fs::write(
                crashes.join(format!("{target}-{seed}-{execution}.{extension}")),
                &input,
            );
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!(
        "{target}: {count} executions in {seconds:.1} s ({:.0} a second), {panics} panics, seed {seed}, {} seed files",
        count as f64 / seconds.max(1e-9),
        seeds.len()
    );
    if panics > 0 {
        std::process::exit(1);
    }
}
