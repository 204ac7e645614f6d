import { withRedis } from '../redis.js';
import { InvalidCursorError } from './errors.js';
import { listRuns } from './lua/list-runs.js';
import type { RunScripts } from './lua/scripts.js';
import { RUN_STATUSES } from './model.js';
import type { RunKeys } from './redis-keys.js';
import type { ListQuery, RunPage } from './store.js';

/**
 * `GET /v1/runs`: one page of a tenant's runs, newest first, from the index that matches the filters
 * (list-runs-1.lua). The cursor is the last id returned, versioned and base64url-encoded so clients
 * treat it as opaque.
 */

const MAX_LIST_LIMIT = 1_000;
/** How many index entries one listing call may examine, holes included, before it returns a cursor. */
const LIST_SCAN_BUDGET = 5_000;
const CURSOR_VERSION = 'v1:';

export async function listTenantRuns(scripts: RunScripts, keys: RunKeys, tenant: string, query: ListQuery): Promise<RunPage> {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_LIST_LIMIT) {
    throw new RangeError(`limit: must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${query.limit}`);
  }
  if (query.status !== undefined && !RUN_STATUSES.includes(query.status)) {
    throw new RangeError(`status: must be one of ${RUN_STATUSES.join(', ')}, got ${String(query.status)}`);
  }
  const index =
    query.agent !== undefined && query.status !== undefined
      ? keys.byAgentAndStatus(tenant, query.agent, query.status)
      : query.agent !== undefined
        ? keys.byAgent(tenant, query.agent)
        : query.status !== undefined
          ? keys.byStatus(tenant, query.status)
          : keys.tenantRuns(tenant);
  const start = query.cursor === undefined ? '+' : `(${decodeCursor(query.cursor)}`;
  const { runs, last } = await withRedis(() => listRuns(scripts, index, start, query.limit, keys.prefix, LIST_SCAN_BUDGET));
  return last ? { runs, nextCursor: encodeCursor(last) } : { runs };
}

function encodeCursor(lastId: string): string {
  return Buffer.from(CURSOR_VERSION + lastId).toString('base64url');
}

/** Run ids are UUIDs (v7) written by the store in lowercase. */
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Only a cursor this codec writes is taken back: the version, a run id as the store writes them, and
 * the exact bytes encodeCursor would give (base64url decoding alone is lenient: padding, stray bits).
 */
function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = text.startsWith(CURSOR_VERSION) ? text.slice(CURSOR_VERSION.length) : '';
  if (!RUN_ID.test(id) || encodeCursor(id) !== cursor) {
    throw new InvalidCursorError('not a cursor returned by a previous listing');
  }
  return id;
}
