#!/bin/bash
# PID 1 of the user-mode-linux kernel the kernel tier boots (scripts/kernel-tier/uml-run.sh): the
# root is the host's filesystem (hostfs, read-write), so files written here under the job's directory
# are on the host. Private /run, /tmp and /dev; the UML module tree bound to /lib/modules/$(uname -r).
# Runs the job script named by mipshop_job= on the kernel command line (the kernel passes unknown
# key=value words to init as environment), writes its exit status beside it, then powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /var/tmp
# The host's own module tree stays hidden: only the UML kernel's modules are visible here. (A host
# without /lib/modules, such as a container, gets the empty directory as a mount point.)
release=$(uname -r)
mkdir -p /lib/modules
mount -t tmpfs tmpfs /lib/modules
mkdir -p "/lib/modules/$release"
mount --bind "/usr/lib/uml/modules/$release" "/lib/modules/$release"
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
ip link set lo up
status=125
if [ -n "${mipshop_job:-}" ] && [ -f "$mipshop_job" ]; then
  dir=$(dirname "$mipshop_job")
  bash "$mipshop_job" >"$dir/output.log" 2>&1
  status=$?
  echo "$status" >"$dir/status"
else
  echo "uml-init: no job (mipshop_job=${mipshop_job:-unset})"
fi
sync
echo "uml-init: job exit status $status"
echo o >/proc/sysrq-trigger
sleep 10
