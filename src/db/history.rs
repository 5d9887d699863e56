//! `intake_imports`, the history of committed imports kept in the target database: its table,
//! created on the first commit and widened in place, and its rows.

use crate::db::{Database, DbError, Dialect};
use crate::value::{FieldType, Value};

/// The table where every committed import is recorded.
pub(crate) const HISTORY_TABLE: &str = "intake_imports";

/// `intake_imports` tables made before backups lack `backup_id`: added on the next commit.
pub(in crate::db) const HISTORY_ADD_BACKUP: &str =
    "ALTER TABLE intake_imports ADD COLUMN backup_id TEXT";

/// `intake_imports` as the first commit creates it, its counts in the engine's integer type.
pub(in crate::db) fn history_table_sql(dialect: Dialect) -> String {
    let count = dialect.column_type(FieldType::Integer);
    format!(
        "CREATE TABLE IF NOT EXISTS intake_imports (id TEXT PRIMARY KEY, committed_at TEXT NOT NULL, \
         file TEXT NOT NULL, file_sha256 TEXT NOT NULL, schema_name TEXT NOT NULL, target_table TEXT NOT NULL, \
         mode TEXT NOT NULL, inserted {count} NOT NULL, updated {count} NOT NULL, unchanged {count} NOT NULL, \
         rejected {count} NOT NULL, outcome TEXT NOT NULL, backup_id TEXT)"
    )
}

/// One committed import, as `intake_imports` records it (times in UTC, ISO 8601).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct HistoryEntry {
    pub id: String,
    pub committed_at: String,
    pub file: String,
    pub file_sha256: String,
    pub schema_name: String,
    pub target_table: String,
    pub mode: String,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub outcome: String,
    /// The backup taken just before the import, if one was.
    pub backup_id: Option<String>,
}

impl HistoryEntry {
    pub(in crate::db) const COLUMNS: [&'static str; 13] = [
        "id",
        "committed_at",
        "file",
        "file_sha256",
        "schema_name",
        "target_table",
        "mode",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
        "outcome",
        "backup_id",
    ];

    pub(in crate::db) fn values(&self) -> Vec<Value> {
        let text = |value: &String| Value::Text(value.into());
        vec![
            text(&self.id),
            text(&self.committed_at),
            text(&self.file),
            text(&self.file_sha256),
            text(&self.schema_name),
            text(&self.target_table),
            text(&self.mode),
            Value::Integer(self.inserted),
            Value::Integer(self.updated),
            Value::Integer(self.unchanged),
            Value::Integer(self.rejected),
            text(&self.outcome),
            self.backup_id.as_ref().map_or(Value::Null, text),
        ]
    }
}

impl Database {
    /// Every recorded import, newest first; none when nothing was ever committed here.
    pub(crate) async fn history(&mut self) -> Result<Vec<HistoryEntry>, DbError> {
        let Some(present) = self.table_columns(HISTORY_TABLE).await? else {
            return Ok(Vec::new());
        };
        // A table from before a column was added reads as NULL there.
        let columns: Vec<String> = HistoryEntry::COLUMNS
            .iter()
            .map(|column| {
                if present.iter().any(|name| name == column) {
                    format!("CAST({column} AS TEXT)")
                } else {
                    "NULL".to_string()
                }
            })
            .collect();
        let sql = format!(
            "SELECT {} FROM {HISTORY_TABLE} ORDER BY committed_at DESC, id DESC",
            columns.join(", ")
        );
        let rows = self
            .fetch_texts(HISTORY_TABLE, sql, &[], HistoryEntry::COLUMNS.len())
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let text = |index: usize| row[index].clone().unwrap_or_default();
                let number = |index: usize| text(index).parse().unwrap_or_default();
                HistoryEntry {
                    id: text(0),
                    committed_at: text(1),
                    file: text(2),
                    file_sha256: text(3),
                    schema_name: text(4),
                    target_table: text(5),
                    mode: text(6),
                    inserted: number(7),
                    updated: number(8),
                    unchanged: number(9),
                    rejected: number(10),
                    outcome: text(11),
                    backup_id: row[12].clone(),
                }
            })
            .collect())
    }
}
