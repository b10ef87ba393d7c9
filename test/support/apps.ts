// Unmodified applications for the data plane tests: a TCP+UDP echo server and a line-driven TCP
// client, each a plain Node script run inside a namespace with `ip netns exec`. Test-only code.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

const ECHO_SERVER = `
const net = require('node:net'), dgram = require('node:dgram');
const [addr, port] = process.argv.slice(1);
const srv = net.createServer((s) => { s.on('data', (d) => s.write(d)); s.on('error', () => {}); });
srv.listen(Number(port), addr, () => {
  const u = dgram.createSocket('udp6');
  u.on('message', (m, r) => u.send(m, r.port, r.address));
  u.bind(Number(port), addr, () => console.log('listening'));
});
`;

const LINE_CLIENT = `
const net = require('node:net'), readline = require('node:readline');
const [local, addr, port] = process.argv.slice(1);
const s = net.connect({ host: addr, port: Number(port), localAddress: local }, () => console.log('connected ' + s.localAddress + ' ' + s.localPort));
s.setEncoding('utf8');
let buf = '';
s.on('data', (d) => { buf += d; let i; while ((i = buf.indexOf('\\n')) >= 0) { console.log('echo ' + buf.slice(0, i)); buf = buf.slice(i + 1); } });
s.on('error', (e) => console.log('error ' + e.code));
s.on('close', () => { console.log('closed'); process.exit(0); });
readline.createInterface({ input: process.stdin }).on('line', (l) => (l === 'END' ? s.end() : s.write(l + '\\n')));
`;

const UDP_ONESHOT = `
const dgram = require('node:dgram');
const [local, addr, port, text] = process.argv.slice(1);
const u = dgram.createSocket('udp6');
const t = setTimeout(() => { console.log('timeout'); process.exit(1); }, 3000);
u.on('message', (m, r) => { console.log('reply ' + r.address + ' ' + m.toString()); clearTimeout(t); u.close(); });
u.bind(0, local, () => u.send(text, Number(port), addr));
`;

/** A process with its stdout as lines, and a helper to wait for a line. */
export class LineProcess {
  readonly lines: string[] = [];
  private waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      rest += d;
      for (let i = rest.indexOf('\n'); i >= 0; i = rest.indexOf('\n')) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => {
          if (!w.pred(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    child.stderr.on('data', (d) => this.lines.push(`stderr ${d}`));
    this.exited = new Promise((r) => child.on('exit', (code) => r(code)));
  }
  waitFor(pred: (l: string) => boolean, timeoutMs = 5000): Promise<string> {
    const seen = this.lines.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no matching line within ${timeoutMs} ms; got ${JSON.stringify(this.lines)}`)),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(t);
          resolve(l);
        },
      });
    });
  }
  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

function inNs(ns: string, script: string, args: string[]): LineProcess {
  return new LineProcess(
    spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script, '--', ...args]) as ChildProcessWithoutNullStreams,
  );
}

export const echoServer = (ns: string, addr: string, port: number) => inNs(ns, ECHO_SERVER, [addr, String(port)]);
export const lineClient = (ns: string, local: string, addr: string, port: number) =>
  inNs(ns, LINE_CLIENT, [local, addr, String(port)]);
export const udpOneShot = (ns: string, local: string, addr: string, port: number, text: string) =>
  inNs(ns, UDP_ONESHOT, [local, addr, String(port), text]);
