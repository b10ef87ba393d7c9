// The node's `agent:` map in the lab file, key by key, with the schemas the roles themselves parse it
// with (roleSettings in config.ts): the lab applies them when it loads the file, so a wrong setting is
// refused with its file position instead of failing the agent at `up`.
import { z } from 'zod';
import { accessRouterSettingsSchema, type NodeRole } from './config.js';
import { fmipv6MobileNodeSettingsSchema, fmipv6RouterSettingsSchema } from './roles/fmipv6-settings.js';
import { mapSettingsSchema } from './roles/hmipv6-settings.js';
import { mihSettingsSchema } from './roles/mih-settings.js';
import {
  correspondentSettingsSchema,
  homeAgentSettingsSchema,
  mobileNodeSettingsSchema,
} from './roles/mipv6-settings.js';
import { lmaSettingsSchema, magSettingsSchema } from './roles/pmipv6-settings.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** The keys `agent:` may hold. */
export const AGENT_SETTINGS_KEYS = [
  'access-router',
  'home-agent',
  'mobile-node',
  'map',
  'correspondent',
  'fmipv6',
  'lma',
  'mag',
  'mos',
  'mihf',
  'logLevel',
] as const;

/**
 * The schema each key of a node's `agent:` map is read with, for a node with these roles; `null` for a
 * key the node cannot use (fmipv6 without par, nar or mobile-node), `undefined` for an unknown key.
 */
export function agentSettingsSchema(key: string, roles: readonly NodeRole[]): z.ZodType | null | undefined {
  switch (key) {
    case 'access-router':
      return accessRouterSettingsSchema;
    case 'home-agent':
      return homeAgentSettingsSchema;
    case 'mobile-node':
      return mobileNodeSettingsSchema;
    case 'map':
      return mapSettingsSchema;
    case 'correspondent':
      return correspondentSettingsSchema;
    case 'fmipv6':
      if (roles.includes('par') || roles.includes('nar')) return fmipv6RouterSettingsSchema;
      if (roles.includes('mobile-node')) return fmipv6MobileNodeSettingsSchema;
      return null;
    case 'lma':
      return roles.includes('lma') ? lmaSettingsSchema : null;
    case 'mag':
      return roles.includes('mag') ? magSettingsSchema : null;
    case 'mos':
      return roles.includes('mos') ? mihSettingsSchema : null;
    case 'mihf':
      return roles.includes('mihf') ? mihSettingsSchema : null;
    case 'logLevel':
      return z.enum(LOG_LEVELS);
    default:
      return undefined;
  }
}
