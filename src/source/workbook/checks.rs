//! What a workbook's bytes are checked for before calamine lays a sheet out: the compound file
//! and cell extent of an xls, the texts of an xlsx, the tables of an ods (never closed, rows or
//! cells repeated past what a sheet holds), and any sheet's grid against the positions intake
//! lays out. Each check reads the file as it streams and allocates nothing the file declares.

use std::path::Path;

use calamine::Sheets;

/// Every check that runs before calamine opens a file, so that what calamine lays out is
/// bounded: an xls's structure and extent, an ods's structure and repeats, an xlsx's texts.
pub(crate) fn check_before_reading(path: &Path) -> Result<(), String> {
    check_xls_extent(path)
        .and_then(|()| check_ods_structure(path))
        .and_then(|()| check_xlsx_texts(path))
}

/// The most cell positions intake lets calamine lay out for one sheet when few of them hold a
/// cell: calamine loads every sheet of an xls as a dense grid from its cells' extremes, so one
/// damaged row number would ask for gigabytes.
const SPARSE_POSITIONS: u64 = 1 << 20;

/// A grid larger than [`SPARSE_POSITIONS`] is read only when at least one position in this many
/// holds a cell.
const SPARSE_RATIO: u64 = 64;

/// The positions an xls sheet's grid may take: the format's own limit (65,536 rows of 256
/// columns).
const XLS_POSITIONS: u64 = 65_536 * 256;

/// Before calamine loads an xls (it lays out every sheet at once), the BIFF records of its
/// `Workbook` stream are walked for each sheet's cell positions and declared dimensions; a sheet
/// whose grid would be far larger than its cells, or than the format allows, is refused with a
/// message instead of an allocation that ends the process. Not an xls: nothing to check.
fn check_xls_extent(path: &Path) -> Result<(), String> {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut magic = [0u8; 8];
    if file.read_exact(&mut magic).is_err()
        || magic != [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    {
        return Ok(());
    }
    // calamine's own compound-file reader follows a looping sector chain until memory runs
    // out; the cfb crate checks the structure, so it reads the file first.
    let damaged = |reason: String| {
        format!(
            "the file is damaged, or is not an Excel 97-2003 workbook: its compound-file structure is broken ({reason}); open it in Excel or LibreOffice and save it again as .xlsx, or export the sheet as CSV"
        )
    };
    let mut compound = cfb::open(path).map_err(|error| damaged(error.to_string()))?;
    let Some(stream) = ["/Workbook", "/Book"]
        .into_iter()
        .find(|name| compound.is_stream(name))
    else {
        // Not a workbook (an encrypted xlsx is a compound file too): calamine says what it is.
        return Ok(());
    };
    let limit = std::fs::metadata(path).map_or(0, |metadata| metadata.len());
    let mut bytes = Vec::new();
    compound
        .open_stream(stream)
        .and_then(|reader| reader.take(limit).read_to_end(&mut bytes))
        .map_err(|error| damaged(error.to_string()))?;
    let mut substream = 0usize;
    let mut extent = Extent::default();
    let mut at = 0usize;
    while at + 4 <= bytes.len() {
        let kind = u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        let length = u16::from_le_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        let data = &bytes[at + 4..(at + 4 + length).min(bytes.len())];
        at += 4 + length;
        let u16_at = |offset: usize| {
            data.get(offset..offset + 2)
                .map(|pair| u64::from(u16::from_le_bytes([pair[0], pair[1]])))
        };
        let u32_at = |offset: usize| {
            data.get(offset..offset + 4)
                .map(|quad| u64::from(u32::from_le_bytes([quad[0], quad[1], quad[2], quad[3]])))
        };
        match kind {
            // FILEPASS: the rest is encrypted; calamine says so.
            0x002F => return Ok(()),
            // BOF: a new substream (the globals, then one per sheet).
            0x0809 => {
                extent.check(substream)?;
                extent = Extent::default();
                substream += 1;
            }
            // DIMENSIONS, as calamine reads it (rows end exclusive).
            0x0200 => {
                let (rows, columns) = match data.len() {
                    10 => (
                        u16_at(2)
                            .unwrap_or(0)
                            .saturating_sub(u16_at(0).unwrap_or(0)),
                        u16_at(6)
                            .unwrap_or(0)
                            .saturating_sub(u16_at(4).unwrap_or(0)),
                    ),
                    14 | 16 => (
                        u32_at(4)
                            .unwrap_or(0)
                            .saturating_sub(u32_at(0).unwrap_or(0)),
                        u16_at(10)
                            .unwrap_or(0)
                            .saturating_sub(u16_at(8).unwrap_or(0)),
                    ),
                    _ => (0, 0),
                };
                extent.declared = extent.declared.max(rows.saturating_mul(columns));
            }
            // Cells: NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST, FORMULA at (row, column).
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let (Some(row), Some(column)) = (u16_at(0), u16_at(2)) {
                    extent.add(row, column, column);
                }
            }
            // MULRK: a run of cells in one row.
            0x00BD if data.len() >= 6 => {
                if let (Some(row), Some(first), Some(last)) =
                    (u16_at(0), u16_at(2), u16_at(data.len() - 2))
                {
                    extent.add(row, first, last.max(first));
                }
            }
            _ => {}
        }
    }
    extent.check(substream)
}

/// The most bytes one cell's text may take in a workbook's XML: Excel keeps at most 32,767
/// characters in a cell, and none of them takes more than six bytes written out (`&quot;`).
const MOST_CELL_BYTES: usize = 32_767 * 6;

/// Before calamine reads an xlsx or xlsm (it loads every shared string at once, then the sheet),
/// the shared strings and each sheet's XML are streamed for a text longer than any cell can
/// hold: a 1 MB file can unpack to one string of a gigabyte, which would be refused only after
/// it was in memory several times over.
fn check_xlsx_texts(path: &Path) -> Result<(), String> {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let Ok(mut archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    let parts: Vec<String> = archive
        .file_names()
        .filter_map(|name| name.ok().map(|name| name.into_owned()))
        .filter(|name| {
            name == "xl/sharedStrings.xml"
                || (name.starts_with("xl/worksheets/") && name.ends_with(".xml"))
        })
        .collect();
    let mut buffer = vec![0u8; 1 << 16];
    for part in parts {
        let Ok(mut entry) = archive.by_name(&part) else {
            continue;
        };
        // The length of the text since the last tag ended.
        let mut run = 0usize;
        loop {
            let read = match entry.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                // calamine reports a part it cannot unpack in its own words.
                Err(_) => return Ok(()),
            };
            let mut rest = &buffer[..read];
            while let Some(at) = memchr::memchr2(b'<', b'>', rest) {
                run += at;
                if run > MOST_CELL_BYTES {
                    break;
                }
                run = 0;
                rest = &rest[at + 1..];
            }
            run += rest.len();
            if run > MOST_CELL_BYTES {
                return Err(format!(
                    "{part} holds a text of more than {MOST_CELL_BYTES} bytes, longer than a cell can hold (32,767 characters): the file is damaged or was not written by a spreadsheet program; open it in one and save it again, or export the sheet as CSV"
                ));
            }
        }
    }
    Ok(())
}

/// An xlsx, xlsm or xlsb sheet streamed once through calamine's cell reader before calamine
/// lays it out whole: a sheet whose filled cells span a grid far larger than they are (a cell
/// at XFD1048576 beside a table at A1) is refused (`Err(Ok(reason))`) instead of an allocation
/// that ends the process. A reader error is handed on (`Err(Err(error))`).
pub(crate) fn check_cells_extent<RS: std::io::Read + std::io::Seek>(
    workbook: &mut Sheets<RS>,
    sheet: &str,
) -> Result<(), Result<String, calamine::Error>> {
    let mut extent = Extent::default();
    let mut add = |cell: calamine::Cell<calamine::DataRef<'_>>| {
        if !matches!(cell.get_value(), calamine::DataRef::Empty) {
            let (row, column) = cell.get_position();
            extent.add(u64::from(row), u64::from(column), u64::from(column));
        }
    };
    match workbook {
        Sheets::Xlsx(xlsx) => {
            let mut cells = xlsx
                .worksheet_cells_reader(sheet)
                .map_err(|error| Err(calamine::Error::Xlsx(error)))?;
            while let Some(cell) = cells
                .next_cell()
                .map_err(|error| Err(calamine::Error::Xlsx(error)))?
            {
                add(cell);
            }
        }
        Sheets::Xlsb(xlsb) => {
            let mut cells = xlsb
                .worksheet_cells_reader(sheet)
                .map_err(|error| Err(calamine::Error::Xlsb(error)))?;
            while let Some(cell) = cells
                .next_cell()
                .map_err(|error| Err(calamine::Error::Xlsb(error)))?
            {
                add(cell);
            }
        }
        _ => return Ok(()),
    }
    extent.check_grid("the sheet").map_err(Ok)
}

/// The cells of one xls substream: how many, and the corners of the grid they span.
#[derive(Default)]
struct Extent {
    cells: u64,
    rows: Option<(u64, u64)>,
    columns: Option<(u64, u64)>,
    declared: u64,
}

impl Extent {
    pub(crate) fn add(&mut self, row: u64, first: u64, last: u64) {
        self.cells += last - first + 1;
        let widen = |span: Option<(u64, u64)>, low: u64, high: u64| {
            Some(span.map_or((low, high), |(start, end)| (start.min(low), end.max(high))))
        };
        self.rows = widen(self.rows, row, row);
        self.columns = widen(self.columns, first, last);
    }

    pub(crate) fn check(&self, substream: usize) -> Result<(), String> {
        // Substream 1 is the workbook's globals; sheets count from the next.
        let which = format!("sheet {}", substream.saturating_sub(1));
        if self.declared > XLS_POSITIONS {
            return Err(format!(
                "the workbook is damaged: {which} declares {} cell positions, more than an xls holds (65,536 rows of 256 columns); open it in a spreadsheet program and save it again, or export the sheet as CSV",
                self.declared
            ));
        }
        let (Some((top, bottom)), Some((left, right))) = (self.rows, self.columns) else {
            return Ok(());
        };
        let rows = bottom - top + 1;
        let columns = right - left + 1;
        if rows * columns > XLS_POSITIONS {
            return Err(format!(
                "the workbook is damaged: {which} places cells over {rows} rows and {columns} columns, more than an xls holds (65,536 rows of 256 columns); open it in a spreadsheet program and save it again, or export the sheet as CSV"
            ));
        }
        self.check_grid(&which)
    }

    /// The grid rules of every workbook format: at most [`MOST_POSITIONS`], and past
    /// [`SPARSE_POSITIONS`] at least one cell in [`SPARSE_RATIO`] positions.
    pub(crate) fn check_grid(&self, which: &str) -> Result<(), String> {
        let (Some((top, bottom)), Some((left, right))) = (self.rows, self.columns) else {
            return Ok(());
        };
        let rows = bottom - top + 1;
        let columns = right - left + 1;
        let positions = rows * columns;
        let corner =
            |row: u64, column: u64| crate::source::cell_name(column as usize, row as usize + 1);
        let far = format!("{} to {}", corner(top, left), corner(bottom, right));
        if positions > MOST_POSITIONS
            || (positions > SPARSE_POSITIONS && positions > self.cells.saturating_mul(SPARSE_RATIO))
        {
            return Err(format!(
                "{which} spreads {} cells over {far} ({rows} rows by {columns} columns, {positions} positions), which would have to be laid out whole: it has stray cells far from the table, or is damaged; delete them (or copy the table alone into a new workbook), or export the sheet as CSV",
                self.cells
            ));
        }
        Ok(())
    }
}

/// The most cell positions a sheet may be laid out over, whatever its cells: about 1 GB of
/// calamine's cells. No spreadsheet that people send comes near it.
const MOST_POSITIONS: u64 = 1 << 25;

/// Before calamine reads an ods, its `content.xml` is streamed once: a table that is never
/// closed (calamine would read past the end for ever), XML that does not parse, or a sheet whose
/// repeated rows and columns would be laid out over far more positions than it has cells, is
/// refused with a message. Not a zip with a `content.xml`: nothing to check.
fn check_ods_structure(path: &Path) -> Result<(), String> {
    use quick_xml::events::{BytesStart, Event};
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let Ok(mut archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    if archive.by_name("mimetype").is_err() {
        return Ok(());
    }
    let Ok(content) = archive.by_name("content.xml") else {
        return Ok(());
    };
    let damaged = |what: String| {
        format!(
            "the workbook is damaged: {what}; open it in LibreOffice and save it again, or export the sheet as CSV"
        )
    };
    let repeats = |element: &BytesStart<'_>, name: &str| -> u64 {
        element
            .try_get_attribute(name)
            .ok()
            .flatten()
            .and_then(|attribute| attribute.value.trim().parse().ok())
            .unwrap_or(1)
    };
    let has_value = |element: &BytesStart<'_>| {
        matches!(element.try_get_attribute("office:value-type"), Ok(Some(_)))
    };
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(content));
    let mut buffer = Vec::new();
    let mut tables = 0usize;
    let mut open_table = false;
    let mut sheet = Sheet::default();
    let mut row = Row::default();
    loop {
        let event = reader
            .read_event_into(&mut buffer)
            .map_err(|error| damaged(format!("content.xml is not well-formed XML ({error})")))?;
        match event {
            Event::Start(element) if element.name().0 == "table:table" => {
                tables += 1;
                open_table = true;
                sheet = Sheet::default();
            }
            Event::Empty(element) if element.name().0 == "table:table" => {
                tables += 1;
            }
            Event::End(element) if element.name().0 == "table:table" => {
                open_table = false;
                sheet.check(tables).map_err(damaged)?;
            }
            Event::Start(element) if element.name().0 == "table:table-row" => {
                row = Row {
                    repeats: repeats(&element, "table:number-rows-repeated"),
                    ..Row::default()
                };
            }
            Event::End(element) if element.name().0 == "table:table-row" => {
                sheet.add(&row);
            }
            Event::Start(element)
                if matches!(
                    element.name().0,
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let count = repeats(&element, "table:number-columns-repeated");
                row.add(count, true);
            }
            Event::Empty(element)
                if matches!(
                    element.name().0,
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let count = repeats(&element, "table:number-columns-repeated");
                row.add(count, has_value(&element));
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    if open_table {
        return Err(damaged(format!(
            "content.xml ends inside table {tables}, which is never closed (the file was cut short)"
        )));
    }
    Ok(())
}

/// One row of an ods table as calamine would lay it out: how often it repeats, how far its
/// filled cells reach, and how many there are.
#[derive(Default)]
pub(crate) struct Row {
    repeats: u64,
    column: u64,
    reach: u64,
    filled: u64,
}

impl Row {
    pub(crate) fn add(&mut self, count: u64, filled: bool) {
        self.column = self.column.saturating_add(count).min(16_384);
        if filled {
            self.reach = self.column;
            self.filled = self.filled.saturating_add(count);
        }
    }
}

/// The extent of one ods table's filled cells.
#[derive(Default)]
struct Sheet {
    /// A filled row repeated past the last row a sheet has (calamine would cut it there).
    overflow: bool,
    rows: u64,
    reach_rows: u64,
    reach_columns: u64,
    cells: u64,
}

impl Sheet {
    pub(crate) fn add(&mut self, row: &Row) {
        let repeats = row.repeats.min(1_048_576u64.saturating_sub(self.rows));
        self.overflow |= row.filled > 0 && repeats < row.repeats;
        self.rows += repeats;
        if row.filled > 0 {
            self.reach_rows = self.rows;
            self.reach_columns = self.reach_columns.max(row.reach);
            self.cells = self
                .cells
                .saturating_add(row.filled.saturating_mul(repeats));
        }
    }

    pub(crate) fn check(&self, table: usize) -> Result<(), String> {
        if self.overflow {
            return Err(format!(
                "table {table} repeats a row of cells past row 1,048,576, the last a sheet has"
            ));
        }
        let positions = self.reach_rows.saturating_mul(self.reach_columns);
        if positions > MOST_POSITIONS {
            return Err(format!(
                "table {table} repeats its cells over {} rows and {} columns ({positions} positions), more than intake lays out for one sheet ({MOST_POSITIONS})",
                self.reach_rows, self.reach_columns
            ));
        }
        if positions > SPARSE_POSITIONS && positions > self.cells.saturating_mul(SPARSE_RATIO) {
            return Err(format!(
                "table {table} spreads {} cells over {} rows and {} columns ({positions} positions): it has stray cells far from the table, or is damaged",
                self.cells, self.reach_rows, self.reach_columns
            ));
        }
        Ok(())
    }
}
