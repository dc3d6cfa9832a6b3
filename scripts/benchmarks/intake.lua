-- wrk script for the intake benchmark: POST /v1/orders with a bearer token.
-- Usage: wrk ... -s intake.lua URL -- RUN_TAG TOKEN
-- Every request carries a fresh idempotency key and quantity, so the gateway's duplicate
-- guard never turns intake into a cache hit. Keys are RUN_TAG-THREAD-COUNTER: unique across
-- wrk threads (each has its own Lua state) and across runs against the same database.

local next_thread = 0
local prefix = "k"
local counter = 0

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  prefix = "k-" .. (args[1] or "run") .. "-" .. tostring(thread_id or 0)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. (args[2] or "none")
end

local template = '{"symbol":"BTC/USDT","side":"buy","type":"limit",'
  .. '"quantity":"0.%04d","limit_price":"95000","idempotency_key":"%s-%d"}'

function request()
  counter = counter + 1
  -- quantity walks 0.0010 .. 0.9999 so bodies (and notionals) differ request by request
  local body = string.format(template, 10 + counter % 9990, prefix, counter)
  return wrk.format(nil, nil, nil, body)
end
