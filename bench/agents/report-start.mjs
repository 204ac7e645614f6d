// The dispatch benchmark's no-op agent: its result is the moment it was started, on the monotonic
// clock every process of the machine shares (CLOCK_MONOTONIC), in nanoseconds as a string.
export function run() {
  return { startedNs: process.hrtime.bigint().toString() };
}
