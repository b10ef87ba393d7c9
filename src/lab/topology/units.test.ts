import { describe, expect, it } from 'vitest';
import { formatDuration, parseBitRate, parseDuration, parsePacketRate, parsePercent } from './units.js';

describe('quantities', () => {
  it.each([
    ['20ms', 20],
    ['1.5s', 1500],
    ['250us', 0.25],
    ['2min', 120_000],
    ['0', 0],
    ['20', undefined],
    ['20 ms', undefined],
    ['-1s', undefined],
  ])('duration %s -> %s ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each([
    ['10mbit', 10_000_000],
    ['1.5kbit', 1500],
    ['1gbit', 1e9],
    ['0', 0],
    ['10mbps', undefined],
    ['10', undefined],
  ])('bit rate %s -> %s bit/s', (text, bps) => expect(parseBitRate(text)).toBe(bps));

  it('packet rates and percentages', () => {
    expect(parsePacketRate('200pps')).toBe(200);
    expect(parsePacketRate('200')).toBeUndefined();
    expect(parsePercent('1%')).toBe(1);
    expect(parsePercent('0.5%')).toBe(0.5);
    expect(parsePercent('101%')).toBeUndefined();
    expect(parsePercent('1')).toBeUndefined();
  });

  it('formats durations back for messages', () => {
    expect(formatDuration(3100)).toBe('3.1s');
    expect(formatDuration(3000)).toBe('3s');
    expect(formatDuration(20)).toBe('20ms');
  });
});
