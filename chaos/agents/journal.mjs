import { appendFileSync, existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/**
 * The execution journal the chaos agents keep: one JSON line per start, checkpoint, end or stop of an
 * agent execution, appended with O_APPEND (lines this short land whole, even from many processes at
 * once). The chaos runner reads it to tell whether any run's agent ran twice and from which checkpoint
 * an attempt resumed (chaos/harness/executions.ts).
 */

/**
 * Checks the input both agents take: `{durationMs, journal, fail?, failWhile?, checkpointEveryMs?}`.
 * `failWhile` names a file: the run fails while it exists (a dependency that is down until the
 * scenario clears it). Throws naming the field.
 */
export function readInput(input) {
  if (typeof input !== 'object' || input === null) throw new TypeError('input: expected an object');
  const { durationMs, journal, fail = false, failWhile, checkpointEveryMs } = input;
  if (!Number.isInteger(durationMs) || durationMs < 0) throw new TypeError('input.durationMs: expected an integer ≥ 0');
  if (typeof journal !== 'string' || !isAbsolute(journal)) throw new TypeError('input.journal: expected an absolute file path');
  if (typeof fail !== 'boolean') throw new TypeError('input.fail: expected a boolean');
  if (failWhile !== undefined && (typeof failWhile !== 'string' || !isAbsolute(failWhile))) throw new TypeError('input.failWhile: expected an absolute file path');
  if (checkpointEveryMs !== undefined && (!Number.isInteger(checkpointEveryMs) || checkpointEveryMs < 1)) {
    throw new TypeError('input.checkpointEveryMs: expected an integer ≥ 1');
  }
  return { durationMs, journal, fail, failWhile, checkpointEveryMs };
}

/** Whether this execution fails on purpose, decided at its end. */
export function failsNow({ fail, failWhile }) {
  return fail || (failWhile !== undefined && existsSync(failWhile));
}

/** The work already done by earlier attempts: the `doneMs` of the last checkpoint, else 0. */
export function resumePoint(lastCheckpoint) {
  const doneMs = lastCheckpoint?.doneMs;
  return Number.isInteger(doneMs) && doneMs >= 0 ? doneMs : 0;
}

export function record(journal, entry) {
  appendFileSync(journal, `${JSON.stringify({ ...entry, at: Date.now() })}\n`);
}
