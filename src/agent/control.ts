// The agent's control channel: a Unix socket, JSON lines both ways (docs/agent.md). The scenario
// runner delivers L2 triggers here and reads status; a malformed line gets { ok: false, error }, is
// counted, and the connection stays usable.
import { mkdirSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Counters } from './counters.js';
import { L2_EVENTS } from './l2-triggers.js';
import type { Logger } from './log.js';
import type { LoopDelaySummary } from './loop-delay.js';
import type { L2TriggerEvent } from './roles/role.js';

const idSchema = z.union([z.string().max(200), z.number()]);

export const controlRequestSchema = z.discriminatedUnion('op', [
  z.object({ id: idSchema, op: z.literal('status') }).strict(),
  z
    .object({
      id: idSchema,
      op: z.literal('l2'),
      event: z.enum(L2_EVENTS),
      ap: z.string().optional(),
      /** station-left / station-joined: the mobile node's radio MAC, lower-case colon form. */
      station: z
        .string()
        .regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'a lower-case MAC like 02:00:00:00:00:01')
        .optional(),
      /** When the AP saw the (dis)association: ns since the Unix epoch (CLOCK_REALTIME), decimal. */
      /**
       * station-left: the first bytes (hex, IPv6 header on, hop limit zeroed) of the last frame the AP
       * sent the station; empty when the AP saw none.
       */
      lastFrame: z
        .string()
        .regex(/^(([0-9a-f]{2}){40,256})?$/)
        .optional(),
      atNs: z
        .string()
        .regex(/^\d{1,20}$/)
        .optional(),
      bssid: z.string().optional(),
      routerAddress: z.string().optional(),
      prefix: z.string().optional(),
    })
    .strict()
    .superRefine((r, ctx) => {
      // An AP's report names the AP and the station (RFC 4260 §4); a mobile node's trigger names no
      // station, except link-going-down reported for a station by its AP to the router (RFC 5949 §4.1).
      const report = r.event === 'station-left' || r.event === 'station-joined';
      if (report && (!r.ap || !r.station))
        ctx.addIssue({ code: 'custom', path: ['station'], message: `${r.event} needs ap and station` });
      if (!report && r.event !== 'link-going-down' && r.station !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['station'],
          message: 'only station-left/station-joined/link-going-down carry a station',
        });
    }),
  z.object({ id: idSchema, op: z.literal('shutdown') }).strict(),
]);

export type ControlRequest = z.infer<typeof controlRequestSchema>;
export type ControlRequestId = string | number;

export interface AgentStatus {
  lab: string;
  node: string;
  pid: number;
  /** Seconds since the agent started. */
  uptimeS: number;
  roles: string[];
  /** Counters per role, plus "control" for the channel itself. */
  counters: Record<string, Record<string, number>>;
  /** State per role. */
  state: Record<string, unknown>;
  /** Exceptions a machine, its actions or a role's callbacks threw (docs/agent.md, "Bugs"). */
  bugs: AgentBugs;
  /** How late the event loop ran since the start (loop-delay.ts), when the process watches it. */
  eventLoopDelay?: LoopDelaySummary;
}

export interface AgentBugs {
  count: number;
  /** The first one: where (role, callback) and its message; the log has its stack. */
  first?: { where: string; message: string };
}

export type ControlResponse =
  | { id: ControlRequestId | null; ok: true; status?: AgentStatus }
  | { id: ControlRequestId | null; ok: false; error: string };

/** What the channel drives. */
export interface ControlTarget {
  status(): AgentStatus;
  /** Delivers an L2 trigger to every role. */
  l2(event: L2TriggerEvent): void;
  /** Starts a clean shutdown (after the answer is written). */
  shutdown(): void;
}

/** Longest request line accepted; a peer that sends more without a newline is cut off. */
export const MAX_LINE_BYTES = 64 * 1024;

export interface ControlServer {
  readonly path: string;
  /** Stops listening, ends the connections and removes the socket file. */
  close(): Promise<void>;
}

export async function startControlServer(
  path: string,
  target: ControlTarget,
  log: Logger,
  counters: Counters,
): Promise<ControlServer> {
  mkdirSync(dirname(path), { recursive: true });
  removeStaleSocket(path);
  primeRequestSchema();
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let pending = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      pending += chunk;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim() === '') continue;
        reply(sock, handleLine(line, target, log, counters));
      }
      if (Buffer.byteLength(pending) > MAX_LINE_BYTES) {
        counters.add('malformed');
        reply(sock, { id: null, ok: false, error: `line longer than ${MAX_LINE_BYTES} bytes` });
        sock.end();
        pending = '';
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.warn('control.error', { err }));
  log.info('control.listening', { path });
  let closed: Promise<void> | null = null;
  return {
    path,
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        // server.close() unlinks the socket file of a path listener; unlink again in case it did not.
        server.close(() => {
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
          resolve();
        });
      });
      return closed;
    },
  };
}

function reply(sock: Socket, res: ControlResponse): void {
  if (!sock.destroyed && sock.writable) sock.write(`${JSON.stringify(res)}\n`);
}

function handleLine(line: string, target: ControlTarget, log: Logger, counters: Counters): ControlResponse {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    counters.add('malformed');
    return { id: null, ok: false, error: 'not a JSON line' };
  }
  const parsed = controlRequestSchema.safeParse(json);
  if (!parsed.success) {
    counters.add('malformed');
    const id =
      json && typeof json === 'object' && 'id' in json ? idSchema.safeParse((json as { id: unknown }).id) : null;
    const error = parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ');
    return { id: id?.success ? id.data : null, ok: false, error };
  }
  const req = parsed.data;
  counters.add(`requests.${req.op}`);
  switch (req.op) {
    case 'status':
      return { id: req.id, ok: true, status: target.status() };
    case 'l2': {
      const { id: _id, op: _op, ...event } = req;
      // The event first: the log line is a synchronous write, and an AP's report must not wait for it.
      target.l2(event);
      log.info('l2.trigger', { ...event });
      return { id: req.id, ok: true };
    }
    case 'shutdown':
      // Answer first; the shutdown runs after this turn so the reply is flushed before the socket closes.
      setImmediate(() => target.shutdown());
      return { id: req.id, ok: true };
  }
}

/**
 * Zod builds each object schema's validator the first time it parses one (measured: 1.6 ms for the
 * first l2 request on this machine, against some 30 us after). An AP's station-joined is on the
 * handover's critical path (the new router delivers what it buffered when it comes), so every op's
 * shape is parsed once at start; nothing is dispatched.
 */
function primeRequestSchema(): void {
  for (const sample of [
    { id: 0, op: 'status' },
    { id: 0, op: 'l2', event: 'station-joined', ap: 'ap', station: '02:00:00:00:00:01', atNs: '0' },
    { id: 0, op: 'l2', event: 'station-left', ap: 'ap', station: '02:00:00:00:00:01', lastFrame: '', atNs: '0' },
    { id: 0, op: 'l2', event: 'link-going-down', ap: 'ap', bssid: '02:00:00:00:00:02' },
    { id: 0, op: 'shutdown' },
  ])
    controlRequestSchema.safeParse(sample);
}

/** A socket file left by a killed agent would make listen() fail with EADDRINUSE. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // absent
  }
}
