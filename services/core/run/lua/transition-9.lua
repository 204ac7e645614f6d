--[[
  Compare-and-set of a run's state. The new document was computed by the state machine in TypeScript
  from version ARGV[1]; this script only makes it stick atomically, with everything that goes with a
  status change: lease, indexes, the status event, expiry of a finished run, the cancel notification.

  KEYS[1] run hash                KEYS[2] run events list
  KEYS[3] queued index            KEYS[4] expiring index (finished runs, scored by expiry ms)
  KEYS[5] tenant + old status index       KEYS[6] tenant + new status index
  KEYS[7] tenant + agent + old status     KEYS[8] tenant + agent + new status
  KEYS[9] idempotency key (KEYS[1] again when the run has none)

  ARGV[1] expected version        ARGV[2] lease token that must be held ('' = no lease check)
  ARGV[3] new document (JSON)     ARGV[4] run id
  ARGV[5] status event data       ARGV[6] most events kept per run
  ARGV[7] eligible-at score when the run is queued after this ('' = not queued)
  ARGV[8] lease: '' keep, '-' release, otherwise a new token    ARGV[9] new lease expiry (ms)
  ARGV[10] '1' to flag a cancel request    ARGV[11] channel to publish the run id on ('' = none)
  ARGV[12] retention ms when the run is now finished ('' = not finished)
  ARGV[13] expiring-index member (JSON [tenant, agent, status, id], as encoded in key names)
  ARGV[14] now (ms)               ARGV[15] key prefix (ends with ':')

  Returns {'ok', new version} | {'lost'} (the lease is not ARGV[2]) | {'conflict'} (version moved or run gone).
]]
local rcall = redis.call
local current = rcall('HMGET', KEYS[1], 'ver', 'lease')
if not current[1] then return {'conflict'} end
if ARGV[2] ~= '' and current[2] ~= ARGV[2] then return {'lost'} end
if current[1] ~= ARGV[1] then return {'conflict'} end

local id = ARGV[4]
local version = tonumber(current[1]) + 1
rcall('HSET', KEYS[1], 'doc', ARGV[3], 'ver', version)

if ARGV[8] == '-' then
  rcall('HDEL', KEYS[1], 'lease', 'leaseUntil')
  -- Remember whose report closed the attempt, so a holder whose reply got lost can ask again.
  if ARGV[2] ~= '' then rcall('HSET', KEYS[1], 'closedBy', ARGV[2]) end
elseif ARGV[8] ~= '' then
  rcall('HSET', KEYS[1], 'lease', ARGV[8], 'leaseUntil', ARGV[9])
end
if ARGV[10] == '1' then rcall('HSET', KEYS[1], 'cancel', '1') end

if KEYS[5] ~= KEYS[6] then
  rcall('ZREM', KEYS[5], id)
  rcall('ZADD', KEYS[6], 0, id)
  rcall('ZREM', KEYS[7], id)
  rcall('ZADD', KEYS[8], 0, id)
end

if ARGV[7] ~= '' then
  rcall('ZADD', KEYS[3], ARGV[7], id)
else
  rcall('ZREM', KEYS[3], id)
end

local seq = rcall('HINCRBY', KEYS[1], 'evseq', 1)
rcall('RPUSH', KEYS[2], seq .. '|status|' .. ARGV[5])
rcall('LTRIM', KEYS[2], -tonumber(ARGV[6]), -1)

if ARGV[12] ~= '' then
  local retention = tonumber(ARGV[12])
  local now = tonumber(ARGV[14])
  rcall('PEXPIRE', KEYS[1], retention)
  rcall('PEXPIRE', KEYS[2], retention)
  if KEYS[9] ~= KEYS[1] then rcall('PEXPIRE', KEYS[9], retention) end
  rcall('ZADD', KEYS[4], now + retention, ARGV[13])

  -- Index entries of runs whose retention has passed go here, a few per finished run, so the
  -- indexes never grow without bound (listing also skips and drops entries of vanished runs).
  local due = rcall('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 20)
  for _, member in ipairs(due) do
    local entry = cjson.decode(member)
    local tenantIndex = ARGV[15] .. 'runs:' .. entry[1]
    local agentIndex = tenantIndex .. ':agent:' .. entry[2]
    rcall('ZREM', tenantIndex, entry[4])
    rcall('ZREM', tenantIndex .. ':status:' .. entry[3], entry[4])
    rcall('ZREM', agentIndex, entry[4])
    rcall('ZREM', agentIndex .. ':status:' .. entry[3], entry[4])
    rcall('ZREM', KEYS[4], member)
  end
end

if ARGV[11] ~= '' then rcall('PUBLISH', ARGV[11], id) end
return {'ok', version}
