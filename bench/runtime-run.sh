#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR/../scripts
# Benchmark: wall time of `<runtime> run` of a busybox bundle whose process is /bin/true
# (create namespaces + mounts + cgroups, exec, wait, delete), berth-runtime vs runc vs crun,
# with `unshare -fpmuin --mount-proc true` as the floor (bare namespaces, no runtime).
# One hyperfine run; writes bench/results/runtime-run.{json,md}.
# Usage: bench/runtime-run.sh [berth-runtime-binary]   (default: out/bin/berth-runtime;
#        skipped when absent). Env: RUNS (default 30), WARMUP (default 3),
#        RESULTS_DIR (default bench/results).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
berth=${1:-$repo/out/bin/berth-runtime}
# shellcheck source=lib.sh
. "$repo/bench/lib.sh"
bench_runtime_setup

T=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
"$repo/scripts/busybox-bundle.sh" "$T/bundle" /bin/true
bench_seccomp_bundle "$T/bundle" "$T/bundle-seccomp"

crun_bin=$(command -v crun)
# measure NAME BUNDLE SUFFIX: both passes over the runtimes for BUNDLE, into runtime-run<SUFFIX>[-idle].json.
# Each command: its own --root dir; container id = the id of the shell hyperfine spawns
# for that run ($$), unique among live processes; `run` deletes the container on exit.
measure() {
    local label=$1 b=$2 suffix=$3
    names=() cmds=()
    add() { names+=("$1"); cmds+=("$2"); }
    if [ -x "$berth" ]; then
        add berth-runtime "$berth --root $T/root-berth run --bundle $b b\$\$"
    fi
    add runc "$(command -v runc) --root $T/root-runc run --bundle $b r\$\$"
    # crun refuses this host's hybrid cgroup layout (v1 + a v2 mount at /sys/fs/cgroup/unified),
    # so it runs in a private mount namespace with the v2 mount removed. That trick has to be
    # inside the measured command; its own cost is measured separately as "crun-trick" (the
    # same unshare + umount with no container) so it can be subtracted when reading the table.
    # On a pure v1 or pure v2 host crun runs directly.
    if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
        add crun "unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec $crun_bin --root $T/root-crun run --bundle $b c\$\$'"
        add crun-trick "unshare -m sh -c 'umount /sys/fs/cgroup/unified'"
    else
        add crun "$crun_bin --root $T/root-crun run --bundle $b c\$\$"
    fi
    add floor "unshare -fpmuin --mount-proc true"

    # Every command must succeed once before timing (hyperfine would abort mid-run otherwise).
    for i in "${!cmds[@]}"; do
        sh -c "${cmds[$i]}" || { echo "FAIL ${names[$i]}: ${cmds[$i]}" >&2; exit 1; }
    done
    hf=()
    for i in "${!cmds[@]}"; do hf+=(-n "${names[$i]}" "${cmds[$i]}"); done
    echo "=== $label"
    bench_two_passes "$results/runtime-run$suffix" "${hf[@]}"
}

if [ -x "$berth" ]; then
    berth=$(realpath "$berth")
else
    echo "note: no berth-runtime at $berth; measuring peers only" >&2
fi
mkdir -p "$results"
measure "no seccomp profile (runc spec)" "$T/bundle" ""
measure "podman's default seccomp profile" "$T/bundle-seccomp" "-seccomp"

# Summary: mean per command and the ratio to berth-runtime (runc when berth is absent).
base="berth-runtime"
[ -x "$berth" ] || base=runc
rev=$(bench_revision)
{
    echo "# runtime run: /bin/true in a busybox bundle"
    echo
    echo "$(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs; hyperfine $runs runs after $warmup warmup;"
    echo "repo $rev, runc $(runc --version | awk 'NR==1 {print $3}'), crun $(crun --version | awk 'NR==1 {print $3}')."
    echo "Produced by \`bench/runtime-run.sh\`; see bench/README.md."
    bench_profile_tables runtime-run "$base"
    if [[ " ${names[*]} " == *" crun-trick "* ]]; then
        echo
        echo "crun-trick is the cost of the \`unshare -m\` + \`umount /sys/fs/cgroup/unified\` wrapper"
        echo "that crun needs on this hybrid-cgroup host; it is included in the crun row."
    fi
} >"$results/runtime-run.md"
for f in runtime-run runtime-run-idle runtime-run-seccomp runtime-run-seccomp-idle; do bench_summary "$results/$f.json" "$base"; done
echo
echo "wrote $results/runtime-run.md and runtime-run{,-idle,-seccomp,-seccomp-idle}.json"
