//! Spreadsheets in and out: reading uploaded rosters (.xlsx, or CSV in UTF-8 or GBK) into a
//! plain table, writing the roster template, and writing statistics workbooks. Cells that a
//! spreadsheet program would run as a formula (`= + - @` first) are neutralised on the way out.
//!
//! Works on bytes only; never touches the file system or the database.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use jiuye_domain::roster::{COLUMNS, Table};

/// Largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Most data rows accepted in one file.
pub const MAX_ROWS: usize = 200_000;

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

fn cell_text(d: &Data) -> String {
    match d {
        // Whole numbers stored as floats (学号, codes typed as numbers) read back without ".0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, SheetError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(SheetError::BadXlsx("不是压缩包格式".into()));
    }
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| SheetError::BadXlsx(e.to_string()))?;
    let range = match wb.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(SheetError::BadXlsx(e.to_string())),
        None => return Err(SheetError::EmptySheet),
    };
    if range.is_empty() {
        return Err(SheetError::EmptySheet);
    }
    if range.height() > MAX_ROWS + 1 {
        return Err(SheetError::TooManyRows);
    }
    let mut rows = range.rows();
    let headers: Vec<String> = rows.next().map(|r| r.iter().map(cell_text).collect()).unwrap_or_default();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(SheetError::EmptySheet);
    }
    let rows = rows.map(|r| r.iter().map(cell_text).collect()).collect();
    Ok(Table { headers, rows })
}

fn read_csv(bytes: &[u8]) -> Result<Table, SheetError> {
    if bytes.contains(&0) {
        return Err(SheetError::Binary);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t.strip_prefix('\u{feff}').unwrap_or(t)),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GBK.decode(bytes);
            if had_errors {
                return Err(SheetError::BadCsv { row: 1, reason: "既不是 UTF-8 也不是 GBK 编码".into() });
            }
            decoded
        }
    };
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| SheetError::BadCsv { row: i + 1, reason: e.to_string() })?;
        rows.push(rec.iter().map(str::to_owned).collect());
        if rows.len() > MAX_ROWS + 1 {
            return Err(SheetError::TooManyRows);
        }
    }
    if rows.is_empty() {
        return Err(SheetError::Empty);
    }
    let headers = rows.remove(0);
    Ok(Table { headers, rows })
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
