import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { withRedis } from '../../core/redis.js';
import type { ApiDependencies, ApiState } from '../context.js';
import { fleetWorkers, poolsFromSnapshot, poolsFromWorkers } from '../fleet-view.js';
import { fromQueue } from '../queue-call.js';
import type { Fleet, QueueHistoryBody, QueueStats } from '../schemas.js';

/** GET /v1/queue, /v1/queue/history and /v1/fleet: what is waiting, what waited, and what is working on it. */
export function registerFleetRoutes(router: Router<ApiState>, auth: Middleware<ApiState>, deps: ApiDependencies): void {
  router.get('/v1/queue', auth, async (ctx) => {
    const [depth, oldestAgeSeconds] = await Promise.all([
      fromQueue('could not read the queue depth', () => deps.queue.depth()),
      deps.store.oldestQueuedAgeSeconds(),
    ]);
    const stats: QueueStats = {
      visible: depth.visible,
      inFlight: depth.inFlight,
      delayed: depth.delayed,
      oldestAgeSeconds,
      deadLettered: depth.deadLettered,
    };
    ctx.body = stats;
  });

  router.get('/v1/queue/history', auth, async (ctx) => {
    const samples = await withRedis(() => deps.queueHistory.read(deps.now()));
    const body: QueueHistoryBody = {
      periodSeconds: deps.queueHistory.periodSeconds,
      samples: samples.map(({ at, ...stats }) => ({ at: new Date(at).toISOString(), ...stats })),
    };
    ctx.body = body;
  });

  router.get('/v1/fleet', auth, async (ctx) => {
    const [workers, snapshot] = await withRedis(() => Promise.all([deps.workers.list(deps.now()), deps.fleet.read()]));
    const fleet: Fleet = snapshot
      ? { pools: poolsFromSnapshot(snapshot, workers), workers: fleetWorkers(workers), lastDecision: snapshot.lastDecision }
      : { pools: poolsFromWorkers(workers), workers: fleetWorkers(workers), lastDecision: null };
    ctx.body = fleet;
  });
}
