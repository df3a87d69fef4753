#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR/../scripts
# Benchmark: wall time of `<runtime> exec <id> /bin/true` into an already running busybox
# container (read state, join the container's namespaces and cgroups, exec, wait),
# berth-runtime vs runc vs crun, with `nsenter` into the same namespaces as the floor: into a
# container without a seccomp profile, then into one with podman's default profile, which the
# exec'd process gets too. One long-running container per runtime and profile; writes
# bench/results/runtime-exec{,-idle,-seccomp,-seccomp-idle}.json and runtime-exec.md.
# Usage: bench/runtime-exec.sh [berth-runtime-binary]   (default: out/bin/berth-runtime;
#        skipped when absent). Env: RUNS (default 30), WARMUP (default 3),
#        RESULTS_DIR (default bench/results). Make: bench/runtime-exec.sh $(RUNTIME)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
berth=${1:-$repo/out/bin/berth-runtime}
# shellcheck source=lib.sh
. "$repo/bench/lib.sh"
bench_runtime_setup
need_pkg nsenter util-linux

T=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-exec.XXXXXX")
id=bench-exec-$$
# The container's process: one long sleep (killed and deleted after its measurements, or on exit).
"$repo/scripts/busybox-bundle.sh" "$T/bundle" sleep 1000000
bench_seccomp_bundle "$T/bundle" "$T/bundle-seccomp"

# crun refuses this host's hybrid cgroup layout (v1 + a v2 mount at /sys/fs/cgroup/unified),
# so each crun call (create, start, exec, kill, delete) runs in a private mount namespace
# with the v2 mount removed; its cost is measured alone as "crun-trick" (see runtime-run.sh).
# On a pure v1 or pure v2 host crun runs directly.
crun_bin=$(command -v crun)
hybrid=0
mountpoint -q /sys/fs/cgroup/unified 2>/dev/null && hybrid=1
crun_cmd() { # prints the crun command line for <args...>
    local c
    c="$crun_bin --root $T/root-crun $*"
    if [ "$hybrid" = 1 ]; then
        echo "unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec $c'"
    else
        echo "$c"
    fi
}

# Runtimes: name and command prefix (up to the subcommand).
rt_names=() rt_cmds=()
if [ -x "$berth" ]; then
    berth=$(realpath "$berth")
    rt_names+=(berth-runtime) rt_cmds+=("$berth --root $T/root-berth")
else
    echo "note: no berth-runtime at $berth; measuring peers only" >&2
fi
rt_names+=(runc) rt_cmds+=("$(command -v runc) --root $T/root-runc")
rt_names+=(crun) rt_cmds+=(crun)
rt() { # rt <index> <args...>: run that runtime's command
    local i=$1
    shift
    if [ "${rt_names[$i]}" = crun ]; then sh -c "$(crun_cmd "$@")"; else sh -c "${rt_cmds[$i]} $*"; fi
}

started=()
stop_all() { # kills and deletes the running containers (a kill that finds it gone already is fine)
    local i
    for i in "${started[@]}"; do
        rt "$i" kill "$id" KILL >/dev/null 2>&1 || true
        rt "$i" delete -f "$id" >/dev/null 2>&1 || true
    done
    started=()
}
cleanup() {
    set +e
    stop_all
    rm -rf "$T"
}
trap cleanup EXIT

load=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$results"
# measure BUNDLE SUFFIX: one container per runtime from BUNDLE (create + start; its stdio is /dev/null),
# both passes of exec into them into runtime-exec<SUFFIX>[-idle].json, then the containers go.
measure() {
    local b=$1 suffix=$2 i
    for i in "${!rt_names[@]}"; do
        if ! rt "$i" create --bundle "$b" "$id" </dev/null >/dev/null 2>"$T/err"; then
            echo "FAIL ${rt_names[$i]} create: $(cat "$T/err")" >&2
            exit 1
        fi
        started+=("$i")
        rt "$i" start "$id" </dev/null >/dev/null 2>"$T/err" ||
            { echo "FAIL ${rt_names[$i]} start: $(cat "$T/err")" >&2; exit 1; }
    done

    names=() cmds=()
    add() { names+=("$1"); cmds+=("$2"); }
    for i in "${!rt_names[@]}"; do
        if [ "${rt_names[$i]}" = crun ]; then
            add crun "$(crun_cmd exec "$id" /bin/true)"
        else
            add "${rt_names[$i]}" "${rt_cmds[$i]} exec $id /bin/true"
        fi
    done
    [ "$hybrid" = 1 ] && add crun-trick "unshare -m sh -c 'umount /sys/fs/cgroup/unified'"
    # Floor: enter the runc container's namespaces (mount, uts, ipc, net, pid) and exec its
    # /bin/true; no runtime, no state, no cgroup join, no capabilities/seccomp/rlimit setup.
    local runc_pid
    runc_pid=$(runc --root "$T/root-runc" state "$id" | jq -r .pid)
    add floor "nsenter -t $runc_pid -m -u -i -n -p /bin/true"

    # Every command must succeed once before timing (hyperfine would abort mid-run otherwise).
    for i in "${!cmds[@]}"; do
        sh -c "${cmds[$i]}" </dev/null || { echo "FAIL ${names[$i]}: ${cmds[$i]}" >&2; exit 1; }
    done
    local hf=()
    for i in "${!cmds[@]}"; do hf+=(-n "${names[$i]}" "${cmds[$i]}"); done
    # -N: no intermediate shell (and no shell-startup correction, which is as large as the floor).
    bench_two_passes "$results/runtime-exec$suffix" -N "${hf[@]}"
    stop_all
}
echo "=== no seccomp profile (runc spec)"
measure "$T/bundle" ""
echo "=== podman's default seccomp profile"
measure "$T/bundle-seccomp" "-seccomp"

# Summary: mean per command and the ratio to berth-runtime (runc when berth is absent).
base="berth-runtime"
[ -x "$berth" ] || base=runc
rev=$(bench_revision)
{
    echo "# runtime exec: /bin/true in a running busybox container"
    echo
    echo "$(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs; hyperfine $runs runs after $warmup warmup;"
    echo "repo $rev, runc $(runc --version | awk 'NR==1 {print $3}'), crun $(crun --version | awk 'NR==1 {print $3}')."
    echo "Produced by \`bench/runtime-exec.sh\`; see bench/README.md."
    bench_profile_tables runtime-exec "$base"
    echo
    echo "Load average when it ran: $load."
    echo "floor is \`nsenter\` into the container's namespaces running its /bin/true (no runtime)."
    if [[ " ${names[*]} " == *" crun-trick "* ]]; then
        echo
        echo "crun-trick is the cost of the \`unshare -m\` + \`umount /sys/fs/cgroup/unified\` wrapper"
        echo "that crun needs on this hybrid-cgroup host; it is included in the crun row."
    fi
} >"$results/runtime-exec.md"
for f in runtime-exec runtime-exec-idle runtime-exec-seccomp runtime-exec-seccomp-idle; do bench_summary "$results/$f.json" "$base"; done
echo
echo "wrote $results/runtime-exec.md and runtime-exec{,-idle,-seccomp,-seccomp-idle}.json"
