import { Cron } from 'croner';
import { prewarmCron, type PrewarmSchedule } from '../../environments/index.js';
import type { Floor } from './policy/types.js';

/**
 * Pre-warm floors active at a given time. A schedule is a point in time ("from 13:00 UTC on weekdays,
 * keep at least 50 instances"), exactly like the ASG scheduled action built from the same config: its
 * floor holds until the next schedule naming the same pool fires. So for each pool the schedule that
 * fired most recently sets the floor: with the brief's two schedules a weekday from 13:00 to 03:00
 * keeps 50 Spot instances and every other hour (Saturday 13:00 included) keeps 20.
 */
export function scheduledFloors(schedules: readonly PrewarmSchedule[], at: Date): Floor[] {
  const latest = new Map<string, { firedAt: number; floor: Floor }>();
  for (const schedule of schedules) {
    const firedAt = lastFiring(schedule, at);
    if (firedAt === undefined) continue;
    for (const pool of schedule.pools) {
      const seen = latest.get(pool);
      if (seen && seen.firedAt >= firedAt) continue;
      latest.set(pool, { firedAt, floor: { pool, instances: schedule.minInstances, source: schedule.name } });
    }
  }
  return [...latest.values()].map((entry) => entry.floor);
}

/** The schedule's latest firing at or before `at`, ms since epoch (croner's lookup excludes `at` itself). */
function lastFiring(schedule: PrewarmSchedule, at: Date): number | undefined {
  const cron = new Cron(prewarmCron(schedule), { timezone: 'UTC', paused: true });
  return cron.previousRuns(1, new Date(at.getTime() + 1))[0]?.getTime();
}
