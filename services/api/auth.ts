import type { Middleware } from 'koa';
import { UnauthorizedError } from './errors.js';
import type { ApiState } from './context.js';
import type { KeyVerifier } from './key-verifier.js';
import type { TenantLimits } from './tenant-limits.js';

const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * Sets `ctx.state.tenant` from `Authorization: Bearer KEY`, or answers 401. With limits: an address
 * sending too many keys that do not verify gets 429 instead (and its keys are not checked until its
 * window ends), and each tenant's requests are counted (429 past its rate, RateLimit headers always).
 */
export function requireApiKey(keys: KeyVerifier, limits?: TenantLimits): Middleware<ApiState> {
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    if (header === '') throw new UnauthorizedError('send Authorization: Bearer <API key>', 'missing');
    limits?.refuseBlockedAddress(ctx.ip);
    const key = BEARER.exec(header)?.[1];
    const identity = key === undefined ? undefined : await keys.verify(key);
    if (identity === undefined) {
      await limits?.recordFailedAuth(ctx.ip);
      throw key === undefined
        ? new UnauthorizedError('the Authorization header must be "Bearer <API key>"', 'invalid')
        : new UnauthorizedError('the API key is not valid', 'invalid');
    }
    ctx.state.tenant = identity.tenant;
    if (limits) ctx.set({ ...(await limits.admitRequest(identity.tenant)) });
    await next();
  };
}
