//! The command line as clap types. Their doc comments are the `--help` text; nothing below
//! `settings` sees them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Land the spreadsheets people send (CSV, TSV, Excel) in a SQL database without losing or
/// corrupting a row: map the columns, validate every row, preview, then load.
#[derive(Debug, Parser)]
#[command(name = "intake", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// What a file is: format, encoding, delimiter, sheets, header row, and a profile of each column
    Inspect(InspectArgs),
    /// Stage 1: show which column feeds which field, with score and method
    Map(MapCommandArgs),
    /// Stages 1 and 2: check every row and report each problem with its row and column
    Validate(ValidateArgs),
    /// Stages 1 to 3: a dry run that shows what would be written; --commit writes it
    Import(ImportArgs),
    /// The imports committed to a database, newest first
    History(HistoryArgs),
    /// Logical backups of tables: create, list, verify, restore, prune
    Backup(BackupArgs),
    /// Take one committed import back: delete the rows it inserted, set back the rows it updated
    Undo(UndoArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub command: BackupCommand,
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Back up tables of a database (one consistent snapshot) into a new backup
    Create(BackupCreateArgs),
    /// The backups in the backup folder, newest first
    List(BackupPlaceArgs),
    /// Check a backup whole: hashes, decompression, row counts and content digests
    Verify(BackupVerifyArgs),
    /// Make tables equal to a backup, in one transaction, after a safety backup of them
    Restore(BackupRestoreArgs),
    /// Delete old backups: keep the newest N and those younger than D days
    Prune(BackupPruneArgs),
}

/// Where backups live, and how to print.
#[derive(Debug, Args)]
pub struct BackupPlaceArgs {
    /// The backup folder (default: ./backups)
    #[arg(long, env = "INTAKE_BACKUP_DIR", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Output: a table for people, or one JSON document on stdout
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct BackupCreateArgs {
    #[command(flatten)]
    pub place: BackupPlaceArgs,
    /// The tables to back up, separated by commas
    #[arg(
        long,
        value_name = "a,b",
        value_delimiter = ',',
        required_unless_present = "all"
    )]
    pub tables: Vec<String>,
    /// Every table of the database (but intake's own import history)
    #[arg(long, conflicts_with = "tables")]
    pub all: bool,
    /// The database: sqlite://path.db or postgres://user@host/db (default: sqlite://intake.db)
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub db: Option<String>,
}

#[derive(Debug, Args)]
pub struct BackupVerifyArgs {
    #[command(flatten)]
    pub place: BackupPlaceArgs,
    /// The backup's id, as `intake backup list` shows it
    pub id: String,
}

#[derive(Debug, Args)]
pub struct BackupRestoreArgs {
    #[command(flatten)]
    pub place: BackupPlaceArgs,
    /// The backup's id, as `intake backup list` shows it
    pub id: String,
    /// Only these tables of the backup, separated by commas
    #[arg(long, value_name = "a,b", value_delimiter = ',')]
    pub tables: Vec<String>,
    /// The database to restore into (default: sqlite://intake.db)
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub db: Option<String>,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Restore into tables that lack some of the backup's columns, without those columns
    #[arg(long)]
    pub ignore_missing_columns: bool,
}

#[derive(Debug, Args)]
pub struct BackupPruneArgs {
    #[command(flatten)]
    pub place: BackupPlaceArgs,
    /// Keep the newest N backups
    #[arg(long, value_name = "N")]
    pub keep_last: Option<usize>,
    /// Keep the backups younger than D days
    #[arg(long, value_name = "D")]
    pub keep_days: Option<u64>,
    /// Only say what would be deleted
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The database: sqlite://path.db or postgres://... (default: sqlite://intake.db)
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub db: Option<String>,
    /// Output: a table for people, or one JSON document on stdout
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// How to read the file; each option overrides what intake detects.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// The file to read: CSV, TSV or another delimited text, or an xlsx, xlsm, xls, xlsb or ods workbook
    pub file: PathBuf,
    /// The sheet to read, by name or 1-based position (default: the first)
    #[arg(long, value_name = "NAME|INDEX")]
    pub sheet: Option<String>,
    /// The 1-based row that holds the column names (default: the first non-blank row)
    #[arg(long, value_name = "N")]
    pub header_row: Option<usize>,
    /// The delimiter of a text file: one character, or comma, semicolon, tab, pipe (default: detected)
    #[arg(long, value_name = "C")]
    pub delimiter: Option<String>,
    /// The quote character of a text file, " or ' (default: detected)
    #[arg(long, value_name = "C")]
    pub quote: Option<String>,
    /// The text encoding of a text file: utf-8, windows-1252, latin1, utf-16le, ... (default: detected)
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Numbers use a decimal comma (1.234,56) in every column (default: decided per column)
    #[arg(long, conflicts_with = "decimal_point")]
    pub decimal_comma: bool,
    /// Numbers use a decimal point (1,234.56) in every column, whatever the file suggests
    #[arg(long)]
    pub decimal_point: bool,
    /// How to read numeric dates such as 03/04/2024: ymd, dmy or mdy (default: decided per column)
    #[arg(long, value_name = "ORDER")]
    pub date_order: Option<String>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// A schema to fit each sheet of a workbook against (the fit is shown beside each sheet's
    /// header; the sheet read is the one `map` would choose)
    #[arg(long, short = 's', value_name = "S")]
    pub schema: Option<String>,
    /// Output: tables for people, or one JSON document on stdout
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct MapArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The target schema: a mapping file (.toml), a Table Schema (.json), or a name in mappings/
    #[arg(long, short = 's', value_name = "S", required_unless_present = "table")]
    pub schema: Option<String>,
    /// An existing table of the database: its columns, keys and references are the schema (with
    /// --schema, the schema's fields are checked against it first)
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,
    /// The database: sqlite://path.db or postgres://user@host/db (default: sqlite://intake.db)
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub db: Option<String>,
    /// Force a match, 'COLUMN=field', or keep a column unmapped, 'COLUMN=' (repeatable)
    #[arg(long = "map", value_name = "COLUMN=field")]
    pub overrides: Vec<String>,
    /// Ask a language model about the columns left unmapped: openai, groq, gemini, huggingface,
    /// ollama or custom (default: intake.toml's [llm] provider, else openai)
    #[arg(long, value_name = "PROVIDER", num_args = 0..=1, default_missing_value = "")]
    pub llm: Option<String>,
    /// The model service's base URL, before /chat/completions (custom; overrides the preset)
    #[arg(long, value_name = "URL")]
    pub llm_url: Option<String>,
    /// The model's name (default: the provider's preset, or intake.toml's)
    #[arg(long, value_name = "NAME")]
    pub llm_model: Option<String>,
    /// Send up to N (at most 3) sample values of each column asked about (default 0: none)
    #[arg(long, value_name = "N")]
    pub llm_samples: Option<usize>,
    /// Apply the model's checked suggestions without asking
    #[arg(long)]
    pub accept_llm: bool,
    /// Seconds to wait for the model (default 30)
    #[arg(long, value_name = "SECONDS")]
    pub llm_timeout: Option<u64>,
    /// Output: a table for people, or one JSON document on stdout
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct MapCommandArgs {
    #[command(flatten)]
    pub map: MapArgs,
    /// Remember this mapping (with any --map) for the next file with the same headers, in mappings/learned/
    #[arg(long)]
    pub save: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub map: MapArgs,
    /// How many errors the table output lists (all are counted; the report and JSON have them all)
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub show_errors: usize,
    /// Write every error to this file: CSV, or JSON when the name ends in .json
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Write the rejected rows, in their own columns plus an errors column, to this CSV file
    #[arg(long, value_name = "PATH")]
    pub rejects: Option<PathBuf>,
    /// Check references to TABLE against a file instead of the database (repeatable)
    #[arg(long = "reference", value_name = "TABLE=FILE")]
    pub references: Vec<String>,
    /// Replace an existing file given to --report, --rejects or --diff even when intake did not
    /// write it (the input and the database are never written over)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub validate: ValidateArgs,
    /// Write to the database (otherwise a dry run that writes nothing)
    #[arg(long)]
    pub commit: bool,
    /// Do not ask for confirmation before writing
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Load the valid rows even when other rows have errors
    #[arg(long)]
    pub skip_invalid: bool,
    /// Which rows may be written: new and changed, only new, or only changed; append (the same
    /// as insert-only) and insert-only take a table without a key, inserting every valid row
    #[arg(long, value_enum, default_value_t = ModeArg::Upsert)]
    pub mode: ModeArg,
    /// Rows per INSERT statement (1 to 100000)
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub batch_size: usize,
    /// How many rows the preview shows
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub preview: usize,
    /// Write every change the updates would make (row, key, column, old, new) to this CSV file
    #[arg(long, value_name = "PATH")]
    pub diff: Option<PathBuf>,
    /// With --commit: write only if the plan is still the one a dry run named (its plan id)
    #[arg(long, value_name = "PLAN_ID", requires = "commit")]
    pub plan: Option<String>,
    /// Do not back up the table before writing (the journal that `intake undo` needs is kept)
    #[arg(long)]
    pub no_backup: bool,
    /// Where backups and import journals live (default: ./backups)
    #[arg(long, env = "INTAKE_BACKUP_DIR", value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The import's id, as `intake history` shows it
    pub import_id: String,
    /// The database: sqlite://path.db or postgres://user@host/db (default: sqlite://intake.db)
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub db: Option<String>,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Also take back rows changed since the import
    #[arg(long)]
    pub force: bool,
    /// Do not back up the table before writing
    #[arg(long)]
    pub no_backup: bool,
    /// Where backups and import journals live (default: ./backups)
    #[arg(long, env = "INTAKE_BACKUP_DIR", value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Output: a table for people, or one JSON document on stdout
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Upsert,
    InsertOnly,
    Append,
    UpdateOnly,
}
