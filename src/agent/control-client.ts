// Client side of the agent's control channel, for the scenario runner and tests: one request, one
// answer, over a fresh connection to the agent's Unix socket.
import { createConnection } from 'node:net';
import type { ControlRequest, ControlRequestId, ControlResponse } from './control.js';

export type { AgentStatus, ControlRequest, ControlResponse } from './control.js';

/** A request without an id gets a fresh one. */
export type ControlRequestInput = ControlRequest extends infer R
  ? R extends { id: ControlRequestId }
    ? Omit<R, 'id'> & { id?: ControlRequestId }
    : never
  : never;

let nextId = 1;

/**
 * Sends `request` to the agent listening at `socketPath` and resolves with its answer (also when
 * `ok` is false). Rejects when the socket cannot be reached, the agent closes without answering, or
 * no answer comes within `timeoutMs`.
 */
export function sendControl(
  socketPath: string,
  request: ControlRequestInput,
  timeoutMs = 2_000,
): Promise<ControlResponse> {
  const id = request.id ?? `${process.pid}-${nextId++}`;
  const line = `${JSON.stringify({ ...request, id })}\n`;
  return new Promise<ControlResponse>((resolve, reject) => {
    const sock = createConnection(socketPath);
    let buf = '';
    let settled = false;
    const finish = (err: Error | null, res?: ControlResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    const timer = setTimeout(
      () => finish(new Error(`control ${socketPath}: no answer to ${request.op} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(line));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let res: ControlResponse;
        try {
          res = JSON.parse(text) as ControlResponse;
        } catch {
          finish(new Error(`control ${socketPath}: answer is not JSON: ${text.slice(0, 200)}`));
          return;
        }
        if (res.id === id || res.id === null) {
          finish(null, res);
          return;
        }
      }
    });
    sock.on('error', (err) => finish(new Error(`control ${socketPath}: ${err.message}`, { cause: err })));
    sock.on('close', () => finish(new Error(`control ${socketPath}: closed without an answer to ${request.op}`)));
  });
}
