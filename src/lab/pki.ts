// A certificate authority for one lab run, made with Debian's openssl command: a self-signed P-256 CA
// and certificates it issues, each naming one MIHF ID (RFC 5677 §4.2: an FQDN or NAI) as its subject
// and subjectAltName, usable for TLS client and server authentication. `openssl ca` is used rather
// than `openssl x509 -req` because OpenSSL 3.0's x509 cannot set a start date, and the tests need a
// certificate whose whole validity lies in the past (docs/mih.md, "Security").
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertificateAuthority {
  dir: string;
  cert: string;
  key: string;
}

export interface IssuedCertificate {
  cert: string;
  key: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 20_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** openssl ca's date form, UTC: YYYYMMDDHHMMSSZ. */
function asn1Time(ms: number): string {
  return `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/** A new CA in `dir` (created); `name` goes into its subject. Valid from an hour ago for `days`. */
export async function createCertificateAuthority(dir: string, name: string, days = 2): Promise<CertificateAuthority> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca: CertificateAuthority = { dir, cert: path.join(dir, 'ca.pem'), key: path.join(dir, 'ca.key') };
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      ca.key,
      '-out',
      ca.cert,
      '-days',
      String(days),
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), '1000\n');
  return ca;
}

export interface IssueOptions {
  /** The MIHF ID: the certificate's CN and DNS subjectAltName. */
  name: string;
  /** Files written as `<file>.pem` and `<file>.key` in the CA's directory. */
  file: string;
  /** Validity, ms since the epoch; default from an hour ago to a day ahead. */
  notBefore?: number;
  notAfter?: number;
}

/** A P-256 key and a certificate for it signed by `ca`. */
export async function issueCertificate(ca: CertificateAuthority, o: IssueOptions): Promise<IssuedCertificate> {
  const now = Date.now();
  const out = { cert: path.join(ca.dir, `${o.file}.pem`), key: path.join(ca.dir, `${o.file}.key`) };
  const csr = path.join(ca.dir, `${o.file}.csr`);
  const cnf = path.join(ca.dir, `${o.file}.cnf`);
  writeFileSync(
    cnf,
    [
      '[ca]',
      'default_ca = lab',
      '[lab]',
      `database = ${path.join(ca.dir, 'index.txt')}`,
      `new_certs_dir = ${ca.dir}`,
      `serial = ${path.join(ca.dir, 'serial')}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '[ext]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature',
      'extendedKeyUsage = serverAuth,clientAuth',
      `subjectAltName = DNS:${o.name}`,
      '',
    ].join('\n'),
  );
  await openssl(
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      out.key,
      '-out',
      csr,
      '-subj',
      `/CN=${o.name}`,
    ],
    ca.dir,
  );
  await openssl(
    [
      'ca',
      '-batch',
      '-config',
      cnf,
      '-cert',
      ca.cert,
      '-keyfile',
      ca.key,
      '-in',
      csr,
      '-out',
      out.cert,
      '-notext',
      '-extensions',
      'ext',
      '-startdate',
      asn1Time(o.notBefore ?? now - 3_600_000),
      '-enddate',
      asn1Time(o.notAfter ?? now + 86_400_000),
    ],
    ca.dir,
  );
  // The request and its config served once; openssl ca's own copy (<serial>.pem) and database stay.
  rmSync(csr, { force: true });
  rmSync(cnf, { force: true });
  return out;
}
