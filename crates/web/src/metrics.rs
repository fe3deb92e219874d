//! Request metrics in the Prometheus text format: counts by route, method and status, latency
//! histograms by route, and database pool gauges. Kept in memory; never blocks a request for
//! longer than a short mutex hold.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use jiuye_store::PoolStats;

const BUCKETS: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let Ok(mut m) = self.inner.lock() else { return };
        *m.requests.entry((method.to_owned(), route.to_owned(), status)).or_insert(0) += 1;
        let h = m.latency.entry(route.to_owned()).or_default();
        let secs = elapsed.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    pub fn render(&self, pool: PoolStats, backend: &str, db_up: bool) -> String {
        let mut out = String::new();
        let Ok(m) = self.inner.lock() else { return out };
        let _ = writeln!(out, "# HELP jiuye_http_requests_total HTTP requests served, by method, route and status.");
        let _ = writeln!(out, "# TYPE jiuye_http_requests_total counter");
        for ((method, route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "jiuye_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            );
        }
        let _ = writeln!(out, "# HELP jiuye_http_request_duration_seconds Time to produce a response, by route.");
        let _ = writeln!(out, "# TYPE jiuye_http_request_duration_seconds histogram");
        for (route, h) in &m.latency {
            let r = escape(route);
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "jiuye_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{le}\"}} {}",
                    h.buckets[i]
                );
            }
            let _ =
                writeln!(out, "jiuye_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "jiuye_http_request_duration_seconds_sum{{route=\"{r}\"}} {}", h.sum);
            let _ = writeln!(out, "jiuye_http_request_duration_seconds_count{{route=\"{r}\"}} {}", h.count);
        }
        let _ = writeln!(out, "# HELP jiuye_db_pool_connections Database pool connections by state.");
        let _ = writeln!(out, "# TYPE jiuye_db_pool_connections gauge");
        let active = pool.size.saturating_sub(pool.idle);
        let _ = writeln!(out, "jiuye_db_pool_connections{{backend=\"{backend}\",state=\"active\"}} {active}");
        let _ = writeln!(out, "jiuye_db_pool_connections{{backend=\"{backend}\",state=\"idle\"}} {}", pool.idle);
        let _ = writeln!(out, "jiuye_db_pool_connections{{backend=\"{backend}\",state=\"max\"}} {}", pool.max);
        let _ = writeln!(out, "# HELP jiuye_db_up Whether the database answered the last probe.");
        let _ = writeln!(out, "# TYPE jiuye_db_up gauge");
        let _ = writeln!(out, "jiuye_db_up{{backend=\"{backend}\"}} {}", u8::from(db_up));
        out
    }
}

/// The read log's counters: entries queued, written (and in how many batches), dropped because
/// the queue stayed full, and refused by the database; any dropped or failed entry is also in
/// the application log, and should raise an alert.
pub fn read_log_text(c: jiuye_app::read_log::ReadLogCounts) -> String {
    let mut out = String::new();
    for (name, help, n) in [
        ("queued", "Read-log entries taken into the queue.", c.queued),
        ("written", "Read-log entries written to the database.", c.written),
        ("batches", "Read-log batches (transactions) written.", c.batches),
        ("dropped", "Read-log entries not queued because the queue stayed full (see the application log).", c.dropped),
        ("failed", "Read-log entries the database refused after retries (see the application log).", c.failed),
    ] {
        let _ = writeln!(out, "# HELP jiuye_read_log_{name}_total {help}");
        let _ = writeln!(out, "# TYPE jiuye_read_log_{name}_total counter");
        let _ = writeln!(out, "jiuye_read_log_{name}_total {n}");
    }
    out
}

/// The read replicas: whether each answered within the last second, how far behind the
/// primary's position `written` it is (bytes of WAL), and the reads it answered.
pub fn replicas_text(written: Option<i64>, replicas: &[jiuye_store::replica::ReplicaStatus]) -> String {
    let mut out = String::new();
    if replicas.is_empty() {
        return out;
    }
    let _ = writeln!(out, "# HELP jiuye_db_replica_up Whether the read replica answered within the last second.");
    let _ = writeln!(out, "# TYPE jiuye_db_replica_up gauge");
    for r in replicas {
        let _ = writeln!(out, "jiuye_db_replica_up{{replica=\"{}\"}} {}", r.url, u8::from(r.alive));
    }
    let _ = writeln!(out, "# HELP jiuye_db_replica_lag_bytes WAL the replica has still to replay.");
    let _ = writeln!(out, "# TYPE jiuye_db_replica_lag_bytes gauge");
    for r in replicas {
        if let (Some(w), Some(at)) = (written, r.replayed) {
            let _ = writeln!(out, "jiuye_db_replica_lag_bytes{{replica=\"{}\"}} {}", r.url, (w - at).max(0));
        }
    }
    let _ = writeln!(out, "# HELP jiuye_db_replica_reads_total Reads the replica answered for this process.");
    let _ = writeln!(out, "# TYPE jiuye_db_replica_reads_total counter");
    for r in replicas {
        let _ = writeln!(out, "jiuye_db_replica_reads_total{{replica=\"{}\"}} {}", r.url, r.reads);
    }
    out
}

/// The federation: this node's outbox head, and per peer how far its feed has been read, the
/// lag, envelopes applied and refused, and failures in a row.
pub fn federation_text(head: i64, peers: &[jiuye_app::federation::PeerStatus]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# HELP jiuye_federation_outbox_head The greatest number in this node's outbox.");
    let _ = writeln!(out, "# TYPE jiuye_federation_outbox_head gauge");
    let _ = writeln!(out, "jiuye_federation_outbox_head {head}");
    type Read = fn(&jiuye_app::federation::PeerStatus) -> i64;
    let series: [(&str, &str, &str, Read); 7] = [
        ("peer_after", "gauge", "The peer's outbox number read up to.", |p| {
            p.cursor.as_ref().map_or(0, |c| c.after_seq)
        }),
        ("peer_lag", "gauge", "Rows of the peer's feed not read yet, as of the last read.", |p| p.lag()),
        ("peer_applied_total", "counter", "Envelopes from the peer kept here.", |p| {
            p.cursor.as_ref().map_or(0, |c| c.applied)
        }),
        ("peer_refused_total", "counter", "Envelopes from the peer refused (see the application log).", |p| {
            p.cursor.as_ref().map_or(0, |c| c.refused)
        }),
        ("peer_failures", "gauge", "Failed reads of the peer's feed in a row.", |p| {
            p.cursor.as_ref().map_or(0, |c| i64::from(c.failures))
        }),
        ("peer_pushed", "gauge", "This node's outbox number pushed to the peer up to.", |p| {
            p.push.as_ref().map_or(0, |c| c.after_seq)
        }),
        ("peer_push_failures", "gauge", "Failed pushes to the peer in a row.", |p| {
            p.push.as_ref().map_or(0, |c| i64::from(c.failures))
        }),
    ];
    for (name, kind, help, read) in series {
        let _ = writeln!(out, "# HELP jiuye_federation_{name} {help}");
        let _ = writeln!(out, "# TYPE jiuye_federation_{name} {kind}");
        for p in peers {
            let _ =
                writeln!(out, "jiuye_federation_{name}{{peer=\"{}\"}} {}", escape(&p.peer.record.org_code), read(p));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_buckets() {
        let m = Metrics::default();
        m.record("GET", "/healthz", 200, Duration::from_millis(3));
        m.record("GET", "/healthz", 200, Duration::from_millis(300));
        let text = m.render(PoolStats { size: 2, idle: 1, max: 4 }, "sqlite", true);
        assert!(text.contains("jiuye_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"));
        assert!(text.contains("jiuye_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1"));
        assert!(text.contains("jiuye_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 2"));
        assert!(text.contains("jiuye_db_pool_connections{backend=\"sqlite\",state=\"active\"} 1"));
    }
}
