// Expectations of localized mobility management, judged from the captures alone (docs/topology.md,
// "Localized mobility"). They state the MIPSHOP localized mobility goals as what the links show:
// a move inside the local domain puts no binding signalling on the links of the home agent or the
// correspondents, those links never see where the node is attached, and the node gets its traffic on
// the new link before any of them hears of the move.
//
// "Global" nodes: the ones named in the expectation, else every node with the role home-agent or
// correspondent. "A node's links": every capture of that node.

import { ipv6ToBytes } from '../wire/address.js';
import { extLength } from '../wire/packet.js';
import type { DecodedFrame } from './frames.js';
import type { DecodedCapture, ExpectationResult, Results } from './results.js';

/** RFC 6275 §6.1 MH Types that carry a binding to a home agent or correspondent, or start one. */
const GLOBAL_SIGNALLING: Record<number, string> = { 1: 'HoTI', 2: 'CoTI', 5: 'BU' };
const GLOBAL_ROLES = ['home-agent', 'correspondent'];

export type LocalizedExpectation =
  /** Each of the node's moves (or the one with index `handover`) puts no BU, HoTI or CoTI on a global node's links. */
  | { kind: 'no-global-signalling'; node: string; nodes?: string[]; handover?: number }
  /** No frame on a global node's links contains one of the node's on-link care-of addresses. */
  | { kind: 'location-privacy'; node: string; nodes?: string[]; handover?: undefined }
  /** After each move (or the one with index `handover`) the node receives a flow packet on the new link before a global node sees a BU. */
  | { kind: 'localized'; node: string; nodes?: string[]; handover?: number };

export interface LocalizedContext {
  results: Pick<Results, 'handovers' | 'flows'>;
  captures: DecodedCapture[];
  /** AP name → prefix ("fd00:1::/64") and → its router node. */
  apPrefixes: Record<string, string>;
  apRouters?: Record<string, string>;
  /** Node name → its roles (for the default global nodes). */
  nodeRoles?: Record<string, readonly string[]>;
}

export function describeLocalized(e: LocalizedExpectation): string {
  const on =
    e.nodes || e.handover !== undefined
      ? ` (${[...(e.nodes ?? []), ...(e.handover !== undefined ? [`handover ${e.handover}`] : [])].join(', ')})`
      : '';
  switch (e.kind) {
    case 'no-global-signalling':
      return `${e.node}'s moves put no BU, HoTI or CoTI on the home agent's or correspondents' links${on}`;
    case 'location-privacy':
      return `no packet on the home agent's or correspondents' links carries ${e.node}'s on-link care-of address${on}`;
    case 'localized':
      return `${e.node} gets its flow on the new link before the home agent or a correspondent sees a BU${on}`;
  }
}

function globalNodes(e: LocalizedExpectation, ctx: LocalizedContext): string[] {
  if (e.nodes) return e.nodes;
  return Object.entries(ctx.nodeRoles ?? {})
    .filter(([, roles]) => roles.some((r) => GLOBAL_ROLES.includes(r)))
    .map(([n]) => n);
}

/** MH Type of a frame's Mobility Header (tunnelled or not), when it is one of GLOBAL_SIGNALLING. */
function globalSignalling(f: DecodedFrame): string | null {
  return f.upper.kind === 'mh' ? (GLOBAL_SIGNALLING[f.upper.mhType] ?? null) : null;
}

/** [detach, next detach of the same node) per handover of `node`, ns. */
function moves(ctx: LocalizedContext, node: string): { index: number; from: bigint; attach: bigint; to: bigint }[] {
  const hs = ctx.results.handovers.filter((h) => h.node === node);
  return hs.map((h, i) => ({
    index: h.index,
    from: BigInt(h.detachNs),
    attach: BigInt(h.attachNs),
    to: i + 1 < hs.length ? BigInt(hs[i + 1]!.detachNs) : BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n,
  }));
}

/**
 * The node's on-link care-of addresses: every source address of the node's own frames (its radio's
 * captures, outer header) inside the prefix of an AP whose router is not a global node (the home link,
 * where the home address lives, is not "on-link" in this sense).
 */
export function onLinkCareOfAddresses(ctx: LocalizedContext, node: string, global: readonly string[]): Buffer[] {
  const prefixes = Object.entries(ctx.apPrefixes)
    .filter(([ap]) => !global.includes(ctx.apRouters?.[ap] ?? ''))
    .map(([, p]) => {
      const [net, len] = p.split('/');
      return { net: ipv6ToBytes(net!), len: Number(len) };
    });
  const seen = new Map<string, Buffer>();
  for (const c of ctx.captures.filter((x) => x.node === node)) {
    for (const f of c.frames) {
      const off = outerOffset(f);
      if (off === null) continue;
      const addr = f.data.subarray(off + 8, off + 24);
      const key = addr.toString('hex');
      if (seen.has(key) || addr[0] === 0xfe || key === '0'.repeat(32)) continue;
      if (prefixes.some((p) => inPrefix(addr, p.net, p.len))) seen.set(key, Buffer.from(addr));
    }
  }
  return [...seen.values()];
}

/** Offset of the outer IPv6 header in `f.data`: its upper layer's offset less its extension headers and 40. */
function outerOffset(f: DecodedFrame): number | null {
  let start = f.ipv6.upperOffset - 40;
  for (const e of f.ipv6.extensions) start -= extLength(e);
  return start >= 0 && f.data[start]! >>> 4 === 6 ? start : null;
}

function inPrefix(addr: Buffer, want: Buffer, len: number): boolean {
  for (let bit = 0; bit < len; bit++) {
    const m = 0x80 >> (bit & 7);
    if ((addr[bit >> 3]! & m) !== (want[bit >> 3]! & m)) return false;
  }
  return true;
}

export function judgeLocalized(e: LocalizedExpectation, ctx: LocalizedContext): ExpectationResult {
  const name = describeLocalized(e);
  const global = globalNodes(e, ctx);
  if (global.length === 0)
    return { expectation: name, held: false, measured: null, detail: 'no home agent or correspondent to watch' };
  const watched = ctx.captures.filter((c) => global.includes(c.node));
  if (watched.length === 0)
    return { expectation: name, held: false, measured: null, detail: `no capture of ${global.join(', ')}` };
  // One move's window is still [its detach, the node's next detach): the later moves bound it.
  const ms = moves(ctx, e.node).filter((m) => e.handover === undefined || m.index === e.handover);
  if (e.kind !== 'location-privacy' && ms.length === 0)
    return {
      expectation: name,
      held: false,
      measured: null,
      detail: `${e.node} made no move${e.handover !== undefined ? ` with handover index ${e.handover}` : ''}`,
    };

  switch (e.kind) {
    case 'no-global-signalling': {
      const seen: string[] = [];
      for (const m of ms)
        for (const c of watched)
          for (const f of c.frames) {
            const s = globalSignalling(f);
            if (s && f.timestampNs >= m.from && f.timestampNs < m.to)
              seen.push(`handover ${m.index}: ${s} on ${c.node}-${c.iface}`);
          }
      return {
        expectation: name,
        held: seen.length === 0,
        measured: seen.length,
        detail: seen.length ? [...new Set(seen)].slice(0, 5).join('; ') : `${ms.length} move(s), none`,
      };
    }
    case 'location-privacy': {
      const lcoas = onLinkCareOfAddresses(ctx, e.node, global);
      if (lcoas.length === 0)
        return {
          expectation: name,
          held: false,
          measured: null,
          detail: `no on-link care-of address of ${e.node} seen`,
        };
      let n = 0;
      const where = new Set<string>();
      for (const c of watched)
        for (const f of c.frames) {
          const off = outerOffset(f);
          if (off === null) continue;
          const packet = f.data.subarray(off);
          if (lcoas.some((a) => packet.indexOf(a) >= 0)) {
            n++;
            where.add(`${c.node}-${c.iface}`);
          }
        }
      return {
        expectation: name,
        held: n === 0,
        measured: n,
        detail: `${lcoas.length} on-link care-of address(es); ${n ? `seen on ${[...where].join(', ')}` : 'never seen'}`,
      };
    }
    case 'localized': {
      const toNode = new Set(ctx.results.flows.filter((f) => f.to === e.node).map((f) => f.id));
      if (toNode.size === 0) return { expectation: name, held: false, measured: null, detail: `no flow to ${e.node}` };
      const own = ctx.captures.filter((c) => c.node === e.node);
      const late: string[] = [];
      const leads: number[] = [];
      for (const m of ms) {
        let firstFlow: bigint | null = null;
        for (const c of own)
          for (const f of c.frames)
            if (f.flow && toNode.has(f.flow.flowId) && f.timestampNs >= m.attach && f.timestampNs < m.to)
              if (firstFlow === null || f.timestampNs < firstFlow) firstFlow = f.timestampNs;
        let firstBu: bigint | null = null;
        for (const c of watched)
          for (const f of c.frames)
            if (f.upper.kind === 'mh' && f.upper.mhType === 5 && f.timestampNs >= m.from && f.timestampNs < m.to)
              if (firstBu === null || f.timestampNs < firstBu) firstBu = f.timestampNs;
        if (firstFlow === null) {
          late.push(`handover ${m.index}: no flow packet on the new link`);
          continue;
        }
        if (firstBu !== null && firstBu <= firstFlow) {
          late.push(
            `handover ${m.index}: a BU reached a global node ${(Number(firstFlow - firstBu) / 1e6).toFixed(1)} ms before the flow`,
          );
          continue;
        }
        leads.push(firstBu === null ? Number.POSITIVE_INFINITY : Number(firstBu - firstFlow) / 1e6);
      }
      return {
        expectation: name,
        held: late.length === 0,
        measured: late.length,
        detail: late.length ? late.join('; ') : `flow first in ${leads.length} move(s)`,
      };
    }
  }
}
