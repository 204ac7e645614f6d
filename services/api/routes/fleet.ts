import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { withRedis } from '../../core/redis.js';
import type { ApiDependencies, ApiState } from '../context.js';
import { fleetWorkers, poolsFromSnapshot, poolsFromWorkers } from '../fleet-view.js';
import { readQueueStats } from '../queue-stats.js';
import type { Fleet, QueueHistoryBody } from '../schemas.js';

/** GET /v1/queue, /v1/queue/history and /v1/fleet: what is waiting, what waited, and what is working on it. */
export function registerFleetRoutes(router: Router<ApiState>, auth: Middleware<ApiState>, deps: ApiDependencies): void {
  router.get('/v1/queue', auth, async (ctx) => {
    ctx.body = await readQueueStats(deps.queue, deps.store);
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
