import { describe, expect, it } from 'vitest';
import { addLink, addNode, emptyLab } from '../net/fixtures.js';
import { findLink, parseImpairmentArgs } from './live.js';

describe('parseImpairmentArgs', () => {
  it('the lab file quantities, each to its field', () => {
    expect(parseImpairmentArgs(['delay=20ms', 'jitter=5ms', 'loss=1%', 'duplicate=0.5%', 'rate=10mbit'])).toEqual({
      delayMs: 20,
      jitterMs: 5,
      lossPct: 1,
      duplicatePct: 0.5,
      rateBps: 10e6,
    });
    expect(parseImpairmentArgs(['rate=0'])).toEqual({ rateBps: 0 });
  });

  it('says what was expected', () => {
    expect(() => parseImpairmentArgs([])).toThrow(/expected at least one of delay=/);
    expect(() => parseImpairmentArgs(['delay=fast'])).toThrow('"delay=fast": expected e.g. delay=20ms');
    expect(() => parseImpairmentArgs(['speed=1'])).toThrow(/KEY one of delay, jitter, loss, duplicate, rate/);
    expect(() => parseImpairmentArgs(['loss=150%'])).toThrow(/expected e.g. loss=1%/);
  });
});

describe('findLink', () => {
  const lab = emptyLab('x');
  addNode(lab, 'cn');
  addNode(lab, 'cr');
  addLink(lab, 'cn', 'cr', '2001:db8:0:1');
  const id = lab.links[0]!.id;

  it('by id, by its ends in either order, by one end', () => {
    expect(findLink(lab, id)).toMatchObject({ swapped: false });
    expect(findLink(lab, 'cn-cr')).toMatchObject({ swapped: false });
    expect(findLink(lab, 'cr-cn')).toMatchObject({ swapped: true });
    expect(findLink(lab, 'cn:eth1')).toMatchObject({ swapped: false });
    expect(findLink(lab, 'cr:eth1')).toMatchObject({ swapped: true });
  });

  it('an unknown link lists the links', () => {
    expect(() => findLink(lab, 'cn-ha')).toThrow(`lab x has no link cn-ha: expected one of ${id} (cn-cr)`);
  });
});
