--[[
  Renews an attempt's lease if the caller still holds it, and reports a pending cancel request.

  KEYS[1] run hash
  ARGV[1] lease token    ARGV[2] new lease expiry (ms)

  Returns {held (1|0), cancelRequested (1|0)}.
]]
local current = redis.call('HMGET', KEYS[1], 'lease', 'cancel')
local cancel = current[2] == '1' and 1 or 0
if current[1] ~= ARGV[1] then return {0, cancel} end
redis.call('HSET', KEYS[1], 'leaseUntil', ARGV[2])
return {1, cancel}
