--[[
  Compare-and-set of the states of one or more runs (the store gathers the transitions issued in the
  same turn of the event loop into one call). Each new state was computed by the state machine in
  TypeScript from the version the caller expects; this script only makes it stick atomically, with
  everything that goes with a status change: lease, indexes, the status event, expiry of a finished
  run, the cancel notification. A transition that finds another version changes nothing and returns
  the run's current record, so the caller can decide again without a read of its own.

  KEYS[1] queued index    KEYS[2] expiring index (finished runs, scored by expiry ms)
  then 6 keys per transition:
    run hash, run events list, tenant + old status index, tenant + new status index,
    tenant + agent + old status index, tenant + agent + new status index

  ARGV[1] now (ms)    ARGV[2] key prefix (ends with ':')    ARGV[3] most events kept per run
  ARGV[4] status events kept in the run's hash before it gets a list (includes/run-events.lua)
  ARGV[5] channel on which the ids of runs asked to cancel are published
  then 12 arguments per transition:
    1 expected version             2 lease token that must be held ('' = no lease check)
    3 what the run's spec must start with ('' = no check)
    4 run id                       5 new state (JSON)             6 status event data (JSON)
    7 eligible-at score when the run is queued after this ('' = not queued)
    8 lease: '' keep, '-' release, otherwise a new token    9 new lease expiry (ms)
    10 '1' to flag a cancel request
    11 retention ms when the run is now finished ('' = not finished)
    12 expiring-index member (JSON [tenant, agent, status, id], as encoded in key names)

  Returns one reply per transition, in order:
    {'ok', new version} | {'lost'} (the lease is not the one given) | {'missing'} (no such run) |
    {'conflict', version, state, spec, lease, lease expiry, closedBy, discarded}
]]
local rcall = redis.call
local now, prefix, maxEvents, keptInHash, cancelChannel = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local KEYS_EACH, ARGS_EACH = 6, 12

--- @include "run-events"

-- Index entries of runs whose retention has passed go here, a few per finished run, so the indexes
-- never grow without bound (listing also skips and drops entries of vanished runs).
local function dropExpiredIndexEntries(expiringKey)
  local due = rcall('ZRANGEBYSCORE', expiringKey, '-inf', now, 'LIMIT', 0, 20)
  for _, member in ipairs(due) do
    local entry = cjson.decode(member)
    local tenantIndex = prefix .. 'runs:' .. entry[1]
    local agentIndex = tenantIndex .. ':agent:' .. entry[2]
    rcall('ZREM', tenantIndex, entry[4])
    rcall('ZREM', tenantIndex .. ':status:' .. entry[3], entry[4])
    rcall('ZREM', agentIndex, entry[4])
    rcall('ZREM', agentIndex .. ':status:' .. entry[3], entry[4])
    rcall('ZREM', expiringKey, member)
  end
end

local function transition(k, a)
  local runKey, eventsKey = KEYS[k], KEYS[k + 1]
  local expected, holding, specPrefix, id = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local state, event, queuedScore, lease, leaseUntil = ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], ARGV[a + 7], ARGV[a + 8]
  local flagCancel, retention, expiringMember = ARGV[a + 9], ARGV[a + 10], ARGV[a + 11]

  local current = rcall('HMGET', runKey, 'ver', 'lease')
  if not current[1] then return {'missing'} end
  if holding ~= '' and current[2] ~= holding then return {'lost'} end
  if current[1] ~= expected or (specPrefix ~= '' and string.sub(rcall('HGET', runKey, 'spec') or '', 1, #specPrefix) ~= specPrefix) then
    local record = rcall('HMGET', runKey, 'ver', 'state', 'spec', 'lease', 'leaseUntil', 'closedBy', 'discarded')
    return {'conflict', record[1], record[2], record[3], record[4] or '', record[5] or '', record[6] or '', record[7] or ''}
  end

  local version = tonumber(current[1]) + 1
  rcall('HSET', runKey, 'state', state, 'ver', version)

  if lease == '-' then
    rcall('HDEL', runKey, 'lease', 'leaseUntil')
    -- Remember whose report closed the attempt, so a holder whose reply got lost can ask again.
    if holding ~= '' then rcall('HSET', runKey, 'closedBy', holding) end
  elseif lease ~= '' then
    rcall('HSET', runKey, 'lease', lease, 'leaseUntil', leaseUntil)
  end

  if KEYS[k + 2] ~= KEYS[k + 3] then
    rcall('ZREM', KEYS[k + 2], id)
    rcall('ZADD', KEYS[k + 3], 0, id)
    rcall('ZREM', KEYS[k + 4], id)
    rcall('ZADD', KEYS[k + 5], 0, id)
  end

  if queuedScore ~= '' then
    rcall('ZADD', KEYS[1], queuedScore, id)
  else
    rcall('ZREM', KEYS[1], id)
  end

  appendRunEvent(runKey, eventsKey, 'status|' .. event, maxEvents, keptInHash)

  if retention ~= '' then
    local ms = tonumber(retention)
    rcall('PEXPIRE', runKey, ms)
    rcall('PEXPIRE', eventsKey, ms)
    local idempotencyKey = rcall('HGET', runKey, 'idem')
    if idempotencyKey then rcall('PEXPIRE', idempotencyKey, ms) end
    rcall('ZADD', KEYS[2], now + ms, expiringMember)
    dropExpiredIndexEntries(KEYS[2])
  end

  if flagCancel == '1' then
    rcall('HSET', runKey, 'cancel', '1')
    rcall('PUBLISH', cancelChannel, id)
  end
  return {'ok', version}
end

local replies = {}
for i = 1, (#KEYS - 2) / KEYS_EACH do
  replies[i] = transition(2 + (i - 1) * KEYS_EACH + 1, 5 + (i - 1) * ARGS_EACH + 1)
end
return replies
