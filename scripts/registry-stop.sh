#!/usr/bin/env bash
# Stop a registry started by scripts/registry-start.sh.
# Usage: scripts/registry-stop.sh DIR [--remove]
#   --remove   also delete DIR (its storage, config and log)
# Only the process recorded in DIR/registry.pid is signalled, and only when it is still a
# docker-registry serving DIR/config.yml.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 DIR [--remove]" >&2; exit 2; }
dir=$(realpath -m "$1")
remove=0
[ "${2:-}" = --remove ] && remove=1

pidfile=$dir/registry.pid
if [ -s "$pidfile" ]; then
    pid=$(cat "$pidfile")
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "docker-registry serve $dir/config.yml"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
fi
if [ "$remove" = 1 ]; then
    rm -rf -- "$dir"
fi
