//! intake: land the spreadsheets people send in a SQL database without losing or corrupting a
//! row. The pipeline, one module per stage: `source` (files in) → `detect` (stage 1, map) →
//! `validate` (stage 2) → `load` (stage 3, plan and commit, through `db`), with `report` the only
//! writer of stdout and `cli`/`settings` the way in. See docs/architecture.md.

#![warn(unreachable_pub)]

pub(crate) mod backup;
pub(crate) mod cli;
pub(crate) mod commands;
pub(crate) mod db;
pub(crate) mod detect;
pub(crate) mod exit;
pub(crate) mod files;
pub(crate) mod learned;
pub(crate) mod llm;
pub(crate) mod load;
pub(crate) mod output;
pub(crate) mod parallel;
pub(crate) mod profile;
pub(crate) mod redact;
pub(crate) mod report;
pub(crate) mod schema;
pub(crate) mod settings;
pub(crate) mod source;
pub(crate) mod validate;
pub(crate) mod value;
pub(crate) mod vocabulary;
pub(crate) mod worker;

// The crate's whole public face: what the binary (src/main.rs) and the examples use. Everything
// else is the crate's own, so that the compiler finds what nothing uses.
pub use backup::{Store, decode_row};
pub use cli::Cli;
pub use commands::run;
pub use exit::code;
pub use schema::load as load_schema;
pub use settings::resolve;
pub use source::{ReadOptions, open, panic_text, panics_are_caught};
