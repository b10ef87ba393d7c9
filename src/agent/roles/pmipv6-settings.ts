// Settings of the Proxy Mobile IPv6 roles (RFC 5213), from the node's `agent` map in the lab file:
//   lma: { pool: "fd00:5:5:100::/56", mobileNodes: [{ id: mn@pmipv6.lab, prefix?: "fd00:5:5:100::/64" }], mags?: [mag1] }
//   mag: { lma: lma, mobileNodes: [{ id: mn@pmipv6.lab, node: mn }], fastHandover?: { peers: [mag2] } }
// The policy (RFC 5213 §6.2's policy profile): the LMA lists the nodes it serves and their home
// network prefixes (or the pool it takes them from); a MAG lists the nodes it registers, by the lab
// node whose radio MAC its AP reports. Home network prefixes are /64 (SLAAC, RFC 5213 §6.7).
import { z } from 'zod';
import { ipv6ToBytes } from '../../wire/address.js';

function isIPv6(text: string): boolean {
  try {
    ipv6ToBytes(text);
    return true;
  } catch {
    return false;
  }
}

const address = z.string().refine(isIPv6, { error: 'expected an IPv6 address like "2001:db8::1"' });
const prefix64 = z.string().refine((t) => /^[0-9a-fA-F:]+\/64$/.test(t) && isIPv6(t.split('/')[0]!), {
  error: 'expected a /64 home network prefix like "2001:db8:5:100::/64"',
});
const pool = z.string().refine(
  (t) => {
    const [a, l] = t.split('/');
    return isIPv6(a ?? '') && Number(l) >= 1 && Number(l) <= 63;
  },
  { error: 'expected a prefix shorter than /64, like "2001:db8:5:100::/56"' },
);
const nai = z.string().min(1).max(255);

export const lmaSettingsSchema = z
  .object({
    /** LMAA; default the address of the node's first link. */
    address: address.optional(),
    /** Home network prefixes (/64) for listed nodes without one; the lab routes it to the LMA. */
    pool: pool.optional(),
    mobileNodes: z
      .array(z.object({ id: nai, prefix: prefix64.optional() }).strict())
      .min(1)
      .max(10_000),
    /** Nodes (MAG names) allowed to register; default every MAG of the lab. */
    mags: z.array(z.string().min(1)).optional(),
    maxLifetimeS: z.number().int().min(4).max(262_140).optional(),
    minDelayBeforeBceDeleteMs: z.number().int().min(0).max(600_000).optional(),
    timestampValidityWindowMs: z.number().int().min(1).max(600_000).optional(),
    /** The peer option's timestamp window (peer-auth.ts). Default 7000 ms. */
    peerAuthWindowMs: z.number().int().min(100).max(600_000).optional(),
    /** RFC 6058: a transient binding lasts at most this long, whatever a PBU asks. Default 5000 ms. */
    maxTransientMs: z.number().int().min(0).max(25_500).optional(),
  })
  .strict();
export type LmaSettings = z.infer<typeof lmaSettingsSchema>;

export const magSettingsSchema = z
  .object({
    /** The LMA's node name (its address and key come from the lab). */
    lma: z.string().min(1),
    /** Proxy-CoA; default the address of the node's first link. */
    address: address.optional(),
    mobileNodes: z
      .array(z.object({ id: nai, node: z.string().min(1) }).strict())
      .min(1)
      .max(10_000),
    /** The link-local and link-layer addresses all MAGs use on access links (RFC 5213 §6.8, §6.9.3). */
    linkLocalAddress: address.optional(),
    linkLayerAddress: z
      .string()
      .regex(/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, 'a MAC address like 00:00:5e:00:52:13')
      .optional(),
    lifetimeS: z.number().int().min(4).max(262_140).optional(),
    raIntervalMs: z.number().int().min(100).max(1_800_000).optional(),
    /** Routing table of the uplink into the tunnel. Default 4243. */
    table: z.number().int().min(1).max(0xfffffff0).optional(),
    peerAuthWindowMs: z.number().int().min(100).max(600_000).optional(),
    /**
     * RFC 5949 fast handovers with the listed MAGs (node names; their addresses and the pair keys
     * come from the lab): HI / HAck on the AP's link-going-down report (predictive) or after an
     * attach without one (reactive), forwarding between the MAGs, buffering at the new one.
     */
    fastHandover: z
      .object({
        peers: z.array(z.string().min(1)).min(1).max(64),
        /** How long the previous MAG forwards after the move. Default 3000 ms. */
        forwardingMs: z.number().int().min(100).max(60_000).optional(),
        /** How long a node's traffic waits for the other MAG (HAck, attach, reactive HI). Default 1000 ms. */
        holdMs: z.number().int().min(50).max(60_000).optional(),
        /** Buffer bound per node, packets. Default 1000. */
        bufferPackets: z.number().int().min(1).max(100_000).optional(),
        /**
         * false: the HI carries the node's context only (U and F clear, RFC 5949 §6.1.1): no
         * forwarding between the MAGs, no buffer; the previous MAG de-registers at the detach as in
         * RFC 5213, and the new MAG uses the context to register early (transientBinding). Default true.
         */
        forwarding: z.boolean().optional(),
      })
      .strict()
      .optional(),
    /**
     * RFC 6058: on a predictive HI the new MAG registers the node before it arrives, with the
     * Transient Binding option (late path switch, `lifetimeMs` at most 25500); at the attach it
     * delivers and forwards at once and sends the PBU that switches the downlink to it.
     */
    transientBinding: z
      .object({
        lifetimeMs: z.number().int().min(100).max(25_500).multipleOf(100),
        latePathSwitch: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type MagSettings = z.infer<typeof magSettingsSchema>;
