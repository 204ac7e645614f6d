import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitFor } from './ports.js';

/** moto_server (AWS control-plane emulator) on a free loopback port, private to one test file. */
export interface TestMoto {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startMoto(): Promise<TestMoto> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  child.on('error', (error) => {
    throw new Error(`could not start moto_server (pip install 'moto[server]'): ${error.message}`);
  });
  process.once('exit', () => child.kill('SIGKILL'));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${endpoint}/moto-api/`)).ok, `moto_server on port ${port}`, 30_000);
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
