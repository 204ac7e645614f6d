import type { z, ZodError } from 'zod';
import { ValidationError, type FieldError } from './errors.js';

/** Parses a request part, or throws a ValidationError naming every bad field (400). */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, whole: string): z.output<S> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw validationError(parsed.error, whole);
  return parsed.data;
}

/**
 * Zod issues as field errors named from the client's side: `metadata.team`, `timeoutSeconds`, or
 * `whole` for a value that is wrong as a whole (`body` for a body that is not an object). Issues
 * parsed with `reportInput` let a missing field read "is required" instead of "received undefined".
 */
export function validationError(error: ZodError, whole: string): ValidationError {
  const fields: FieldError[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields.push({ field: [...path, key].join('.'), message: 'is not a known field' });
      continue;
    }
    const missing = issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined;
    fields.push({ field: path.length > 0 ? path.join('.') : whole, message: missing ? 'is required' : issue.message });
  }
  return new ValidationError(fields);
}
