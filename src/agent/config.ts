// The agent's config file (`mipshop-agent --config FILE.json`): its schema and its reading. The lab
// writes one per node (src/lab/agent-config.ts) and starts the agent inside the node's namespace.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The roles a node can hold; the agent runs the protocol roles among them. */
export const NODE_ROLES = [
  'host',
  'router',
  'mobile',
  'access-router',
  'home-agent',
  'mobile-node',
  'correspondent',
  'par',
  'nar',
  'map',
  'lma',
  'mag',
  'mos',
  'mihf',
] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

/** One of the node's interfaces, as named inside the node. */
export interface AgentInterface {
  /** At most 15 characters (e.g. eth1, ap1, wlan0). */
  name: string;
  kind: 'link' | 'ap' | 'radio';
  mac: string;
  /** Static addresses with prefix length, e.g. "2001:db8:0:1::1/64". Radios get theirs by SLAAC. */
  addresses: string[];
  /** For kind 'link': the link id. For kind 'ap' and 'radio': the AP (radio: initial AP or none). */
  link?: string;
  ap?: string;
}

/** Router Advertisements the agent sends on one interface (RFC 4861 §6.2). */
export interface RouterAdvertisementConfig {
  iface: string;
  /** e.g. "2001:db8:10:a1::/64" */
  prefix: string;
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Router lifetime in seconds (RFC 4861 §4.2). */
  routerLifetimeS: number;
}

/** One AP of the lab as every agent sees it (FMIPv6 neighbour maps, RFC 5568 §6.1.2; the MN's first link). */
export interface AgentAccessPoint {
  name: string;
  /** AP-ID for L2 triggers and PrRtAdv: the AP's BSSID. */
  bssid: string;
  router: string;
  routerIface: string;
  /** e.g. "fd00:1:2:a001::/64" */
  prefix: string;
  /** The router's address on the cell (no length) and its interface's MAC. */
  routerAddress: string;
  routerMac: string;
  /** The router's roles (e.g. ['par', 'nar', 'router']): a PAR lists only APs whose router is a NAR. */
  routerRoles?: string[];
  /** Set when the AP reports station-left / station-joined to its router (the lab's notifyLatency, ms). */
  notifyLatencyMs?: number;
}

export interface AgentConfig {
  lab: string;
  node: string;
  roles: NodeRole[];
  interfaces: AgentInterface[];
  routerAdvertisements: RouterAdvertisementConfig[];
  /** Per-role settings (the node's `agent` section in the lab), e.g. { "access-router": { "maxResponseDelayMs": 5 }, "logLevel": "debug" }. */
  agent: Record<string, unknown>;
  /** Unix socket of the control channel; the lab chooses the path. */
  controlSocket: string;
  /** JSON log lines are appended here as well as written to stdout. */
  logFile?: string;
  /** The final status (roles, counters, state) is written here at shutdown. */
  statusFile?: string;
  /** Every AP of the lab (additive, for FMIPv6); absent in configs written before it existed. */
  aps?: AgentAccessPoint[];
  /** This router's associations with its neighbour routers (FMIPv6 PAR/NAR; keys the lab made for the run). */
  routerPeers?: AgentRouterPeer[];
  /** Every radio of the lab: how an AP's station report names a node (PMIPv6 MAG policy, RFC 5213 §6.2). */
  stations?: AgentStation[];
  /** MIH over TLS (docs/mih.md, "Security"): this run's CA, the node's certificate and key, and the key log; files, PEM. */
  mihTls?: AgentMihTls;
}

/** A node's MIHF ID, an FQDN (RFC 5677 §4.2); its MIH TLS certificate names it (docs/mih.md). */
export function mihfIdOf(config: { node: string; lab: string }): string {
  return `${config.node}.${config.lab}.mih`;
}

/** Files the lab made for this run's MIH TLS (src/lab/mih-tls.ts). */
export interface AgentMihTls {
  ca: string;
  cert: string;
  key: string;
  /** SSLKEYLOGFILE-format file the node appends its TLS secrets to, for tshark. */
  keyLog: string;
}

/** A lab node's radio: its MAC and the AP it is on when the lab comes up (the AP's association table). */
export interface AgentStation {
  node: string;
  mac: string;
  ap?: string;
}

/** One router pair's key (src/protocols/core/peer-auth.ts), written into both routers' configs. */
export interface AgentRouterPeer {
  node: string;
  /** The peer's address its HI/HAck come from (its first AP cell's). */
  address: string;
  spi: number;
  /** 32 bytes, hex. */
  key: string;
}

const interfaceSchema = z.object({
  name: z.string().min(1).max(15),
  kind: z.enum(['link', 'ap', 'radio']),
  mac: z.string().regex(/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, 'a MAC address like 02:00:00:00:00:01'),
  addresses: z.array(z.string()),
  link: z.string().optional(),
  ap: z.string().optional(),
});

const raSchema = z.object({
  iface: z.string().min(1).max(15),
  prefix: z.string().regex(/^[0-9a-fA-F:]+\/\d{1,3}$/, 'an IPv6 prefix like 2001:db8:10:a1::/64'),
  minIntervalMs: z.number().positive(),
  maxIntervalMs: z.number().positive(),
  routerLifetimeS: z.number().int().min(0).max(65535),
});

export const agentConfigSchema = z.object({
  lab: z.string().min(1),
  node: z.string().min(1),
  roles: z.array(z.enum(NODE_ROLES)),
  interfaces: z.array(interfaceSchema),
  routerAdvertisements: z.array(raSchema).default([]),
  agent: z.record(z.string(), z.unknown()).default({}),
  controlSocket: z.string().min(1),
  logFile: z.string().optional(),
  statusFile: z.string().optional(),
  aps: z
    .array(
      z.object({
        name: z.string().min(1),
        bssid: z.string(),
        router: z.string().min(1),
        routerIface: z.string().min(1).max(15),
        prefix: z.string(),
        routerAddress: z.string(),
        routerMac: z.string(),
        routerRoles: z.array(z.string()).optional(),
        notifyLatencyMs: z.number().min(0).optional(),
      }),
    )
    .optional(),
  routerPeers: z
    .array(
      z.object({
        node: z.string().min(1),
        address: z.string(),
        spi: z.number().int().min(256).max(0xffff_ffff),
        key: z.string().regex(/^([0-9a-fA-F]{2}){16,64}$/, 'a key of 16 to 64 bytes in hex'),
      }),
    )
    .optional(),
  stations: z.array(z.object({ node: z.string().min(1), mac: z.string(), ap: z.string().optional() })).optional(),
  mihTls: z.object({ ca: z.string(), cert: z.string(), key: z.string(), keyLog: z.string() }).optional(),
});

/** Settings of the access-router role, from `agent["access-router"]`. All optional. */
export const accessRouterSettingsSchema = z
  .object({
    /** Upper bound of the random delay before a solicited RA (RFC 4861 §6.2.6); default 10 ms. */
    maxResponseDelayMs: z.number().min(0).max(500).optional(),
    /** MinDelayBetweenRAs (RFC 6275 §7.5), ≥ 30 ms. */
    minDelayBetweenRasMs: z.number().min(30).optional(),
    solicitedUnicast: z.boolean().optional(),
    validLifetimeS: z.number().int().min(0).optional(),
    preferredLifetimeS: z.number().int().min(0).optional(),
    curHopLimit: z.number().int().min(0).max(255).optional(),
    homeAgent: z.boolean().optional(),
    mtu: z.number().int().min(1280).optional(),
    /** MAP options (RFC 5380 §5) in this router's RAs: the MAPs of its domain, configured by hand (§7). */
    map: z
      .array(
        z
          .object({
            /** The MAP's global address. */
            address: z.string().regex(/^[0-9a-fA-F:.]+$/, 'an IPv6 address like 2001:db8:50::1'),
            /** Hops between the MAP and the mobile node, 1 when the MAP is on the cell (§5: never 0). */
            distance: z.number().int().min(1).max(15),
            /** Operator preference, 15 the highest; 0: no new registrations (§7.1). */
            preference: z.number().int().min(0).max(15),
            /** Validity of the MAP's address and of the RCoA, seconds; 0 announces a MAP failure (§10). */
            validLifetimeS: z.number().int().min(0).max(0xffffffff),
            /** R flag (§5). */
            rcoa: z.boolean().optional(),
          })
          .strict(),
      )
      .max(8)
      .optional(),
  })
  .strict();
export type AccessRouterSettings = z.infer<typeof accessRouterSettingsSchema>;

export class AgentConfigError extends Error {
  override name = 'AgentConfigError';
}

/** Validates a parsed config; errors name the file and the path in it. */
export function parseAgentConfig(value: unknown, file = '<config>'): AgentConfig {
  const r = agentConfigSchema.safeParse(value);
  if (!r.success) throw new AgentConfigError(formatIssues(file, r.error.issues));
  return r.data;
}

export function readAgentConfig(file: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AgentConfigError(`${file}: cannot read the agent config: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AgentConfigError(`${file}: not JSON: ${(err as Error).message}`);
  }
  return parseAgentConfig(json, file);
}

/** A role's section of `agent`, validated; errors name the file and `agent.<role>`. */
export function roleSettings<T>(config: AgentConfig, role: string, schema: z.ZodType<T>, file = '<config>'): T {
  const r = schema.safeParse(config.agent[role] ?? {});
  if (!r.success) throw new AgentConfigError(formatIssues(file, r.error.issues, ['agent', role]));
  return r.data;
}

function formatIssues(file: string, issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): string {
  return issues
    .map((i) => {
      const path = [...prefix, ...i.path]
        .map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n ? '.' : ''}${String(p)}`))
        .join('');
      return `${file}: ${path || '(top level)'}: ${i.message}`;
    })
    .join('\n');
}
