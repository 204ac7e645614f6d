import { appendFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/**
 * The execution journal the chaos agents keep: one JSON line per start, end or stop of an agent
 * execution, appended with O_APPEND (lines this short land whole, even from many processes at once).
 * The chaos runner reads it to tell whether any run's agent ran twice (chaos/harness/executions.ts).
 */

/** Checks the input both agents take: `{durationMs, journal, fail?}`. Throws naming the field. */
export function readInput(input) {
  if (typeof input !== 'object' || input === null) throw new TypeError('input: expected an object');
  const { durationMs, journal, fail = false } = input;
  if (!Number.isInteger(durationMs) || durationMs < 0) throw new TypeError('input.durationMs: expected an integer ≥ 0');
  if (typeof journal !== 'string' || !isAbsolute(journal)) throw new TypeError('input.journal: expected an absolute file path');
  if (typeof fail !== 'boolean') throw new TypeError('input.fail: expected a boolean');
  return { durationMs, journal, fail };
}

export function record(journal, entry) {
  appendFileSync(journal, `${JSON.stringify({ ...entry, at: Date.now() })}\n`);
}
