// The package entry, `import { Lab } from 'mipshop-lab'`: the Lab API and the types its methods take
// and return. Modules under dist/ are the implementation, not part of the package's interface.
export { Lab, LabNode, StartedLab } from './lab/lab.js';
export type { LabEvent, UpOptions } from './lab/lab.js';
export type { RunOptions, RunResult } from './lab/run.js';
export type {
  CaptureResult,
  ExpectationResult,
  FlowResult,
  HandoverFlowResult,
  HandoverResult,
  Results,
} from './analysis/results.js';
export type { SignallingCount } from './analysis/handover.js';
export type { ExecOptions, ExecResult, NodeHandle, SpawnOptions, Subprocess } from './lab/runtime/runtime.js';
export type { RuntimeKind } from './lab/runtime/index.js';
export type {
  CapturePoint,
  Impairment,
  Iperf3Spec,
  ResolvedAp,
  ResolvedInterface,
  ResolvedLab,
  ResolvedLink,
  ResolvedNode,
  ScenarioAction,
  ScenarioEvent,
  TrafficSpec,
  UdpFlowSpec,
} from './lab/topology/types.js';
export type { L2TriggerName } from './agent/l2-triggers.js';
// Errors a caller may tell apart: a wrong lab file (Lab.up, Lab.load), a failed command in a node.
export { LabFileError } from './lab/topology/issues.js';
export type { LabIssue } from './lab/topology/issues.js';
export { CommandError } from './lab/exec.js';
