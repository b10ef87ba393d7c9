// Every role the agent knows, in start order. A role decides from the config whether it runs; its
// module (machines, codecs, sockets) is loaded only when it does: an agent starts in every node at
// every `up`, and most nodes run one role. Each `wanted` repeats its module's (index.test.ts checks).
import type { NodeRole } from '../config.js';
import type { Role, RoleContext, RoleDefinition } from './role.js';

type Config = Parameters<RoleDefinition['wanted']>[0];

function lazy(name: string, wanted: (config: Config) => boolean, load: () => Promise<RoleDefinition>): RoleDefinition {
  return { name, wanted, start: async (ctx: RoleContext): Promise<Role> => (await load()).start(ctx) };
}

const hasRole = (config: Config, ...roles: NodeRole[]) => roles.some((r) => config.roles.includes(r));

// fmipv6-mobile-node before mobile-node: its carrier monitor starts first, which helps its UNA go out first at attach.
export const ALL_ROLES: readonly RoleDefinition[] = [
  lazy(
    'access-router',
    (c) => c.routerAdvertisements.length > 0,
    async () => (await import('./access-router.js')).accessRouter,
  ),
  lazy(
    'fmipv6-router',
    (c) => hasRole(c, 'par', 'nar'),
    async () => (await import('./fmipv6-router.js')).fmipv6RouterRole,
  ),
  lazy(
    'home-agent',
    (c) => hasRole(c, 'home-agent'),
    async () => (await import('./home-agent.js')).homeAgentRole,
  ),
  lazy(
    'map',
    (c) => hasRole(c, 'map'),
    async () => (await import('./map.js')).mapRole,
  ),
  lazy(
    'lma',
    (c) => hasRole(c, 'lma'),
    async () => (await import('./lma.js')).lmaRole,
  ),
  lazy(
    'mag',
    (c) => hasRole(c, 'mag'),
    async () => (await import('./mag.js')).magRole,
  ),
  lazy('fmipv6-mobile-node', fmipv6Wanted, async () => (await import('./fmipv6-mobile-node.js')).fmipv6MobileNodeRole),
  lazy(
    'mos',
    (c) => hasRole(c, 'mos'),
    async () => (await import('./mos.js')).mosRole,
  ),
  lazy(
    'mihf',
    (c) => hasRole(c, 'mihf'),
    async () => (await import('./mihf.js')).mihfRole,
  ),
  lazy(
    'mobile-node',
    (c) => hasRole(c, 'mobile-node'),
    async () => (await import('./mobile-node.js')).mobileNodeRole,
  ),
  lazy(
    'correspondent',
    (c) => hasRole(c, 'correspondent'),
    async () => (await import('./correspondent.js')).correspondentRole,
  ),
];

/** fmipv6Enabled of fmipv6-mobile-node.ts: a mobile node whose agent.fmipv6 is not `enabled: false`. */
function fmipv6Wanted(config: Config): boolean {
  const s = config.agent.fmipv6;
  return (
    hasRole(config, 'mobile-node') &&
    typeof s === 'object' &&
    s !== null &&
    (s as { enabled?: unknown }).enabled !== false
  );
}
