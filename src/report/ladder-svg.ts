// A handover's ladder as inline SVG: one column per node, one row per message in capture order,
// arrows from sender to receiver; the detach and the attach are rows of their own. Each message row
// is a <g class="msg" data-name=...> whose <title> says when, where it was captured and the filter.
import { html } from './escape.js';
import type { HandoverView } from './model.js';

const LANE_W = 170;
const ROW_H = 26;
const TOP = 40;
const LEFT = 90;

type Row = { kind: 'msg'; i: number; tMs: number } | { kind: 'l2'; label: string; tMs: number };

export function ladderSvg(v: HandoverView): string {
  const rows: Row[] = v.steps.map((s, i) => ({ kind: 'msg' as const, i, tMs: s.tMs }));
  // Markers go before the first message captured at or after them.
  const insert = (label: string, tMs: number) => {
    const at = rows.findIndex((r) => r.tMs >= tMs);
    rows.splice(at === -1 ? rows.length : at, 0, { kind: 'l2', label, tMs });
  };
  insert(`detach from ${v.result.fromAp ?? '?'}`, 0);
  insert(`attach to ${v.result.toAp} (L2 gap ${v.result.l2GapMs} ms)`, v.attachMs);
  const x = (node: string) => LEFT + LANE_W / 2 + Math.max(0, v.lanes.indexOf(node)) * LANE_W;
  const width = LEFT + v.lanes.length * LANE_W + 20;
  const height = TOP + rows.length * ROW_H + 20;
  const out: string[] = [
    `<svg class="ladder" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="message sequence of handover ${v.result.index}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>',
  ];
  for (const lane of v.lanes) {
    out.push(
      `<text class="lane" x="${x(lane)}" y="20" text-anchor="middle">${html(lane)}</text>`,
      `<line x1="${x(lane)}" y1="28" x2="${x(lane)}" y2="${height - 10}" stroke="#bbb" stroke-dasharray="3,3"/>`,
    );
  }
  rows.forEach((r, k) => {
    const y = TOP + k * ROW_H + ROW_H / 2;
    if (r.kind === 'l2') {
      out.push(
        `<g class="l2"><line x1="${LEFT}" y1="${y}" x2="${width - 10}" y2="${y}" stroke="#c60" stroke-width="2"/>`,
        `<text x="${LEFT + 4}" y="${y - 4}" fill="#c60">${html(r.label)} at ${r.tMs} ms</text></g>`,
      );
      return;
    }
    const s = v.steps[r.i]!;
    const x1 = x(s.from);
    const x2 = x(s.to);
    const self = x1 === x2;
    const title = `${s.name} ${s.src} -> ${s.dst}\n${s.tMs} ms from the detach, first captured at ${s.point} (frame ${s.frame}; also ${s.seenAt.filter((p) => p !== s.point).join(', ') || 'nowhere else'})\ntshark -r ${s.pcap} -Y '${s.filter}'`;
    out.push(
      `<g class="msg" data-name="${html(s.name)}" data-t="${s.tMs}"><title>${html(title)}</title>`,
      `<text x="4" y="${y + 4}" class="t">${s.tMs.toFixed(1)} ms</text>`,
      self
        ? `<path d="M${x1},${y - 6} h30 v12 h-30" fill="none" stroke="#333" marker-end="url(#arrow)"/>`
        : `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="#333" marker-end="url(#arrow)"/>`,
      `<text x="${self ? x1 + 36 : (x1 + x2) / 2}" y="${y - 4}" text-anchor="${self ? 'start' : 'middle'}" class="name">${html(s.name)}</text></g>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
