/** A command's JSON result on stdout, indented for people; `--json` output is this and nothing else. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
