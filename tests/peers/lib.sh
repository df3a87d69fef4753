#!/usr/bin/env bash
# Sourced by the peer tests: PASS/FAIL bookkeeping, and what the two that run a private dockerd share.

pass=0 fail=0
ok() { echo "PASS $*"; pass=$((pass + 1)); }
ko() { echo "FAIL $*"; fail=$((fail + 1)); }
# check <name> <expected> <actual>
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: expected '$2', got '$3'"; fi; }
# Cgroup dirs matching <path-pattern> in any hierarchy (v1: /sys/fs/cgroup/<ctrl>/..., v2: /sys/fs/cgroup/...).
cgroups_under() { find /sys/fs/cgroup/ -mindepth 2 -maxdepth 3 -type d -path "/sys/fs/cgroup*$1" 2>/dev/null; }
# peer_summary <what>: the last line, and the exit status (0 only when nothing failed).
peer_summary() {
    echo "$1: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}

# start_dockerd <containerd-namespace> [dockerd flags...]: Debian's dockerd with its own roots and socket under $T
# ($T/dockerd.sock), without iptables rules or a bridge, so nothing on the host changes; returns once it answers.
start_dockerd() {
    local ns=$1
    shift
    dockerd --iptables=false --bridge=none --data-root "$T/dockerd-data" --exec-root "$T/dockerd-exec" \
        -H "unix://$T/dockerd.sock" --pidfile "$T/dockerd.pid" "$@" \
        --containerd-namespace "$ns" --containerd-plugins-namespace "$ns-plugins" >"$T/dockerd.log" 2>&1 &
    for _ in $(seq 1 100); do [ -S "$T/dockerd.sock" ] && return 0; sleep 0.1; done
    echo "dockerd did not start; see $T/dockerd.log" >&2
    return 1
}

# stop_dockerd: stops the dockerd start_dockerd started and removes the mounts it left.
stop_dockerd() {
    [ -f "$T/dockerd.pid" ] && kill "$(cat "$T/dockerd.pid")" 2>/dev/null || true
    sleep 0.5
    umount -R "$T/dockerd-data" 2>/dev/null || true
}
