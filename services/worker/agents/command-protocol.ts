import type { RunError } from '../../core/run/model.js';
import { AgentErrorType, agentReportedType } from './executor.js';

/**
 * What a `command` agent writes on stdout, one JSON object per line (DESIGN §6):
 *   {"type":"log","message":"...", ...fields}
 *   {"type":"progress", ...data}                 e.g. {"type":"progress","percent":40}
 *   {"type":"checkpoint","data": <any JSON>}
 *   {"type":"result","result": <any JSON>}
 *   {"type":"error","message":"...","errorType"?:"...","retryable"?:false}   (errorType: see agentReportedType)
 * Any other line (not JSON, or JSON without a known type) is kept as a log line.
 */
export type AgentLine =
  | { type: 'log'; message: string; fields: Record<string, unknown> }
  | { type: 'progress'; data: Record<string, unknown> }
  | { type: 'checkpoint'; data: unknown }
  | { type: 'result'; result: unknown }
  | { type: 'error'; error: RunError; retryable: boolean }
  | { type: 'text'; line: string };

function withoutType(object: Record<string, unknown>): Record<string, unknown> {
  const { type: _type, ...rest } = object;
  return rest;
}

export function parseAgentLine(line: string): AgentLine {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return { type: 'text', line };
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return { type: 'text', line };
  }
  const object = json as Record<string, unknown>;
  switch (object.type) {
    case 'log': {
      const { message, ...fields } = withoutType(object);
      return { type: 'log', message: typeof message === 'string' ? message : JSON.stringify(message ?? ''), fields };
    }
    case 'progress':
      return { type: 'progress', data: withoutType(object) };
    case 'checkpoint':
      return { type: 'checkpoint', data: object.data ?? null };
    case 'result':
      return { type: 'result', result: object.result ?? null };
    case 'error':
      return {
        type: 'error',
        error: {
          type: typeof object.errorType === 'string' && object.errorType ? agentReportedType(object.errorType) : AgentErrorType.agentError,
          message: typeof object.message === 'string' ? object.message : 'the agent reported an error',
        },
        retryable: object.retryable !== false,
      };
    default:
      return { type: 'text', line };
  }
}

/** The last lines of a stream, bounded in count and characters, for error messages. */
export class Tail {
  private readonly lines: string[] = [];

  constructor(
    private readonly maxLines = 20,
    private readonly maxChars = 2000,
  ) {}

  push(line: string): void {
    this.lines.push(line.length > this.maxChars ? line.slice(0, this.maxChars) : line);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }

  toString(): string {
    const text = this.lines.join('\n');
    return text.length > this.maxChars ? text.slice(text.length - this.maxChars) : text;
  }
}
