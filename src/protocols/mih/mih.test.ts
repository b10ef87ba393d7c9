import { describe, expect, it } from 'vitest';
import { TICK } from '../core/tick.js';
import { oro } from '../../wire/dhcpv6/message.js';
import { addresses, domains } from '../../wire/dhcpv6/mos.js';
import { decodeIes, IeType, iesToNetworks } from '../../wire/mih/information.js';
import { encodingLength, type MihFrame } from '../../wire/mih/message.js';
import { mosFromReply, orderNaptr, pickSrv } from './discovery.js';
import { MAX_UDP_MESSAGE, MobilityServer } from './mobility-server.js';
import { UdpTransactions } from './udp-transactions.js';

describe('RFC 5677 §6.3 retransmission over UDP', () => {
  it('sends, resends after 3 s then 6 s, and fails after 2 retransmissions', () => {
    const m = new UdpTransactions();
    const bytes = Buffer.from('aa', 'hex');
    expect(m.handle(0, { kind: 'send', key: 'k', bytes, peer: 'p' })).toEqual([
      { kind: 'transmit', key: 'k', bytes, peer: 'p', attempt: 1 },
    ]);
    expect(m.nextDeadline()).toBe(3000);
    expect(m.handle(2999, TICK)).toEqual([]);
    expect(m.handle(3000, TICK)).toMatchObject([{ kind: 'transmit', attempt: 2 }]);
    expect(m.nextDeadline()).toBe(9000);
    expect(m.handle(9000, TICK)).toMatchObject([{ kind: 'transmit', attempt: 3 }]);
    expect(m.nextDeadline()).toBe(21_000);
    expect(m.handle(21_000, TICK)).toEqual([{ kind: 'failed', key: 'k', attempts: 3, reason: 'no-answer' }]);
    expect(m.nextDeadline()).toBeNull();
  });
  it('an answer ends the transaction; the back-off stops at 30 s; the table is bounded', () => {
    const m = new UdpTransactions({ initialTmoMs: 20_000, maxTmoMs: 30_000, maxRetransmissions: 5, maxOutstanding: 1 });
    m.handle(0, { kind: 'send', key: 'a', bytes: Buffer.alloc(1), peer: 'p' });
    expect(m.handle(0, { kind: 'send', key: 'b', bytes: Buffer.alloc(1), peer: 'p' })).toMatchObject([
      { kind: 'failed', reason: 'too-many-outstanding' },
    ]);
    m.handle(20_000, TICK);
    expect(m.nextDeadline()).toBe(50_000);
    m.handle(1, { kind: 'answered', key: 'a' });
    expect(m.outstanding).toBe(0);
    expect(m.handle(60_000, TICK)).toEqual([]);
  });
});

describe('MobilityServer', () => {
  const mos = () =>
    new MobilityServer({ mihfId: 'mos1.mih.example', validTimeS: 60, maxRegistrations: 1, maxAnswered: 4 });
  const req = (body: MihFrame['body'], over: Partial<MihFrame> = {}): MihFrame => ({
    ackReq: true,
    ackRsp: false,
    transactionId: 7,
    source: 'mn.lab',
    destination: 'mos1.mih.example',
    body,
    ...over,
  });
  it('answers Capability_Discover with a piggy-backed ACK over UDP, none over TCP', () => {
    const m = mos();
    const udp = m.handle(0, {
      frame: req({ kind: 'capability-discover-request' }, { destination: 'mos.example.org' }),
      peer: 'a',
      transport: 'udp',
    });
    expect(udp).toMatchObject([
      {
        kind: 'send',
        transport: 'udp',
        frame: {
          ackRsp: true,
          transactionId: 7,
          destination: 'mn.lab',
          body: { kind: 'capability-discover-response', status: 0, transportList: [0, 1] },
        },
      },
    ]);
    const tcp = m.handle(0, {
      frame: req({ kind: 'capability-discover-request' }, { transactionId: 8 }),
      peer: 'a',
      transport: 'tcp',
    });
    expect(tcp).toMatchObject([{ frame: { ackRsp: false } }]);
  });
  it('registers, answers a retransmission with the same response, bounds the table', () => {
    const m = mos();
    const r = req({ kind: 'register-request', linkIdentifiers: [], requestCode: 0 });
    const first = m.handle(0, { frame: r, peer: 'a', transport: 'udp' });
    expect(first).toMatchObject([{ frame: { body: { kind: 'register-response', status: 0, validTimeInterval: 60 } } }]);
    expect(m.handle(10, { frame: r, peer: 'a', transport: 'udp' })).toEqual(first);
    expect(m.registrations(10)).toMatchObject([{ mihfId: 'mn.lab', count: 1 }]);
    const other = m.handle(20, { frame: { ...r, source: 'mn2.lab' }, peer: 'b', transport: 'udp' });
    expect(other).toMatchObject([{ frame: { body: { status: 2 } } }]);
    expect(m.registrations(60_001)).toEqual([]);
  });
  it('drops what is not a request for it', () => {
    const m = mos();
    expect(
      m.handle(0, {
        frame: req({ kind: 'register-request', linkIdentifiers: [], requestCode: 0 }, { destination: 'x' }),
        peer: 'a',
        transport: 'udp',
      }),
    ).toEqual([{ kind: 'drop', reason: 'not-for-us' }]);
    expect(
      m.handle(0, {
        frame: req({ kind: 'ack', sid: 1, opcode: 1, aid: 1 }, { ackRsp: true }),
        peer: 'a',
        transport: 'udp',
      }),
    ).toEqual([{ kind: 'drop', reason: 'not-a-request' }]);
    expect(
      m.handle(0, { frame: req({ kind: 'other', sid: 4, opcode: 1, aid: 1, tlvs: [] }), peer: 'a', transport: 'tcp' }),
    ).toEqual([{ kind: 'drop', reason: 'unsupported' }]);
  });
});

describe('discovery choices', () => {
  it('reads options 54, 55 and 23 of a Reply', () => {
    const info = mosFromReply({
      msgType: 7,
      transactionId: 1,
      options: [
        oro([54]),
        {
          code: 54,
          data: addresses.encode([
            { code: 3, values: ['2001:db8::5'] },
            { code: 2, values: [] },
          ]),
        },
        { code: 55, data: domains.encode([{ code: 3, values: ['mih.example'] }]) },
        { code: 23, data: Buffer.from('20010db8000000000000000000000053', 'hex') },
      ],
    });
    expect(info).toEqual({
      addresses: { ES: ['2001:db8::5'], CS: [] },
      domains: { ES: ['mih.example'] },
      dnsServers: ['2001:db8::53'],
      problems: [],
    });
    expect(
      mosFromReply({ msgType: 7, transactionId: 1, options: [{ code: 54, data: Buffer.from('0003000f', 'hex') }] })
        .problems,
    ).toHaveLength(1);
  });
  it('orders NAPTR by order then preference, for the service and the transports asked', () => {
    const n = (order: number, preference: number, services: string, replacement: string, flags = 's', regexp = '') => ({
      order,
      preference,
      flags,
      services,
      regexp,
      replacement,
    });
    const recs = [
      n(20, 50, 'MIHES+M2U', '_MIHES._udp.x'),
      n(10, 60, 'MIHES+M2T', '_MIHES._tcp.x'),
      n(10, 50, 'MIHIS+M2T', '_MIHIS._tcp.x'),
      n(5, 50, 'MIHES+M2T', 'bad', 's', '!x!y!'),
      n(5, 50, 'MIHES+M2T', 'bad2', 'a'),
    ];
    expect(orderNaptr(recs, 'MIHES', ['tcp', 'udp'])).toEqual([
      { transport: 'tcp', srvName: '_MIHES._tcp.x' },
      { transport: 'udp', srvName: '_MIHES._udp.x' },
    ]);
    expect(orderNaptr(recs, 'MIHES', ['udp'])).toEqual([{ transport: 'udp', srvName: '_MIHES._udp.x' }]);
  });
  it('picks the SRV target by priority, then weight', () => {
    const s = (priority: number, weight: number, target: string) => ({ priority, weight, port: 4551, target });
    const recs = [s(1, 0, 'backup'), s(0, 1, 'a'), s(0, 3, 'b')];
    expect(pickSrv(recs, () => 0)?.target).toBe('a');
    expect(pickSrv(recs, () => 0.5)?.target).toBe('b');
    expect(pickSrv([], () => 0)).toBeUndefined();
  });
});

describe('MobilityServer: Information Service', () => {
  const networks = Array.from({ length: 20 }, (_, i) => ({
    networkId: `ar${i}`,
    poas: [
      {
        linkAddress: { kind: 'mac' as const, mac: `02:00:00:00:00:${(i + 16).toString(16)}` },
        prefix: `fd00:${i + 1}::/64`,
        routerAddress: `fd00:${i + 1}::1`,
      },
    ],
  }));
  const mos = () =>
    new MobilityServer({
      mihfId: 'mos.lab.mih',
      validTimeS: 60,
      maxRegistrations: 4,
      maxAnswered: 4,
      information: networks,
    });
  const ask = (maxResponseSize?: number): MihFrame => ({
    ackReq: false,
    ackRsp: false,
    transactionId: 5,
    source: 'mn.lab.mih',
    destination: 'mos.lab.mih',
    body: {
      kind: 'get-information-request',
      queries: [[IeType.NetworkId, IeType.PoaLinkAddress, IeType.PoaSubnetInfo, IeType.PoaIpAddress]],
      ...(maxResponseSize ? { maxResponseSize } : {}),
    },
  });
  const networksOf = (a: ReturnType<MobilityServer['handle']>) => {
    const f = a.find((x) => x.kind === 'send');
    if (f?.kind !== 'send' || f.frame.body.kind !== 'get-information-response') throw new Error('no IS response');
    const ies = decodeIes(f.frame.body.responses?.[0] ?? Buffer.alloc(0));
    if (!ies.ok) throw new Error(ies.error.message);
    const n = iesToNetworks(ies.value);
    return { size: encodingLength(f.frame), networks: n.ok ? n.value : [] };
  };
  it('answers over TCP with every network of the lab', () => {
    const r = networksOf(mos().handle(0, { frame: ask(), peer: 'p', transport: 'tcp' }));
    expect(r.networks).toEqual(networks);
    expect(r.size).toBeGreaterThan(MAX_UDP_MESSAGE);
  });
  it('leaves networks out from the end to fit a Max Response Size', () => {
    const r = networksOf(mos().handle(0, { frame: ask(600), peer: 'p', transport: 'tcp' }));
    expect(r.size).toBeLessThanOrEqual(600);
    expect(r.networks.length).toBeGreaterThan(0);
    expect(r.networks).toEqual(networks.slice(0, r.networks.length));
  });
  it('refuses an answer larger than a UDP datagram over UDP, and says so', () => {
    const a = mos().handle(0, { frame: ask(), peer: 'p', transport: 'udp' });
    expect(a[0]).toMatchObject({ kind: 'too-large' });
    expect(a[1]).toMatchObject({ kind: 'send', frame: { body: { kind: 'get-information-response', status: 1 } } });
  });
});
