import test, { type ExecutionContext } from 'ava';
import { createLogger } from '../../services/core/logger.js';
import { createRedis } from '../../services/core/redis.js';
import { RedisRunStore, type RedisRunStoreOptions } from '../../services/core/run/redis-run-store.js';
import { startRedis, type TestRedis } from './redis.js';

/**
 * A redis-server for one test file's run-store tests: started before its tests, stopped after them.
 * `openStore` gives a test a store on a connection of its own (as a separate API or worker process
 * has), closed when the test ends: retention 1 h, leases of 30 s unless `options` says otherwise.
 * The server starts in a serial `before` hook, so a file's own serial hooks declared after this call
 * can use `url`.
 */
export interface RunStoreRedis {
  readonly url: string;
  openStore(t: ExecutionContext, options?: Partial<RedisRunStoreOptions>): RedisRunStore;
}

export function useRunStoreRedis(): RunStoreRedis {
  let server: TestRedis | undefined;
  test.serial.before(async () => {
    server = await startRedis();
  });
  test.after.always(async () => {
    await server?.stop();
  });
  const url = () => {
    if (!server) throw new Error('redis-server is not started yet: use it inside a test or hook');
    return server.url;
  };
  return {
    get url() {
      return url();
    },
    openStore(t, options = {}) {
      const redis = createRedis(url(), { name: 'test', failFast: false, logger: createLogger('test', 'silent') });
      const store = new RedisRunStore(redis, { retentionSeconds: 3600, leaseSeconds: 30, ...options });
      t.teardown(async () => {
        await store.close();
        redis.disconnect();
      });
      return store;
    },
  };
}
