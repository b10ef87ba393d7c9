#!/usr/bin/env node
// Traffic tool run inside a lab node by the orchestrator:
//   node dist/traffic/main.js send --flow 1 --to 2001:db8::1 --port 9000 --rate 200 --size 100 --duration 5000
//   node dist/traffic/main.js sink --port 9000 --out FILE.rec
//   node dist/traffic/main.js send-group --flows FLOWS.json --go GO (every flow of one node, udp-sender-group.ts)
// On SIGTERM/SIGINT (or at the end of --duration) it stops and prints one JSON summary line on stdout.

import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { UdpSender } from './udp-sender.js';
import { type GroupFlow, UdpSenderGroup } from './udp-sender-group.js';
import { UdpSink } from './udp-sink.js';

const USAGE = `usage:
  main.js send --flow N --to ADDR --port P --rate PPS --size BYTES [--duration MS] [--bind ADDR] [--max-burst N]
  main.js send-group --flows FLOWS.json --go FILE   (FLOWS.json: [{flowId, to, port, ratePps, sizeBytes, durationMs, bindAddress, startMs}])
  main.js sink --port P [--bind ADDR] [--out FILE.rec] [--max-records N]`;

function fail(msg: string): never {
  process.stderr.write(`traffic: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function int(name: string, v: string | undefined, min: number, required = true): number | undefined {
  if (v === undefined) {
    if (required) fail(`--${name} is required`);
    return undefined;
  }
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) fail(`--${name} must be a number >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

function onStop(fn: () => Promise<void>): void {
  let stopping = false;
  const handler = (): void => {
    if (stopping) return;
    stopping = true;
    fn().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`traffic: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

async function send(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      flow: { type: 'string' },
      to: { type: 'string' },
      port: { type: 'string' },
      rate: { type: 'string' },
      size: { type: 'string' },
      duration: { type: 'string' },
      bind: { type: 'string' },
      'max-burst': { type: 'string' },
    },
  });
  if (!values.to) fail('--to is required');
  const sender = new UdpSender({
    flowId: int('flow', values.flow, 0)!,
    to: values.to,
    port: int('port', values.port, 1)!,
    ratePps: int('rate', values.rate, 0.001)!,
    sizeBytes: int('size', values.size, 24)!,
    durationMs: int('duration', values.duration, 0, false) ?? 0,
    bindAddress: values.bind,
    maxBurst: int('max-burst', values['max-burst'], 1, false),
  });
  let printed = false;
  const finish = async (): Promise<void> => {
    const s = await sender.stop();
    if (printed) return;
    printed = true;
    process.stdout.write(`${JSON.stringify({ kind: 'udp-sender', ...s })}\n`);
  };
  onStop(finish);
  await sender.start();
  await sender.done;
  await finish();
}

async function sendGroup(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { flows: { type: 'string' }, go: { type: 'string' } } });
  if (!values.flows || !values.go) fail('--flows and --go are required');
  const group = new UdpSenderGroup(JSON.parse(readFileSync(values.flows, 'utf8')) as GroupFlow[]);
  let printed = false;
  const finish = async (): Promise<void> => {
    const all = await group.stop();
    if (printed) return;
    printed = true;
    process.stdout.write(all.map((s) => `${JSON.stringify({ kind: 'udp-sender', ...s })}\n`).join(''));
  };
  onStop(finish);
  process.stderr.write('traffic: senders ready\n');
  await group.run(values.go);
  await finish();
}

async function sink(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      bind: { type: 'string' },
      out: { type: 'string' },
      'max-records': { type: 'string' },
    },
  });
  const s = new UdpSink({
    port: int('port', values.port, 1)!,
    bindAddress: values.bind,
    out: values.out,
    maxRecords: int('max-records', values['max-records'], 1, false),
  });
  onStop(async () => {
    const summary = await s.stop();
    process.stdout.write(`${JSON.stringify({ kind: 'udp-sink', ...summary })}\n`);
  });
  const port = await s.start();
  process.stderr.write(`traffic: sink listening on [${values.bind ?? '::'}]:${port}\n`);
}

const [cmd, ...rest] = process.argv.slice(2);
try {
  if (cmd === 'send') await send(rest);
  else if (cmd === 'send-group') await sendGroup(rest);
  else if (cmd === 'sink') await sink(rest);
  else fail(`unknown command ${JSON.stringify(cmd ?? '')}`);
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
