// carrier-probe.ts over a directory standing in for /sys/class/net: each call reads the file anew
// from its start, '0' is no carrier, anything else (or no file) is not a reason to hold.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCarrierProbe } from './carrier-probe.js';

describe('openCarrierProbe', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const sys = (carrier?: string) => {
    const d = mkdtempSync(path.join(tmpdir(), 'carrier-'));
    dirs.push(d);
    mkdirSync(path.join(d, 'wlan0'));
    if (carrier !== undefined) writeFileSync(path.join(d, 'wlan0', 'carrier'), carrier);
    return d;
  };

  it('follows the file: 1 up, 0 down, up again, one open descriptor', () => {
    const d = sys('1\n');
    const p = openCarrierProbe('wlan0', d);
    expect(p.carrier()).toBe(true);
    writeFileSync(path.join(d, 'wlan0', 'carrier'), '0\n');
    expect(p.carrier()).toBe(false);
    writeFileSync(path.join(d, 'wlan0', 'carrier'), '1\n');
    expect(p.carrier()).toBe(true);
    expect(p.errors).toBe(0);
    p.close();
    expect(p.carrier()).toBe(true); // closed: unknown, never a reason to hold
  });

  it('no such interface: unknown, counted once, treated as up', () => {
    const p = openCarrierProbe('wlan0', sys());
    expect(p.carrier()).toBe(true);
    expect(p.errors).toBe(1);
    p.close();
  });
});
