// What a node's roles mean for the plan: which nodes forward and which have a radio.
import type { NodeRole } from './types.js';

// Agent roles that sit on routers (RFC 6275 HA, RFC 5568 PAR/NAR, RFC 5380 MAP, RFC 5213 LMA/MAG).
const FORWARDING_ROLES: readonly NodeRole[] = ['access-router', 'home-agent', 'par', 'nar', 'map', 'lma', 'mag'];

/** The roles as written plus the ones they imply: agent router roles imply `router`, `mobile-node` implies `mobile`. */
export function expandRoles(roles: readonly NodeRole[]): NodeRole[] {
  const out = [...new Set(roles)];
  if (!out.includes('router') && out.some((r) => FORWARDING_ROLES.includes(r))) out.push('router');
  if (!out.includes('mobile') && out.includes('mobile-node')) out.push('mobile');
  return out;
}

export function isRouter(roles: readonly NodeRole[]): boolean {
  return expandRoles(roles).includes('router');
}

export function isMobile(roles: readonly NodeRole[]): boolean {
  return expandRoles(roles).includes('mobile');
}

// Roles the schema names (their messages have codecs in src/wire/) but no agent role runs yet
// (src/agent/roles/index.ts): a lab with one is refused at load rather than left doing nothing.
const ROLES_WITHOUT_AGENT: Partial<Record<NodeRole, string>> = {
  map: 'HMIPv6 Mobility Anchor Point, RFC 5380',
};

/** What the role is, when no agent runs it yet; undefined for a role that works. */
export function roleWithoutAgent(role: NodeRole): string | undefined {
  return ROLES_WITHOUT_AGENT[role];
}
