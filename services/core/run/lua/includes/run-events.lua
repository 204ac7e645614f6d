--[[
  A run's events (numbered 1, 2, 3... by the hash's `evseq`) live in one of two places. While a run
  has only had a few status events they are lines of its hash's `events` field: most runs never log,
  and a list key of their own would cost each run ~300 bytes. The first log or progress event, or one
  status event too many, moves them to the run's events list, where every later event goes.
]]

-- Moves the events kept in the run's hash to its events list (no-op when there are none).
local function moveEventsToList(runKey, listKey)
  local kept = redis.call('HGET', runKey, 'events')
  if not kept then return end
  local lines = {}
  for line in string.gmatch(kept, '[^\n]+') do lines[#lines + 1] = line end
  redis.call('RPUSH', listKey, unpack(lines))
  redis.call('HDEL', runKey, 'events')
end

-- Appends an event ('<type>|<data JSON>') with the next number and returns the number. While the run
-- has no list, the first `keptInHash` events stay in its hash (status events pass the store's
-- limit; log and progress events 0).
local function appendRunEvent(runKey, listKey, typeAndData, maxKept, keptInHash)
  local seq = redis.call('HINCRBY', runKey, 'evseq', 1)
  local line = seq .. '|' .. typeAndData
  if redis.call('EXISTS', listKey) == 0 then
    if seq <= keptInHash then
      local kept = redis.call('HGET', runKey, 'events')
      redis.call('HSET', runKey, 'events', kept and (kept .. '\n' .. line) or line)
      return seq
    end
    moveEventsToList(runKey, listKey)
  end
  redis.call('RPUSH', listKey, line)
  redis.call('LTRIM', listKey, -maxKept, -1)
  return seq
end
