import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './ports.js';

/**
 * `agentfleet dev` started the way a developer starts it (`node bin/agentfleet.js dev`), as a child
 * process on a free port, plus a tiny HTTP client for its API.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface DevPlatform {
  url: string;
  key: string;
  request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }>;
  /** SIGTERM, waiting for the graceful drain; SIGKILL if it takes longer than `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function startDevPlatform(options: { args?: string[]; env: NodeJS.ProcessEnv; key: string; tenant?: string }): Promise<DevPlatform> {
  const child: ChildProcess = spawn(process.execPath, ['bin/agentfleet.js', 'dev', '--port', '0', ...(options.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...options.env, AGENTFLEET_BOOTSTRAP_KEYS: `${options.tenant ?? 'e2e'}:${options.key}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const urlPattern = /API\s+(http:\/\/127\.0\.0\.1:\d+)/;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`agentfleet dev exited with ${child.exitCode} before it was ready`);
    return urlPattern.test(output);
  }, 'agentfleet dev to print its URL', 60_000);
  const url = urlPattern.exec(output)?.[1] ?? '';

  return {
    url,
    key: options.key,
    async request<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${options.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, json: (text ? JSON.parse(text) : undefined) as T };
    },
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
