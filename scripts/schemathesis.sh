#!/usr/bin/env bash
# API fuzzing (issue 8): schemathesis, from PyPI at a pinned version, against the committed
# openapi/openapi.json on a running `kaoping serve --demo` (a temporary SQLite database, the demo's
# admin token). Fails on any server error (5xx) and on any answer the document does not describe:
# an undocumented status, content type or header, or a body that breaks its response schema.
# The number of examples per operation is bounded, the seed fixed, and the whole run capped in
# time, so CI gets the same run every time in a few minutes.
#
#   scripts/schemathesis.sh                       # 20 examples per operation
#   KAOPING_FUZZ_EXAMPLES=100 KAOPING_FUZZ_SEED=7 scripts/schemathesis.sh
#
# Not checked: positive_data_acceptance (a request the schema allows may still be refused: an
# unknown department code, a reviewer who does not exist, a version not yet published; the
# document cannot say what exists) and the two checks that assume a deleted resource is gone
# (use_after_free, ensure_resource_availability: a deleted webhook's deliveries stay readable on
# purpose). DELETE /api/v1/tokens/{id} is left out: it would revoke the token the run uses;
# tests/it/authz_matrix.rs and tests/it/api_auth.rs cover it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

SCHEMATHESIS_VERSION=4.32.5
venv="${KAOPING_SCHEMATHESIS_VENV:-$HOME/.cache/kaoping-schemathesis}"
examples="${KAOPING_FUZZ_EXAMPLES:-20}"
seed="${KAOPING_FUZZ_SEED:-20261122}"
time_limit="${KAOPING_FUZZ_TIMEOUT:-900}"

die() { echo "schemathesis: $*" >&2; exit 1; }

# schemathesis itself, in its own virtualenv, reinstalled when the pin changes
if [ ! -x "$venv/bin/st" ] || [ "$("$venv/bin/st" --version 2>/dev/null)" != "st, version $SCHEMATHESIS_VERSION" ]; then
  command -v python3 >/dev/null || die "python3 is needed"
  echo "== installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || die "cannot create a virtualenv (Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" \
    || die "cannot install schemathesis $SCHEMATHESIS_VERSION from PyPI"
fi
"$venv/bin/st" --version

echo "== building kaoping"
cargo build --locked --bin kaoping
bin="$root/target/debug/kaoping"
[ -x "$bin" ] || die "no binary at $bin"

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting kaoping serve --demo"
# The fuzzer sends wrong tokens on purpose (ignored_auth) from one address: the throttle, which
# would answer them 429 after ten, is raised so that they get the 401 the check looks for.
env -u KAOPING_ADMIN_TOKEN -u DATABASE_URL RUST_LOG=warn \
  "$bin" serve --demo --bind 127.0.0.1:0 --database-url "sqlite://$work/demo.db" --log-format json \
  --auth-max-failures 1000000 \
  >"$work/stdout" 2>"$work/server.log" &
server=$!
for _ in $(seq 1 120); do
  grep -q '^kaoping serving on ' "$work/stdout" && break
  kill -0 "$server" 2>/dev/null || { cat "$work/stdout" "$work/server.log" >&2; die "the server stopped"; }
  sleep 0.5
done
base=$(sed -n 's/^kaoping serving on \([^ ]*\).*/\1/p' "$work/stdout" | head -n 1)
[ -n "$base" ] || { cat "$work/stdout" "$work/server.log" >&2; die "the server did not start"; }
# the demo's admin token: the first kp_ line after "Demo round"
token=$(awk '/^Demo round/ { seen = 1 } seen && $1 ~ /^kp_/ { print $1; exit }' "$work/stdout")
[ -n "$token" ] || die "the demo printed no admin token"
echo "   $base"

echo "== schemathesis: $examples examples per operation, seed $seed"
status=0
(
  cd "$work"
  timeout --kill-after=30 "$time_limit" "$venv/bin/st" run "$root/openapi/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer $token" \
    --max-examples "$examples" \
    --seed "$seed" \
    --workers 1 \
    --checks all \
    --exclude-checks positive_data_acceptance,use_after_free,ensure_resource_availability \
    --exclude-operation-id revoke_token \
    --generation-with-security-parameters false \
    --generation-database none \
    --request-timeout 30 \
    --no-color \
    --report junit --report-dir "$work/report"
) || status=$?

# A failure the fuzzer did not see (a panic in a worker, an error logged) fails the run too.
# actix-http logs a request it cannot parse (a NUL byte in a header) at ERROR; that is the
# client's fault and answered 400, so it is not counted.
errors=$(grep -E 'panicked|"level":"ERROR"' "$work/server.log" | grep -v 'request parse error' || true)
if [ -n "$errors" ]; then
  echo "schemathesis: the server logged errors:" >&2
  echo "$errors" | head -n 40 >&2
  status=1
fi
kill -0 "$server" 2>/dev/null || { echo "schemathesis: the server died during the run" >&2; status=1; }

if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  die "the run took longer than ${time_limit}s"
fi
[ "$status" -eq 0 ] || die "failures found (exit $status); reproduce with KAOPING_FUZZ_SEED=$seed scripts/schemathesis.sh"
echo "schemathesis: no failures"
