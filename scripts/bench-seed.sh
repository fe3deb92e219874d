#!/usr/bin/env bash
# Benchmark: `jiuye seed` at full scale on SQLite and PostgreSQL, against a baseline measured in
# the same run: the engine copying the same graduate rows table-to-table with the same indexes
# (the fastest the engine itself can write that data), plus read latencies of the tree API on the
# seeded data. Prints a Markdown table.
#
#   scripts/bench-seed.sh [GRADUATES] [PG_ADMIN_URL]
#
# Needs a release build (cargo build --release), python3 and psql.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
PG_ADMIN="${2:-postgres://postgres@127.0.0.1:5432/postgres}"
BIN=target/release/jiuye
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PLAN=(seed --universities 2919 --graduates "$N" --employers 100000 --seed 1)
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }

api_ms() { # median of 5 requests, in ms
  local url=$1
  for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' "$url"; done |
    sort -n | sed -n 3p | python3 -c "import sys; print(f'{float(sys.stdin.read())*1000:.0f}')"
}

serve_latency() { # args: extra args for serve; prints "nation_ms province_ms university_ms"
  local port=$((20000 + RANDOM % 10000))
  "$BIN" serve --listen 127.0.0.1:$port "$@" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  local a b c
  a=$(api_ms "http://127.0.0.1:$port/api/v1/orgs/CN")
  b=$(api_ms "http://127.0.0.1:$port/api/v1/orgs/510000")
  c=$(api_ms "http://127.0.0.1:$port/api/v1/orgs/4151010610")
  kill -TERM $pid; wait $pid || true
  echo "$a $b $c"
}

# --- SQLite
D="$WORK/sqlite"
t0=$(now); "$BIN" "${PLAN[@]}" --data-dir "$D" >/dev/null 2>"$WORK/sqlite.err"; t1=$(now)
sqlite_seed=$(secs "$t0" "$t1")
sqlite_mib=$(python3 -c "import os;print(f'{sum(os.path.getsize(\"$D/jiuye.db\"+s) for s in (\"\",\"-wal\") if os.path.exists(\"$D/jiuye.db\"+s))/1048576:.0f}')")
t0=$(now); "$BIN" check --data-dir "$D" >/dev/null 2>&1; t1=$(now)
sqlite_check=$(secs "$t0" "$t1")
sqlite_base=$(python3 - "$D/jiuye.db" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA synchronous=FULL")
t = time.time()
c.executescript("""
BEGIN;
CREATE TABLE bench_copy AS SELECT * FROM graduates WHERE 0;
INSERT INTO bench_copy SELECT * FROM graduates;
CREATE UNIQUE INDEX bench_copy_pk ON bench_copy (id);
CREATE UNIQUE INDEX bench_copy_no ON bench_copy (org_id, student_no);
CREATE INDEX bench_copy_oc ON bench_copy (org_id, cohort);
CREATE INDEX bench_copy_c ON bench_copy (college_id);
CREATE INDEX bench_copy_p ON bench_copy (programme_id);
COMMIT;
""")
print(f"{time.time() - t:.1f}")
c.executescript("DROP TABLE bench_copy; VACUUM;")
PY
)
read -r s_nat s_prov s_uni < <(serve_latency --data-dir "$D")

# --- PostgreSQL
DB="jiuye_bench_$$"
psql "$PG_ADMIN" -qc "CREATE DATABASE $DB" >/dev/null
PG_URL="${PG_ADMIN%/*}/$DB"
t0=$(now); "$BIN" "${PLAN[@]}" --database-url "$PG_URL" >/dev/null 2>"$WORK/pg.err"; t1=$(now)
pg_seed=$(secs "$t0" "$t1")
pg_mib=$(psql "$PG_URL" -tAc "SELECT round(pg_database_size(current_database())/1048576.0)")
t0=$(now); "$BIN" check --database-url "$PG_URL" >/dev/null 2>&1; t1=$(now)
pg_check=$(secs "$t0" "$t1")
t0=$(now)
psql "$PG_URL" -q >/dev/null <<'SQL'
BEGIN;
CREATE TABLE bench_copy (LIKE graduates INCLUDING DEFAULTS);
INSERT INTO bench_copy SELECT * FROM graduates;
CREATE UNIQUE INDEX ON bench_copy (id);
CREATE UNIQUE INDEX ON bench_copy (org_id, student_no);
CREATE INDEX ON bench_copy (org_id, cohort);
CREATE INDEX ON bench_copy (college_id);
CREATE INDEX ON bench_copy (programme_id);
COMMIT;
SQL
t1=$(now)
pg_base=$(secs "$t0" "$t1")
psql "$PG_URL" -qc "DROP TABLE bench_copy" >/dev/null
read -r p_nat p_prov p_uni < <(serve_latency --database-url "$PG_URL")
psql "$PG_ADMIN" -qc "DROP DATABASE $DB WITH (FORCE)" >/dev/null

echo
echo "graduates: $N, employers: 100000, universities: 2919 (all), machine: $(nproc) cores"
echo
echo "| backend | jiuye seed (s) | baseline: engine copy of the same graduate rows + indexes (s) | database size (MiB) | jiuye check (s) | GET /api/v1/orgs/CN (ms) | …/510000 (ms) | …/4151010610 (ms) |"
echo "|---|---|---|---|---|---|---|---|"
echo "| SQLite | $sqlite_seed | $sqlite_base | $sqlite_mib | $sqlite_check | $s_nat | $s_prov | $s_uni |"
echo "| PostgreSQL | $pg_seed | $pg_base | $pg_mib | $pg_check | $p_nat | $p_prov | $p_uni |"
