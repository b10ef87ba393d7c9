import { describe, expect, test } from 'vitest';
import { buildIpv6Packet } from './packet.js';
import { parseIpv6Packet } from './parse.js';
import { hex } from './testing/codec-checks.js';
import { VECTORS } from './testing/vectors.js';
import * as udp from './udp.js';

describe('parseIpv6Packet', () => {
  test('every spec vector parses with its checksum verified', () => {
    for (const [name, h] of Object.entries(VECTORS)) {
      const r = parseIpv6Packet(hex(h));
      if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
      expect(['MobilityHeader', 'ICMPv6']).toContain(r.value.upper.kind);
      if (r.value.upper.kind === 'MobilityHeader') expect(r.value.upper.message.type).not.toBe('Unknown');
      if (r.value.upper.kind === 'ICMPv6') expect(r.value.upper.message.type).not.toBe('Unknown');
    }
  });
  test('a corrupted MH gives bad-checksum at the checksum offset; unverified it still decodes', () => {
    const p = hex(VECTORS.proxyBindingUpdate);
    p[p.length - 1] = p[p.length - 1]! ^ 0x55;
    const r = parseIpv6Packet(p);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'bad-checksum', offset: 44 });
    expect(parseIpv6Packet(p, 0, { verifyChecksum: false }).ok).toBe(true);
  });
  test('UDP and other protocols', () => {
    const pkt = buildIpv6Packet({
      src: '2001:db8::1',
      dst: '2001:db8::2',
      upper: { nextHeader: 17, encode: () => udp.encode({ srcPort: 9, dstPort: 10, payload: Buffer.from('x') }) },
    });
    const r = parseIpv6Packet(pkt);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.upper).toMatchObject({ kind: 'UDP', datagram: { srcPort: 9, dstPort: 10 } });
    const tun = buildIpv6Packet({
      src: '2001:db8::1',
      dst: '2001:db8::2',
      upper: { nextHeader: 41, encode: () => pkt },
    });
    const t = parseIpv6Packet(tun);
    if (!t.ok) throw new Error(t.error.message);
    expect(t.value.upper).toMatchObject({ kind: 'Other', protocol: 41 });
  });
});
