import { ENVIRONMENT_NAMES, parseEnvironmentConfig, type EnvironmentConfig, type EnvironmentConfigInput, type EnvironmentName } from './config.js';
import { dev } from './dev.js';
import { prod } from './prod.js';
import { staging } from './staging.js';

/** The one way to get an environment's configuration: the stack, the scaler and the CLI all call this. */

export * from './config.js';
export type { Price, Pricing, FargateRate } from './pricing.js';
export { resourceNames, type ResourceNames } from './names.js';

const SOURCES: Record<EnvironmentName, EnvironmentConfigInput> = { dev, staging, prod };

export class UnknownEnvironmentError extends Error {
  override readonly name = 'UnknownEnvironmentError';
  constructor(readonly environment: string) {
    super(`unknown environment "${environment}": expected one of ${ENVIRONMENT_NAMES.join(', ')}`);
  }
}

export function isEnvironmentName(name: string): name is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(name);
}

/** Validated configuration of `name`; throws UnknownEnvironmentError or EnvironmentConfigError. */
export function loadEnvironment(name: string): EnvironmentConfig {
  if (!isEnvironmentName(name)) throw new UnknownEnvironmentError(name);
  return parseEnvironmentConfig(SOURCES[name]);
}
