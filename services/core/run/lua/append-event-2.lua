--[[
  Appends a log or progress event to a run's bounded event list, only while the run exists, so events
  of an unknown or expired run never leave an orphan list behind. A finished run's list keeps
  expiring with the run.

  KEYS[1] run hash    KEYS[2] run events list
  ARGV[1] most events kept    ARGV[2] event type    ARGV[3] event data (JSON)

  Returns the event's sequence number, or 0 when the run does not exist.
]]
local rcall = redis.call
if rcall('EXISTS', KEYS[1]) == 0 then return 0 end

--- @include "run-events"

local seq = appendRunEvent(KEYS[1], KEYS[2], ARGV[2] .. '|' .. ARGV[3], tonumber(ARGV[1]), 0)
local ttl = rcall('PTTL', KEYS[1])
if ttl > 0 and rcall('PTTL', KEYS[2]) < 0 then rcall('PEXPIRE', KEYS[2], ttl) end
return seq
