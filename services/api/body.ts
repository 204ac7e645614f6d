import getRawBody from 'raw-body';
import type { Context } from 'koa';
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './errors.js';

/** The Content-Type values nearly every client sends, accepted without parsing the header. */
const PLAIN_JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);

/**
 * Reads a JSON request body: 415 unless it is UTF-8 JSON, 413 past `limitBytes` (refused from
 * Content-Length before reading when the client declares it), 400 when it does not parse.
 * raw-body does the limited read; JSON.parse on the buffer skips any per-request charset machinery.
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

  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new MalformedJsonError((error as Error).message);
  }
}

/** As type-is decides it: a body is coming when the request is chunked or declares its length. */
function hasBody(ctx: Context): boolean {
  const { headers } = ctx.req;
  return headers['transfer-encoding'] !== undefined || headers['content-length'] !== undefined;
}

function assertUtf8Json(ctx: Context): void {
  if (PLAIN_JSON_TYPES.has(ctx.get('Content-Type').toLowerCase())) return;
  if (!ctx.request.is('application/json', 'application/*+json')) {
    throw new UnsupportedMediaTypeError(`expected Content-Type application/json, got ${ctx.get('Content-Type') || 'none'}`);
  }
  const charset = ctx.request.charset.toLowerCase();
  if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError(`JSON bodies must be UTF-8, got charset ${charset}`);
  }
}
