// Settings of the MIH roles, from the node's `agent` map in the lab file (docs/mih.md):
//   agent: { mos: { trustedUdp: true } }     agent: { mihf: { trustedUdp: true, drivesHandover: true } }
// MIH runs over TLS on TCP 4551; plain UDP 4551 (RFC 5677 §6.5: ES/CS messages that fit the MTU) only
// where the lab says the path is trusted, because nothing protects it (docs/mih.md, "Security").
import { z } from 'zod';

export const mihSettingsSchema = z
  .object({
    /** Plain UDP on port 4551 as well as TLS: the MoS listens on it, the MN sends capability discovery on it. Default false. */
    trustedUdp: z.boolean().optional(),
    /**
     * mihf: the MIH function drives the node's handovers. The lab's L2 events go to it; on Link_Going_Down
     * it picks the target point of attachment from the Information Service's answer, tells the MoS
     * (MIH_Link_Going_Down indication) and hands link-going-down toward that target to the mobile
     * node's FMIPv6 (docs/mih.md, "MIH drives FMIPv6"). Default false.
     */
    drivesHandover: z.boolean().optional(),
  })
  .strict();
export type MihSettings = z.infer<typeof mihSettingsSchema>;
