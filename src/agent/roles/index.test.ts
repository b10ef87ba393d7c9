import { describe, expect, test } from 'vitest';
import { accessRouter } from './access-router.js';
import { fmipv6MobileNodeRole } from './fmipv6-mobile-node.js';
import { fmipv6RouterRole } from './fmipv6-router.js';
import { homeAgentRole } from './home-agent.js';
import { mapRole } from './map.js';
import { ALL_ROLES } from './index.js';
import { correspondentRole } from './correspondent.js';
import { lmaRole } from './lma.js';
import { magRole } from './mag.js';
import { mihfRole } from './mihf.js';
import { mobileNodeRole } from './mobile-node.js';
import { mosRole } from './mos.js';
import type { RoleDefinition } from './role.js';

type Config = Parameters<RoleDefinition['wanted']>[0];

const MODULES = [
  accessRouter,
  fmipv6RouterRole,
  homeAgentRole,
  mapRole,
  lmaRole,
  magRole,
  fmipv6MobileNodeRole,
  mosRole,
  mihfRole,
  mobileNodeRole,
  correspondentRole,
];

/** Every combination that a `wanted` reads: roles, router advertisements, agent.fmipv6. */
function configs(): Config[] {
  const roleSets = [
    [],
    ['router'],
    ['router', 'access-router'],
    ['router', 'par'],
    ['router', 'nar', 'home-agent'],
    ['router', 'map'],
    ['router', 'lma'],
    ['router', 'mag'],
    ['mobile'],
    ['mobile', 'mobile-node'],
    ['correspondent'],
    ['host', 'mos'],
    ['mobile', 'mihf'],
  ];
  const fmipv6 = [undefined, {}, { enabled: true }, { enabled: false }, 'yes'];
  const out: Config[] = [];
  for (const roles of roleSets)
    for (const ras of [[], [{ iface: 'ap1' }]])
      for (const f of fmipv6)
        out.push({
          roles,
          routerAdvertisements: ras,
          agent: f === undefined ? {} : { fmipv6: f },
        } as unknown as Config);
  return out;
}

describe('ALL_ROLES', () => {
  test('lists the roles in start order, each wanted exactly when its module wants it', () => {
    expect(ALL_ROLES.map((d) => d.name)).toEqual(MODULES.map((d) => d.name));
    for (const [i, lazy] of ALL_ROLES.entries()) {
      for (const c of configs())
        expect(lazy.wanted(c), `${lazy.name} ${JSON.stringify(c)}`).toBe(MODULES[i]!.wanted(c));
    }
  });
});
