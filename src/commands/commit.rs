//! The commit of an import: the safety backup and the file's SHA-256 on threads of their own,
//! the rows planned again run by run inside the transaction and checked against the confirmed
//! plan, the journal written beside, the history row; nothing left behind when it stops.

use anyhow::Context;

use super::plan::{ImportSetup, Planning, plan_document, preview, refusal};
use crate::backup;
use crate::db;
use crate::exit::{Exit, Refused};
use crate::load::{self, Plan};
use crate::report::{self, Document};
use crate::schema::Schema;
use crate::settings::ImportSettings;
use crate::source;
use crate::value::Value;
use crate::worker::Worker;

/// `import --commit --yes`: each run of rows is planned inside the commit's transaction (under
/// its lock, so the plan is exact by construction) and written at once, its journal lines with
/// it; memory holds a run at a time, and the database writes while the file is still read. On
/// PostgreSQL, a table the import creates takes every row through one `COPY`. Rows with errors
/// (without `--skip-invalid`), a plan other than `--plan`'s, or nothing to write: the
/// transaction is rolled back, as if nothing had started. `None` when the database refused a
/// row: rolled back too, for the caller to name the row.
pub(crate) async fn import_streaming(
    settings: &ImportSettings,
    mut setup: ImportSetup,
    confirmed: Option<Confirmed<'_>>,
) -> anyhow::Result<StreamEnd> {
    let output = settings.validate.map.output;
    let schema = setup.schema.clone();
    let created_file = setup.database.is_none();
    let mut database = match setup.database.take() {
        Some(database) => database,
        None => db::open_or_create(&settings.validate.map.database).await?,
    };
    let table_exists = setup.existing_columns.is_some();
    let store = backup::Store::new(&settings.backup_dir);
    // The table as it was, before anything is written; discarded when nothing is. On
    // PostgreSQL it is written meanwhile, on a connection and a thread of its own: its snapshot
    // cannot see this import's rows, which stay uncommitted until it is done.
    let mut backup_thread = None;
    let backup_id = if settings.no_backup || !table_exists {
        None
    } else if database.dialect().reads_beside_a_writer() {
        let (id, thread) = backup_meanwhile(settings, &store, &schema)?;
        backup_thread = Some(thread);
        Some(id)
    } else {
        Some(backup_before_import(&mut database, &store, &schema).await?)
    };
    let sha256 = load::file_sha256(&settings.validate.map.input.file)?;
    let mut history =
        load::history_entry(&settings.validate.map.input.file, &schema, settings.mode);
    history.backup_id = backup_id.clone();
    let import_id = history.id.clone();
    if let Some(id) = &backup_id {
        // Until the commit, the backup says it belongs to an import that has not committed:
        // killed before, the import leaves nothing that looks complete.
        store.mark_pending(id, &import_id, &backup_reason(&schema))?;
    }
    // Whatever stops the import from here on leaves nothing: the transaction rolled back, the
    // backup of the untouched table and a database file made for the import removed.
    // (The database itself is let go of when this function ends: a transaction dropped without
    // an end rolls back then at the latest.)
    let abandon = async |backup_thread: Option<BackupThread>| {
        // Dropping the backup's worker waits for it: the folder is whole when discarded.
        drop(backup_thread);
        if let Some(id) = &backup_id {
            store.discard(id);
        }
        if created_file {
            remove_created_file(settings);
        }
    };
    // The transaction stays open when every row is planned and written; a refusal or an error
    // has rolled it back.
    let streamed = match stream_rows(
        settings,
        &mut setup,
        &mut database,
        &store,
        &import_id,
        backup_id.clone(),
        confirmed.as_ref().map(|confirmed| confirmed.plan),
    )
    .await
    {
        Ok(Streamed::Planned(planned)) => Ok(planned),
        Ok(Streamed::Refused) => Err(None),
        Err(error) => Err(Some(error)),
    };
    let (mut document, plan, journal, check, transaction) = match streamed {
        Ok(planned) => *planned,
        Err(stopped) => {
            abandon(backup_thread.take()).await;
            return match stopped {
                None => Ok(StreamEnd::Refused(Box::new(setup))),
                Some(error) => Err(error),
            };
        }
    };
    let plan_id = plan.id();
    let announced = confirmed
        .as_ref()
        .is_some_and(|confirmed| confirmed.announced);
    let refused = match &confirmed {
        Some(confirmed) => load::changed_since(confirmed.plan, &plan, check),
        None => refusal(settings, &plan, &plan_id),
    };
    if refused.is_some() || plan.insert + plan.update == 0 {
        // Not a row, not the table it would have created, not the history.
        drop(journal);
        transaction.rollback().await;
        abandon(backup_thread.take()).await;
        document.committed = Some(refused.is_none());
        if !announced {
            report::print(&document, output)?;
        }
        return match refused {
            Some(refused) => Err(refused.into()),
            None => Ok(StreamEnd::Done(Exit::Success)),
        };
    }
    load::set_counts(&mut history, &plan);
    if let Some(thread) = backup_thread.take()
        && let Err(error) = thread.finish()
    {
        transaction.rollback().await;
        abandon(None).await;
        return Err(error);
    }
    let finished = match sha256.finish() {
        Ok(sha256) => {
            history.file_sha256 = sha256;
            load::commit_with_journal(transaction, journal, &schema, &history).await
        }
        Err(error) => {
            transaction.rollback().await;
            Err(error)
        }
    };
    if let Err(error) = finished {
        store.remove_journal(&import_id);
        abandon(backup_thread.take()).await;
        return Err(Refused(format!(
            "the import failed and nothing was written: {error:#}"
        ))
        .into());
    }
    if let Some(id) = &backup_id {
        store.settle(id);
    }
    document.backup = Some(backup_id.clone());
    document.committed = Some(true);
    document.import_id = Some(Some(import_id));
    if output.in_steps() && !announced {
        // The plan and the preview, then the line that says it is done.
        document.committed = None;
        report::print(&document, output)?;
    }
    print_committed(settings, &document, &schema, &plan)?;
    Ok(StreamEnd::Done(Exit::Success))
}

/// A plan the user confirmed, to be written only as it was shown.
pub(crate) struct Confirmed<'p> {
    pub(crate) plan: &'p Plan,
    /// The plan was printed before the question: only the outcome is left to print.
    pub(crate) announced: bool,
}

/// How a streamed commit ended: done (whatever the exit), or the database refused a row and
/// everything was rolled back (the setup comes back, to name the row).
pub(crate) enum StreamEnd {
    Done(Exit),
    Refused(Box<ImportSetup>),
}

/// The setup of an import, its file opened again from the start for another pass.
pub(crate) fn reopened(
    mut setup: ImportSetup,
    settings: &ImportSettings,
) -> anyhow::Result<ImportSetup> {
    let input = &settings.validate.map.input;
    let table = source::open(&input.file, &input.read)?;
    setup.prepared.table.records = table.records;
    Ok(setup)
}

/// How the rows of a streamed commit ended: all planned and written, the transaction still open
/// (the document, the plan without its rows, and the journal); or refused by the database.
enum Streamed<'p, 'd> {
    Planned(
        Box<(
            Document,
            Plan,
            backup::JournalWriter,
            Option<load::PlanCheck<'p>>,
            db::Transaction<'d>,
        )>,
    ),
    Refused,
}

/// Where a streamed commit's rows go: one `COPY` for all of them (PostgreSQL, into a table this
/// transaction creates), or a write per run of rows.
enum Sink<'d> {
    Copy(db::InsertStream<'d>),
    Batches(&'d mut db::Database, db::Loading),
}

/// Reads, checks, plans and writes every row of a streamed commit inside its open transaction.
async fn stream_rows<'p, 'd>(
    settings: &ImportSettings,
    setup: &mut ImportSetup,
    database: &'d mut db::Database,
    store: &backup::Store,
    import_id: &str,
    backup_id: Option<String>,
    confirmed: Option<&'p Plan>,
) -> anyhow::Result<Streamed<'p, 'd>> {
    let schema = setup.schema.clone();
    let mut planner = setup.planner(&schema, settings.mode);
    let columns = planner.plan.columns.clone();
    let types = load::column_types(&schema, &columns);
    let load = load::target(
        database,
        &schema,
        planner.plan.create_table,
        &columns,
        &types,
        settings.batch_size,
    );
    let journal = load::JournalThread::start(
        store.journal_writer(&load::journal_header(
            &schema, &columns, import_id, backup_id,
        ))?,
        columns.clone(),
    )?;
    let (mut transaction, loading) = database.begin_load(&load).await.map_err(|error| {
        Refused(format!(
            "the import could not start and nothing was written: {error}"
        ))
    })?;
    let (ended, planning, shown, refused, mut check) = {
        let mut sink = if load.create_sql.is_some()
            && let Some(copy) = transaction.insert_stream(&load).await?
        {
            Sink::Copy(copy)
        } else {
            Sink::Batches(&mut transaction, loading)
        };
        let mut planning = Planning::start(setup, settings)?;
        let mut shown = Vec::new();
        let mut refused = None;
        let mut check = confirmed.map(|plan| load::PlanCheck::new(plan, schema.key.len()));
        while let Some(rows) = planning.next_rows() {
            let lookup = match &mut sink {
                Sink::Batches(database, _) => Some(&mut **database),
                Sink::Copy(_) => None,
            };
            planner.add_batch(lookup, rows).await?;
            let writes = planner.take_writes();
            if let Some(check) = &mut check {
                check.check(&columns, &writes);
            }
            // A row with errors, or one that is not as confirmed, means nothing will be written:
            // the rest is only checked.
            if refused.is_some()
                || (planning.rejected() > 0 && !settings.skip_invalid)
                || check.as_ref().is_some_and(|check| check.count > 0)
            {
                continue;
            }
            if shown.len() < settings.preview {
                shown.extend(preview(&columns, &writes, settings.preview - shown.len()));
            }
            let (inserts, updates): (Vec<&[Value]>, Vec<&[Value]>) = {
                let mut inserts = Vec::with_capacity(writes.len());
                let mut updates = Vec::new();
                for planned in &writes {
                    match planned.action {
                        load::Action::Insert => inserts.push(planned.values.as_slice()),
                        _ => updates.push(planned.values.as_slice()),
                    }
                }
                (inserts, updates)
            };
            let written = match &mut sink {
                Sink::Copy(copy) => copy.send(&inserts).await,
                Sink::Batches(database, loading) => {
                    database
                        .load_batch(&load, loading, &inserts, &updates)
                        .await
                }
            };
            if let Err(error) = written {
                refused = Some(error);
            }
            // The journal's own thread writes the rows' lines, then frees them.
            journal.send(writes);
        }
        // The sink lets go of the transaction at the end of this block.
        let ended = match sink {
            Sink::Copy(copy) if refused.is_none() => copy.finish().await,
            Sink::Copy(copy) => {
                copy.abort().await;
                Ok(())
            }
            Sink::Batches(database, loading) if refused.is_none() => {
                database.finish_load(&load, loading).await
            }
            Sink::Batches(..) => Ok(()),
        };
        (ended, planning, shown, refused, check)
    };
    let checked = planning.finish()?;
    let journal = journal.finish()?;
    if let Some(error) = refused.or(ended.err()) {
        transaction.rollback().await;
        return match error {
            db::DbError::Query { .. } | db::DbError::UniqueViolation { .. } => {
                Ok(Streamed::Refused)
            }
            other => Err(Refused(format!(
                "the import failed and nothing was written: {other}"
            ))
            .into()),
        };
    }
    let mut plan = planner.finish();
    plan.rejected = checked.rejected;
    if let Some(check) = &mut check {
        check.finish();
    }
    let document = plan_document(settings, &setup.prepared, checked, &plan, shown)?;
    Ok(Streamed::Planned(Box::new((
        document,
        plan,
        journal,
        check,
        transaction,
    ))))
}

/// Why an import's safety backup was taken, as its manifest and its pending mark say.
fn backup_reason(schema: &Schema) -> String {
    format!("before import into {}", schema.table)
}

/// A backup being written on a thread of its own.
type BackupThread = Worker<()>;

/// Starts backing the import's table up on a thread, its own runtime and a connection of its
/// own; gives the backup's id at once.
fn backup_meanwhile(
    settings: &ImportSettings,
    store: &backup::Store,
    schema: &Schema,
) -> anyhow::Result<(String, BackupThread)> {
    let reserved = store.reserve()?;
    let id = reserved.id.clone();
    let location = settings.validate.map.database.clone();
    let table = schema.table.clone();
    let reason = backup_reason(schema);
    let thread = Worker::spawn("intake-backup", move || -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        runtime
                .block_on(async {
                    let mut database = db::open(&location)
                        .await?
                        .context("the database is gone")?;
                    backup::create_reserved(
                        &mut database,
                        reserved,
                        &backup::Selection::Tables(vec![table.clone()]),
                        &reason,
                    )
                    .await
                    .map(|_| ())
                })
                .with_context(|| {
                    format!(
                        "cannot back up table {table} before the import, so nothing was written (--no-backup goes on without one)"
                    )
                })
    })?;
    Ok((id, thread))
}

/// Backs the import's table up before anything is written.
pub(crate) async fn backup_before_import(
    database: &mut db::Database,
    store: &backup::Store,
    schema: &Schema,
) -> anyhow::Result<String> {
    let progress = report::Progress::step(&format!("backing up table {}", schema.table));
    let manifest = backup::create(
        database,
        store,
        &backup::Selection::Tables(vec![schema.table.clone()]),
        &backup_reason(schema),
    )
    .await
    .with_context(|| {
        format!(
            "cannot back up table {} before the import, so nothing was written (--no-backup goes on without one)",
            schema.table
        )
    })?;
    progress.finish();
    Ok(manifest.id)
}

/// A SQLite file made for an import that wrote nothing: no trace is left. Only while it is
/// still empty: two first imports may each have found no file, and the one that committed
/// keeps what it wrote (a rolled-back transaction leaves a new file at 0 bytes).
pub(crate) fn remove_created_file(settings: &ImportSettings) {
    if let db::Location::Sqlite(path) = &settings.validate.map.database
        && std::fs::metadata(path).is_ok_and(|metadata| metadata.len() == 0)
    {
        std::fs::remove_file(path).ok();
    }
}

/// The end of a committed import: the document as JSON, or a line on the terminal.
pub(crate) fn print_committed(
    settings: &ImportSettings,
    document: &Document,
    schema: &Schema,
    plan: &Plan,
) -> anyhow::Result<()> {
    let line = format!(
        "Committed: {} inserted, {} updated in table {} of {}.",
        plan.insert, plan.update, schema.table, settings.validate.map.database
    );
    report::print_ending(document, settings.validate.map.output, &line)?;
    Ok(())
}
