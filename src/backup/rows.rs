//! A backup's rows files: one JSON array a row, zstd-compressed, hashed as they are written.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::db::{self, RowSink, Stored, TableShape};

use super::manifest::{LEVEL, TableEntry, hex};
use crate::files::{private_file_options, temporary_path};
/// One row as a line of the rows file: a JSON array, one element a column (see
/// docs/backup-format.md): null; an integer; a float, always with a point or an exponent, or
/// `{"real": "NaN"}` for what JSON cannot write; text as a string; true or false; bytes as
/// `{"hex": "00ff"}`.
pub(super) fn encode_row(buffer: &mut Vec<u8>, row: &[Stored]) {
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
pub(crate) struct RowFile {
    reader: BufReader<zstd::stream::read::Decoder<'static, BufReader<File>>>,
    width: usize,
    line: usize,
}

impl RowFile {
    pub(crate) fn open(path: &Path, width: usize) -> Result<RowFile, String> {
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
    pub(crate) fn lines_with_bytes(self) -> impl Iterator<Item = Result<(usize, Vec<u8>), String>> {
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
    pub(crate) fn rows(
        self,
        table: &TableEntry,
    ) -> impl Iterator<Item = Result<Vec<Stored>, String>> + use<> {
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
pub(crate) struct FolderSink {
    pub(crate) folder: PathBuf,
    pub(crate) entries: Vec<TableEntry>,
    pub(crate) current: Option<TableFile>,
}

pub(crate) struct TableFile {
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
