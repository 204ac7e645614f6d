import test from 'ava';
import { loadEnvironment } from '../../environments/index.js';
import { scheduledFloors } from '../../services/scaler/schedule.js';
import { whatIf } from '../../services/scaler/what-if.js';
import { sizes, reasonCodes } from './helpers/decision.js';

const prod = loadEnvironment('prod');
const floorAt = (iso: string) => scheduledFloors(prod.scaling.prewarm, new Date(iso));

const table: { at: string; day: string; floor: number; source: string }[] = [
  { at: '2026-03-04T13:00:00Z', day: 'Wednesday 13:00', floor: 50, source: 'weekday-morning' },
  { at: '2026-03-04T12:59:59Z', day: 'Wednesday 12:59:59', floor: 20, source: 'daily-evening' },
  { at: '2026-03-05T02:59:00Z', day: 'Thursday 02:59 (the night after)', floor: 50, source: 'weekday-morning' },
  { at: '2026-03-05T03:00:00Z', day: 'Thursday 03:00', floor: 20, source: 'daily-evening' },
  { at: '2026-03-07T13:00:00Z', day: 'Saturday 13:00', floor: 20, source: 'daily-evening' },
  { at: '2026-03-08T18:00:00Z', day: 'Sunday 18:00', floor: 20, source: 'daily-evening' },
  { at: '2026-03-09T13:30:00Z', day: 'Monday 13:30', floor: 50, source: 'weekday-morning' },
];

for (const row of table) {
  test(`the pre-warm floor on ${row.day} UTC is ${row.floor} Spot instances (${row.source})`, (t) => {
    t.deepEqual(floorAt(row.at), [{ pool: 'spot', instances: row.floor, source: row.source }]);
  });
}

test('an idle fleet at 13:00 UTC on a weekday is raised to 50 Spot instances; on Saturday it stays at 20', (t) => {
  const weekday = whatIf(prod, { visible: 0, inFlight: 0, current: { spot: 20, 'on-demand': 30 }, at: new Date('2026-03-04T13:00:00Z') });
  const saturday = whatIf(prod, { visible: 0, inFlight: 0, current: { spot: 20, 'on-demand': 30 }, at: new Date('2026-03-07T13:00:00Z') });
  t.is(sizes(weekday).spot, 50);
  t.true(reasonCodes(weekday, 'spot').includes('floor'));
  t.is(sizes(saturday).spot, 20);
  t.false(saturday.changed);
});

test('a rare schedule holds its floor from its last firing, years back; no schedules set no floor', (t) => {
  const floors = scheduledFloors([{ name: 'leap', schedule: 'cron(0 0 29 2 ? *)', minInstances: 5, pools: ['spot'] }], new Date('2026-03-01T00:00:00Z'));
  t.deepEqual(floors, [{ pool: 'spot', instances: 5, source: 'leap' }]);
  t.deepEqual(scheduledFloors([], new Date()), []);
});
