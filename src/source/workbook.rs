//! Workbooks (xlsx, xlsm, xls, xlsb, ods) through calamine: the sheet asked for, its cells as
//! typed `Cell`s (whole numbers as integers, date cells as dates in the 1900 or 1904 system,
//! times of day and durations as `HH:MM:SS` text, formulas as their cached values), with the
//! sheet's own row numbers.

use std::path::Path;

use calamine::{Data, Range, Reader, SheetType, Sheets, open_workbook_auto};

use super::{Cell, Opened, ReadOptions, ReadRecords, Record, Records, SheetLabel, SourceError};

mod checks;

use checks::{check_before_reading, check_cells_extent};

std::thread_local! {
    /// Set while a reader runs under [`guarded`], so that the panic hook stays silent.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the current thread is inside a reader whose panics become messages: the binary's
/// panic hook prints nothing then.
pub fn panics_are_caught() -> bool {
    GUARDED.with(std::cell::Cell::get)
}

/// What a panic said, when it said it as text (`panic!("...")` gives a `&str` or a `String`).
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
}

/// Runs `work` (calamine on a file it may choke on) so that a panic inside the reader becomes
/// "the workbook is damaged", naming the file and sheet, instead of a trace.
fn guarded<T>(
    file: &str,
    sheet: Option<&str>,
    work: impl FnOnce() -> Result<T, SourceError>,
) -> Result<T, SourceError> {
    let was = GUARDED.with(|guarded| guarded.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    GUARDED.with(|guarded| guarded.set(was));
    result.unwrap_or_else(|payload| {
        let what = panic_text(payload.as_ref()).unwrap_or_else(|| "no reason given".to_string());
        Err(SourceError::Workbook {
            file: file.to_string(),
            sheet: SheetLabel(sheet.map(str::to_string)),
            reason: format!(
                "the workbook is damaged: its reader stopped on a structure it cannot follow ({}); \
                 open it in a spreadsheet program and save it again, or export the sheet as CSV",
                what.chars().take(200).collect::<String>()
            ),
        })
    })
}

/// Opens a workbook at the sheet asked for (by name or 1-based position; the first by default).
pub(super) fn open(path: &Path, file: &str, options: &ReadOptions) -> Result<Opened, SourceError> {
    guarded(file, options.sheet.as_deref(), || {
        open_unguarded(path, file, options)
    })
}

fn open_unguarded(path: &Path, file: &str, options: &ReadOptions) -> Result<Opened, SourceError> {
    if let Err(reason) = check_before_reading(path) {
        return Err(SourceError::Workbook {
            file: file.to_string(),
            sheet: SheetLabel(None),
            reason,
        });
    }
    let workbook_error = |sheet: Option<&str>, error: calamine::Error| SourceError::Workbook {
        file: file.to_string(),
        sheet: SheetLabel(sheet.map(str::to_string)),
        reason: explain(&error),
    };
    let mut workbook: Sheets<_> =
        open_workbook_auto(path).map_err(|error| workbook_error(None, error))?;
    let sheets = workbook.sheet_names();
    // Unasked, the first sheet of cells: a chart sheet in front is passed over.
    let first_of_cells = workbook
        .sheets_metadata()
        .iter()
        .find(|metadata| metadata.typ == SheetType::WorkSheet)
        .map(|metadata| metadata.name.clone());
    let wanted = options.sheet.clone().or(first_of_cells);
    let sheet =
        choose_sheet(&sheets, wanted.as_deref()).ok_or_else(|| SourceError::NoSuchSheet {
            file: file.to_string(),
            wanted: options.sheet.clone().unwrap_or_default(),
            available: if sheets.is_empty() {
                "(none)".to_string()
            } else {
                numbered(&sheets)
            },
        })?;
    let kind = workbook
        .sheets_metadata()
        .iter()
        .find(|metadata| metadata.name == sheet)
        .map(|metadata| metadata.typ);
    if let Some(kind @ (SheetType::ChartSheet | SheetType::DialogSheet | SheetType::Vba)) = kind {
        let what = match kind {
            SheetType::ChartSheet => "a chart",
            SheetType::DialogSheet => "a dialog",
            _ => "a macro module",
        };
        return Err(SourceError::Workbook {
            file: file.to_string(),
            sheet: SheetLabel(Some(sheet.clone())),
            reason: format!(
                "the sheet is {what}, not a table of cells: choose a sheet of data with --sheet ({})",
                numbered(&sheets)
            ),
        });
    }
    check_cells_extent(&mut workbook, &sheet).map_err(|reason| match reason {
        Ok(reason) => SourceError::Workbook {
            file: file.to_string(),
            sheet: SheetLabel(Some(sheet.clone())),
            reason,
        },
        Err(error) => workbook_error(Some(&sheet), error),
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

/// `1 "Summary", 2 "Data"`.
fn numbered(sheets: &[String]) -> String {
    sheets
        .iter()
        .enumerate()
        .map(|(index, name)| format!("{} {name:?}", index + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a reader's error means for the user and what to do, with the reader's own words last
/// (for a bug report).
fn explain(error: &calamine::Error) -> String {
    use calamine::{Error, OdsError, XlsError, XlsbError, XlsxError};
    const SAVE_AGAIN: &str = "open it in Excel or LibreOffice and save it again as .xlsx";
    let meaning = match error {
        Error::Xls(XlsError::Password)
        | Error::Xlsb(XlsbError::Password)
        | Error::Xlsx(XlsxError::Password)
        | Error::Ods(OdsError::Password) => {
            "the workbook is encrypted: it has a password, or (for an .xls) Excel's built-in key, \
             which Excel uses for a read-only or protected workbook and opens without asking; \
             intake reads neither: open it in Excel or LibreOffice and save a copy with no \
             password or protection, as .xlsx"
                .to_string()
        }
        Error::Xls(XlsError::Cfb(_)) => format!(
            "the file is damaged, or is not an Excel 97-2003 workbook (it has no workbook inside): {SAVE_AGAIN}"
        ),
        Error::Xlsx(XlsxError::Zip(_))
        | Error::Xlsb(XlsbError::Zip(_))
        | Error::Ods(OdsError::Zip(_)) => {
            format!(
                "the file is damaged or cut short (its zip container cannot be read): {SAVE_AGAIN}"
            )
        }
        Error::Io(_)
        | Error::Xls(XlsError::Io(_) | XlsError::EoStream(_) | XlsError::Len { .. })
        | Error::Xlsb(XlsbError::Io(_))
        | Error::Xlsx(XlsxError::Io(_))
        | Error::Ods(OdsError::Io(_)) => {
            format!(
                "the file is damaged or cut short (it ends where more was expected): {SAVE_AGAIN}"
            )
        }
        Error::Xlsx(XlsxError::Xml(_))
        | Error::Xlsb(XlsbError::Xml(_))
        | Error::Ods(OdsError::Xml(_)) => {
            format!("the file is damaged (its XML is malformed): {SAVE_AGAIN}")
        }
        _ => format!("the workbook could not be read: {SAVE_AGAIN}"),
    };
    format!("{meaning} (the reader said: {error})")
}

/// The sheets' names, in order (none when the workbook cannot be opened).
pub(super) fn sheet_names(path: &Path) -> Vec<String> {
    guarded("", None, || {
        if check_before_reading(path).is_err() {
            return Ok(Vec::new());
        }
        Ok(open_workbook_auto(path)
            .map(|workbook: Sheets<_>| workbook.sheet_names())
            .unwrap_or_default())
    })
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
            // By index, not `rows().nth()`, which walks every row before it (time square in
            // the rows).
            // `get`, since calamine may size a range larger than the cells it holds (an ods
            // whose repeats it capped): a row past them ends the sheet.
            let (range, index) = (&self.range, self.next);
            if index >= range.height() || range.get((index, 0)).is_none() {
                return None;
            }
            let row = || (0..range.width()).map_while(|column| range.get((index, column)));
            self.next += 1;
            if row().all(|data| cell_from_data(data).is_blank()) {
                continue;
            }
            // Cells left of the used range are empty; padding keeps the sheet's column positions.
            let mut cells = vec![Cell::Empty; self.first_column];
            cells.extend(row().map(cell_from_data));
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

/// The largest date serial a spreadsheet writes: 9999-12-31.
const MOST_SERIAL: f64 = 2_958_465.999_999;

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
        // A date serial no spreadsheet writes (past 9999-12-31, or not a number): a damaged
        // cell, shown as an error cell rather than turned into a date (chrono panics on it).
        Data::DateTime(excel)
            if !excel.as_f64().is_finite() || excel.as_f64().abs() > MOST_SERIAL =>
        {
            Cell::Error(format!(
                "#NUM! (date serial {:.3e} out of range)",
                excel.as_f64()
            ))
        }
        Data::DateTime(excel) if excel.is_duration() => {
            let millis = (excel.as_f64() * 86_400_000.0).round() as i64;
            Cell::Text(duration_text(millis).into())
        }
        // A serial below 1 is a time of day with no date: day 0, which is no day in the 1900
        // system (calamine makes it `1899-12-31`); in the 1904 system 0 is 1904-01-01, a date.
        Data::DateTime(excel)
            if excel.is_datetime()
                && (0.0..1.0).contains(&excel.as_f64())
                && (excel.as_f64() > 0.0
                    || excel
                        .as_datetime()
                        .is_some_and(|datetime| chrono::Datelike::year(&datetime) < 1900)) =>
        {
            let millis = (excel.as_f64() * 86_400_000.0).round() as i64;
            Cell::Text(time_of_day_text(millis).into())
        }
        Data::DateTime(excel) => match excel.as_datetime() {
            Some(datetime) if excel.is_datetime() => date_or_datetime(datetime),
            _ => Cell::Float(excel.as_f64()),
        },
        Data::DateTimeIso(text) => iso_datetime(text),
        Data::DurationIso(text) => match iso_duration_millis(text) {
            Some(millis) => Cell::Text(duration_text(millis).into()),
            None => Cell::Text(text.as_str().into()),
        },
        Data::Error(error) => Cell::Error(format!("#{error:?}")),
    }
}

/// A date-time at midnight is that date.
fn date_or_datetime(datetime: chrono::NaiveDateTime) -> Cell {
    if datetime.time() == chrono::NaiveTime::MIN {
        Cell::Date(datetime.date())
    } else {
        Cell::DateTime(datetime)
    }
}

/// An ODS date or date-time value (`2021-01-01`, `2021-01-01T10:10:10.5`) as a date or
/// date-time; a bare time (`10:10:10`) as the time's text; anything else as it is written.
fn iso_datetime(text: &str) -> Cell {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
    if let Ok(datetime) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return date_or_datetime(datetime);
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Cell::Date(date);
    }
    if let Ok(time) = NaiveTime::parse_from_str(text, "%H:%M:%S%.f") {
        use chrono::Timelike;
        let millis = i64::from(time.num_seconds_from_midnight()) * 1000
            + i64::from(time.nanosecond() / 1_000_000);
        return Cell::Text(time_of_day_text(millis).into());
    }
    Cell::Text(text.into())
}

/// The length of an ISO 8601 duration as ODS writes it (`PT11H12M12S`, `P1DT2H`,
/// `-PT0.5S`), in milliseconds; `None` for one with years or months, which have no fixed length.
fn iso_duration_millis(text: &str) -> Option<i64> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let rest = rest.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((days, time)) => (days, time),
        None => (rest, ""),
    };
    let mut millis = 0f64;
    let days = days.strip_suffix('D').unwrap_or(days);
    if !days.is_empty() {
        millis += days.parse::<f64>().ok()? * 86_400_000.0;
    }
    let mut number = String::new();
    for character in time.chars() {
        let unit = match character {
            'H' => 3_600_000.0,
            'M' => 60_000.0,
            'S' => 1_000.0,
            digit if digit.is_ascii_digit() || digit == '.' || digit == ',' => {
                number.push(if digit == ',' { '.' } else { digit });
                continue;
            }
            _ => return None,
        };
        millis += number.parse::<f64>().ok()? * unit;
        number.clear();
    }
    if !number.is_empty() {
        return None;
    }
    let millis = millis.round() as i64;
    Some(if negative { -millis } else { millis })
}

/// A time of day as `HH:MM:SS` (`.mmm` when there are milliseconds), whole days left out.
fn time_of_day_text(millis: i64) -> String {
    duration_text(millis.signum() * (millis.unsigned_abs() % 86_400_000) as i64)
}

/// A duration as `HH:MM:SS` (`.mmm` when there are milliseconds): its hours may pass 24, and
/// it may be negative.
fn duration_text(millis: i64) -> String {
    let sign = if millis < 0 { "-" } else { "" };
    let rest = millis.unsigned_abs();
    let (hours, minutes, seconds, fraction) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000,
    );
    let mut text = format!("{sign}{hours:02}:{minutes:02}:{seconds:02}");
    if fraction > 0 {
        text.push_str(&format!(".{fraction:03}"));
    }
    text
}

#[cfg(test)]
mod tests;
