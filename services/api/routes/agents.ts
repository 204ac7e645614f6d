import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { AgentCatalog } from '../../core/agents/catalog.js';
import type { ApiState } from '../context.js';
import type { AgentList } from '../schemas.js';

/** GET /v1/agents: the agents this deployment runs, with their input schemas. Built once: the catalog is fixed at start. */
export function registerAgentRoutes(router: Router<ApiState>, auth: Middleware<ApiState>, agents: AgentCatalog): void {
  const body: AgentList = {
    agents: [...agents.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, agent]) => ({
        name,
        type: agent.type,
        ...(agent.description !== undefined ? { description: agent.description } : {}),
        ...(agent.inputSchema !== undefined ? { inputSchema: agent.inputSchema } : {}),
      })),
  };
  router.get('/v1/agents', auth, (ctx) => {
    ctx.body = body;
  });
}
