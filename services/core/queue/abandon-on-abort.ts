/**
 * Resolves with `work`'s value, or with undefined as soon as `signal` aborts. The work itself is not
 * cancelled (cancelling a receive mid-flight can strand messages it already took); a value it yields
 * after the abort goes to `onLate`, which hands those messages back.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, onLate: (value: T) => void): Promise<T | undefined> {
  if (!signal) return work;
  return new Promise((resolve, reject) => {
    let abandoned = false;
    const onAbort = () => {
      abandoned = true;
      resolve(undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (abandoned) onLate(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!abandoned) reject(error);
      },
    );
  });
}
