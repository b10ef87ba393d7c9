// Settings of the HMIPv6 roles (RFC 5380), from the node's `agent` map in the lab file (docs/hmipv6.md):
//   agent: { map: { mobileNodes: [{ nai, spi, key }], ... } }                       (the MAP)
//   agent: { mobile-node: { ..., hmipv6: { spi, key, lifetimeS? } } }               (the mobile node)
// The MN-MAP keys are RFC 4285 keys as the MN-HA ones (docs/hmipv6.md: why not IPsec).
import { z } from 'zod';
import { ipv6ToBytes } from '../../wire/address.js';

const hexKey = z
  .string({ error: 'expected the MN-MAP key as hex in quotes (YAML reads 1234 as a number)' })
  .regex(/^([0-9a-fA-F]{2}){1,64}$/, 'expected the MN-MAP key as hex, e.g. "00112233445566778899aabbccddeeff"');
const spi = z.number().int().min(256).max(0xffffffff);
const prefix = z.string().refine(
  (t) => {
    const [a, l] = t.split('/');
    try {
      ipv6ToBytes(a ?? '');
    } catch {
      return false;
    }
    return l !== undefined && /^\d{1,3}$/.test(l) && Number(l) <= 128;
  },
  { error: 'expected an IPv6 prefix like "2001:db8:a1::/64"' },
);

export const mapSettingsSchema = z
  .object({
    /** The mobile nodes the MAP serves (RFC 4283 NAI, RFC 4285 SPI and key); at most 1024. */
    mobileNodes: z
      .array(z.object({ nai: z.string().min(1).max(255), spi, key: hexKey }).strict())
      .min(1)
      .max(1024),
    /** The interface whose link holds the RCoA prefix (the MAP's address, §6); default: the node's first link. */
    link: z.string().min(1).max(15).optional(),
    /** Longest local binding granted, seconds; default 600. */
    maxLifetimeS: z.number().int().min(4).max(262140).optional(),
    replayWindowMs: z.number().int().min(1).optional(),
    /** DAD for an RCoA before its first binding (RFC 6275 §10.3.1, the MAP being the RCoA's home agent). Default true. */
    performDad: z.boolean().optional(),
    /** How long the DAD probe waits for a defending NA (default 1000 ms). */
    dadTimeoutMs: z.number().int().min(1).max(10_000).optional(),
    /** RFC 5380 §6.2 "valid on-link prefixes": LCoAs outside them are refused (129). Default: any. */
    onLinkPrefixes: z.array(prefix).max(64).optional(),
  })
  .strict();
export type MapSettings = z.infer<typeof mapSettingsSchema>;

/** `agent["mobile-node"].hmipv6`: the MN-MAP association; present means the node uses HMIPv6 where a MAP is advertised. */
export const mobileNodeHmipv6SettingsSchema = z
  .object({
    /** NAI sent to the MAP; default the mobile node's NAI. */
    nai: z.string().min(1).max(255).optional(),
    spi,
    key: hexKey,
    /** Lifetime asked for in local BUs, seconds (default 120); the home registration never asks for more (§6.1). */
    lifetimeS: z.number().int().min(4).max(262140).optional(),
  })
  .strict();
export type MobileNodeHmipv6Settings = z.infer<typeof mobileNodeHmipv6SettingsSchema>;
