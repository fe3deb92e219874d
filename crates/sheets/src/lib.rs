//! Spreadsheets in and out: reading uploaded rosters (.xlsx, or CSV in UTF-8 or GBK) into a
//! plain table, writing the roster template, and writing statistics workbooks. Cells that a
//! spreadsheet program would run as a formula (`= + - @` first) are neutralised on the way out.
//!
//! Uploaded files are untrusted, so the reader measures them before it allocates anything sized by
//! their contents. An .xlsx is a zip archive: every entry is inflated once through a cap (the sizes
//! the archive declares are checked first but not trusted), and the parts calamine turns into
//! tables (shared strings, styles, the sheet list) are counted and measured before calamine opens
//! the workbook. The first sheet is then read cell by cell, never as a dense range spanning
//! whatever coordinates the file names, and refused as soon as it passes a limit. A CSV is parsed
//! record by record with the same column and cell limits. Each limit is a `MAX_` constant below;
//! passing one is [`SheetError::SheetTooLarge`] (or [`SheetError::TooManyRows`] for rows).
//!
//! Works on bytes only; never touches the file system or the database.

use std::borrow::Cow;

use calamine::Data;
use jiuye_domain::roster::{COLUMNS, Table};

mod archive;
mod xlsx;

#[cfg(test)]
mod hostile_tests;

/// Largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Most data rows accepted in one file (the header row comes on top).
pub const MAX_ROWS: usize = 200_000;
/// Most columns in a table (the roster template has 15), counted across the used width of the
/// sheet, or in any one CSV record.
pub const MAX_COLUMNS: usize = 256;
/// Most cells in a table, counted as rows × columns of the used area (empty cells included), and
/// for a CSV as the fields of all records together. Enough for every row at 20 columns.
pub const MAX_CELLS: usize = 4_000_000;
/// Most text, in bytes, in all cells of a table together. A shared string is counted once for
/// every cell it is copied into.
pub const MAX_TABLE_TEXT_BYTES: usize = 128 * 1024 * 1024;
/// Most entries (files and directories) in an .xlsx archive.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// Most bytes any one entry of an .xlsx may inflate to (a full roster sheet is around 130 MB).
pub const MAX_UNZIPPED_PART_BYTES: u64 = 200 * 1024 * 1024;
/// Most bytes all entries of an .xlsx may inflate to together.
pub const MAX_UNZIPPED_BYTES: u64 = 256 * 1024 * 1024;
/// Most bytes the shared-string table (`sharedStrings.xml`) may inflate to; calamine holds all of
/// it in memory as soon as the workbook is opened.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 64 * 1024 * 1024;
/// Most strings in the shared-string table, and the largest `uniqueCount` it may claim (calamine
/// reserves room for that many strings up front).
pub const MAX_SHARED_STRINGS: usize = MAX_CELLS;
/// Longest relationship, sheet, font-name, number-format or shared-string-table tag in the
/// workbook's XML, in bytes; calamine copies strings out of these.
pub const MAX_XML_TAG_BYTES: u64 = 64 * 1024;
/// Most memory, in bytes, that calamine may be estimated to need for the workbook's style
/// records, sheet list, relationships and defined names (every cell format holds its own copy of
/// a font name and a number format, every sheet its own path).
pub const MAX_WORKBOOK_METADATA_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SheetError {
    #[error("文件为空")]
    Empty,
    #[error("文件超过 {} MB 的上限", MAX_FILE_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("文件超过 {MAX_ROWS} 行的上限，请分批导入")]
    TooManyRows,
    #[error("文件不是有效的 Excel (.xlsx) 文件：{0}")]
    BadXlsx(String),
    #[error("文件第一个工作表是空的")]
    EmptySheet,
    #[error("文件不是文本格式的 CSV（含有二进制内容）")]
    Binary,
    #[error("CSV 第 {row} 行无法解析：{reason}")]
    BadCsv { row: usize, reason: String },
    #[error("只接受 .xlsx 或 .csv 文件")]
    UnknownType,
    #[error("无法生成表格文件：{0}")]
    Write(String),
    /// The file would take more memory or work to read than the limits allow; `limit` names the
    /// limit passed, in Chinese (for example "最多 256 列").
    #[error("工作表超过上限：{limit}")]
    SheetTooLarge { limit: String },
}

impl SheetError {
    /// A stable snake_case code for the error, for API responses.
    pub fn code(&self) -> &'static str {
        match self {
            SheetError::Empty => "file_empty",
            SheetError::TooLarge => "file_too_large",
            SheetError::TooManyRows => "too_many_rows",
            SheetError::BadXlsx(_) => "bad_xlsx",
            SheetError::EmptySheet => "empty_sheet",
            SheetError::Binary => "binary_csv",
            SheetError::BadCsv { .. } => "bad_csv",
            SheetError::UnknownType => "unknown_file_type",
            SheetError::Write(_) => "write_failed",
            SheetError::SheetTooLarge { .. } => "sheet_too_large",
        }
    }
}

pub(crate) fn too_large(limit: String) -> SheetError {
    SheetError::SheetTooLarge { limit }
}

/// Bytes as whole megabytes, for messages.
pub(crate) fn mb(bytes: u64) -> u64 {
    bytes / 1024 / 1024
}

/// The kind of an uploaded file, from its name and its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Xlsx,
    Csv,
}

pub fn kind_of(file_name: &str, bytes: &[u8]) -> Result<Kind, SheetError> {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".xlsx") {
        Ok(Kind::Xlsx)
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") {
        Ok(Kind::Csv)
    } else if bytes.starts_with(b"PK\x03\x04") {
        Ok(Kind::Xlsx)
    } else if lower.is_empty() || !lower.contains('.') {
        Ok(Kind::Csv)
    } else {
        Err(SheetError::UnknownType)
    }
}

/// Reads the first sheet (xlsx) or the CSV text into a table.
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table, SheetError> {
    if bytes.is_empty() {
        return Err(SheetError::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(SheetError::TooLarge);
    }
    match kind_of(file_name, bytes)? {
        Kind::Xlsx => read_xlsx(bytes),
        Kind::Csv => read_csv(bytes),
    }
}

/// Reads the xlsx sheet called `name` into a table (`EmptySheet` when the workbook has none).
pub fn read_xlsx_sheet(bytes: &[u8], name: &str) -> Result<Table, SheetError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(SheetError::TooLarge);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(SheetError::BadXlsx("不是压缩包格式".into()));
    }
    std::panic::catch_unwind(|| {
        archive::inspect(bytes)?;
        xlsx::read_sheet(bytes, Some(name))
    })
    .unwrap_or_else(|_| Err(SheetError::BadXlsx("文件内容无法解析".into())))
}

fn cell_text(d: &Data) -> String {
    match d {
        // Whole numbers stored as floats (学号, codes typed as numbers) read back without ".0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, SheetError> {
    // The zip and calamine code runs on untrusted bytes. In builds with overflow checks calamine
    // panics on some malformed cell references (arithmetic overflow while decoding `r="…"`); such
    // a file is refused like any other malformed one instead of unwinding into the caller. (The
    // panic hook still reports the panic.)
    std::panic::catch_unwind(|| read_xlsx_unguarded(bytes))
        .unwrap_or_else(|_| Err(SheetError::BadXlsx("文件内容无法解析".into())))
}

fn read_xlsx_unguarded(bytes: &[u8]) -> Result<Table, SheetError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(SheetError::BadXlsx("不是压缩包格式".into()));
    }
    archive::inspect(bytes)?;
    xlsx::read_first_sheet(bytes)
}

fn read_csv(bytes: &[u8]) -> Result<Table, SheetError> {
    if bytes.contains(&0) {
        return Err(SheetError::Binary);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => Cow::Borrowed(t.strip_prefix('\u{feff}').unwrap_or(t)),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GBK.decode(bytes);
            if had_errors {
                return Err(SheetError::BadCsv { row: 1, reason: "既不是 UTF-8 也不是 GBK 编码".into() });
            }
            decoded
        }
    };
    let rows = csv_records(text.as_bytes())?;
    let mut rows = rows.into_iter();
    let Some(headers) = rows.next() else {
        return Err(SheetError::Empty);
    };
    Ok(Table { headers, rows: rows.collect() })
}

/// Splits CSV text into records of fields, as the `csv` crate reads it (comma separated, double
/// quotes, any line ending; the crate is built on the same parser), but with a fixed array for the
/// field ends: a record with more than [`MAX_COLUMNS`] fields is refused before any of its fields
/// is stored, and so are more than [`MAX_CELLS`] fields in all or [`MAX_ROWS`] records (plus the
/// header).
fn csv_records(mut input: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    use csv_core::ReadRecordResult;

    let mut reader = csv_core::Reader::new();
    // The record's field bytes; grows to at most twice the longest record.
    let mut out = vec![0u8; 4096];
    let mut ends = [0usize; MAX_COLUMNS + 1];
    let (mut out_len, mut ends_len) = (0, 0);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut cells = 0usize;
    loop {
        let (res, n_in, n_out, n_ends) = reader.read_record(input, &mut out[out_len..], &mut ends[ends_len..]);
        input = &input[n_in..];
        out_len += n_out;
        ends_len += n_ends;
        match res {
            // Called again with the input now empty, the reader finishes the last record.
            ReadRecordResult::InputEmpty => {}
            ReadRecordResult::OutputFull => out.resize(out.len() * 2, 0),
            ReadRecordResult::OutputEndsFull => return Err(too_large(format!("最多 {MAX_COLUMNS} 列"))),
            ReadRecordResult::Record => {
                if ends_len > MAX_COLUMNS {
                    return Err(too_large(format!("最多 {MAX_COLUMNS} 列")));
                }
                cells += ends_len;
                if cells > MAX_CELLS {
                    return Err(too_large(format!("最多 {MAX_CELLS} 个单元格")));
                }
                let mut record = Vec::with_capacity(ends_len);
                let mut start = 0;
                for &end in &ends[..ends_len] {
                    let field = std::str::from_utf8(&out[start..end])
                        .map_err(|e| SheetError::BadCsv { row: rows.len() + 1, reason: e.to_string() })?;
                    record.push(field.to_owned());
                    start = end;
                }
                rows.push(record);
                if rows.len() > MAX_ROWS + 1 {
                    return Err(SheetError::TooManyRows);
                }
                (out_len, ends_len) = (0, 0);
            }
            ReadRecordResult::End => return Ok(rows),
        }
    }
}

/// A cell value safe to open in a spreadsheet program: text starting with `=`, `+`, `-` or `@`
/// (or a tab or carriage return) gets a leading apostrophe so it is never run as a formula.
pub fn neutralise(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() }
}

/// One sheet of an output workbook: a title row of headers, text or number cells.
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

pub enum Cell {
    Text(String),
    Number(f64),
}

/// Writes sheets to an .xlsx file in memory (headers bold, text neutralised).
pub fn write_xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, SheetError> {
    let w = |e: rust_xlsxwriter::XlsxError| SheetError::Write(e.to_string());
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for sheet in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name).map_err(w)?;
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, neutralise(h), &bold).map_err(w)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = ((r + 1) as u32, c as u16);
                match cell {
                    Cell::Text(t) => ws.write_string(r, c, neutralise(t)).map_err(w)?,
                    Cell::Number(n) => ws.write_number(r, c, *n).map_err(w)?,
                };
            }
        }
    }
    wb.save_to_buffer().map_err(w)
}

/// Writes rows as CSV (UTF-8 with a BOM, which spreadsheet programs in China expect), text
/// neutralised.
pub fn write_csv(headers: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(headers.iter().map(|h| neutralise(h)));
    for r in rows {
        let _ = w.write_record(r.iter().map(|c| neutralise(c)));
    }
    out.extend(w.into_inner().unwrap_or_default());
    out
}

/// The roster template (.xlsx) with one example row.
pub fn roster_template_xlsx() -> Result<Vec<u8>, SheetError> {
    let example = [
        "2019010101",
        "张三",
        "男",
        "计算机学院",
        "080901",
        "计算机科学与技术",
        "本科",
        "510104",
        "2023",
        "",
        "",
        "",
        "",
        "",
        "",
    ];
    write_xlsx(&[Sheet {
        name: "毕业生名单".into(),
        headers: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rows: vec![example.iter().map(|c| Cell::Text((*c).to_owned())).collect()],
    }])
}

/// The roster template as CSV.
pub fn roster_template_csv() -> Vec<u8> {
    let example: Vec<String> = [
        "2019010101",
        "张三",
        "男",
        "计算机学院",
        "080901",
        "计算机科学与技术",
        "本科",
        "510104",
        "2023",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    .iter()
    .map(|c| (*c).to_owned())
    .collect();
    write_csv(&COLUMNS.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>(), &[example])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_round_trips_through_the_reader() {
        let x = roster_template_xlsx().unwrap();
        let t = read_table("名单.xlsx", &x).unwrap();
        assert_eq!(t.headers, COLUMNS);
        assert_eq!(t.rows[0][0], "2019010101");
        let c = roster_template_csv();
        let t = read_table("名单.csv", &c).unwrap();
        assert_eq!(t.headers, COLUMNS);
        assert_eq!(t.rows[0][4], "080901");
    }

    #[test]
    fn gbk_csv_is_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("学号,姓名\n001,张三\n");
        let t = read_table("a.csv", &bytes).unwrap();
        assert_eq!(t.headers, ["学号", "姓名"]);
        assert_eq!(t.rows[0][1], "张三");
    }

    #[test]
    fn bad_files_are_refused() {
        assert_eq!(
            read_table("a.xlsx", b"this is not a zip").unwrap_err(),
            SheetError::BadXlsx("不是压缩包格式".into())
        );
        assert!(matches!(read_table("a.xlsx", b"PK\x03\x04garbage"), Err(SheetError::BadXlsx(_))));
        assert_eq!(read_table("a.csv", b"a,b\x00c").unwrap_err(), SheetError::Binary);
        assert_eq!(read_table("a.csv", b"").unwrap_err(), SheetError::Empty);
        assert_eq!(read_table("a.pdf", b"%PDF").unwrap_err(), SheetError::UnknownType);
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        assert_eq!(read_table("a.csv", &big).unwrap_err(), SheetError::TooLarge);
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("-3"), "'-3");
        assert_eq!(neutralise("四川大学"), "四川大学");
        let csv = String::from_utf8(write_csv(&["名称".into()], &[vec!["=HYPERLINK(\"x\")".into()]])).unwrap();
        assert!(csv.contains("'=HYPERLINK"));
    }
}
