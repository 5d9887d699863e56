//! Flags and environment resolved once into plain structs: everything below reads these, never
//! clap types. Checks that need no file (a delimiter that is one character, a `--map` with an
//! `=`, a database URL) fail here, before anything is opened.

use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::backup::{self, RestoreOptions, Retention, Selection};
use crate::cli::{self, Cli, Command};
use crate::db::{self, Location};
use crate::detect::Override;
use crate::llm::{LlmSettings, Provider};
use crate::load::Mode;
use crate::profile::Overrides;
use crate::report::Output;
use crate::source::ReadOptions;
use crate::value::DateOrder;

/// How to read a file: what `inspect` needs, and every other command too.
#[derive(Debug, Clone)]
pub struct InputSettings {
    pub file: PathBuf,
    pub read: ReadOptions,
    /// `--decimal-comma` and `--date-order`.
    pub conventions: Overrides,
}

#[derive(Debug, Clone)]
pub struct InspectSettings {
    pub input: InputSettings,
    pub output: Output,
    /// `--schema`: each sheet's header is fitted against it.
    pub schema: Option<String>,
}

/// What `map` needs, and the start of what `validate` and `import` need.
#[derive(Debug, Clone)]
pub struct MapSettings {
    pub input: InputSettings,
    /// `--schema`; with `table`, checked against the table.
    pub schema: Option<String>,
    /// `--table`: an existing table as the schema, or as what the schema must fit.
    pub table: Option<String>,
    /// The target database (the embedded default unless `--db` or `DATABASE_URL` says otherwise).
    pub database: Location,
    pub overrides: Vec<Override>,
    pub output: Output,
    /// `--llm`: where to ask for suggestions, when the user asked for them.
    pub llm: Option<LlmSettings>,
}

#[derive(Debug, Clone)]
pub struct MapCommandSettings {
    pub map: MapSettings,
    /// `--save`: record the mapping under mappings/learned/.
    pub save: bool,
}

#[derive(Debug, Clone)]
pub struct ValidateSettings {
    pub map: MapSettings,
    pub show_errors: usize,
    pub report: Option<PathBuf>,
    pub rejects: Option<PathBuf>,
    /// `--reference TABLE=FILE`: where referenced tables come from instead of the database.
    pub references: Vec<(String, PathBuf)>,
}

#[derive(Debug, Clone)]
pub struct ImportSettings {
    pub validate: ValidateSettings,
    pub commit: bool,
    /// Confirmation given up front (`--yes`).
    pub confirmed: bool,
    pub skip_invalid: bool,
    pub mode: Mode,
    pub batch_size: usize,
    pub preview: usize,
    pub diff: Option<PathBuf>,
    /// `--plan`: the plan id a dry run showed, which the commit must still have.
    pub plan: Option<String>,
    /// `--no-backup`: no backup of the table before the commit.
    pub no_backup: bool,
    /// Where backups and import journals live.
    pub backup_dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct UndoSettings {
    pub import_id: String,
    pub database: Location,
    pub confirmed: bool,
    pub force: bool,
    pub no_backup: bool,
    pub backup_dir: PathBuf,
    pub output: Output,
}

#[derive(Debug, Clone)]
pub struct HistorySettings {
    pub database: Location,
    pub output: Output,
}

/// `intake backup ...`: where backups live, how to print, and what to do.
#[derive(Debug, Clone)]
pub struct BackupSettings {
    pub dir: PathBuf,
    pub output: Output,
    pub action: BackupAction,
}

#[derive(Debug, Clone)]
pub enum BackupAction {
    Create {
        database: Location,
        selection: Selection,
    },
    List,
    Verify {
        id: String,
    },
    Restore {
        id: String,
        database: Location,
        confirmed: bool,
        options: RestoreOptions,
    },
    Prune {
        retention: Retention,
        dry_run: bool,
    },
}

#[derive(Debug, Clone)]
pub enum Settings {
    Backup(BackupSettings),
    Undo(UndoSettings),
    History(HistorySettings),
    Inspect(InspectSettings),
    Map(MapCommandSettings),
    Validate(ValidateSettings),
    Import(ImportSettings),
}

/// The embedded default target when neither `--db` nor `DATABASE_URL` is given.
pub(crate) const DEFAULT_DATABASE: &str = "sqlite://intake.db";

pub fn resolve(cli: Cli) -> anyhow::Result<Settings> {
    Ok(match cli.command {
        Command::Inspect(args) => Settings::Inspect(InspectSettings {
            input: input_settings(args.input)?,
            output: output(args.format),
            schema: args.schema,
        }),
        Command::Map(args) => Settings::Map(MapCommandSettings {
            map: map_settings(args.map)?,
            save: args.save,
        }),
        Command::Validate(args) => {
            let force = args.force;
            let settings = validate_settings(args)?;
            check_outputs(&settings, force, None, None)?;
            Settings::Validate(settings)
        }
        Command::History(args) => Settings::History(HistorySettings {
            database: db::parse_location(&args.db.unwrap_or_else(|| DEFAULT_DATABASE.to_string()))?,
            output: output(args.format),
        }),
        Command::Backup(args) => Settings::Backup(backup_settings(args.command)?),
        Command::Undo(args) => Settings::Undo(UndoSettings {
            import_id: args.import_id,
            database: db::parse_location(&args.db.unwrap_or_else(|| DEFAULT_DATABASE.to_string()))?,
            confirmed: args.yes,
            force: args.force,
            no_backup: args.no_backup,
            backup_dir: args
                .backup_dir
                .unwrap_or_else(|| PathBuf::from(backup::DEFAULT_DIR)),
            output: output(args.format),
        }),
        Command::Import(args) => {
            if !(1..=MAX_BATCH_SIZE).contains(&args.batch_size) {
                bail!(
                    "--batch-size {}: give a number of rows from 1 to {MAX_BATCH_SIZE}",
                    args.batch_size
                );
            }
            let force = args.validate.force;
            let validate = validate_settings(args.validate)?;
            let backup_dir = args
                .backup_dir
                .unwrap_or_else(|| PathBuf::from(backup::DEFAULT_DIR));
            check_outputs(&validate, force, args.diff.as_deref(), Some(&backup_dir))?;
            Settings::Import(ImportSettings {
                validate,
                commit: args.commit,
                confirmed: args.yes,
                skip_invalid: args.skip_invalid,
                mode: match args.mode {
                    cli::ModeArg::Upsert => Mode::Upsert,
                    cli::ModeArg::InsertOnly | cli::ModeArg::Append => Mode::InsertOnly,
                    cli::ModeArg::UpdateOnly => Mode::UpdateOnly,
                },
                batch_size: args.batch_size,
                preview: args.preview,
                diff: args.diff,
                plan: args.plan,
                no_backup: args.no_backup,
                backup_dir,
            })
        }
    })
}

fn backup_settings(command: cli::BackupCommand) -> anyhow::Result<BackupSettings> {
    let database = |url: Option<String>| {
        db::parse_location(&url.unwrap_or_else(|| DEFAULT_DATABASE.to_string()))
    };
    let place = |place: &cli::BackupPlaceArgs| {
        (
            place
                .dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(backup::DEFAULT_DIR)),
            output(place.format),
        )
    };
    let ((dir, output), action) = match command {
        cli::BackupCommand::Create(args) => (
            place(&args.place),
            BackupAction::Create {
                database: database(args.db)?,
                selection: if args.all {
                    Selection::All
                } else {
                    Selection::Tables(tables(&args.tables)?)
                },
            },
        ),
        cli::BackupCommand::List(args) => (place(&args), BackupAction::List),
        cli::BackupCommand::Verify(args) => {
            (place(&args.place), BackupAction::Verify { id: args.id })
        }
        cli::BackupCommand::Restore(args) => (
            place(&args.place),
            BackupAction::Restore {
                id: args.id,
                database: database(args.db)?,
                confirmed: args.yes,
                options: RestoreOptions {
                    tables: (!args.tables.is_empty())
                        .then(|| tables(&args.tables))
                        .transpose()?,
                    ignore_missing_columns: args.ignore_missing_columns,
                },
            },
        ),
        cli::BackupCommand::Prune(args) => {
            if args.keep_last.is_none() && args.keep_days.is_none() {
                bail!(
                    "intake backup prune: say what to keep: --keep-last N, --keep-days D, or both"
                );
            }
            (
                place(&args.place),
                BackupAction::Prune {
                    retention: Retention {
                        keep_last: args.keep_last,
                        keep_days: args.keep_days,
                    },
                    dry_run: args.dry_run,
                },
            )
        }
    };
    Ok(BackupSettings {
        dir,
        output,
        action,
    })
}

/// `--tables a,b`: names without blanks.
fn tables(given: &[String]) -> anyhow::Result<Vec<String>> {
    let names: Vec<String> = given.iter().map(|name| name.trim().to_string()).collect();
    if names.is_empty() || names.iter().any(String::is_empty) {
        bail!(
            "--tables: give table names separated by commas, such as --tables customers,invoices"
        );
    }
    Ok(names)
}

fn validate_settings(args: cli::ValidateArgs) -> anyhow::Result<ValidateSettings> {
    let references = args
        .references
        .iter()
        .map(|text| {
            let (table, file) = text
                .split_once('=')
                .filter(|(table, file)| !table.trim().is_empty() && !file.trim().is_empty())
                .with_context(|| {
                    format!(
                        "--reference {text:?}: write TABLE=FILE, such as customers=customers.csv"
                    )
                })?;
            Ok((table.trim().to_string(), PathBuf::from(file.trim())))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(ValidateSettings {
        map: map_settings(args.map)?,
        show_errors: args.show_errors,
        report: args.report,
        rejects: args.rejects,
        references,
    })
}

/// The most rows one INSERT statement takes: more gains nothing and holds a batch in memory.
pub(crate) const MAX_BATCH_SIZE: usize = 100_000;

/// Refuses, before anything is opened, an output path that names the input, a file it refers
/// to, the database or its journals, the backup folder, another output, or (without `--force`)
/// an existing file that intake did not write.
fn check_outputs(
    settings: &ValidateSettings,
    force: bool,
    diff: Option<&std::path::Path>,
    backup_dir: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use crate::output::Kind;
    let outputs: Vec<(Kind, &std::path::Path)> = [
        (Kind::Report, settings.report.as_deref()),
        (Kind::Rejects, settings.rejects.as_deref()),
        (Kind::Diff, diff),
    ]
    .into_iter()
    .filter_map(|(kind, path)| Some((kind, path?)))
    .collect();
    if outputs.is_empty() {
        return Ok(());
    }
    let mut protected = crate::output::Protected::default();
    protected.file(&settings.map.input.file, "the input file");
    for (table, file) in &settings.references {
        protected.file(file, &format!("the reference file for {table}"));
    }
    if let Location::Sqlite(path) = &settings.map.database {
        protected.database(path);
    }
    if let Some(folder) = backup_dir {
        protected.folder(folder, "the backup folder");
    }
    crate::output::check(&outputs, &protected, force)
}

fn output(format: cli::OutputFormat) -> Output {
    match format {
        cli::OutputFormat::Table => Output::Table,
        cli::OutputFormat::Json => Output::Json,
    }
}

fn input_settings(args: cli::InputArgs) -> anyhow::Result<InputSettings> {
    let delimiter = args.delimiter.as_deref().map(parse_delimiter).transpose()?;
    let quote = match args.quote.as_deref() {
        None => None,
        Some(text) if text.len() == 1 && text.is_ascii() => Some(text.as_bytes()[0]),
        Some(text) => bail!("--quote {text:?}: give one ASCII character, such as \" or '"),
    };
    if args.header_row == Some(0) {
        bail!("--header-row counts from 1: the first row of the file is row 1");
    }
    let date_order = args
        .date_order
        .as_deref()
        .map(|text| {
            DateOrder::parse(text)
                .with_context(|| format!("--date-order {text:?}: use ymd, dmy or mdy"))
        })
        .transpose()?;
    Ok(InputSettings {
        file: args.file,
        read: ReadOptions {
            sheet: args.sheet,
            header_row: args.header_row,
            delimiter,
            quote,
            encoding: args.encoding,
        },
        conventions: Overrides {
            decimal_comma: args.decimal_comma,
            decimal_point: args.decimal_point,
            date_order,
        },
    })
}

fn map_settings(args: cli::MapArgs) -> anyhow::Result<MapSettings> {
    let overrides = args
        .overrides
        .iter()
        .map(|text| parse_override(text))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let llm = llm_settings(&args, std::path::Path::new(CONFIG_FILE))?;
    let url = args.db.unwrap_or_else(|| DEFAULT_DATABASE.to_string());
    Ok(MapSettings {
        input: input_settings(args.input)?,
        schema: args.schema,
        table: args.table,
        database: db::parse_location(&url)?,
        overrides,
        output: output(args.format),
        llm,
    })
}

/// The configuration file read from the current directory, when it is there.
pub(crate) const CONFIG_FILE: &str = "intake.toml";

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    llm: LlmConfig,
}

/// `[llm]` in intake.toml: what the flags leave unsaid. Never the key.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LlmConfig {
    provider: Option<String>,
    url: Option<String>,
    model: Option<String>,
    samples: Option<usize>,
    timeout_seconds: Option<u64>,
}

/// `--llm` and its company, with intake.toml's `[llm]` and the environment under them; `None`
/// without `--llm`. The key: `INTAKE_LLM_KEY`, else the provider's usual variable.
fn llm_settings(
    args: &cli::MapArgs,
    config_path: &std::path::Path,
) -> anyhow::Result<Option<LlmSettings>> {
    let Some(given) = &args.llm else {
        return Ok(None);
    };
    let config: ConfigFile = match std::fs::read_to_string(config_path) {
        Ok(text) => toml::from_str(&text)
            .with_context(|| format!("{}: not a valid intake.toml", config_path.display()))?,
        Err(_) => ConfigFile::default(),
    };
    let named = Some(given.trim())
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .or(config.llm.provider.clone())
        .unwrap_or_else(|| {
            if args.llm_url.is_some() {
                "custom"
            } else {
                "openai"
            }
            .to_string()
        });
    let provider = Provider::parse(&named).with_context(|| {
        format!("--llm {named:?}: use openai, groq, gemini, huggingface, ollama or custom")
    })?;
    let base_url = args
        .llm_url
        .clone()
        .or(config.llm.url.clone())
        .or_else(|| provider.base_url().map(str::to_string))
        .with_context(|| "--llm custom needs --llm-url (the part before /chat/completions, such as http://127.0.0.1:8080/v1)".to_string())?;
    let model = args
        .llm_model
        .clone()
        .or(config.llm.model.clone())
        .or_else(|| provider.default_model().map(str::to_string))
        .with_context(|| "--llm custom needs --llm-model".to_string())?;
    let key = std::env::var("INTAKE_LLM_KEY")
        .ok()
        .or_else(|| {
            provider
                .key_variable()
                .and_then(|name| std::env::var(name).ok())
        })
        .filter(|key| !key.trim().is_empty());
    Ok(Some(LlmSettings {
        provider,
        base_url,
        model,
        key,
        samples: args.llm_samples.or(config.llm.samples).unwrap_or(0),
        accept: args.accept_llm,
        timeout: std::time::Duration::from_secs(
            args.llm_timeout
                .or(config.llm.timeout_seconds)
                .unwrap_or(30)
                .max(1),
        ),
        retries: 3,
    }))
}

fn parse_delimiter(text: &str) -> anyhow::Result<u8> {
    let delimiter = match text {
        "tab" | "\\t" | "\t" => b'\t',
        "comma" => b',',
        "semicolon" => b';',
        "pipe" => b'|',
        _ if text.len() == 1 && text.is_ascii() => text.as_bytes()[0],
        _ => bail!(
            "--delimiter {text:?}: give one ASCII character, or comma, semicolon, tab or pipe"
        ),
    };
    if matches!(delimiter, b'"' | b'\n' | b'\r') {
        bail!("--delimiter {text:?} cannot be a quote or a line break");
    }
    Ok(delimiter)
}

/// `COLUMN=field` or `COLUMN=`; the column name may itself hold `=`, so the last one splits.
fn parse_override(text: &str) -> anyhow::Result<Override> {
    let (column, field) = text.rsplit_once('=').with_context(|| {
        format!("--map {text:?}: write 'COLUMN=field', or 'COLUMN=' to leave a column unmapped")
    })?;
    if column.trim().is_empty() {
        bail!("--map {text:?}: the column name before '=' is empty");
    }
    let field = field.trim();
    Ok(Override {
        column: column.to_string(),
        field: (!field.is_empty()).then(|| field.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides() {
        let parsed = parse_override("Unit = Price=price").expect("parses");
        assert_eq!(
            parsed,
            Override {
                column: "Unit = Price".into(),
                field: Some("price".into())
            }
        );
        assert_eq!(parse_override("Notes=").expect("parses").field, None);
        assert!(parse_override("Notes").is_err());
        assert!(parse_override("=price").is_err());
    }

    #[test]
    fn delimiters() {
        assert_eq!(parse_delimiter("tab").expect("tab"), b'\t');
        assert_eq!(parse_delimiter(";").expect("semicolon"), b';');
        assert!(parse_delimiter("ab").is_err());
        assert!(parse_delimiter("\"").is_err());
    }
}
