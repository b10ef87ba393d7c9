// Settings of the MIH roles, from the node's `agent` map in the lab file (docs/mih.md):
//   agent: { mos: { trustedUdp: true } }     agent: { mihf: { trustedUdp: true } }
// MIH runs over TLS on TCP 4551; plain UDP 4551 (RFC 5677 §6.5: ES/CS messages that fit the MTU) only
// where the lab says the path is trusted, because nothing protects it (docs/mih.md, "Security").
import { z } from 'zod';

export const mihSettingsSchema = z
  .object({
    /** Plain UDP on port 4551 as well as TLS: the MoS listens on it, the MN sends capability discovery on it. Default false. */
    trustedUdp: z.boolean().optional(),
  })
  .strict();
export type MihSettings = z.infer<typeof mihSettingsSchema>;
