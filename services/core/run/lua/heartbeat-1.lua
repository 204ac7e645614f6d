--[[
  Renews an attempt's lease if the caller still holds it, and reports a pending cancel request.

  KEYS[1] run hash
  ARGV[1] lease token    ARGV[2] new lease expiry (ms)

  Returns {'held' | 'lost' | 'missing' (no such run: its record was lost), cancelRequested (1|0)}.
]]
local current = redis.call('HMGET', KEYS[1], 'ver', 'lease', 'cancel')
if not current[1] then return {'missing', 0} end
local cancel = current[3] == '1' and 1 or 0
if current[2] ~= ARGV[1] then return {'lost', cancel} end
redis.call('HSET', KEYS[1], 'leaseUntil', ARGV[2])
return {'held', cancel}
