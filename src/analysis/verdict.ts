// Which protocol and mode a handover actually used, read from the mobile node's own captures, not
// from the lab's configuration (docs/measures.md, "Protocol and mode"). The radio carries nothing
// between the detach and the attach, so a frame captured on it up to the recorded detach was on the
// old link and one after it on the new link: the recorded detach time (taken when the detach had
// completed) is the boundary.

import type { DecodedFrame } from './frames.js';
import { MhType } from '../wire/mh/binding.js';
import { decode as decodeMobilityHeader } from '../wire/mh/header.js';

const MH_FBU = MhType.FastBindingUpdate;
const MH_FBACK = MhType.FastBindingAcknowledgement;
const MH_BU = MhType.BindingUpdate;
/** FMIPv6 on the Mobility Header: FBU, FBack, FNA, HI, HAck (RFC 5568 §6.2, §6.3). */
const FMIP_MH = new Set<number>([
  MhType.FastBindingUpdate,
  MhType.FastBindingAcknowledgement,
  MhType.FastNeighborAdvertisement,
  MhType.HandoverInitiate,
  MhType.HandoverAcknowledge,
]);
/** ICMPv6 type 154, the FMIPv6 messages RtSolPr and PrRtAdv (RFC 5568 §6.1). */
const ICMPV6_FMIP = 154;

export type HandoverMode =
  /** An FBack reached the node on the old link before the detach (RFC 5568 §3.1). */
  | 'predictive'
  /** An FBU left on the old link, no FBack came back there, and the node completed from the new link. */
  | 'predictive-fallback'
  /** No FBU on the old link; the FBU was sent from the new link (RFC 5568 §3.2). */
  | 'reactive'
  /** FMIPv6 messages, but no FBU from either link (RtSolPr/PrRtAdv only). */
  | 'no-fbu'
  /** An FBU left on the old link, no FBack there, and nothing (FBU, BU) from the new link. */
  | 'incomplete'
  /** No FMIPv6 message for the node in the window. */
  | 'mipv6';

export interface ModeVerdict {
  protocol: 'fmipv6' | 'mipv6' | 'pmipv6' | 'pfmipv6' | 'none';
  mode: HandoverMode | ProxyHandoverMode;
  /** What decided it, e.g. "FBack 3.2 ms before the detach". */
  evidence: string;
}

export interface VerdictWindow {
  /** First L2 event of the handover. */
  fromNs: bigint;
  detachNs: bigint;
  /** The node's next handover's first L2 event, or the end of the run. */
  toNs: bigint;
}

function mhType(f: DecodedFrame): number | null {
  return f.upper.kind === 'mh' ? f.upper.mhType : null;
}

/**
 * The verdict from the frames captured on the mobile node (its radio): every frame there is the
 * node's own, sent or received. Null when the node has no capture.
 */
export function handoverMode(nodeFrames: DecodedFrame[][], w: VerdictWindow): ModeVerdict | null {
  if (nodeFrames.length === 0) return null;
  let fmip = 0;
  let fbuOld: bigint | null = null;
  let fbackOld: bigint | null = null;
  let fbuNew: bigint | null = null;
  let buNew: bigint | null = null;
  let buAny = false;
  for (const frames of nodeFrames) {
    for (const f of frames) {
      const t = f.timestampNs;
      if (t < w.fromNs || t > w.toNs) continue;
      const mh = mhType(f);
      const isFmip = (mh !== null && FMIP_MH.has(mh)) || (f.upper.kind === 'icmpv6' && f.upper.type === ICMPV6_FMIP);
      if (isFmip) fmip++;
      const old = t <= w.detachNs;
      // An FBU is only ever sent by the node, an FBack only received: no direction mark is needed.
      if (mh === MH_FBU && f.direction !== 'in') {
        if (old) fbuOld ??= t;
        else fbuNew ??= t;
      } else if (mh === MH_FBACK && f.direction !== 'out' && old) fbackOld ??= t;
      else if (mh === MH_BU && f.direction !== 'in') {
        buAny = true;
        if (!old) buNew ??= t;
      }
    }
  }
  const rel = (t: bigint) => `${(Number(t - w.detachNs) / 1e6).toFixed(1)} ms from the detach`;
  if (fbackOld !== null)
    return { protocol: 'fmipv6', mode: 'predictive', evidence: `FBack on the old link ${rel(fbackOld)}` };
  if (fbuOld !== null) {
    const done = fbuNew ?? buNew;
    return done !== null
      ? {
          protocol: 'fmipv6',
          mode: 'predictive-fallback',
          evidence: `FBU on the old link ${rel(fbuOld)}, no FBack there; ${fbuNew !== null ? 'FBU' : 'BU'} from the new link ${rel(done)}`,
        }
      : {
          protocol: 'fmipv6',
          mode: 'incomplete',
          evidence: `FBU on the old link ${rel(fbuOld)}; no FBack, nothing from the new link`,
        };
  }
  if (fbuNew !== null)
    return { protocol: 'fmipv6', mode: 'reactive', evidence: `FBU from the new link ${rel(fbuNew)}` };
  if (fmip > 0) return { protocol: 'fmipv6', mode: 'no-fbu', evidence: `${fmip} FMIPv6 message(s), no FBU` };
  return {
    protocol: buAny ? 'mipv6' : 'none',
    mode: 'mipv6',
    evidence: buAny ? 'no FMIPv6 message; Binding Update sent' : 'no FMIPv6 message and no Binding Update',
  };
}

/**
 * Proxy Mobile IPv6 (RFC 5213, RFC 5949 fast handovers), where the mobile node sends nothing: read
 * from every capture of the lab (the MAGs' and the LMA's signalling). An HI with P set (RFC 5949
 * §6.1.1) names a fast handover: code 0 from the previous MAG, predictive (§4.1); code 1 from the
 * new MAG after the attach, reactive (§4.2). Otherwise a PBU (BU with P, RFC 5213 §6.9.1.5) after
 * the detach: plain PMIPv6. Before both, a PBU carrying the Transient Binding option (RFC 6058 §5,
 * type 43) names a transient binding (whatever HI carried the context). Null when none is in the
 * window. The lab's PMIPv6 labs have one mobile node, so the messages are not matched to it by their
 * MN-ID option.
 */
export type ProxyHandoverMode = 'predictive' | 'reactive' | 'pmipv6' | 'transient';

const HI_P = 0x20;
const BU_P = 0x02;

export function proxyHandoverMode(captures: DecodedFrame[][], w: VerdictWindow): ModeVerdict | null {
  let hi: { t: bigint; code: number } | null = null;
  let pbu: bigint | null = null;
  let transient: bigint | null = null;
  for (const frames of captures)
    for (const f of frames) {
      const t = f.timestampNs;
      if (t < w.fromNs || t > w.toNs || f.upper.kind !== 'mh' || f.upper.dataWord === undefined) continue;
      const word = f.upper.dataWord;
      if (f.upper.mhType === MhType.HandoverInitiate && ((word >> 8) & HI_P) !== 0) {
        if (hi === null || t < hi.t) hi = { t, code: word & 0xff };
      } else if (f.upper.mhType === MH_BU && ((word >> 8) & BU_P) !== 0) {
        if (t > w.detachNs && (pbu === null || t < pbu)) pbu = t;
        if ((transient === null || t < transient) && carriesTransientBinding(f)) transient = t;
      }
    }
  const rel = (t: bigint) => `${(Number(t - w.detachNs) / 1e6).toFixed(1)} ms from the detach`;
  if (transient !== null)
    return { protocol: 'pmipv6', mode: 'transient', evidence: `PBU with a Transient Binding option ${rel(transient)}` };
  if (hi !== null && (hi.code === 0 || hi.code === 1))
    return {
      protocol: 'pfmipv6',
      mode: hi.code === 0 ? 'predictive' : 'reactive',
      evidence: `HI with P, code ${hi.code}, ${rel(hi.t)}`,
    };
  if (pbu !== null) return { protocol: 'pmipv6', mode: 'pmipv6', evidence: `PBU ${rel(pbu)}, no HI with P` };
  return null;
}

/** Whether a frame's Mobility Header (a PBU) decodes with a Transient Binding option (RFC 6058 §5). */
function carriesTransientBinding(f: DecodedFrame): boolean {
  const m = decodeMobilityHeader(f.data, f.inner.upperOffset);
  return m.ok && m.value.type === 'BindingUpdate' && m.value.options.some((o) => o.type === 'TransientBinding');
}
