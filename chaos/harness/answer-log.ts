import { ApiUnreachableError, type ApiAnswer } from './api-client.js';

/**
 * Every answer the API gave during a scenario, tagged with the phase it was asked in (before, during
 * or after a fault), so the scenario can say exactly which answers broke the rules and when.
 */

export interface Answer {
  phase: string;
  /** `METHOD path`. */
  what: string;
  /** The HTTP status, or `unreachable` when no answer came (refused, reset, timed out). */
  status: number | 'unreachable';
  retryAfter: boolean;
}

export class AnswerLog {
  private readonly answers: Answer[] = [];
  private stopped = false;

  get open(): boolean {
    return !this.stopped;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Makes the call and logs its answer; undefined when there was none. */
  async record<T>(phase: string, what: string, call: () => Promise<ApiAnswer<T>>): Promise<ApiAnswer<T> | undefined> {
    try {
      const answer = await call();
      this.answers.push({ phase, what, status: answer.status, retryAfter: answer.headers.has('retry-after') });
      return answer;
    } catch (error) {
      if (!(error instanceof ApiUnreachableError)) throw error;
      this.answers.push({ phase, what, status: 'unreachable', retryAfter: false });
      return undefined;
    }
  }

  inPhase(phase: string): Answer[] {
    return this.answers.filter((answer) => answer.phase === phase);
  }

  count(matches: (answer: Answer) => boolean): number {
    return this.answers.filter(matches).length;
  }

  /** "GET /readyz → 500 ×3 (outage); ..." for the answers that match. */
  describe(matches: (answer: Answer) => boolean): string {
    const groups = new Map<string, number>();
    for (const answer of this.answers.filter(matches)) {
      const key = `${answer.what} → ${answer.status} (${answer.phase})`;
      groups.set(key, (groups.get(key) ?? 0) + 1);
    }
    return [...groups].map(([key, count]) => `${key} ×${count}`).join('; ');
  }
}
