import { describe, expect, it } from 'vitest';
import { keaConfig, mosOptionData } from './kea.js';
import { namedConf, zoneFile } from './named.js';
import { quote } from './index.js';
import { freeradiusConfig } from './radius.js';

const dhcp = {
  interfaces: [{ name: 'ap1', prefix: '2001:db8:1::/64' }],
  mosAddresses: { es: ['2001:db8:2::5'], is: ['2001:db8:2::5', '2001:db8:2::6'], cs: [] },
  dnsServers: [],
  mosDomains: { es: ['mih.example'] },
};

describe('Kea configuration', () => {
  it('option 54/55 data: sub-options in IS, CS, ES order, 2-octet code and length (RFC 5678 §4, §5)', () => {
    const d = mosOptionData(dhcp);
    expect(d.addresses).toBe(
      '00010020' +
        '20010db8000200000000000000000005' +
        '20010db8000200000000000000000006' +
        '00020000' +
        '00030010' +
        '20010db8000200000000000000000005',
    );
    expect(d.domains).toBe(`0003000d036d696807${Buffer.from('example').toString('hex')}00`);
  });

  it('serves statelessly on the given interfaces, logs packets, keeps nothing', () => {
    const c = keaConfig(dhcp, '/run/x') as { Dhcp6: Record<string, unknown> };
    expect(c.Dhcp6['interfaces-config']).toEqual({ interfaces: ['ap1'] });
    expect(c.Dhcp6.subnet6).toEqual([{ id: 1, subnet: '2001:db8:1::/64', interface: 'ap1' }]);
    expect(c.Dhcp6['lease-database']).toEqual({ type: 'memfile', persist: false });
    expect((c.Dhcp6['option-data'] as { code: number }[]).map((o) => o.code)).toEqual([54, 55]);
    const none = keaConfig({ ...dhcp, mosAddresses: {}, mosDomains: {} }, '/x') as { Dhcp6: Record<string, unknown> };
    expect(none.Dhcp6['option-data']).toEqual([]);
  });
});

describe('BIND configuration', () => {
  const zone = {
    name: 'mih.example',
    hosts: [
      { label: 'ns', address: '2001:db8:3::1' },
      { label: 'mos1', address: '2001:db8:2::5' },
    ],
    mos: [{ host: 'mos1', services: ['MIHES' as const], transports: ['tcp' as const, 'udp' as const], port: 4551 }],
  };
  it('NAPTR "s" with an empty regexp and the SRV owner as replacement (RFC 5679 §2.2); TCP first', () => {
    const text = zoneFile(zone);
    expect(text).toContain('ns AAAA 2001:db8:3::1\n');
    expect(text).toContain('mos1 AAAA 2001:db8:2::5\n');
    expect(text).toContain('@ NAPTR 10 50 "s" "MIHES+M2T" "" _MIHES._tcp.mih.example.\n');
    expect(text).toContain('@ NAPTR 20 50 "s" "MIHES+M2U" "" _MIHES._udp.mih.example.\n');
    expect(text).toContain('_MIHES._tcp.mih.example. SRV 0 1 4551 mos1.mih.example.\n');
    expect(text).toContain('_MIHES._udp.mih.example. SRV 0 1 4551 mos1.mih.example.\n');
  });
  it('named.conf: authoritative, no recursion, query log, one zone statement per zone', () => {
    const c = namedConf([zone], '/run/w', (z) => `/out/${z}.zone`);
    expect(c).toContain('recursion no;');
    expect(c).toContain('querylog yes;');
    expect(c).toContain('zone "mih.example" { type primary; file "/out/mih.example.zone"; };');
  });
});

describe('quote', () => {
  it("keeps the daemon's last error lines", () => {
    const log = 'a INFO x\nb ERROR one\nc INFO y\nd FATAL two\n';
    expect(quote(log, /\b(?:ERROR|FATAL)\b/)).toBe('\n  b ERROR one\n  d FATAL two');
    expect(quote('fine\n', /ERROR/)).toBe('');
  });
});

describe('FreeRADIUS configuration', () => {
  const files = freeradiusConfig(
    {
      address: 'fd00::6:2',
      clients: [{ node: 'ar1', address: 'fd00::3:2', secret: 'ab"c' }],
      users: [{ node: 'mn', nai: 'mn@lab', password: 'pw' }],
    },
    '/out/conf',
    '/run/x',
  );
  it("its own directories, the lab's clients and users, CHAP, the handover key in MS-MPPE-Recv-Key", () => {
    const c = files['radiusd.conf']!;
    expect(c).toContain('raddbdir = /out/conf');
    expect(c).toContain('pidfile = /run/x/freeradius.pid');
    expect(c).toContain('client ar1 {\n  ipv6addr = fd00::3:2\n  secret = "ab\\"c"');
    expect(c).toContain('ipv6addr = fd00::6:2');
    expect(c).toContain('&MS-MPPE-Recv-Key := "0x%{hmacsha1:&CHAP-Challenge &control:Cleartext-Password}"');
    expect(c).not.toContain('/etc/freeradius');
    expect(files.users).toBe('"mn@lab" Cleartext-Password := "pw"\n');
    expect(files.dictionary).toContain('/usr/share/freeradius/dictionary');
  });
});
