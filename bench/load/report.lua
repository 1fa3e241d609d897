-- wrk script for the GET runs (/healthz, rankings): no request() or response() of its own, so
-- wrk sends its one pre-built request at full speed; done() prints the figures run.sh reads,
-- one `kp_key=value` a line.

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("kp_requests=%d\n", summary.requests))
  io.write(string.format("kp_seconds=%.3f\n", seconds))
  io.write(string.format("kp_rps=%.1f\n", summary.requests / seconds))
  io.write(string.format("kp_p50_ms=%.3f\n", latency:percentile(50) / 1000))
  io.write(string.format("kp_p90_ms=%.3f\n", latency:percentile(90) / 1000))
  io.write(string.format("kp_p99_ms=%.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("kp_max_ms=%.3f\n", latency.max / 1000))
  -- wrk counts a status above 399 as an error; the script fails on any
  io.write(string.format("kp_non2xx=%d\n", e.status))
  io.write(string.format("kp_socket_errors=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("kp_bytes=%d\n", summary.bytes))
end
