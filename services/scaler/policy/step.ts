import type { DecisionInput, PoolState } from './types.js';
import type { FleetTarget } from './target.js';

/**
 * The brief's step rules, as written:
 *   visible > 100 → add 10 instances; > 500 → add 50; > 1000 → add 100 and enable the Fargate burst.
 *
 * How "+N instances" is read (the brief leaves it open):
 * - Like an AWS step-scaling policy it is relative: N instances of the Spot pool's nominal type
 *   (N × its slots) are added to what the EC2 pools are asked for now (Spot + On-Demand desired),
 *   and only the highest rule that fires applies.
 * - It applies at most once per scale-out cooldown: while the queue stays deep, the fleet grows by N
 *   again every cooldown until the pools reach their max. Inside the cooldown the target is held.
 * - The new total is then placed by the capacity split (placement.ts): On-Demand keeps its share held
 *   within its band, Spot takes the rest, so "+100 instances" lands on EC2 as +100 instances in all.
 * - When no rule fires the step policy never grows the fleet; it lets it shrink (slowly, see
 *   shaping.ts) toward the runs actually present, one slot per visible or in-flight message, so a
 *   drained queue returns the fleet to its floors.
 */
export function stepTarget(input: DecisionInput, primary: readonly [PoolState, ...PoolState[]]): FleetTarget {
  const { queue, settings, memory, now } = input;
  const current = primary.reduce((sum, pool) => sum + pool.desired * pool.slotsPerUnit, 0);
  const rule = settings.stepRules.filter((r) => queue.visible > r.visibleAbove).at(-1);

  if (!rule) {
    const lowest = settings.stepRules[0]?.visibleAbove ?? 0;
    const work = queue.visible + queue.inFlight;
    const slots = Math.min(current, work);
    const message =
      slots < current
        ? `no step rule fires (visible ${queue.visible} ≤ ${lowest}): shrink toward the ${work} runs visible or in flight`
        : `no step rule fires (visible ${queue.visible} ≤ ${lowest}): hold ${current} slots for the ${work} runs visible or in flight`;
    return { slots, burst: false, reasons: [{ code: 'step-idle', message }] };
  }

  const lead = primary[0];
  const instanceSlots = lead.unitsPerInstance * lead.slotsPerUnit;
  const lastScaleOut = Math.max(...primary.map((pool) => memory.lastScaleOutAt[pool.name] ?? -Infinity));
  const cooldownLeft = lastScaleOut + settings.scaleOutCooldownSeconds * 1000 - now;
  if (cooldownLeft > 0) {
    return {
      slots: current,
      burst: rule.enableBurst,
      rule,
      reasons: [
        {
          code: 'scale-out-cooldown',
          message: `visible ${queue.visible} > ${rule.visibleAbove} fires +${rule.addInstances} instances, held: scale-out cooldown has ${Math.ceil(cooldownLeft / 1000)}s left`,
        },
      ],
    };
  }
  const added = rule.addInstances * instanceSlots;
  return {
    slots: current + added,
    burst: rule.enableBurst,
    rule,
    reasons: [
      {
        code: 'step-rule',
        message:
          `visible ${queue.visible} > ${rule.visibleAbove}: +${rule.addInstances} instances (${added} slots) on the ${current} slots asked for` +
          (rule.enableBurst ? '; Fargate burst enabled' : ''),
      },
    ],
  };
}
