import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { readJsonBody } from '../body.js';
import type { ApiDependencies, ApiState } from '../context.js';
import { NotFoundError, RunAlreadyFinishedError, notAccepted, type CreateRequest } from '../errors.js';
import type { ApiMetrics } from '../metrics.js';
import { toRunResource } from '../run-resource.js';
import { requestFingerprint } from '../request-fingerprint.js';
import { resolveRunSpec } from '../run-spec.js';
import { IDEMPOTENT_REPLAY_HEADER, LIMITS, batchEnvelope, createRunRequest, idempotencyKeyHeader, listRunsQuery, runIdParam } from '../schemas.js';
import { submitRun } from '../submit-run.js';
import { submitRunBatch } from '../submit-run-batch.js';
import { parseRequest } from '../validate.js';

/** POST/GET /v1/runs, POST /v1/runs/batch, GET /v1/runs/:id, POST /v1/runs/:id/cancel; every run is scoped to the caller's tenant. */
export function registerRunRoutes(
  router: Router<ApiState>,
  auth: Middleware<ApiState>,
  deps: ApiDependencies,
  metrics: ApiMetrics,
): void {
  const { store, queue, agents, logger } = deps;

  // The creates' 503s say whether the run may have been recorded. Until the store is called (checking
  // the key, the tenant's limits) this request records nothing; but a run with an Idempotency-Key may
  // come from an earlier request with the same key, which this one cannot see; a batch's items may
  // carry keys, and an outage in authentication stops it before they are read. The submit functions
  // answer for the rest.
  const createOutages =
    (what: CreateRequest): Middleware<ApiState> =>
    async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        throw notAccepted(error, what === 'batch' || ctx.get('Idempotency-Key') !== '', what);
      }
    };

  router.post('/v1/runs', createOutages('run'), auth, async (ctx) => {
    // Present but empty is refused, not read as "no key": a client that meant to send a key (an unset
    // variable in a script) would otherwise lose the protection against a second run on retry.
    const idempotencyKey =
      ctx.headers['idempotency-key'] === undefined ? undefined : parseRequest(idempotencyKeyHeader, ctx.get('Idempotency-Key'), 'Idempotency-Key');
    const body = await readJsonBody(ctx, LIMITS.bodyBytes);
    const request = parseRequest(createRunRequest, body, 'body');
    const spec = resolveRunSpec(request, agents);
    // Checked before the store can tell a replay from a new run: at the cap, a replay waits like a new
    // submit, and still gets its original run once there is room.
    await deps.limits?.admitQueuedRuns(ctx.state.tenant);
    const fingerprint = idempotencyKey === undefined ? undefined : requestFingerprint(body);
    const { run, created } = await submitRun(store, queue, logger, ctx.state.tenant, spec, idempotencyKey, fingerprint);
    if (created) metrics.runsCreated.inc({ agent: run.agent });
    else ctx.set(IDEMPOTENT_REPLAY_HEADER, 'true');
    ctx.status = 202;
    ctx.set('Location', `/v1/runs/${encodeURIComponent(run.id)}`);
    ctx.body = toRunResource(run);
  });

  // 202 even when some items were not queued: each entry says what became of its item.
  router.post('/v1/runs/batch', createOutages('batch'), auth, async (ctx) => {
    const { runs } = parseRequest(batchEnvelope, await readJsonBody(ctx, LIMITS.batchBodyBytes), 'body');
    // The whole batch counts against the tenant's cap of waiting runs, as that many submits would.
    await deps.limits?.admitQueuedRuns(ctx.state.tenant, runs.length);
    const entries = await submitRunBatch(deps, ctx.state.tenant, runs, ctx.state.requestId);
    for (const entry of entries) if ('run' in entry && entry.created) metrics.runsCreated.inc({ agent: entry.run.agent });
    ctx.status = 202;
    ctx.body = { runs: entries.map((entry) => ('run' in entry ? toRunResource(entry.run) : entry.problem)) };
  });

  router.get('/v1/runs', auth, async (ctx) => {
    const query = parseRequest(listRunsQuery, ctx.query, 'query');
    const page = await store.list(ctx.state.tenant, query);
    ctx.body = { runs: page.runs.map(toRunResource), nextCursor: page.nextCursor ?? null };
  });

  router.get('/v1/runs/:id', auth, async (ctx) => {
    const id = parseRequest(runIdParam, ctx.params.id, 'id');
    const run = await store.get(ctx.state.tenant, id);
    if (run === undefined) throw new NotFoundError(`run ${id} not found`);
    ctx.body = toRunResource(run);
  });

  // Cancelling is idempotent: asking again for a run that is cancelled (or being cancelled) is 202
  // again. Only a run that ended some other way (succeeded, failed, timed out) answers 409.
  router.post('/v1/runs/:id/cancel', auth, async (ctx) => {
    const id = parseRequest(runIdParam, ctx.params.id, 'id');
    const result = await store.requestCancel(ctx.state.tenant, id);
    if (result.kind === 'not_found') throw new NotFoundError(`run ${id} not found`);
    if (result.kind === 'already_finished' && result.run.status !== 'cancelled') {
      throw new RunAlreadyFinishedError(id, result.run.status);
    }
    ctx.status = 202;
    ctx.body = toRunResource(result.run);
  });
}
