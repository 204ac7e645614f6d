import type { Scenario } from '../harness/scenario.js';
import { breaker } from './breaker.js';
import { killWorkers } from './kill-workers.js';
import { loseRedisData } from './lose-redis-data.js';
import { poison } from './poison.js';
import { restartRedis } from './restart-redis.js';
import { spotNotice } from './spot-notice.js';

/** Every scenario, in the order `make chaos` runs them. */
export const SCENARIOS: readonly Scenario[] = [killWorkers, restartRedis, loseRedisData, spotNotice, poison, breaker];
