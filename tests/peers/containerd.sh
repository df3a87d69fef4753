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

pass=0 fail=0
ok() { echo "PASS $*"; pass=$((pass + 1)); }
ko() { echo "FAIL $*"; fail=$((fail + 1)); }
# Cgroup dirs matching <path-pattern> in any hierarchy (v1: /sys/fs/cgroup/<ctrl>/..., v2: /sys/fs/cgroup/...).
cgroups_under() { find /sys/fs/cgroup/ -mindepth 2 -maxdepth 3 -type d -path "/sys/fs/cgroup*$1" 2>/dev/null; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: expected '$2', got '$3'"; fi; }

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

# Detached round trip. The shell exits 7 on SIGTERM, which proves `kill` delivered it.
if c run -d --runc-binary "$runtime" "$img" td \
    sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null 2>"$T/d.err"; then
    ok "run -d"
    check "task running" RUNNING "$(c task ls 2>&1 | awk '$1 == "td" {print $3}')"
    if [ -n "$(cgroups_under "/$ns/td")" ]; then ok "container cgroup /$ns/td"
    else ko "container cgroup /$ns/td missing"; fi
    # pid 1 seen by the exec'd process is the container's shell: exec joined its pid ns.
    check "task exec" sh "$(c task exec --exec-id e1 td cat /proc/1/comm 2>&1)"
    n=$(c task ps td 2>/dev/null | awk 'NR > 1' | wc -l)
    if [ "$n" -ge 1 ]; then ok "task ps ($n pids)"; else ko "task ps: no pids"; fi
    c task kill td >/dev/null 2>&1 || ko "task kill"
    st=
    for _ in $(seq 50); do
        st=$(c task ls 2>&1 | awk '$1 == "td" {print $3}')
        [ "$st" = STOPPED ] && break
        sleep 0.1
    done
    check "task kill (SIGTERM) stops it" STOPPED "$st"
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

echo "containerd peer: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
