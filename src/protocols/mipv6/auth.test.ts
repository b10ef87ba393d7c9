import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/random.js';
import { ipv6ToBytes } from '../../wire/address.js';
import * as mh from '../../wire/mh/index.js';
import {
  checkReplay,
  locateAuthOption,
  ntpTimestampFromUnixMs,
  sealWithMnHa,
  unixMsFromNtpTimestamp,
  verifyMnHa,
} from './auth.js';
import { buInput, COA_AR1, EPOCH, HA, HOA1, MN1, MN2 } from './testing/fixtures.js';

describe('MN-HA authentication option (RFC 4285 §5)', () => {
  it('is the last option, aligned 4n+1, with a 96-bit authenticator after the SPI (RFC 4285 §5)', () => {
    const { bytes } = buInput({ sequenceNumber: 1, lifetimeS: 60, at: 0 });
    const loc = locateAuthOption(bytes)!;
    expect(loc).not.toBeNull();
    expect(loc.offset % 4).toBe(1);
    expect(bytes[loc.offset]).toBe(9);
    expect(bytes[loc.offset + 1]).toBe(17);
    expect(loc.subtype).toBe(1);
    expect(loc.spi).toBe(MN1.spi);
    expect(loc.authenticationData).toHaveLength(12);
    // only padding after it
    for (let i = loc.offset + 19; i < bytes.length; i++) expect([0, 1, 2]).toContain(bytes[i]);
  });

  it('authenticator = First(96, HMAC_SHA1(key, CoA | HoA | MH up to the SPI, checksum zero)) (RFC 4285 §5.2)', () => {
    const { bytes } = buInput({ sequenceNumber: 7, lifetimeS: 60, at: 0 });
    const loc = locateAuthOption(bytes)!;
    const data = Buffer.from(bytes.subarray(0, loc.offset + 7));
    data.writeUInt16BE(0, 4);
    const mac = createHmac('sha1', MN1.key)
      .update(Buffer.concat([ipv6ToBytes(COA_AR1), ipv6ToBytes(HOA1), data]))
      .digest()
      .subarray(0, 12);
    expect(loc.authenticationData.equals(mac)).toBe(true);
    expect(verifyMnHa(MN1, COA_AR1, HOA1, bytes)).toEqual({ ok: true, spi: MN1.spi });
  });

  it('the MH checksum is valid over the pseudo-header with the home address as source (RFC 6275 §6.1.7)', () => {
    const { bytes } = buInput({ sequenceNumber: 7, lifetimeS: 60, at: 0 });
    expect(mh.decode(bytes, 0, { verify: { src: HOA1, dst: HA } }).ok).toBe(true);
  });

  it('fails with another key, another SPI, another CoA or HoA', () => {
    const { bytes } = buInput({ sequenceNumber: 7, lifetimeS: 60, at: 0 });
    expect(verifyMnHa({ ...MN1, key: MN2.key }, COA_AR1, HOA1, bytes)).toEqual({
      ok: false,
      reason: 'bad-authenticator',
    });
    expect(verifyMnHa({ ...MN1, spi: 999 }, COA_AR1, HOA1, bytes)).toEqual({ ok: false, reason: 'wrong-spi' });
    expect(verifyMnHa(MN1, '2001:db8:a9::1', HOA1, bytes).ok).toBe(false);
    expect(verifyMnHa(MN1, COA_AR1, '2001:db8:1::101', bytes).ok).toBe(false);
  });

  it('every covered byte matters; the checksum bytes do not', () => {
    const { bytes } = buInput({ sequenceNumber: 7, lifetimeS: 60, at: 0 });
    const loc = locateAuthOption(bytes)!;
    for (let i = 0; i < bytes.length; i++) {
      const b = Buffer.from(bytes);
      b[i] = b[i]! ^ 0x01;
      const r = verifyMnHa(MN1, COA_AR1, HOA1, b);
      if (i === 4 || i === 5) expect(r.ok, `checksum byte ${i}`).toBe(true);
      else if (i < loc.offset + 7 || (i >= loc.offset + 7 && i < loc.offset + 19))
        expect(r.ok, `byte ${i}`).toBe(false);
    }
  });

  it('rejects a message whose authentication option is not the last option', () => {
    const bu = mh.bindingUpdate({ sequenceNumber: 1, lifetime: 10, homeRegistration: true, acknowledge: true });
    const sealed = sealWithMnHa(bu, MN1, COA_AR1, HOA1, { src: HOA1, dst: HA });
    const moved = {
      ...sealed.message,
      options: [...sealed.message.options, { type: 'BindingRefreshAdvice' as const, refreshInterval: 1 }],
    };
    expect(verifyMnHa(MN1, COA_AR1, HOA1, mh.encode(moved)).ok).toBe(false);
    expect(verifyMnHa(MN1, COA_AR1, HOA1, mh.encode(bu))).toEqual({ ok: false, reason: 'no-auth-option' });
  });

  it('never throws on arbitrary bytes', () => {
    const rnd = seededRandom(1);
    for (let n = 0; n < 2000; n++) {
      const b = rnd.bytes(rnd.int(64));
      if (b.length > 2) b[2] = 5;
      expect(() => verifyMnHa(MN1, COA_AR1, HOA1, b)).not.toThrow();
    }
  });
});

describe('replay protection timestamps (RFC 4285 §6)', () => {
  it('round-trips NTP-format timestamps to the millisecond', () => {
    for (const ms of [0, EPOCH, EPOCH + 999, EPOCH + 123_456.5]) {
      expect(Math.abs(unixMsFromNtpTimestamp(ntpTimestampFromUnixMs(ms)) - ms)).toBeLessThan(0.001);
    }
    expect(ntpTimestampFromUnixMs(0) >> 32n).toBe(2_208_988_800n);
  });

  it('accepts within the window, refuses outside it, and refuses a timestamp not newer than the last', () => {
    const ts = ntpTimestampFromUnixMs(EPOCH);
    expect(checkReplay(ts, EPOCH + 6_999, 7_000, undefined)).toBe('ok');
    expect(checkReplay(ts, EPOCH + 7_001, 7_000, undefined)).toBe('out-of-window');
    expect(checkReplay(ts, EPOCH - 7_001, 7_000, undefined)).toBe('out-of-window');
    expect(checkReplay(ts, EPOCH, 7_000, ts)).toBe('not-newer');
    expect(checkReplay(ts, EPOCH, 7_000, ts - 1n)).toBe('ok');
    expect(checkReplay(undefined, EPOCH, 7_000, undefined)).toBe('missing');
  });
});
