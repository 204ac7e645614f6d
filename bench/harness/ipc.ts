/**
 * The little protocol between the bench runner and the processes it starts: the runner sends
 * `{id, type, payload}`, the child answers `{id, ok, result | error}`; a child announces itself with
 * an unsolicited `{type: 'ready', ...}`.
 */

export interface IpcRequest {
  id: number;
  type: string;
  payload?: unknown;
}

export type IpcResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export interface IpcAnnouncement {
  type: string;
  [field: string]: unknown;
}

export type RequestHandlers = Record<string, (payload: unknown) => unknown>;

/** Every handler of this process: the probe and the process's own code may both serve requests. */
const handlers: RequestHandlers = {};
let listening = false;
let keptAlive = false;

/**
 * Child side: answers the runner's requests with these handlers (added to any served already).
 * `keepAlive: false` lets the process exit as if no channel were open, unless another caller of
 * this process asked to keep it.
 */
export function serveRequests(added: RequestHandlers, options: { keepAlive: boolean }): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this process was not started with an IPC channel (run it through make bench)');
  Object.assign(handlers, added);
  if (!listening) {
    listening = true;
    process.on('message', (message: IpcRequest) => {
      if (typeof message?.id !== 'number') return;
      const handler = handlers[message.type];
      Promise.resolve()
        .then(() => {
          if (!handler) throw new Error(`unknown request "${message.type}"`);
          return handler(message.payload);
        })
        .then(
          (result) => send({ id: message.id, ok: true, result: result ?? null } satisfies IpcResponse),
          (error: unknown) => send({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies IpcResponse),
        );
    });
  }
  keptAlive ||= options.keepAlive;
  if (keptAlive) process.channel?.ref();
  else process.channel?.unref();
}

export function announce(announcement: IpcAnnouncement): void {
  process.send?.(announcement);
}
