//! Reading the first worksheet of an .xlsx cell by cell, refusing it as soon as it outgrows the
//! limits. calamine's `worksheet_range` would build a dense range spanning the cells' coordinates
//! before anyone could look at them; the cell reader used here reports one cell at a time and
//! never sizes anything from the sheet's `<dimension>` tag.

use std::io::Cursor;

use calamine::{Data, DataRef, Reader, Xlsx, XlsxError};
use jiuye_domain::roster::Table;

use crate::{MAX_CELLS, MAX_COLUMNS, MAX_ROWS, MAX_TABLE_TEXT_BYTES, SheetError, cell_text, mb, too_large};

/// Reads the first sheet. The archive must have passed [`crate::archive::inspect`].
pub(crate) fn read_first_sheet(bytes: &[u8]) -> Result<Table, SheetError> {
    read_sheet(bytes, None)
}

/// Reads the sheet called `wanted` (the first when None); a workbook without it reads as empty.
pub(crate) fn read_sheet(bytes: &[u8], wanted: Option<&str>) -> Result<Table, SheetError> {
    let bad = |e: XlsxError| SheetError::BadXlsx(e.to_string());
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(bad)?;
    let names = wb.sheet_names();
    let found = match wanted {
        Some(w) => names.iter().find(|n| n.as_str() == w).cloned(),
        None => names.first().cloned(),
    };
    let Some(name) = found else {
        return Err(SheetError::EmptySheet);
    };
    let mut cells = match wb.worksheet_cells_reader(&name) {
        Ok(cells) => cells,
        // A chart sheet first: nothing to read, as calamine's own range reader would say.
        Err(XlsxError::NotAWorksheet(_)) => return Err(SheetError::EmptySheet),
        Err(e) => return Err(bad(e)),
    };
    let mut grid = SparseGrid::default();
    while let Some(cell) = cells.next_cell().map_err(bad)? {
        grid.add(cell.get_position(), cell.get_value())?;
    }
    grid.into_table()
}

/// The smallest box holding every non-empty cell, as calamine's range would have it.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    top: u32,
    left: u32,
    bottom: u32,
    right: u32,
}

impl Bounds {
    fn rows(self) -> u64 {
        u64::from(self.bottom - self.top) + 1
    }

    fn columns(self) -> u64 {
        u64::from(self.right - self.left) + 1
    }
}

/// The non-empty cells read so far, with their bounding box and text size kept within the limits.
#[derive(Default)]
pub(crate) struct SparseGrid {
    cells: Vec<(u32, u32, String)>,
    bounds: Option<Bounds>,
    text_bytes: usize,
}

impl SparseGrid {
    /// Takes one cell. Empty cells (formatted but blank, or `<c/>`) are skipped wherever they are,
    /// as calamine's range reader skips them; any other cell must keep the table within
    /// [`MAX_COLUMNS`], [`MAX_ROWS`] (plus the header) and [`MAX_CELLS`], and its text within
    /// [`MAX_TABLE_TEXT_BYTES`], or the sheet is refused before the cell is stored.
    pub(crate) fn add(&mut self, (row, col): (u32, u32), value: &DataRef<'_>) -> Result<(), SheetError> {
        if matches!(value, DataRef::Empty) {
            return Ok(());
        }
        let b = match self.bounds {
            None => Bounds { top: row, left: col, bottom: row, right: col },
            Some(b) => Bounds {
                top: b.top.min(row),
                left: b.left.min(col),
                bottom: b.bottom.max(row),
                right: b.right.max(col),
            },
        };
        if b.columns() > MAX_COLUMNS as u64 {
            return Err(too_large(format!("最多 {MAX_COLUMNS} 列")));
        }
        if b.rows() > (MAX_ROWS + 1) as u64 {
            return Err(SheetError::TooManyRows);
        }
        if b.rows() * b.columns() > MAX_CELLS as u64 || self.cells.len() >= MAX_CELLS {
            return Err(too_large(format!("最多 {MAX_CELLS} 个单元格")));
        }
        // A shared string is stored once but copied into every cell that uses it: check its size
        // before copying.
        let text = match value {
            DataRef::SharedString(s) => {
                self.check_text(s.len())?;
                (*s).to_owned()
            }
            other => cell_text(&Data::from(other.clone())),
        };
        self.check_text(text.len())?;
        self.text_bytes += text.len();
        self.bounds = Some(b);
        self.cells.push((row, col, text));
        Ok(())
    }

    fn check_text(&self, len: usize) -> Result<(), SheetError> {
        if self.text_bytes.saturating_add(len) > MAX_TABLE_TEXT_BYTES {
            return Err(too_large(format!("单元格文字合计超过 {} MB", mb(MAX_TABLE_TEXT_BYTES as u64))));
        }
        Ok(())
    }

    /// The table: the bounding box's first row as headers, every row as wide as the box, missing
    /// cells as empty text, a later cell at the same position replacing an earlier one.
    pub(crate) fn into_table(self) -> Result<Table, SheetError> {
        let Some(b) = self.bounds else {
            return Err(SheetError::EmptySheet);
        };
        // Within MAX_CELLS, checked cell by cell in `add`.
        let (height, width) = (b.rows() as usize, b.columns() as usize);
        let mut rows: Vec<Vec<String>> = (0..height).map(|_| vec![String::new(); width]).collect();
        for (row, col, text) in self.cells {
            rows[(row - b.top) as usize][(col - b.left) as usize] = text;
        }
        let mut rows = rows.into_iter();
        let headers = rows.next().unwrap_or_default();
        if headers.iter().all(|h| h.trim().is_empty()) {
            return Err(SheetError::EmptySheet);
        }
        Ok(Table { headers, rows: rows.collect() })
    }
}
