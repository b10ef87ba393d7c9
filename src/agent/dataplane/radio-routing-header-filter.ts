// A mobile node that uses a MAP changes its LCoA on every move inside the domain, and the MAP's BA to
// the new LCoA (type 2 routing header, RFC 5380 §6.2) can come back within ~10 ms: sooner than an
// `nft` process can add the new LCoA to the per-address set of mobility-header-io.ts. Without the
// kernel's MIP6 code every RH2 packet would draw a Parameter Problem, so on the mobile node's radio
// all of them are dropped in prerouting, whatever their destination. AF_PACKET still reads them
// first (it sees frames before netfilter), which is where the agent takes them from.
import { type KernelCommandError, run, runSync } from './kernel.js';
import { type FilterUnavailable, nftFamilyUnsupported } from './mobility-header-io.js';

export function radioRoutingHeaderRuleset(table: string, iface: string): string {
  return `table ip6 ${table}
delete table ip6 ${table}
table ip6 ${table} {
  chain prerouting {
    type filter hook prerouting priority -300; policy accept;
    iifname "${iface}" rt type 2 counter drop comment "type 2 routing header: read from AF_PACKET (RFC 6275 6.4)"
  }
}
`;
}

export async function installRadioRoutingHeaderFilter(o: {
  netns?: string;
  table: string;
  iface: string;
  /** No nftables ip6 family in this kernel (mobility-header-io.ts, installMobilityFilters): log it. */
  onUnavailable: FilterUnavailable;
}): Promise<{ close(): void }> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.table) || !/^[A-Za-z0-9_.-]{1,15}$/.test(o.iface))
    throw new Error(`nft table ${JSON.stringify(o.table)} / interface ${JSON.stringify(o.iface)}: bad name`);
  try {
    await run(o.netns, 'nft', ['-f', '-'], radioRoutingHeaderRuleset(o.table, o.iface));
  } catch (err) {
    if (!nftFamilyUnsupported(err)) throw err;
    o.onUnavailable((err as KernelCommandError).stderr.trim().split('\n')[0] ?? 'nft ip6 unsupported');
    return { close: () => undefined };
  }
  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      try {
        runSync(o.netns, 'nft', ['delete', 'table', 'ip6', o.table]);
      } catch {
        // the namespace is gone already
      }
    },
  };
}
