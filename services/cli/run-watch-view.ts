import type { ServerSentEvent } from './sse-parser.js';

/** Exit codes of `submit --wait` and `runs watch`, by the run's final status (2 stays a usage error). */
export const EXIT_CODE_BY_STATUS: Readonly<Record<string, number>> = { succeeded: 0, failed: 1, cancelled: 3, timed_out: 4 };

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPIN_MS = 100;

/**
 * Shows a run's events as they come: on a TTY a spinner line (status, attempt, progress) with log
 * lines printed above it; otherwise one plain line per event (`status running attempt=1`,
 * `log ...`, `progress ...`), so a pipe or a CI log gets every event.
 */
export class RunWatchView {
  private status = 'connecting';
  private detail = '';
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runId: string,
    private readonly out: NodeJS.WriteStream,
    private readonly tty = out.isTTY === true,
  ) {
    if (this.tty) this.timer = setInterval(() => this.draw(), SPIN_MS);
  }

  event(event: ServerSentEvent): void {
    const data = parse(event.data);
    if (event.event === 'status') {
      this.status = String(data.status ?? 'unknown');
      this.detail = data.attempt === undefined ? '' : `attempt ${String(data.attempt)}`;
      const attempt = data.attempt === undefined ? '' : ` attempt=${String(data.attempt)}`;
      const cancel = data.cancelRequested === true ? ' cancelRequested' : '';
      this.line(`status ${this.status}${attempt}${cancel}${data.error ? ` error=${JSON.stringify(data.error)}` : ''}`, false);
    } else if (event.event === 'log') {
      this.line(`log ${typeof data.message === 'string' ? data.message : event.data}`, true);
    } else if (event.event === 'progress') {
      const fraction = typeof data.fraction === 'number' ? ` ${Math.round(data.fraction * 100)}%` : '';
      this.detail = `${this.detail.split(' · ')[0]} ·${fraction} ${typeof data.message === 'string' ? data.message : ''}`.trim();
      this.line(`progress ${event.data}`, false);
    }
  }

  reconnecting(attempt: number): void {
    this.line(`stream dropped; reconnecting (${attempt})`, !this.tty);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.out.write('\r\x1b[2K');
  }

  /** Plain mode prints every line; TTY mode prints only `keep` lines (logs) above the spinner. */
  private line(text: string, keep: boolean): void {
    if (!this.tty) {
      this.out.write(`${text}\n`);
      return;
    }
    if (keep) this.out.write(`\r\x1b[2K${text}\n`);
    this.draw();
  }

  private draw(): void {
    this.frame = (this.frame + 1) % SPINNER.length;
    this.out.write(`\r\x1b[2K${SPINNER[this.frame]} ${this.runId} ${this.status}${this.detail ? ` · ${this.detail}` : ''}`);
  }
}

function parse(data: string): Record<string, unknown> {
  try {
    const value = JSON.parse(data) as unknown;
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : { message: value };
  } catch {
    return { message: data };
  }
}
