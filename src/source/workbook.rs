//! Workbooks (xlsx, xlsm, xls, xlsb, ods) through calamine: the sheet asked for, its cells as
//! typed `Cell`s (whole numbers as integers, date cells as dates in the 1900 or 1904 system,
//! formulas as their cached values), with the sheet's own row numbers.

use std::path::Path;

use calamine::{Data, Range, Reader, Sheets, open_workbook_auto};

use super::{Cell, Opened, ReadOptions, ReadRecords, Record, Records, SheetLabel, SourceError};

/// Opens a workbook at the sheet asked for (by name or 1-based position; the first by default).
pub(super) fn open(path: &Path, file: &str, options: &ReadOptions) -> Result<Opened, SourceError> {
    let workbook_error = |sheet: Option<&str>, error: calamine::Error| SourceError::Workbook {
        file: file.to_string(),
        sheet: SheetLabel(sheet.map(str::to_string)),
        reason: error.to_string(),
    };
    let mut workbook: Sheets<_> =
        open_workbook_auto(path).map_err(|error| workbook_error(None, error))?;
    let sheets = workbook.sheet_names();
    let sheet = choose_sheet(&sheets, options.sheet.as_deref()).ok_or_else(|| {
        SourceError::NoSuchSheet {
            file: file.to_string(),
            wanted: options.sheet.clone().unwrap_or_default(),
            available: if sheets.is_empty() {
                "(none)".to_string()
            } else {
                sheets
                    .iter()
                    .enumerate()
                    .map(|(index, name)| format!("{} {name:?}", index + 1))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        }
    })?;
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|error| workbook_error(Some(&sheet), error))?;
    Ok(Opened {
        records: Records::new(SheetRecords {
            first_row: range.start().map_or(0, |(row, _)| row as usize),
            first_column: range.start().map_or(0, |(_, column)| column as usize),
            range,
            next: 0,
        }),
        sheet: Some(sheet),
        sheets,
        delimiter: None,
        quote: None,
        encoding: None,
    })
}

/// The sheets' names, in order (none when the workbook cannot be opened).
pub(super) fn sheet_names(path: &Path) -> Vec<String> {
    open_workbook_auto(path)
        .map(|workbook: Sheets<_>| workbook.sheet_names())
        .unwrap_or_default()
}

/// The rows of a loaded sheet, turned into records one at a time; blank rows left out.
struct SheetRecords {
    range: Range<Data>,
    /// 0-based sheet row and column of the used range's top-left cell.
    first_row: usize,
    first_column: usize,
    next: usize,
}

impl ReadRecords for SheetRecords {
    fn next_record(&mut self) -> Option<Result<Record, SourceError>> {
        loop {
            let row = self.range.rows().nth(self.next)?;
            let index = self.next;
            self.next += 1;
            if row.iter().all(|data| cell_from_data(data).is_blank()) {
                continue;
            }
            // Cells left of the used range are empty; padding keeps the sheet's column positions.
            let mut cells = vec![Cell::Empty; self.first_column];
            cells.extend(row.iter().map(cell_from_data));
            return Some(Ok(Record {
                row: self.first_row + index + 1,
                cells,
            }));
        }
    }
}

/// A sheet by exact name, then by name ignoring case, then by 1-based position; the first sheet
/// when none is asked for.
fn choose_sheet(sheets: &[String], wanted: Option<&str>) -> Option<String> {
    let Some(wanted) = wanted else {
        return sheets.first().cloned();
    };
    sheets
        .iter()
        .find(|name| name.as_str() == wanted)
        .or_else(|| sheets.iter().find(|name| name.eq_ignore_ascii_case(wanted)))
        .or_else(|| {
            let position: usize = wanted.trim().parse().ok()?;
            sheets.get(position.checked_sub(1)?)
        })
        .cloned()
}

fn cell_from_data(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(text) => {
            if text.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(text.as_str().into())
            }
        }
        Data::Int(number) => Cell::Int(*number),
        Data::Float(number) => {
            // Whole numbers that fit are integers, so an ID never shows as 1.0E+12.
            if number.fract() == 0.0 && number.abs() < 9.0e15 {
                Cell::Int(*number as i64)
            } else {
                Cell::Float(*number)
            }
        }
        Data::Bool(value) => Cell::Bool(*value),
        Data::DateTime(excel) => match excel.as_datetime() {
            Some(datetime) if excel.is_datetime() => {
                if datetime.time() == chrono::NaiveTime::MIN {
                    Cell::Date(datetime.date())
                } else {
                    Cell::DateTime(datetime)
                }
            }
            _ => Cell::Float(excel.as_f64()),
        },
        Data::DateTimeIso(text) | Data::DurationIso(text) => Cell::Text(text.as_str().into()),
        Data::Error(error) => Cell::Error(format!("#{error:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheets_by_name_or_position() {
        let sheets = vec!["Summary".to_string(), "Data".to_string()];
        assert_eq!(choose_sheet(&sheets, None).as_deref(), Some("Summary"));
        assert_eq!(choose_sheet(&sheets, Some("data")).as_deref(), Some("Data"));
        assert_eq!(choose_sheet(&sheets, Some("2")).as_deref(), Some("Data"));
        assert_eq!(choose_sheet(&sheets, Some("3")), None);
        assert_eq!(choose_sheet(&sheets, Some("0")), None);
    }
}
