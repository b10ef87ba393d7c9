// Random and mutated Mobility Headers into the correspondent and the mobile node's route optimisation:
// whatever decodes is fed; neither machine may throw, the correspondent's binding never changes and
// the mobile node's route-optimised path never moves.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/random.js';
import * as mh from '../../wire/mh/index.js';
import type { SendMobilityHeader } from '../core/index.js';
import { Correspondent } from './correspondent.js';
import { RouteOptimisation, type RouteOptimisationAction } from './route-optimisation.js';

const CN = '2001:db8:9::9';
const HOA = '2001:db8:1::100';
const COA = '2001:db8:a1::200';
const OTHER = '2001:db8:66::6';

function counterRandom(): (n: number) => Buffer {
  let i = 0;
  return (n) => Buffer.alloc(n, ++i & 0xff);
}

/** A correspondent and a mobile node bound to it through the real codec. */
function bound() {
  const cn = new Correspondent({ address: CN, randomBytes: counterRandom() });
  const mn = new RouteOptimisation({ homeAddress: HOA, correspondents: [CN], randomBytes: counterRandom() });
  let out: RouteOptimisationAction[] = mn.handle(0, { kind: 'home-registered', careOfAddress: COA });
  const all: RouteOptimisationAction[] = [...out];
  const deliver = (a: SendMobilityHeader) => {
    const d = mh.decode(a.bytes);
    if (!d.ok) throw new Error('our own message does not decode');
    return {
      kind: 'mh' as const,
      src: a.src,
      dst: a.dst,
      homeAddressOption: a.homeAddressOption,
      message: d.value,
      bytes: a.bytes,
    };
  };
  for (let i = 0; i < 4; i++) {
    const toCn = out.filter((a): a is SendMobilityHeader => a.kind === 'send-mh');
    const back = toCn
      .flatMap((a) => cn.handle(0, deliver(a)))
      .filter((a): a is SendMobilityHeader => a.kind === 'send-mh');
    out = back.flatMap((a) => mn.handle(0, deliver(a)));
    all.push(...out);
  }
  expect(all).toContainEqual({ kind: 'route-optimise', correspondent: CN, careOfAddress: COA });
  expect(cn.cache.size).toBe(1);
  return {
    cn,
    mn,
    bu: all.find((a): a is SendMobilityHeader => a.kind === 'send-mh' && a.message.type === 'BindingUpdate')!,
  };
}

describe('route optimisation under malformed input (robustness)', () => {
  it('10,000 random byte strings: nothing throws, the binding and the route-optimised path stay', () => {
    const { cn, mn } = bound();
    const cache = cn.cache.entries();
    const rnd = seededRandom(7);
    let decoded = 0;
    for (let i = 0; i < 10_000; i++) {
      const len = 8 * (1 + rnd.int(8));
      const bytes = rnd.bytes(len);
      bytes[1] = len / 8 - 1;
      bytes[2] = [0, 1, 2, 3, 4, 5, 6, 7][i % 8]!;
      const d = mh.decode(bytes);
      if (!d.ok) continue;
      decoded++;
      const input = {
        kind: 'mh' as const,
        src: i % 2 ? CN : OTHER,
        dst: COA,
        homeAddressOption: i % 3 ? HOA : undefined,
        message: d.value,
        bytes,
      };
      expect(() => cn.handle(1000 + i, input)).not.toThrow();
      let acts: RouteOptimisationAction[] = [];
      expect(() => {
        acts = mn.handle(1000 + i, input);
      }).not.toThrow();
      expect(acts.filter((a) => a.kind === 'route-optimise' || a.kind === 'route-optimise-off')).toEqual([]);
    }
    expect(decoded).toBeGreaterThan(500);
    expect(cn.cache.entries()).toEqual(cache);
    expect(cn.counters['bu-accepted']).toBe(1);
  });

  it('every single-byte corruption of a real BU is refused (the checksum field aside, which the agent checks)', () => {
    const { cn, bu } = bound();
    for (let i = 0; i < bu.bytes.length; i++) {
      if (i === 4 || i === 5) continue;
      for (const flip of [0x01, 0x80]) {
        const bytes = Buffer.from(bu.bytes);
        bytes[i]! ^= flip;
        const d = mh.decode(bytes);
        if (!d.ok) continue;
        cn.handle(10_000, { kind: 'mh', src: COA, dst: CN, homeAddressOption: HOA, message: d.value, bytes });
      }
    }
    // Refused each time: only the original acceptance is counted, and the binding is the original one.
    expect(cn.counters['bu-accepted']).toBe(1);
    expect(cn.cache.get(HOA)).toMatchObject({ careOfAddress: COA });
  });
});
