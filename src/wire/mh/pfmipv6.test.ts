// RFC 5949 wire formats by bytes (Wireshark 4.0 decodes neither the HI's P/F nor the HAck's flags,
// nor option 42): HI §6.1.1 (S U P F from the top bit), HAck §6.1.2 (U P F from the top bit of the
// byte RFC 5568 reserved), Context Request §6.2.1 (2 reserved bytes, then Req-type, Req-length,
// Req-option), LMAA §6.2.2 (Option-Code, Reserved, address), MN LL IID §6.2.3 (2 reserved, 8 bytes).
import { describe, expect, test } from 'vitest';
import * as mh from './header.js';
import { HandoverAcknowledgeCode, HandoverAcknowledgeFlag, HandoverInitiateCode } from './fmipv6.js';
import { mobilityOption } from './index.js';

const hex = (b: Buffer) => b.toString('hex');
/** The message data after the 6-byte MH header (Payload Proto, Header Len, Type, Reserved, Checksum). */
const body = (b: Buffer) => b.subarray(6);

describe('RFC 5949 HI / HAck flags and codes', () => {
  test('HI: P is 0x20 and F 0x10 after S 0x80 and U 0x40; code after the flags', () => {
    const bytes = mh.encode({
      type: 'HandoverInitiate',
      sequenceNumber: 0x1234,
      assignedAddressConfiguration: false,
      buffer: true,
      proxy: true,
      forwarding: true,
      code: HandoverInitiateCode.FbuFromPcoa,
      options: [],
    });
    expect(bytes[2]).toBe(14); // MH type HI
    expect(hex(body(bytes).subarray(0, 4))).toBe('12347000');
    const only = (f: Partial<Record<'proxy' | 'forwarding', boolean>>) =>
      mh.encode({
        type: 'HandoverInitiate',
        sequenceNumber: 1,
        assignedAddressConfiguration: false,
        buffer: false,
        proxy: false,
        forwarding: false,
        code: 0,
        options: [],
        ...f,
      })[8];
    expect(only({ proxy: true })).toBe(0x20);
    expect(only({ forwarding: true })).toBe(0x10);
    const r = mh.decode(Buffer.from(bytes));
    expect(r.ok && r.value.type === 'HandoverInitiate' && r.value.proxy && r.value.forwarding).toBe(true);
  });

  test('HAck: U 0x80, P 0x40, F 0x20 in the byte before the code; RFC 5949 codes', () => {
    const flags = HandoverAcknowledgeFlag.Proxy | HandoverAcknowledgeFlag.Forwarding;
    const bytes = mh.encode({
      type: 'HandoverAcknowledge',
      sequenceNumber: 0x0102,
      flags,
      code: HandoverAcknowledgeCode.ContextTransferAccepted,
      options: [],
    });
    expect(bytes[2]).toBe(15);
    expect(hex(body(bytes).subarray(0, 4))).toBe('01026005');
    expect([HandoverAcknowledgeFlag.Buffer, HandoverAcknowledgeFlag.Proxy, HandoverAcknowledgeFlag.Forwarding]).toEqual(
      [0x80, 0x40, 0x20],
    );
    expect([
      HandoverAcknowledgeCode.AllAvailableContextTransferred,
      HandoverAcknowledgeCode.RequestedContextNotAvailable,
      HandoverAcknowledgeCode.ForwardingNotAvailable,
    ]).toEqual([6, 131, 132]);
    expect([HandoverInitiateCode.ForwardingComplete, HandoverInitiateCode.AllContextTransferred]).toEqual([2, 3]);
  });
});

describe('RFC 5949 §6.2 options by bytes', () => {
  test('Context Request (40): Type, Length, 2 reserved, then Req-type / Req-length / Req-option', () => {
    const o = mobilityOption.encode({
      type: 'ContextRequest',
      requests: [
        { requestType: 22, requestOption: Buffer.alloc(0) },
        { requestType: 41, requestOption: Buffer.from('01', 'hex') },
      ],
    });
    expect(hex(o)).toBe('28070000' + '1600' + '290101');
    const r = mobilityOption.decode(o);
    expect(r.ok && r.value).toEqual({
      type: 'ContextRequest',
      requests: [
        { requestType: 22, requestOption: Buffer.alloc(0) },
        { requestType: 41, requestOption: Buffer.from('01', 'hex') },
      ],
    });
  });

  test('LMA Address (41): Type, Length 18 / 6, Option-Code 1 / 2, Reserved, address', () => {
    expect(hex(mobilityOption.encode({ type: 'LocalMobilityAnchorAddress', optionCode: 1, address: 'fd00::5' }))).toBe(
      '2912' + '0100' + 'fd000000000000000000000000000005',
    );
    expect(
      hex(mobilityOption.encode({ type: 'LocalMobilityAnchorAddress', optionCode: 2, address: '192.0.2.1' })),
    ).toBe('2906' + '0200' + 'c0000201');
  });

  test('MN Link-local Address Interface Identifier (42): Type, Length 10, 2 reserved, 8-byte IID', () => {
    const iid = Buffer.from('0211223344556677', 'hex');
    const o = mobilityOption.encode({
      type: 'MobileNodeLinkLocalAddressInterfaceIdentifier',
      interfaceIdentifier: iid,
    });
    expect(hex(o)).toBe('2a0a0000' + '0211223344556677');
    const r = mobilityOption.decode(o);
    expect(r.ok && r.value).toEqual({
      type: 'MobileNodeLinkLocalAddressInterfaceIdentifier',
      interfaceIdentifier: iid,
    });
  });

  test('a Context Request entry running past the option is refused, not read', () => {
    const r = mobilityOption.decode(Buffer.from('28040000' + '1605', 'hex'));
    expect(r.ok).toBe(false);
  });
});
