-- POST a decision; its answer is the feedback page (engine evaluation, database write and
-- feedback render in one request), as a learner's browser receives it.
--
-- Every POST is a NEW decision: each entry is an attempt waiting at a decision step, used
-- once (with its own session cookie and CSRF token). A 200 whose Content-Location is the
-- feedback page of that step counts in "new_decisions", and the bench checks the count
-- against the rows the database gained. Running out of entries would turn POSTs into
-- replays: "exhausted" counts them and the bench rejects the run.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local entries, position

function init(args)
  entries = load_entries(args)
  position = 0
end

function request()
  position = position + 1
  if position > #entries then
    exhausted = exhausted + 1
    position = 1
  end
  local entry = entries[position]
  local headers = headers_for(entry[2])
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["Referer"] = "https://" .. wrk.host .. ":" .. wrk.port .. entry[1]:gsub("/decide$", "")
  return wrk.format("POST", entry[1], headers, entry[3])
end

function response(status, headers, body)
  count_status(status)
  if status == 200 then
    local location = headers["Content-Location"] or headers["content-location"] or ""
    if location:match("/attempts/%d+/steps/%d+$") then
      new_decisions = new_decisions + 1
    end
  end
end
