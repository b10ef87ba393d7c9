// Which code may import which (docs/architecture.md, "Layers"). Imports point down only:
//   cli, bench  ->  lab  ->  analysis, traffic, agent  ->  protocols  ->  wire
// report (what a run shows its users: report.html, JUnit XML) sits beside lab: cli and lab use it,
// and it reads analysis and wire only.
// analysis, traffic and agent do not import each other; src/native/ (the C addon's TypeScript face)
// is for the agent, the lab's impairment relay and capture; test-only code is never imported by
// shipped code. Checked by `make lint` (npm run lint:deps) over src and test.

/** Tests and their helpers: test/, every src/**\/testing/ folder and every *.test.ts. Not in dist. */
const TEST_ONLY = '(^test/|/testing/|\\.test\\.ts$)';

/** Code in `from` (its tests and test helpers included) imports nothing in `to`. */
function layer(name, from, to, comment) {
  return { name, comment, severity: 'error', from: { path: from }, to: { path: to } };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    layer('lab-not-up', '^src/lab/', '^src/(cli|bench)/', 'The lab is driven by cli and bench.'),
    layer(
      'report-reads-results',
      '^src/report/',
      '^src/(cli|bench|lab|agent|traffic|protocols|native)/',
      'The report renders results and captures (analysis, wire); it knows no lab, agent or traffic internals.',
    ),
    layer(
      'analysis-traffic-agent-not-up',
      '^src/(analysis|traffic|agent)/',
      '^src/(cli|bench|lab|report)/',
      'The lab runs analysis, traffic and agents and hands them what they need.',
    ),
    layer('analysis-not-sideways', '^src/analysis/', '^src/(traffic|agent)/', 'analysis, traffic and agent do not import each other.'),
    layer('traffic-not-sideways', '^src/traffic/', '^src/(analysis|agent)/', 'analysis, traffic and agent do not import each other.'),
    layer('agent-not-sideways', '^src/agent/', '^src/(analysis|traffic)/', 'analysis, traffic and agent do not import each other.'),
    layer('protocols-not-up', '^src/protocols/', '^src/(cli|bench|lab|report|analysis|traffic|agent)/', 'State machines see only the codecs.'),
    layer('wire-not-up', '^src/wire/', '^src/(cli|bench|lab|report|analysis|traffic|agent|protocols)/', 'Codecs are the bottom layer.'),
    {
      name: 'native-alone',
      comment: 'The addon binding stands alone; its in-memory stand-in for tests uses the codecs for addresses and checksums.',
      severity: 'error',
      from: { path: '^src/native/', pathNot: TEST_ONLY },
      to: { path: '^src/(cli|bench|lab|report|analysis|traffic|agent|protocols|wire)/' },
    },
    {
      name: 'native-users',
      comment: 'The C addon is for the agent, the impairment relay and capture.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(native|agent)/', '^src/lab/impairment/relay', '^src/lab/capture/'] },
      to: { path: '^src/native/' },
    },
    {
      name: 'test-only',
      comment: 'Test helpers are imported by tests and other test helpers only.',
      severity: 'error',
      from: { pathNot: TEST_ONLY },
      to: { path: TEST_ONLY },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a layer that names another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
