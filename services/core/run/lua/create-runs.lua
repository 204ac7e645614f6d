--[[
  Creates many runs in one call (POST /v1/runs/batch: one round trip for a whole batch), each exactly
  as create-run-8.lua creates one: 8 keys and 8 arguments per run, in that script's order.

  Returns one reply per run, in order, each as create-run-8.lua returns it.
]]
local KEYS_EACH, ARGS_EACH = 8, 8

--- @include "create-run"

local replies = {}
for i = 1, #KEYS / KEYS_EACH do
  replies[i] = createRun((i - 1) * KEYS_EACH + 1, (i - 1) * ARGS_EACH + 1)
end
return replies
