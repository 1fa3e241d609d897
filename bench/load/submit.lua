-- wrk script for ingest: POSTs generated packages (JSON, the 汨罗市 report's size) to
-- /api/v1/rounds/{id}/submissions. Run one connection per wrk thread (-tN -cN): each thread then
-- is one connection, cycling through its own share of the departments' tokens (line i of the
-- tokens file belongs to thread i mod N), so no two connections submit for the same department
-- at once. The body varies per request (the package bodies are cycled, offset per thread) and
-- carries the token's department code: the server refuses a package for another department.
--
-- Environment: KP_TOKENS (file of `code<TAB>token` lines, from seed-scale --tokens-out),
-- KP_BODIES (file listing package files, one path a line, from `kaoping generate`),
-- KP_THREADS (the -t value).
-- Resubmitting before the deadline is allowed, so departments submit again and again.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  -- (assert returns all its arguments: io.lines would take the message for a read format)
  local n = tonumber(os.getenv("KP_THREADS") or "")
  assert(n and n > 0, "KP_THREADS must be the number of wrk threads")
  local tokens_file = os.getenv("KP_TOKENS")
  local bodies_file = os.getenv("KP_BODIES")
  assert(tokens_file, "KP_TOKENS is not set")
  assert(bodies_file, "KP_BODIES is not set")
  tokens = {}
  local i = 0
  for line in io.lines(tokens_file) do
    local code, token = line:match("^(%S+)\t(%S+)$")
    if code then
      if i % n == id then
        table.insert(tokens, { code = code, auth = "Bearer " .. token })
      end
      i = i + 1
    end
  end
  assert(#tokens > 0, "thread " .. id .. " has no department tokens")
  bodies = {}
  for path in io.lines(bodies_file) do
    local f, err = io.open(path, "rb")
    assert(f, err)
    table.insert(bodies, f:read("*a"))
    f:close()
  end
  assert(#bodies > 0, "no package bodies")
  sent = 0
  ok = 0
  other = 0
  sample = ""
end

function request()
  local t = tokens[sent % #tokens + 1]
  local b = bodies[(sent + id * 7) % #bodies + 1]
  sent = sent + 1
  -- the department's code is the body's first "code" (serde writes department first)
  local body = b:gsub('"code":"%d+"', '"code":"' .. t.code .. '"', 1)
  return wrk.format("POST", nil, {
    ["Authorization"] = t.auth,
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    other = other + 1
    if sample == "" then
      sample = status .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local ok_total, other_total, samples = 0, 0, ""
  for _, t in ipairs(threads) do
    ok_total = ok_total + t:get("ok")
    other_total = other_total + t:get("other")
    local s = t:get("sample")
    if s ~= "" and samples == "" then
      samples = s
    end
  end
  local e = summary.errors
  io.write(string.format("kp_requests=%d\n", summary.requests))
  io.write(string.format("kp_seconds=%.3f\n", seconds))
  io.write(string.format("kp_2xx=%d\n", ok_total))
  io.write(string.format("kp_other=%d\n", other_total))
  io.write(string.format("kp_ok_per_second=%.1f\n", ok_total / seconds))
  io.write(string.format("kp_p50_ms=%.3f\n", latency:percentile(50) / 1000))
  io.write(string.format("kp_p90_ms=%.3f\n", latency:percentile(90) / 1000))
  io.write(string.format("kp_p99_ms=%.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("kp_max_ms=%.3f\n", latency.max / 1000))
  io.write(string.format("kp_socket_errors=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("kp_response_bytes=%d\n", summary.bytes))
  if samples ~= "" then
    io.write("kp_first_error=" .. samples:gsub("\n", " ") .. "\n")
  end
end
