// The layer-2 events the agent accepts on its control channel, named after the IEEE 802.21 link
// events (Link_Going_Down, Link_Detected, Link_Up, Link_Down) that FMIPv6 reacts to (RFC 5568 §3.1).
// The lab's scenario schema takes its trigger names from here.
export const L2_TRIGGERS = ['link-going-down', 'new-ap-detected', 'link-up', 'link-down'] as const;
export type L2TriggerName = (typeof L2_TRIGGERS)[number];

// What an AP tells its access router about its stations (RFC 4260 §4: the 802.11 AP reports a
// station's (dis)association to the AR). The lab derives them from its detach/attach; a scenario's
// `trigger:` does not take them (they are the network's view, not the mobile node's).
export const STATION_EVENTS = ['station-left', 'station-joined'] as const;
export type StationEventName = (typeof STATION_EVENTS)[number];

export const L2_EVENTS = [...L2_TRIGGERS, ...STATION_EVENTS] as const;
export type L2EventName = (typeof L2_EVENTS)[number];
