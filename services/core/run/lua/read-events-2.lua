--[[
  Events of a run after a sequence number, oldest first. Each run's events are numbered 1, 2, 3...
  (the hash's `evseq` is the last number given). While the run has no events list, all of them are
  lines of its hash's `events` field (includes/run-events.lua); the list keeps only the newest, so
  the first number it holds is evseq - length + 1.

  KEYS[1] run hash    KEYS[2] run events list
  ARGV[1] return events numbered above this    ARGV[2] most events to return

  Returns the events ('<seq>|<type>|<data>').
]]
local rcall = redis.call
local after, count = tonumber(ARGV[1]), tonumber(ARGV[2])
local fields = rcall('HMGET', KEYS[1], 'evseq', 'events')
local last = tonumber(fields[1] or '0')
if after >= last then return {} end

if fields[2] then
  local events, seq = {}, 0
  for line in string.gmatch(fields[2], '[^\n]+') do
    seq = seq + 1
    if seq > after then events[#events + 1] = line end
    if #events == count then break end
  end
  return events
end

local length = rcall('LLEN', KEYS[2])
if length == 0 then return {} end
local first = last - length + 1
local from = math.max(after + 1, first)
return rcall('LRANGE', KEYS[2], from - first, from - first + count - 1)
