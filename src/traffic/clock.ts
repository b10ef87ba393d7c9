// The send and receive times of flow packets (src/wire/flow.ts): CLOCK_REALTIME, the clock pcap
// timestamps use, so captures in different namespaces compare with them.

/** CLOCK_REALTIME in ns. performance.timeOrigin + now() keeps sub-microsecond resolution, unlike Date.now(). */
export function realtimeNs(): bigint {
  const ms = performance.timeOrigin + performance.now();
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}
