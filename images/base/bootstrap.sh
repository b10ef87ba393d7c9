#!/bin/sh
# Builds the lab's base image without any image registry: debootstrap a minimal Debian from the
# apt mirror this machine already uses, then `docker import` the tree.
#
#   images/base/bootstrap.sh TAG [LABEL=VALUE ...]
#
# Environment (the image's content hash in src/lab/images/base.ts covers every one of these):
#   SUITE    Debian suite (default bookworm)
#   MIRROR   apt mirror URL (default: the first deb.debian.org-style URI in /etc/apt/sources.list.d
#            or /etc/apt/sources.list serving SUITE; else http://deb.debian.org/debian)
#   INCLUDE  comma-separated extra packages (default: the list below)
set -eu

TAG=${1:?usage: bootstrap.sh TAG [LABEL=VALUE ...]}
shift
SUITE=${SUITE:-bookworm}
# What every lab node needs: the agent's tools (iproute2, nftables), capture (tcpdump), traffic
# (iperf3), ps/kill (procps), ping, tini as PID 1 so orphaned processes are reaped, and busybox
# for small servers in tests (httpd, nc). libstdc++6 is named for the copied Node binary.
INCLUDE=${INCLUDE:-iproute2,tcpdump,nftables,iperf3,procps,iputils-ping,tini,busybox,libstdc++6}

find_mirror() {
  for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list; do
    [ -f "$f" ] || continue
    # deb822 "URIs: http://host/debian" or one-line "deb http://host/debian bookworm main".
    sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/\{0,1\}$/\1/p' \
           -e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\/debian\)\/\{0,1\}[[:space:]]\{1,\}'"$SUITE"'[[:space:]].*/\2/p' "$f"
  done | head -n 1
}
MIRROR=${MIRROR:-$(find_mirror)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

command -v debootstrap >/dev/null 2>&1 || { echo "bootstrap: debootstrap missing (apt-get install -y debootstrap)" >&2; exit 1; }

root=$(mktemp -d /var/tmp/mipshop-base.XXXXXX)
trap 'rm -rf "$root"' EXIT INT TERM

echo "bootstrap: debootstrap $SUITE from $MIRROR into $root"
debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$root" "$MIRROR"

# Smaller image, and no apt state that would differ between two builds of the same inputs.
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/* "$root"/tmp/*

# The import's arguments: a default command and one LABEL change per KEY=VALUE given.
for kv in "$@"; do
  set -- "$@" --change "LABEL $kv"
  shift
done

echo "bootstrap: docker import as $TAG"
tar -C "$root" --numeric-owner -c . | docker import --change 'CMD ["/bin/bash"]' "$@" - "$TAG"
