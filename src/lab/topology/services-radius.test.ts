import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadLabText } from './load.js';
import { labFileErrorOf } from './testing/lab-file-error.js';

const FILE = 'topologies/fmipv6-aaa.yaml';
const TEXT = readFileSync(FILE, 'utf8');

const errorOf = (text: string) => labFileErrorOf(text, FILE);

describe('nodes.<n>.services.radius-server', () => {
  it("resolves the clients to their addresses with a fresh secret each, the users to their agents' credential", () => {
    const a = loadLabText(TEXT, FILE);
    const b = loadLabText(TEXT, FILE);
    const r = a.nodes.find((n) => n.name === 'radius')!.services!['radius-server']!;
    expect(r.clients.map((c) => c.node)).toEqual(['ar1', 'ar2']);
    expect(r.clients[0]!.secret).toMatch(/^[0-9a-f]{32}$/);
    expect(r.clients[0]!.secret).not.toBe(r.clients[1]!.secret);
    expect(b.nodes.find((n) => n.name === 'radius')!.services!['radius-server']!.clients[0]!.secret).not.toBe(
      r.clients[0]!.secret,
    );
    expect(r.users).toEqual([{ node: 'mn', nai: 'mn@fmipv6.lab', password: 'mn-long-term-secret' }]);
  });

  it('a client that is no access router is refused at its line', () => {
    const e = errorOf(TEXT.replace('clients: [ar1, ar2]', 'clients: [ar1, cn]'));
    expect(e.issues.map((i) => i.path)).toContain('nodes.radius.services.radius-server.clients[1]');
    const issue = e.issues.find((i) => i.path === 'nodes.radius.services.radius-server.clients[1]')!;
    expect(issue.line).toBe(TEXT.split('\n').findIndex((l) => l.includes('radius-server:')) + 1);
    expect(issue.message).toBe('expected an FMIPv6 access router (roles par or nar) with a static address, got "cn"');
  });

  it('a user that is not a mobile node with agent.fmipv6.aaa is refused', () => {
    const e = errorOf(TEXT.replace('users: [mn]', 'users: [cn]'));
    expect(e.issues[0]).toMatchObject({ path: 'nodes.radius.services.radius-server.users[0]' });
    expect(e.issues[0]!.message).toMatch(
      /expected a mobile node with agent\.fmipv6\.aaa \{ nai, password \}, got "cn"/,
    );
  });
});
