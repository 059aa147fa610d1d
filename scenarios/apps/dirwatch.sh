#!/bin/sh
# dirwatch.sh - CORRECT directory watch in POSIX sh (shell twin of good_dirwatch.py;
# avoids P1-P4, P9, P11, P13, P16).
#
# Watches the volume DIRECTORY with busybox `inotifyd` (Alpine and other busybox images; on
# Debian/Ubuntu, whose busybox lacks the applet, it falls back to `inotifywait` from
# inotify-tools). An event naming `..data` (the MOVED_TO of kubelet's rename, or a CREATE from a
# remove+symlink writer) or the file's own top-level name is a hint: the script resolves `..data`
# ONCE (readlink), reads the file from that `..<ts>` directory, compares a checksum, and prints
# RELOAD only when the content changed - so one RELOAD per update, no storm. Every RESYNC_S
# seconds (default 2) it re-checks anyway, as a safety net for missed events (P16). The initial
# read happens only once the watch is in place (seen in /proc/PID/fdinfo; waits at most 2 s).
# A missing file is reported once; the script keeps running and reloads when the file is back.
#
# Usage: dirwatch.sh [--dir /etc/config] [--file app.conf]
# Env:   CONFIG_DIR, CONFIG_FILE, RESYNC_S (2), WATCHER (inotifyd | inotifywait: force one).
#
# Output (same convention as the Python apps, see _common.py):
#   START version=<v> app=dirwatch pid=<pid> watcher=<inotifyd|inotifywait>
#   RELOAD n=<count> version=<v> via=inotify|resync
#   WARN missing=<file> keep=<last version>
#   ERROR op=watch err=ENOENT msg="..."        neither inotifyd nor inotifywait available (exit 1)
#   EXIT code=0 reason=SIGTERM
# version = value of the first `version=` / `version:` line, else sha256:<12 hex> of the content.
#
# What a test should observe: exactly one RELOAD per update, for each of three successive updates.

DIR=${CONFIG_DIR:-/etc/config}
FILE=${CONFIG_FILE:-app.conf}
RESYNC_S=${RESYNC_S:-2}
while [ $# -gt 0 ]; do
    case $1 in
        --dir) DIR=$2; shift 2 ;;
        --file) FILE=$2; shift 2 ;;
        *) echo "usage: $0 [--dir DIR] [--file FILE]" >&2; exit 2 ;;
    esac
done
TOP=${FILE%%/*}

# pick the watcher
if [ -z "$WATCHER" ]; then
    if command -v inotifyd >/dev/null 2>&1; then
        WATCHER=inotifyd
    elif busybox inotifyd 2>&1 | grep -q 'PROG'; then
        WATCHER="busybox-inotifyd"
    elif command -v inotifywait >/dev/null 2>&1; then
        WATCHER=inotifywait
    else
        echo 'ERROR op=watch err=ENOENT msg="neither inotifyd (busybox) nor inotifywait (inotify-tools) found"'
        echo "EXIT code=1 reason=no_watcher"
        exit 1
    fi
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dirwatch.XXXXXX") || exit 1
TMP=$WORK/content
mkfifo "$WORK/events" || exit 1
exec 3<>"$WORK/events"   # read-write open: never blocks, never sees EOF

PIDS=""
cleanup() {
    # shellcheck disable=SC2086
    [ -n "$PIDS" ] && kill $PIDS 2>/dev/null
    rm -rf "$WORK"
}
trap 'cleanup; echo "EXIT code=0 reason=SIGTERM"; exit 0' TERM INT

# version <file>: per the shared convention
version() {
    v=$(sed -n 's/^[[:space:]]*\([#;/][#;/]*[[:space:]]*\)\{0,1\}["'"'"']\{0,1\}[Vv][Ee][Rr][Ss][Ii][Oo][Nn]["'"'"']\{0,1\}[[:space:]]*[=:][[:space:]]*["'"'"']\{0,1\}\([^[:space:]"'"'"',][^[:space:]"'"'"',]*\).*/\2/p' "$1" | head -n 1)
    if [ -n "$v" ]; then
        printf '%s\n' "$v"
    else
        printf 'sha256:%s\n' "$(sha256sum < "$1" | cut -c1-12)"
    fi
}

# read <file> from ONE resolved ..data directory into $TMP; 0 = read, 1 = missing
read_once() {
    tries=0
    while [ $tries -lt 5 ]; do
        tries=$((tries + 1))
        t=$(readlink "$DIR/..data" 2>/dev/null)
        case $t in
            "") base=$DIR ;;
            /*) base=$t ;;
            *) base=$DIR/$t ;;
        esac
        if cat "$base/$FILE" > "$TMP" 2>/dev/null; then
            return 0
        fi
        # missing: really gone, or was ..data swapped (old dir deleted) while we read?
        [ "$(readlink "$DIR/..data" 2>/dev/null)" = "$t" ] && return 1
    done
    return 1
}

# 1. the watcher and the resync ticker write lines "EVENTS WATCHED NAME" into the fifo
case $WATCHER in
    inotifyd) inotifyd - "$DIR:nyd" >&3 2>/dev/null & ;;
    busybox-inotifyd) busybox inotifyd - "$DIR:nyd" >&3 2>/dev/null & ;;
    inotifywait) inotifywait -m -q -e create,moved_to,delete --format '%e %w %f' "$DIR" >&3 2>/dev/null & ;;
    *) echo "ERROR op=watch err=EINVAL msg=\"unknown WATCHER=$WATCHER\""; exit 1 ;;
esac
WPID=$!
PIDS="$PIDS $WPID"
# wait (at most 2 s) until the watch is really in place, so that no update falls between the
# initial read and the watch: /proc/PID/fdinfo lists one "inotify wd:" line per watch
i=0
while [ $i -lt 40 ] && ! cat /proc/$WPID/fdinfo/* 2>/dev/null | grep -q '^inotify wd:'; do
    sleep 0.05
    i=$((i + 1))
done
(trap - TERM INT; while sleep "$RESYNC_S"; do echo "tick - -"; done) >&3 &
PIDS="$PIDS $!"

# 2. initial read
sum=""
ver="-"
missing=0
if read_once; then
    sum=$(cksum < "$TMP")
    ver=$(version "$TMP")
else
    missing=1
fi
echo "START version=$ver app=dirwatch pid=$$ watcher=${WATCHER#busybox-}"
[ $missing = 1 ] && echo "WARN missing=$FILE keep=$ver"

# 3. the reader: a hint -> resolve once, compare checksum, reload only on change
(
    trap - TERM INT
    n=0
    while read -r events watched name <&3; do
        [ -n "$APP_DEBUG" ] && [ "$events" != tick ] && echo "EVENT mask=$events name=$name"
        if [ "$events" = tick ]; then
            via=resync
        elif [ "$name" = "..data" ] || [ "$name" = "$TOP" ]; then
            via=inotify
        else
            continue
        fi
        if ! read_once; then
            if [ $missing = 0 ]; then
                missing=1
                echo "WARN missing=$FILE keep=$ver"
            fi
            continue
        fi
        missing=0
        new=$(cksum < "$TMP")
        if [ "$new" != "$sum" ]; then
            sum=$new
            ver=$(version "$TMP")
            n=$((n + 1))
            echo "RELOAD n=$n version=$ver via=$via"
        fi
    done
) &
PIDS="$PIDS $!"

# 4. wait is interrupted by SIGTERM, so the trap runs at once; it returns by itself only when
#    every child has died
wait
cleanup
echo 'ERROR op=watch err=EPIPE msg="watcher, ticker and reader all exited"'
echo "EXIT code=1 reason=children_exited"
exit 1
