--[[
  Withdraws a run whose queue message could not be sent: its indexes, idempotency key and events go,
  and the record becomes a tombstone (invisible to clients) so that a message which did reach the
  queue after all is dropped by the worker instead of rebuilding the run. A run that a worker has
  already touched (version > 1) is live and is kept, and leaves the outbox: its message was evidently
  sent. A run a replay of its idempotency key has returned (`replayed`, create-run-8.lua) is kept
  too, since that client was told it is accepted: it stays in the outbox, for the sweeper or the next
  replay to send its message.

  KEYS[1] run hash                KEYS[2] run events list
  KEYS[3] idempotency key (KEYS[1] again when the run has none)
  KEYS[4] tenant index            KEYS[5] tenant + status index
  KEYS[6] tenant + agent index    KEYS[7] tenant + agent + status index
  KEYS[8] queued index            KEYS[9] outbox of runs whose message may be unsent

  ARGV[1] run id    ARGV[2] spec (JSON)    ARGV[3] tombstone state (JSON)    ARGV[4] tombstone lifetime (ms)

  Returns 1 when discarded, 0 when the run was live, replayed or gone.
]]
local rcall = redis.call
local state = rcall('HMGET', KEYS[1], 'ver', 'replayed')
if state[1] ~= '1' then
  rcall('ZREM', KEYS[9], ARGV[1])
  return 0
end
if state[2] then return 0 end
rcall('ZREM', KEYS[9], ARGV[1])
if KEYS[3] ~= KEYS[1] and rcall('GET', KEYS[3]) == ARGV[1] then rcall('DEL', KEYS[3]) end
for i = 4, 7 do rcall('ZREM', KEYS[i], ARGV[1]) end
rcall('ZREM', KEYS[8], ARGV[1])
rcall('DEL', KEYS[2], KEYS[1])
rcall('HSET', KEYS[1], 'spec', ARGV[2], 'state', ARGV[3], 'ver', 2, 'discarded', '1')
rcall('PEXPIRE', KEYS[1], ARGV[4])
return 1
