-- One request shape for every wrk run of the bench, set through the environment:
-- BENCH_METHOD, BENCH_PATH and BENCH_BODY (where "{n}" becomes a random number in
-- BENCH_LO..BENCH_HI, formatted with BENCH_FORMAT), BENCH_AUTH, BENCH_COOKIE.
-- done() prints one JSON line the bench reads back.

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local body = os.getenv("BENCH_BODY")
local lo = tonumber(os.getenv("BENCH_LO") or "1")
local hi = tonumber(os.getenv("BENCH_HI") or "1")
local fmt = os.getenv("BENCH_FORMAT") or "%d"
local headers = {}
headers["Content-Type"] = "application/json"
headers["Accept"] = "application/json, text/html"
if os.getenv("BENCH_AUTH") then headers["Authorization"] = os.getenv("BENCH_AUTH") end
if os.getenv("BENCH_COOKIE") then headers["Cookie"] = os.getenv("BENCH_COOKIE") end
if os.getenv("BENCH_CSRF") then headers["X-CSRFToken"] = os.getenv("BENCH_CSRF") end

function init(args)
  math.randomseed(os.time())
end

local function fill(template)
  if template == nil then return nil end
  local n = string.format(fmt, math.random(lo, hi))
  return (template:gsub("{n}", n))
end

function request()
  return wrk.format(method, fill(path), headers, fill(body))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nBENCH_JSON {"requests": %d, "duration_us": %d, "errors_connect": %d, ' ..
    '"errors_read": %d, "errors_write": %d, "errors_status": %d, "errors_timeout": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
