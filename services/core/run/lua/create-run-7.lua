--[[
  Creates a run, unless its idempotency key or its id already names one: then returns that run.
  One round trip for the API's POST /v1/runs. The run's first status event is kept in its hash
  (includes/run-events.lua): a queued run has no events list.

  KEYS[1] run hash
  KEYS[2] idempotency key (KEYS[1] again when the request has none)
  KEYS[3] tenant index            KEYS[4] tenant + status index
  KEYS[5] tenant + agent index    KEYS[6] tenant + agent + status index
  KEYS[7] queued index (global, scored by when the run became eligible)

  ARGV[1] run id                  ARGV[2] spec (JSON)             ARGV[3] state (JSON)
  ARGV[4] eligible-at score (ms)  ARGV[5] first status event (JSON)
  ARGV[6] key prefix (ends with ':'), to find the run an idempotency key names

  Returns {1} when created; {0, id, spec, state, version, discarded} for an existing run.
]]
local rcall = redis.call
local hasKey = KEYS[2] ~= KEYS[1]

local function existing(id)
  local found = rcall('HMGET', ARGV[6] .. 'run:' .. id, 'spec', 'state', 'ver', 'discarded')
  if found[1] then return {0, id, found[1], found[2], found[3], found[4] or ''} end
end

if hasKey then
  local named = rcall('GET', KEYS[2])
  if named then
    local found = existing(named)
    if found then return found end
  end
end
local found = existing(ARGV[1])
if found then return found end

rcall('HSET', KEYS[1], 'spec', ARGV[2], 'state', ARGV[3], 'ver', 1, 'evseq', 1, 'events', '1|status|' .. ARGV[5])
if hasKey then
  rcall('SET', KEYS[2], ARGV[1])
  rcall('HSET', KEYS[1], 'idem', KEYS[2])
end
for i = 3, 6 do rcall('ZADD', KEYS[i], 0, ARGV[1]) end
rcall('ZADD', KEYS[7], ARGV[4], ARGV[1])
return {1}
