import type { Redis } from 'ioredis';
import type { PolicyMemory } from './policy/types.js';

/**
 * The policy's memory (cooldown clocks, the Spot pending clock), kept in Redis by the leader after
 * each tick so a replica that takes over continues the same cooldowns instead of starting blind.
 */
const KEY = 'af:scaler:memory';
/** Memory older than a day describes a fleet that has long moved on. */
const TTL_SECONDS = 24 * 3600;

export class PolicyMemoryStore {
  constructor(private readonly redis: Redis) {}

  async load(): Promise<PolicyMemory | undefined> {
    const json = await this.redis.get(KEY);
    return json ? (JSON.parse(json) as PolicyMemory) : undefined;
  }

  async save(memory: PolicyMemory): Promise<void> {
    await this.redis.set(KEY, JSON.stringify(memory), 'EX', TTL_SECONDS);
  }
}
