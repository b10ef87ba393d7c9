import { type Command, Option } from 'commander';
import { describeLabError } from '../errors.js';
import { EXIT_LAB_ERROR, EXIT_OK, type SetOutcome } from '../output.js';

interface CaptureOpts {
  count?: string;
  json?: boolean;
}

export function registerCapture(program: Command, setOutcome: SetOutcome): void {
  program
    .command('capture')
    .description(
      'stream pcap from an interface of a running lab to stdout: `mipshop-lab capture LAB mn:wlan0 | wireshark -k -i -` ' +
        'or `> mn.pcap`. Runs until Ctrl-C, the reader goes away, or -c packets. Progress and errors on stderr (stdout is the pcap).\n' +
        'Exit 0: the capture ended normally; 2: no such lab or interface, or tcpdump failed.',
    )
    .argument('<lab>', 'lab name')
    .argument('<point>', 'NODE:IFACE, e.g. mn:wlan0')
    .addOption(new Option('-c, --count <n>', 'stop after n packets'))
    .addOption(
      new Option(
        '--json',
        'at the end, one JSON document on stderr (stdout carries the pcap): the capture point and packets',
      ),
    )
    .action((lab: string, point: string, o: CaptureOpts) => setOutcome(capture(lab, point, o)));
}

function fail(json: boolean | undefined, message: string): number {
  process.stderr.write(json ? `${JSON.stringify({ ok: false, error: message })}\n` : `error: ${message}\n`);
  return EXIT_LAB_ERROR;
}

async function capture(name: string, point: string, o: CaptureOpts): Promise<number> {
  const count = o.count === undefined ? undefined : Number(o.count);
  if (count !== undefined && (!Number.isInteger(count) || count < 1))
    return fail(o.json, `--count ${o.count}: expected a whole number of packets, at least 1`);
  let child: ReturnType<typeof import('../../lab/capture/stream.js').streamCapture>;
  let where: { node: string; iface: string };
  try {
    const [{ Lab }, { capturePoint, streamCapture }] = await Promise.all([
      import('../../lab/lab.js'),
      import('../../lab/capture/stream.js'),
    ]);
    const lab = await Lab.open(name);
    lab.detach();
    where = capturePoint(lab.lab, point);
    child = streamCapture(lab.lab, where, count ? { count } : {});
  } catch (err) {
    return fail(o.json, describeLabError(err));
  }
  let stderr = '';
  let stopped = false;
  const stop = () => {
    stopped = true;
    child.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.on('error', stop); // the reader went away (`| head -c`, wireshark closed)
  child.stdout.pipe(process.stdout);
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    if (!o.json) process.stderr.write(b);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  const packets = Number(/(\d+) packets? captured/.exec(stderr)?.[1] ?? Number.NaN);
  if (code !== 0 && !stopped)
    return fail(
      o.json,
      `tcpdump in ${where.node} on ${where.iface}: ${stderr.trim().split('\n').at(-1) ?? `exit ${code}`}`,
    );
  if (o.json)
    process.stderr.write(
      `${JSON.stringify({ ok: true, lab: name, node: where.node, iface: where.iface, packets: Number.isNaN(packets) ? null : packets })}\n`,
    );
  return EXIT_OK;
}
