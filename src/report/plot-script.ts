// The page's own script (runs in the browser, inlined after uPlot): one uPlot chart per flow,
// sequence number against arrival time, with the L2 gap and the interruption as bands. The flows'
// data is the JSON in <script id="flows" type="application/json">.

export const PLOT_SCRIPT = `
(function () {
  var flows = JSON.parse(document.getElementById('flows').textContent);
  var plots = {};
  window.mipshopReport = { plots: plots };
  flows.forEach(function (f) {
    var el = document.getElementById('flow-' + f.id);
    if (!el) return;
    var xs = [];
    var seen = {};
    function addX(t) { if (!seen[t]) { seen[t] = true; xs.push(t); } }
    f.packets.forEach(function (p) { addX(p.tMs); });
    f.lost.forEach(function (p) { addX(p.tMs); });
    xs.sort(function (a, b) { return a - b; });
    var index = {};
    xs.forEach(function (t, i) { index[t] = i; });
    function column(points, kind) {
      var ys = xs.map(function () { return null; });
      points.forEach(function (p) { if (!kind || p.kind === kind) ys[index[p.tMs]] = p.seq; });
      return ys;
    }
    var data = [xs, column(f.packets, 'delivered'), column(f.packets, 'buffered'), column(f.packets, 'duplicate'), column(f.lost)];
    function dots(color, shape) {
      return { stroke: color, fill: color, paths: function () { return null; }, points: { show: true, size: shape === 'x' ? 9 : 4, width: shape === 'x' ? 2 : 1, stroke: color, fill: shape === 'x' ? '#fff' : color } };
    }
    function bands(u) {
      var ctx = u.ctx;
      var top = u.bbox.top, height = u.bbox.height;
      f.windows.forEach(function (w) {
        var pairs = [[w.l2, 'rgba(255,140,0,0.18)']];
        if (w.interruption) pairs.push([w.interruption, 'rgba(200,0,0,0.12)']);
        pairs.forEach(function (pc) {
          var x0 = u.valToPos(pc[0][0], 'x', true), x1 = u.valToPos(pc[0][1], 'x', true);
          ctx.fillStyle = pc[1];
          ctx.fillRect(Math.min(x0, x1), top, Math.max(1, Math.abs(x1 - x0)), height);
        });
      });
    }
    var opts = {
      title: 'flow ' + f.id + ': ' + f.from + ' -> ' + f.to + (f.point ? ' at ' + f.point : ''),
      width: Math.min(1100, Math.max(600, el.clientWidth || 900)),
      height: 360,
      scales: { x: { time: false } },
      axes: [{ label: 'ms from ' + f.zeroLabel }, { label: 'sequence number' }],
      series: [
        { label: 'ms' },
        Object.assign({ label: 'delivered' }, dots('#1f77b4')),
        Object.assign({ label: 'buffered (held during the handover)' }, dots('#2ca02c')),
        Object.assign({ label: 'duplicate' }, dots('#9467bd')),
        Object.assign({ label: 'lost (at its send time)' }, dots('#d62728', 'x')),
      ],
      hooks: { drawClear: [bands] },
    };
    plots[f.id] = new uPlot(opts, data, el);
  });
})();
`;
