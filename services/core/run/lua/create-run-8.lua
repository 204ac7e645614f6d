--[[
  Creates a run, unless its idempotency key or its id already names one: then returns that run.
  One round trip for the API's POST /v1/runs.

  KEYS[1] run hash                KEYS[2] run events list
  KEYS[3] idempotency key (KEYS[1] again when the request has none)
  KEYS[4] tenant index            KEYS[5] tenant + status index
  KEYS[6] tenant + agent index    KEYS[7] tenant + agent + status index
  KEYS[8] queued index (global, scored by when the run became eligible)

  ARGV[1] run id                  ARGV[2] run document (JSON)
  ARGV[3] eligible-at score (ms)  ARGV[4] first status event (JSON)
  ARGV[5] key prefix (ends with ':'), to find the run an idempotency key names

  Returns {1} when created; {0, document, version, discarded} for an existing run.
]]
local rcall = redis.call
local hasKey = KEYS[3] ~= KEYS[1]

if hasKey then
  local existing = rcall('GET', KEYS[3])
  if existing then
    local found = rcall('HMGET', ARGV[5] .. 'run:' .. existing, 'doc', 'ver', 'discarded')
    if found[1] then return {0, found[1], found[2], found[3] or ''} end
  end
end

local current = rcall('HMGET', KEYS[1], 'doc', 'ver', 'discarded')
if current[1] then return {0, current[1], current[2], current[3] or ''} end

if hasKey then
  rcall('SET', KEYS[3], ARGV[1])
  rcall('HSET', KEYS[1], 'doc', ARGV[2], 'ver', 1, 'evseq', 1, 'idem', KEYS[3])
else
  rcall('HSET', KEYS[1], 'doc', ARGV[2], 'ver', 1, 'evseq', 1)
end
for i = 4, 7 do rcall('ZADD', KEYS[i], 0, ARGV[1]) end
rcall('ZADD', KEYS[8], ARGV[3], ARGV[1])
rcall('RPUSH', KEYS[2], '1|status|' .. ARGV[4])
return {1}
