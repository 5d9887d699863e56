//! `intake import`: the dry run (the plan, its preview and diff, the refusal rules) and the
//! confirmation before a commit.

use anyhow::Context;

use super::ask;
use super::commit::{Confirmed, StreamEnd, backup_before_import, import_streaming, reopened};
use super::commit::{print_committed, remove_created_file};
use super::plan::{Planning, diff_lines, import_setup, plan_document, preview, refusal};
use crate::backup;
use crate::db;
use crate::exit::{Exit, Refused};
use crate::load::{self, Plan, file_sha256, journal_header, journal_lines, set_counts};
use crate::report::{self};
use crate::schema::Schema;
use crate::settings::ImportSettings;

pub(crate) async fn import(settings: &ImportSettings) -> anyhow::Result<Exit> {
    let mut setup = import_setup(settings).await?;
    // Confirmed up front, a commit need not hold its plan to show it first: it streams. When
    // the database refused a row, everything was rolled back, and the import runs again holding
    // its whole plan, which names the row.
    let streams = settings.commit && settings.confirmed && settings.diff.is_none();
    if streams {
        match import_streaming(settings, setup, None).await? {
            StreamEnd::Done(exit) => return Ok(exit),
            StreamEnd::Refused(back) => setup = reopened(*back, settings)?,
        }
    }
    let output = settings.validate.map.output;
    let schema = setup.schema.clone();
    let mut planner = setup.planner(&schema, settings.mode);
    let mut planning = Planning::start(&mut setup, settings)?;
    while let Some(rows) = planning.next_rows() {
        planner.add_batch(setup.database.as_mut(), rows).await?;
    }
    let checked = planning.finish()?;
    let mut plan = planner.finish();
    plan.rejected = checked.rejected;
    let preview = preview(&plan.columns, &plan.writes, settings.preview);
    let mut document = plan_document(settings, &setup.prepared, checked, &plan, preview)?;
    let plan_id = plan.id();
    if let Some(path) = &settings.diff {
        report::write_diff(path, &diff_lines(&plan, schema.key.len()))?;
        document.written.push(path.display().to_string());
    }

    if !settings.commit {
        report::print(&document, output)?;
        return Ok(if plan.rejected > 0 && !settings.skip_invalid {
            Exit::DataErrors
        } else {
            Exit::Success
        });
    }
    if let Some(refused) = refusal(settings, &plan, &plan_id) {
        report::print(&document, output)?;
        return Err(refused.into());
    }
    if plan.writes.is_empty() {
        document.committed = Some(true);
        report::print(&document, output)?;
        return Ok(Exit::Success);
    }
    if output.in_steps() {
        // People read the plan and the preview before they are asked.
        document.committed = None;
        report::print(&document, output)?;
    }
    if !streams {
        if !settings.confirmed {
            confirm(settings, &schema, &plan)?;
        }
        // The confirmed plan is written by a commit that plans again inside its transaction and
        // stops, showing what differs, unless it is the same plan.
        let confirmed = Confirmed {
            plan: &plan,
            announced: output.in_steps(),
        };
        let again = reopened(setup, settings)?;
        match import_streaming(settings, again, Some(confirmed)).await? {
            StreamEnd::Done(exit) => return Ok(exit),
            StreamEnd::Refused(back) => setup = *back,
        }
    }
    // The database refused a row: the held plan is written again, to name it.
    let created_file = matches!(
        &settings.validate.map.database,
        db::Location::Sqlite(path) if !path.exists()
    );
    let mut database = match setup.database {
        Some(database) => database,
        None => db::open_or_create(&settings.validate.map.database).await?,
    };
    let store = backup::Store::new(&settings.backup_dir);
    // The table as it was, before anything is written (a new table has nothing to keep).
    let backup_id = if settings.no_backup || plan.create_table {
        None
    } else {
        Some(backup_before_import(&mut database, &store, &schema).await?)
    };
    document.backup = Some(backup_id.clone());
    let mut history =
        load::history_entry(&settings.validate.map.input.file, &schema, settings.mode);
    history.file_sha256 = file_sha256(&settings.validate.map.input.file)?.finish()?;
    set_counts(&mut history, &plan);
    history.backup_id = backup_id.clone();
    let import_id = history.id.clone();
    let mut journal = store.journal_writer(&journal_header(
        &schema,
        &plan.columns,
        &import_id,
        backup_id,
    ))?;
    let mut lines = Vec::new();
    journal_lines(&mut lines, &plan.columns, &plan.writes);
    journal.write(&lines)?;
    journal
        .finish()
        .context("cannot keep the import's journal, so nothing was written")?;
    drop(lines);
    let progress = report::Progress::step(&format!(
        "writing {} rows in one transaction",
        plan.writes.len()
    ));
    let committed = load::commit(
        &mut database,
        &schema,
        &plan,
        settings.batch_size,
        Some(history),
    )
    .await;
    progress.finish();
    if let Err(error) = committed {
        store.remove_journal(&import_id);
        drop(database);
        if created_file {
            remove_created_file(settings);
        }
        return Err(Refused(format!(
            "the import failed and nothing was written: {error}"
        ))
        .into());
    }
    document.committed = Some(true);
    document.import_id = Some(Some(import_id));
    print_committed(settings, &document, &schema, &plan)?;
    Ok(Exit::Success)
}

fn confirm(settings: &ImportSettings, schema: &Schema, plan: &Plan) -> anyhow::Result<()> {
    ask(
        &format!(
            "Write {} new and {} changed rows to table {} in {}?",
            plan.insert, plan.update, schema.table, settings.validate.map.database
        ),
        "--commit",
        "nothing was written",
    )
}
