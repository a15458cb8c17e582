-- wrk script: POST the JSON bodies in WRK_BODY_FILE (one per line), in turn, so that a
-- feature lookup meets many different users; print the counts and the latency histogram
-- (microseconds, count: flattened pairs, ascending) as JSON at the end, so that runs can be
-- pooled exactly (benchmarks/common.py).
local bodies = {}
for line in io.lines(os.getenv("WRK_BODY_FILE")) do
  bodies[#bodies + 1] = line
end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end

function done(summary, latency, requests)
  local pairs = {}
  for k = 1, #latency do
    local value, count = latency(k)
    pairs[#pairs + 1] = string.format("%d,%d", value, count)
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, "p99_ms": %.3f, "max_ms": %.3f, "histogram": [%s]}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(99) / 1000, latency.max / 1000, table.concat(pairs, ",")))
end
