import type { Middleware } from 'koa';
import { UnauthorizedError } from './errors.js';
import type { ApiState } from './context.js';
import type { KeyVerifier } from './key-verifier.js';

const BEARER = /^Bearer +([^\s]+) *$/i;

/** Sets `ctx.state.tenant` from `Authorization: Bearer KEY`, or answers 401. */
export function requireApiKey(keys: KeyVerifier): Middleware<ApiState> {
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    if (header === '') throw new UnauthorizedError('send Authorization: Bearer <API key>', 'missing');
    const key = BEARER.exec(header)?.[1];
    if (key === undefined) throw new UnauthorizedError('the Authorization header must be "Bearer <API key>"', 'invalid');
    const identity = await keys.verify(key);
    if (identity === undefined) throw new UnauthorizedError('the API key is not valid', 'invalid');
    ctx.state.tenant = identity.tenant;
    await next();
  };
}
