// Expectations of a lab, judged from what a run measured (results.json) and the captures themselves.
// The lab file writes them as one-key records (docs/topology.md, "expectations"); the topology schema
// parses them into these plain values (durations in ms, rates in %).

import { bytesToIpv6, ipv6ToBytes } from '../wire/address.js';
import { describeLocalized, judgeLocalized, type LocalizedExpectation } from './localized.js';
import type { DecodedCapture, ExpectationResult, Results } from './results.js';

/** Which handovers an expectation looks at: all of a node's (or every node's), or one by index. */
export interface HandoverSelector {
  node?: string;
  handover?: number;
}

export type Expectation =
  /** Every selected handover's interruption is at most maxMs (a flow that never resumed fails). */
  | ({ kind: 'interruption'; maxMs: number; flow?: number } & HandoverSelector)
  /** Every selected handover lost at most max packets; with only `flow`, the whole flow. */
  | ({ kind: 'lost'; max: number; flow?: number } & HandoverSelector)
  /** The flow's loss over the whole run is at most maxPct percent. */
  | { kind: 'loss-rate'; flow: number; maxPct: number }
  /** The flow resumed after every selected handover. */
  | ({ kind: 'resumed'; flow?: number } & HandoverSelector)
  /** The node sent from an address in the AP's prefix (its SLAAC address there), seen in a capture. */
  | { kind: 'address'; node: string; ap: string }
  /** No capture holds a frame that claims IPv6 and does not parse. */
  | { kind: 'no-malformed' }
  /** No capture holds an ICMPv6 error of this type (4 = Parameter Problem, RFC 4443 §3.4). */
  | { kind: 'no-icmpv6-error'; type: number }
  /** Localized mobility (localized.ts): no-global-signalling, location-privacy, localized. */
  | LocalizedExpectation;

export interface ExpectationContext {
  results: Omit<Results, 'expectations'>;
  captures: DecodedCapture[];
  /** AP name -> prefix, e.g. "fd00:1:2:a001::/64". */
  apPrefixes: Record<string, string>;
  /** AP name -> its router node, and node -> roles (the localized expectations' default nodes). */
  apRouters?: Record<string, string>;
  nodeRoles?: Record<string, readonly string[]>;
}

const ICMPV6_NAMES: Record<number, string> = {
  1: 'Destination Unreachable',
  2: 'Packet Too Big',
  3: 'Time Exceeded',
  4: 'Parameter Problem',
};

export function describeExpectation(e: Expectation): string {
  const sel = (s: HandoverSelector & { flow?: number }) =>
    [
      s.node ? `node ${s.node}` : '',
      s.handover !== undefined ? `handover ${s.handover}` : '',
      s.flow !== undefined ? `flow ${s.flow}` : '',
    ]
      .filter(Boolean)
      .join(', ');
  switch (e.kind) {
    case 'interruption':
      return `interruption <= ${e.maxMs} ms${sel(e) ? ` (${sel(e)})` : ''}`;
    case 'lost':
      return `lost <= ${e.max}${sel(e) ? ` (${sel(e)})` : ''}`;
    case 'loss-rate':
      return `flow ${e.flow} loss <= ${e.maxPct} %`;
    case 'resumed':
      return `flow resumes after each handover${sel(e) ? ` (${sel(e)})` : ''}`;
    case 'address':
      return `${e.node} uses an address from ${e.ap}`;
    case 'no-malformed':
      return 'no malformed packet in any capture';
    case 'no-icmpv6-error':
      return `no ICMPv6 ${ICMPV6_NAMES[e.type] ?? `type ${e.type}`} in any capture`;
    case 'no-global-signalling':
    case 'location-privacy':
    case 'localized':
      return describeLocalized(e);
  }
}

function selectHandovers(r: ExpectationContext['results'], s: HandoverSelector) {
  return r.handovers.filter(
    (h) => (s.node === undefined || h.node === s.node) && (s.handover === undefined || h.index === s.handover),
  );
}

/**
 * A per-handover expectation judges, in each selected handover, the flows of that handover's node
 * (toward it or from it; results.ts puts only those in `flows`). With `flow`, only the handovers of
 * that flow's endpoints count: another mobile node's handovers are not the flow's to judge.
 */
function perHandover<T>(
  e: Expectation & HandoverSelector & { flow?: number },
  ctx: ExpectationContext,
  measure: (flow: Results['handovers'][number]['flows'][number]) => T,
  ok: (v: T) => boolean,
): ExpectationResult {
  const name = describeExpectation(e);
  let hs = selectHandovers(ctx.results, e);
  if (e.flow !== undefined) {
    const spec = ctx.results.flows.find((f) => f.id === e.flow);
    if (!spec) return { expectation: name, held: false, measured: null, detail: `no udp flow ${e.flow}` };
    hs = hs.filter((h) => h.node === spec.from || h.node === spec.to);
  }
  if (hs.length === 0) return { expectation: name, held: false, measured: null, detail: 'no handover matched' };
  const values: T[] = [];
  for (const h of hs) {
    const flows = h.flows.filter((f) => e.flow === undefined || f.flow === e.flow);
    if (flows.length === 0)
      return {
        expectation: name,
        held: false,
        measured: null,
        detail: `handover ${h.index} has no flow toward or from ${h.node}`,
      };
    for (const f of flows) values.push(measure(f));
  }
  const bad = values.filter((v) => !ok(v));
  const worst =
    bad[0] ?? values.reduce((a, b) => (typeof a === 'number' && typeof b === 'number' ? Math.max(b, a) : a) as T);
  return {
    expectation: name,
    held: bad.length === 0,
    measured: (worst ?? null) as number | boolean | null,
    detail: `${values.length} measurement(s): ${values.map((v) => String(v)).join(', ')}`,
  };
}

export function judge(e: Expectation, ctx: ExpectationContext): ExpectationResult {
  const name = describeExpectation(e);
  switch (e.kind) {
    case 'interruption':
      return perHandover(
        e,
        ctx,
        (f) => f.interruptionMs,
        (v) => v !== null && v <= e.maxMs,
      );
    case 'lost': {
      if (e.flow !== undefined && e.node === undefined && e.handover === undefined) {
        const f = ctx.results.flows.find((x) => x.id === e.flow);
        if (!f) return { expectation: name, held: false, measured: null, detail: `no flow ${e.flow}` };
        return {
          expectation: name,
          held: f.lost <= e.max,
          measured: f.lost,
          detail: `${f.lost} of ${f.sent} sent (at the ${f.measuredAt}; ${f.lostOnWire} on the wire)`,
        };
      }
      return perHandover(
        e,
        ctx,
        (f) => f.lost,
        (v) => v <= e.max,
      );
    }
    case 'loss-rate': {
      const f = ctx.results.flows.find((x) => x.id === e.flow);
      if (!f || f.sent === 0)
        return { expectation: name, held: false, measured: null, detail: f ? 'nothing was sent' : `no flow ${e.flow}` };
      const pct = (100 * f.lost) / f.sent;
      return {
        expectation: name,
        held: pct <= e.maxPct,
        measured: Math.round(pct * 1000) / 1000,
        detail: `${f.lost} of ${f.sent} lost`,
      };
    }
    case 'resumed':
      return perHandover(
        e,
        ctx,
        (f) => f.resumed,
        (v) => v === true,
      );
    case 'address': {
      const prefix = ctx.apPrefixes[e.ap];
      if (!prefix) return { expectation: name, held: false, measured: null, detail: `no AP ${e.ap}` };
      const match = prefixMatcher(prefix);
      for (const c of ctx.captures.filter((x) => x.node === e.node)) {
        for (const f of c.frames) {
          if (match(f.ipv6.header.src))
            return {
              expectation: name,
              held: true,
              measured: f.ipv6.header.src,
              detail: `first seen in ${c.node}-${c.iface}`,
            };
          // Duplicate Address Detection announces the new address before any use (RFC 4862 §5.4.2):
          // a Neighbor Solicitation from :: whose target is the address.
          if (f.upper.kind === 'icmpv6' && f.upper.type === 135 && f.ipv6.header.src === '::') {
            const target = bytesToIpv6(f.data, f.inner.upperOffset + 8);
            if (match(target))
              return {
                expectation: name,
                held: true,
                measured: target,
                detail: `DAD for it seen in ${c.node}-${c.iface}`,
              };
          }
        }
      }
      return {
        expectation: name,
        held: false,
        measured: null,
        detail: `no packet from ${e.node} with a source in ${prefix}`,
      };
    }
    case 'no-malformed': {
      const n = ctx.captures.reduce((s, c) => s + c.stats.malformed, 0);
      const where = ctx.captures
        .filter((c) => c.stats.malformed > 0)
        .map((c) => `${c.node}-${c.iface}: ${JSON.stringify(c.stats.reasons)}`);
      return { expectation: name, held: n === 0, measured: n, detail: where.join('; ') || 'none' };
    }
    case 'no-icmpv6-error': {
      let n = 0;
      const where = new Set<string>();
      for (const c of ctx.captures) {
        for (const f of c.frames) {
          if (f.upper.kind === 'icmpv6' && f.upper.type === e.type) {
            n++;
            where.add(`${c.node}-${c.iface}`);
          }
        }
      }
      return { expectation: name, held: n === 0, measured: n, detail: n ? `seen on ${[...where].join(', ')}` : 'none' };
    }
    case 'no-global-signalling':
    case 'location-privacy':
    case 'localized':
      return judgeLocalized(e, ctx);
  }
}

/** A matcher for addresses inside a /n prefix written as text. */
export function prefixMatcher(prefix: string): (addr: string) => boolean {
  const [net, lenText] = prefix.split('/');
  const len = Number(lenText);
  const want = ipv6ToBytes(net!);
  return (addr: string) => {
    const have = ipv6ToBytes(addr);
    for (let bit = 0; bit < len; bit++) {
      const i = bit >> 3;
      const m = 0x80 >> (bit & 7);
      if ((have[i]! & m) !== (want[i]! & m)) return false;
    }
    return true;
  };
}
