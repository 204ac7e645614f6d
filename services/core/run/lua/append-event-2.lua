--[[
  Appends a log or progress event to a run's bounded stream, only while the run exists, so events of
  an unknown or expired run never leave an orphan stream behind. A finished run's stream keeps
  expiring with the run.

  KEYS[1] run hash    KEYS[2] run events stream
  ARGV[1] MAXLEN      ARGV[2] event type    ARGV[3] event data (JSON)

  Returns 1 when appended, 0 when the run does not exist.
]]
local rcall = redis.call
if rcall('EXISTS', KEYS[1]) == 0 then return 0 end
rcall('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'type', ARGV[2], 'data', ARGV[3])
local ttl = rcall('PTTL', KEYS[1])
if ttl > 0 and rcall('PTTL', KEYS[2]) < 0 then rcall('PEXPIRE', KEYS[2], ttl) end
return 1
