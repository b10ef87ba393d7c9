// MIH over TLS (docs/mih.md, "Security"; RFC 5677 defines no security mechanism): for each run
// that has MIH nodes (roles mos, mihf) the lab makes a CA and one certificate per such node naming its
// MIHF ID, in OUT/tls/, and an empty key log there that the nodes append their TLS secrets to
// (SSLKEYLOGFILE format), so tshark can decrypt the run's capture afterwards.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type AgentMihTls, mihfIdOf } from '../agent/config.js';
import { createCertificateAuthority, issueCertificate } from './pki.js';
import type { ResolvedLab } from './topology/types.js';

export const MIH_TLS_DIR = 'tls';
export const MIH_KEY_LOG = 'keylog.txt';

export function mihNodes(lab: Pick<ResolvedLab, 'nodes'>): string[] {
  return lab.nodes.filter((n) => n.roles.includes('mos') || n.roles.includes('mihf')).map((n) => n.name);
}

/** The TLS files of each MIH node of the lab, made now in `outDir`/tls; empty when the lab has no MIH node. */
export async function mihTlsMaterial(
  lab: Pick<ResolvedLab, 'name' | 'nodes'>,
  outDir: string,
): Promise<Map<string, AgentMihTls>> {
  const out = new Map<string, AgentMihTls>();
  const nodes = mihNodes(lab);
  if (nodes.length === 0) return out;
  const dir = path.join(outDir, MIH_TLS_DIR);
  const ca = await createCertificateAuthority(dir, `mipshop-lab ${lab.name} MIH CA`);
  const keyLog = path.join(dir, MIH_KEY_LOG);
  writeFileSync(keyLog, '', { mode: 0o600 });
  for (const node of nodes) {
    const c = await issueCertificate(ca, { name: mihfIdOf({ node, lab: lab.name }), file: node });
    chmodSync(c.key, 0o600);
    out.set(node, { ca: ca.cert, cert: c.cert, key: c.key, keyLog });
  }
  return out;
}
