import type { Redis } from 'ioredis';

/**
 * The queue's recent past for the console's chart: one sample per period in a sorted set scored by
 * the period's start (ms). Bounded twice: samples older than the window are dropped on every write,
 * and so are all but the newest `maxSamples`. Every API process samples; the script writes a period's
 * sample only once, so N processes cost N reads of the queue but one entry.
 */

export interface QueueSample {
  /** ms since epoch: start of the sampling period. */
  at: number;
  visible: number;
  inFlight: number;
  delayed: number;
  oldestAgeSeconds: number;
  deadLettered: number;
}

const KEY = 'af:queue:history';

/** KEYS[1] history; ARGV: period start (ms), sample JSON, drop scores below this, keep at most this many. */
const RECORD_ONCE = `
if redis.call('ZCOUNT', KEYS[1], ARGV[1], ARGV[1]) > 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
return 1
`;

export interface QueueHistoryOptions {
  /** @defaultValue 3600000 (one hour) */
  windowMs?: number;
  /** @defaultValue 720 (one hour at 5 s) */
  maxSamples?: number;
}

export class QueueHistory {
  readonly windowMs: number;
  private readonly maxSamples: number;

  constructor(
    private readonly redis: Redis,
    options: QueueHistoryOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 3_600_000;
    this.maxSamples = options.maxSamples ?? 720;
  }

  /** Records `sample` unless its period already has one; true when this call wrote it. */
  async record(sample: QueueSample): Promise<boolean> {
    const written = await this.redis.eval(RECORD_ONCE, 1, KEY, sample.at, JSON.stringify(sample), sample.at - this.windowMs, this.maxSamples);
    return written === 1;
  }

  /** Samples of the last window before `now`, oldest first. */
  async read(now: number): Promise<QueueSample[]> {
    const members = await this.redis.zrangebyscore(KEY, now - this.windowMs, '+inf');
    return members.map((member) => JSON.parse(member) as QueueSample);
  }
}

/** The start of the sampling period `now` falls in: every process agrees on it without talking. */
export function samplePeriodStart(now: number, periodMs: number): number {
  return now - (now % periodMs);
}
