// compare.html: the table of `mipshop-lab compare` and, per flow, the arrivals of each protocol's
// first run overlaid (sequence number against ms from the detach), uPlot inlined as in report.html
// so the page opens offline. Each run's own report.html is linked. docs/compare.md.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { html, scriptJson } from './escape.js';

const require = createRequire(import.meta.url);
const asset = (p: string) => readFileSync(require.resolve(p), 'utf8');

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

export interface CompareDoc {
  lab: string;
  file: string;
  repeat: number;
  head: string[];
  rows: { protocol: string; cells: string[] }[];
  notes: string[];
  /** Each run's output directory, relative to the page. */
  runs: { protocol: string; repeat: number; dir: string; passed: boolean }[];
  /** Per flow and protocol: [ms from the detach, seq] of the first run. */
  arrivals: { protocol: string; flow: number; point: string | null; packets: [number, number][] }[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

const PLOT = `
(function () {
  var d = JSON.parse(document.getElementById('arrivals').textContent);
  var plots = {};
  window.mipshopCompare = { plots: plots };
  d.flows.forEach(function (flow) {
    var el = document.getElementById('flow-' + flow.id);
    var seen = {}, xs = [];
    flow.series.forEach(function (s) { s.packets.forEach(function (p) { if (!seen[p[0]]) { seen[p[0]] = true; xs.push(p[0]); } }); });
    xs.sort(function (a, b) { return a - b; });
    var index = {};
    xs.forEach(function (t, i) { index[t] = i; });
    var data = [xs];
    var series = [{ label: 'ms' }];
    flow.series.forEach(function (s) {
      var ys = xs.map(function () { return null; });
      s.packets.forEach(function (p) { ys[index[p[0]]] = p[1]; });
      data.push(ys);
      series.push({ label: s.protocol, stroke: s.color, fill: s.color, paths: function () { return null; },
        points: { show: true, size: 4, width: 1, stroke: s.color, fill: s.color } });
    });
    plots[flow.id] = new uPlot({
      title: 'flow ' + flow.id + ': arrivals under each protocol',
      width: Math.min(1100, Math.max(600, el.clientWidth || 900)), height: 380,
      scales: { x: { time: false } },
      axes: [{ label: 'ms from the detach' }, { label: 'sequence number' }],
      series: series,
      hooks: { drawClear: [function (u) {
        var x0 = u.valToPos(0, 'x', true);
        u.ctx.fillStyle = 'rgba(255,140,0,0.5)';
        u.ctx.fillRect(x0, u.bbox.top, 2, u.bbox.height);
      }] },
    }, data, el);
  });
})();
`;

export function compareHtml(d: CompareDoc): string {
  const protocols = [...new Set(d.rows.map((r) => r.protocol))];
  const color = (p: string) => COLORS[protocols.indexOf(p) % COLORS.length] as string;
  const flows = [...new Set(d.arrivals.map((a) => a.flow))].sort((a, b) => a - b);
  const data = {
    flows: flows.map((id) => ({
      id,
      series: d.arrivals
        .filter((a) => a.flow === id)
        .map((a) => ({ protocol: a.protocol, color: color(a.protocol), packets: a.packets })),
    })),
  };
  const table = `<table><tr>${d.head.map((h) => `<th>${html(h)}</th>`).join('')}</tr>${d.rows
    .map(
      (r) =>
        `<tr class="protocol"><td style="color:${color(r.protocol)}"><b>${html(r.protocol)}</b></td>${r.cells.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`,
    )
    .join('')}</table>`;
  const runs = d.runs
    .map(
      (r) =>
        `<li>${html(r.protocol)} run ${r.repeat}: <a href="${html(r.dir)}/report.html">report</a>, <a href="${html(r.dir)}/results.json">results.json</a>${r.passed ? '' : " (the lab's expectations did not all hold)"}</li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${html(d.lab)}: compare</title>
<style>${asset('uplot/dist/uPlot.min.css')}</style>
<style>body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1em; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f4f4f4; } section { margin-bottom: 2em; }</style>
</head><body>
<h1>${html(d.lab)}: ${html(protocols.join(' vs '))}</h1>
<p>${html(d.file)}, ${d.repeat} run${d.repeat === 1 ? '' : 's'} per protocol. Median [min-max] over the runs.</p>
${table}
<ul>${d.notes.map((n) => `<li>${html(n)}</li>`).join('')}</ul>
${flows.map((id) => `<section><h2>Flow ${id}</h2><p>Arrivals at the receiver in each protocol's first run; the line at 0 is the detach.</p><div id="flow-${id}"></div></section>`).join('\n')}
<section><h2>Runs</h2><ul>${runs}</ul></section>
<script id="arrivals" type="application/json">${scriptJson(data)}</script>
<script>${asset('uplot/dist/uPlot.iife.min.js')}</script>
<script>${PLOT}</script>
</body></html>
`;
}
