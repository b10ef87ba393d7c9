import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HandoverKeys, interfaceIdentifier } from './associations.js';
import { chapResponse, handoverKey, narKey } from './keys.js';
import { RetransmitSchedule, RFC5080_DEFAULTS } from './retransmit.js';

describe('key hierarchy', () => {
  const challenge = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  it('CHAP response = MD5(Identifier | secret | Challenge) (RFC 1994 §4.1)', () => {
    const want = createHash('md5')
      .update(Buffer.concat([Buffer.from([9]), Buffer.from('pw'), challenge]))
      .digest();
    expect(chapResponse(9, 'pw', challenge)).toEqual(want);
  });
  it('HK = HMAC-SHA1(password, Challenge): what FreeRADIUS puts in MS-MPPE-Recv-Key', () => {
    expect(handoverKey('pw', challenge).toString('hex')).toBe(createHmac('sha1', 'pw').update(challenge).digest('hex'));
    expect(handoverKey('pw', challenge)).toHaveLength(20);
    expect(handoverKey('pw', Buffer.alloc(16))).not.toEqual(handoverKey('pw', challenge));
  });
  it('the NAR key differs per router and from HK', () => {
    const hk = handoverKey('pw', challenge);
    const k1 = narKey(hk, 'fd00::1');
    expect(k1).toHaveLength(20);
    expect(k1).not.toEqual(hk.subarray(0, 20));
    expect(narKey(hk, 'fd00::2')).not.toEqual(k1);
  });
});

describe('RADIUS retransmission (RFC 5080 §2.2.1)', () => {
  it('IRT, then doubling within ±10 %, held at MRT, MRC retransmissions, MRD in all', () => {
    // RAND = 0 (random() = 0.5): the nominal times.
    const s = new RetransmitSchedule(RFC5080_DEFAULTS, 0, () => 0.5);
    const times: number[] = [];
    let now = 0;
    for (;;) {
      now = s.nextTimeout(now);
      times.push(now);
      if (!s.retransmit(now)) break;
    }
    // 2, 2+4, 6+8, 14+16 = 30 (MRD), and MRC 5 is not reached first.
    expect(times).toEqual([2000, 6000, 14_000, 30_000]);
    expect(s.retransmissions).toBe(3);
    const short = new RetransmitSchedule({ irtMs: 200, mrc: 3, mrtMs: 1600, mrdMs: 3000 }, 0, () => 0.5);
    const t2: number[] = [];
    now = 0;
    for (;;) {
      now = short.nextTimeout(now);
      t2.push(now);
      if (!short.retransmit(now)) break;
    }
    expect(t2).toEqual([200, 600, 1400, 3000]);
    expect(short.retransmissions).toBe(3);
  });
  it('RAND stays within ±0.1 of each RT', () => {
    const lo = new RetransmitSchedule(RFC5080_DEFAULTS, 0, () => 0).nextTimeout(0);
    const hi = new RetransmitSchedule(RFC5080_DEFAULTS, 0, () => 1).nextTimeout(0);
    expect(lo).toBeCloseTo(1800);
    expect(hi).toBeCloseTo(2200);
  });
});

describe('HandoverKeys', () => {
  const base = { key: Buffer.alloc(20), nai: 'a@b', createdMs: 0, lifetimeS: 10 };
  it('one association per node, bounded, expiring', () => {
    const k = new HandoverKeys(2);
    k.add({ ...base, spi: 1, iid: 'aa' });
    k.add({ ...base, spi: 2, iid: 'aa' });
    expect(k.get(1, 0)).toBeUndefined();
    expect(k.get(2, 0)?.spi).toBe(2);
    k.add({ ...base, spi: 3, iid: 'bb' });
    k.add({ ...base, spi: 4, iid: 'cc' });
    expect(k.size).toBe(2);
    expect(k.get(2, 0)).toBeUndefined();
    expect(k.get(4, 10_001)).toBeUndefined();
    expect(k.list()[0]).not.toHaveProperty('key');
  });
  it('sequence numbers: older refused, the same only as a retransmission soon after, wrap-around', () => {
    const k = new HandoverKeys(4, 2000);
    k.add({ ...base, spi: 1, iid: 'aa' });
    const a = k.get(1, 0)!;
    expect(k.accept(a, 65535, 100)).toBe(true);
    expect(k.accept(a, 65535, 600)).toBe(true);
    expect(k.accept(a, 65534, 700)).toBe(false);
    expect(k.accept(a, 65535, 2200)).toBe(false);
    expect(k.accept(a, 0, 2300)).toBe(true);
  });
  it('interface identifier of an address', () => {
    expect(interfaceIdentifier('fd00::200:ff:fe00:1')).toBe('020000fffe000001');
  });
});
