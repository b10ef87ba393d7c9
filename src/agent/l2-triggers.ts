// The layer-2 events the agent accepts on its control channel, named after the IEEE 802.21 link
// events (Link_Going_Down, Link_Detected, Link_Up, Link_Down) that FMIPv6 reacts to (RFC 5568 §3.1).
// The lab's scenario schema takes its trigger names from here.
export const L2_TRIGGERS = ['link-going-down', 'new-ap-detected', 'link-up', 'link-down'] as const;
export type L2TriggerName = (typeof L2_TRIGGERS)[number];
