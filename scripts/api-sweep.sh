#!/usr/bin/env bash
# The schema-driven sweep of the JSON API: builds jiuye, starts a demo node on a free port in a
# temporary data directory, and runs schemathesis (PyPI) over every operation of the OpenAPI
# document the node serves, twice: signed in as an administrator (an API token of
# demo_ministry, whose scope is the whole country) and anonymously. Generated requests include
# malformed ones (wrong types, missing fields, bad JSON, out-of-range numbers).
#
# Checks on every response: no server error (nothing >= 500), the status is documented for the
# operation, and the content type and the body match the documented schema.
#
# The administrator's pass leaves out the operations on the caller's own credentials, which
# would otherwise end the sweep's own access halfway: signing out (DELETE /api/v1/session),
# revoking its own tokens, changing its own password, and setting up, enabling or turning off
# two-factor sign-in. The anonymous pass runs every operation, these included (they answer 401).
# Everything else may write: the node is a throwaway.
#
# The examples per operation are bounded and the seed is fixed, so the sweep is reproducible and
# takes a few minutes. Prints the number of requests and the results of each pass; exits non-zero
# on any failure. Environment: SWEEP_MAX_EXAMPLES (default 8), SWEEP_SEED (default 13),
# SWEEP_KEEP=1 keeps the reports (in the printed directory).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

SCHEMATHESIS_VERSION="4.32.5"
MAX_EXAMPLES="${SWEEP_MAX_EXAMPLES:-8}"
SEED="${SWEEP_SEED:-13}"

if ! command -v schemathesis >/dev/null 2>&1 \
  || [ "$(schemathesis --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  python3 -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >/dev/null 2>&1 \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages \
      "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --quiet -p jiuye-cli
JIUYE="${CARGO_TARGET_DIR:-target}/debug/jiuye"
DATA=$(mktemp -d)
PORT=$((30000 + RANDOM % 20000))
BASE="http://127.0.0.1:$PORT"
LOG="$DATA/serve.log"
REPORTS="$DATA/reports"
mkdir -p "$REPORTS"
"$JIUYE" serve --demo --data-dir "$DATA" --listen "127.0.0.1:$PORT" >"$LOG" 2>&1 &
PID=$!
cleanup() {
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  if [ "${SWEEP_KEEP:-0}" = 1 ]; then echo "reports and the node's log kept in $DATA"; else rm -rf "$DATA"; fi
}
trap cleanup EXIT
for _ in $(seq 1 900); do
  curl -sf "$BASE/healthz" >/dev/null && break
  kill -0 "$PID" 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 0.2
done
curl -sf "$BASE/healthz" >/dev/null || { echo "the demo node did not become healthy"; cat "$LOG"; exit 1; }

TOKEN=$("$JIUYE" token create --data-dir "$DATA" --username demo_ministry --expires-days 1 --name "接口扫描")
[ -n "$TOKEN" ] || { echo "no administrator token"; exit 1; }
curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/me" >/dev/null \
  || { echo "the administrator token is not accepted"; exit 1; }

CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"

# One pass: $1 names it, the rest are extra schemathesis options. One worker: with two, the
# Python 3.11 parser that Hypothesis calls to describe its strategies can fail in both threads at
# once ("AST constructor recursion depth mismatch"), a crash of the tool, not of the API.
sweep() {
  local name="$1"
  shift
  local started=$SECONDS status=0
  echo "== sweep: $name"
  # Run from the temporary directory: schemathesis keeps its working files in the current one.
  (cd "$DATA" && PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=api_sweep_hooks \
    SWEEP_BASE_URL="$BASE" SWEEP_TOKEN="$TOKEN" \
  schemathesis run "$BASE/api/openapi.json" \
    --url "$BASE" \
    --checks "$CHECKS" \
    --phases examples,coverage,fuzzing \
    --mode all \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --no-shrink \
    --workers 1 \
    --request-timeout 60 \
    --suppress-health-check all \
    --generation-database none \
    --continue-on-failure \
    --no-color \
    --output-truncate true \
    --report har --report-har-path "$REPORTS/$name.har" \
    "$@") >"$REPORTS/$name.log" 2>&1 || status=$?
  # The summary of schemathesis (failures, errors, counts) without the per-operation progress.
  sed -n '/^=* *\(FAILURES\|ERRORS\|SUMMARY\)/,$p' "$REPORTS/$name.log"
  python3 - "$REPORTS/$name.har" "$name" "$((SECONDS - started))" <<'PY'
import collections, json, sys
har, name, seconds = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    entries = json.load(open(har, encoding="utf-8"))["log"]["entries"]
except (OSError, ValueError, KeyError):
    entries = []
statuses = collections.Counter(e["response"]["status"] for e in entries)
errors = sum(n for s, n in statuses.items() if s >= 500)
shown = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
print(f"{name}: {len(entries)} requests in {seconds} s; statuses {shown}; responses >= 500: {errors}")
PY
  if [ "$status" -ne 0 ]; then
    echo "$name: schemathesis reported failures (exit $status)"
  fi
  return "$status"
}

# Whether a failed pass failed only inside schemathesis itself (a "Runtime Error" of the tool, with
# no check failing against jiuye): such a pass is run once more; a check that fails never is.
tool_error_only() {
  grep -q 'Runtime Error' "$REPORTS/$1.log" && ! grep -q '^=* *FAILURES' "$REPORTS/$1.log"
}

# Runs a pass, and once more when it failed only inside the tool.
pass() {
  local name="$1"
  sweep "$@" && return 0
  tool_error_only "$name" || return 1
  echo "$name: the failure was inside schemathesis, not a check against jiuye; running the pass once more"
  sweep "$@"
}

FAILED=0
pass administrator -H "Authorization: Bearer $TOKEN" \
  --exclude-operation-id-regex '^(delete_session|revoke_token|change_password|start_totp|enable_totp|disable_totp)$' \
  || FAILED=1
pass anonymous || FAILED=1

if grep -q 'panicked' "$LOG"; then
  echo "the node panicked during the sweep:"
  grep -B2 -A8 'panicked' "$LOG" | head -n 60
  FAILED=1
fi
if [ "$FAILED" -ne 0 ]; then
  echo "API sweep: FAILED"
  exit 1
fi
echo "API sweep: passed"
