import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Where an API key could end up in a log line: request headers (however a line nests them) and any
 * field named like a key. pino replaces them before the line is written.
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  '*.headers.authorization',
  '*.*.headers.authorization',
  'key',
  'apiKey',
  'bearer',
  '*.key',
  '*.apiKey',
  '*.bearer',
];

/**
 * One JSON log line per event; `service` tells api, worker and scaler lines apart. Lines go to
 * stdout (fd 1) unless `destination` says otherwise (one-shot CLI commands log to stderr, fd 2).
 */
export function createLogger(service: string, level: string, destination: 1 | 2 = 1): Logger {
  const options = loggerOptions(service, level);
  return destination === 1 ? pino(options) : pino(options, pino.destination({ fd: 2, sync: true }));
}

export function loggerOptions(service: string, level: string): LoggerOptions {
  return { level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
}
