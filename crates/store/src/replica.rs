//! Read replicas: PostgreSQL streaming standbys that answer read-only work (statistics, lists,
//! search rebuilds, federation feeds) so the primary keeps its time for writes.
//!
//! A read sent to a replica sees every write committed before it began, whoever made it: the
//! primary's WAL position is read first (a cheap query), and a replica answers only once it has
//! replayed that far. A replica known to be there answers at once; one close behind is asked
//! again for up to 50 ms; otherwise the primary answers. So nobody reads older data than the
//! primary would have given them, across processes too, and a lagging replica costs latency,
//! never correctness.
//!
//! Which database may answer is decided per task by [`ReadFrom`], set with [`within`]:
//! - [`ReadFrom::Any`] (also when nothing was set): a replica as above;
//! - [`ReadFrom::Primary`]: a request that writes reads from the primary too;
//! - [`ReadFrom::AtLeast`]: a replica that has replayed a position the caller read earlier
//!   (a search rebuild that must include what was committed before its followers' start).
//!
//! Each replica's replay position is also asked every 100 ms; one that does not answer within a
//! second is left out until it does. Only the store methods written for it (those that call
//! `reader()`) go to a replica: anything that decides access or is followed by a write in the
//! same request reads the primary.

use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::postgres::PgPool;

tokio::task_local! {
    static READ_FROM: ReadFrom;
}

/// Where the reads of the current task may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadFrom {
    /// A replica holding every write committed before the read began.
    Any,
    /// Only the primary.
    Primary,
    /// A replica that has replayed the primary's WAL up to this position (bytes), else the primary.
    AtLeast(i64),
}

/// Runs `fut` with its reads routed as `from` says.
pub async fn within<F: Future>(from: ReadFrom, fut: F) -> F::Output {
    READ_FROM.scope(from, fut).await
}

/// The current task's routing ([`ReadFrom::Any`] when none was set).
pub fn current() -> ReadFrom {
    READ_FROM.try_with(|r| *r).unwrap_or(ReadFrom::Any)
}

/// What a replica looks like from this process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaStatus {
    /// Its address, password hidden.
    pub url: String,
    /// The WAL position it has replayed (bytes), when it answered.
    pub replayed: Option<i64>,
    /// Whether it answered within the last second.
    pub alive: bool,
    /// Reads it has answered for this process.
    pub reads: u64,
}

struct Member {
    pool: PgPool,
    url: String,
    /// Replayed WAL position; -1 before the first answer.
    replayed: AtomicI64,
    /// When it last answered (ms since the Unix epoch); 0 before the first answer.
    seen_ms: AtomicI64,
    reads: AtomicU64,
}

/// The replicas of one primary.
pub(crate) struct Replicas {
    members: Vec<Member>,
    next: AtomicUsize,
}

const POLL: Duration = Duration::from_millis(100);
const ALIVE_MS: i64 = 1_000;
/// How long a read waits for a replica that is close behind before the primary answers it.
const WAIT: Duration = Duration::from_millis(50);
/// A replica further behind than this (bytes of WAL) is not waited for.
const FAR_BYTES: i64 = 16 << 20;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The WAL position a standby has replayed, in bytes.
const REPLAYED: &str = "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint";
/// The primary's WAL insert position, in bytes: every commit made so far lies at or before it.
pub(crate) const WRITTEN: &str = "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint";

impl Replicas {
    /// Connects to each replica (lazily: one that is down is used once it answers) and starts
    /// asking their replay positions.
    pub(crate) fn start(pools: Vec<(String, PgPool)>) -> Arc<Replicas> {
        let replicas = Arc::new(Replicas {
            members: pools
                .into_iter()
                .map(|(url, pool)| Member {
                    pool,
                    url,
                    replayed: AtomicI64::new(-1),
                    seen_ms: AtomicI64::new(0),
                    reads: AtomicU64::new(0),
                })
                .collect(),
            next: AtomicUsize::new(0),
        });
        if !replicas.is_empty() {
            tokio::spawn(poll(Arc::downgrade(&replicas)));
        }
        replicas
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// A replica for a read that must see every write committed at or before WAL position
    /// `need` (bytes), taking turns; `None` for the primary. A replica known to hold it answers at
    /// once; one that is close behind is asked again for up to [`WAIT`]; past that, or when every
    /// replica is far behind or silent, the primary answers.
    pub(crate) async fn pick(&self, need: i64) -> Option<&PgPool> {
        let n = self.members.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let alive = |m: &Member| now_ms() - m.seen_ms.load(Ordering::Relaxed) <= ALIVE_MS;
        let order = || (0..n).map(move |i| &self.members[(start + i) % n]);
        if let Some(m) = order().find(|m| alive(m) && m.replayed.load(Ordering::Relaxed) >= need) {
            m.reads.fetch_add(1, Ordering::Relaxed);
            return Some(&m.pool);
        }
        let close: Vec<&Member> =
            order().filter(|m| alive(m) && need - m.replayed.load(Ordering::Relaxed) <= FAR_BYTES).collect();
        if close.is_empty() {
            return None;
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            for m in &close {
                let asked =
                    tokio::time::timeout(WAIT, sqlx::query_scalar::<_, Option<i64>>(REPLAYED).fetch_one(&m.pool));
                if let Ok(Ok(Some(at))) = asked.await {
                    m.replayed.fetch_max(at, Ordering::Relaxed);
                    if at >= need {
                        m.reads.fetch_add(1, Ordering::Relaxed);
                        return Some(&m.pool);
                    }
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    pub(crate) fn status(&self) -> Vec<ReplicaStatus> {
        let now = now_ms();
        self.members
            .iter()
            .map(|m| {
                let replayed = m.replayed.load(Ordering::Relaxed);
                ReplicaStatus {
                    url: m.url.clone(),
                    replayed: (replayed >= 0).then_some(replayed),
                    alive: now - m.seen_ms.load(Ordering::Relaxed) <= ALIVE_MS,
                    reads: m.reads.load(Ordering::Relaxed),
                }
            })
            .collect()
    }
}

/// Asks each replica its replay position every [`POLL`] while the store lives.
async fn poll(replicas: Weak<Replicas>) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(replicas) = replicas.upgrade() else { return };
        for m in &replicas.members {
            let asked = tokio::time::timeout(Duration::from_millis(500), async {
                sqlx::query_scalar::<_, Option<i64>>(REPLAYED).fetch_one(&m.pool).await
            })
            .await;
            // Not a standby (no replay position), an error or no answer: left out.
            if let Ok(Ok(Some(lsn))) = asked {
                m.replayed.fetch_max(lsn, Ordering::Relaxed);
                m.seen_ms.store(now_ms(), Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn routing_is_per_task() {
        assert_eq!(current(), ReadFrom::Any);
        within(ReadFrom::AtLeast(7), async {
            assert_eq!(current(), ReadFrom::AtLeast(7));
            within(ReadFrom::Primary, async { assert_eq!(current(), ReadFrom::Primary) }).await;
            assert_eq!(current(), ReadFrom::AtLeast(7));
        })
        .await;
        assert_eq!(current(), ReadFrom::Any);
    }
}
