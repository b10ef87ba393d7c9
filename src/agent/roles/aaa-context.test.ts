import { describe, expect, it } from 'vitest';
import { HandoverKeys } from '../../protocols/aaa/associations.js';
import { narKey } from '../../protocols/aaa/keys.js';
import { mhAddress } from '../../protocols/fmipv6/options.js';
import type { HandoverInitiate } from '../../wire/mh/fmipv6.js';
import type { AgentConfig } from '../config.js';
import { Counters } from '../counters.js';
import type { RouterIo } from './fmipv6-router-io.js';
import { acceptKeyContext, withKeyContext } from './aaa-context.js';

const PAR = 'fd00::a1:1';
const NAR = 'fd00::a2:1';
const PCOA = 'fd00::a1:200:ff:fe00:1';
const PAIR = '11'.repeat(32);
const cfg = (peer: string) =>
  ({ routerPeers: [{ node: 'x', address: peer, spi: 256, key: PAIR }] }) as unknown as AgentConfig;

const hi: HandoverInitiate = {
  type: 'HandoverInitiate',
  sequenceNumber: 9,
  assignedAddressConfiguration: false,
  buffer: true,
  proxy: false,
  forwarding: false,
  code: 0,
  options: [mhAddress(1, PCOA)],
};

describe('handover key context in the HI', () => {
  const hk = Buffer.alloc(20, 0xab);
  const parKeys = new HandoverKeys();
  parKeys.add({ spi: 77, key: hk, nai: 'mn@x', iid: '020000fffe000001', createdMs: 0, lifetimeS: 60 });
  let sent: HandoverInitiate | undefined;
  const io = withKeyContext(
    {
      send: (a: { message: HandoverInitiate }) => {
        sent = a.message;
        return true;
      },
    } as unknown as RouterIo,
    parKeys,
    cfg(NAR),
    new Counters(),
  );
  io.send({ kind: 'send-mh', src: PAR, dst: NAR, message: hi, bytes: Buffer.alloc(0) } as never);

  it("the NAR gets HK' = narKey(HK, NAR) under the same SPI, bound to the PCoA's node; HK itself never", () => {
    expect(sent!.options).toHaveLength(2);
    const opt = sent!.options[1] as { optionType: number; data: Buffer };
    expect(opt.optionType).toBe(19);
    expect(opt.data.readUInt32BE(0)).toBe(32473);
    expect(opt.data.includes(hk)).toBe(false);
    expect(opt.data.includes(narKey(hk, NAR))).toBe(false);
    const narKeys = new HandoverKeys();
    const c = new Counters();
    acceptKeyContext(narKeys, sent!, PAR, cfg(PAR), 5, c);
    expect(c.get('aaa.context-received')).toBe(1);
    const got = narKeys.get(77, 5)!;
    expect(got.key).toEqual(narKey(hk, NAR));
    expect(got.iid).toBe('020000fffe000001');
  });

  it('from a router without our pair key, or with an SPI held for another node: not kept', () => {
    const narKeys = new HandoverKeys();
    const c = new Counters();
    acceptKeyContext(narKeys, sent!, 'fd00::bad', cfg(PAR), 5, c);
    expect(c.get('aaa.context-unusable')).toBe(1);
    narKeys.add({ spi: 77, key: Buffer.alloc(20), nai: 'other', iid: 'ffff', createdMs: 0, lifetimeS: 60 });
    acceptKeyContext(narKeys, sent!, PAR, cfg(PAR), 5, c);
    expect(c.get('aaa.context-spi-taken')).toBe(1);
    expect(narKeys.get(77, 5)!.iid).toBe('ffff');
  });
});
