/** The value of an unlabelled-by-us gauge in Prometheus text format (default labels allowed); undefined when absent. */
export function gaugeValue(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match?.[1] === name) return Number(match[3]);
  }
  return undefined;
}
