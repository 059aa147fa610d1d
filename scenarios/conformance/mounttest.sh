#!/bin/sh
# Local stand-in for `agnhost mounttest` (kubernetes test/images/agnhost/mounttest/mt.go), the
# command upstream's ConfigMap/Secret/projected/subPath e2e pods run. It accepts the flags those
# tests pass and prints the same lines, so a scenario can assert upstream's expected output:
#   --file_mode=P             mode of file "P": -rw-r--r--     (os.Stat, i.e. through symlinks)
#   --file_content=P          content of file "P": <content>
#   --file_content_in_loop=P  the content line every 0.2 s (upstream: every 2 s) or
#                             "Error reading file P: …, retrying"
#   --retry_time=N, --break_on_expected_content=BOOL   as upstream
# One difference, on purpose: where mounttest exits, this stays alive (`sleep`), so that kubedrill
# can still observe the container's files and environment. A cluster runs the real agnhost.
set -u
mode_path=
content_path=
loop_path=
retry=180
break_on_expected=true
for arg do
    case $arg in
        mounttest) ;;
        --file_mode=*) mode_path=${arg#*=} ;;
        --file_content=*) content_path=${arg#*=} ;;
        --file_content_in_loop=*) loop_path=${arg#*=} ;;
        --retry_time=*) retry=${arg#*=} ;;
        --break_on_expected_content=*) break_on_expected=${arg#*=} ;;
        *) echo "mounttest.sh: unsupported argument: $arg" >&2; exit 2 ;;
    esac
done

initial_content='mount-tester new file
'

# Prints the file's bytes verbatim (a sentinel keeps trailing newlines) or fails.
read_file() {
    data=$(cat -- "$1" 2>/dev/null && echo .) || return 1
    data=${data%.}
}

why() {
    if [ -e "$1" ]; then echo "read $1: permission denied or not a regular file"; else echo "open $1: no such file or directory"; fi
}

if [ -n "$mode_path" ]; then
    if mode=$(stat -L -c %A -- "$mode_path" 2>/dev/null); then
        printf 'mode of file "%s": %s\n' "$mode_path" "$mode"
    else
        printf 'error getting mode of file "%s": %s\n' "$mode_path" "$(why "$mode_path")"
    fi
fi

if [ -n "$content_path" ]; then
    if read_file "$content_path"; then
        printf 'content of file "%s": %s\n' "$content_path" "$data"
    else
        printf 'error reading file content for "%s": %s\n' "$content_path" "$(why "$content_path")"
    fi
fi

if [ -n "$loop_path" ]; then
    # Five reads a second for retry_time seconds.
    left=$((retry * 5))
    while [ "$left" -gt 0 ]; do
        left=$((left - 1))
        if ! read_file "$loop_path"; then
            printf 'Error reading file %s: %s, retrying\n' "$loop_path" "$(why "$loop_path")"
            sleep 0.2
            continue
        fi
        printf 'content of file "%s": %s\n' "$loop_path" "$data"
        if [ "$break_on_expected" = true ]; then
            if [ "$data" != "$initial_content" ]; then
                printf 'Unexpected content. Expected: %s. Retrying' "$initial_content"
                sleep 0.2
                continue
            fi
            break
        fi
        sleep 0.2
    done
fi

exec sleep 3600
