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

pass=0 fail=0
ok() { echo "PASS $*"; pass=$((pass + 1)); }
ko() { echo "FAIL $*"; fail=$((fail + 1)); }
# Cgroup dirs matching <path-pattern> in any hierarchy (v1: /sys/fs/cgroup/<ctrl>/..., v2: /sys/fs/cgroup/...).
cgroups_under() { find /sys/fs/cgroup/ -mindepth 2 -maxdepth 3 -type d -path "/sys/fs/cgroup*$1" 2>/dev/null; }
# check <name> <expected> <actual>
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: expected '$2', got '$3'"; fi; }

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

# Detached: the shell exits 7 on SIGTERM, so a clean stop proves signal delivery via `kill`.
if pm run -d --network none --cgroup-parent "$cg_parent" --name peer-d "$img" \
    sh -c 'trap "exit 7" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null 2>"$T/d.err"; then
    ok "run -d"
    check "inspect running" running "$(pm inspect -f '{{.State.Status}}' peer-d 2>&1)"
    id=$(pm inspect -f '{{.Id}}' peer-d 2>&1)
    if [ -n "$(cgroups_under "$cg_parent/libpod-$id")" ]; then ok "container cgroup in --cgroup-parent"
    else ko "container cgroup $cg_parent/libpod-$id missing"; fi
    # pid 1 seen by the exec'd process is the container's shell: exec joined its pid ns.
    check "exec joins the container" sh "$(pm exec peer-d cat /proc/1/comm 2>&1)"
    check "logs" ready "$(pm logs peer-d 2>&1)"
    pm stop -t 10 peer-d >/dev/null 2>&1 || ko "stop"
    check "stop delivers SIGTERM (exit 7)" 7 "$(pm inspect -f '{{.State.ExitCode}}' peer-d 2>&1)"
    if pm rm peer-d >/dev/null 2>&1; then ok "rm"; else ko "rm"; fi
else
    ko "run -d: $(cat "$T/d.err")"
fi
check "no containers left" "" "$(pm ps -aq 2>&1)"
# The runtime's delete must remove the container cgroups it made (in every hierarchy).
check "no container cgroups left" "" "$(cgroups_under "$cg_parent/libpod-*")"

echo "podman peer: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
