#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR/../../scripts
# Peer test: podman 4.x (through conmon) drives an OCI runtime.
# Usage: tests/peers/podman.sh [runtime-binary]   (default: out/bin/berth-runtime)
#   e.g. tests/peers/podman.sh "$(command -v runc)"
# Everything podman keeps (storage, libpod db, tmpdir, containers.conf, storage.conf) lives
# in one temp dir that is removed on exit; the host's default podman storage and
# /etc/containers are never touched. The runtime keeps its default --root (podman as root
# passes none; its conmon exit command would not pass a --runtime-flag either).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runtime=${1:-$repo/out/bin/berth-runtime}
[ -x "$runtime" ] || { echo "FAIL runtime binary not found: $runtime" >&2; exit 2; }
runtime=$(realpath "$runtime")

# shellcheck source=lib-apt.sh
. "$repo/scripts/lib-apt.sh"
# shellcheck source=lib.sh
. "$repo/tests/peers/lib.sh"
need_pkg podman podman
need_pkg conmon conmon
need_pkg pgrep procps

T=$(mktemp -d "${TMPDIR:-/tmp}/berth-podman.XXXXXX")
# Containers go under a private cgroup parent, so leftovers are ours to see and remove.
cg_parent=/berth-podman-$$

# Private configs: CONTAINERS_CONF / CONTAINERS_STORAGE_CONF make podman read only these.
# default_ulimits: podman's default nofile (1048576) is above this host's hard limit
# and there is no CAP_SYS_RESOURCE, so setrlimit would fail in the runtime.
cat >"$T/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_config_dir = "$T/net" # tests use --network none; keep podman out of /etc/cni
CONF
export CONTAINERS_CONF=$T/containers.conf CONTAINERS_STORAGE_CONF=$T/storage.conf

driver=${BERTH_PODMAN_DRIVER:-overlay} # overlay, falling back to vfs below
write_storage_conf() {
    printf '[storage]\ndriver = "%s"\ngraphroot = "%s/root"\nrunroot = "%s/runroot"\n' \
        "$driver" "$T" "$T" >"$T/storage.conf"
}
write_storage_conf

# Global podman options, shared by every call (and the image load: libpod refuses a
# second call whose paths differ from those recorded in its database).
pm_opts() {
    printf '%s\n' "--root=$T/root" "--runroot=$T/runroot" "--storage-driver=$driver" \
        "--tmpdir=$T/tmp" --cgroup-manager=cgroupfs --events-backend=file \
        "--runtime=$runtime"
}
pm() {
    local opts
    mapfile -t opts < <(pm_opts)
    timeout -k 5 120 podman "${opts[@]}" "$@"
}

cleanup() {
    set +e
    pm rm -af -t 0 >/dev/null 2>&1
    # conmon runs `podman container cleanup` in the background when a container exits;
    # let those finish before their files are pulled away.
    for _ in $(seq 50); do pgrep -f -- "$T/" >/dev/null || break; sleep 0.1; done
    pm system reset --force >/dev/null 2>&1 # unmounts and removes the storage
    # Anything still mounted under $T (e.g. a failed reset) must go before rm -rf.
    findmnt -rn -o TARGET | grep "^$T/" | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$T" || echo "WARN could not remove $T" >&2
    find /sys/fs/cgroup/ -mindepth 2 -maxdepth 3 -depth -type d -path "*$cg_parent*" -exec rmdir {} + 2>/dev/null
}
trap cleanup EXIT


# Image: overlay storage, or vfs where overlay cannot mount (e.g. on overlayfs).
load_image() {
    local opts=() o
    while read -r o; do opts+=(--podman-opt "$o"); done < <(pm_opts)
    "$repo/scripts/busybox-image.sh" --no-containerd --archive "$T/busybox.tar" "${opts[@]}" >/dev/null
}
if ! load_image 2>"$T/load.err"; then
    pm system reset --force >/dev/null 2>&1 || true
    driver=vfs
    write_storage_conf
    load_image || { cat "$T/load.err" >&2; ko "load busybox image"; exit 1; }
fi
echo "# podman $(podman --version | awk '{print $3}'), storage $driver, runtime $runtime"

img=localhost/busybox:latest
run=(run --rm --network none --cgroup-parent "$cg_parent")

out=$(pm "${run[@]}" "$img" echo hi 2>&1) || true
check "run echo hi" hi "$out"

out=$(pm "${run[@]}" --cidfile "$T/cid" "$img" hostname 2>&1) || true
cid=$(cat "$T/cid" 2>/dev/null || true)
check "hostname is the short container id" "${cid:0:12}" "$out"

out=$(pm "${run[@]}" --hostname peer-test "$img" hostname 2>&1) || true
check "run --hostname" peer-test "$out"

rc=0
pm "${run[@]}" "$img" sh -c 'exit 3' >/dev/null 2>&1 || rc=$?
check "exit code propagates" 3 "$rc"

out=$(echo from-stdin | pm "${run[@]}" -i "$img" cat 2>&1) || true
check "stdin pipe (-i)" from-stdin "$out"

out=$(pm "${run[@]}" --user 65534:65534 "$img" id -u 2>&1) || true
check "run --user 65534" 65534 "$out"

# Resource limits, read back inside the container from the cgroup files the runtime wrote
# (v1 path first, then v2), and enforced.
# shellcheck disable=SC2016 # $(...) expands in the container
out=$(pm "${run[@]}" --memory 64m "$img" sh -c \
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max' 2>&1) || true
check "run --memory 64m: memory limit" 67108864 "$out"
# dd's 200M buffer is filled from /dev/zero: over the limit (this host has no swap).
rc=0
pm "${run[@]}" --memory 64m "$img" dd if=/dev/zero of=/dev/null bs=200M count=1 >/dev/null 2>&1 || rc=$?
check "run --memory 64m: 200M allocation is OOM-killed (exit 137)" 137 "$rc"
# The shell forks 40 sleeps; with pids.max 20 a fork fails and the shell gives up (exit 2).
# shellcheck disable=SC2016
out=$(pm "${run[@]}" --pids-limit 20 "$img" sh -c \
    'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max
     for i in $(seq 40); do sleep 10 & done; echo forked all 40' 2>&1) || true
check "run --pids-limit 20: pids.max" 20 "$(echo "$out" | head -n 1)"
case $out in
    *"forked all"*) ko "run --pids-limit 20: fork loop was not stopped: $out" ;;
    *"can't fork"*) ok "run --pids-limit 20: fork loop stopped" ;;
    *) ko "run --pids-limit 20: fork loop: $out" ;;
esac
# v1: quota and period files; v2: cpu.max holds "quota period".
# shellcheck disable=SC2016
out=$(pm "${run[@]}" --cpus 0.5 "$img" sh -c \
    'if cd /sys/fs/cgroup/cpu 2>/dev/null; then echo $(cat cpu.cfs_quota_us cpu.cfs_period_us); else cat /sys/fs/cgroup/cpu.max; fi' 2>&1) || true
check "run --cpus 0.5: cfs quota/period" "50000 100000" "$out"

# Seccomp: podman's default profile, none, and a custom profile that denies only mkdir.
out=$(pm "${run[@]}" "$img" grep Seccomp: /proc/self/status 2>&1) || true
check "default seccomp profile applied (Seccomp: 2)" 2 "$(echo "$out" | awk '{print $2}')"
out=$(pm "${run[@]}" --security-opt seccomp=unconfined "$img" grep Seccomp: /proc/self/status 2>&1) || true
check "seccomp=unconfined (Seccomp: 0)" 0 "$(echo "$out" | awk '{print $2}')"
printf '%s\n' '{"defaultAction": "SCMP_ACT_ALLOW",' \
    ' "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}' >"$T/nomkdir.json"
# shellcheck disable=SC2016
out=$(pm "${run[@]}" --security-opt seccomp="$T/nomkdir.json" "$img" sh -c \
    'mkdir /tmp/d 2>/tmp/err; echo "mkdir=$? $(grep -o "not permitted" /tmp/err) $(touch /tmp/f && echo touch-ok)"' 2>&1) || true
check "seccomp=<profile denying mkdir>: mkdir fails with EPERM, touch works" "mkdir=1 not permitted touch-ok" "$out"

# Rootful user namespace: root inside is uid/gid 100000 outside.
# shellcheck disable=SC2016
out=$(pm "${run[@]}" --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$img" sh -c \
    'echo $(id -u) $(id -g) $(cat /proc/self/uid_map) $(cat /proc/self/gid_map)' 2>&1) || true
check "run --uidmap/--gidmap: id and maps inside" "0 0 0 100000 65536 0 100000 65536" "$out"
if pm run -d --network none --cgroup-parent "$cg_parent" --name peer-u \
    --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$img" sleep 60 >/dev/null 2>"$T/u.err"; then
    pid=$(pm inspect -f '{{.State.Pid}}' peer-u 2>&1) || true
    out=$(awk '/^(Uid|Gid):/ {print $2}' "/proc/$pid/status" 2>&1 | paste -sd ' ') || true
    check "run --uidmap/--gidmap: host uid/gid of the container process" "100000 100000" "$out"
    # Known issue, under investigation: under load, podman's removal of this user-namespaced container
    # sometimes finds its userdata/shm mount point still busy (EBUSY) just after the container died.
    # One retry after a second is allowed and reported; a second failure fails the check.
    if ! pm rm -f -t 0 peer-u >/dev/null 2>"$T/rm.err"; then
        if grep -q "device or resource busy" "$T/rm.err" && sleep 1 && pm rm -f -t 0 peer-u >/dev/null 2>"$T/rm2.err"; then
            echo "NOTE rm -f peer-u needed a retry: $(head -c 300 "$T/rm.err")"
        else
            ko "rm -f peer-u: $(cat "$T/rm.err" "$T/rm2.err" 2>/dev/null)"
        fi
    fi
else
    ko "run -d --uidmap: $(cat "$T/u.err")"
fi

# -t: the runtime creates the pty and hands its master to conmon over --console-socket.
out=$(pm "${run[@]}" -t "$img" tty </dev/null 2>&1 | tr -d '\r') || true
check "run -t (tty)" /dev/pts/0 "$out"

# Detached: the shell exits 7 on SIGTERM, so a clean stop proves signal delivery via `kill`.
# It also bumps a counter in /tmp/count every 0.1 s (read from the host, see pause).
# shellcheck disable=SC2016
if pm run -d --network none --cgroup-parent "$cg_parent" --name peer-d "$img" \
    sh -c 'trap "exit 7" TERM; echo ready; i=0; while :; do i=$((i + 1)); echo $i >/tmp/count; sleep 0.1; done' \
    >/dev/null 2>"$T/d.err"; then
    ok "run -d"
    check "inspect running" running "$(pm inspect -f '{{.State.Status}}' peer-d 2>&1)"
    id=$(pm inspect -f '{{.Id}}' peer-d 2>&1)
    pid=$(pm inspect -f '{{.State.Pid}}' peer-d 2>&1) || true
    if [ -n "$(cgroups_under "$cg_parent/libpod-$id")" ]; then ok "container cgroup in --cgroup-parent"
    else ko "container cgroup $cg_parent/libpod-$id missing"; fi
    # pid 1 seen by the exec'd process is the container's shell: exec joined its pid ns.
    check "exec joins the container" sh "$(pm exec peer-d cat /proc/1/comm 2>&1)"
    # shellcheck disable=SC2016
    check "exec -e -w" "bar /tmp" "$(pm exec -e FOO=bar -w /tmp peer-d sh -c 'echo "$FOO $(pwd)"' 2>&1)"
    check "exec -u 65534 (uid gid)" "65534 65534" "$(pm exec -u 65534 peer-d sh -c 'echo $(id -u) $(id -g)' 2>&1)"
    rc=0
    pm exec peer-d sh -c 'exit 4' >/dev/null 2>&1 || rc=$?
    check "exec exit code propagates" 4 "$rc"
    check "logs" ready "$(pm logs peer-d 2>&1)"
    count() { cat "/proc/$pid/root/tmp/count" 2>/dev/null || true; }
    if pm pause peer-d >/dev/null 2>"$T/p.err"; then
        check "pause: state paused" paused "$(pm inspect -f '{{.State.Status}}' peer-d 2>&1)"
        a=$(count); sleep 0.5; b=$(count)
        if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "pause: counter stopped ($a)"
        else ko "pause: counter moved '$a' -> '$b'"; fi
    else
        ko "pause: $(cat "$T/p.err")"
    fi
    if pm unpause peer-d >/dev/null 2>"$T/p.err"; then
        check "unpause: state running" running "$(pm inspect -f '{{.State.Status}}' peer-d 2>&1)"
        a=$(count); sleep 0.5; b=$(count)
        if [ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ]; then ok "unpause: counter runs ($a -> $b)"
        else ko "unpause: counter '$a' -> '$b'"; fi
    else
        ko "unpause: $(cat "$T/p.err")"
    fi
    out=$(pm stats --no-stream --format '{{.MemUsage}}' peer-d 2>&1) || true
    if [[ $out =~ ^[0-9.]+[kMGT]?B\ /\ [0-9.]+[kMGT]?B$ ]]; then ok "stats --no-stream MemUsage ($out)"
    else ko "stats --no-stream MemUsage: '$out'"; fi
    out=$(pm top peer-d pid args 2>&1) || true
    if echo "$out" | grep -q '^1 .*sh -c trap' && echo "$out" | grep -q 'sleep 0.1'; then ok "top lists the container's processes"
    else ko "top: $out"; fi
    pm stop -t 10 peer-d >/dev/null 2>&1 || ko "stop"
    check "stop delivers SIGTERM (exit 7)" 7 "$(pm inspect -f '{{.State.ExitCode}}' peer-d 2>&1)"
    if pm rm peer-d >/dev/null 2>&1; then ok "rm"; else ko "rm"; fi
else
    ko "run -d: $(cat "$T/d.err")"
fi
check "no containers left" "" "$(pm ps -aq 2>&1)"
# The runtime's delete must remove the container cgroups it made (in every hierarchy).
check "no container cgroups left" "" "$(cgroups_under "$cg_parent/libpod-*")"

peer_summary "podman peer"
