-- GET pages (case node, debrief, hello), cycling over this thread's entries.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local entries, position

function init(args)
  entries = load_entries(args)
  position = 0
end

function request()
  position = position % #entries + 1
  local entry = entries[position]
  return wrk.format("GET", entry[1], headers_for(entry[2]))
end

function response(status, headers, body)
  count_status(status)
end
