--[[
  The outbox sweep: claims runs whose queue message may never have been sent, for the caller to send.
  An entry is due when its last claim (its creation first) is older than the grace. A due run still
  untouched (version 1: queued, never started, cancelled or discarded) is claimed by re-scoring it to
  now, so a concurrent sweeper skips it for another grace, and returned; any other due entry is
  dropped: its run is gone, withdrawn, or a worker started it, so its message did reach the queue.

  KEYS[1] outbox (zset of run ids, scored by last claim ms)

  ARGV[1] now (ms)    ARGV[2] claims older than this are due (ms)    ARGV[3] most entries to examine
  ARGV[4] key prefix (ends with ':')

  Returns {id, spec, state, id, spec, state, ...} of the runs claimed.
]]
local rcall = redis.call
local claimed = {}
for _, id in ipairs(rcall('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local record = rcall('HMGET', ARGV[4] .. 'run:' .. id, 'ver', 'spec', 'state')
  if record[1] == '1' then
    rcall('ZADD', KEYS[1], ARGV[1], id)
    claimed[#claimed + 1] = id
    claimed[#claimed + 1] = record[2]
    claimed[#claimed + 1] = record[3]
  else
    rcall('ZREM', KEYS[1], id)
  end
end
return claimed
