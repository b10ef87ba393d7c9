// All the constant-rate flows one node sends, in one process. A Node process per flow cost the lab its
// timeline: 20 senders started at real-time priority spent seconds of CPU starting up on a 2-core
// machine, starving the agents and the orchestrator (docs/decisions.md). The group is started before
// the run's t0 and waits for it: the orchestrator writes t0 (CLOCK_REALTIME ns, decimal) to the go
// file, and each flow starts at t0 + its startMs.
import { readFile } from 'node:fs/promises';
import { realtimeNs } from './clock.js';
import { UdpSender, type UdpSenderOptions, type UdpSenderSummary } from './udp-sender.js';

export interface GroupFlow extends UdpSenderOptions {
  /** After the run's t0. */
  startMs: number;
}

/** How often the go file is looked for: its content, not the moment it is seen, sets the starts. */
const GO_POLL_MS = 5;

export class UdpSenderGroup {
  private readonly senders: UdpSender[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly started = new Set<UdpSender>();
  private stopped = false;

  constructor(private readonly flows: GroupFlow[]) {
    this.senders = flows.map((f) => new UdpSender(f));
  }

  /** Waits for t0 in `goFile`, then starts each flow at t0 + startMs; resolves when all have ended. */
  async run(goFile: string): Promise<void> {
    let t0Ns: bigint | null = null;
    while (t0Ns === null && !this.stopped) {
      const text = await readFile(goFile, 'utf8').catch(() => '');
      if (/^\d+\s*$/.test(text)) t0Ns = BigInt(text.trim());
      else await new Promise((r) => setTimeout(r, GO_POLL_MS));
    }
    if (t0Ns === null) return;
    const t0 = t0Ns;
    await Promise.all(
      this.flows.map(
        (f, i) =>
          new Promise<void>((resolve, reject) => {
            const s = this.senders[i]!;
            const delayMs = Number(t0 + BigInt(Math.round(f.startMs * 1e6)) - realtimeNs()) / 1e6;
            this.timers.push(
              setTimeout(
                () => {
                  if (this.stopped) return resolve();
                  this.started.add(s);
                  s.start().then(() => s.done.then(resolve), reject);
                },
                Math.max(0, delayMs),
              ),
            );
          }),
      ),
    );
  }

  /** Stops every flow; a flow that never started reports nothing sent. */
  async stop(): Promise<UdpSenderSummary[]> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    return Promise.all(this.senders.map((s) => (this.started.has(s) ? s.stop() : Promise.resolve(s.summary()))));
  }
}
