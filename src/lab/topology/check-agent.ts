// Each node's `agent:` map, read with the agent's own role settings schemas (src/agent/settings.ts)
// when the lab loads: a wrong type (a hex key YAML read as a number) is refused at its file position
// instead of making the agent exit at `up`.
import { AGENT_SETTINGS_KEYS, agentSettingsSchema } from '../../agent/settings.js';
import type { SpecIssue } from './issues.js';
import type { LabSpec } from './schema.js';
import { zodIssues } from './zod-issues.js';

export function checkAgentSettings(spec: LabSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const [name, node] of Object.entries(spec.nodes)) {
    for (const [key, value] of Object.entries(node.agent)) {
      const at = ['nodes', name, 'agent', key];
      const schema = agentSettingsSchema(key, node.roles);
      if (schema === undefined) {
        issues.push({
          path: at,
          message: `unknown key "${key}": expected one of ${AGENT_SETTINGS_KEYS.map((k) => `"${k}"`).join(', ')}`,
          onKey: true,
        });
        continue;
      }
      if (schema === null) {
        issues.push({
          path: at,
          message: `"${key}" settings need the role ${key === 'lma' || key === 'mag' ? key : 'par, nar or mobile-node'}`,
          onKey: true,
        });
        continue;
      }
      const r = schema.safeParse(value ?? {});
      if (!r.success)
        for (const i of r.error.issues) issues.push(...zodIssues({ ...i, path: [...at, ...i.path] } as typeof i));
    }
  }
  return issues;
}
