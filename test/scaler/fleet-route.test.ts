import test from 'ava';
import { FleetSnapshotStore, type FleetSnapshot } from '../../services/core/fleet/fleet-snapshot.js';
import { WorkerRegistry } from '../../services/core/fleet/worker-registry.js';
import { startApiHarness, type ApiHarness } from '../api/helpers/api-harness.js';

/** GET /v1/fleet on the real API: the scaler's published pools and decision, with live busy slots. */
let api: ApiHarness;

test.before(async () => {
  api = await startApiHarness();
});

test.after.always(async () => {
  await api?.close();
});

const snapshot: FleetSnapshot = {
  at: '2026-03-04T10:00:00.000Z',
  pools: [
    { name: 'spot', kind: 'ec2-spot', unit: 'slots', desired: 960, running: 160, busySlots: 100, totalSlots: 160, min: 0, max: 1600 },
    { name: 'burst-spot', kind: 'fargate-spot', unit: 'tasks', desired: 120, running: 0, busySlots: 0, totalSlots: 0, min: 0, max: 200 },
  ],
  lastDecision: { policy: 'step', rule: { visibleAbove: 1000, addInstances: 100, enableBurst: true } },
};

test.serial('/v1/fleet reports the pools and the last decision the scaler published, with busy slots from live workers', async (t) => {
  await new FleetSnapshotStore(api.redis).publish(snapshot, 60_000);
  const base = { pool: 'spot', draining: false, breaker: 'closed' as const, startedAt: new Date().toISOString() };
  await new WorkerRegistry(api.redis).report({ ...base, id: 'w1', slots: 8, busy: 5 });

  const response = await api.bootstrap.get('/v1/fleet');
  t.is(response.status, 200);
  t.deepEqual(response.json, {
    pools: [
      { name: 'spot', kind: 'ec2-spot', desired: 960, running: 160, busySlots: 5, totalSlots: 8, min: 0, max: 1600 },
      { name: 'burst-spot', kind: 'fargate-spot', desired: 120, running: 0, busySlots: 0, totalSlots: 0, min: 0, max: 200 },
    ],
    workers: [{ id: 'w1', pool: 'spot', slots: 8, busy: 5, draining: false, breaker: 'closed', startedAt: base.startedAt, seenAt: response.json.workers[0]?.seenAt }],
    lastDecision: snapshot.lastDecision,
  });
});

test.serial('when the scaler stops publishing, /v1/fleet falls back to the workers alone', async (t) => {
  await new FleetSnapshotStore(api.redis).publish(snapshot, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const response = await api.bootstrap.get('/v1/fleet');
  t.is(response.json.lastDecision, null);
  t.deepEqual(response.json.pools.map((p: { name: string }) => p.name), ['spot']);
});
