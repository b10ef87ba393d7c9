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
