// The send and receive times of flow packets (src/wire/flow.ts) and of the lab's layer-2 actions:
// CLOCK_REALTIME, the clock pcap timestamps use, so captures in different namespaces compare with them.
//
// Node derives performance.timeOrigin from one reading each of the realtime and the monotonic clock at
// start-up; a process descheduled between the two readings is off by that much for its whole life
// (seen: 13 ms on a loaded 2-core machine). So the offset between the two clocks is measured here, at
// edges of Date.now()'s millisecond: a reading taken late can only make the offset smaller, so the
// largest of a few samples is the closest.

const SAMPLES = 5;
let offsetNs: bigint | undefined;

function measureOffsetNs(): bigint {
  let best: bigint | undefined;
  for (let i = 0; i < SAMPLES; i++) {
    const start = Date.now();
    let now = start;
    while (now === start) now = Date.now();
    const offset = BigInt(now) * 1_000_000n - process.hrtime.bigint();
    if (best === undefined || offset > best) best = offset;
  }
  return best as bigint;
}

/** CLOCK_REALTIME in ns, with the monotonic clock's resolution (Date.now() has only milliseconds). */
export function realtimeNs(): bigint {
  offsetNs ??= measureOffsetNs();
  return process.hrtime.bigint() + offsetNs;
}
