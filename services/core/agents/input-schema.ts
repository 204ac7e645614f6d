import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * An agent's `inputSchema` (JSON Schema 2020-12, the dialect of /openapi.json), compiled once when the
 * agents file is read, so the API can refuse a bad input at submit instead of a worker failing the run.
 * Ajv's strict mode refuses unknown keywords and formats: a typo in a schema stops start-up rather
 * than silently accepting everything.
 */

/** One rejected part of a run's input, named from the request body (`input`, `input.text`, `input.items.2`). */
export interface InputProblem {
  field: string;
  message: string;
}

export type InputValidator = (input: unknown) => InputProblem[];

export class InputSchemaError extends Error {
  override readonly name = 'InputSchemaError';
}

// One instance for every agent: Ajv caches compiled code per instance. allErrors lists every bad
// field in one answer; inputs are capped at 256 KiB and 64 levels before they get here.
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);

export function compileInputSchema(schema: Record<string, unknown>): InputValidator {
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new InputSchemaError((error as Error).message);
  }
  return (input) => (validate(input) ? [] : (validate.errors ?? []).map(toProblem));
}

function toProblem(error: ErrorObject): InputProblem {
  const path = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty !== undefined) path.push(params.missingProperty);
  if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) {
    return { field: ['input', ...path, params.additionalProperty].join('.'), message: 'is not allowed' };
  }
  const message = error.keyword === 'required' ? 'is required' : (error.message ?? 'is invalid');
  return { field: ['input', ...path].join('.'), message };
}
