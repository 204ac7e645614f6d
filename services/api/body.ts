import getRawBody from 'raw-body';
import type { Context } from 'koa';
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './errors.js';

/** The Content-Type values nearly every client sends, accepted without parsing the header. */
const PLAIN_JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);

/** Fatal: a byte sequence that is not UTF-8 is refused, never replaced by U+FFFD and stored altered. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a JSON request body: 415 unless it is UTF-8 JSON without a content coding, 413 past
 * `limitBytes` (refused from Content-Length before reading when the client declares it), 400 when it
 * does not parse or holds a number that JSON.parse turned into ±Infinity (stored, it would read back
 * as null).
 */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  if (!hasBody(ctx) || ctx.request.length === 0) throw new ValidationError([{ field: 'body', message: 'is required: send a JSON object' }]);
  assertUtf8Json(ctx);

  let raw: Buffer;
  try {
    raw = await getRawBody(ctx.req, { length: ctx.request.length, limit: limitBytes });
  } catch (error) {
    if ((error as { type?: string }).type === 'entity.too.large') throw new PayloadTooLargeError(limitBytes);
    throw new MalformedJsonError(`could not read the body: ${(error as Error).message}`);
  }

  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new UnsupportedMediaTypeError('the body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedJsonError((error as Error).message);
  }
  const overflow = pathToNonFiniteNumber(value);
  if (overflow !== undefined) {
    throw new ValidationError([{ field: overflow, message: 'is a number too large for a 64-bit float: it would be stored as null' }]);
  }
  return value;
}

/** A step on the way down to a value: its key and the step above it (shared, so deep nesting costs no copying). */
interface Crumb {
  key: string;
  parent: Crumb | undefined;
}

/**
 * The field path (`input.values.3`) of the first number that is not finite, `body` for the body
 * itself; undefined when every number is finite. Iterative and linear in the body's size however
 * deep it nests, so hostile input can neither overflow the stack nor make it slow.
 */
export function pathToNonFiniteNumber(value: unknown): string | undefined {
  const pending: [unknown, Crumb | undefined][] = [[value, undefined]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, crumb] = next;
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) return crumb === undefined ? 'body' : pathOf(crumb);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) pending.push([child, { key, parent: crumb }]);
    }
  }
  return undefined;
}

function pathOf(crumb: Crumb): string {
  const keys: string[] = [];
  for (let at: Crumb | undefined = crumb; at !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}

/** As type-is decides it: a body is coming when the request is chunked or declares its length. */
function hasBody(ctx: Context): boolean {
  const { headers } = ctx.req;
  return headers['transfer-encoding'] !== undefined || headers['content-length'] !== undefined;
}

function assertUtf8Json(ctx: Context): void {
  const coding = ctx.get('Content-Encoding');
  if (coding !== '') {
    // RFC 9110 §15.5.16: a 415 for a content coding says which codings the server takes.
    const error = new UnsupportedMediaTypeError(`Content-Encoding "${coding.slice(0, 64)}" is not accepted: send the body uncompressed`);
    error.headers['Accept-Encoding'] = 'identity';
    throw error;
  }
  if (PLAIN_JSON_TYPES.has(ctx.get('Content-Type').toLowerCase())) return;
  if (!ctx.request.is('application/json', 'application/*+json')) {
    throw new UnsupportedMediaTypeError(`expected Content-Type application/json, got ${ctx.get('Content-Type') || 'none'}`);
  }
  const charset = ctx.request.charset.toLowerCase();
  if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError(`JSON bodies must be UTF-8, got charset ${charset}`);
  }
}
