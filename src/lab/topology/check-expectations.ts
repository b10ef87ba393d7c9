// Expectations name nodes, APs and flows of the lab: a name that is not there would only show up
// after the run as "no handover matched", so it is an error of the YAML, with its path.
import type { Expectation } from '../../analysis/expectations.js';
import { listOf } from './check.js';
import type { SpecIssue } from './issues.js';
import { isMobile } from './roles.js';
import type { LabSpec } from './schema.js';
import type { TrafficSpec } from './types.js';

/** `traffic` is the resolved list (flow ids filled in), so an expectation may name a default id. */
export function checkExpectations(spec: LabSpec, traffic: readonly TrafficSpec[]): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const mobiles = Object.entries(spec.nodes)
    .filter(([, n]) => isMobile(n.roles))
    .map(([name]) => name);
  const udpFlows = traffic.filter((t) => t.kind === 'udp').map((t) => t.id);
  spec.expectations.forEach((e: Expectation, i) => {
    if (e.kind === 'no-malformed' || e.kind === 'no-icmpv6-error') return;
    // The YAML writes each expectation as a one-key record: expectations[i].<kind>.<field>.
    const at = (field: string) => ['expectations', i, e.kind, field];
    if ('node' in e && e.node !== undefined && !mobiles.includes(e.node)) {
      issues.push({ path: at('node'), message: `expected a mobile node (${listOf(mobiles)}), got "${e.node}"` });
    }
    if (e.kind === 'address' && !(e.ap in spec.aps)) {
      issues.push({
        path: at('ap'),
        message: `expected one of the APs (${listOf(Object.keys(spec.aps))}), got "${e.ap}"`,
      });
    }
    if ('nodes' in e && e.nodes !== undefined)
      e.nodes.forEach((n, j) => {
        if (!(n in spec.nodes))
          issues.push({
            path: [...at('nodes'), j],
            message: `expected one of the nodes (${listOf(Object.keys(spec.nodes))}), got "${n}"`,
          });
      });
    if ('flow' in e && e.flow !== undefined && !udpFlows.includes(e.flow)) {
      issues.push({
        path: at('flow'),
        message: `expected the id of a udp flow (${listOf(udpFlows.map(String))}), got ${e.flow}`,
      });
    }
  });
  return issues;
}
