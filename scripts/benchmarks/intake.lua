-- wrk script for the intake benchmark: POST /v1/orders, each request pre-signed.
-- Usage: wrk ... -s intake.lua URL -- REQUESTS_FILE
-- Producers sign every request (Ed25519 over method, path, timestamp, nonce and body hash) and
-- a nonce is good once, so the harness signs a pool of unique requests just before the run
-- (timestamps must be within 30 s) and each wrk thread replays its share, each once. Every
-- body carries its own idempotency key and quantity, so no duplicate guard short-cuts it.
-- File lines: key_id TAB timestamp TAB nonce TAB signature TAB body

local next_thread = 0
local threads = {}
local pool = {}
local index = 0

function setup(thread)
  thread:set("thread_id", next_thread)
  table.insert(threads, thread)
  next_thread = next_thread + 1
end

function init(args)
  local n = 0
  local mine = thread_id or 0
  local count = #threads
  if count == 0 then count = 1 end
  for line in io.lines(args[1]) do
    if n % count == mine then
      local k, ts, nonce, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      table.insert(pool, {k, ts, nonce, sig, body})
    end
    n = n + 1
  end
end

function request()
  index = index + 1
  local r = pool[(index - 1) % #pool + 1]
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-GW-Key"] = r[1], ["X-GW-Timestamp"] = r[2], ["X-GW-Nonce"] = r[3],
    ["X-GW-Signature"] = r[4],
  }
  return wrk.format("POST", nil, headers, r[5])
end
