--[[
  Creates a run, unless its idempotency key or its id already names one: then returns that run.
  One round trip for the API's POST /v1/runs. The run's first status event is kept in its hash
  (includes/run-events.lua): a queued run has no events list.

  A run the API creates also goes into the outbox (KEYS[8]) in the same step: recording the run and
  promising its queue message are one atomic write, so a send that never happens (Redis or the API
  died in between) is found later. The API takes the run out once its send succeeded. A replay of
  the idempotency key whose run is still there, still untouched (version 1: queued, never started,
  cancelled or discarded) and not claimed by another sender within ARGV[7] ms claims it (re-scores
  it to now) and is told to send the message itself. Any replay of an untouched run marks it
  `replayed`: a client now holds a 202 for it, so its creator's failed send may no longer withdraw it
  (discard-run-9.lua).

  KEYS[1] run hash
  KEYS[2] idempotency key (KEYS[1] again when the request has none)
  KEYS[3] tenant index            KEYS[4] tenant + status index
  KEYS[5] tenant + agent index    KEYS[6] tenant + agent + status index
  KEYS[7] queued index (global, scored by when the run became eligible)
  KEYS[8] outbox of runs whose message may be unsent (KEYS[1] again when the caller already has the
          message: a worker rebuilding a lost run from it)

  ARGV[1] run id                  ARGV[2] spec (JSON)             ARGV[3] state (JSON)
  ARGV[4] now: creation and eligible-at score (ms)                ARGV[5] first status event (JSON)
  ARGV[6] key prefix (ends with ':'), to find the run an idempotency key names
  ARGV[7] how long a claim on sending a run's message lasts (ms)
  ARGV[8] fingerprint of the request that carries the idempotency key ('' when none): kept with the
          run, so a replay of the key with another request is refused (IETF idempotency-key draft)

  Returns {1} when created; {0, id, spec, state, version, discarded, send (1 when the caller must send
  the run's message, else 0)} for an existing run; {2, id} when the key names a run created by a
  different request (nothing is changed).
]]
--- @include "create-run"

return createRun(1, 1)
