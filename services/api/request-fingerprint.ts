import { createHash } from 'node:crypto';

/**
 * A hash of a JSON body that ignores how it was written (key order, whitespace, escapes, `1.0` vs
 * `1`): two requests get the same fingerprint exactly when they mean the same thing. The IETF
 * idempotency-key draft compares the request behind a replayed key with the first one by such a
 * fingerprint. Callers pass a validated body, whose nesting is already bounded.
 */
export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('base64url');
}

/** JSON with object keys sorted (RFC 8785's ordering for the ASCII keys clients send; numbers as JS writes them). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
