//! Finding the header: the row, among the first 30, whose cells read as names over rows that
//! read as data; the rows above it kept as `SkippedRow`s, to be said; the names of blank or
//! repeated header cells.

use super::cell::{Cell, Record};
use super::rows::Records;
use super::{SheetLabel, SourceError};

/// How many non-blank rows at the top may be titles, notes or banners above the real header.
const HEADER_SEARCH: usize = 30;

/// How many rows under a candidate header show how wide the data is.
const DATA_SAMPLE: usize = 10;

/// Finds the header: the row on `header_row` when given, otherwise the row that best heads the
/// rows under it (see [`choose_header`]). Returns it, the non-blank rows above it that were
/// skipped, a sample of the rows under it, and the records under it.
pub(crate) fn find_header(
    mut records: Records,
    header_row: Option<usize>,
    file: &str,
    sheet: &SheetLabel,
) -> Result<Found, SourceError> {
    let no_header = |detail: String| SourceError::NoHeader {
        file: file.to_string(),
        sheet: sheet.clone(),
        detail,
    };
    let mut top = Vec::with_capacity(HEADER_SEARCH + DATA_SAMPLE);
    let chosen = if let Some(wanted) = header_row {
        let mut found = None;
        for record in records.by_ref() {
            let record = record?;
            let row = record.row;
            top.push(record);
            if row == wanted {
                found = Some(top.len() - 1);
                break;
            }
            if row > wanted {
                return Err(no_header(format!(" (row {wanted} is blank)")));
            }
        }
        let Some(found) = found else {
            return Err(no_header(format!(" (the file ends before row {wanted})")));
        };
        // A sample of the rows under the header, to see how wide the data is.
        for record in records.by_ref().take(DATA_SAMPLE) {
            top.push(record?);
        }
        found
    } else {
        for record in records.by_ref() {
            top.push(record?);
            if top.len() == HEADER_SEARCH + DATA_SAMPLE {
                break;
            }
        }
        if top.is_empty() {
            return Err(no_header(" (the file has no rows)".to_string()));
        }
        choose_header(&top)
    };
    let mut rest = top.split_off(chosen);
    let header = rest.remove(0);
    let skipped = top.iter().map(SkippedRow::of).collect();
    let names = header_names(&header.cells, &rest[..rest.len().min(DATA_SAMPLE)]);
    records.unread(rest.into_iter().map(Ok).collect());
    Ok(Found {
        row: header.row,
        names,
        skipped,
        records,
    })
}

/// The header [`find_header`] found, and what lies around it.
pub(crate) struct Found {
    pub(crate) row: usize,
    pub(crate) names: Vec<String>,
    pub(crate) skipped: Vec<SkippedRow>,
    pub(crate) records: Records,
}

/// A non-blank row above the header, left out of the data: a title, a note, a metadata line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SkippedRow {
    pub row: usize,
    /// Its filled cells, joined by `, ` and shortened.
    pub text: String,
}

impl SkippedRow {
    pub(crate) fn of(record: &Record) -> Self {
        let cells: Vec<String> = record
            .cells
            .iter()
            .filter(|cell| !cell.is_blank())
            .map(|cell| cell.to_text().trim().to_string())
            .collect();
        let text = cells.join(", ");
        let text = match text.char_indices().nth(SKIPPED_TEXT) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text,
        };
        SkippedRow {
            row: record.row,
            text,
        }
    }
}

/// How many characters of a skipped row are kept to name it.
const SKIPPED_TEXT: usize = 60;

/// The index of the row that best heads the rows under it. Each row with two filled cells or
/// more, one a label at least, is scored by the rows below it (within the rows read; a row
/// with none below is a candidate only when no other row is; with no candidate, the first row
/// is the header, so that a file of values alone loses no row but its first):
///
/// - each filled cell below one of its labels (text that is not a number or a date) counts 1
///   for it; below one of its numbers or dates, 1 against it (a row of values is data; years
///   and months such as `2019` or `2024-03` across a row count as labels); below one of its
///   blank cells (data it would leave unnamed), 1 against it;
/// - a label above a column of numbers or dates counts 2 more per value: the mark of a header
///   over data;
/// - a column below that mixes labels and values counts 3 against it per cell of the lesser
///   kind: a metadata block (`Key,Value`) or a title above a header has such columns.
///
/// The highest score wins, the earliest on a tie; titles, notes, metadata blocks, footnotes
/// and the end of a file therefore lose to the header of the table under them. A row that
/// names only some columns directly under one that names them all (units, groups) is a
/// second header line: the first is the header. A file of one column has its header on its
/// first row.
///
/// The weights were set on the cases of the unit tests below and checked on two sets written
/// apart (docs/architecture.md, "Header row").
pub(super) fn choose_header(rows: &[Record]) -> usize {
    let kinds: Vec<Vec<Option<bool>>> = rows.iter().map(|row| cell_kinds(&row.cells)).collect();
    let mut best: Option<(i64, usize)> = None;
    for (index, candidate) in kinds.iter().enumerate().take(HEADER_SEARCH) {
        let no_label = !candidate.contains(&Some(true));
        if candidate.iter().flatten().count() < 2
            || no_label
            || (index + 1 == kinds.len() && best.is_some())
        {
            continue;
        }
        let below = &kinds[index + 1..];
        let width = below.iter().map(Vec::len).max().unwrap_or(0);
        let mut score: i64 = 0;
        for column in 0..width {
            let (mut labels, mut values) = (0i64, 0i64);
            for row in below {
                match row.get(column).copied().flatten() {
                    Some(true) => labels += 1,
                    Some(false) => values += 1,
                    None => {}
                }
            }
            match candidate.get(column).copied().flatten() {
                None => score -= labels + values,
                Some(false) => score -= labels + values + 3 * labels.min(values),
                Some(true) => {
                    score += labels + values - 3 * labels.min(values);
                    if values > 0 && labels * 10 <= values {
                        score += 2 * values;
                    }
                }
            }
        }
        if best.is_none_or(|(top, _)| score > top) {
            best = Some((score, index));
        }
    }
    let Some((_, mut chosen)) = best else {
        return 0;
    };
    while chosen > 0 && rows[chosen - 1].row + 1 == rows[chosen].row {
        let (above, header) = (&kinds[chosen - 1], &kinds[chosen]);
        let names_all = header
            .iter()
            .enumerate()
            .all(|(column, kind)| kind.is_none() || above.get(column) == Some(&Some(true)));
        let names_more = above.iter().enumerate().any(|(column, kind)| {
            *kind == Some(true)
                && header.get(column).copied().flatten().is_none()
                && kinds[chosen + 1..]
                    .iter()
                    .any(|row| row.get(column).copied().flatten().is_some())
        });
        if !(names_all && names_more) {
            break;
        }
        chosen -= 1;
    }
    chosen
}

/// Per cell: `None` blank, `Some(true)` a label, `Some(false)` a number or date. Years and
/// year-months across a row (two or more, all different: `2019, 2020`, `2024-01, 2024-02`)
/// are labels: column names of a table by period.
fn cell_kinds(cells: &[Cell]) -> Vec<Option<bool>> {
    let mut kinds: Vec<Option<bool>> = cells
        .iter()
        .map(|cell| (!cell.is_blank()).then(|| is_label(cell)))
        .collect();
    let values: Vec<String> = cells
        .iter()
        .zip(&kinds)
        .filter(|(_, kind)| **kind == Some(false))
        .map(|(cell, _)| cell.to_text().trim().to_string())
        .collect();
    let distinct: std::collections::HashSet<&String> = values.iter().collect();
    if values.len() >= 2
        && distinct.len() == values.len()
        && values.iter().all(|value| is_period(value))
    {
        for kind in &mut kinds {
            if *kind == Some(false) {
                *kind = Some(true);
            }
        }
    }
    kinds
}

/// `2019`, `2024-03`, `2024/03`, `2024.03`: a year from 1800 to 2199, or a month of one.
fn is_period(text: &str) -> bool {
    let bytes = text.as_bytes();
    let year = bytes.len() >= 4
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && matches!(&text[..2], "18" | "19" | "20" | "21");
    match bytes.len() {
        4 => year,
        7 => {
            year && matches!(bytes[4], b'-' | b'/' | b'.')
                && matches!(text[5..].parse::<u8>(), Ok(1..=12))
                && bytes[5..].iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// The most frequent value (the larger one on a tie), or `None` for no values.
pub(crate) fn most_common(counts: &[usize]) -> Option<usize> {
    let mut tally = std::collections::BTreeMap::new();
    for &count in counts {
        *tally.entry(count).or_insert(0usize) += 1;
    }
    tally
        .into_iter()
        .max_by_key(|&(count, seen)| (seen, count))
        .map(|(count, _)| count)
}

/// Text that is not a number or a date: what column names are made of.
fn is_label(cell: &Cell) -> bool {
    let Cell::Text(text) = cell else { return false };
    let text = text.trim();
    let numeric = text
        .chars()
        .all(|character| character.is_ascii_digit() || ".,-+/: %$€£()".contains(character));
    !numeric
}

/// Header texts, trimmed, with inner empty header cells named by position, and trailing ones
/// dropped unless most of the rows under them (`below`) have a value there: a column of data
/// under a blank header cell at the right edge is kept, a stray cell beside a table is not.
pub(crate) fn header_names(cells: &[Cell], below: &[Record]) -> Vec<String> {
    let mut used = cells
        .iter()
        .rposition(|cell| !cell.is_blank())
        .map_or(0, |position| position + 1);
    while used < cells.len() {
        let filled = below
            .iter()
            .filter(|row| row.cells.get(used).is_some_and(|cell| !cell.is_blank()))
            .count();
        if filled * 2 <= below.len() || filled == 0 {
            break;
        }
        used += 1;
    }
    cells[..used]
        .iter()
        .enumerate()
        .map(|(index, cell)| {
            let text = cell.to_text().trim().to_string();
            if text.is_empty() {
                format!("column {}", index + 1)
            } else {
                text
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
