/**
 * What the instance metadata says about this instance's end, as pure decisions over its text:
 * - spot/instance-action: {"action": "terminate" | "stop" | "hibernate", "time": "<ISO>"} about two
 *   minutes before the instance is reclaimed; 404 until then.
 * - autoscaling/target-lifecycle-state: "Terminated" once the ASG has chosen this instance for
 *   scale-in (and a termination lifecycle hook holds it in Terminating:Wait).
 * - events/recommendations/rebalance: {"noticeTime": "<ISO>"} once EC2 sees this Spot instance at
 *   elevated risk of interruption; 404 until then. No deadline: the instance may run for hours yet.
 */

export interface InterruptionNotice {
  kind: 'spot' | 'scale-in' | 'rebalance';
  /** When running attempts must have been interrupted and handed back, ms since epoch (Infinity: no deadline). */
  deadline: number;
  detail: string;
}

export function spotNotice(text: string | undefined, now: number, marginMs: number): InterruptionNotice | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let action: { action?: unknown; time?: unknown };
  try {
    action = JSON.parse(text) as typeof action;
  } catch {
    // An unreadable notice is still a notice: drain at once rather than risk being reclaimed mid-run.
    return { kind: 'spot', deadline: now, detail: `unreadable spot/instance-action: ${text.slice(0, 200)}` };
  }
  const reclaimAt = typeof action.time === 'string' ? Date.parse(action.time) : Number.NaN;
  const deadline = Number.isNaN(reclaimAt) ? now : Math.max(now, reclaimAt - marginMs);
  return { kind: 'spot', deadline, detail: `spot ${String(action.action ?? 'interruption')} at ${String(action.time ?? 'unknown time')}` };
}

export function scaleInNotice(state: string | undefined, now: number, graceMs: number): InterruptionNotice | undefined {
  if (state?.trim() !== 'Terminated') return undefined;
  return { kind: 'scale-in', deadline: now + graceMs, detail: 'auto scaling group scale-in (target lifecycle state Terminated)' };
}

export function rebalanceNotice(text: string | undefined): InterruptionNotice | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let noticeTime: unknown;
  try {
    ({ noticeTime } = JSON.parse(text) as { noticeTime?: unknown });
  } catch {
    noticeTime = undefined;
  }
  return { kind: 'rebalance', deadline: Number.POSITIVE_INFINITY, detail: `rebalance recommendation at ${typeof noticeTime === 'string' ? noticeTime : 'unknown time'}` };
}
