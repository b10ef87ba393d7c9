// The `profiles:` section of a lab file (profiles.ts applies it; docs/compare.md).
import { z } from 'zod';
import { NODE_ROLES } from '../../agent/config.js';
import { NODE_NAME_RE } from '../names.js';

export const PROFILE_NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;

const nodeOverrideSchema = z.strictObject({
  roles: z.array(z.enum(NODE_ROLES)).min(1).optional().meta({ description: "Replaces the node's roles." }),
  agent: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: "Merged into the node's agent map: maps merge, other values replace, null removes." }),
});

export const profileSchema = z.strictObject({
  description: z.string().optional(),
  nodes: z
    .record(z.string().regex(NODE_NAME_RE, { error: 'expected a node name of the lab' }), nodeOverrideSchema)
    .default({}),
});

export const profilesSchema = z
  .record(
    z.string().regex(PROFILE_NAME_RE, {
      error: 'expected a profile name: a lowercase letter, then up to 31 lowercase letters, digits or dashes',
    }),
    profileSchema,
  )
  .optional()
  .meta({
    description:
      'Per-protocol profiles for `compare` (docs/compare.md): per node, the roles and agent settings one protocol puts on it.',
  });

export type ProfileSpec = z.output<typeof profileSchema>;
