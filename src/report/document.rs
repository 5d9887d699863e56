//! The JSON contract's documents (CONTRACT.md): what each command reports, the same whether it
//! is printed as JSON or as tables.

use serde::Serialize;

use crate::load::Action;
use crate::profile::ColumnProfile;
use crate::source::SkippedRow;

use super::errors::{ErrorList, ErrorSummary};

/// One column of the mapping as the document shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MappingEntry {
    pub index: usize,
    pub column: String,
    pub field: Option<String>,
    pub score: f64,
    pub method: Option<String>,
    /// For an unmapped column, the closest fields and their scores.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
    /// Why the model suggested this field (method `llm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the column's values leave open (an ambiguous date order or decimal separator).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What `inspect` prints.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct InspectDocument {
    pub file: String,
    pub format: String,
    pub encoding: Option<&'static str>,
    pub delimiter: Option<String>,
    pub quote: Option<String>,
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    /// Every sheet of a workbook of several: its header and, with `--schema`, its fit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sheet_headers: Vec<SheetHeader>,
    /// Why the sheet profiled is not the first, when `--schema` chose it by fit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet_reason: Option<String>,
    pub header_row: usize,
    /// The non-blank rows above the header, left out as titles, notes or metadata.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_rows: Vec<SkippedRow>,
    pub rows: usize,
    pub columns: Vec<ColumnProfile>,
}

/// One sheet of a workbook as `inspect` lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SheetHeader {
    pub sheet: String,
    /// None when the sheet has no table to read.
    pub header_row: Option<usize>,
    pub headers: Vec<String>,
    /// With `--schema`: how many fields, and required fields, the header maps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Candidate {
    pub field: String,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct PlanCounts {
    pub insert: usize,
    pub update: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// Valid rows that the mode leaves alone (`insert-only`, `update-only`).
    pub skipped: usize,
}

/// A row as it would be written.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PreviewRow {
    pub row: usize,
    pub action: Action,
    pub values: serde_json::Map<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// For an update: each changed column's stored and new value.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub diff: serde_json::Map<String, serde_json::Value>,
}

/// The one document `map`, `validate` and `import` print; each fills what its stage knows.
#[derive(Debug, Serialize)]
pub(crate) struct Document {
    pub file: String,
    pub schema: String,
    pub table: String,
    pub format: String,
    pub sheet: Option<String>,
    /// Why this sheet was read rather than the first, when intake chose it by fit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    pub header_row: usize,
    /// The non-blank rows above the header, left out as titles, notes or metadata.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_rows: Vec<SkippedRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_rows: Option<usize>,
    pub mapping: Vec<MappingEntry>,
    pub missing_fields: Vec<String>,
    /// What intake changed in cells before checking them (validate and import).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalised: Option<Normalised>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<ErrorList>,
    /// Counts and the first errors, for the terminal.
    #[serde(skip)]
    pub summary: Option<ErrorSummary>,
    /// Files written by `--report` and `--rejects`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub written: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_table: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanCounts>,
    /// What the plan means beyond its counts: for a table without a key, what a re-import does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_note: Option<String>,
    /// Names exactly this plan; `import --commit --plan ID` writes only if it is still the plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<Vec<PreviewRow>>,
    /// True for an import that wrote nothing because it was not asked to (`--commit` absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committed: Option<bool>,
    /// What the language model was asked and what came of it (`--llm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm: Option<crate::llm::LlmReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import_id: Option<Option<String>>,
    /// Where `map --save` recorded the mapping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved: Option<String>,
}

/// What was normalised in the cells read: the values were checked and written so.
#[derive(Debug, Serialize, Default)]
pub(crate) struct Normalised {
    /// Cells with spaces, tabs or non-breaking spaces around their value, taken off.
    pub trimmed: usize,
}

/// `intake backup create`'s document: the contract's `id`, `path` and rows per table.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BackupCreated {
    pub id: String,
    pub path: String,
    pub tables: serde_json::Map<String, serde_json::Value>,
    pub bytes: u64,
}

/// What `prune` deleted (or, with `--dry-run`, would delete).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PruneDocument {
    pub dry_run: bool,
    pub deleted: Vec<crate::backup::Pruned>,
}

/// What `intake undo` did (or, before the confirmation, will do).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct UndoDocument {
    pub import_id: String,
    pub table: String,
    pub database: String,
    /// Rows the import inserted, deleted.
    pub delete: usize,
    /// Rows the import updated, set back to what they were.
    pub set_back: usize,
    /// Rows already as they were before the import.
    pub already: usize,
    /// Rows changed since the import, left as they are.
    pub conflicts: Vec<crate::load::UndoConflict>,
    /// The backup of the table taken just before the undo.
    pub backup: Option<String>,
    pub done: bool,
}
