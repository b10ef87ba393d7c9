// Codec throughput: decodes and encodes per second for BU, BA, FBU, PBU and an RA with 4 options.
// Target on the 2-core CI machine: >= 1M BU decodes/s and >= 1M BU encodes/s.
// "encode" allocates a fresh Buffer per message (the default call); "encode into" reuses one.

import * as icmpv6 from '../wire/icmpv6/header.js';
import type { Icmpv6Message } from '../wire/icmpv6/header.js';
import { bindingAcknowledgement, bindingUpdate } from '../wire/mh/binding.js';
import * as mh from '../wire/mh/header.js';
import type { MobilityMessage } from '../wire/mh/header.js';
import { proxyBindingUpdate } from '../wire/mh/pmipv6.js';
import { naiIdentifier } from '../wire/mh/options/types.js';

interface Subject {
  name: string;
  encode: (buf?: Buffer) => Buffer;
  decode: (buf: Buffer) => boolean;
}

function mhSubject(name: string, m: MobilityMessage): Subject {
  return { name, encode: (buf) => mh.encode(m, buf, 0), decode: (b) => mh.decode(b).ok };
}

function icmpSubject(name: string, m: Icmpv6Message): Subject {
  return { name, encode: (buf) => icmpv6.encode(m, buf, 0), decode: (b) => icmpv6.decode(b).ok };
}

export const SUBJECTS: Subject[] = [
  mhSubject(
    'BU',
    bindingUpdate({ sequenceNumber: 1000, acknowledge: true, homeRegistration: true, lifetime: 100, options: [] }),
  ),
  mhSubject(
    'BA',
    bindingAcknowledgement({
      status: 0,
      sequenceNumber: 1000,
      lifetime: 100,
      options: [{ type: 'BindingRefreshAdvice', refreshInterval: 90 }],
    }),
  ),
  mhSubject('FBU', {
    type: 'FastBindingUpdate',
    sequenceNumber: 77,
    acknowledge: true,
    homeRegistration: true,
    linkLocalCompatibility: false,
    keyManagementCompatibility: false,
    lifetime: 10,
    options: [
      { type: 'MobilityHeaderIpv6AddressPrefix', optionCode: 2, prefixLength: 128, address: '2001:db8:3::100' },
      { type: 'MobilityHeaderLinkLayerAddress', optionCode: 2, linkLayerAddress: Buffer.from('020000aabbcc', 'hex') },
    ],
  }),
  mhSubject(
    'PBU',
    proxyBindingUpdate({
      sequenceNumber: 42,
      lifetime: 900,
      options: [
        naiIdentifier('mn@lma.example'),
        { type: 'HomeNetworkPrefix', prefixLength: 64, prefix: '2001:db8:100:1::' },
        { type: 'HandoffIndicator', handoffIndicator: 1 },
        { type: 'AccessTechnologyType', accessTechnologyType: 4 },
        { type: 'Timestamp', timestamp: 0x00006553f1008000n },
      ],
    }),
  ),
  icmpSubject('RA+4opt', {
    type: 'RouterAdvertisement',
    curHopLimit: 64,
    managedAddressConfiguration: false,
    otherConfiguration: false,
    homeAgent: true,
    routerPreference: 0,
    proxy: false,
    routerLifetime: 1800,
    reachableTime: 0,
    retransTimer: 0,
    options: [
      { type: 'Map', distance: 1, preference: 10, rcoa: true, validLifetime: 3600, globalAddress: '2001:db8:5::1' },
      { type: 'HomeAgentInformation', homeAgentPreference: 10, homeAgentLifetime: 1800 },
      { type: 'AdvertisementInterval', advertisementInterval: 1000 },
      {
        type: 'PrefixInformation',
        prefixLength: 64,
        onLink: true,
        autonomous: true,
        routerAddress: true,
        validLifetime: 86400,
        preferredLifetime: 14400,
        prefix: '2001:db8:1::1',
      },
    ],
  }),
];

/** Operations per second of `op`, measured over about `ms` milliseconds after a warm-up. */
export function rate(op: () => unknown, ms = 400): number {
  for (let i = 0; i < 20_000; i++) op();
  let n = 0;
  const batch = 10_000;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < batch; i++) op();
    n += batch;
    t = performance.now();
  }
  return (n / (t - t0)) * 1000;
}

const fmt = (r: number): string => `${(r / 1e6).toFixed(2)} M/s`;

export interface WireFigures {
  name: string;
  decode: number;
  encode: number;
  encodeInto: number;
}

export function measure(ms = 400): WireFigures[] {
  return SUBJECTS.map((s) => {
    const bytes = s.encode();
    const into = Buffer.alloc(bytes.length);
    if (!s.decode(bytes)) throw new Error(`bench subject ${s.name} does not decode`);
    return {
      name: s.name,
      decode: rate(() => s.decode(bytes), ms),
      encode: rate(() => s.encode(), ms),
      encodeInto: rate(() => s.encode(into), ms),
    };
  });
}

export async function run(): Promise<void> {
  for (const f of measure()) {
    console.log(`wire  ${f.name.padEnd(8)} decode  ${fmt(f.decode)}`);
    console.log(`wire  ${f.name.padEnd(8)} encode  ${fmt(f.encode)}   (into a reused buffer ${fmt(f.encodeInto)})`);
  }
}

// Run directly: node dist/bench/wire.js
if (import.meta.url === `file://${process.argv[1]}`) void run();
