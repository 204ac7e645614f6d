import { Writable } from 'node:stream';
import test from 'ava';
import { pino } from 'pino';
import { loggerOptions } from '../../services/core/logger.js';

/** A logger with the services' options, writing its lines into an array. */
function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino(loggerOptions('test', 'trace'), sink), text: () => lines.join('') };
}

const KEY = 'af_secret-key-that-must-never-be-logged-0123';

test('keys are redacted wherever a log line is likely to carry them', (t) => {
  const { logger, text } = capturingLogger();
  logger.info({ authorization: `Bearer ${KEY}` }, 'top-level header');
  logger.info({ headers: { authorization: `Bearer ${KEY}`, host: 'api' } }, 'request headers');
  logger.info({ req: { headers: { authorization: `Bearer ${KEY}` } } }, 'nested request');
  logger.info({ err: { config: { headers: { authorization: `Bearer ${KEY}` } } } }, 'an HTTP client error');
  logger.info({ key: KEY, tenant: 'acme' }, 'key field');
  logger.info({ created: { key: KEY, id: 'key_0123' } }, 'nested key field');
  logger.info({ apiKey: KEY }, 'apiKey field');
  const output = text();
  t.false(output.includes(KEY), output);
  t.is(output.match(/\[redacted\]/g)?.length, 7);
  t.regex(output, /"host":"api"/, 'other headers stay');
  t.regex(output, /"id":"key_0123"/, 'key ids stay: they are what operators look for');
});
