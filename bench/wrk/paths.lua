-- Drive a list of requests (path <TAB> cookie per line of the file named by BENCH_PATHS),
-- round robin from a different start in each thread; stop after BENCH_MAX responses per
-- thread; print the figures as one JSON line for bench/load.py.
local paths = {}
local counter, max_responses = 0, tonumber(os.getenv("BENCH_MAX") or "100000")
local threads = {}

local function load(file)
  local out = {}
  for line in io.lines(file) do
    local path, cookie = line:match("^([^\t]+)\t?(.*)$")
    if path then
      local headers = {}
      if cookie and #cookie > 0 then headers["Cookie"] = cookie end
      out[#out + 1] = wrk.format("GET", path, headers)
    end
  end
  return out
end

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = load(os.getenv("BENCH_PATHS"))
  counter = (id or 0) * 7
end

function request()
  counter = counter + 1
  return paths[(counter % #paths) + 1]
end

local seen = 0
function response(status, headers, body)
  seen = seen + 1
  if seen >= max_responses then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "non_2xx": %d, ' ..
    '"socket_errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
