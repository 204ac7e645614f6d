--[[
  Creating one run, shared by create-run-8.lua (one run) and create-runs.lua (a batch in one call).
  createRun(k, a) takes the run's 8 keys from KEYS[k] and its 8 arguments from ARGV[a]; their meaning
  is in create-run-8.lua's header.
]]
local function createRun(k, a)
  local rcall = redis.call
  local runKey, idemKey, queuedKey, outboxKey = KEYS[k], KEYS[k + 1], KEYS[k + 6], KEYS[k + 7]
  local id, spec, state, now, event, prefix, sendClaimMs = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3]), ARGV[a + 4], ARGV[a + 5], tonumber(ARGV[a + 6])
  local fingerprint = ARGV[a + 7]
  local hasKey = idemKey ~= runKey
  local hasOutbox = outboxKey ~= runKey

  -- Whether the caller must (re)send the message of an existing run: see create-run-8.lua's header.
  local function claimSend(existingId, version)
    if not hasOutbox then return 0 end
    local claimedAt = rcall('ZSCORE', outboxKey, existingId)
    if not claimedAt then return 0 end
    if version ~= '1' then
      rcall('ZREM', outboxKey, existingId)
      return 0
    end
    if tonumber(claimedAt) > now - sendClaimMs then return 0 end
    rcall('ZADD', outboxKey, now, existingId)
    return 1
  end

  local function existing(existingId)
    local existingKey = prefix .. 'run:' .. existingId
    local found = rcall('HMGET', existingKey, 'spec', 'state', 'ver', 'discarded')
    if not found[1] then return nil end
    if hasOutbox and found[3] == '1' then rcall('HSET', existingKey, 'replayed', '1') end
    return {0, existingId, found[1], found[2], found[3], found[4] or '', claimSend(existingId, found[3])}
  end

  if hasKey then
    local named = rcall('GET', idemKey)
    if named then
      local firstFingerprint = rcall('HGET', prefix .. 'run:' .. named, 'reqhash')
      if firstFingerprint and fingerprint ~= '' and firstFingerprint ~= fingerprint then return {2, named} end
      local found = existing(named)
      if found then return found end
    end
  end
  local found = existing(id)
  if found then return found end

  rcall('HSET', runKey, 'spec', spec, 'state', state, 'ver', 1, 'evseq', 1, 'events', '1|status|' .. event)
  if hasKey then
    rcall('SET', idemKey, id)
    rcall('HSET', runKey, 'idem', idemKey)
    if fingerprint ~= '' then rcall('HSET', runKey, 'reqhash', fingerprint) end
  end
  for i = 2, 5 do rcall('ZADD', KEYS[k + i], 0, id) end
  rcall('ZADD', queuedKey, now, id)
  if hasOutbox then rcall('ZADD', outboxKey, now, id) end
  return {1}
end
