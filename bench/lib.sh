#!/usr/bin/env bash
# Sourced by the benchmarks: the set-up of the runtime benchmarks and the reporting they all share once
# hyperfine has written its JSON.

# bench_runtime_setup: runs, warmup and results from RUNS, WARMUP and RESULTS_DIR (defaults 30, 3,
# bench/results), and the packages both runtime benchmarks need. Expects $repo.
bench_runtime_setup() {
    runs=${RUNS:-30}
    warmup=${WARMUP:-3}
    results=${RESULTS_DIR:-$repo/bench/results}
    # shellcheck source=../scripts/lib-apt.sh
    . "$repo/scripts/lib-apt.sh"
    need_pkg hyperfine hyperfine
    need_pkg runc runc
    need_pkg crun crun
    need_pkg jq jq
}

# bench_seccomp_bundle SRC DST: DST/config.json is SRC's (rootfs and all) with podman's default seccomp profile
# (containers-common), as podman, Docker and Kubernetes confine every container: building such a profile into a
# filter is a large part of starting a container or an exec'd process.
bench_seccomp_bundle() {
    local src=$1 dst=$2
    need_pkg /usr/share/containers/seccomp.json containers-common
    mkdir -p "$dst"
    jq --arg root "$src/rootfs" --slurpfile p /usr/share/containers/seccomp.json '.root.path = $root
        | .linux.seccomp = ($p[0] | {defaultAction, defaultErrnoRet,
        architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        syscalls: [.syscalls[] | select((.excludes // {}) == {}) | {names, action, args, errnoRet}]})' \
        "$src/config.json" >"$dst/config.json"
}

# bench_revision: the repository's short HEAD, with "+dirty" when the tree has changes.
bench_revision() {
    local rev
    rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
    git -C "$repo" diff --quiet HEAD -- 2>/dev/null || rev+="+dirty"
    echo "$rev"
}

# Idle before each run in the second pass of the runtime benchmarks. A runtime that writes pids to
# cgroup.procs (runc, crun) takes the kernel's cgroup_threadgroup_rwsem for writing; after a quiet spell that
# waits for an RCU grace period, but back-to-back runs find it still warm from the run before. A container
# start on a real host usually follows a quiet spell, so both are measured: back to back, and after this.
BENCH_IDLE=0.1

# bench_two_passes JSON_BASENAME HYPERFINE_ARGS...: hyperfine back to back into <basename>.json, then again
# with BENCH_IDLE seconds of sleep before each run (not timed) into <basename>-idle.json.
bench_two_passes() {
    local out=$1
    shift
    echo "== back to back"
    hyperfine --warmup "$warmup" --runs "$runs" --style basic --export-json "$out.json" "$@"
    echo "== after ${BENCH_IDLE} s idle before each run"
    hyperfine --warmup "$warmup" --runs "$runs" --style basic --prepare "sleep $BENCH_IDLE" --export-json "$out-idle.json" "$@"
}

# bench_table JSON BASE DECIMALS: the markdown table of the results (mean, σ, median, min and max in ms
# with DECIMALS decimals), the last column each mean over BASE's mean.
bench_table() {
    local json=$1 base=$2 decimals=$3 base_mean
    base_mean=$(jq -r --arg n "$base" '.results[] | select(.command == $n) | .mean' "$json")
    echo "| command | mean (ms) | σ (ms) | median (ms) | min (ms) | max (ms) | vs $base |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    jq -r --argjson bm "$base_mean" '.results[] | [.command, .mean, .stddev, .median, .min, .max, .mean / $bm] | @tsv' "$json" |
        awk -F'\t' -v d="$decimals" '{ f = "%." d "f"; printf("| %s |", $1)
            for (i = 2; i <= 6; i++) printf(" " f " |", $i * 1000); printf(" %.2fx |\n", $7) }'
    echo
    echo "Last column: mean time / mean time of $base (below 1: faster than $base)."
}

# bench_profile_tables NAME BASE: the four tables of <results>/NAME{,-idle,-seccomp,-seccomp-idle}.json (back to
# back and after idle, without a seccomp profile and with podman's), each against BASE.
bench_profile_tables() {
    local name=$1 base=$2 suffix what
    for suffix in "" -seccomp; do
        what="no seccomp profile (the runc spec bundle)"
        [ -n "$suffix" ] && what="podman's default seccomp profile (containers-common)"
        echo
        echo "## Back to back, $what"
        echo
        bench_table "$results/$name$suffix.json" "$base" 2
        echo
        echo "## After ${BENCH_IDLE} s idle before each run, $what"
        echo
        bench_table "$results/$name$suffix-idle.json" "$base" 2
    done
}

# bench_summary JSON BASE: the means and the ratios to BASE on the console.
bench_summary() {
    local json=$1 base=$2 short=${2%-runtime} base_mean
    base_mean=$(jq -r --arg n "$base" '.results[] | select(.command == $n) | .mean' "$json")
    echo
    echo "== $(basename "$json")"
    printf '%-14s %10s\n' command 'mean (ms)'
    jq -r '.results[] | "\(.command) \(.mean * 1000)"' "$json" | while read -r n m; do printf '%-14s %10.2f\n' "$n" "$m"; done
    echo
    echo "time ratios (x/$short; above 1 means $short is faster):"
    jq -r --arg base "$base" --arg short "$short" --argjson bm "$base_mean" '.results[] | select(.command != $base) |
        "  \(.command)/\($short) = \(.mean / $bm * 100 | round / 100)x"' "$json"
}
