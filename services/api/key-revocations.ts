import type { Redis } from 'ioredis';
import { KEY_REVOCATIONS_CHANNEL } from '../core/auth/key-store.js';
import type { Logger } from '../core/logger.js';
import type { CachedKeyVerifier } from './key-verifier.js';

/**
 * Hears revocations (KeyStore.revoke publishes the key's id) on a connection of its own, so that
 * every API process drops a revoked key from its cache at once.
 *
 * Why pub/sub and not a revocation version counter: a counter has to be read on every request to
 * catch a revocation at once, which is the Redis round trip the cache exists to save; read less
 * often, revocation is no longer immediate. Pub/sub costs nothing per request and reaches every
 * subscriber in the time of one message. What it cannot do is deliver to a process that is not
 * subscribed at that moment, so the verifier trusts its cache only while the subscription stands
 * (confirmed by Redis after every reconnect) and empties it whenever the subscription drops.
 */
export class KeyRevocationListener {
  private stopped = false;

  constructor(
    private readonly subscriber: Redis,
    private readonly verifier: CachedKeyVerifier,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.subscriber.on('message', (channel: string, id: string) => {
      if (channel !== KEY_REVOCATIONS_CHANNEL) return;
      this.verifier.revoked(id);
      this.logger.info({ keyId: id }, 'API key revoked: no longer accepted');
    });
    this.subscriber.on('close', () => this.verifier.listening(false));
    this.subscriber.on('ready', () => this.subscribe());
    if (this.subscriber.status === 'ready') this.subscribe();
  }

  stop(): void {
    this.stopped = true;
    this.verifier.listening(false);
    this.subscriber.disconnect();
  }

  private subscribe(): void {
    this.subscriber.subscribe(KEY_REVOCATIONS_CHANNEL).then(
      () => {
        if (!this.stopped && this.subscriber.status === 'ready') this.verifier.listening(true);
      },
      (error: unknown) => this.logger.warn({ err: error }, 'could not subscribe to key revocations; API keys are checked in Redis on every request until it works'),
    );
  }
}
