//! Rows in and out: SQLite's values as `Stored`, PostgreSQL's COPY text format written and
//! read, hex for blobs.

use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteArguments, SqliteConnection};
use sqlx::{Arguments, AssertSqlSafe, Row, TypeInfo, ValueRef};

use super::shape::Stored;
use crate::db::{DbError, Dialect, quote};

/// `0aff` as bytes.
pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(text.get(index..index + 2)?, 16).ok())
        .collect()
}

/// Bytes as lowercase hex.
pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// A SQLite value with its storage class.
pub(crate) fn sqlite_value(
    row: &sqlx::sqlite::SqliteRow,
    index: usize,
) -> Result<Stored, sqlx::Error> {
    let raw = row.try_get_raw(index)?;
    if raw.is_null() {
        return Ok(Stored::Null);
    }
    let class = raw.type_info().name().to_ascii_uppercase();
    Ok(match class.as_str() {
        "INTEGER" => Stored::Integer(row.try_get_unchecked::<i64, _>(index)?),
        "REAL" => Stored::Real(row.try_get_unchecked::<f64, _>(index)?),
        "BLOB" => Stored::Blob(row.try_get_unchecked::<Vec<u8>, _>(index)?),
        _ => Stored::Text(row.try_get_unchecked::<String, _>(index)?),
    })
}

/// One multi-row INSERT into a SQLite staging table.
pub(crate) async fn insert_sqlite(
    connection: &mut SqliteConnection,
    staging: &str,
    column_list: &str,
    width: usize,
    batch: &[Vec<Stored>],
) -> Result<(), sqlx::Error> {
    let mut arguments = SqliteArguments::default();
    for row in batch {
        for value in row {
            let bound = match value {
                Stored::Null => arguments.add(Option::<i64>::None),
                Stored::Integer(number) => arguments.add(*number),
                Stored::Real(number) => arguments.add(*number),
                Stored::Text(text) => arguments.add(text.clone()),
                Stored::Boolean(value) => arguments.add(i64::from(*value)),
                Stored::Blob(bytes) => arguments.add(bytes.clone()),
            };
            bound.map_err(sqlx::Error::Encode)?;
        }
    }
    let sql = format!(
        "INSERT INTO {} ({column_list}) VALUES {}",
        quote(staging),
        Dialect::Sqlite.tuples(batch.len(), width)
    );
    sqlx::query_with(AssertSqlSafe(sql), arguments)
        .execute(&mut *connection)
        .await
        .map(|_| ())
}

/// COPY into a PostgreSQL table, in COPY's text format. Gives how many rows.
pub(crate) async fn copy_postgres(
    connection: &mut PgConnection,
    table: &str,
    into: &str,
    column_list: &str,
    rows: Box<dyn Iterator<Item = Result<Vec<Stored>, String>> + '_>,
) -> Result<u64, DbError> {
    let fail = |error: sqlx::Error| crate::db::query_error(table, error);
    let aborted = |reason: String| DbError::Query {
        table: table.to_string(),
        reason,
    };
    let mut copy = connection
        .copy_in_raw(&format!("COPY {} ({column_list}) FROM STDIN", quote(into)))
        .await
        .map_err(fail)?;
    let mut buffer = Vec::with_capacity(1 << 20);
    for row in rows {
        let row = match row {
            Ok(row) => row,
            Err(reason) => {
                let _ = copy.abort(reason.clone()).await;
                return Err(aborted(reason));
            }
        };
        copy_text_line(&mut buffer, &row);
        if buffer.len() >= 1 << 20 {
            copy.send(std::mem::take(&mut buffer)).await.map_err(fail)?;
            buffer.reserve(1 << 20);
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer).await.map_err(fail)?;
    }
    copy.finish().await.map_err(fail)
}

/// Reads one line of COPY's text output (without its line end) into typed values.
pub(crate) fn read_copy_line(
    line: &[u8],
    kinds: &[PgKind],
    values: &mut Vec<Stored>,
) -> Result<(), String> {
    let mut fields = line.split(|&byte| byte == b'\t');
    for kind in kinds {
        let field = fields
            .next()
            .ok_or_else(|| format!("a row of COPY has fewer than {} values", kinds.len()))?;
        let text = if field == b"\\N" {
            None
        } else {
            Some(unescape_copy(field)?)
        };
        values.push(kind.read(text)?);
    }
    if fields.next().is_some() {
        return Err(format!(
            "a row of COPY has more than {} values",
            kinds.len()
        ));
    }
    Ok(())
}

/// Undoes COPY's text escapes: `\\`, `\t`, `\n`, `\r`, `\b`, `\f`, `\v`, octal and hex bytes.
fn unescape_copy(field: &[u8]) -> Result<String, String> {
    if !field.contains(&b'\\') {
        return String::from_utf8(field.to_vec()).map_err(|error| error.to_string());
    }
    let mut bytes = Vec::with_capacity(field.len());
    let mut index = 0;
    while index < field.len() {
        let byte = field[index];
        index += 1;
        if byte != b'\\' || index == field.len() {
            bytes.push(byte);
            continue;
        }
        let escaped = field[index];
        index += 1;
        match escaped {
            b'b' => bytes.push(8),
            b'f' => bytes.push(12),
            b'n' => bytes.push(b'\n'),
            b'r' => bytes.push(b'\r'),
            b't' => bytes.push(b'\t'),
            b'v' => bytes.push(11),
            b'0'..=b'7' => {
                let mut value = u32::from(escaped - b'0');
                for _ in 0..2 {
                    match field.get(index) {
                        Some(digit @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(digit - b'0');
                            index += 1;
                        }
                        _ => break,
                    }
                }
                bytes.push(value as u8);
            }
            b'x' if field.get(index).is_some_and(u8::is_ascii_hexdigit) => {
                let digits = field[index..]
                    .iter()
                    .take(2)
                    .take_while(|digit| digit.is_ascii_hexdigit())
                    .count();
                let text = std::str::from_utf8(&field[index..index + digits]).unwrap_or("0");
                bytes.push(u8::from_str_radix(text, 16).unwrap_or(0));
                index += digits;
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).map_err(|error| error.to_string())
}

/// One row in COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
fn copy_text_line(buffer: &mut Vec<u8>, row: &[Stored]) {
    use std::io::Write as _;
    for (index, value) in row.iter().enumerate() {
        if index > 0 {
            buffer.push(b'\t');
        }
        match value {
            Stored::Null => buffer.extend_from_slice(b"\\N"),
            Stored::Integer(number) => {
                let _ = write!(buffer, "{number}");
            }
            Stored::Real(number) if number.is_nan() => buffer.extend_from_slice(b"NaN"),
            Stored::Real(number) if number.is_infinite() => {
                if *number < 0.0 {
                    buffer.push(b'-');
                }
                buffer.extend_from_slice(b"Infinity");
            }
            Stored::Real(number) => {
                let _ = write!(buffer, "{number:?}");
            }
            Stored::Boolean(value) => buffer.push(if *value { b't' } else { b'f' }),
            Stored::Blob(bytes) => {
                buffer.extend_from_slice(b"\\\\x");
                buffer.extend_from_slice(encode_hex(bytes).as_bytes());
            }
            Stored::Text(text) => {
                for byte in text.bytes() {
                    match byte {
                        b'\\' => buffer.extend_from_slice(b"\\\\"),
                        b'\t' => buffer.extend_from_slice(b"\\t"),
                        b'\n' => buffer.extend_from_slice(b"\\n"),
                        b'\r' => buffer.extend_from_slice(b"\\r"),
                        other => buffer.push(other),
                    }
                }
            }
        }
    }
    buffer.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::snapshot::ddl::column_type_for;

    #[test]
    fn copy_text_escapes_what_copy_reads_specially() {
        let mut buffer = Vec::new();
        copy_text_line(
            &mut buffer,
            &[
                Stored::Null,
                Stored::Text(String::new()),
                Stored::Text("a\tb\\c\nd".to_string()),
                Stored::Integer(-9_223_372_036_854_775_808),
                Stored::Real(0.1),
                Stored::Real(f64::NEG_INFINITY),
                Stored::Boolean(true),
                Stored::Blob(vec![0, 255]),
            ],
        );
        assert_eq!(
            String::from_utf8_lossy(&buffer),
            "\\N\t\ta\\tb\\\\c\\nd\t-9223372036854775808\t0.1\t-Infinity\tt\t\\\\x00ff\n"
        );
    }

    #[test]
    fn types_across_engines() {
        use Dialect::{Postgres, Sqlite};
        let cases = [
            ("INTEGER", Sqlite, Postgres, "BIGINT"),
            ("TEXT", Sqlite, Postgres, "TEXT"),
            ("", Sqlite, Postgres, "BYTEA"),
            ("BLOB", Sqlite, Postgres, "BYTEA"),
            ("VARCHAR(20)", Sqlite, Postgres, "TEXT"),
            ("DECIMAL(12,2)", Sqlite, Postgres, "NUMERIC"),
            ("DATETIME", Sqlite, Postgres, "TIMESTAMP"),
            ("BOOLEAN", Sqlite, Postgres, "BOOLEAN"),
            ("REAL", Sqlite, Postgres, "DOUBLE PRECISION"),
            ("numeric(12,2)", Postgres, Sqlite, "TEXT"),
            ("bigint", Postgres, Sqlite, "INTEGER"),
            ("boolean", Postgres, Sqlite, "BOOLEAN"),
            ("timestamp without time zone", Postgres, Sqlite, "DATETIME"),
            ("date", Postgres, Sqlite, "DATE"),
            ("bytea", Postgres, Sqlite, "BLOB"),
            ("double precision", Postgres, Sqlite, "REAL"),
            ("character varying(40)", Postgres, Sqlite, "TEXT"),
            ("numeric(12,2)", Postgres, Postgres, "numeric(12,2)"),
            ("DECIMAL", Sqlite, Sqlite, "DECIMAL"),
        ];
        for (declared, from, to, expected) in cases {
            assert_eq!(
                column_type_for(declared, from, to),
                expected,
                "{declared} from {from:?} to {to:?}"
            );
        }
    }

    #[test]
    fn copy_text_reads_back_what_it_writes() {
        let row = vec![
            Stored::Null,
            Stored::Text(String::new()),
            Stored::Text("a\tb\\c\nd\re".to_string()),
            Stored::Integer(-9_223_372_036_854_775_808),
            Stored::Boolean(true),
            Stored::Blob(vec![0, 255]),
        ];
        let mut line = Vec::new();
        copy_text_line(&mut line, &row);
        line.pop();
        let kinds = [
            PgKind::Text,
            PgKind::Text,
            PgKind::Text,
            PgKind::Integer,
            PgKind::Boolean,
            PgKind::Blob,
        ];
        let mut values = Vec::new();
        read_copy_line(&line, &kinds, &mut values).expect("a row");
        assert_eq!(values, row);
        assert_eq!(unescape_copy(b"\\101\\x42\\\\").expect("text"), "AB\\");
        assert!(read_copy_line(b"1\t2", &kinds[..1], &mut Vec::new()).is_err());
    }

    #[test]
    fn hex_both_ways() {
        assert_eq!(encode_hex(&[0, 1, 171, 255]), "0001abff");
        assert_eq!(decode_hex("0001abff"), Some(vec![0, 1, 171, 255]));
        assert_eq!(decode_hex("0g"), None);
        assert_eq!(decode_hex("abc"), None);
    }
}

/// How a PostgreSQL column's text form is read back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PgKind {
    Integer,
    Real,
    Boolean,
    Blob,
    Text,
}

impl PgKind {
    pub(crate) fn of(declared: &str) -> PgKind {
        match declared.to_ascii_lowercase().as_str() {
            "smallint" | "integer" | "bigint" | "oid" => PgKind::Integer,
            "real" | "double precision" => PgKind::Real,
            "boolean" => PgKind::Boolean,
            "bytea" => PgKind::Blob,
            _ => PgKind::Text,
        }
    }

    pub(crate) fn read(self, text: Option<String>) -> Result<Stored, String> {
        let Some(text) = text else {
            return Ok(Stored::Null);
        };
        let bad = || format!("the server gave {text:?}, which is not a {self:?} value");
        Ok(match self {
            PgKind::Integer => Stored::Integer(text.parse().map_err(|_| bad())?),
            PgKind::Real => Stored::Real(text.parse().map_err(|_| bad())?),
            PgKind::Boolean => Stored::Boolean(match text.as_str() {
                "t" | "true" => true,
                "f" | "false" => false,
                _ => return Err(bad()),
            }),
            PgKind::Blob => Stored::Blob(
                text.strip_prefix("\\x")
                    .and_then(decode_hex)
                    .ok_or_else(bad)?,
            ),
            PgKind::Text => Stored::Text(text),
        })
    }
}
