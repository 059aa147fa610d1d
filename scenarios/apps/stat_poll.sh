#!/bin/sh
# stat_poll.sh - CORRECT polling in POSIX sh (avoids P1-P4, P8, P9; shell twin of good_poll.py).
#
# Every POLL_S seconds (default 0.2) `cat` the file through its user-visible path (the links are
# followed afresh on each open, so every ..data swap is seen), compare a checksum of the content
# (cksum), and print a RELOAD line only when it changed. It does not look at mtimes (the link's
# own mtime never changes: P8) and keeps no fd open (P9). A missing file is reported once and the
# last good version kept (P13).
#
# Usage: stat_poll.sh [--dir /etc/config] [--file app.conf]
# Env:   CONFIG_DIR, CONFIG_FILE, POLL_S (0.2; needs a sleep that takes fractions: GNU, busybox).
#
# Output (same convention as the Python apps, see _common.py):
#   START version=<v> app=stat_poll pid=<pid>
#   RELOAD n=<count> version=<v> via=poll
#   WARN missing=<file> keep=<last version>
#   EXIT code=0 reason=SIGTERM
# version = value of the first `version=` / `version:` line, else sha256:<12 hex> of the content.
#
# What a test should observe: one RELOAD per update, for each of three successive updates.

DIR=${CONFIG_DIR:-/etc/config}
FILE=${CONFIG_FILE:-app.conf}
POLL_S=${POLL_S:-0.2}
while [ $# -gt 0 ]; do
    case $1 in
        --dir) DIR=$2; shift 2 ;;
        --file) FILE=$2; shift 2 ;;
        *) echo "usage: $0 [--dir DIR] [--file FILE]" >&2; exit 2 ;;
    esac
done
case $FILE in /*) PATH_=$FILE ;; *) PATH_=$DIR/$FILE ;; esac

TMP=$(mktemp "${TMPDIR:-/tmp}/stat_poll.XXXXXX") || exit 1
trap 'rm -f "$TMP"; echo "EXIT code=0 reason=SIGTERM"; exit 0' TERM INT

# version <file>: per the shared convention
version() {
    v=$(sed -n 's/^[[:space:]]*\([#;/][#;/]*[[:space:]]*\)\{0,1\}["'"'"']\{0,1\}[Vv][Ee][Rr][Ss][Ii][Oo][Nn]["'"'"']\{0,1\}[[:space:]]*[=:][[:space:]]*["'"'"']\{0,1\}\([^[:space:]"'"'"',][^[:space:]"'"'"',]*\).*/\2/p' "$1" | head -n 1)
    if [ -n "$v" ]; then
        printf '%s\n' "$v"
    else
        printf 'sha256:%s\n' "$(sha256sum < "$1" | cut -c1-12)"
    fi
}

n=0
sum=""
ver="-"
missing=0
if cat "$PATH_" > "$TMP" 2>/dev/null; then
    sum=$(cksum < "$TMP")
    ver=$(version "$TMP")
else
    missing=1
fi
echo "START version=$ver app=stat_poll pid=$$"
[ $missing = 1 ] && echo "WARN missing=$FILE keep=$ver"

while :; do
    sleep "$POLL_S"
    if ! cat "$PATH_" > "$TMP" 2>/dev/null; then
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
        echo "RELOAD n=$n version=$ver via=poll"
    fi
done
