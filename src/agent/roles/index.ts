// Every role the agent knows, in start order. A role decides from the config whether it runs.
import { accessRouter } from './access-router.js';
import type { RoleDefinition } from './role.js';

export const ALL_ROLES: readonly RoleDefinition[] = [accessRouter];
