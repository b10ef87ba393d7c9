// Which protocol and mode a handover actually used, read from the mobile node's own captures, not
// from the lab's configuration (docs/measures.md, "Protocol and mode"). The radio carries nothing
// between the detach and the attach, so a frame captured on it up to the recorded detach was on the
// old link and one after it on the new link: the recorded detach time (taken when the detach had
// completed) is the boundary.

import type { DecodedFrame } from './frames.js';
import { MhType } from '../wire/mh/binding.js';

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
  protocol: 'fmipv6' | 'mipv6' | 'none';
  mode: HandoverMode;
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
