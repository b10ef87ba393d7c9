// FreeRADIUS configuration from a node's `radius-server` service, in a directory of its own per lab
// (never /etc/freeradius): one virtual server that authenticates CHAP (RFC 2865 §5.3, RFC 1994) for the
// mobile nodes' NAIs, the access routers as clients with their secrets, and in post-auth the FMIPv6
// handover key in MS-MPPE-Recv-Key, which FreeRADIUS encrypts with the client's secret and the
// request authenticator (RFC 2548 §2.4.3). The key hierarchy: docs/security.md "AAA-keyed FMIPv6".
import type { RadiusServerService } from '../topology/types.js';

/** Files to write into the configuration directory (name -> content). */
export function freeradiusConfig(
  s: RadiusServerService,
  confDir: string,
  runDir: string,
  port = 1812,
): Record<string, string> {
  const q = (v: string) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  const radiusd = [
    'prefix = /usr',
    'exec_prefix = /usr',
    `sysconfdir = ${confDir}`,
    `localstatedir = ${runDir}`,
    'sbindir = /usr/sbin',
    `logdir = ${runDir}`,
    `raddbdir = ${confDir}`,
    `radacctdir = ${runDir}`,
    'name = freeradius',
    `confdir = ${confDir}`,
    `modconfdir = ${confDir}`,
    `run_dir = ${runDir}`,
    `db_dir = ${runDir}`,
    'libdir = /usr/lib/freeradius',
    `pidfile = ${runDir}/freeradius.pid`,
    'max_request_time = 10',
    'cleanup_delay = 2',
    'max_requests = 1024',
    'hostname_lookups = no',
    'log {',
    '  destination = stdout',
    '  colourise = no',
    '  auth = yes',
    '}',
    'security {',
    '  allow_core_dumps = no',
    '  max_attributes = 200',
    '  reject_delay = 0',
    '  status_server = no',
    '}',
    // Labs share few cores: one worker thread is plenty for a handful of access routers.
    'thread pool {',
    '  start_servers = 1',
    '  max_servers = 2',
    '  min_spare_servers = 1',
    '  max_spare_servers = 2',
    '  max_requests_per_server = 0',
    '}',
    ...s.clients.flatMap((c) => [
      `client ${c.node} {`,
      `  ipv6addr = ${c.address}`,
      `  secret = ${q(c.secret)}`,
      '  nas_type = other',
      '}',
    ]),
    'modules {',
    `  files {\n    filename = ${confDir}/users\n  }`,
    '  chap {\n  }',
    // rlm_expr: the %{hmacsha1:...} expansion below.
    '  expr {\n  }',
    '}',
    'server default {',
    `  listen {\n    type = auth\n    ipv6addr = ${s.address}\n    port = ${port}\n  }`,
    '  authorize {\n    files\n    chap\n  }',
    '  authenticate {\n    Auth-Type CHAP {\n      chap\n    }\n  }',
    // HK = HMAC-SHA1(password, CHAP-Challenge): the access router's fresh challenge makes it fresh per
    // attach; the mobile node computes the same from what it holds (docs/security.md).
    '  post-auth {',
    '    update reply {',
    '      &MS-MPPE-Recv-Key := "0x%{hmacsha1:&CHAP-Challenge &control:Cleartext-Password}"',
    '    }',
    '  }',
    '}',
  ];
  const users = s.users.map((u) => `${q(u.nai)} Cleartext-Password := ${q(u.password)}`);
  return {
    'radiusd.conf': `${radiusd.join('\n')}\n`,
    users: `${users.join('\n')}\n`,
    dictionary: '$INCLUDE /usr/share/freeradius/dictionary\n',
  };
}

/** FreeRADIUS's last start-up line. */
export const FREERADIUS_READY = /^Ready to process requests/m;
export const FREERADIUS_ERROR = /error|failed|unknown|invalid|expected|exiting/i;
