import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadLabText } from './load.js';
import { labFileErrorOf } from './testing/lab-file-error.js';

const FILE = 'topologies/mih.yaml';
const TEXT = readFileSync(FILE, 'utf8');

const errorOf = (text: string) => labFileErrorOf(text, FILE);

describe('nodes.<n>.services', () => {
  it('resolves node names to addresses and interfaces to their prefix', () => {
    const lab = loadLabText(TEXT, FILE);
    const node = (n: string) => lab.nodes.find((x) => x.name === n)!;
    const mosAddr = node('mos').interfaces[0]!.addresses[0]!.split('/')[0]!;
    const dhcp = node('ar1').services?.['dhcpv6-server'];
    expect(dhcp?.mosAddresses).toEqual({ is: [mosAddr], es: [mosAddr], cs: [mosAddr] });
    expect(dhcp?.mosDomains).toEqual({ is: ['mih.example'], es: ['mih.example'], cs: ['mih.example'] });
    expect(dhcp?.interfaces).toEqual([{ name: 'ap1', prefix: lab.aps[0]!.prefix }]);
    const zone = node('dns').services?.['dns-server']?.zones[0];
    expect(zone?.name).toBe('mih.example');
    // "ns" defaults to the DNS node itself.
    expect(zone?.hosts).toEqual([
      { label: 'ns', address: node('dns').interfaces[0]!.addresses[0]!.split('/')[0] },
      { label: 'mos1', address: mosAddr },
    ]);
    expect(zone?.mos[0]).toEqual({
      host: 'mos1',
      services: ['MIHES', 'MIHCS', 'MIHIS'],
      transports: ['tcp', 'udp'],
      port: 4551,
    });
  });

  it('a mistyped service is refused at its line with the path', () => {
    const e = errorOf(TEXT.replace('      dns-server:', '      dns-serve:'));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ file: FILE, line: 22, path: 'nodes.dns.services.dns-serve' });
    expect(e.issues[0]!.message).toMatch(/unknown key "dns-serve"/);
  });

  it('an unknown node as MoS, a missing interface and an unknown host label are refused with their paths', () => {
    const e = errorOf(
      TEXT.replace('es: [mos], cs', 'es: [mosx], cs')
        .replace('interfaces: [ap1]', 'interfaces: [ap9]')
        .replace('- { host: mos1,', '- { host: mos2,'),
    );
    expect(e.issues.map((i) => [i.path, i.line])).toEqual([
      ['nodes.ar1.services.dhcpv6-server.interfaces[0]', 15],
      ['nodes.ar1.services.dhcpv6-server.mosAddresses.es[0]', 17],
      ['nodes.dns.services.dns-server.zones.mih.example.mos[0].host', 27],
    ]);
    expect(e.issues[1]!.message).toBe('expected a node (ar1, dns, mos, mn) or an IPv6 address, got "mosx"');
    expect(e.issues[0]!.message).toMatch(/expected an interface of ar1 with an address \(.*ap1.*\), got "ap9"/);
  });

  it('a wrong service tag is refused by the schema', () => {
    const e = errorOf(TEXT.replace('services: [MIHES,', 'services: [MIHXX,'));
    expect(e.issues[0]).toMatchObject({
      line: 27,
      path: 'nodes.dns.services.dns-server.zones.mih.example.mos[0].services[0]',
    });
  });
});
