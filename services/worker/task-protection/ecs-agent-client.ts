/**
 * The ECS agent's task scale-in protection endpoint, `$ECS_AGENT_URI/task-protection/v1/state`: a PUT of
 * {"ProtectionEnabled": bool, "ExpiresInMinutes": 1..2880} answers {"protection": {...}} when ECS took
 * it, and {"failure": {...}} or {"error": {...}} (with a 2xx or an error status) when it did not. The
 * agent calls ecs:UpdateTaskProtection with the task role, which must allow it on the task.
 */

export class TaskProtectionError extends Error {
  override readonly name = 'TaskProtectionError';
}

export interface TaskProtection {
  enabled: boolean;
  /** When ECS ends the protection by itself (ms since epoch), when it says. */
  expiresAt?: number;
}

interface EndpointAnswer {
  protection?: { ProtectionEnabled?: boolean; ExpirationDate?: string | null };
  failure?: { Reason?: string; Detail?: string | null };
  error?: { Code?: string; Message?: string };
}

/** ECS accepts whole minutes from 1 to 2,880 (48 h). */
export const MAX_PROTECTION_MINUTES = 2_880;

export class EcsAgentClient {
  constructor(
    private readonly agentUri: string,
    private readonly timeoutMs = 5_000,
  ) {}

  setProtection(enabled: true, expiresInMinutes: number): Promise<TaskProtection>;
  setProtection(enabled: false): Promise<TaskProtection>;
  async setProtection(enabled: boolean, expiresInMinutes?: number): Promise<TaskProtection> {
    const body = enabled ? { ProtectionEnabled: true, ExpiresInMinutes: expiresInMinutes } : { ProtectionEnabled: false };
    let response: Response;
    let answer: EndpointAnswer;
    try {
      response = await fetch(`${this.agentUri.replace(/\/+$/, '')}/task-protection/v1/state`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      answer = (await response.json().catch(() => ({}))) as EndpointAnswer;
    } catch (error) {
      throw new TaskProtectionError(`task protection: ${(error as Error).message}`, { cause: error });
    }
    if (answer.error) throw new TaskProtectionError(`task protection: ${answer.error.Code ?? 'error'}: ${answer.error.Message ?? ''}`);
    if (answer.failure) throw new TaskProtectionError(`task protection: ${answer.failure.Reason ?? 'failure'} ${answer.failure.Detail ?? ''}`.trim());
    if (!response.ok || !answer.protection) throw new TaskProtectionError(`task protection: HTTP ${response.status}`);
    const expiresAt = answer.protection.ExpirationDate ? Date.parse(answer.protection.ExpirationDate) : Number.NaN;
    return { enabled: answer.protection.ProtectionEnabled === true, ...(Number.isNaN(expiresAt) ? {} : { expiresAt }) };
  }
}
