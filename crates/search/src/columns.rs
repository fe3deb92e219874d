//! What a search reads of each match, laid out per segment in plain arrays when the segment is
//! first seen: deadline, scope and creation time, and every facet's value ordinals (the
//! single-valued facets packed into one word per posting). One pass over the matches then
//! checks visibility, counts and ranks with a few array reads per match.
//!
//! Segments never change once written, so their arrays are kept until the segment leaves the
//! index; what depends on deletions or on the date (the counts per scope for searches without
//! words) is keyed by both.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use tantivy::index::SegmentId;
use tantivy::{DocId, SegmentReader};

use crate::{Facet, Result, SearchError};

/// Where a single-valued facet sits in a posting's packed word.
#[derive(Clone, Copy, Debug)]
struct Slot {
    facet: usize,
    shift: u32,
    mask: u64,
}

/// A facet with several values per posting: the values of posting `d` are
/// `values[offsets[d]..offsets[d + 1]]` (each an ordinal plus one). They are also packed into
/// the posting's row when they fit (see [`Row::multi`]), `width` bits each.
struct Multi {
    facet: usize,
    offsets: Vec<u32>,
    values: Vec<u32>,
    width: u32,
    mask: u64,
}

/// A row whose multi-valued facets did not fit in its word: read them from the lists.
const SPILLED: u64 = u64::MAX;

/// The counts of one scope's open postings in a segment, for searches without words.
pub(crate) struct ScopeCounts {
    /// Per scope ordinal plus one: how many open postings.
    pub totals: Vec<u32>,
    /// Per facet: `counts[scope * width + value]`, the value being an ordinal plus one.
    pub facets: Vec<Vec<u32>>,
}

/// What a match is checked, counted and ranked by, together and aligned so that one memory
/// read (half a cache line) brings it all.
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Row {
    /// The single-valued facets, packed.
    word: u64,
    /// The multi-valued facets' values, packed: for each such facet in turn its values
    /// (ordinal plus one, that facet's width each) then a zero; [`SPILLED`] when they do not
    /// fit in 64 bits.
    multi: u64,
    /// Milliseconds since the epoch it was created.
    created: i64,
    /// YYYYMMDD of the deadline.
    deadline: u32,
    /// The scope's ordinal plus one (0: none).
    scope: u32,
}

/// Matches are checked this many at a time: their rows are read in one pass, so that the reads
/// overlap instead of each waiting for memory in turn, then counted and ranked.
pub(crate) const BATCH: usize = 64;

/// One segment's arrays.
pub(crate) struct SegmentData {
    rows: Vec<Row>,
    /// Scope (organisation id text) → ordinal plus one.
    scope_ords: HashMap<String, u32>,
    slots: Vec<Slot>,
    multi: Vec<Multi>,
    /// Per facet (in `Facet::ALL` order): the text of each ordinal plus one (index 0 unused).
    pub terms: Vec<Vec<String>>,
    /// Document ids, newest first.
    pub newest: Vec<DocId>,
    /// The counts per scope, for (today, deleted documents) at which they were made.
    by_scope: Mutex<Option<(u64, u32, Arc<ScopeCounts>)>>,
}

fn bits_for(n: usize) -> u32 {
    usize::BITS - n.leading_zeros()
}

impl SegmentData {
    pub fn build(seg: &SegmentReader) -> Result<SegmentData> {
        let n = seg.max_doc() as usize;
        let ff = seg.fast_fields();
        let deadline_col = ff.u64("deadline")?.first_or_default_col(0);
        let created_col = ff.i64("created")?.first_or_default_col(0);
        let deadline: Vec<u32> =
            (0..n).map(|d| u32::try_from(deadline_col.get_val(d as DocId)).unwrap_or(u32::MAX)).collect();
        let created: Vec<i64> = (0..n).map(|d| created_col.get_val(d as DocId)).collect();
        let mut scope = vec![0u32; n];
        let mut scope_ords = HashMap::new();
        if let Some(col) = ff.str("scope")? {
            for ord in 0..col.num_terms() {
                let mut s = String::new();
                if col.ord_to_str(ord as u64, &mut s).map_err(|e| SearchError(e.to_string()))? {
                    scope_ords.insert(s, ord as u32 + 1);
                }
            }
            for (d, slot) in scope.iter_mut().enumerate() {
                if let Some(o) = col.term_ords(d as DocId).next() {
                    *slot = o as u32 + 1;
                }
            }
        }
        let mut packed = vec![0u64; n];
        let mut slots = Vec::new();
        let mut multi = Vec::new();
        let mut terms = Vec::with_capacity(Facet::ALL.len());
        let mut used_bits = 0u32;
        for (fi, f) in Facet::ALL.into_iter().enumerate() {
            let Some(col) = ff.str(f.name())? else {
                terms.push(vec![String::new()]);
                continue;
            };
            let mut names = vec![String::new()];
            for ord in 0..col.num_terms() {
                let mut s = String::new();
                col.ord_to_str(ord as u64, &mut s).map_err(|e| SearchError(e.to_string()))?;
                names.push(s);
            }
            let width = bits_for(names.len());
            let mut offsets = Vec::with_capacity(n + 1);
            let mut values = Vec::with_capacity(n);
            let mut single = true;
            offsets.push(0u32);
            for d in 0..n {
                let before = values.len();
                values.extend(col.term_ords(d as DocId).map(|o| o as u32 + 1));
                single &= values.len() - before <= 1;
                offsets.push(values.len() as u32);
            }
            if single && used_bits + width <= 64 {
                let shift = used_bits;
                for d in 0..n {
                    if offsets[d + 1] > offsets[d] {
                        packed[d] |= u64::from(values[offsets[d] as usize]) << shift;
                    }
                }
                slots.push(Slot { facet: fi, shift, mask: (1u64 << width) - 1 });
                used_bits += width;
            } else {
                multi.push(Multi { facet: fi, offsets, values, width, mask: (1u64 << width) - 1 });
            }
            terms.push(names);
        }
        let mut newest: Vec<DocId> = (0..n as DocId).collect();
        newest.sort_by(|a, b| created[*b as usize].cmp(&created[*a as usize]).then(a.cmp(b)));
        let rows = (0..n)
            .map(|d| Row {
                word: packed[d],
                multi: pack_multi(&multi, d),
                created: created[d],
                deadline: deadline[d],
                scope: scope[d],
            })
            .collect();
        Ok(SegmentData { rows, scope_ords, slots, multi, terms, newest, by_scope: Mutex::new(None) })
    }

    /// Per scope ordinal plus one: whether it is one of `scopes`.
    pub fn allowed(&self, scopes: &[String]) -> Vec<bool> {
        let mut allowed = vec![false; self.scope_ords.len() + 1];
        for s in scopes {
            if let Some(o) = self.scope_ords.get(s) {
                allowed[*o as usize] = true;
            }
        }
        allowed
    }

    /// Whether posting `d` is open on `today` in one of the `allowed` scopes.
    #[inline]
    pub fn visible(&self, d: DocId, today: u32, allowed: &[bool]) -> bool {
        let r = &self.rows[d as usize];
        // Both sides are evaluated: no branch on the row, so batched reads stay in flight.
        (r.deadline >= today) & allowed[r.scope as usize]
    }

    /// For each of `docs` (at most [`BATCH`]), whether it is alive and visible. The rows are
    /// read in one pass without branching on them, so the processor can have many reads in
    /// flight.
    #[inline]
    pub fn visible_batch(
        &self,
        docs: &[DocId],
        today: u32,
        allowed: &[bool],
        alive: Option<&tantivy::fastfield::AliveBitSet>,
    ) -> [bool; BATCH] {
        let mut out = [false; BATCH];
        for (o, &d) in out.iter_mut().zip(docs) {
            *o = self.visible(d, today, allowed);
        }
        if let Some(a) = alive {
            for (o, &d) in out.iter_mut().zip(docs) {
                *o &= a.is_alive(d);
            }
        }
        out
    }

    /// When posting `d` was created (ms since the epoch).
    #[inline]
    pub fn created(&self, d: DocId) -> i64 {
        self.rows[d as usize].created
    }

    /// Fresh counters, one per facet value (index 0: no value).
    pub fn counters(&self) -> Vec<Vec<u32>> {
        self.terms.iter().map(|t| vec![0; t.len()]).collect()
    }

    /// Counts the facet values of posting `d`.
    #[inline]
    pub fn count(&self, d: DocId, counts: &mut [Vec<u32>]) {
        let d = d as usize;
        let word = self.rows[d].word;
        for s in &self.slots {
            counts[s.facet][((word >> s.shift) & s.mask) as usize] += 1;
        }
        let inline = self.rows[d].multi;
        if inline != SPILLED {
            unpack_multi(&self.multi, inline, |facet, v| counts[facet][v] += 1);
            return;
        }
        for m in &self.multi {
            for v in &m.values[m.offsets[d] as usize..m.offsets[d + 1] as usize] {
                counts[m.facet][*v as usize] += 1;
            }
        }
    }

    /// The counts per scope of the postings open on `today` (made once per day and per state
    /// of the segment's deletions).
    pub fn scope_counts(&self, seg: &SegmentReader, today: u64) -> Arc<ScopeCounts> {
        let deleted = seg.num_deleted_docs();
        if let Ok(slot) = self.by_scope.lock()
            && let Some((t, del, counts)) = slot.as_ref()
            && *t == today
            && *del == deleted
        {
            return counts.clone();
        }
        let scopes = self.scope_ords.len() + 1;
        let widths: Vec<usize> = self.terms.iter().map(Vec::len).collect();
        let mut totals = vec![0u32; scopes];
        let mut facets: Vec<Vec<u32>> = widths.iter().map(|w| vec![0; w * scopes]).collect();
        let day = u32::try_from(today).unwrap_or(u32::MAX);
        let alive = seg.alive_bitset();
        for (d, r) in self.rows.iter().enumerate() {
            if r.deadline < day || alive.is_some_and(|a| !a.is_alive(d as DocId)) {
                continue;
            }
            let s = r.scope as usize;
            totals[s] += 1;
            let word = r.word;
            for sl in &self.slots {
                facets[sl.facet][s * widths[sl.facet] + ((word >> sl.shift) & sl.mask) as usize] += 1;
            }
            for m in &self.multi {
                for v in &m.values[m.offsets[d] as usize..m.offsets[d + 1] as usize] {
                    facets[m.facet][s * widths[m.facet] + *v as usize] += 1;
                }
            }
        }
        let counts = Arc::new(ScopeCounts { totals, facets });
        if let Ok(mut slot) = self.by_scope.lock() {
            *slot = Some((today, deleted, counts.clone()));
        }
        counts
    }

    /// Adds the counts of the `allowed` scopes to `counts` (one counter per facet value).
    pub fn add_scope_counts(&self, by_scope: &ScopeCounts, allowed: &[bool], counts: &mut [Vec<u32>]) -> u64 {
        let mut total = 0;
        for (s, _) in allowed.iter().enumerate().filter(|(_, a)| **a) {
            total += u64::from(by_scope.totals[s]);
            for (fi, c) in counts.iter_mut().enumerate() {
                let w = c.len();
                for (v, slot) in c.iter_mut().enumerate() {
                    *slot += by_scope.facets[fi][s * w + v];
                }
            }
        }
        total
    }
}

/// The multi-valued facets of posting `d` packed into one word (see [`Row::multi`]).
fn pack_multi(multi: &[Multi], d: usize) -> u64 {
    let mut word = 0u64;
    let mut at = 0u32;
    for m in multi {
        for v in m.values[m.offsets[d] as usize..m.offsets[d + 1] as usize].iter().copied().chain([0]) {
            if at + m.width > 64 || m.width == 0 {
                return SPILLED;
            }
            word |= u64::from(v) << at;
            at += m.width;
        }
    }
    // All ones would read as spilled; it cannot happen (every facet ends with a zero), but
    // stay safe.
    if word == SPILLED { SPILLED } else { word }
}

/// Calls `f(facet, value)` for each value packed in `word` by [`pack_multi`].
#[inline]
fn unpack_multi(multi: &[Multi], mut word: u64, mut f: impl FnMut(usize, usize)) {
    for m in multi {
        loop {
            let v = (word & m.mask) as usize;
            word = word.checked_shr(m.width).unwrap_or(0);
            if v == 0 {
                break;
            }
            f(m.facet, v);
        }
    }
}

/// The arrays of the segments in the index, by segment.
#[derive(Default)]
pub(crate) struct SegmentCache(RwLock<HashMap<SegmentId, Arc<SegmentData>>>);

impl SegmentCache {
    /// The arrays of `seg`, made now if it is new.
    pub fn get(&self, seg: &SegmentReader) -> Result<Arc<SegmentData>> {
        if let Ok(m) = self.0.read()
            && let Some(d) = m.get(&seg.segment_id())
        {
            return Ok(d.clone());
        }
        let data = Arc::new(SegmentData::build(seg)?);
        if let Ok(mut m) = self.0.write() {
            m.insert(seg.segment_id(), data.clone());
        }
        Ok(data)
    }

    /// Makes the arrays of every segment of `segs` and forgets those of segments gone.
    pub fn warm(&self, segs: &[SegmentReader]) -> Result<()> {
        for s in segs {
            self.get(s)?;
        }
        if let Ok(mut m) = self.0.write() {
            m.retain(|id, _| segs.iter().any(|s| s.segment_id() == *id));
        }
        Ok(())
    }
}

/// The best `k` entries seen, by key (higher first; ties to the earlier document).
pub(crate) struct TopK {
    k: usize,
    heap: std::collections::BinaryHeap<Entry>,
}

/// Ordered so that the heap's top is the entry to drop first.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub key: f64,
    pub seg: u32,
    pub doc: DocId,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == std::cmp::Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        // Lower key first, then the later document: what is worst sits on top.
        o.key.total_cmp(&self.key).then_with(|| (self.seg, self.doc).cmp(&(o.seg, o.doc)))
    }
}

impl TopK {
    pub fn new(k: usize) -> TopK {
        TopK { k, heap: std::collections::BinaryHeap::with_capacity(k + 1) }
    }

    /// The key an entry must beat to get in (`None` while there is room).
    #[inline]
    pub fn threshold(&self) -> Option<f64> {
        (self.heap.len() >= self.k).then(|| self.heap.peek().map(|e| e.key).unwrap_or(f64::MIN))
    }

    #[inline]
    pub fn push(&mut self, e: Entry) {
        if self.heap.len() < self.k {
            self.heap.push(e);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && e < *worst
        {
            *worst = e;
        }
    }

    /// The entries, best first.
    pub fn into_sorted(self) -> Vec<Entry> {
        self.heap.into_sorted_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn multi(facet: usize, width: u32, per_doc: &[&[u32]]) -> Multi {
        let mut offsets = vec![0u32];
        let mut values = Vec::new();
        for vs in per_doc {
            values.extend_from_slice(vs);
            offsets.push(values.len() as u32);
        }
        Multi { facet, offsets, values, width, mask: (1u64 << width) - 1 }
    }

    #[test]
    fn multi_valued_facets_pack_into_the_row_or_spill() {
        // Major classes (7 bits) and campaigns (2 bits) of three postings.
        let m = [multi(3, 7, &[&[5, 99], &[], &(1..=9).collect::<Vec<u32>>()]), multi(7, 2, &[&[1, 3], &[2], &[1]])];
        let read = |d: usize| {
            let word = pack_multi(&m, d);
            if word == SPILLED {
                return None;
            }
            let mut got = Vec::new();
            unpack_multi(&m, word, |f, v| got.push((f, v)));
            Some(got)
        };
        assert_eq!(read(0), Some(vec![(3, 5), (3, 99), (7, 1), (7, 3)]));
        assert_eq!(read(1), Some(vec![(7, 2)]));
        // Nine classes and a campaign need 7·10 + 2·2 bits: more than a word.
        assert_eq!(read(2), None);
    }
}
