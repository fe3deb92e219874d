//! The backup archive: one file, written and read front to back, uncompressed (so that a scan
//! of its bytes sees everything in it).
//!
//! `JYBACKUP` and a format version (u32, big-endian), then entries: the name's length (u16), the
//! name (UTF-8, a relative path with `/`), the data's length (u64) and the data. An entry with
//! an empty name ends the archive, so a cut-off file is told apart from a complete one.

use std::io::{self, Read, Write};

const MAGIC: &[u8; 8] = b"JYBACKUP";
pub const VERSION: u32 = 1;
const MAX_NAME: usize = 4096;

fn invalid(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

/// Whether `name` is a relative path that stays inside the directory it is unpacked into.
pub fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.starts_with('/')
        && !name.contains('\\')
        && !name.contains('\0')
        && name.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

pub struct Writer<W: Write> {
    out: W,
}

impl<W: Write> Writer<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(MAGIC)?;
        out.write_all(&VERSION.to_be_bytes())?;
        Ok(Writer { out })
    }

    fn header(&mut self, name: &str, len: u64) -> io::Result<()> {
        if !safe_name(name) {
            return Err(invalid(format!("unsafe entry name {name:?}")));
        }
        let n = u16::try_from(name.len()).map_err(|_| invalid("entry name too long".into()))?;
        self.out.write_all(&n.to_be_bytes())?;
        self.out.write_all(name.as_bytes())?;
        self.out.write_all(&len.to_be_bytes())
    }

    pub fn add_bytes(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        self.header(name, data.len() as u64)?;
        self.out.write_all(data)
    }

    /// Adds `len` bytes read from `data` (which must hold at least that many).
    pub fn add_reader(&mut self, name: &str, len: u64, data: &mut impl Read) -> io::Result<()> {
        self.header(name, len)?;
        let copied = io::copy(&mut data.take(len), &mut self.out)?;
        if copied != len {
            return Err(invalid(format!("{name}: {copied} bytes instead of {len}")));
        }
        Ok(())
    }

    /// Writes the end marker and hands back the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(&0u16.to_be_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

pub struct Reader<R: Read> {
    inp: R,
    /// Bytes of the current entry not read yet.
    pending: u64,
}

impl<R: Read> Reader<R> {
    pub fn new(mut inp: R) -> io::Result<Self> {
        let mut head = [0u8; 12];
        inp.read_exact(&mut head).map_err(|_| invalid("not a jiuye backup (too short)".into()))?;
        if &head[..8] != MAGIC {
            return Err(invalid("not a jiuye backup".into()));
        }
        let version = u32::from_be_bytes([head[8], head[9], head[10], head[11]]);
        if version != VERSION {
            return Err(invalid(format!("backup format {version} is not supported (this jiuye reads {VERSION})")));
        }
        Ok(Reader { inp, pending: 0 })
    }

    /// The next entry's name and length; `None` at the end marker. Whatever was not read of the
    /// previous entry is skipped.
    pub fn next_entry(&mut self) -> io::Result<Option<(String, u64)>> {
        if self.pending > 0 {
            io::copy(&mut (&mut self.inp).take(self.pending), &mut io::sink())?;
            self.pending = 0;
        }
        let mut n = [0u8; 2];
        self.inp.read_exact(&mut n).map_err(|_| invalid("the backup is cut off".into()))?;
        let n = usize::from(u16::from_be_bytes(n));
        if n == 0 {
            return Ok(None);
        }
        let mut name = vec![0u8; n];
        self.inp.read_exact(&mut name).map_err(|_| invalid("the backup is cut off".into()))?;
        let name = String::from_utf8(name).map_err(|_| invalid("entry name is not UTF-8".into()))?;
        if !safe_name(&name) {
            return Err(invalid(format!("unsafe entry name {name:?}")));
        }
        let mut len = [0u8; 8];
        self.inp.read_exact(&mut len).map_err(|_| invalid("the backup is cut off".into()))?;
        self.pending = u64::from_be_bytes(len);
        Ok(Some((name, self.pending)))
    }

    /// Copies the current entry's data to `out`.
    pub fn copy_to(&mut self, out: &mut impl Write) -> io::Result<u64> {
        let want = self.pending;
        let got = io::copy(&mut (&mut self.inp).take(want), out)?;
        self.pending = 0;
        if got != want {
            return Err(invalid("the backup is cut off".into()));
        }
        Ok(got)
    }

    /// The current entry's data, for small entries (refused over `limit` bytes).
    pub fn read_vec(&mut self, limit: u64) -> io::Result<Vec<u8>> {
        if self.pending > limit {
            return Err(invalid(format!("entry of {} bytes is larger than expected", self.pending)));
        }
        let mut v = Vec::new();
        self.copy_to(&mut v)?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_in_order() {
        let mut w = Writer::new(Vec::new()).unwrap();
        w.add_bytes("manifest.json", b"{}").unwrap();
        w.add_reader("files/evidence/a.bin", 3, &mut &b"abcdef"[..]).unwrap();
        w.add_bytes("files/empty", b"").unwrap();
        let bytes = w.finish().unwrap();
        let mut r = Reader::new(&bytes[..]).unwrap();
        assert_eq!(r.next_entry().unwrap(), Some(("manifest.json".into(), 2)));
        // An entry left unread is skipped.
        assert_eq!(r.next_entry().unwrap(), Some(("files/evidence/a.bin".into(), 3)));
        assert_eq!(r.next_entry().unwrap(), Some(("files/empty".into(), 0)));
        assert_eq!(r.read_vec(10).unwrap(), b"");
        assert_eq!(r.next_entry().unwrap(), None);

        let mut r = Reader::new(&bytes[..]).unwrap();
        r.next_entry().unwrap();
        assert_eq!(r.read_vec(10).unwrap(), b"{}");
        r.next_entry().unwrap();
        let mut out = Vec::new();
        r.copy_to(&mut out).unwrap();
        assert_eq!(out, b"abc");
    }

    #[test]
    fn cut_off_foreign_and_escaping_archives_are_refused() {
        let mut w = Writer::new(Vec::new()).unwrap();
        w.add_bytes("database/jiuye.db", b"0123456789").unwrap();
        let bytes = w.finish().unwrap();
        let cut = &bytes[..bytes.len() - 4];
        let mut r = Reader::new(cut).unwrap();
        r.next_entry().unwrap();
        assert!(r.copy_to(&mut Vec::new()).is_err());
        let no_end = &bytes[..bytes.len() - 2];
        let mut r = Reader::new(no_end).unwrap();
        r.next_entry().unwrap();
        assert!(r.next_entry().is_err(), "a missing end marker is an error, not the end");
        assert!(Reader::new(&b"PK\x03\x04 not ours"[..]).is_err());
        for bad in ["../etc/passwd", "/etc/passwd", "files/../../x", "a//b", "a\\b", ""] {
            assert!(!safe_name(bad), "{bad}");
            assert!(Writer::new(Vec::new()).unwrap().add_bytes(bad, b"").is_err());
        }
        // A crafted archive naming a path outside is refused when read.
        let mut crafted = b"JYBACKUP\0\0\0\x01".to_vec();
        crafted.extend_from_slice(&5u16.to_be_bytes());
        crafted.extend_from_slice(b"../x\0");
        crafted.extend_from_slice(&0u64.to_be_bytes());
        assert!(Reader::new(&crafted[..]).unwrap().next_entry().is_err());
    }
}
