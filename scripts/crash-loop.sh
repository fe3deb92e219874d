#!/usr/bin/env bash
# Crash loop: kill -9 the server N times under a write load and check that nothing acknowledged
# is lost.
#
#   scripts/crash-loop.sh N [sqlite|postgres|both]      (default: both)
#
# A small node is seeded (one province's universities, graduates and employers), with a career
# centre account, a province administrator and an employer account. Each round starts the
# server, runs scripts/crash_load.py (visits, postings, roster imports and destination
# registrations through the API, each acknowledged write noted in a ledger), sends SIGKILL to
# the server at a random moment, runs `jiuye check` and `jiuye audit verify` on the stopped
# node, restarts it, and checks through the API that every write ever acknowledged is there and
# that every roster import is visible with all of its rows or none. Ends with a summary table;
# exits 1 when anything was lost or a check failed.
#
# Environment: JIUYE_BIN (default target/debug/jiuye, built when missing), PG_ADMIN_URL
# (default postgres://postgres@127.0.0.1:5432/postgres; a fresh database is created and dropped),
# CRASH_MIN_MS / CRASH_MAX_MS (the kill comes this long after the load has signed in; 300–3000 ms).
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:?usage: scripts/crash-loop.sh N [sqlite|postgres|both]}"
ENGINES="${2:-both}"
[ "$ENGINES" = both ] && ENGINES="sqlite postgres"
BIN="${JIUYE_BIN:-target/debug/jiuye}"
[ -x "$BIN" ] || cargo build -q -p jiuye-cli
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
MIN_MS="${CRASH_MIN_MS:-300}"
MAX_MS="${CRASH_MAX_MS:-3000}"
LOAD="python3 scripts/crash_load.py"
PASSWORD="Crash-Loop-Password-1"
export JIUYE_LOG=warn

SERVER_PID=""
LOAD_PID=""
WORK=""
PGDB=""
# Keeps the script's own exit status: a cleanup step that finds nothing to do must not make a
# passing run exit 1.
cleanup() {
  local status=$?
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null || true
  if [ -n "$PGDB" ]; then
    psql "$PG_ADMIN_URL" -qAtc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [ -n "$WORK" ] && [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; fi
  return "$status"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() {
  PORT=$(free_port)
  "$BIN" serve "${ARGS[@]}" --listen "127.0.0.1:$PORT" >"$WORK/server.out" 2>>"$WORK/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited:"; tail -20 "$WORK/server.err"; return 1; }
    sleep 0.1
  done
  echo "server did not start"; return 1
}

SUMMARY=()
FAILED=0
for ENGINE in $ENGINES; do
  WORK=$(mktemp -d)
  ARGS=(--data-dir "$WORK/data")
  if [ "$ENGINE" = postgres ]; then
    PGDB="jiuye_crash_$$_$RANDOM"
    psql "$PG_ADMIN_URL" -qAtc "CREATE DATABASE $PGDB" >/dev/null
    ARGS+=(--database-url "${PG_ADMIN_URL%/*}/$PGDB")
  fi
  started=$(date +%s)
  "$BIN" seed "${ARGS[@]}" --province 510000 --universities 3 --graduates 600 --employers 60 --seed 13 >/dev/null 2>&1
  "$BIN" user add "${ARGS[@]}" --username load_career --password "$PASSWORD" --role career_staff --org 4151010610 >/dev/null
  "$BIN" user add "${ARGS[@]}" --username load_province --password "$PASSWORD" --role province_admin --org 510000 >/dev/null
  start_server
  $LOAD setup "http://127.0.0.1:$PORT"
  "$BIN" user add "${ARGS[@]}" --username load_employer --password "$PASSWORD" --role employer --org 510000 \
    --subject 91350100M000100Y43 >/dev/null
  $LOAD verify-employer "http://127.0.0.1:$PORT"
  LEDGER="$WORK/ledger.jsonl"
  : >"$LEDGER"
  kills=0; checks_ok=0; last=""
  for i in $(seq 1 "$N"); do
    tag=$(printf '%03d' "$i")
    rm -f "$WORK/ready"
    $LOAD load "http://127.0.0.1:$PORT" "$LEDGER" "$tag" "$WORK/ready" 2>>"$WORK/load.err" &
    LOAD_PID=$!
    # The kill comes at a random moment after the load has signed in and begun writing.
    for _ in $(seq 1 600); do [ -e "$WORK/ready" ] || ! kill -0 "$LOAD_PID" 2>/dev/null && break; sleep 0.05; done
    sleep "$(python3 -c "import random; print(random.randint($MIN_MS, $MAX_MS) / 1000)")"
    kill -9 "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    kills=$((kills + 1))
    wait "$LOAD_PID" 2>/dev/null || true
    LOAD_PID=""
    ok=1
    "$BIN" check "${ARGS[@]}" >"$WORK/check.out" 2>&1 || { ok=0; echo "round $i: jiuye check failed:"; cat "$WORK/check.out"; }
    "$BIN" audit verify "${ARGS[@]}" >"$WORK/audit.out" 2>&1 || { ok=0; echo "round $i: jiuye audit verify failed:"; cat "$WORK/audit.out"; }
    start_server
    if ! last=$($LOAD verify "http://127.0.0.1:$PORT" "$LEDGER" 2>"$WORK/verify.err"); then
      ok=0; echo "round $i: acknowledged writes missing or an import half-written: $last"; head -5 "$WORK/verify.err"
    fi
    [ "$ok" = 1 ] && checks_ok=$((checks_ok + 1)) || FAILED=1
    echo "$ENGINE round $i/$N: $last"
  done
  kill -9 "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  secs=$(( $(date +%s) - started ))
  row=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1]); k = d["by_kind"]
print("{:<9} {:>5} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>5} {:>4} {:>8} {:>5}s".format(
    sys.argv[2], sys.argv[3], d["acknowledged"], k["visit"], k["posting"], k["import"], k["destination"],
    k["import_cut_off"], d["torn_imports"], d["lost"], sys.argv[4] + "/" + sys.argv[3], sys.argv[5]))
' "$last" "$ENGINE" "$kills" "$checks_ok" "$secs")
  SUMMARY+=("$row")
  if [ -n "$PGDB" ]; then
    psql "$PG_ADMIN_URL" -qAtc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null; PGDB=""
  fi
  [ -z "${KEEP_WORK:-}" ] && rm -rf "$WORK"; WORK=""
done

echo
printf '%-9s %5s %7s %7s %7s %7s %7s %6s %5s %4s %8s %6s\n' engine kills acked visits posts imports dests cutoff torn lost "checks" time
for row in "${SUMMARY[@]}"; do echo "$row"; done
if [ "$FAILED" = 0 ]; then echo "crash loop passed: lost=0"; else echo "crash loop FAILED"; exit 1; fi
