// The scenario timeline, played on paper: every event names a mobile node and a known AP, happens
// within the lab's duration, and attach/detach alternate (a radio is on at most one AP).
import type { SpecIssue } from './issues.js';
import { isMobile } from './roles.js';
import type { LabSpec } from './schema.js';
import { formatDuration } from './units.js';

export function checkScenario(spec: LabSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const attachedTo = new Map<string, string | null>();
  for (const [name, node] of Object.entries(spec.nodes)) {
    if (isMobile(node.roles)) attachedTo.set(name, node.radio?.ap ?? null);
  }
  const order = spec.scenario.map((e, i) => ({ e, i })).sort((x, y) => x.e.at - y.e.at || x.i - y.i);

  const mobile = (node: string, path: (string | number)[]): boolean => {
    if (attachedTo.has(node)) return true;
    const what = node in spec.nodes ? `"${node}" has no radio (role mobile)` : `unknown node "${node}"`;
    issues.push({
      path,
      message: `expected a mobile node (${[...attachedTo.keys()].join(', ') || 'none defined'}), got ${what}`,
    });
    return false;
  };
  const knownAp = (ap: string, path: (string | number)[]): boolean => {
    if (ap in spec.aps) return true;
    issues.push({
      path,
      message: `expected one of the APs (${Object.keys(spec.aps).join(', ') || 'none defined'}), got "${ap}"`,
    });
    return false;
  };

  for (const { e, i } of order) {
    const at = formatDuration(e.at);
    if (e.at > spec.duration) {
      issues.push({
        path: ['scenario', i, 'at'],
        message: `at ${at} is after the lab's duration ${formatDuration(spec.duration)}`,
      });
    }
    if (e.detach !== undefined && mobile(e.detach, ['scenario', i, 'detach'])) {
      if (attachedTo.get(e.detach) === null) {
        issues.push({ path: ['scenario', i, 'detach'], message: `"${e.detach}" is not attached to any AP at ${at}` });
      }
      attachedTo.set(e.detach, null);
    }
    if (e.attach !== undefined) {
      const { node, ap } = e.attach;
      const okNode = mobile(node, ['scenario', i, 'attach', 'node']);
      const okAp = knownAp(ap, ['scenario', i, 'attach', 'ap']);
      if (okNode && okAp) {
        const current = attachedTo.get(node);
        if (current != null) {
          issues.push({
            path: ['scenario', i, 'attach'],
            message: `"${node}" is still attached to ${current} at ${at}; detach it first`,
          });
        }
        attachedTo.set(node, ap);
      }
    }
    if (e.trigger !== undefined) {
      const { node, event, ap } = e.trigger;
      // A plain host runs no agent; its link-going-down toward an AP is reported by its serving AP to
      // that AP's router (RFC 5949 §4.1, the Proxy Mobile IPv6 fast handover trigger).
      const plainOk = event === 'link-going-down' && ap !== undefined;
      if (mobile(node, ['scenario', i, 'trigger', 'node']) && spec.nodes[node]?.roles.includes('host') && !plainOk)
        issues.push({
          path: ['scenario', i, 'trigger', 'node'],
          message: `"${node}" is a host (no agent): L2 triggers go to a mobile node's agent, except link-going-down with "ap" (reported by its AP to the AP's router)`,
        });
      if (ap !== undefined) knownAp(ap, ['scenario', i, 'trigger', 'ap']);
      // New AP detected names the candidate AP (IEEE 802.21 Link_Detected; RFC 5568 §3.1 trigger).
      if (event === 'new-ap-detected' && ap === undefined) {
        issues.push({
          path: ['scenario', i, 'trigger'],
          message: 'missing key "ap": the AP that new-ap-detected reports',
        });
      }
    }
  }
  return issues;
}
