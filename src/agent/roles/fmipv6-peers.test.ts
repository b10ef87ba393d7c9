import { describe, expect, it } from 'vitest';
import { PeerAuthenticator, sendMobilityHeader, type SendMobilityHeader } from '../../protocols/core/index.js';
import { Counters } from '../counters.js';
import type { RouterIo } from './fmipv6-router-io.js';
import { sealToPeers } from './fmipv6-peers.js';

const A = '2001:db8:2::1';
const B = '2001:db8:3::1';
const HACK = { type: 'HandoverAcknowledge' as const, sequenceNumber: 1, flags: 0, code: 0, options: [] };

describe('sealToPeers', () => {
  it('seals HI/HAck for a configured neighbour, refuses to send one to any other router, passes the rest', () => {
    const sent: SendMobilityHeader[] = [];
    const io = {
      send: (a: SendMobilityHeader) => {
        sent.push(a);
        return true;
      },
    } as unknown as RouterIo;
    const counters = new Counters();
    const key = Buffer.alloc(32, 1);
    const wrapped = sealToPeers(io, new PeerAuthenticator([{ peer: B, spi: 256, key }]), counters);
    expect(wrapped.send(sendMobilityHeader({ src: A, dst: B }, HACK))).toBe(true);
    const atB = new PeerAuthenticator([{ peer: A, spi: 256, key }]);
    expect(atB.check({ src: A, dst: B }, sent[0]!.bytes, Date.now())).toBeNull();
    expect(wrapped.send(sendMobilityHeader({ src: A, dst: '2001:db8:9::1' }, HACK))).toBe(false);
    expect(counters.get('peer-auth.no-key.HandoverAcknowledge')).toBe(1);
    const fback = { type: 'BindingRefreshRequest' as const, options: [] };
    wrapped.send(sendMobilityHeader({ src: A, dst: '2001:db8:9::1' }, fback));
    expect(sent).toHaveLength(2);
  });
});
