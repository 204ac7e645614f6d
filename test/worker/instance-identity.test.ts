import test from 'ava';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadConfig } from '../../services/core/config.js';
import { WorkerRegistry } from '../../services/core/fleet/worker-registry.js';
import { ImdsClient } from '../../services/worker/interruption/imds-client.js';
import { readInstanceId } from '../../services/worker/interruption/instance-identity.js';
import { startWorker } from '../../services/worker/main.js';
import { freePort } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { INSTANCE_ID, startFakeImds } from './helpers/fake-imds.js';
import { silentLogger } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

// The scaler keeps instances of busy workers out of scale-in by the instance id in the fleet registry.
// No local server is an EC2 instance: helpers/fake-imds.ts plays IMDSv2 on 127.0.0.1.

let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

test('a worker with IMDS reports the instance id it read over IMDSv2; a worker without IMDS reports none', async (t) => {
  const imds = await startFakeImds();
  t.teardown(() => imds.close());
  const base = { REDIS_URL: redis.url, LOG_LEVEL: 'silent', SHUTDOWN_GRACE_SECONDS: '5', IMDS_POLL_SECONDS: '60' };
  const onEc2 = await startWorker(loadConfig({ ...base, WORKER_POOL: 'spot', IMDS_ENDPOINT: imds.endpoint }), silentLogger);
  t.teardown(() => onEc2.stop());
  const onFargate = await startWorker(loadConfig({ ...base, WORKER_POOL: 'burst-spot' }), silentLogger);
  t.teardown(() => onFargate.stop());

  const client = new Redis(redis.url);
  t.teardown(() => client.disconnect());
  const registry = new WorkerRegistry(client);
  const entries = await eventually(async () => {
    const live = await registry.list();
    const ec2 = live.find((w) => w.id === onEc2.id);
    const fargate = live.find((w) => w.id === onFargate.id);
    return ec2 && fargate ? { ec2, fargate } : undefined;
  }, 'both workers in the registry');
  t.like(entries.ec2, { pool: 'spot', instanceId: INSTANCE_ID });
  t.is(entries.fargate.instanceId, undefined);
  t.true(imds.requests.includes('/latest/meta-data/instance-id'));
});

test('the instance id is read again after a failed try', async (t) => {
  // A flaky IMDS is not something the fake can be asked to be: a stub fails twice, then answers.
  let calls = 0;
  const flaky = {
    get: async (path: string) => {
      calls += 1;
      if (calls <= 2) throw new Error('IMDS GET: connect ECONNREFUSED');
      return path === '/latest/meta-data/instance-id' ? `${INSTANCE_ID}\n` : undefined;
    },
  };
  t.is(await readInstanceId(flaky, silentLogger, { attempts: 3, firstRetryMs: 10 }), INSTANCE_ID);
  t.is(calls, 3);
});

test('an IMDS that never answers leaves the instance id unknown, with a warning, instead of failing the start', async (t) => {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const unreachable = new ImdsClient(`http://127.0.0.1:${await freePort()}`, { timeoutMs: 1_000 });
  t.is(await readInstanceId(unreachable, logger, { attempts: 2, firstRetryMs: 10 }), undefined);
  t.is(lines.length, 1);
  t.like(JSON.parse(lines[0] ?? '{}'), { level: 40, attempts: 2, msg: 'instance id unknown: the scaler cannot protect this busy instance from scale-in' });
});
