// Settings of the FMIPv6 roles (RFC 5568), from the node's `agent.fmipv6` map in the lab file:
//   routers (roles par / nar):  fmipv6: { buffer: { maxPackets, maxBytes }, invalidNcoa, acceptHandovers, ... }
//   mobile node (mobile-node):  fmipv6: { enabled: true, fbuLifetimeS, ... }
// A mobile node runs the FMIPv6 machine beside Mobile IPv6 only when `agent.fmipv6` is present and
// `enabled` is not false, so one lab can be run with plain Mobile IPv6 by flipping that switch.
import { z } from 'zod';

/** RFC 5080 §2.2.1 retransmission: IRT, MRC, MRT, MRD (defaults there 2 s, 5, 16 s, 30 s). */
const radiusRetransmitSchema = z
  .object({
    irtMs: z.number().int().min(10).max(60_000).optional(),
    mrc: z.number().int().min(0).max(20).optional(),
    mrtMs: z.number().int().min(10).max(600_000).optional(),
    mrdMs: z.number().int().min(10).max(600_000).optional(),
  })
  .strict();

export const aaaRouterSchema = z
  .object({
    /** The RADIUS server's address and the NAS secret: the lab writes both (services.radius-server). */
    server: z.string().optional(),
    secret: z.string().optional(),
    /** The address Access-Requests come from (the server knows the client by it). */
    nasAddress: z.string().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    /**
     * A node with no handover key (RADIUS unreachable, or it never authenticated): `fallback` serves it
     * without fast handovers (its FBUs refused; it moves with plain Mobile IPv6), `refuse` also drops
     * what it sends through this router. Default fallback.
     */
    withoutKey: z.enum(['fallback', 'refuse']).optional(),
    retransmit: radiusRetransmitSchema.optional(),
  })
  .strict();
export type AaaRouterSettings = z.infer<typeof aaaRouterSchema>;

export const fmipv6RouterSettingsSchema = z
  .object({
    /** NAR buffer bounds per NCoA (RFC 5568 §6.2.1 U flag); what does not fit is dropped and counted. */
    buffer: z
      .object({ maxPackets: z.number().int().min(0), maxBytes: z.number().int().min(0) })
      .strict()
      .optional(),
    /** A proposed NCoA that is off-prefix or in use: assign another (HAck 1) or refuse (HAck 128). */
    invalidNcoa: z.enum(['assign', 'refuse']).optional(),
    /** false: every HI is answered 129 "administratively prohibited" (a NAR that refuses fast handovers). */
    acceptHandovers: z.boolean().optional(),
    /** Set the HI's U flag (buffer at the NAR). Default true. */
    bufferAtNar: z.boolean().optional(),
    recordLifetimeMs: z.number().int().min(100).optional(),
    maxLifetimeS: z.number().int().min(1).max(65535).optional(),
    hiTimeoutMs: z.number().int().min(10).optional(),
    hiRetries: z.number().int().min(0).max(10).optional(),
    /** PAR: with station reports, tunnel anyway this long after the HAck when no station-left came. Default 1000. */
    leaveTimeoutMs: z.number().int().min(0).max(60_000).optional(),
    /** PAR: how long a buffer started by station-left waits for the reactive FBU. Default 2000. */
    bufferAgeMs: z.number().int().min(0).max(60_000).optional(),
    /** Point-to-point links (MIPSHOP prefix management): per-MN prefixes of `prefixLength` out of `pool`. */
    pointToPoint: z
      .object({
        pool: z.string(),
        poolLength: z.number().int().min(1).max(127),
        prefixLength: z.number().int().min(1).max(128),
      })
      .strict()
      .optional(),
    /** Routing table the PAR tunnel / NAR buffer diversion routes go to. Default 4242. */
    table: z.number().int().min(1).max(0xfffffff0).optional(),
    /** Bounds on what inputs make the router keep; each refusal counted (docs/fmipv6.md "Bounds"). */
    limits: z
      .object({
        /** NAR: handover records at once (beyond: HAck 130). Default 256. */
        maxRecords: z.number().int().min(1).max(100_000).optional(),
        /** NAR: all NCoA buffers together. Default 10000 packets, 8 MB. */
        totalBuffer: z
          .object({ maxPackets: z.number().int().min(0), maxBytes: z.number().int().min(0) })
          .strict()
          .optional(),
        /** NAR: new HIs per second from one PAR, and the burst. Default 50 and 50. */
        hiPerSecond: z.number().min(0.1).max(100_000).optional(),
        hiBurst: z.number().int().min(1).max(100_000).optional(),
        /** NAR: PARs with a rate bucket. Default 64. */
        maxNeighbourRouters: z.number().int().min(1).max(10_000).optional(),
        /** NAR: access-link addresses remembered (in use, announced). Default 4096. */
        maxNeighbours: z.number().int().min(1).max(1_000_000).optional(),
        /** PAR: served nodes. Default 1024. */
        maxServedNodes: z.number().int().min(1).max(1_000_000).optional(),
        /** PAR: RtSolPr sources remembered. Default 1024. */
        maxRtSolPrTargets: z.number().int().min(1).max(1_000_000).optional(),
        /** PAR: PCoAs held at once. Default 64. */
        maxHolds: z.number().int().min(0).max(100_000).optional(),
      })
      .strict()
      .optional(),
    /** HI/HAck timestamps must lie within this of the receiver's clock (peer-auth.ts). Default 7000 ms. */
    peerAuthWindowMs: z.number().int().min(100).max(600_000).optional(),
    /** AAA-keyed FBUs (docs/security.md "AAA-keyed FMIPv6"): this router is a RADIUS NAS. */
    aaa: aaaRouterSchema.optional(),
  })
  .strict();
export type Fmipv6RouterSettings = z.infer<typeof fmipv6RouterSettingsSchema>;

export const fmipv6MobileNodeSettingsSchema = z
  .object({
    enabled: z.boolean().optional(),
    fbuLifetimeS: z.number().int().min(1).max(65535).optional(),
    rtSolPrTimeoutMs: z.number().int().min(10).optional(),
    rtSolPrRetries: z.number().int().min(0).max(10).optional(),
    fbuTimeoutMs: z.number().int().min(10).optional(),
    fbuRetries: z.number().int().min(0).max(10).optional(),
    /** Decapsulate the PAR's tunnel (outer source = a previous router) and hand the packets inside to the stack. Default true. */
    decapsulate: z.boolean().optional(),
    /**
     * predictive (default): link-going-down makes the FBU leave from the previous link (RFC 5568 §3.1).
     * reactive: link-going-down is counted and not acted on, so the FBU leaves from the new link after
     * the attach (§3.2); one timeline then serves both modes.
     */
    mode: z.enum(['predictive', 'reactive']).optional(),
    /** Network-access authentication at first attach (CHAP with this NAI and password); FBUs then carry BADF. */
    aaa: z
      .object({
        nai: z.string().min(1).max(253),
        password: z.string().min(1).max(128),
        /** Tries of the access authentication before going on without a key (plain Mobile IPv6). Default 10. */
        tries: z.number().int().min(1).max(100).optional(),
        intervalMs: z.number().int().min(10).max(60_000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Fmipv6MobileNodeSettings = z.infer<typeof fmipv6MobileNodeSettingsSchema>;
