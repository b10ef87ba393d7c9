// The lab YAML as written: a zod schema, strict everywhere so a mistyped key is an error, with
// quantities parsed from text ("20ms", "10mbit", "1%"). resolve.ts turns its output into a ResolvedLab.
import { z } from 'zod';
import { FLOW_HEADER_LENGTH, FLOW_MAX_SIZE } from '../../wire/flow.js';
import { LAB_NAME_RE, NODE_NAME_RE } from '../names.js';
import { L2_TRIGGERS } from '../../agent/l2-triggers.js';
import { NODE_ROLES } from '../../agent/config.js';
import { expectationSchema } from './expectations.js';
import { isAddressWithLength, isIPv6Address, isPrefix } from './ipv6.js';
import { profilesSchema } from './schema-profiles.js';
import { servicesSchema } from './schema-services.js';
import { bitRate, duration, packetRate, percent } from './schema-quantities.js';

export { bitRate, duration, packetRate, percent };

const nodeName = z.string().regex(NODE_NAME_RE, {
  error: 'expected a node name: a lowercase letter, then up to 13 lowercase letters or digits',
});
const apName = z.string().regex(NODE_NAME_RE, {
  error: 'expected an AP name: a lowercase letter, then up to 13 lowercase letters or digits',
});
const labName = z.string().regex(LAB_NAME_RE, {
  error: 'expected a lab name: lowercase letters, digits and dashes, at most 20 characters',
});
const address = z.string().refine(isIPv6Address, { error: 'expected an IPv6 address like "2001:db8::1"' });
const addressWithLength = z
  .string()
  .refine(isAddressWithLength, { error: 'expected an IPv6 address with prefix length like "2001:db8::1/64"' });
const prefix = z.string().refine((s) => isPrefix(s), {
  error: 'expected an IPv6 prefix with zero host bits like "2001:db8:0:1::/64"',
});
const prefix48 = z.string().refine((s) => isPrefix(s, 48), {
  error: 'expected an IPv6 /48 prefix like "fd00:1:2::/48"',
});

/** Impairment of one direction of a link; every key left out falls back to the link, then to defaults.link. */
const impairment = {
  delay: duration.optional(),
  jitter: duration.optional(),
  loss: percent.optional(),
  duplicate: percent.optional(),
  rate: bitRate.optional(),
};
export const directionSchema = z.strictObject(impairment);

const ENDPOINT_RE = /^[a-z][a-z0-9]{0,13}(?::[a-zA-Z][a-zA-Z0-9_-]{0,14})?$/;
const endpoint = z.string().regex(ENDPOINT_RE, {
  error: 'expected a link end "node" or "node:iface" (interface name at most 15 characters)',
});

export const linkSchema = z.strictObject({
  endpoints: z.tuple([endpoint, endpoint]).meta({ description: 'The two ends: "node" or "node:iface".' }),
  ...impairment,
  forward: directionSchema.optional().meta({ description: 'Overrides for frames endpoints[0] -> endpoints[1].' }),
  reverse: directionSchema.optional().meta({ description: 'Overrides for frames endpoints[1] -> endpoints[0].' }),
  prefix: prefix.optional(),
  addresses: z.record(nodeName, addressWithLength).optional(),
});

const raSchema = z.strictObject({
  enabled: z.boolean().optional(),
  minInterval: duration.optional(),
  maxInterval: duration.optional(),
  routerLifetime: duration.optional(),
});

export const apSchema = z.strictObject({
  router: nodeName,
  prefix: prefix.optional(),
  address: addressWithLength.optional().meta({ description: "The router's address on this cell." }),
  ra: raSchema.optional(),
  notifyLatency: duration.prefault('5ms').meta({
    description:
      "Delay from a station's (dis)association at this AP to its router's agent hearing of it (RFC 4260 §4: the AP reports stations to the AR). 0 allowed.",
  }),
  isolated: z.boolean().optional().meta({
    description:
      "Stations on this AP never see each other's frames, only the router's (bridge port isolation): each station has a point-to-point link to its router, as RFC 5213 §6.2 assumes. Default false.",
  }),
});

const routeSchema = z.strictObject({
  dst: z.union([z.literal('default'), prefix]),
  via: address.optional(),
  dev: z.string().optional(),
});

export const nodeSchema = z.strictObject({
  roles: z.array(z.enum(NODE_ROLES)).min(1).default(['host']),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  routes: z.array(routeSchema).default([]),
  autoRoutes: z.boolean().default(true),
  sysctls: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  agent: z.record(z.string(), z.unknown()).default({}),
  sourceValidation: z.boolean().optional().meta({
    description:
      'A router drops packets whose source address belongs to another link (BCP 38 / strict uRPF, nftables). Default defaults.sourceValidation, else true.',
  }),
  services: servicesSchema.optional(),
  radio: z
    .strictObject({
      ap: apName.nullable().optional().meta({ description: 'AP the radio starts on; none if left out.' }),
    })
    .optional(),
});

export const scenarioEventSchema = z
  .strictObject({
    at: duration,
    detach: nodeName.optional(),
    attach: z.strictObject({ node: nodeName, ap: apName }).optional(),
    trigger: z.strictObject({ node: nodeName, event: z.enum(L2_TRIGGERS), ap: apName.optional() }).optional(),
  })
  .superRefine((e, ctx) => {
    const n = [e.detach, e.attach, e.trigger].filter((x) => x !== undefined).length;
    if (n !== 1) ctx.addIssue({ code: 'custom', message: 'expected exactly one of detach, attach, trigger' });
  });

const flowCommon = {
  id: z.number().int().min(1).max(0xffff_ffff).optional(),
  from: nodeName,
  to: nodeName,
  toAddress: address.optional(),
  fromAddress: address
    .optional()
    .meta({ description: "Source address the sender binds; default a mobile node's home address." }),
  port: z.number().int().min(1).max(65535).optional(),
  start: duration.default(0),
  duration: duration.optional(),
};

export const udpFlowSchema = z.strictObject({
  kind: z.literal('udp'),
  ...flowCommon,
  rate: packetRate,
  size: z
    .number()
    .int()
    .min(FLOW_HEADER_LENGTH)
    .max(FLOW_MAX_SIZE)
    .default(100)
    .meta({ description: 'UDP payload bytes per packet.' }),
});

export const iperf3Schema = z.strictObject({
  kind: z.literal('iperf3'),
  ...flowCommon,
  rate: bitRate.default(0),
});

export const labSchema = z.strictObject({
  name: labName,
  prefix: prefix48.optional().meta({ description: 'Address plan prefix; default a ULA /48 derived from the name.' }),
  duration,
  defaults: z
    .strictObject({
      ra: raSchema.optional(),
      link: directionSchema.optional(),
      sourceValidation: z
        .boolean()
        .optional()
        .meta({ description: "Routers' source-address validation (nodes.<r>.sourceValidation); default true." }),
    })
    .default({}),
  nodes: z.record(nodeName, nodeSchema),
  links: z.array(linkSchema).default([]),
  aps: z.record(apName, apSchema).default({}),
  scenario: z.array(scenarioEventSchema).default([]),
  traffic: z.array(z.discriminatedUnion('kind', [udpFlowSchema, iperf3Schema])).default([]),
  capture: z
    .array(z.string().regex(ENDPOINT_RE, { error: 'expected a capture point "node" or "node:iface"' }))
    .optional()
    .meta({ description: 'Capture points; every interface of every node when left out.' }),
  expectations: z
    .array(expectationSchema)
    .default([])
    .meta({ description: 'What the run must show; judged from the captures (docs/topology.md, expectations).' }),
  profiles: profilesSchema,
});

/** The lab as written (input of the schema). */
export type LabInput = z.input<typeof labSchema>;
/** The lab after parsing: quantities converted (ms, bit/s, percent), defaults of the schema applied. */
export type LabSpec = z.output<typeof labSchema>;
export type LinkSpec = z.output<typeof linkSchema>;
export type NodeSpec = z.output<typeof nodeSchema>;
export type ApSpec = z.output<typeof apSchema>;
export type DirectionSpec = z.output<typeof directionSchema>;
