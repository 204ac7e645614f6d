import test from 'ava';
import { pidOfWorker } from '../../chaos/harness/dev-stack.js';

test('the pid is read from a worker id of the form hostname-pid-random, whatever the hostname', (t) => {
  t.is(pidOfWorker('vm-8101-811ed1'), 8101);
  t.is(pidOfWorker('ip-10-0-3-7.ec2.internal-42-a0b1c2'), 42);
  t.is(pidOfWorker('no-pid-here'), undefined);
});
