#!/usr/bin/env bash
# HTTP load test of issue 7 ("Performance"), on one backend: sqlite or postgres.
#
#   bench/load/run.sh sqlite
#   bench/load/run.sh postgres
#
# 1. builds the release binary and the load tooling (kaoping-load, insert_baseline);
# 2. seeds a fresh database with `kaoping-load seed-scale`: a round of DEPARTMENTS (10,000) generated
#    departments submitted, judged and closed; then an open
#    round of INGEST_DEPARTMENTS (2,000) with their tokens (--tokens-out) for the ingest run;
# 3. starts `kaoping serve` (release) on that database and samples its VmRSS/VmHWM before and
#    after every phase; publishes the round through it (POST …/publish, timed by curl), so the
#    publication counts in the server's memory;
# 4. makes the published round's results public (PATCH /api/v1/rounds/{id}) and runs wrk against
#    /healthz and /api/v1/rounds/{id}/rankings back to back with the same settings;
# 5. ingest: wrk POSTs generated packages (submit.lua) with INGEST_CONNECTIONS (8) connections,
#    one per wrk thread, counting 2xx and the rest;
# 6. the database's own limit in the same run: insert_baseline (crates/load), 8 threads of single-row
#    INSERT transactions of the same package JSON (SQLite: a scratch file beside the server's, same
#    pragmas; PostgreSQL: a scratch table in the same database on the same server);
# 7. prints a readable summary, then one `key=value` a line after `--- results ---`.
#
# Fails (non-zero exit, message on stderr) on any error: a command that fails, an HTTP status
# that is not the expected one, any non-2xx response or socket error during a wrk run. A missed
# performance target is not an error: it is reported as target_*=false.
#
# Settings (environment): DEPARTMENTS=10000 INGEST_DEPARTMENTS=2000 SEED=1 BODIES=64
# DURATION=15s WRK_THREADS=2 WRK_CONNECTIONS=8 INGEST_CONNECTIONS=8 BASELINE_THREADS=8
# BASELINE_SECONDS=10 SEED_THREADS=4 (8 on postgres) PORT=18080 SERVER_WORKERS= (default: one per core)
# SERVER_LOG=info (RUST_LOG of the server; its log goes to a file)
# PG_SERVER=postgres://postgres@127.0.0.1:5432 (a database is created and dropped there)
# KEEP_WORK=1 keeps the scratch directory (database, logs, wrk outputs).

set -euo pipefail

BACKEND=${1:-}
case "$BACKEND" in
  sqlite | postgres) ;;
  *)
    echo "usage: $0 sqlite|postgres" >&2
    exit 2
    ;;
esac

DEPARTMENTS=${DEPARTMENTS:-10000}
INGEST_DEPARTMENTS=${INGEST_DEPARTMENTS:-2000}
SEED=${SEED:-1}
BODIES=${BODIES:-64}
DURATION=${DURATION:-15s}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-8}
INGEST_CONNECTIONS=${INGEST_CONNECTIONS:-8}
BASELINE_THREADS=${BASELINE_THREADS:-8}
BASELINE_SECONDS=${BASELINE_SECONDS:-10}
# PostgreSQL commits wait on fsync: more seeding threads keep its group commit busy
case "$BACKEND" in
  sqlite) SEED_THREADS=${SEED_THREADS:-4} ;;
  postgres) SEED_THREADS=${SEED_THREADS:-8} ;;
esac
PORT=${PORT:-18080}
SERVER_WORKERS=${SERVER_WORKERS:-}
SERVER_LOG=${SERVER_LOG:-info}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN="$ROOT/target/release/kaoping"
LOAD_BIN="$ROOT/target/release/kaoping-load"
BASELINE_BIN="$ROOT/target/release/insert_baseline"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kaoping-load.XXXXXX")
BASE="http://127.0.0.1:$PORT"
SERVER_PID=""
PG_DB=""

say() { printf '%s\n' "$*" >&2; }
die() {
  say "run.sh: FAILED: $*"
  if [[ -n "$SERVER_PID" && -f "$WORK/server.log" ]]; then
    say "--- last lines of the server log ($WORK/server.log) ---"
    tail -n 8 "$WORK/server.log" | cut -c1-400 >&2 || true
  fi
  exit 1
}

cleanup() {
  local status=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ -n "$PG_DB" ]]; then
    dropdb --if-exists --force --maintenance-db="$PG_SERVER/postgres" "$PG_DB" ||
      say "run.sh: could not drop database $PG_DB"
  fi
  if [[ "${KEEP_WORK:-}" == 1 || $status -ne 0 ]]; then
    say "run.sh: scratch files kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
# a signal ends the script through exit, so the EXIT trap stops the server and drops the database
trap 'exit 143' TERM
trap 'exit 130' INT

for tool in wrk curl jq awk; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
if [[ "$BACKEND" == postgres ]]; then
  command -v createdb >/dev/null || die "createdb (postgresql-client) is not installed"
fi

# key=value results, printed at the end
RESULTS=()
result() { RESULTS+=("$1=$2"); }
# kp_KEY from a wrk output file
kp() { grep -m1 "^kp_$2=" "$1" | cut -d= -f2- || true; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
bool() { if "$@"; then echo true; else echo false; fi; }

# VmRSS and VmHWM (kB) of the server, recorded as rss_PHASE_kb and hwm_PHASE_kb
rss() {
  local phase=$1 rss hwm
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
  result "rss_${phase}_kb" "$rss"
  result "hwm_${phase}_kb" "$hwm"
  say "  server RSS $phase: $((rss / 1024)) MB (peak so far $((hwm / 1024)) MB)"
}

# curl that fails unless the status is the expected one; the body goes to $3
http() {
  local expect=$1 out=$2
  shift 2
  local code
  code=$(curl -sS -o "$out" -w '%{http_code}' "$@") || die "curl $* failed"
  [[ "$code" == "$expect" ]] || die "HTTP $code (expected $expect) from curl $*: $(head -c 300 "$out")"
}

# wrk that fails on any non-2xx response or socket error; output in $WORK/$1.txt
run_wrk() {
  local name=$1
  shift
  say "wrk $*"
  wrk "$@" >"$WORK/$name.txt" 2>&1 || die "wrk failed: $(tail -n 5 "$WORK/$name.txt")"
  cat "$WORK/$name.txt" >&2
  local non2xx socket
  non2xx=$(kp "$WORK/$name.txt" non2xx)
  socket=$(kp "$WORK/$name.txt" socket_errors)
  [[ -n "$socket" ]] || die "wrk printed no results for $name"
  [[ "${non2xx:-0}" == 0 ]] || die "$name: $non2xx responses were not 2xx"
  [[ "$socket" == 0 ]] || die "$name: $socket socket errors (connect/read/write/timeout)"
}

say "== machine"
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM_GB=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
say "$(nproc) cores ($CPU), ${MEM_GB} GiB, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
result date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
result backend "$BACKEND"
result cores "$(nproc)"
result cpu "\"$CPU\""
result loadavg_start "\"$(cut -d' ' -f1-3 /proc/loadavg)\""
result departments "$DEPARTMENTS"
result ingest_departments "$INGEST_DEPARTMENTS"
result seed "$SEED"
result wrk_settings "\"-t$WRK_THREADS -c$WRK_CONNECTIONS -d$DURATION\""
result server_log "$SERVER_LOG"

say "== build (release)"
(cd "$ROOT" && cargo build --release --bin kaoping -p kaoping-load) >&2 ||
  die "cargo build --release failed"

case "$BACKEND" in
  sqlite)
    DB_URL="sqlite://$WORK/kaoping.db"
    BASELINE_URL="sqlite://$WORK/baseline.db"
    ;;
  postgres)
    PG_DB="kaoping_load_$$"
    createdb --maintenance-db="$PG_SERVER/postgres" "$PG_DB" || die "cannot create database $PG_DB"
    DB_URL="$PG_SERVER/$PG_DB"
    BASELINE_URL="$DB_URL"
    result postgres_version "\"$(psql -At -d "$DB_URL" -c 'SHOW server_version')\""
    ;;
esac

say "== seed: $DEPARTMENTS departments, submitted and judged (published later, by the server)"
"$LOAD_BIN" seed-scale --database-url "$DB_URL" --departments "$DEPARTMENTS" --seed "$SEED" \
  --threads "$SEED_THREADS" >"$WORK/seed.json" || die "seed-scale failed"
jq -c '{round_id, submitted, late, not_submitted, items_judged, phases_ms}' \
  "$WORK/seed.json" >&2
ROUND=$(jq -er .round_id "$WORK/seed.json")
ADMIN=$(jq -er .admin_token "$WORK/seed.json")
[[ $(jq -er .state "$WORK/seed.json") == closed ]] || die "the round was not closed and judged"
result seed_submitted "$(jq -er .submitted "$WORK/seed.json")"
result seed_late "$(jq -er .late "$WORK/seed.json")"
for phase in departments tokens submit judge total; do
  result "seed_${phase}_ms" "$(jq -er ".phases_ms.$phase" "$WORK/seed.json")"
done

say "== seed: an open round of $INGEST_DEPARTMENTS departments for ingest"
"$LOAD_BIN" seed-scale --database-url "$DB_URL" --departments "$INGEST_DEPARTMENTS" --seed "$SEED" \
  --threads "$SEED_THREADS" --open --tokens-out "$WORK/tokens.tsv" >"$WORK/ingest-seed.json" ||
  die "seed-scale --open failed"
INGEST_ROUND=$(jq -er .round_id "$WORK/ingest-seed.json")
[[ $(wc -l <"$WORK/tokens.tsv") -eq "$INGEST_DEPARTMENTS" ]] || die "tokens file is short"

say "== package bodies: $BODIES generated packages"
"$LOAD_BIN" generate --departments "$BODIES" --seed "$((SEED + 1))" --out "$WORK/bodies" >&2 ||
  die "generate failed"
jq -r '.departments[].file' "$WORK/bodies/manifest.json" | sed "s|^|$WORK/bodies/|" >"$WORK/bodies.txt"
BODY_BYTES=$(jq '[.departments[].bytes] | add / length | floor' "$WORK/bodies/manifest.json")
result ingest_body_bytes_mean "$BODY_BYTES"

say "== serve"
SERVE_ARGS=(serve --bind "127.0.0.1:$PORT" --database-url "$DB_URL" --log-format json)
[[ -n "$SERVER_WORKERS" ]] && SERVE_ARGS+=(--workers "$SERVER_WORKERS")
RUST_LOG="$SERVER_LOG" "$BIN" "${SERVE_ARGS[@]}" >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited at start"
  sleep 0.1
done
curl -fsS -o /dev/null "$BASE/healthz" || die "the server does not answer $BASE/healthz"
rss idle

say "== publish round $ROUND ($DEPARTMENTS departments) through the server"
PUBLISHED=$(curl -sS -o "$WORK/publish.json" -w '%{http_code} %{time_total}' -X POST \
  -H "Authorization: Bearer $ADMIN" "$BASE/api/v1/rounds/$ROUND/publish") ||
  die "curl publish failed"
[[ "${PUBLISHED%% *}" == 201 ]] || die "publish answered ${PUBLISHED%% *}: $(head -c 300 "$WORK/publish.json")"
PUBLISH_MS=$(awk -v s="${PUBLISHED#* }" 'BEGIN { printf "%.0f", s * 1000 }')
say "  published in $PUBLISH_MS ms: $(jq -c '{version, departments, ranked}' "$WORK/publish.json")"
grep -m1 '"published"' "$WORK/server.log" | jq -c '.fields // .' >&2 || true
result publish_ms "$PUBLISH_MS"
rss after_publish

say "== rankings of round $ROUND"
http 200 "$WORK/patch.json" -X PATCH "$BASE/api/v1/rounds/$ROUND" \
  -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"public_results": true, "reason": "负载测试：公开结果以便无令牌读取排名"}'
RANKINGS="$BASE/api/v1/rounds/$ROUND/rankings"
# the first read parses the snapshot and ranks it (then cached): timed on its own
FIRST_S=$(curl -sS -o "$WORK/rankings.json" -w '%{time_total}' "$RANKINGS") || die "curl $RANKINGS"
TOTAL_ROWS=$(jq -er .total_rows "$WORK/rankings.json") || die "rankings: $(head -c 300 "$WORK/rankings.json")"
[[ "$TOTAL_ROWS" == "$DEPARTMENTS" ]] || die "rankings list $TOTAL_ROWS rows, expected $DEPARTMENTS"
http 200 "$WORK/rankings.json" "$RANKINGS"
result rankings_first_request_ms "$(awk -v s="$FIRST_S" 'BEGIN { printf "%.1f", s * 1000 }')"
rss after_first_rankings

WRK=(-t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$DURATION" --latency -s "$HERE/report.lua")
run_wrk healthz "${WRK[@]}" "$BASE/healthz"
rss after_healthz
run_wrk rankings "${WRK[@]}" "$RANKINGS"
rss after_rankings
HEALTHZ_RPS=$(kp "$WORK/healthz.txt" rps)
RANKINGS_RPS=$(kp "$WORK/rankings.txt" rps)
RANKINGS_P99=$(kp "$WORK/rankings.txt" p99_ms)
RANK_RATIO=$(ratio "$RANKINGS_RPS" "$HEALTHZ_RPS")
for k in rps p50_ms p99_ms; do
  result "healthz_$k" "$(kp "$WORK/healthz.txt" $k)"
  result "rankings_$k" "$(kp "$WORK/rankings.txt" $k)"
done
result rankings_to_healthz_ratio "$RANK_RATIO"
result target_rankings_ratio_ge_0_5 "$(bool ge "$RANK_RATIO" 0.5)"
result target_rankings_p99_lt_10ms "$(bool lt "$RANKINGS_P99" 10)"
result target_publish_lt_2s "$(bool lt "$PUBLISH_MS" 2000)"

say "== ingest: $INGEST_CONNECTIONS connections POSTing packages to round $INGEST_ROUND"
KP_TOKENS="$WORK/tokens.tsv" KP_BODIES="$WORK/bodies.txt" KP_THREADS="$INGEST_CONNECTIONS" \
  run_wrk ingest -t"$INGEST_CONNECTIONS" -c"$INGEST_CONNECTIONS" -d"$DURATION" --latency \
  --timeout 30s -s "$HERE/submit.lua" "$BASE/api/v1/rounds/$INGEST_ROUND/submissions"
rss after_ingest
INGEST_OK=$(kp "$WORK/ingest.txt" 2xx)
INGEST_OTHER=$(kp "$WORK/ingest.txt" other)
[[ "$INGEST_OTHER" == 0 ]] || die "ingest: $INGEST_OTHER responses were not 2xx: $(kp "$WORK/ingest.txt" first_error)"
[[ "$INGEST_OK" -gt 0 ]] || die "ingest: nothing was accepted"
INGEST_RPS=$(kp "$WORK/ingest.txt" ok_per_second)
# a department's history holds what was sent: the last submission is readable and scored
FIRST_CODE=$(head -n1 "$WORK/tokens.tsv" | cut -f1)
http 200 "$WORK/sheet.json" -H "Authorization: Bearer $ADMIN" \
  "$BASE/api/v1/rounds/$INGEST_ROUND/departments/$FIRST_CODE/score-sheet"
jq -e '.total' "$WORK/sheet.json" >/dev/null || die "the score sheet has no total"
result ingest_2xx "$INGEST_OK"
result ingest_other "$INGEST_OTHER"
result ingest_per_second "$INGEST_RPS"
result ingest_p50_ms "$(kp "$WORK/ingest.txt" p50_ms)"
result ingest_p99_ms "$(kp "$WORK/ingest.txt" p99_ms)"

say "== the database's own limit: $BASELINE_THREADS threads of single-row INSERT transactions"
"$BASELINE_BIN" --database-url "$BASELINE_URL" --threads "$BASELINE_THREADS" \
  --seconds "$BASELINE_SECONDS" --seed "$((SEED + 1))" --bodies "$BODIES" >"$WORK/baseline.txt" ||
  die "insert_baseline failed"
cat "$WORK/baseline.txt" >&2
# the scratch SQLite file keeps its size after the table is dropped
if [[ "$BACKEND" == sqlite ]]; then rm -f "$WORK"/baseline.db "$WORK"/baseline.db-wal "$WORK"/baseline.db-shm; fi
BASELINE_RPS=$(grep -m1 '^inserts_per_second=' "$WORK/baseline.txt" | cut -d= -f2)
[[ -n "$BASELINE_RPS" ]] || die "insert_baseline printed no rate"
INGEST_RATIO=$(ratio "$INGEST_RPS" "$BASELINE_RPS")
result baseline_inserts_per_second "$BASELINE_RPS"
result baseline_body_bytes_mean "$(grep -m1 '^body_bytes_mean=' "$WORK/baseline.txt" | cut -d= -f2)"
result ingest_to_baseline_ratio "$INGEST_RATIO"
case "$BACKEND" in
  sqlite) INGEST_TARGET=500 ;;
  postgres) INGEST_TARGET=300 ;;
esac
result target_ingest_ge_$INGEST_TARGET "$(bool ge "$INGEST_RPS" "$INGEST_TARGET")"
rss after_baseline

PEAK_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
result server_peak_rss_kb "$PEAK_KB"
result target_rss_lt_300mb "$(bool lt "$PEAK_KB" $((300 * 1024)))"
result loadavg_end "\"$(cut -d' ' -f1-3 /proc/loadavg)\""

cat <<EOF

kaoping load test, $BACKEND, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($CPU)
  publish $DEPARTMENTS departments:   $PUBLISH_MS ms (target < 2000)
  /healthz:                        $HEALTHZ_RPS req/s, p50 $(kp "$WORK/healthz.txt" p50_ms) ms, p99 $(kp "$WORK/healthz.txt" p99_ms) ms
  rankings (100 rows of $DEPARTMENTS):   $RANKINGS_RPS req/s, p50 $(kp "$WORK/rankings.txt" p50_ms) ms, p99 $RANKINGS_P99 ms
  rankings / healthz:              $RANK_RATIO (target >= 0.5, p99 < 10 ms)
  ingest ($INGEST_CONNECTIONS clients, ~$BODY_BYTES B):    $INGEST_RPS accepted/s ($INGEST_OK 2xx, $INGEST_OTHER other), p99 $(kp "$WORK/ingest.txt" p99_ms) ms (target >= $INGEST_TARGET)
  database limit:                  $BASELINE_RPS inserts/s ($BASELINE_THREADS threads); ingest / limit $INGEST_RATIO
  server peak RSS:                 $((PEAK_KB / 1024)) MB (target < 300)

--- results ---
EOF
printf '%s\n' "${RESULTS[@]}"
