#!/usr/bin/env bash
# Installs everything mipshop-lab needs on a fresh Debian 12 machine, as root: system packages and
# the npm dependencies (which build the native addon). With --docker also Docker's engine, started:
# the docker runtime and the tests need it, labs on network namespaces do not.
# Idempotent: a second run only checks. Node.js 20 or later with npm must be there already
# (Debian 12's own nodejs is 18).
set -euo pipefail
cd "$(dirname "$0")/.."

docker=0
for arg in "$@"; do
  case "$arg" in
    --docker) docker=1 ;;
    *) echo "usage: $0 [--docker]" >&2; exit 2 ;;
  esac
done

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] || ! command -v npm >/dev/null; then
  echo "mipshop-lab needs Node.js 20 or later with npm; found node $(node --version 2>/dev/null || echo none)" >&2
  exit 1
fi

packages=(
  iproute2 iputils-ping procps psmisc kmod util-linux   # namespaces, veth, ping, process tools
  tcpdump tshark                                        # capture; tshark is the wire-format oracle
  nftables iperf3 ethtool                               # kernel filter rules, TCP workload
  python3 make g++                                      # node-gyp builds the native addon
  chromium                                              # the report test opens report.html headless
  kea-dhcp6-server bind9 bind9-dnsutils                 # service nodes (docs/mih.md): kea-dhcp6, named, dig
  user-mode-linux                                       # the kernel tier (docs/kernel-tier.md): a second kernel
  freeradius                                            # RADIUS service node (docs/security.md, AAA-keyed FMIPv6)
  openssl                                               # the run's MIH TLS CA and certificates (docs/mih.md)
)
if [ "$docker" = 1 ]; then packages+=(docker.io debootstrap); fi  # Docker runtime; offline base image
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# node-gyp builds the addon against the installed Node's headers (no download of headers offline).
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || [ ! -f build/Release/mipshop_native.node ] || [ ! -x build/Release/mipshop-timeline ]; then
  npm ci --no-audit --no-fund
fi

if [ "$docker" = 1 ] && [ -x scripts/start-dockerd.sh ]; then scripts/start-dockerd.sh; fi
