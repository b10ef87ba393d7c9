// Per-protocol profiles: one topology hosting several protocols (`compare`, docs/compare.md). A
// profile names, per node, the roles and agent settings that protocol puts on it; everything else
// (links, APs, timeline, traffic) is the lab's own and the same under every profile.
//
//   profiles:
//     mipv6:             { nodes: { mn: { agent: { fmipv6: { enabled: false } } } } }
//     fmipv6-reactive:   { nodes: { mn: { agent: { fmipv6: { mode: reactive } } } } }
//
// `roles` replaces the node's roles; `agent` is merged key by key into the node's agent map (maps
// merge, anything else replaces, null removes the key).
import type { SpecIssue, YamlPath } from './issues.js';
import type { LabSpec } from './schema.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `over` merged into `base`: maps merge recursively, other values replace, null removes the key. */
export function mergeSettings(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isPlainObject(v) && isPlainObject(out[k])) out[k] = mergeSettings(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

/** Profiles that name a node the lab does not have. */
export function checkProfiles(spec: LabSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const [p, profile] of Object.entries(spec.profiles ?? {}))
    for (const node of Object.keys(profile.nodes))
      if (!(node in spec.nodes))
        issues.push({
          path: ['profiles', p, 'nodes', node],
          message: `expected one of the lab's nodes (${Object.keys(spec.nodes).join(', ')}), got "${node}"`,
          onKey: true,
        });
  return issues;
}

/** The lab as the profile makes it (profiles removed). */
export function applyProfile(spec: LabSpec, name: string): LabSpec {
  const profile = spec.profiles?.[name];
  if (!profile) throw new Error(`no profile ${name}`);
  const nodes = { ...spec.nodes };
  for (const [n, o] of Object.entries(profile.nodes)) {
    const node = nodes[n];
    if (!node) continue;
    nodes[n] = {
      ...node,
      ...(o.roles ? { roles: o.roles } : {}),
      ...(o.agent ? { agent: mergeSettings(node.agent, o.agent) } : {}),
    };
  }
  const { profiles: _drop, ...rest } = spec;
  return { ...rest, nodes };
}

/**
 * Where an issue found in the profiled lab belongs: `nodes.X.roles|agent...` is the profile's when the
 * profile sets that key of X, else the lab's own.
 */
export function profileIssuePath(spec: LabSpec, name: string, path: YamlPath): YamlPath {
  const o = spec.profiles?.[name]?.nodes;
  const [top, node, key] = path;
  if (top === 'nodes' && typeof node === 'string' && (key === 'roles' || key === 'agent') && o?.[node]?.[key])
    return ['profiles', name, ...path];
  return path;
}
