-- Shared by the bench's wrk scripts: entries per thread, status counters, a JSON summary.
--
-- Each script is run as:  wrk ... -s <script>.lua URL -- <entries.lua> <threads>
-- <entries.lua> returns a table of {path, cookie, body} entries written by
-- bench/request_path.py (session cookies and CSRF tokens obtained before the run).
-- Thread i takes the entries whose index is i modulo <threads>, so no two threads (and,
-- for decisions, no two requests) share an entry.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function load_entries(args)
  local all = dofile(args[1])
  local count = tonumber(args[2])
  local mine = {}
  for i, entry in ipairs(all) do
    if (i - 1) % count == id - 1 then
      mine[#mine + 1] = entry
    end
  end
  if #mine == 0 then
    error("thread " .. id .. " has no entries: write at least one per thread")
  end
  ok, redirects, client_errors, server_errors, new_decisions, exhausted = 0, 0, 0, 0, 0, 0
  return mine
end

function headers_for(cookie)
  -- X-Forwarded-Proto: what the TLS proxy of the README's deployment adds; without it the
  -- production app redirects every request to https.
  return {
    ["Cookie"] = "session=" .. cookie,
    ["User-Agent"] = "edu-bench",
    ["X-Forwarded-Proto"] = "https",
    ["Accept"] = "text/html",
  }
end

function count_status(status)
  if status < 300 then
    ok = ok + 1
  elseif status < 400 then
    redirects = redirects + 1
  elseif status < 500 then
    client_errors = client_errors + 1
  else
    server_errors = server_errors + 1
  end
end

function done(summary, latency, requests)
  local totals = {ok = 0, redirects = 0, client_errors = 0, server_errors = 0,
                  new_decisions = 0, exhausted = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "mean_us": %.1f, "max_us": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d, "ok": %d, "redirects": %d, "client_errors": %d, ' ..
    '"server_errors": %d, "new_decisions": %d, "exhausted": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max, e.connect, e.read, e.write, e.timeout,
    totals.ok, totals.redirects, totals.client_errors, totals.server_errors,
    totals.new_decisions, totals.exhausted))
end
