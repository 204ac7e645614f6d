import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One `make bench` at a time on a machine: two runs would share cores, clobber bench/.build and
 * measure each other. A second run waits for the first (a lock file holding the owner's pid; a lock
 * whose owner is gone is taken over).
 */
export async function acquireRunLock(path: string, onWait: (ownerPid: number) => void): Promise<() => void> {
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      const release = () => rmSync(path, { force: true });
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (!(owner > 0) || !alive(owner)) {
      rmSync(path, { force: true });
      continue;
    }
    if (!announced) onWait(owner);
    announced = true;
    await sleep(1_000);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
