#!/usr/bin/env bash
# Runs the browser tests: builds jiuye, starts a demo node on a free port in a temporary data
# directory, runs tests/browser/run.mjs against it with headless Chromium, and stops the node.
# Needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium) and Node.js with npm.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
( cd tests/browser && npm ci --no-audit --no-fund --silent )
DATA=$(mktemp -d)
PORT=$((30000 + RANDOM % 20000))
LOG="$DATA/serve.log"
"${CARGO_TARGET_DIR:-target}/debug/jiuye" serve --demo --data-dir "$DATA" --listen "127.0.0.1:$PORT" >"$LOG" 2>&1 &
PID=$!
cleanup() { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
for _ in $(seq 1 900); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  kill -0 "$PID" 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 0.2
done
BASE_URL="http://127.0.0.1:$PORT" node tests/browser/run.mjs
