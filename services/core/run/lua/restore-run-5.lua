--[[
  Re-creates the record of a running run that was lost with Redis's data (a node restarted empty, a
  failover to a replica that had nothing yet), from what the worker holding its lease last wrote, so
  that the holder can go on renewing the lease and record the outcome (DESIGN §6: a run survives loss
  of its Redis record). Only if the record is still absent: a record that reappeared meanwhile (another
  worker rebuilt the run from a redelivered message) is never overwritten, and the holder falls back
  to the ordinary compare-and-set, which then decides between the two.

  KEYS[1] run hash
  KEYS[2] tenant index            KEYS[3] tenant + status index
  KEYS[4] tenant + agent index    KEYS[5] tenant + agent + status index

  ARGV[1] run id    ARGV[2] spec (JSON)    ARGV[3] state (JSON)    ARGV[4] version
  ARGV[5] lease token    ARGV[6] lease expiry (ms)    ARGV[7] status event (JSON)

  Returns 1 when restored, 0 when a record exists.
]]
local rcall = redis.call
if rcall('EXISTS', KEYS[1]) == 1 then return 0 end
rcall('HSET', KEYS[1], 'spec', ARGV[2], 'state', ARGV[3], 'ver', ARGV[4], 'lease', ARGV[5], 'leaseUntil', ARGV[6],
  'evseq', 1, 'events', '1|status|' .. ARGV[7])
for i = 2, 5 do rcall('ZADD', KEYS[i], 0, ARGV[1]) end
return 1
