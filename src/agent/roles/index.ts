// Every role the agent knows, in start order. A role decides from the config whether it runs.
import { accessRouter } from './access-router.js';
import { fmipv6MobileNodeRole } from './fmipv6-mobile-node.js';
import { fmipv6RouterRole } from './fmipv6-router.js';
import { homeAgentRole } from './home-agent.js';
import { mobileNodeRole } from './mobile-node.js';
import type { RoleDefinition } from './role.js';

// fmipv6-mobile-node before mobile-node: its carrier monitor starts first, which helps its UNA go out first at attach.
export const ALL_ROLES: readonly RoleDefinition[] = [
  accessRouter,
  fmipv6RouterRole,
  homeAgentRole,
  fmipv6MobileNodeRole,
  mobileNodeRole,
];
