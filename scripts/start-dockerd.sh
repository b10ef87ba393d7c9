#!/bin/sh
# Starts Docker's engine in the background when it is not already answering, with settings for a
# sandbox or CI runner without systemd. Idempotent: a second call returns at once.
#   --bridge=none --iptables=false --ip6tables=false: lab containers use NetworkMode none (links are
#     our own veths), so dockerd needs no docker0 bridge and must not rewrite the host's firewall,
#     which other root tests share.
#   storage driver: overlay2 when the kernel has overlayfs and /var/lib/docker is not itself on
#     overlayfs (nested overlay fails); vfs otherwise (slow, but works everywhere).
# Environment: DOCKERD_LOG (default /var/log/dockerd.log), DOCKERD_WAIT_S (default 60).
set -eu

LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
WAIT_S=${DOCKERD_WAIT_S:-60}

if docker info >/dev/null 2>&1; then
  echo "dockerd: already running"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "dockerd: not installed (apt-get install -y docker.io)" >&2
  exit 1
fi

if [ "$(id -u)" != 0 ]; then
  echo "dockerd: must run as root" >&2
  exit 1
fi

driver=vfs
if grep -qw overlay /proc/filesystems; then
  mkdir -p /var/lib/docker
  fstype=$(stat -f -c %T /var/lib/docker 2>/dev/null || echo unknown)
  case "$fstype" in
    overlayfs|overlay) driver=vfs ;;
    *) driver=overlay2 ;;
  esac
fi

# A dockerd that died leaves its pid file; a live one that does not answer yet is waited for.
pidfile=/var/run/docker.pid
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "dockerd: pid $(cat "$pidfile") is starting; waiting"
else
  rm -f "$pidfile"
  # setsid: the engine must outlive the shell (and CI step) that started it.
  setsid dockerd \
    --storage-driver="$driver" \
    --bridge=none --iptables=false --ip6tables=false \
    --pidfile="$pidfile" \
    >>"$LOG" 2>&1 </dev/null &
  echo "dockerd: started (storage driver $driver, log $LOG)"
fi

i=0
while [ "$i" -lt "$WAIT_S" ]; do
  if docker info >/dev/null 2>&1; then
    echo "dockerd: ready after ${i}s"
    exit 0
  fi
  i=$((i + 1))
  sleep 1
done
echo "dockerd: not answering after ${WAIT_S}s; last log lines:" >&2
tail -n 30 "$LOG" >&2 || true
exit 1
