import type { AgentInterface, NodeRole, RouterAdvertisementConfig } from '../../agent/config.js';
import type { L2TriggerName } from '../../agent/l2-triggers.js';
import type { Expectation } from '../../analysis/expectations.js';

// A lab after loading and resolving (resolve.ts): defaults applied, addresses planned, interface
// names chosen. Everything below the loader (runtimes, links, air, capture, scenario) reads only this.

/** Per-direction impairment of a link (netem semantics; relay.ts reproduces them without netem). */
export interface Impairment {
  delayMs: number;
  jitterMs: number;
  /** Percent, 0..100. */
  lossPct: number;
  duplicatePct: number;
  /** Bits per second; 0 = unlimited. */
  rateBps: number;
}

/** Roles a node can hold, as the agent's config lists them: `router` forwards; `mobile` has a radio; the rest select agent machines. */
export type { NodeRole };

/** One of a node's interfaces: the agent's config carries it as planned here (MACs locally administered, unique in the lab, stable across runs). */
export type ResolvedInterface = AgentInterface;

export interface ResolvedRoute {
  /** Destination prefix, "default" allowed. */
  dst: string;
  via?: string;
  dev?: string;
}

export type { RouterAdvertisementConfig };

export interface ResolvedNode {
  name: string;
  roles: NodeRole[];
  /** Docker runtime: image and command of a node that runs its own software. */
  image?: string;
  command?: string[];
  interfaces: ResolvedInterface[];
  routes: ResolvedRoute[];
  /** Extra sysctls, key as in `sysctl -w` (e.g. net.ipv6.conf.all.forwarding). */
  sysctls: Record<string, string>;
  /** Router Advertisements this node's agent sends (access routers on their AP interfaces). */
  routerAdvertisements: RouterAdvertisementConfig[];
  /** Protocol settings for the node's agent, passed through as JSON (per-role sections). */
  agent: Record<string, unknown>;
  /** Routers: drop packets whose source belongs to another link (BCP 38, strict uRPF). Absent = on. */
  sourceValidation?: boolean;
  /** Server daemons the node runs (src/lab/services/), their data resolved to addresses. */
  services?: ResolvedServices;
}

/** IEEE 802.21 service types as RFC 5678 names them (IS 1, CS 2, ES 3). */
export type MosServiceKey = 'is' | 'cs' | 'es';

export interface Dhcpv6ServerService {
  /** Interfaces Kea listens on, each with the prefix of its link (a Kea subnet6). */
  interfaces: { name: string; prefix: string }[];
  mosAddresses: Partial<Record<MosServiceKey, string[]>>;
  mosDomains: Partial<Record<MosServiceKey, string[]>>;
  /** OPTION_DNS_SERVERS (RFC 3646). */
  dnsServers: string[];
}

export interface DnsZone {
  /** Without the trailing dot. */
  name: string;
  hosts: { label: string; address: string }[];
  mos: { host: string; services: ('MIHIS' | 'MIHES' | 'MIHCS')[]; transports: ('tcp' | 'udp')[]; port: number }[];
}

/** FreeRADIUS's clients (the access routers, by the address they send from) and users. */
export interface RadiusServerService {
  /** The address FreeRADIUS serves on (the node's first static address). */
  address: string;
  clients: { node: string; address: string; secret: string }[];
  users: { node: string; nai: string; password: string }[];
}

export interface ResolvedServices {
  'dhcpv6-server'?: Dhcpv6ServerService;
  'dns-server'?: { zones: DnsZone[] };
  'radius-server'?: RadiusServerService;
}

export interface LinkEnd {
  node: string;
  iface: string;
}

export interface ResolvedLink {
  id: string;
  a: LinkEnd;
  b: LinkEnd;
  /** Impairment on frames from a to b, and from b to a; null = none. */
  ab: Impairment | null;
  ba: Impairment | null;
}

export interface ResolvedAp {
  name: string;
  /** The access router whose interface is on this AP's cell. */
  router: string;
  routerIface: string;
  /** The prefix the router advertises on this cell. */
  prefix: string;
  /** A link-layer identifier for L2 triggers (like a BSSID). */
  bssid: string;
  /** Delay from a station's (dis)association to the router's agent hearing of it (station-left/-joined), ms. */
  notifyLatencyMs: number;
  /** Stations' ports isolated from each other on the AP's bridge (they reach only the router). */
  isolated?: boolean;
}

export type ScenarioAction =
  | { kind: 'detach'; node: string }
  | { kind: 'attach'; node: string; ap: string }
  /** An L2 trigger delivered to the node's agent over its control channel. */
  | { kind: 'trigger'; node: string; trigger: L2TriggerName; ap?: string };

export interface ScenarioEvent {
  atMs: number;
  action: ScenarioAction;
}

export interface UdpFlowSpec {
  kind: 'udp';
  /** Flow id carried in every packet (see src/wire/flow.ts). */
  id: number;
  from: string;
  to: string;
  /** Destination address; resolved from the node when the lab leaves it out. */
  toAddress: string;
  /** Source address the sender binds (a mobile node's home address: uplink through the reverse tunnel); absent = the kernel's choice. */
  fromAddress?: string;
  port: number;
  ratePps: number;
  sizeBytes: number;
  startMs: number;
  durationMs: number;
}

export interface Iperf3Spec {
  kind: 'iperf3';
  id: number;
  from: string;
  to: string;
  toAddress: string;
  fromAddress?: string;
  port: number;
  startMs: number;
  durationMs: number;
  /** 0 = TCP at full speed; otherwise a target bitrate. */
  rateBps: number;
}

export type TrafficSpec = UdpFlowSpec | Iperf3Spec;

export interface CapturePoint {
  node: string;
  iface: string;
}

export interface ResolvedLab {
  name: string;
  /** Absolute path of the YAML the lab came from (for messages). */
  file: string;
  /** The lab's address plan prefix (a /48). */
  prefix: string;
  nodes: ResolvedNode[];
  links: ResolvedLink[];
  aps: ResolvedAp[];
  scenario: ScenarioEvent[];
  traffic: TrafficSpec[];
  capture: CapturePoint[];
  /** How long `run` lets the lab run before analysis. */
  durationMs: number;
  /** Expectations, parsed; judged by analysis/expectations.ts after a run. */
  expectations: Expectation[];
  /** The lab file's per-protocol profiles (docs/compare.md), and the one this lab was resolved with. */
  profiles?: string[];
  profile?: string;
}
