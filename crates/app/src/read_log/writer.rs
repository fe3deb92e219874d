//! The batched writer of the read log. A read puts its entry on a bounded queue and goes on; one
//! background task writes what is queued in batches (up to [`WriterSettings::batch`] entries, or
//! what arrived within [`WriterSettings::interval`] of the first), each batch in one
//! transaction. Reading never waits on the write, nor on the audit chain.
//!
//! When the queue is full (the database is slower than the reads for a while), a read waits for
//! room at most [`WriterSettings::wait_when_full`]. If there is still none, the entry is not
//! queued: a sensitive read (evidence, résumé, hardship) is then refused (`503`), any other read
//! goes on, and the entry is written to the application log in full and counted in
//! `jiuye_read_log_dropped_total` (on `/metrics`), so that no read is ever lost silently.
//! Entries that the database refuses even after retries are handled the same way and counted in
//! `jiuye_read_log_failed_total`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jiuye_store::Store;
use jiuye_store::read_log::ReadEntry;
use tokio::sync::{mpsc, oneshot};

/// How the writer batches.
#[derive(Clone, Copy, Debug)]
pub struct WriterSettings {
    /// Entries the queue holds.
    pub capacity: usize,
    /// Most entries written in one transaction.
    pub batch: usize,
    /// Longest an entry waits in the queue before its batch is written.
    pub interval: Duration,
    /// Longest a read waits for room in a full queue.
    pub wait_when_full: Duration,
}

impl Default for WriterSettings {
    fn default() -> Self {
        WriterSettings {
            capacity: 20_000,
            batch: 500,
            interval: Duration::from_secs(1),
            wait_when_full: Duration::from_millis(50),
        }
    }
}

/// Counts shown on `/metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadLogCounts {
    /// Entries taken into the queue.
    pub queued: u64,
    /// Entries written to the database.
    pub written: u64,
    /// Batches (transactions) written.
    pub batches: u64,
    /// Entries not queued because the queue stayed full (written to the application log).
    pub dropped: u64,
    /// Entries the database refused after retries (written to the application log).
    pub failed: u64,
}

#[derive(Default)]
struct Counters {
    queued: AtomicU64,
    written: AtomicU64,
    batches: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
}

enum Msg {
    Entry(Box<ReadEntry>),
    /// Write everything queued before this, then answer.
    Flush(oneshot::Sender<()>),
    /// Write everything queued before this, answer, and stop.
    Close(oneshot::Sender<()>),
}

struct Inner {
    tx: Option<mpsc::Sender<Msg>>,
    counters: Arc<Counters>,
    wait_when_full: Duration,
}

/// The read log's queue and its writer; cheap to clone (every clone feeds the same writer).
#[derive(Clone)]
pub struct ReadLog {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ReadLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadLog").field("enabled", &self.inner.tx.is_some()).field("counts", &self.counts()).finish()
    }
}

/// Whether an entry was taken into the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    Yes,
    /// Not queued (the queue stayed full, or the writer has stopped); written to the
    /// application log and counted instead.
    Dropped,
}

impl ReadLog {
    /// Starts the writer on the current Tokio runtime, writing into `store`.
    pub fn start(store: Store, settings: WriterSettings) -> ReadLog {
        let (tx, rx) = mpsc::channel(settings.capacity.max(1));
        let counters = Arc::new(Counters::default());
        tokio::spawn(run(store, rx, counters.clone(), settings));
        ReadLog { inner: Arc::new(Inner { tx: Some(tx), counters, wait_when_full: settings.wait_when_full }) }
    }

    /// A read log whose writer never takes anything from its queue (so that tests can fill it);
    /// the queue lives as long as the answered guard.
    #[cfg(test)]
    pub(crate) fn stalled(capacity: usize, wait_when_full: Duration) -> (ReadLog, Box<dyn std::any::Any + Send>) {
        let (tx, rx) = mpsc::channel::<Msg>(capacity);
        let log = ReadLog { inner: Arc::new(Inner { tx: Some(tx), counters: Arc::default(), wait_when_full }) };
        (log, Box::new(rx))
    }

    /// A read log that records nothing (benchmarks measuring reads without it).
    pub fn disabled() -> ReadLog {
        ReadLog { inner: Arc::new(Inner { tx: None, counters: Arc::default(), wait_when_full: Duration::ZERO }) }
    }

    /// Queues `entry`; see the module's notes for a full queue.
    pub async fn push(&self, entry: ReadEntry) -> Queued {
        let Some(tx) = &self.inner.tx else { return Queued::Yes };
        let msg = match tx.try_send(Msg::Entry(Box::new(entry))) {
            Ok(()) => {
                self.inner.counters.queued.fetch_add(1, Ordering::Relaxed);
                return Queued::Yes;
            }
            Err(mpsc::error::TrySendError::Full(m) | mpsc::error::TrySendError::Closed(m)) => m,
        };
        match tx.send_timeout(msg, self.inner.wait_when_full).await {
            Ok(()) => {
                self.inner.counters.queued.fetch_add(1, Ordering::Relaxed);
                Queued::Yes
            }
            Err(mpsc::error::SendTimeoutError::Timeout(m) | mpsc::error::SendTimeoutError::Closed(m)) => {
                if let Msg::Entry(e) = m {
                    lost(&e, "the read log queue is full");
                }
                self.inner.counters.dropped.fetch_add(1, Ordering::Relaxed);
                Queued::Dropped
            }
        }
    }

    /// Waits until every entry queued before the call is written (or given up on).
    pub async fn flush(&self) {
        let Some(tx) = &self.inner.tx else { return };
        let (done, wait) = oneshot::channel();
        if tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// Writes everything queued and stops the writer (graceful shutdown); entries pushed
    /// afterwards are dropped and counted.
    pub async fn close(&self) {
        let Some(tx) = &self.inner.tx else { return };
        let (done, wait) = oneshot::channel();
        if tx.send(Msg::Close(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// The counts so far.
    pub fn counts(&self) -> ReadLogCounts {
        let c = &self.inner.counters;
        ReadLogCounts {
            queued: c.queued.load(Ordering::Relaxed),
            written: c.written.load(Ordering::Relaxed),
            batches: c.batches.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
        }
    }
}

/// An entry that will not reach the database, written to the application log in full.
fn lost(e: &ReadEntry, why: &str) {
    tracing::error!(
        target: "jiuye::read_log",
        id = %e.id,
        at = %e.at.to_rfc3339(),
        reader = %e.reader_name,
        reader_id = ?e.reader_id,
        reader_role = ?e.reader_role,
        reader_path = ?e.reader_path,
        kind = %e.kind,
        subject_id = ?e.subject_id,
        subject_path = ?e.subject_path,
        filter = ?e.filter,
        rows = ?e.row_count,
        ip = ?e.ip,
        "read not in the read log: {why}"
    );
}

/// Takes one message into the batch or the list of waiters; answers (write now, then stop).
fn take(m: Msg, batch: &mut Vec<ReadEntry>, waiters: &mut Vec<oneshot::Sender<()>>) -> (bool, bool) {
    match m {
        Msg::Entry(e) => {
            batch.push(*e);
            (false, false)
        }
        Msg::Flush(w) => {
            waiters.push(w);
            (true, false)
        }
        Msg::Close(w) => {
            waiters.push(w);
            (true, true)
        }
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Msg>, counters: Arc<Counters>, settings: WriterSettings) {
    let mut batch: Vec<ReadEntry> = Vec::with_capacity(settings.batch);
    loop {
        let Some(first) = rx.recv().await else { return };
        let mut waiters = Vec::new();
        let (mut now, mut stop) = take(first, &mut batch, &mut waiters);
        let deadline = tokio::time::Instant::now() + settings.interval;
        while !now && batch.len() < settings.batch {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(m)) => (now, stop) = take(m, &mut batch, &mut waiters),
                Ok(None) => {
                    stop = true;
                    break;
                }
                Err(_) => break,
            }
        }
        if stop {
            // Whatever was queued before the queue closes is still written.
            rx.close();
            while let Some(m) = rx.recv().await {
                take(m, &mut batch, &mut waiters);
            }
        }
        write(&store, &mut batch, &counters).await;
        for w in waiters {
            let _ = w.send(());
        }
        if stop {
            return;
        }
    }
}

/// Writes `batch` in one transaction, retrying a few times before giving the entries up (to the
/// application log).
async fn write(store: &Store, batch: &mut Vec<ReadEntry>, counters: &Counters) {
    if batch.is_empty() {
        return;
    }
    let mut delay = Duration::from_millis(100);
    for attempt in 1..=4 {
        match store.append_reads(batch).await {
            Ok(()) => {
                counters.written.fetch_add(batch.len() as u64, Ordering::Relaxed);
                counters.batches.fetch_add(1, Ordering::Relaxed);
                batch.clear();
                return;
            }
            Err(e) if attempt < 4 => {
                tracing::warn!(error = %e, entries = batch.len(), attempt, "read log batch not written; retrying");
                tokio::time::sleep(delay).await;
                delay *= 4;
            }
            Err(e) => {
                tracing::error!(error = %e, entries = batch.len(), "read log batch not written");
            }
        }
    }
    for e in batch.iter() {
        lost(e, "the database refused the batch");
    }
    counters.failed.fetch_add(batch.len() as u64, Ordering::Relaxed);
    batch.clear();
}
