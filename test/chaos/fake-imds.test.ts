import test from 'ava';
import { ImdsClient } from '../../services/worker/interruption/imds-client.js';
import { spotNotice } from '../../services/worker/interruption/notices.js';
import { FakeImds } from '../../chaos/harness/fake-imds.js';

// The fake IMDS of the spot-notice scenario, spoken to by the worker's own IMDSv2 client: the
// scenario is only worth something if the worker reads the fake as it reads EC2's.

test('each worker (session token) is an instance of its own, and only the noticed one sees the notice', async (t) => {
  const imds = await FakeImds.start();
  t.teardown(() => imds.close());
  const first = new ImdsClient(imds.endpoint);
  const second = new ImdsClient(imds.endpoint);
  const firstId = await first.get('/latest/meta-data/instance-id');
  const secondId = await second.get('/latest/meta-data/instance-id');
  t.regex(firstId ?? '', /^i-chaos\d{10}$/);
  t.not(firstId, secondId);
  t.is(await first.get('/latest/meta-data/instance-id'), firstId, 'an instance keeps its id');
  t.is(await first.get('/latest/meta-data/spot/instance-action'), undefined);

  const reclaimAt = new Date(Date.now() + 120_000);
  imds.noticeSpot(firstId!, reclaimAt);
  const now = Date.now();
  t.like(spotNotice(await first.get('/latest/meta-data/spot/instance-action'), now, 20_000), { kind: 'spot', deadline: reclaimAt.getTime() - 20_000 });
  t.is(await second.get('/latest/meta-data/spot/instance-action'), undefined);
  t.is(await second.get('/latest/meta-data/autoscaling/target-lifecycle-state'), 'InService');
});

test('a request without a session token is refused, as IMDSv2 does', async (t) => {
  const imds = await FakeImds.start();
  t.teardown(() => imds.close());
  t.is((await fetch(`${imds.endpoint}/latest/meta-data/spot/instance-action`)).status, 401);
  t.is((await fetch(`${imds.endpoint}/latest/api/token`, { method: 'PUT' })).status, 400, 'a token needs a TTL header');
});
