// report.html: one self-contained page (uPlot, styles and data inlined; a Content-Security-Policy
// that forbids every network request) that opens offline from the run's output directory. Links
// to pcaps and logs are relative, so the page works wherever the directory is copied.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { evidenceFor } from './evidence.js';
import { html, scriptJson } from './escape.js';
import { ladderSvg } from './ladder-svg.js';
import type { FlowView, HandoverView, ReportModel } from './model.js';
import { PLOT_SCRIPT } from './plot-script.js';
import type { ReportImpairment, ReportTopology } from './topology.js';

const require = createRequire(import.meta.url);
const asset = (p: string) => readFileSync(require.resolve(p), 'utf8');

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 .pass { color: #080; } h1 .fail { color: #b00; }
table { border-collapse: collapse; margin: .5em 0 1em; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.held { color: #080; } td.failed { color: #b00; font-weight: bold; }
code { font-size: 12px; background: #f6f6f6; padding: 0 3px; }
svg.ladder { font: 12px system-ui, sans-serif; } svg.ladder .lane { font-weight: bold; } svg.ladder .t { fill: #666; }
section { margin-bottom: 2em; }
`;

export function reportHtml(m: ReportModel): string {
  const r = m.results;
  const passed = r.expectations.every((e) => e.held);
  const flowsData = m.flows.map((f) => ({ ...f }));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${html(r.lab)}: ${passed ? 'PASS' : 'FAIL'}</title>
<style>${asset('uplot/dist/uPlot.min.css')}</style><style>${STYLE}</style>
</head><body>
<h1>${html(r.lab)} <span class="${passed ? 'pass' : 'fail'}">${passed ? 'PASS' : 'FAIL'}</span></h1>
<p>Run on ${html(r.runtime)}, started ${html(r.startedAt)}, ${(r.durationMs / 1000).toFixed(1)} s; results in <a href="results.json">results.json</a> (version ${html(r.version)}).</p>
${expectationsSection(m)}
${topologySection(m.topology)}
${m.handovers.map(handoverSection).join('\n')}
${m.flows.map(flowSection).join('\n')}
${filesSection(m)}
<script id="flows" type="application/json">${scriptJson(flowsData)}</script>
<script>${asset('uplot/dist/uPlot.iife.min.js')}</script>
<script>${PLOT_SCRIPT}</script>
</body></html>
`;
}

function link(file: string): string {
  return `<a href="${html(file)}">${html(file)}</a>`;
}

function expectationsSection(m: ReportModel): string {
  const rows = m.results.expectations.map((e) => {
    const ev = evidenceFor(e, m.results);
    return `<tr class="expectation"><td class="${e.held ? 'held' : 'failed'}">${e.held ? '✓ held' : '✗ failed'}</td><td>${html(e.expectation)}</td><td class="measured">${html(e.measured === null ? '-' : e.measured)}</td><td>${html(e.detail ?? '')}</td><td>${ev.map((x) => link(x.file)).join('<br>')}</td></tr>`;
  });
  return `<section id="expectations"><h2>Expectations</h2>
<table><tr><th>verdict</th><th>expectation</th><th>measured</th><th>detail</th><th>open</th></tr>
${rows.join('\n')}</table></section>`;
}

function impairment(i: ReportImpairment | null): string {
  if (!i) return 'none';
  const parts = [`delay ${i.delayMs} ms`];
  if (i.jitterMs) parts.push(`jitter ${i.jitterMs} ms`);
  if (i.lossPct) parts.push(`loss ${i.lossPct} %`);
  if (i.duplicatePct) parts.push(`duplicate ${i.duplicatePct} %`);
  if (i.rateBps) parts.push(`rate ${i.rateBps / 1e6} Mbit/s`);
  return parts.join(', ');
}

function topologySection(t: ReportTopology | null): string {
  if (!t) return '<section id="topology"><h2>Topology</h2><p>No topology.json in this output directory.</p></section>';
  const nodes = [...t.nodes].sort(
    (a, b) => a.roles.join().localeCompare(b.roles.join()) || a.name.localeCompare(b.name),
  );
  const nodeRows = nodes.map(
    (n) =>
      `<tr class="node"><td>${html(n.name)}</td><td>${html(n.roles.join(', '))}</td><td>${n.interfaces
        .map(
          (i) =>
            `${html(i.name)} (${html(i.kind)}${i.ap ? ` on ${html(i.ap)}` : ''}) ${html(i.addresses.join(', ') || 'SLAAC')}`,
        )
        .join('<br>')}${n.homeAddress ? `<br>home address ${html(n.homeAddress)}` : ''}</td></tr>`,
  );
  const linkRows = t.links.map(
    (l) =>
      `<tr class="link"><td>${html(`${l.a.node}:${l.a.iface}`)}</td><td>${html(`${l.b.node}:${l.b.iface}`)}</td><td>${html(impairment(l.ab))}</td><td>${html(impairment(l.ba))}</td></tr>`,
  );
  const apRows = t.aps.map(
    (a) =>
      `<tr class="ap"><td>${html(a.name)}</td><td>${html(a.router)}</td><td>${html(a.prefix)}</td><td>${a.notifyLatencyMs} ms</td></tr>`,
  );
  return `<section id="topology"><h2>Topology</h2>
<h3>Nodes</h3><table><tr><th>node</th><th>roles</th><th>interfaces</th></tr>${nodeRows.join('\n')}</table>
<h3>Links</h3><table><tr><th>a</th><th>b</th><th>a → b</th><th>b → a</th></tr>${linkRows.join('\n')}</table>
<h3>Access points</h3><table><tr><th>AP</th><th>router</th><th>prefix</th><th>station report after</th></tr>${apRows.join('\n')}</table>
</section>`;
}

function handoverSection(v: HandoverView): string {
  const h = v.result;
  const rows = v.steps.map(
    (s) =>
      `<tr class="step"><td>${s.tMs.toFixed(3)}</td><td>${html(s.name)}</td><td>${html(s.from)} → ${html(s.to)}</td><td>${link(s.pcap)} frame ${s.frame}${s.seenAt.length > 1 ? `<br>also ${html(s.seenAt.slice(1).join(', '))}` : ''}</td><td><code>${html(s.filter)}</code></td></tr>`,
  );
  return `<section class="handover" id="handover-${h.index}"><h2>Handover ${h.index}: ${html(h.node)} ${html(h.fromAp ?? '?')} → ${html(h.toAp)}</h2>
<p>${html(h.protocol ?? 'unknown protocol')}${h.mode ? ` ${html(h.mode)}` : ''}${h.modeEvidence ? ` (${html(h.modeEvidence)})` : ''}; L2 gap ${h.l2GapMs} ms, interruption ${html(h.interruptionMs ?? '-')} ms, lost ${html(h.lost ?? '-')}, buffered ${html(h.buffered ?? '-')}; ${h.signalling.messages} signalling messages (${h.signalling.bytes} bytes).</p>
${ladderSvg(v)}
<table><tr><th>ms from the detach</th><th>message</th><th>from → to</th><th>first captured</th><th>tshark display filter</th></tr>
${rows.join('\n')}</table></section>`;
}

function flowSection(f: FlowView): string {
  const counts = { buffered: 0, duplicate: 0 };
  for (const p of f.packets) if (p.kind !== 'delivered') counts[p.kind]++;
  return `<section class="flow" id="flow-section-${f.id}"><h2>Flow ${f.id}: ${html(f.from)} → ${html(f.to)}</h2>
<p>${f.packets.length} packets captured at ${html(f.point ?? 'no capture point')}, ${counts.buffered} buffered, ${counts.duplicate} duplicates; ${f.lost.length} lost at the application (marked at their send time). Shaded: the L2 gap (orange) and the longest gap in arrivals at ${html(f.point ?? '-')} (red).</p>
<div class="plot" id="flow-${f.id}"></div></section>`;
}

function filesSection(m: ReportModel): string {
  return `<section id="files"><h2>Files</h2><h3>Captures</h3><ul>${m.files.pcaps.map((p) => `<li>${link(p)}</li>`).join('')}</ul>
<h3>Logs</h3><ul>${m.files.logs.map((p) => `<li>${link(p)}</li>`).join('')}</ul></section>`;
}
