--[[
  Events of a run after a sequence number, oldest first. Each run's events are numbered 1, 2, 3...
  (the hash's `evseq` is the last number given); the list keeps only the newest, so the first
  number it holds is evseq - length + 1.

  KEYS[1] run hash    KEYS[2] run events list
  ARGV[1] return events numbered above this    ARGV[2] most events to return

  Returns the list entries ('<seq>|<type>|<data>').
]]
local rcall = redis.call
local last = tonumber(rcall('HGET', KEYS[1], 'evseq') or '0')
local length = rcall('LLEN', KEYS[2])
if length == 0 then return {} end
local first = last - length + 1
local from = math.max(tonumber(ARGV[1]) + 1, first)
if from > last then return {} end
return rcall('LRANGE', KEYS[2], from - first, from - first + tonumber(ARGV[2]) - 1)
