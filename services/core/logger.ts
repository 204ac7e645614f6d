import { pino, type Logger } from 'pino';

export type { Logger };

/** One JSON log line per event on stdout; `service` tells api, worker and scaler lines apart. */
export function createLogger(service: string, level: string): Logger {
  return pino({ level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}
