import test from 'ava';
import { groupByPattern, keyPattern } from '../../bench/harness/redis-memory.js';

test('ids in key names become * so keys of one kind group together', (t) => {
  t.is(keyPattern('af:run:0195f3c2-7c1e-7a3b-9c1d-2e4f6a8b0c1d'), 'af:run:*');
  t.is(keyPattern('af:run:0195f3c2-7c1e-7a3b-9c1d-2e4f6a8b0c1d:events'), 'af:run:*:events');
  t.is(keyPattern('bull:bench-concurrency:12345'), 'bull:bench-concurrency:*');
  t.is(keyPattern('af:idem:Zm9vYmFyYmF6cXV4cXV1eHF1dXg'), 'af:idem:*');
  t.is(keyPattern('af:runs:bench:status:running'), 'af:runs:bench:status:running');
  t.is(keyPattern('bull:agentfleet-runs-production:wait'), 'bull:agentfleet-runs-production:wait', 'a long name without digits is a name');
});

test('usage is summed per pattern, largest first', (t) => {
  const grouped = groupByPattern([
    { key: 'af:run:11111111-1111-1111-1111-111111111111', bytes: 1000 },
    { key: 'af:run:22222222-2222-2222-2222-222222222222', bytes: 1200 },
    { key: 'bull:q:1', bytes: 900 },
    { key: 'af:queued', bytes: 5000 },
  ]);
  t.deepEqual(grouped, [
    { pattern: 'af:queued', keys: 1, bytes: 5000 },
    { pattern: 'af:run:*', keys: 2, bytes: 2200 },
    { pattern: 'bull:q:*', keys: 1, bytes: 900 },
  ]);
});
