#!/bin/sh
# Runs a command as the pod's user, the way the container runtime would: `run-as.sh UID GID
# GROUPS -- COMMAND…` (GROUPS: comma-separated supplementary groups, kubelet's fsGroup among
# them, or `-` for none). kubedrill's process backend does not switch users itself; this stand-in
# does when it can (root, with util-linux `setpriv`), so a scenario also proves that the pod's
# user can read what kubelet wrote. Otherwise it runs COMMAND as is and says so on stderr.
set -eu
uid=$1 gid=$2 groups=$3
shift 3
[ "${1:-}" = "--" ] && shift
# util-linux setpriv (busybox's has no --reuid): a no-op switch to root tells them apart.
if [ "$(id -u)" = 0 ] && setpriv --reuid=0 --regid=0 --clear-groups true >/dev/null 2>&1; then
    if [ "$groups" = - ]; then
        exec setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
    fi
    exec setpriv --reuid="$uid" --regid="$gid" --groups="$groups" -- "$@"
fi
echo "run-as.sh: not root or no util-linux setpriv: running as $(id -u), not $uid" >&2
exec "$@"
