// Settings of the Mobile IPv6 roles, from the node's `agent` map in the lab file (docs/topology.md):
//   agent: { home-agent: { mobileNodes: [{ nai, homeAddress, spi, key }], ... },
//            mobile-node: { homeAddress, homeAgent, nai, spi, key, ... } }
// Keys are the RFC 4285 §5 MN-HA shared keys, written as hex (16 octets suggested by §5.1).
import { z } from 'zod';
import { ipv6ToBytes } from '../../wire/address.js';
import { mobileNodeHmipv6SettingsSchema } from './hmipv6-settings.js';

function isIPv6Address(text: string): boolean {
  try {
    ipv6ToBytes(text);
    return true;
  } catch {
    return false;
  }
}

const address = z.string().refine(isIPv6Address, { error: 'expected an IPv6 address like "2001:db8::1"' });
// A key of digits only is a number to YAML: say so, the quotes are the fix.
const hexKey = z
  .string({
    error:
      'expected the MN-HA key as hex in quotes (YAML reads 1234 as a number), e.g. "00112233445566778899aabbccddeeff"',
  })
  .regex(/^([0-9a-fA-F]{2}){1,64}$/, 'expected the MN-HA key as hex, e.g. "00112233445566778899aabbccddeeff"');
/** RFC 4285 §5: SPIs 0-255 are reserved. */
const spi = z.number().int().min(256).max(0xffffffff);

/** A node of the lab by name (the lab replaces it by the node's address in the agent's config). */
const nodeName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'expected an IPv6 address or a node name');

export const mobileNodeAssociationSchema = z
  .object({
    /** RFC 4283 Mobile Node Identifier (a NAI such as "mn@lab"). */
    nai: z.string().min(1).max(255),
    homeAddress: address,
    spi,
    key: hexKey,
  })
  .strict();

export const homeAgentSettingsSchema = z
  .object({
    mobileNodes: z.array(mobileNodeAssociationSchema).min(1),
    /** The home link interface (an AP interface of this node); default: the first AP interface. */
    homeLink: z.string().min(1).max(15).optional(),
    maxLifetimeS: z.number().int().min(4).max(262140).optional(),
    replayWindowMs: z.number().int().min(1).optional(),
    requireReplayProtection: z.boolean().optional(),
    /** DAD for a home address before its first binding (RFC 6275 §10.3.1). Default true. */
    performDad: z.boolean().optional(),
    /** How long the DAD probe waits for a defending NA: RetransTimer (RFC 4862 §5.4; default 1000 ms). */
    dadTimeoutMs: z.number().int().min(1).max(10_000).optional(),
    refreshAdviceS: z.number().int().min(4).optional(),
    bindingErrorIntervalMs: z.number().int().min(0).optional(),
  })
  .strict();
export type HomeAgentSettings = z.infer<typeof homeAgentSettingsSchema>;

export const mobileNodeSettingsSchema = z
  .object({
    homeAddress: address,
    homePrefixLength: z.number().int().min(1).max(128).optional(),
    homeAgent: address,
    nai: z.string().min(1).max(255),
    spi,
    key: hexKey,
    /** The radio (default: the node's radio interface). */
    iface: z.string().min(1).max(15).optional(),
    lifetimeS: z.number().int().min(4).max(262140).optional(),
    /** Use the care-of address before DAD completes (RFC 4429). Default true (the lab's radios are optimistic). */
    optimisticDad: z.boolean().optional(),
    refreshFraction: z.number().gt(0).lt(1).optional(),
    initialBindackTimeoutFirstRegMs: z.number().int().min(100).optional(),
    /** Bounds of the uplink hold: home-address packets waiting for a usable reverse tunnel (docs/dataplane.md §2). */
    uplinkHold: z
      .object({
        maxPackets: z.number().int().min(0).max(100_000),
        maxBytes: z
          .number()
          .int()
          .min(0)
          .max(64 << 20),
      })
      .strict()
      .optional(),
    /** HMIPv6 (RFC 5380): the MN-MAP association; docs/hmipv6.md. */
    hmipv6: mobileNodeHmipv6SettingsSchema.optional(),
    /**
     * Correspondents to route-optimise with (RFC 6275 §11.6, §11.7.2): their addresses. The lab file may
     * name nodes instead; the lab writes their addresses into the agent's config.
     */
    routeOptimisation: z
      .array(z.union([address, nodeName]))
      .max(64)
      .optional(),
    /** Lifetime asked of the correspondents, seconds (at most MAX_RR_BINDING_LIFETIME, 420). */
    routeOptimisationLifetimeS: z.number().int().min(4).max(420).optional(),
  })
  .strict();
export type MobileNodeSettings = z.infer<typeof mobileNodeSettingsSchema>;

/** agent.correspondent: a correspondent node doing route optimisation (RFC 6275 §9). All optional. */
export const correspondentSettingsSchema = z
  .object({
    /** Our address (default: the node's first global address). */
    address: address.optional(),
    /** Longest binding granted, seconds (RFC 6275 §5.2.8: at most MAX_RR_BINDING_LIFETIME, 420). */
    maxLifetimeS: z.number().int().min(4).max(420).optional(),
    /** Binding Refresh Request at this fraction of a binding's lifetime (§9.5.5). Default 0.9. */
    refreshRequestFraction: z.number().gt(0).lt(1).optional(),
    bindingErrorIntervalMs: z.number().int().min(0).optional(),
    maxBindings: z.number().int().min(1).max(65536).optional(),
  })
  .strict();
export type CorrespondentSettings = z.infer<typeof correspondentSettingsSchema>;
