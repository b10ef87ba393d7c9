#!/usr/bin/env node
// mipshop-agent --config FILE.json: a node's daemon (docs/agent.md). Exit codes: 0 after SIGTERM,
// SIGINT or a control `shutdown`; 1 when a role crashed; 2 for a bad command line or config.
import { parseArgs } from 'node:util';
import { startAgent, type Agent } from './agent.js';
import { AgentConfigError, readAgentConfig, type AgentConfig } from './config.js';
import { createLogger, type Logger, type LogLevel } from './log.js';
import { watchLoopDelay } from './loop-delay.js';

const USAGE = 'usage: mipshop-agent --config FILE.json';

async function main(): Promise<number> {
  let configFile: string | undefined;
  try {
    const { values } = parseArgs({ options: { config: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    configFile = values.config;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!configFile) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }

  let config: AgentConfig;
  try {
    config = readAgentConfig(configFile);
  } catch (err) {
    if (err instanceof AgentConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const level = (['debug', 'info', 'warn', 'error'] as const).find((l) => l === config.agent.logLevel) as
    | LogLevel
    | undefined;
  const log = createLogger({ level: level ?? 'info', file: config.logFile, context: { node: config.node } });

  let agent: Agent | null = null;
  // A bug anywhere (a role, a callback from a socket) is logged and the process exits non-zero so
  // the orchestrator notices; bytes from the network never get here (decoders return errors).
  const crash = (err: unknown): void => {
    log.error('agent.uncaught', { err });
    const stop = agent ? agent.stop('uncaught exception') : Promise.resolve();
    void stop.finally(() => process.exit(1));
    setTimeout(() => process.exit(1), 2_000).unref();
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  // Handlers first: a SIGTERM that arrives while roles start (the control socket may already exist)
  // must still end in a clean shutdown, not in the default kill.
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    signalled = sig;
    if (agent) void agent.stop(sig);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const { native } = await import('../native/index.js');
  // MIPSHOP_AGENT_LOOP_DELAY_LOG_MS=N also logs each N ms window's loop delay (diagnosis).
  const loopDelay = watchLoopDelay({ log, intervalMs: Number(process.env.MIPSHOP_AGENT_LOOP_DELAY_LOG_MS) || 0 });
  try {
    agent = await startAgent(config, { native, log, configFile, loopDelay: loopDelay.summary });
  } catch (err) {
    log.error('agent.start-failed', { err });
    return err instanceof AgentConfigError ? 2 : 1;
  }
  if (signalled) void agent.stop(signalled);
  const { code } = await agent.stopped;
  return code;
}

main().then(
  (code) => {
    // Sockets are closed; exit explicitly so a forgotten handle cannot keep a stopped agent alive.
    process.exitCode = code;
    setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    const log: Logger = createLogger();
    log.error('agent.failed', { err });
    process.exit(1);
  },
);
