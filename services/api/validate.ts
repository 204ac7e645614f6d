import { z, type ZodError } from 'zod';
import { ValidationError, type FieldError } from './errors.js';

/**
 * Each request schema as zod compiles it (generated code, about twice as fast as walking the schema),
 * made on first use. The schemas themselves stay as declared: /openapi.json is generated from them.
 */
const compiled = new WeakMap<z.ZodType, z.ZodType>();

function compiledSchema<S extends z.ZodType>(schema: S): S {
  let fast = compiled.get(schema);
  if (fast === undefined) {
    fast = z.compile(schema);
    compiled.set(schema, fast);
  }
  return fast as S;
}

/**
 * Parses a request part, or throws a ValidationError naming every bad field (400). A valid value is
 * parsed once without options: zod copies any options given into a fresh context per parse (an object
 * spread, slow on V8), which more than doubles the cost of a small parse. Only a rejected value is
 * parsed again with `reportInput`, so a missing field can read "is required".
 */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, whole: string): z.output<S> {
  const fast = compiledSchema(schema);
  const parsed = fast.safeParse(value);
  if (parsed.success) return parsed.data;
  throw validationError(fast.safeParse(value, { reportInput: true }).error ?? parsed.error, whole);
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
