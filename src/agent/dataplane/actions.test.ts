// The machines' actions map onto the data plane pieces (recording doubles of the piece interfaces).
import { describe, expect, it } from 'vitest';
import type { HomeAddress } from './home-address.js';
import type { HomeAgentForwarding } from './home-agent-forwarding.js';
import type { MobilityHeaderToSend, MobilitySender } from './mobility-header-io.js';
import type { HomeAgentAction } from '../../protocols/mipv6/home-agent.js';
import { performHomeAgentAction, performMobileNodeAction, sendMobilityHeaderAction } from './actions.js';

function recorder<T extends object>(extra: Partial<T> = {}): { obj: T; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const obj = new Proxy(extra as T, {
    get: (target, prop) =>
      prop in target
        ? (target as Record<string | symbol, unknown>)[prop]
        : (...args: unknown[]) => {
            calls.push([prop, ...args]);
            return Promise.resolve(true);
          },
  });
  return { obj, calls };
}

describe('performHomeAgentAction', () => {
  it('maps the HomeAgent machine actions and leaves the rest', async () => {
    const { obj, calls } = recorder<HomeAgentForwarding>();
    expect(await performHomeAgentAction(obj, { kind: 'proxy-nd-start', homeAddress: 'h' })).toBe(true);
    expect(await performHomeAgentAction(obj, { kind: 'tunnel-up', homeAddress: 'h', careOfAddress: 'c' })).toBe(true);
    expect(await performHomeAgentAction(obj, { kind: 'tunnel-down', homeAddress: 'h' })).toBe(true);
    expect(await performHomeAgentAction(obj, { kind: 'proxy-nd-stop', homeAddress: 'h' })).toBe(true);
    expect(await performHomeAgentAction(obj, { kind: 'dad-start', homeAddress: 'h' })).toBe(false);
    expect(calls).toEqual([
      ['proxyNdStart', 'h'],
      ['tunnelUp', 'h', 'c'],
      ['tunnelDown', 'h'],
      ['proxyNdStop', 'h'],
    ]);
  });
});

describe('performMobileNodeAction', () => {
  it('reverse-tunnel leaves home first when at home; at-home names the interface', async () => {
    const { obj, calls } = recorder<HomeAddress>({ atHome: true } as Partial<HomeAddress>);
    expect(
      await performMobileNodeAction(obj, {
        kind: 'reverse-tunnel',
        careOfAddress: 'c',
        homeAgent: 'ha',
        iface: 'eth0',
      }),
    ).toBe(true);
    expect(await performMobileNodeAction(obj, { kind: 'reverse-tunnel-off' })).toBe(true);
    expect(await performMobileNodeAction(obj, { kind: 'at-home', iface: 'eth1', homeAddress: 'h' })).toBe(true);
    expect(await performMobileNodeAction(obj, { kind: 'send-router-solicitation', iface: 'eth0' })).toBe(false);
    expect(calls).toEqual([
      ['setAtHome', false],
      ['setCareOf', 'c', 'ha'],
      ['reverseTunnelOff'],
      ['setAtHome', true, 'eth1'],
    ]);
  });
});

describe('sendMobilityHeaderAction', () => {
  it('HA routingType2 → type 2 routing header; MN homeAddressOption → Home Address option', () => {
    const sent: MobilityHeaderToSend[] = [];
    const sender = {
      send: (m: MobilityHeaderToSend) => {
        sent.push(m);
        return true;
      },
    } as MobilitySender;
    const bytes = Buffer.alloc(16);
    const message = { type: 'BindingRefreshRequest' as const, options: [] };
    sendMobilityHeaderAction(sender, { kind: 'send-mh', src: 'ha', dst: 'coa', routingType2: 'hoa', message, bytes });
    sendMobilityHeaderAction(sender, {
      kind: 'send-mh',
      src: 'coa',
      dst: 'ha',
      homeAddressOption: 'hoa',
      message,
      bytes,
    });
    expect(sent).toEqual([
      { src: 'ha', dst: 'coa', routingHomeAddress: 'hoa', mh: bytes },
      { src: 'coa', dst: 'ha', homeAddress: 'hoa', mh: bytes },
    ]);
  });
});

// Compile-time: the machines' own action unions are accepted as they are.
type Accepts = Parameters<typeof performHomeAgentAction>[1];
const _haActionsFit = (a: HomeAgentAction): Accepts => a;
void _haActionsFit;
