//! `intake inspect`: what a file is, its sheets with their headers (and fit, with `--schema`),
//! and a profile of each column.

use super::prepare::{open_best_sheet, sheet_fit};
use crate::exit::Exit;
use crate::profile::Profiler;
use crate::report::{self, InspectDocument};
use crate::schema::{self, Schema};
use crate::settings::InspectSettings;
use crate::source;

pub(crate) fn inspect(settings: &InspectSettings) -> anyhow::Result<Exit> {
    let schema = settings
        .schema
        .as_deref()
        .map(schema::resolve)
        .transpose()?;
    let sheet_headers = sheet_headers(settings, schema.as_ref());
    let mut table = match &schema {
        Some(schema) => open_best_sheet(&settings.input, schema)?,
        None => source::open(&settings.input.file, &settings.input.read)?,
    };
    let mut profiler = Profiler::new(table.headers.len());
    profiler.delimited_by(table.delimiter);
    for record in table.records.by_ref() {
        profiler.add(&record?);
    }
    let rows = profiler.rows();
    let columns = profiler.finish(&table.headers, settings.input.conventions);
    let document = InspectDocument {
        file: table.file.clone(),
        format: table.format.to_string(),
        encoding: table.encoding,
        delimiter: table
            .delimiter
            .map(|delimiter| (delimiter as char).to_string()),
        quote: table.quote.map(|quote| (quote as char).to_string()),
        sheets: table.sheets.clone(),
        sheet: table.sheet.clone(),
        sheet_headers,
        sheet_reason: table.sheet_reason.clone(),
        header_row: table.header_row,
        skipped_rows: table.skipped.clone(),
        rows,
        columns,
    };
    report::print_inspection(&document, settings.output)?;
    Ok(Exit::Success)
}

/// Each sheet of a workbook of several, read to its header, with its fit to `schema` when given.
fn sheet_headers(settings: &InspectSettings, schema: Option<&Schema>) -> Vec<report::SheetHeader> {
    let file = &settings.input.file;
    let sheets = source::sheet_names(file);
    if sheets.len() < 2 || settings.input.read.sheet.is_some() {
        return Vec::new();
    }
    sheets
        .iter()
        .enumerate()
        .map(|(index, sheet)| {
            let options = source::ReadOptions {
                sheet: Some((index + 1).to_string()),
                ..settings.input.read.clone()
            };
            let table = source::open(file, &options).ok();
            let fit = match (schema, &table) {
                (Some(schema), Some(table)) => {
                    let (required, mapped) = sheet_fit(schema, &table.headers);
                    let all_required = schema.fields.iter().filter(|field| field.required).count();
                    Some(format!(
                        "{mapped} of {} fields, {required} of {all_required} required",
                        schema.fields.len()
                    ))
                }
                _ => None,
            };
            report::SheetHeader {
                sheet: sheet.clone(),
                header_row: table.as_ref().map(|table| table.header_row),
                headers: table.map(|table| table.headers).unwrap_or_default(),
                fit,
            }
        })
        .collect()
}
