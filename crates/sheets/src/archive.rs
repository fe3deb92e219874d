//! Measuring an uploaded .xlsx (a zip archive) before calamine opens it.
//!
//! calamine trusts the archive. `Xlsx::new` inflates and parses the relationship parts (a map
//! entry per relationship), the shared-string table (reserving capacity from its `uniqueCount`
//! attribute before reading a single string), the styles (a clone of a font name and of a number
//! format for every cell format) and the workbook (a path string per sheet, built from two
//! relationship targets). A small archive can make any of these enormous, and the last two grow
//! with the product of two things in the file. So every entry is inflated here first, through a
//! cap, and its bytes run through a scanner that counts the start tags calamine turns into records
//! and measures the tags it copies strings out of. Nothing is kept: the memory used here is one
//! read buffer, whatever the archive holds.
//!
//! The scanner deliberately over-counts. It looks at every `<` in every entry, inside comments,
//! attribute values and binary parts too, so whatever quick-xml would report as a start tag is
//! counted however the file tries to confuse a tokenizer.

use std::io::{Cursor, ErrorKind, Read};

use zip::ZipArchive;

use crate::{
    MAX_SHARED_STRINGS, MAX_SHARED_STRINGS_BYTES, MAX_UNZIPPED_BYTES, MAX_UNZIPPED_PART_BYTES,
    MAX_WORKBOOK_METADATA_BYTES, MAX_XML_TAG_BYTES, MAX_ZIP_ENTRIES, SheetError, mb, too_large,
};

/// Checks the archive's entry count, the declared and the actual inflated size of every entry, the
/// shared-string table, and the records calamine builds from the workbook's relationships, styles,
/// sheet list and defined names.
pub(crate) fn inspect(bytes: &[u8]) -> Result<(), SheetError> {
    // Every central-directory record zip indexes starts with this signature, so counting it bounds
    // the entries before zip allocates anything for them.
    if memchr::memmem::find_iter(bytes, b"PK\x01\x02").count() > MAX_ZIP_ENTRIES {
        return Err(too_many_entries());
    }
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad_zip(&e))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(too_many_entries());
    }

    // The declared sizes first: a cheap refusal for honest archives that are simply too big.
    let mut declared = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_data(i).map_err(|e| bad_zip(&e))?;
        let limit = part_limit(entry.name_raw());
        if entry.size() > limit.bytes {
            return Err(limit.refusal());
        }
        declared = declared.saturating_add(entry.size());
        if declared > MAX_UNZIPPED_BYTES {
            return Err(total_refusal());
        }
    }

    // Then the real sizes, by inflating every entry; the declared ones may lie.
    let mut census = Census::default();
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let file = zip.by_index(i).map_err(|e| bad_zip(&e))?;
        let limit = part_limit(file.name_raw());
        scan_entry(file, limit, &mut total, &mut census, &mut buf)?;
    }
    Ok(())
}

/// The most one entry may inflate to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PartLimit {
    bytes: u64,
    shared_strings: bool,
}

impl PartLimit {
    fn refusal(self) -> SheetError {
        if self.shared_strings {
            too_large(format!("共享字符串表解压后超过 {} MB", mb(self.bytes)))
        } else {
            too_large(format!("压缩包内单个文件解压后超过 {} MB", mb(self.bytes)))
        }
    }
}

/// calamine opens `{dir}sharedStrings.xml`, matching names without regard to ASCII case and with
/// `\` read as `/`; any entry it could open that way gets the shared-string limit.
fn part_limit(name: &[u8]) -> PartLimit {
    let file = name.rsplit(|b| *b == b'/' || *b == b'\\').next().unwrap_or(name);
    if file.eq_ignore_ascii_case(b"sharedStrings.xml") {
        PartLimit { bytes: MAX_SHARED_STRINGS_BYTES, shared_strings: true }
    } else {
        PartLimit { bytes: MAX_UNZIPPED_PART_BYTES, shared_strings: false }
    }
}

fn too_many_entries() -> SheetError {
    too_large(format!("压缩包内最多 {MAX_ZIP_ENTRIES} 个文件"))
}

fn total_refusal() -> SheetError {
    too_large(format!("解压后超过 {} MB", mb(MAX_UNZIPPED_BYTES)))
}

fn bad_zip(e: &zip::result::ZipError) -> SheetError {
    SheetError::BadXlsx(format!("压缩包无法读取：{e}"))
}

/// Inflates one entry through a cap (never more than `limit + 1` bytes are asked of it), adding to
/// the archive's running `total` and feeding the scanner. Reading to the end also makes zip check
/// the entry's CRC, so a damaged entry is refused here.
pub(crate) fn scan_entry(
    reader: impl Read,
    limit: PartLimit,
    total: &mut u64,
    census: &mut Census,
    buf: &mut [u8],
) -> Result<u64, SheetError> {
    let mut reader = reader.take(limit.bytes.saturating_add(1));
    let mut scanner = TagScanner::new(census);
    let mut size = 0u64;
    loop {
        let n = match reader.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(SheetError::BadXlsx(format!("压缩包内的文件无法解压：{e}"))),
        };
        size += n as u64;
        *total = total.saturating_add(n as u64);
        if size > limit.bytes {
            return Err(limit.refusal());
        }
        if *total > MAX_UNZIPPED_BYTES {
            return Err(total_refusal());
        }
        scanner.feed(&buf[..n])?;
    }
    Ok(size)
}

/// Tags whose length is measured: calamine copies strings out of their attributes.
#[derive(Clone, Copy)]
enum Span {
    /// `<Relationship Target=…>`: the workbook's directory and every sheet's path.
    Rel,
    /// `<sheet name=…>`: every sheet's name, twice.
    Sheet,
    /// `<name val=…>` (a font name) and `<numFmt formatCode=…>`: cloned into every cell format.
    StyleText,
    /// `<sst uniqueCount=…>`: calamine reserves that many strings up front.
    Sst,
}

const SPANS: usize = 4;

/// Start tags counted in one entry. calamine reads each kind of record from one part (the shared
/// strings, the styles, the workbook, its relationships), so the largest count in any one entry
/// bounds what it builds, whichever entry that part turns out to be.
#[derive(Default, Debug, Clone, Copy)]
struct Counts {
    /// `<si>`: one string each in the shared-string table.
    shared_strings: u64,
    /// `<numFmt>`, `<font>`, `<fill>`, `<border>` and `<xf>`: one style record each.
    style_records: u64,
    /// `<sheet>`: one entry each in the sheet list.
    sheets: u64,
    /// `<Relationship>`: one map entry of three strings each.
    relationships: u64,
    /// `<definedName>`: one name and formula each.
    defined_names: u64,
}

/// What the scan of all entries found.
#[derive(Default, Debug)]
pub(crate) struct Census {
    /// The largest count of each kind in any one entry.
    most: Counts,
    /// The longest tag of each measured kind (except `Sst`) in any entry, in bytes.
    longest: [u64; SPANS],
}

impl Census {
    /// Refuses a workbook whose styles, sheet list, relationships and defined names would need
    /// too much memory in calamine: every cell format holds a clone of a font name and of a
    /// number format, every sheet its name twice and a path made of two relationship targets,
    /// every relationship and defined name a map or list entry of its own. The strings read
    /// straight from the XML are bounded by the part's size and not counted. The estimate only
    /// grows, so it is checked whenever it does, and the archive refused as soon as it passes the
    /// limit.
    fn check(&self) -> Result<(), SheetError> {
        let longest = |s: Span| self.longest[s as usize];
        let per_style =
            (std::mem::size_of::<calamine::Style>() as u64).saturating_add(2 * longest(Span::StyleText) + 64);
        let per_sheet = 2 * longest(Span::Rel) + 2 * longest(Span::Sheet) + 256;
        let estimate = [
            self.most.style_records.saturating_mul(per_style),
            self.most.sheets.saturating_mul(per_sheet),
            self.most.relationships.saturating_mul(256),
            self.most.defined_names.saturating_mul(128),
        ]
        .iter()
        .fold(0u64, |sum, x| sum.saturating_add(*x));
        if estimate > MAX_WORKBOOK_METADATA_BYTES {
            return Err(too_large(format!(
                "工作簿元数据（样式、工作表目录等）估计超过 {} MB",
                mb(MAX_WORKBOOK_METADATA_BYTES)
            )));
        }
        Ok(())
    }
}

/// The name after a `<`, as far as it matters: the part after the first colon (quick-xml's local
/// name), at most 16 bytes of it.
struct Naming {
    start: u64,
    buf: [u8; 16],
    len: usize,
    overflow: bool,
    colon: bool,
}

/// A quick-xml start tag ends at the first `>` outside single or double quotes. For each measured
/// kind there are three slots, one per quote state (outside, in `'…'`, in `"…"`), each holding the
/// earliest start of a tag of that kind still open in that state: two tags that reach the same
/// state end at the same `>`, so the earlier one is the longer and the later can be dropped.
type Slots = [Option<u64>; 3];

pub(crate) struct TagScanner<'c> {
    census: &'c mut Census,
    /// This entry's counts.
    counts: Counts,
    pos: u64,
    naming: Option<Naming>,
    spans: [Slots; SPANS],
    open: bool,
    digits: u64,
}

impl<'c> TagScanner<'c> {
    pub(crate) fn new(census: &'c mut Census) -> Self {
        TagScanner {
            census,
            counts: Counts::default(),
            pos: 0,
            naming: None,
            spans: [[None; 3]; SPANS],
            open: false,
            digits: 0,
        }
    }

    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Result<(), SheetError> {
        let mut i = 0;
        while i < chunk.len() {
            if self.naming.is_none() && !self.open {
                // Nothing in progress: skip to the next `<`.
                match memchr::memchr(b'<', &chunk[i..]) {
                    Some(skip) => {
                        i += skip;
                        self.pos += skip as u64;
                    }
                    None => {
                        self.pos += (chunk.len() - i) as u64;
                        return Ok(());
                    }
                }
            }
            self.step(chunk[i])?;
            i += 1;
            self.pos += 1;
        }
        Ok(())
    }

    fn step(&mut self, b: u8) -> Result<(), SheetError> {
        if b == b'<' {
            // A `<` always starts a new name, even inside another tag or a comment.
            self.naming = Some(Naming { start: self.pos, buf: [0; 16], len: 0, overflow: false, colon: false });
        } else if let Some(n) = &mut self.naming {
            if matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/') {
                let start = n.start;
                let local = if n.overflow { None } else { Some((n.buf, n.len)) };
                self.naming = None;
                if let Some((buf, len)) = local {
                    self.classify(&buf[..len], start)?;
                }
            } else if b == b':' && !n.colon {
                n.colon = true;
                n.len = 0;
                n.overflow = false;
            } else if n.len < n.buf.len() {
                n.buf[n.len] = b;
                n.len += 1;
            } else {
                n.overflow = true;
            }
        }
        if self.open {
            self.advance(b)?;
        }
        Ok(())
    }

    fn classify(&mut self, local: &[u8], start: u64) -> Result<(), SheetError> {
        match local {
            b"si" => {
                self.counts.shared_strings += 1;
                if self.counts.shared_strings > MAX_SHARED_STRINGS as u64 {
                    return Err(too_many_shared_strings());
                }
            }
            b"sst" => self.open_span(Span::Sst, start),
            b"Relationship" => {
                self.counts.relationships += 1;
                self.open_span(Span::Rel, start);
            }
            b"sheet" => {
                self.counts.sheets += 1;
                self.open_span(Span::Sheet, start);
            }
            b"definedName" => self.counts.defined_names += 1,
            b"name" => self.open_span(Span::StyleText, start),
            b"numFmt" => {
                self.counts.style_records += 1;
                self.open_span(Span::StyleText, start);
            }
            b"font" | b"fill" | b"border" | b"xf" => self.counts.style_records += 1,
            _ => return Ok(()),
        }
        let (c, most) = (&self.counts, &mut self.census.most);
        most.style_records = most.style_records.max(c.style_records);
        most.sheets = most.sheets.max(c.sheets);
        most.relationships = most.relationships.max(c.relationships);
        most.defined_names = most.defined_names.max(c.defined_names);
        self.census.check()
    }

    fn open_span(&mut self, kind: Span, start: u64) {
        let slot = &mut self.spans[kind as usize][0];
        *slot = Some(slot.map_or(start, |s| s.min(start)));
        self.open = true;
    }

    /// Moves every open tag past byte `b` (the byte that completed a name included).
    fn advance(&mut self, b: u8) -> Result<(), SheetError> {
        let sst_open = self.spans[Span::Sst as usize].iter().any(Option::is_some);
        let mut open = false;
        for kind in 0..SPANS {
            let [outside, single, double] = self.spans[kind];
            let mut next: Slots = [None; 3];
            let mut put = |state: usize, start: u64| {
                next[state] = Some(next[state].map_or(start, |s: u64| s.min(start)));
            };
            if let Some(start) = outside {
                match b {
                    b'>' => {
                        let len = self.pos - start + 1;
                        if len > self.census.longest[kind] {
                            self.census.longest[kind] = len;
                            self.census.check()?;
                        }
                    }
                    b'\'' => put(1, start),
                    b'"' => put(2, start),
                    _ => put(0, start),
                }
            }
            if let Some(start) = single {
                put(if b == b'\'' { 0 } else { 1 }, start);
            }
            if let Some(start) = double {
                put(if b == b'"' { 0 } else { 2 }, start);
            }
            for start in next.iter().flatten() {
                if self.pos - start + 1 > MAX_XML_TAG_BYTES {
                    return Err(too_large(format!("单个 XML 标签超过 {} KB", MAX_XML_TAG_BYTES / 1024)));
                }
                open = true;
            }
            self.spans[kind] = next;
        }
        self.open = open;
        // Any number inside an `<sst>` tag may be the `uniqueCount` calamine reserves from (it
        // skips leading zeros; so does this).
        if sst_open && b.is_ascii_digit() {
            self.digits = self.digits.saturating_mul(10).saturating_add(u64::from(b - b'0'));
            if self.digits > MAX_SHARED_STRINGS as u64 {
                return Err(too_many_shared_strings());
            }
        } else {
            self.digits = 0;
        }
        Ok(())
    }
}

fn too_many_shared_strings() -> SheetError {
    too_large(format!("共享字符串超过 {MAX_SHARED_STRINGS} 条"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scans one entry, fed in small pieces so that names and tags straddle chunk boundaries.
    fn scan(part: &[u8]) -> Result<(Counts, Census), SheetError> {
        let mut census = Census::default();
        let mut scanner = TagScanner::new(&mut census);
        for piece in part.chunks(3) {
            scanner.feed(piece)?;
        }
        let counts = scanner.counts;
        Ok((counts, census))
    }

    #[test]
    fn start_tags_are_counted_wherever_they_are() {
        let (c, _) = scan(b"<sst><si><t>a</t></si><x:si/><!-- <si> --><a b='<si>'/><si\n/><six/><sis></sst>").unwrap();
        // Over-counted on purpose: the `<si>` in the comment and in the attribute count too.
        assert_eq!(c.shared_strings, 5);
        let styles =
            b"<styleSheet><fonts><font><name val=\"Calibri\"/></font></fonts><cellXfs><xf/><xf></xf></cellXfs>";
        let (c, census) = scan(styles).unwrap();
        assert_eq!(c.style_records, 3);
        assert_eq!(census.longest[Span::StyleText as usize], b"<name val=\"Calibri\"/>".len() as u64);
        let (c, census) =
            scan(b"<sheets><sheet name=\"s\" r:id=\"rId1\"/><sheetPr/><x:sheet/></sheets><definedName/>").unwrap();
        assert_eq!((c.sheets, c.defined_names), (2, 1));
        assert_eq!(census.longest[Span::Sheet as usize], b"<sheet name=\"s\" r:id=\"rId1\"/>".len() as u64);
    }

    #[test]
    fn counts_are_the_largest_in_any_one_entry() {
        let mut census = Census::default();
        for part in [
            &b"<Relationship/><Relationship/>"[..],
            b"<Relationship/><Relationship/><Relationship/>",
            b"<Relationship/>",
        ] {
            TagScanner::new(&mut census).feed(part).unwrap();
        }
        assert_eq!(census.most.relationships, 3);
    }

    #[test]
    fn tag_length_follows_quotes_like_quick_xml() {
        let (_, c) = scan(b"<Relationship Target=\"a>b'c\" Id='x\">y'/><Relationship/>").unwrap();
        assert_eq!(c.longest[Span::Rel as usize], b"<Relationship Target=\"a>b'c\" Id='x\">y'/>".len() as u64);
        // A long prefix does not hide the local name.
        let (_, c) = scan(b"<averyveryverylongprefix:Relationship Target='t'/>").unwrap();
        assert_eq!(c.longest[Span::Rel as usize], 50);
    }

    #[test]
    fn unclosed_or_huge_tags_are_refused() {
        let mut long = b"<Relationship Target='".to_vec();
        long.extend(std::iter::repeat_n(b'a', MAX_XML_TAG_BYTES as usize));
        assert!(matches!(scan(&long), Err(SheetError::SheetTooLarge { .. })));
    }

    #[test]
    fn unique_count_is_checked_before_calamine_reserves_it() {
        assert!(scan(b"<sst count=\"3\" uniqueCount=\"0000004000000\">").is_ok());
        assert!(matches!(scan(b"<sst count=\"3\" uniqueCount=\"4000001\">"), Err(SheetError::SheetTooLarge { .. })));
        let many = b"<x:sst uniqueCount='99999999999999999999999999'>";
        assert!(matches!(scan(many), Err(SheetError::SheetTooLarge { .. })));
    }

    #[test]
    fn inflating_stops_one_byte_past_the_limit() {
        // An endless entry: the cap, not the entry, ends the read.
        let limit = PartLimit { bytes: 1024 * 1024, shared_strings: false };
        let mut census = Census::default();
        let mut total = 0;
        let mut buf = vec![0u8; 4096];
        let err = scan_entry(std::io::repeat(b' '), limit, &mut total, &mut census, &mut buf).unwrap_err();
        assert!(matches!(err, SheetError::SheetTooLarge { .. }));
        assert!(total <= limit.bytes + buf.len() as u64);
        let mut total = MAX_UNZIPPED_BYTES - 10;
        let err = scan_entry(&b"0123456789abcdef"[..], limit, &mut total, &mut census, &mut buf).unwrap_err();
        assert_eq!(err, total_refusal());
    }

    #[test]
    fn shared_strings_limit_applies_to_every_name_calamine_could_open() {
        for name in
            [&b"xl/sharedStrings.xml"[..], b"XL\\SHAREDSTRINGS.XML", b"a/b/sharedstrings.xml", b"sharedStrings.xml"]
        {
            assert_eq!(part_limit(name).bytes, MAX_SHARED_STRINGS_BYTES);
        }
        assert_eq!(part_limit(b"xl/worksheets/sheet1.xml").bytes, MAX_UNZIPPED_PART_BYTES);
    }
}
