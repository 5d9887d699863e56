//! intake: land the spreadsheets people send in a SQL database without losing or corrupting a
//! row. The pipeline, one module per stage: `source` (files in) → `detect` (stage 1, map) →
//! `validate` (stage 2) → `load` (stage 3, plan and commit, through `db`), with `report` the only
//! writer of stdout and `cli`/`settings` the way in. See docs/architecture.md.

pub mod backup;
pub mod cli;
pub mod commands;
pub mod db;
pub mod detect;
pub mod exit;
pub mod files;
pub mod learned;
pub mod llm;
pub mod load;
pub mod output;
pub mod parallel;
pub mod profile;
pub mod redact;
pub mod report;
pub mod schema;
pub mod settings;
pub mod source;
pub mod validate;
pub mod value;
pub mod vocabulary;
