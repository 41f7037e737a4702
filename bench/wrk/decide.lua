-- POST a decision, then GET its feedback page, as a learner's browser does.
--
-- Every POST is a NEW decision: each entry is an attempt waiting at a decision step, used
-- once (with its own session cookie and CSRF token). When a POST answers 302 to the
-- feedback page, that page is requested next; "new_decisions" counts those redirects and
-- the bench checks the count against the rows the database gained. Running out of entries
-- would turn POSTs into replays: "exhausted" counts them and the bench rejects the run.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local entries, position, pending, cookies
local follow = true

function init(args)
  entries = load_entries(args)
  follow = args[3] ~= "post-only"
  position = 0
  pending = {}
  cookies = {}
  for _, entry in ipairs(entries) do
    cookies[entry[1]:match("/attempts/(%d+)/")] = entry[2]
  end
end

function request()
  if #pending > 0 then
    local item = table.remove(pending, 1)
    return wrk.format("GET", item[1], headers_for(item[2]))
  end
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
  if status == 302 then
    local location = headers["Location"] or headers["location"] or ""
    local attempt = location:match("/attempts/(%d+)/steps/")
    if attempt then
      new_decisions = new_decisions + 1
      if follow then
        local path = location:gsub("^https?://[^/]+", "")
        table.insert(pending, {path, cookies[attempt]})
      end
    end
  end
end
