//! The SQL that differs between engines, as methods of [`Dialect`]: column types, bound
//! parameters, how a transaction begins and locks a table, NULL-safe comparison, row identity,
//! how a `VALUES` list names its columns, the columns query, the engine's name in a backup's
//! manifest, whether a snapshot can be read beside a writer, the queries that read a table's shape.
//! (Engine-specific blocks remain in `write.rs`, `describe.rs` and `snapshot/`: see
//! docs/architecture.md, "Where a change starts".)

use super::Begin;
use crate::value::FieldType;

/// The SQL dialects intake writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The column type intake gives a field in a table it creates. SQLite stores decimals as
    /// text, since its NUMERIC affinity would turn 12.50 into a binary float; PostgreSQL has an
    /// exact NUMERIC.
    pub(super) fn column_type(self, field_type: FieldType) -> &'static str {
        match (self, field_type) {
            (_, FieldType::String) => "TEXT",
            (Dialect::Sqlite, FieldType::Number | FieldType::Date | FieldType::Datetime) => "TEXT",
            (Dialect::Sqlite, FieldType::Integer | FieldType::Boolean) => "INTEGER",
            (Dialect::Postgres, FieldType::Integer) => "BIGINT",
            (Dialect::Postgres, FieldType::Number) => "NUMERIC",
            (Dialect::Postgres, FieldType::Boolean) => "BOOLEAN",
            (Dialect::Postgres, FieldType::Date) => "DATE",
            (Dialect::Postgres, FieldType::Datetime) => "TIMESTAMP",
        }
    }

    /// The `number`th (1-based) bound parameter.
    pub(super) fn parameter(self, number: usize) -> String {
        match self {
            Dialect::Sqlite => "?".to_string(),
            Dialect::Postgres => format!("${number}"),
        }
    }

    /// `(?, ?), (?, ?)`: `rows` tuples of `width` parameters, numbered from 1.
    pub(super) fn tuples(self, rows: usize, width: usize) -> String {
        use std::fmt::Write as _;
        let mut sql = String::with_capacity(rows * width * 4);
        for row in 0..rows {
            sql.push_str(if row == 0 { "(" } else { ", (" });
            for column in 1..=width {
                if column > 1 {
                    sql.push_str(", ");
                }
                match self {
                    Dialect::Sqlite => sql.push('?'),
                    Dialect::Postgres => {
                        let _ = write!(sql, "${}", row * width + column);
                    }
                }
            }
            sql.push(')');
        }
        sql
    }

    /// Most bound parameters in one statement (SQLite allows 32766, PostgreSQL 65535).
    pub(super) fn max_parameters(self) -> usize {
        match self {
            Dialect::Sqlite => 30_000,
            Dialect::Postgres => 60_000,
        }
    }

    /// How a transaction for `purpose` begins (see [`Begin`]).
    pub(super) fn begin(self, purpose: Begin<'_>) -> &'static str {
        match (self, purpose) {
            (Dialect::Sqlite, Begin::Snapshot) => "BEGIN",
            (Dialect::Sqlite, Begin::Write | Begin::Table(_)) => "BEGIN IMMEDIATE",
            (Dialect::Postgres, Begin::Snapshot) => {
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            }
            (Dialect::Postgres, Begin::Write | Begin::Table(_)) => "BEGIN",
        }
    }

    /// The statement that takes the import lock of `table` inside a transaction, where the
    /// transaction's own beginning does not (SQLite's `BEGIN IMMEDIATE` locks the whole file).
    pub(super) fn lock_table(self, table: &str) -> Option<String> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(format!(
                "SELECT pg_advisory_xact_lock({})",
                super::write::lock_key(table)
            )),
        }
    }

    /// The operator for "equal, a NULL equal to a NULL".
    pub(super) fn same(self) -> &'static str {
        match self {
            Dialect::Sqlite => "IS",
            Dialect::Postgres => "IS NOT DISTINCT FROM",
        }
    }

    /// The operator for "different, a NULL different from a value".
    pub(super) fn distinct(self) -> &'static str {
        match self {
            Dialect::Sqlite => "IS NOT",
            Dialect::Postgres => "IS DISTINCT FROM",
        }
    }

    /// The `index`th (0-based) column of a `VALUES` list named `alias` (see `values_alias`):
    /// SQLite names them `column1`, `column2`, ...; PostgreSQL takes the names of the alias.
    pub(super) fn values_column(self, alias: &str, index: usize) -> String {
        match self {
            Dialect::Sqlite => format!("{alias}.column{}", index + 1),
            Dialect::Postgres => format!("{alias}.c{}", index + 1),
        }
    }

    /// How a `VALUES` list of `width` columns is named after `AS`.
    pub(super) fn values_alias(self, alias: &str, width: usize) -> String {
        match self {
            Dialect::Sqlite => alias.to_string(),
            Dialect::Postgres => format!(
                "{alias}({})",
                (1..=width)
                    .map(|index| format!("c{index}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The engine's name, as a backup's manifest records where it came from.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// The engine a manifest names, if intake speaks it.
    pub(crate) fn named(name: &str) -> Option<Dialect> {
        [Dialect::Sqlite, Dialect::Postgres]
            .into_iter()
            .find(|dialect| dialect.name() == name)
    }

    /// Whether another connection can read a snapshot of a table while this one writes to it:
    /// an import's safety backup is then written meanwhile, on a thread and a connection of
    /// its own (PostgreSQL); otherwise before the import writes (SQLite's write lock).
    pub(crate) fn reads_beside_a_writer(self) -> bool {
        match self {
            Dialect::Sqlite => false,
            Dialect::Postgres => true,
        }
    }

    /// The names of a table's columns in order, the table's name bound as the one parameter.
    pub(super) fn columns_query(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SELECT name FROM pragma_table_info(?)",
            Dialect::Postgres => {
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
            }
        }
    }

    /// The hidden column that names one row of a table without a key.
    pub(super) fn row_id(self) -> &'static str {
        match self {
            Dialect::Sqlite => "rowid",
            Dialect::Postgres => "ctid",
        }
    }

    /// The queries that read a table's shape (see `snapshot::TableShape`), the table's name
    /// bound as their one parameter.
    pub(super) fn shape_queries(self) -> ShapeQueries {
        let (columns, unique, foreign_keys, sequences) = match self {
            Dialect::Sqlite => (
                "SELECT name, type, CAST(\"notnull\" AS TEXT), dflt_value, CAST(pk AS TEXT) \
                 FROM pragma_table_info(?) ORDER BY cid",
                // Unique constraints and CREATE UNIQUE INDEX on plain columns, not partial.
                "SELECT list.name, info.name FROM pragma_index_list(?) AS list \
                 JOIN pragma_index_info(list.name) AS info \
                 WHERE list.\"unique\" = 1 AND list.origin IN ('u', 'c') AND list.partial = 0 \
                 ORDER BY list.name, info.seqno",
                // One row per column of each foreign key; `to` is null when the key refers to
                // the parent's primary key.
                "SELECT CAST(id AS TEXT), \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq",
                "",
            ),
            Dialect::Postgres => (
                "SELECT CAST(a.attname AS TEXT), CAST(format_type(a.atttypid, a.atttypmod) AS TEXT), \
                 CASE WHEN a.attnotnull THEN '1' ELSE '0' END, \
                 CASE WHEN a.attidentity <> '' THEN 'GENERATED BY DEFAULT AS IDENTITY' \
                      ELSE CAST(pg_get_expr(d.adbin, d.adrelid) AS TEXT) END, \
                 CAST(COALESCE((SELECT k.n FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) \
                   WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum), 0) AS TEXT) \
                 FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                 WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) \
                   AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                "SELECT CAST(CAST(i.indexrelid AS regclass) AS TEXT), CAST(a.attname AS TEXT) \
                 FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                 WHERE i.indrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) \
                   AND i.indisunique AND NOT i.indisprimary AND i.indpred IS NULL AND i.indexprs IS NULL \
                 ORDER BY 1, k.n",
                "SELECT CAST(c.conname AS TEXT), CAST(p.relname AS TEXT), CAST(ca.attname AS TEXT), CAST(pa.attname AS TEXT) \
                 FROM pg_constraint c JOIN pg_class p ON p.oid = c.confrelid \
                 CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(child, parent, n) \
                 JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.child \
                 JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.parent \
                 WHERE c.contype = 'f' AND c.conrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) \
                 ORDER BY c.conname, k.n",
                "SELECT CAST(a.attname AS TEXT), CAST(s.name AS TEXT), CAST(pg_sequence_last_value(CAST(s.name AS regclass)) AS TEXT) \
                 FROM pg_attribute a, \
                   pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident($1), CAST(a.attname AS TEXT)) AS s(name) \
                 WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) \
                   AND a.attnum > 0 AND NOT a.attisdropped AND s.name IS NOT NULL ORDER BY a.attnum",
            ),
        };
        ShapeQueries {
            columns,
            unique,
            foreign_keys,
            sequences,
        }
    }
}

/// The queries that read a table's shape, per engine: its columns (name, declared type, NOT
/// NULL, default, position in the primary key), its unique constraints and indexes on plain
/// columns, its foreign keys (a row per column), and its sequences ("" where the engine has
/// none to read).
pub(super) struct ShapeQueries {
    pub(super) columns: &'static str,
    pub(super) unique: &'static str,
    pub(super) foreign_keys: &'static str,
    pub(super) sequences: &'static str,
}
