import { describe, expect, it } from 'vitest';
import { verifyPseudoHeaderChecksum } from '../../wire/checksum.js';
import * as mh from '../../wire/mh/index.js';
import { pseudoHeader, sendMobilityHeader } from './actions.js';

const MH = 135;
const message = { type: 'BindingRefreshRequest' as const, options: [] };

describe('sendMobilityHeader', () => {
  it('encodes with the checksum over the on-wire addresses when no mobility header is carried (RFC 6275 §6.1.1)', () => {
    const a = sendMobilityHeader({ src: '2001:db8::1', dst: '2001:db8::2' }, message);
    expect(a).toMatchObject({ kind: 'send-mh', src: '2001:db8::1', dst: '2001:db8::2', message });
    expect(verifyPseudoHeaderChecksum('2001:db8::1', '2001:db8::2', MH, a.bytes)).toBe(true);
    expect(mh.decode(a.bytes, 0)).toMatchObject({ ok: true, value: message });
  });

  it('puts the home address in the pseudo-header: source with an HAO, destination with an RH2 (RFC 6275 §6.1.7)', () => {
    expect(pseudoHeader({ src: 'coa', dst: 'ha', homeAddressOption: 'hoa' })).toEqual({ src: 'hoa', dst: 'ha' });
    expect(pseudoHeader({ src: 'ha', dst: 'coa', routingType2: 'hoa' })).toEqual({ src: 'ha', dst: 'hoa' });
    const a = sendMobilityHeader({ src: '2001:db8::c', dst: '2001:db8::a', homeAddressOption: '2001:db8::e' }, message);
    expect(verifyPseudoHeaderChecksum('2001:db8::e', '2001:db8::a', MH, a.bytes)).toBe(true);
    expect(a.homeAddressOption).toBe('2001:db8::e');
  });

  it('keeps bytes the machine encoded itself (a sealed message, RFC 4285 §5)', () => {
    const bytes = Buffer.from([1, 2, 3]);
    expect(sendMobilityHeader({ src: 'a', dst: 'b' }, message, bytes).bytes).toBe(bytes);
  });

  it('throws on an address that does not parse: the caller decides what to answer', () => {
    expect(() => sendMobilityHeader({ src: 'not an address', dst: '2001:db8::2' }, message)).toThrow();
  });
});
