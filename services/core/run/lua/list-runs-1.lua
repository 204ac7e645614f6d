--[[
  One page of a run index, newest first. Index members are run ids scored 0, so their lexical order
  is their creation order (ids are UUIDv7) and a cursor is simply the last id returned: stable while
  new runs are inserted. Entries whose run has expired are skipped and removed on the way.

  KEYS[1] index
  ARGV[1] where to start: '+' or '(' .. the previous page's last id
  ARGV[2] page size    ARGV[3] key prefix (ends with ':')    ARGV[4] most entries to examine

  Returns {next cursor ('' when the index is exhausted), id, spec, state, id, spec, state, ...}.
]]
local rcall = redis.call
local limit, budget = tonumber(ARGV[2]), tonumber(ARGV[4])
local start, found, runs, last, examined, exhausted = ARGV[1], 0, {}, nil, 0, false

while found < limit and examined < budget do
  local want = math.min(limit - found, budget - examined)
  local ids = rcall('ZREVRANGEBYLEX', KEYS[1], start, '-', 'LIMIT', 0, want)
  for _, id in ipairs(ids) do
    local record = rcall('HMGET', ARGV[3] .. 'run:' .. id, 'spec', 'state')
    if record[1] and record[2] then
      runs[#runs + 1] = id
      runs[#runs + 1] = record[1]
      runs[#runs + 1] = record[2]
      found = found + 1
    else
      rcall('ZREM', KEYS[1], id)
    end
    last = id
  end
  examined = examined + #ids
  if #ids < want then exhausted = true break end
  start = '(' .. last
end

if last and not exhausted and #rcall('ZREVRANGEBYLEX', KEYS[1], '(' .. last, '-', 'LIMIT', 0, 1) == 0 then
  exhausted = true
end
local cursor = ''
if last and not exhausted then cursor = last end
return {cursor, unpack(runs)}
