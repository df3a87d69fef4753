#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR/../../scripts
# Peer test: containerd 1.6 + its io.containerd.runc.v2 shim drive an OCI runtime via ctr.
# Usage: tests/peers/containerd.sh [runtime-binary]   (default: out/bin/berth-runtime)
#   e.g. tests/peers/containerd.sh "$(command -v runc)"
# Starts a private containerd (root, state, socket and config in a temp dir, CRI and
# unneeded plugins off, so it starts offline in well under a second) and always stops it.
# The shim calls the runtime as: <rt> --root /run/containerd/runc/<ns> --log <bundle>/log.json
# --log-format json create|start|kill|delete|exec|ps ...; <ns> here is unique per run.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runtime=${1:-$repo/out/bin/berth-runtime}
[ -x "$runtime" ] || { echo "FAIL runtime binary not found: $runtime" >&2; exit 2; }
runtime=$(realpath "$runtime")

# shellcheck source=lib-apt.sh
. "$repo/scripts/lib-apt.sh"
# shellcheck source=lib.sh
. "$repo/tests/peers/lib.sh"
need_pkg containerd containerd # ships ctr and containerd-shim-runc-v2 too

T=$(mktemp -d "${TMPDIR:-/tmp}/berth-ctd.XXXXXX")
sock=$T/c.sock
ns=berth-peer-$$
ctd_pid=
img=localhost/busybox:latest

cat >"$T/config.toml" <<CONF
version = 2
root = "$T/root"
state = "$T/state"
# Off: CRI (wants CNI/network), snapshotters we do not use, and "opt"
# (which would create /opt/containerd). The v1 runtime must stay: 1.6 tasks service needs it.
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.internal.v1.opt",
]
[grpc]
  address = "$sock"
[debug]
  address = ""
[metrics]
  address = ""
CONF

# -k: `ctr run` forwards SIGTERM to the task (which, as pid 1, may ignore it).
c() { timeout -k 5 60 ctr -a "$sock" -n "$ns" "$@"; }

cleanup() {
    set +e
    if [ -n "$ctd_pid" ]; then
        # Kill and delete whatever tasks and containers are left, so the shims exit.
        for id in $(c task ls -q 2>/dev/null); do
            c task kill -s SIGKILL "$id" >/dev/null 2>&1
            c task delete -f "$id" >/dev/null 2>&1
        done
        for id in $(c containers ls -q 2>/dev/null); do c containers rm "$id" >/dev/null 2>&1; done
        kill "$ctd_pid" 2>/dev/null
        wait "$ctd_pid" 2>/dev/null
    fi
    findmnt -rn -o TARGET | grep "^$T/" | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$T" || echo "WARN could not remove $T" >&2
    rmdir "/run/containerd/runc/$ns" 2>/dev/null # the shim's default runc --root for our namespace
    # ctr puts each container in the cgroup /<ns>/<id>; the runtime removes <id>, not /<ns>.
    find /sys/fs/cgroup/ -mindepth 2 -maxdepth 3 -depth -type d -path "*/$ns*" -exec rmdir {} + 2>/dev/null
}
trap cleanup EXIT

containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1 &
ctd_pid=$!
for _ in $(seq 100); do
    [ -S "$sock" ] && c version >/dev/null 2>&1 && break
    kill -0 "$ctd_pid" 2>/dev/null || break
    sleep 0.1
done
if ! c version >/dev/null 2>&1; then
    echo "FAIL containerd did not start:" >&2
    tail -20 "$T/containerd.log" >&2
    exit 1
fi
echo "# containerd $(containerd --version | awk '{print $3}'), runtime $runtime, namespace $ns"


if "$repo/scripts/busybox-image.sh" --no-podman --archive "$T/busybox.tar" \
    --ctr-address "$sock" --ctr-namespace "$ns" >/dev/null; then
    ok "import $img"
else
    ko "import $img"
    exit 1
fi

run=(run --rm --runc-binary "$runtime")

out=$(c "${run[@]}" "$img" t1 echo hi 2>&1) || true
check "run --rm echo hi" hi "$out"

rc=0
c "${run[@]}" "$img" t2 sh -c 'exit 3' >/dev/null 2>&1 || rc=$?
check "exit code propagates" 3 "$rc"

# (No stdin test: ctr 1.6 never closes the task's stdin on EOF, so `cat` would hang.)
# shellcheck disable=SC2016 # $FOO expands in the container
out=$(c "${run[@]}" --env FOO=bar "$img" t3 sh -c 'echo "$FOO $(id -u) $(pwd)"' 2>&1) || true
check "env, uid, cwd" "bar 0 /" "$out"

# Default seccomp profile (ctr applies none unless --seccomp).
out=$(c "${run[@]}" --seccomp "$img" ts grep Seccomp: /proc/self/status 2>&1) || true
check "run --seccomp (Seccomp: 2)" 2 "$(echo "$out" | awk '{print $2}')"

# ctr's spec mounts no /sys/fs/cgroup, so the limit is read from the host (v1, then v2).
memlimit() {
    cat "/sys/fs/cgroup/memory/$ns/$1/memory.limit_in_bytes" 2>/dev/null ||
        cat "/sys/fs/cgroup/$ns/$1/memory.max" 2>/dev/null || true
}
task_status() { c task ls 2>&1 | awk -v id="$1" '$1 == id {print $3}'; }
# wait_status <id> <status>: up to 5 s; prints the last status seen.
wait_status() {
    local st=
    for _ in $(seq 50); do
        st=$(task_status "$1")
        [ "$st" = "$2" ] && break
        sleep 0.1
    done
    echo "$st"
}
# A long sleeper with a memory limit, then stopped with SIGKILL (exit 137).
if c run -d --runc-binary "$runtime" --memory-limit 67108864 "$img" tk sleep 600 >/dev/null 2>"$T/k.err"; then
    check "run --memory-limit 67108864: memory limit" 67108864 "$(memlimit tk)"
    c task kill -s SIGKILL tk >/dev/null 2>&1 || ko "task kill -s SIGKILL"
    check "task kill -s SIGKILL: STOPPED" STOPPED "$(wait_status tk STOPPED)"
    del=$(c task delete tk 2>&1) || ko "task delete tk: $del"
    case $del in *"exit code 137"*) ok "task delete after SIGKILL (exit code 137)" ;; *) ko "task delete: expected exit code 137, got '$del'" ;; esac
    c containers rm tk >/dev/null 2>&1 || ko "containers rm tk"
else
    ko "run -d --memory-limit: $(cat "$T/k.err")"
fi
# dd's 200M buffer is filled from /dev/zero: over the limit (this host has no swap).
rc=0
c "${run[@]}" --memory-limit 67108864 "$img" tm dd if=/dev/zero of=/dev/null bs=200M count=1 >/dev/null 2>&1 || rc=$?
check "run --memory-limit: 200M allocation is OOM-killed (exit 137)" 137 "$rc"

# --tty: ctr wants a terminal on its stdin, so it runs under script(1), which gives it a pty
# (whose echo of a NUL byte, "^@", is dropped from the output).
# The runtime makes the container's pty and passes its master over --console-socket.
if command -v script >/dev/null 2>&1; then
    # shellcheck disable=SC2016
    out=$(timeout -k 5 60 script -qec "$(printf '%q ' ctr -a "$sock" -n "$ns" "${run[@]}" --tty "$img" tt \
        sh -c 'tty; exit 3')" /dev/null </dev/null 2>&1 | tr -d '\r\0' | sed 's/\^@//g') && rc=0 || rc=$?
    check "run --tty: tty, exit code" "/dev/pts/0 3" "$out $rc"
else
    echo "SKIP run --tty: script(1) not installed"
fi

# Detached round trip. The shell exits 7 on SIGTERM, which proves `kill` delivered it.
# It also bumps a counter in /tmp/count every 0.1 s (read from the host, see pause).
# shellcheck disable=SC2016
if c run -d --runc-binary "$runtime" "$img" td \
    sh -c 'trap "exit 7" TERM; i=0; while :; do i=$((i + 1)); echo $i >/tmp/count; sleep 0.1; done' \
    >/dev/null 2>"$T/d.err"; then
    ok "run -d"
    check "task running" RUNNING "$(task_status td)"
    pid=$(c task ls 2>&1 | awk '$1 == "td" {print $2}') || true
    if [ -n "$(cgroups_under "/$ns/td")" ]; then ok "container cgroup /$ns/td"
    else ko "container cgroup /$ns/td missing"; fi
    # pid 1 seen by the exec'd process is the container's shell: exec joined its pid ns.
    check "task exec" sh "$(c task exec --exec-id e1 td cat /proc/1/comm 2>&1)"
    # shellcheck disable=SC2016
    out=$(c task exec --exec-id e2 --cwd /tmp td sh -c 'echo "out $(pwd)"; exit 5' 2>&1) && rc=0 || rc=$?
    check "task exec --cwd: output, exit code" "out /tmp 5" "$out $rc"
    check "task exec --user 65534 (uid gid)" "65534 65534" \
        "$(c task exec --exec-id e3 --user 65534 td sh -c 'echo $(id -u) $(id -g)' 2>&1)"
    n=$(c task ps td 2>/dev/null | awk 'NR > 1' | wc -l)
    if [ "$n" -ge 1 ]; then ok "task ps ($n pids)"; else ko "task ps: no pids"; fi
    count() { cat "/proc/$pid/root/tmp/count" 2>/dev/null || true; }
    if c task pause td >/dev/null 2>"$T/p.err"; then
        check "task pause: PAUSED" PAUSED "$(task_status td)"
        a=$(count); sleep 0.5; b=$(count)
        if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "task pause: counter stopped ($a)"
        else ko "task pause: counter moved '$a' -> '$b'"; fi
    else
        ko "task pause: $(cat "$T/p.err")"
    fi
    if c task resume td >/dev/null 2>"$T/p.err"; then
        check "task resume: RUNNING" RUNNING "$(task_status td)"
        a=$(count); sleep 0.5; b=$(count)
        if [ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ]; then ok "task resume: counter runs ($a -> $b)"
        else ko "task resume: counter '$a' -> '$b'"; fi
    else
        ko "task resume: $(cat "$T/p.err")"
    fi
    # The shim reads the container's cgroup: v1 memory.usage_in_bytes / cpuacct.usage,
    # v2 memory.usage / cpu.usage_usec.
    out=$(c task metrics td 2>&1) || true
    if echo "$out" | grep -Eq '^memory\.usage(_in_bytes)? +[1-9]' &&
        echo "$out" | grep -Eq '^cpu(acct\.usage|\.usage_usec) +[1-9]'; then
        ok "task metrics (memory and cpu rows)"
    else
        ko "task metrics: $out"
    fi
    c task kill td >/dev/null 2>&1 || ko "task kill"
    check "task kill (SIGTERM) stops it" STOPPED "$(wait_status td STOPPED)"
    # ctr task delete reports a non-zero exit status as a warning on stderr.
    del=$(c task delete td 2>&1) || ko "task delete: $del"
    case $del in *"exit code 7"*) ok "task delete (exit code 7)" ;; *) ko "task delete: expected exit code 7, got '$del'" ;; esac
    c containers rm td >/dev/null 2>&1 || ko "containers rm"
else
    ko "run -d: $(cat "$T/d.err")"
fi
check "no tasks left" "" "$(c task ls -q 2>&1)"
# The runtime's delete must remove the container cgroups it made (in every hierarchy).
check "no container cgroups left" "" "$(cgroups_under "/$ns/*")"

peer_summary "containerd peer"
