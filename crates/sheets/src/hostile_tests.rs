//! Hostile uploads: workbooks built by hand to make a naive reader allocate without bound, and
//! property tests feeding the reader random and damaged files.

use std::io::{Cursor, Read, Write};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::*;

const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// Refusals must come before anything big is built; in a debug build even a few seconds would
/// mean something was.
const QUICK: Duration = Duration::from_secs(10);

fn timed<T>(f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
    out
}

fn is_too_large(r: &Result<Table, SheetError>) -> bool {
    matches!(r, Err(SheetError::SheetTooLarge { .. }))
}

// ---- Building workbooks -------------------------------------------------------------------------

fn package_rels() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    )
}

fn workbook_xml() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{NS}" xmlns:r="{REL}"><sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    )
}

fn workbook_rels() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
    )
}

fn content_types() -> String {
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned()
}

/// A worksheet part: `head` goes before `<sheetData>` (a `<dimension>`, say), `rows` inside it.
fn sheet_xml(head: &str, rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{NS}" xmlns:r="{REL}">{head}<sheetData>{rows}</sheetData></worksheet>"#
    )
}

fn inline(r: &str, text: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// The parts of a one-sheet workbook around the given sheet.
fn parts(sheet: String) -> Vec<(String, Vec<u8>)> {
    vec![
        ("[Content_Types].xml".into(), content_types().into_bytes()),
        ("_rels/.rels".into(), package_rels().into_bytes()),
        ("xl/workbook.xml".into(), workbook_xml().into_bytes()),
        ("xl/_rels/workbook.xml.rels".into(), workbook_rels().into_bytes()),
        ("xl/worksheets/sheet1.xml".into(), sheet.into_bytes()),
    ]
}

fn replace(parts: &mut [(String, Vec<u8>)], name: &str, data: Vec<u8>) {
    let part = parts.iter_mut().find(|(n, _)| n == name).expect("a part of that name");
    part.1 = data;
}

/// Zips parts with the zip crate's writer, deflated.
fn zipped(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in parts {
        w.start_file(name.as_str(), options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// One entry of an archive written byte by byte, so that its declared size can be anything.
struct RawEntry {
    name: String,
    /// 0 stored, 8 deflated.
    method: u16,
    crc: u32,
    declared: u32,
    data: Vec<u8>,
}

impl RawEntry {
    fn stored(name: &str, data: Vec<u8>) -> Self {
        RawEntry { name: name.into(), method: 0, crc: crc32fast::hash(&data), declared: data.len() as u32, data }
    }
}

fn raw_zip(entries: &[RawEntry]) -> Vec<u8> {
    fn u16le(out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32le(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for e in entries {
        offsets.push(out.len() as u32);
        u32le(&mut out, 0x0403_4b50);
        for v in [20, 0, e.method, 0, 0x21] {
            u16le(&mut out, v);
        }
        for v in [e.crc, e.data.len() as u32, e.declared] {
            u32le(&mut out, v);
        }
        u16le(&mut out, e.name.len() as u16);
        u16le(&mut out, 0);
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(&e.data);
    }
    let cd_start = out.len() as u32;
    for (e, offset) in entries.iter().zip(&offsets) {
        u32le(&mut out, 0x0201_4b50);
        for v in [20, 20, 0, e.method, 0, 0x21] {
            u16le(&mut out, v);
        }
        for v in [e.crc, e.data.len() as u32, e.declared] {
            u32le(&mut out, v);
        }
        for v in [e.name.len() as u16, 0, 0, 0, 0] {
            u16le(&mut out, v);
        }
        u32le(&mut out, 0);
        u32le(&mut out, *offset);
        out.extend_from_slice(e.name.as_bytes());
    }
    let cd_size = out.len() as u32 - cd_start;
    u32le(&mut out, 0x0605_4b50);
    for v in [0, 0, entries.len() as u16, entries.len() as u16] {
        u16le(&mut out, v);
    }
    u32le(&mut out, cd_size);
    u32le(&mut out, cd_start);
    u16le(&mut out, 0);
    out
}

/// The workbook's parts as stored raw entries, with `extra` added.
fn raw_workbook(parts: Vec<(String, Vec<u8>)>, extra: Vec<RawEntry>) -> Vec<u8> {
    let mut entries: Vec<RawEntry> = parts.into_iter().map(|(n, d)| RawEntry::stored(&n, d)).collect();
    for e in extra {
        entries.retain(|x| x.name != e.name);
        entries.push(e);
    }
    raw_zip(&entries)
}

/// Writes DEFLATE bits: values least significant bit first, Huffman codes most significant first.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn code(&mut self, code: u32, len: u32) {
        self.put(code.reverse_bits() >> (32 - len), len);
    }

    fn literal(&mut self, b: u8) {
        if b < 144 { self.code(0x30 + u32::from(b), 8) } else { self.code(0x190 + u32::from(b) - 144, 9) }
    }
}

/// A zip bomb part, inflated: `prefix`, then `pattern` repeated, then `suffix`.
struct Bomb {
    data: Vec<u8>,
    size: u64,
    crc: u32,
}

/// A zip bomb part: `prefix`, then `pattern` repeated to at least `min_len` bytes, then `suffix`,
/// as one fixed-Huffman DEFLATE block in which each repeat of 258 bytes costs 13 bits (about
/// 1:160).
fn deflate_bomb(prefix: &[u8], pattern: &[u8], min_len: u64, suffix: &[u8]) -> Bomb {
    let p = pattern.len();
    assert!((1..=32768).contains(&p));
    // End on a whole pattern: the number of 258-byte copies must be a multiple of this.
    let step = p / gcd(p, 258);
    let copies = (min_len.div_ceil(258) as usize).div_ceil(step) * step;
    let mut bits = Bits { out: Vec::new(), acc: 0, n: 0 };
    bits.put(1, 1); // last block
    bits.put(1, 2); // fixed Huffman codes
    for &b in prefix.iter().chain(pattern) {
        bits.literal(b);
    }
    // Distance p: the symbol whose range holds p, then the extra bits.
    const BASES: [u32; 30] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ];
    let sym = BASES.iter().rposition(|&b| b <= p as u32).expect("a distance code") as u32;
    let extra = if sym < 4 { 0 } else { sym / 2 - 1 };
    for _ in 0..copies {
        bits.code(0xC5, 8); // length 258 (symbol 285)
        bits.code(sym, 5);
        bits.put(p as u32 - BASES[sym as usize], extra);
    }
    for &b in suffix {
        bits.literal(b);
    }
    bits.code(0, 7); // end of block
    bits.put(0, 7); // flush

    // The CRC of the inflated bytes, hashed a block of whole patterns at a time.
    let repeats = 1 + copies * 258 / p;
    let mut crc = crc32fast::Hasher::new();
    crc.update(prefix);
    let block = pattern.repeat((65536 / p).max(1));
    let per_block = block.len() / p;
    for _ in 0..repeats / per_block {
        crc.update(&block);
    }
    crc.update(&block[..(repeats % per_block) * p]);
    crc.update(suffix);
    let size = (prefix.len() + repeats * p + suffix.len()) as u64;
    Bomb { data: bits.out, size, crc: crc.finalize() }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A deflated entry declaring `declared` bytes, whatever the bomb really inflates to.
fn deflated(name: &str, bomb: Bomb, declared: u64) -> RawEntry {
    let declared = u32::try_from(declared).expect("a zip32 size");
    RawEntry { name: name.into(), method: 8, crc: bomb.crc, declared, data: bomb.data }
}

fn honest(name: &str, bomb: Bomb) -> RawEntry {
    let size = bomb.size;
    deflated(name, bomb, size)
}

fn sheet_bomb(min_len: u64) -> Bomb {
    let head = format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>"#);
    deflate_bomb(head.as_bytes(), b"<row/>", min_len, b"</sheetData></worksheet>")
}

// ---- The bomb builder itself --------------------------------------------------------------------

#[test]
fn bomb_builder_makes_real_deflate_and_a_readable_sheet() {
    // A small one through the zip crate: the builder writes valid DEFLATE, and the right CRC.
    let bomb = sheet_bomb(100_000);
    let head = format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>"#);
    let mut expected = head.into_bytes();
    while (expected.len() as u64) < bomb.size - 24 {
        expected.extend_from_slice(b"<row/>");
    }
    expected.extend_from_slice(b"</sheetData></worksheet>");
    assert_eq!(expected.len() as u64, bomb.size);
    assert_eq!(crc32fast::hash(&expected), bomb.crc);
    let bytes = raw_workbook(parts(String::new()), vec![honest("xl/worksheets/sheet1.xml", bomb)]);
    let mut zip = ZipArchive::new(Cursor::new(&bytes)).unwrap();
    let mut inflated = Vec::new();
    zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_end(&mut inflated).unwrap();
    assert_eq!(inflated, expected);
    // And calamine reads it: thousands of empty rows, no cells.
    assert_eq!(read_table("b.xlsx", &bytes).unwrap_err(), SheetError::EmptySheet);
}

#[test]
fn hand_built_workbook_reads() {
    let rows = format!(
        "<row r=\"1\">{}{}</row><row r=\"2\">{}<c r=\"B2\"><v>2019010101</v></c></row>",
        inline("A1", "学号"),
        inline("B1", "姓名"),
        inline("A2", "张三")
    );
    let t = read_table("a.xlsx", &zipped(&parts(sheet_xml("", &rows)))).unwrap();
    assert_eq!(t.headers, ["学号", "姓名"]);
    assert_eq!(t.rows, [["张三", "2019010101"]]);
}

// ---- Coordinates --------------------------------------------------------------------------------

#[test]
fn far_corner_cell_is_refused_before_anything_is_built() {
    // A1 and XFD1048576: a dense range would be 1048576 × 16384 cells.
    let rows =
        format!("<row r=\"1\">{}</row><row r=\"1048576\">{}</row>", inline("A1", "学号"), inline("XFD1048576", "x"));
    let bytes = zipped(&parts(sheet_xml("", &rows)));
    assert!(bytes.len() < 8 * 1024);
    let r = timed(|| read_table("a.xlsx", &bytes));
    assert_eq!(r.unwrap_err(), SheetError::SheetTooLarge { limit: format!("最多 {MAX_COLUMNS} 列") });

    // The same from a real writer.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "学号").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    assert!(is_too_large(&timed(|| read_table("a.xlsx", &bytes))));
}

#[test]
fn dimension_tag_claiming_the_whole_sheet_is_not_trusted() {
    let rows = format!(
        "<row r=\"1\">{}{}</row><row r=\"2\">{}</row>",
        inline("A1", "a"),
        inline("B1", "b"),
        inline("A2", "1")
    );
    let bytes = zipped(&parts(sheet_xml(r#"<dimension ref="A1:XFD1048576"/>"#, &rows)));
    let t = timed(|| read_table("a.xlsx", &bytes)).unwrap();
    assert_eq!(t.headers, ["a", "b"]);
    assert_eq!(t.rows, [["1", ""]]);
}

#[test]
fn formatted_but_empty_cells_far_away_are_ignored() {
    // Sheets formatted down to the last row carry styled empty cells there.
    let rows = format!(
        "<row r=\"1\">{}</row><row r=\"2\">{}</row><row r=\"1048576\"><c r=\"XFD1048576\" s=\"1\"/></row>",
        inline("A1", "学号"),
        inline("A2", "001")
    );
    let bytes = zipped(&parts(sheet_xml(r#"<dimension ref="A1:XFD1048576"/>"#, &rows)));
    let t = timed(|| read_table("a.xlsx", &bytes)).unwrap();
    assert_eq!(t.headers, ["学号"]);
    assert_eq!(t.rows, [["001"]]);
}

#[test]
fn columns_are_capped() {
    let build = |n: u16| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for c in 0..n {
            ws.write_string(0, c, format!("列{c}")).unwrap();
        }
        ws.write_string(1, 0, "x").unwrap();
        wb.save_to_buffer().unwrap()
    };
    let t = read_table("a.xlsx", &build(MAX_COLUMNS as u16)).unwrap();
    assert_eq!(t.headers.len(), MAX_COLUMNS);
    assert_eq!(t.rows[0].len(), MAX_COLUMNS);
    let r = read_table("a.xlsx", &build(300));
    assert_eq!(r.unwrap_err().to_string(), format!("工作表超过上限：最多 {MAX_COLUMNS} 列"));
}

#[test]
fn rows_and_cells_are_capped() {
    let two_cells = |far: &str| {
        let rows = format!("<row>{}</row><row>{}</row>", inline("A1", "h"), inline(far, "x"));
        zipped(&parts(sheet_xml("", &rows)))
    };
    // Header plus MAX_ROWS rows is fine, one more is not.
    let t = read_table("a.xlsx", &two_cells(&format!("A{}", MAX_ROWS + 1))).unwrap();
    assert_eq!(t.rows.len(), MAX_ROWS);
    assert_eq!(t.rows[MAX_ROWS - 1], ["x"]);
    assert_eq!(read_table("a.xlsx", &two_cells(&format!("A{}", MAX_ROWS + 2))).unwrap_err(), SheetError::TooManyRows);
    // 21 columns over every row: more cells than MAX_CELLS.
    let r = timed(|| read_table("a.xlsx", &two_cells(&format!("U{}", MAX_ROWS + 1))));
    assert_eq!(r.unwrap_err(), SheetError::SheetTooLarge { limit: format!("最多 {MAX_CELLS} 个单元格") });
}

#[test]
fn malformed_cell_references_do_not_unwind() {
    // A long run of column letters, or a row number past u32, overflows calamine's u32 arithmetic
    // while decoding the reference, and so does a reversed `<dimension>`: a panic in builds with
    // overflow checks (as this test build has), a wrapped number otherwise.
    let refused = || SheetError::BadXlsx("文件内容无法解析".into());
    for r in ["AAAAAAAAAAAAAAAAAAAAAA1", "A99999999999", "A4294967296"] {
        let rows = format!("<row>{}{}</row>", inline("A1", "h"), inline(r, "x"));
        let result = read_table("a.xlsx", &zipped(&parts(sheet_xml("", &rows))));
        if cfg!(debug_assertions) {
            assert_eq!(result.unwrap_err(), refused(), "{r}");
        }
    }
    let rows = format!("<row>{}</row>", inline("A1", "h"));
    let result = read_table("a.xlsx", &zipped(&parts(sheet_xml(r#"<dimension ref="B2:A1"/>"#, &rows))));
    if cfg!(debug_assertions) {
        assert_eq!(result.unwrap_err(), refused());
    }
}

// ---- Zip bombs and lying archives -------------------------------------------------------------

#[test]
fn sheet_zip_bomb_is_refused() {
    // 300 MB of `<row/>` in about 2 MB.
    let bomb = sheet_bomb(300 * 1024 * 1024);
    assert!(bomb.data.len() < 3 * 1024 * 1024 && bomb.size > MAX_UNZIPPED_PART_BYTES);
    let bytes = raw_workbook(parts(String::new()), vec![honest("xl/worksheets/sheet1.xml", bomb)]);
    let r = timed(|| read_table("a.xlsx", &bytes));
    assert_eq!(
        r.unwrap_err(),
        SheetError::SheetTooLarge {
            limit: format!("压缩包内单个文件解压后超过 {} MB", mb(MAX_UNZIPPED_PART_BYTES))
        }
    );
}

#[test]
fn entry_whose_declared_size_lies_is_refused() {
    // The same bomb declaring 4 KB: refused after inflating a little past what it declared (the
    // zip crate enforces the declared size; the reader's own cap is the backstop).
    let bomb = sheet_bomb(300 * 1024 * 1024);
    let bytes = raw_workbook(parts(String::new()), vec![deflated("xl/worksheets/sheet1.xml", bomb, 4096)]);
    let r = timed(|| read_table("a.xlsx", &bytes));
    assert!(matches!(r, Err(SheetError::BadXlsx(_) | SheetError::SheetTooLarge { .. })), "{r:?}");
    // A lie in a part calamine never opens is refused too: every entry is inflated.
    let bomb = deflate_bomb(b"", b"x", 10_000, b"");
    let rows = format!("<row>{}</row>", inline("A1", "h"));
    let bytes = raw_workbook(parts(sheet_xml("", &rows)), vec![deflated("docProps/custom.xml", bomb, 100)]);
    assert!(matches!(read_table("a.xlsx", &bytes), Err(SheetError::BadXlsx(_))));
}

#[test]
fn archive_total_is_capped() {
    // Two parts each under the part limit, together over the archive limit.
    let half = MAX_UNZIPPED_BYTES / 2 + 1024 * 1024;
    let mut extra = Vec::new();
    for name in ["xl/media/a.bin", "xl/media/b.bin"] {
        extra.push(honest(name, deflate_bomb(b"", b"\0", half, b"")));
    }
    let rows = format!("<row>{}</row>", inline("A1", "h"));
    let bytes = raw_workbook(parts(sheet_xml("", &rows)), extra);
    let r = timed(|| read_table("a.xlsx", &bytes));
    assert_eq!(
        r.unwrap_err(),
        SheetError::SheetTooLarge { limit: format!("解压后超过 {} MB", mb(MAX_UNZIPPED_BYTES)) }
    );
}

#[test]
fn too_many_entries_are_refused() {
    let mut p = parts(sheet_xml("", &format!("<row>{}</row>", inline("A1", "h"))));
    for i in 0..MAX_ZIP_ENTRIES {
        p.push((format!("x/{i}"), Vec::new()));
    }
    let r = timed(|| read_table("a.xlsx", &zipped(&p)));
    assert_eq!(r.unwrap_err(), SheetError::SheetTooLarge { limit: format!("压缩包内最多 {MAX_ZIP_ENTRIES} 个文件") });
}

// ---- Shared strings -----------------------------------------------------------------------------

fn with_shared_strings(sst: RawEntry, rows: &str) -> Vec<u8> {
    raw_workbook(parts(sheet_xml("", rows)), vec![sst])
}

#[test]
fn shared_strings_bomb_is_refused() {
    let head = format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}">"#);
    let bomb = deflate_bomb(head.as_bytes(), b"<si><t>xxxxxxxxxxxx</t></si>", 100 * 1024 * 1024, b"</sst>");
    let bytes = with_shared_strings(honest("xl/sharedStrings.xml", bomb), "");
    let r = timed(|| read_table("a.xlsx", &bytes));
    assert_eq!(
        r.unwrap_err(),
        SheetError::SheetTooLarge {
            limit: format!("共享字符串表解压后超过 {} MB", mb(MAX_SHARED_STRINGS_BYTES))
        }
    );
}

#[test]
fn shared_string_count_is_capped() {
    // 22 MB of `<si/>`: under the size limit, but more strings than MAX_SHARED_STRINGS.
    let head = format!(r#"<sst xmlns="{NS}">"#);
    let bomb = deflate_bomb(head.as_bytes(), b"<si/>", (MAX_SHARED_STRINGS as u64 + 100_000) * 5, b"</sst>");
    assert!(bomb.size < MAX_SHARED_STRINGS_BYTES);
    let bytes = with_shared_strings(honest("xl/sharedStrings.xml", bomb), "");
    let r = timed(|| read_table("a.xlsx", &bytes));
    assert_eq!(r.unwrap_err(), SheetError::SheetTooLarge { limit: format!("共享字符串超过 {MAX_SHARED_STRINGS} 条") });
}

#[test]
fn unique_count_claim_is_refused() {
    // calamine would reserve room for 10^14 strings (2.4 PB) from this attribute alone.
    let sst = format!(r#"<sst xmlns="{NS}" count="1" uniqueCount="100000000000000"><si><t>学号</t></si></sst>"#);
    let bytes = with_shared_strings(RawEntry::stored("xl/sharedStrings.xml", sst.into_bytes()), "");
    assert!(is_too_large(&timed(|| read_table("a.xlsx", &bytes))));
    // An honest table reads.
    let sst = format!(r#"<sst xmlns="{NS}" count="2" uniqueCount="2"><si><t>学号</t></si><si><t>2019</t></si></sst>"#);
    let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>"#;
    let bytes = with_shared_strings(RawEntry::stored("xl/sharedStrings.xml", sst.into_bytes()), rows);
    let t = read_table("a.xlsx", &bytes).unwrap();
    assert_eq!((t.headers, t.rows), (vec!["学号".to_owned()], vec![vec!["2019".to_owned()]]));
}

#[test]
fn one_shared_string_copied_into_many_cells_is_capped() {
    // 1 MB once in the table, 200 times in the sheet.
    let big = "字".repeat(350_000);
    let sst = format!(r#"<sst xmlns="{NS}"><si><t>h</t></si><si><t>{big}</t></si></sst>"#);
    let mut rows = String::from(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#);
    for r in 2..=201 {
        rows.push_str(&format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>1</v></c></row>"#));
    }
    let bytes = zipped(&{
        let mut p = parts(sheet_xml("", &rows));
        p.push(("xl/sharedStrings.xml".into(), sst.into_bytes()));
        p
    });
    let r = timed(|| read_table("a.xlsx", &bytes));
    assert_eq!(
        r.unwrap_err(),
        SheetError::SheetTooLarge {
            limit: format!("单元格文字合计超过 {} MB", mb(MAX_TABLE_TEXT_BYTES as u64))
        }
    );
}

// ---- Styles and the sheet list ------------------------------------------------------------------

#[test]
fn font_name_cloned_into_every_cell_format_is_refused() {
    // A 60 KB font name and a million cell formats using it: calamine clones the font into each
    // (60 GB). The part itself is 16 MB and inflates within every size limit.
    let name = "F".repeat(60 * 1024);
    let head =
        format!(r#"<styleSheet xmlns="{NS}"><fonts count="1"><font><name val="{name}"/></font></fonts><cellXfs>"#);
    let bomb = deflate_bomb(head.as_bytes(), br#"<xf fontId="0"/>"#, 16 * 1024 * 1024, b"</cellXfs></styleSheet>");
    let rows = format!("<row>{}</row>", inline("A1", "h"));
    let bytes = raw_workbook(parts(sheet_xml("", &rows)), vec![honest("xl/styles.xml", bomb)]);
    let r = timed(|| read_table("a.xlsx", &bytes));
    assert_eq!(
        r.unwrap_err(),
        SheetError::SheetTooLarge {
            limit: format!("工作簿元数据（样式、工作表目录等）估计超过 {} MB", mb(MAX_WORKBOOK_METADATA_BYTES))
        }
    );
}

#[test]
fn long_relationship_target_repeated_for_many_sheets_is_refused() {
    // Every `<sheet>` gets its own copy of the target's path.
    let target = "a".repeat(60 * 1024);
    let rels = format!(
        r#"<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="{target}"/></Relationships>"#
    );
    let head = format!(r#"<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>"#);
    let bomb =
        deflate_bomb(head.as_bytes(), br#"<sheet name="s" r:id="rId1"/>"#, 6 * 1024 * 1024, b"</sheets></workbook>");
    let mut p = parts(sheet_xml("", ""));
    replace(&mut p, "xl/_rels/workbook.xml.rels", rels.into_bytes());
    let bytes = raw_workbook(p, vec![honest("xl/workbook.xml", bomb)]);
    assert!(is_too_large(&timed(|| read_table("a.xlsx", &bytes))));
}

#[test]
fn relationship_flood_is_refused() {
    // 300 000 relationships in the workbook's relationship part: a map entry each in calamine.
    let head = format!(
        r#"<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>"#
    );
    let bomb =
        deflate_bomb(head.as_bytes(), br#"<Relationship Id="x" Target="t"/>"#, 300_000 * 34, b"</Relationships>");
    let rows = format!("<row>{}</row>", inline("A1", "h"));
    let bytes = raw_workbook(parts(sheet_xml("", &rows)), vec![honest("xl/_rels/workbook.xml.rels", bomb)]);
    let r = timed(|| read_table("a.xlsx", &bytes));
    assert_eq!(
        r.unwrap_err(),
        SheetError::SheetTooLarge {
            limit: format!("工作簿元数据（样式、工作表目录等）估计超过 {} MB", mb(MAX_WORKBOOK_METADATA_BYTES))
        }
    );
}

#[test]
fn overlong_tag_is_refused() {
    let target = "a".repeat(MAX_XML_TAG_BYTES as usize);
    let rels = format!(
        r#"<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="{target}"/></Relationships>"#
    );
    let mut p = parts(sheet_xml("", ""));
    replace(&mut p, "xl/_rels/workbook.xml.rels", rels.into_bytes());
    let r = read_table("a.xlsx", &zipped(&p));
    assert_eq!(
        r.unwrap_err(),
        SheetError::SheetTooLarge { limit: format!("单个 XML 标签超过 {} KB", MAX_XML_TAG_BYTES / 1024) }
    );
}

// ---- CSV ----------------------------------------------------------------------------------------

#[test]
fn csv_columns_and_cells_are_capped() {
    let line = |n: usize| vec!["x"; n].join(",");
    let ok = format!("{}\n{}\n", line(MAX_COLUMNS), line(3));
    let t = read_table("a.csv", ok.as_bytes()).unwrap();
    assert_eq!((t.headers.len(), t.rows[0].len()), (MAX_COLUMNS, 3));
    let wide = format!("a\n{}\n", line(MAX_COLUMNS + 1));
    assert_eq!(read_table("a.csv", wide.as_bytes()).unwrap_err().code(), "sheet_too_large");
    // The last record, without a line ending, is checked too.
    assert!(is_too_large(&read_table("a.csv", line(1000).as_bytes())));
    // 20 fields in each of MAX_ROWS + 1 records: 20 more cells than allowed.
    let row = format!("{}\n", line(20));
    let many = row.repeat(MAX_ROWS + 1);
    let r = timed(|| read_table("a.csv", many.as_bytes()));
    assert_eq!(r.unwrap_err(), SheetError::SheetTooLarge { limit: format!("最多 {MAX_CELLS} 个单元格") });
    assert_eq!(read_table("a.csv", "a\n".repeat(MAX_ROWS + 2).as_bytes()).unwrap_err(), SheetError::TooManyRows);
}

/// What the `csv` crate reads, as the reader used to call it.
fn csv_crate(text: &str) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    rdr.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

#[test]
fn csv_reads_as_the_csv_crate_does() {
    for text in [
        "a,b\n1,2\n",
        "a,\"b,c\"\r\n\"多\n行\",\"say \"\"hi\"\"\"\r\n",
        "\n\na\n\n,\n",
        "a,b,c\n1\n1,2,3,4\n",
        "x",
        "\"unterminated,quote\nand more",
    ] {
        assert_eq!(csv_records(text.as_bytes()).unwrap(), csv_crate(text), "{text:?}");
    }
}

// ---- Errors -------------------------------------------------------------------------------------

#[test]
fn every_error_has_a_stable_code() {
    let all = [
        (SheetError::Empty, "file_empty"),
        (SheetError::TooLarge, "file_too_large"),
        (SheetError::TooManyRows, "too_many_rows"),
        (SheetError::BadXlsx("x".into()), "bad_xlsx"),
        (SheetError::EmptySheet, "empty_sheet"),
        (SheetError::Binary, "binary_csv"),
        (SheetError::BadCsv { row: 1, reason: "x".into() }, "bad_csv"),
        (SheetError::UnknownType, "unknown_file_type"),
        (SheetError::Write("x".into()), "write_failed"),
        (SheetError::SheetTooLarge { limit: "最多 256 列".into() }, "sheet_too_large"),
    ];
    for (e, code) in all {
        assert_eq!(e.code(), code);
    }
    assert_eq!(SheetError::SheetTooLarge { limit: "最多 256 列".into() }.to_string(), "工作表超过上限：最多 256 列");
}

// ---- Properties ---------------------------------------------------------------------------------

/// What any table the reader returns must respect.
fn assert_within_limits(t: &Table) {
    assert!(!t.headers.is_empty());
    assert!(t.headers.len() <= MAX_COLUMNS);
    assert!(t.rows.len() <= MAX_ROWS);
    let mut cells = t.headers.len();
    for r in &t.rows {
        assert!(r.len() <= MAX_COLUMNS);
        cells += r.len();
    }
    assert!(cells <= MAX_CELLS);
}

/// Reads through the public entry point and, for .xlsx, also without the panic guard, so that a
/// panic anywhere (here, in zip or in calamine) fails the property instead of being refused.
fn read_both(name: &str, bytes: &[u8]) -> Result<Table, SheetError> {
    let guarded = read_table(name, bytes);
    if !bytes.is_empty() && bytes.len() <= MAX_FILE_BYTES && kind_of(name, bytes) == Ok(Kind::Xlsx) {
        let unguarded = read_xlsx_unguarded(bytes);
        assert_eq!(unguarded.as_ref().map(|t| (&t.headers, &t.rows)), guarded.as_ref().map(|t| (&t.headers, &t.rows)));
    }
    if let Ok(t) = &guarded {
        assert_within_limits(t);
    }
    guarded
}

fn template() -> &'static [u8] {
    static TEMPLATE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| roster_template_xlsx().unwrap())
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, m)| Mutation::Flip(i, m)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn coordinate() -> impl Strategy<Value = (u32, u16)> {
    // Mostly near the corner, sometimes anywhere on the sheet.
    (prop_oneof![3 => 0u32..40, 1 => 0u32..1_048_576], prop_oneof![3 => 0u16..20, 1 => 0u16..16_384])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        zip_magic in any::<bool>(),
        name in prop::sample::select(vec!["a.xlsx", "a.csv", "a", "a.txt"]),
    ) {
        let mut bytes = bytes;
        if zip_magic {
            bytes.splice(0..0, *b"PK\x03\x04");
        }
        let _ = read_both(name, &bytes);
    }

    #[test]
    fn damaged_template_never_panics(mutations in prop::collection::vec(mutation(), 1..8)) {
        let mut bytes = template().to_vec();
        for m in mutations {
            match m {
                Mutation::Flip(i, mask) => { let i = i % bytes.len(); bytes[i] ^= mask; }
                Mutation::Set(i, b) => { let i = i % bytes.len(); bytes[i] = b; }
                Mutation::Truncate(n) => { let n = n % bytes.len(); bytes.truncate(n.max(1)); }
            }
        }
        let _ = read_both("名单.xlsx", &bytes);
    }

}

fn cell_ref() -> impl Strategy<Value = String> {
    // Up to three letters and seven digits: within calamine's u32 arithmetic, anywhere on (or
    // past) the sheet.
    let col = prop_oneof![20 => "[A-E]", 1 => "[A-Z]{1,3}"];
    let row = prop_oneof![20 => 1u32..50, 1 => 1u32..10_000_000];
    (col, row).prop_map(|(col, row)| format!("{col}{row}"))
}

fn sheet_token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<row>".to_owned()),
        prop_oneof![20 => 1u32..50, 1 => 1u32..10_000_000].prop_map(|r| format!("<row r=\"{r}\">")),
        Just("</row>".to_owned()),
        Just("<c/>".to_owned()),
        (cell_ref(), "[a-z中]{0,4}").prop_map(|(r, t)| inline(&r, &t)),
        "[a-z中]{0,4}".prop_map(|t| format!(r#"<c t="inlineStr"><is><t>{t}</t></is></c>"#)),
        (cell_ref(), any::<f64>()).prop_map(|(r, v)| format!(r#"<c r="{r}"><v>{v}</v></c>"#)),
        (cell_ref(), 0u32..3).prop_map(|(r, i)| format!(r#"<c r="{r}" t="s"><v>{i}</v></c>"#)),
        (cell_ref(), any::<bool>()).prop_map(|(r, b)| format!(r#"<c r="{r}" t="b"><v>{}</v></c>"#, u8::from(b))),
        Just("garbage".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn odd_sheet_xml_never_panics(
        tokens in prop::collection::vec(sheet_token(), 0..32),
        dimension in prop::option::of(cell_ref()),
        shared in prop::bool::weighted(0.8),
    ) {
        let head = dimension.map(|d| format!(r#"<dimension ref="A1:{d}"/>"#)).unwrap_or_default();
        let mut p = parts(sheet_xml(&head, &tokens.concat()));
        if shared {
            let sst = format!(r#"<sst xmlns="{NS}" uniqueCount="2"><si><t>学号</t></si><si><r><t>a</t></r><r><t>b</t></r></si></sst>"#);
            p.push(("xl/sharedStrings.xml".into(), sst.into_bytes()));
        }
        let _ = read_both("a.xlsx", &zipped(&p));
    }
}

proptest! {
    // Fewer cases: each builds a workbook, and some read a dense table of millions of cells.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn workbooks_with_random_cells_read_within_limits(
        cells in prop::collection::vec((coordinate(), "[a-z0-9中文]{1,8}"), 1..24),
    ) {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let mut model = std::collections::BTreeMap::new();
        for ((r, c), text) in &cells {
            ws.write_string(*r, *c, text).unwrap();
            model.insert((*r, *c), text.clone());
        }
        let bytes = wb.save_to_buffer().unwrap();
        let result = read_both("a.xlsx", &bytes);
        let top = model.keys().map(|k| k.0).min().unwrap_or(0);
        let bottom = model.keys().map(|k| k.0).max().unwrap_or(0);
        let left = model.keys().map(|k| k.1).min().unwrap_or(0);
        let right = model.keys().map(|k| k.1).max().unwrap_or(0);
        let (height, width) = (u64::from(bottom - top) + 1, u64::from(right - left) + 1);
        if width <= MAX_COLUMNS as u64 && height <= MAX_ROWS as u64 + 1 && height * width <= MAX_CELLS as u64 {
            let t = result.unwrap();
            prop_assert_eq!(t.headers.len() as u64, width);
            prop_assert_eq!(t.rows.len() as u64 + 1, height);
            for ((r, c), text) in &model {
                let row = if *r == top { &t.headers } else { &t.rows[(*r - top - 1) as usize] };
                prop_assert_eq!(&row[usize::from(*c - left)], text);
            }
        } else {
            let refused = matches!(result, Err(SheetError::SheetTooLarge { .. } | SheetError::TooManyRows));
            prop_assert!(refused, "{:?}", result);
        }
    }

    #[test]
    fn csv_matches_the_csv_crate(text in "[a-c,\"\r\n ]{0,64}") {
        prop_assert_eq!(csv_records(text.as_bytes()).unwrap(), csv_crate(&text));
    }
}
