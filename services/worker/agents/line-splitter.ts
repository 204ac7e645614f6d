import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into lines without ever holding more than `maxLineLength` characters of one
 * line: an agent that writes a gigabyte without a newline costs the worker nothing. An oversized
 * line is reported once as `onOversized` and the rest of it is skipped.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private skipping = false;

  constructor(
    private readonly maxLineLength: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversized: (prefix: string) => void,
  ) {}

  push(chunk: Buffer): void {
    this.consume(this.decoder.write(chunk));
  }

  end(): void {
    this.consume(this.decoder.end());
    if (this.pending.length > 0 && !this.skipping) this.onLine(stripCarriageReturn(this.pending));
    this.pending = '';
    this.skipping = false;
  }

  private consume(text: string): void {
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline < 0) break;
      const piece = text.slice(start, newline);
      start = newline + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (this.pending.length + piece.length > this.maxLineLength) {
        this.onOversized((this.pending + piece).slice(0, 200));
        this.pending = '';
        continue;
      }
      this.onLine(stripCarriageReturn(this.pending + piece));
      this.pending = '';
    }
    if (this.skipping) return;
    const rest = text.slice(start);
    if (this.pending.length + rest.length > this.maxLineLength) {
      this.onOversized((this.pending + rest).slice(0, 200));
      this.pending = '';
      this.skipping = true;
    } else {
      this.pending += rest;
    }
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
