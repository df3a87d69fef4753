#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR/../scripts
# Benchmark: wall time of a full pull of an 8-layer, ~94 MB (compressed) image from a local
# docker-registry: `berth pull` (berth's CLI against berthd) vs podman vs `docker pull` against dockerd
# 20.10, with `skopeo copy ... dir:` (download only, no unpacking, no store) as the floor. The image
# comes from scripts/bench-image.sh.
# One hyperfine run; each run's --prepare removes the image first, so every run is a full pull.
# Writes bench/results/image-pull.{json,md}.
# Usage: bench/image-pull.sh [bin-dir]   (default: out/bin, holding berth and berthd)
#        Env: RUNS (default 5), WARMUP (default 1), RESULTS_DIR (default bench/results),
#        BENCH_IMAGE (archive cache, default /var/tmp/berth-bench-image.tar).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$(realpath "${1:-$repo/out/bin}")
runs=${RUNS:-5}
warmup=${WARMUP:-1}
results=${RESULTS_DIR:-$repo/bench/results}
[ -x "$bin/berthd" ] || { echo "no berthd in $bin (make build)" >&2; exit 2; }
[ -x "$bin/berth" ] || { echo "no berth in $bin (make build)" >&2; exit 2; }

# shellcheck source=lib-apt.sh
. "$repo/scripts/lib-apt.sh"
# shellcheck source=lib.sh
. "$repo/bench/lib.sh"
need_pkg hyperfine hyperfine
need_pkg jq jq
need_pkg curl curl
need_pkg podman podman
need_pkg dockerd docker.io
need_pkg skopeo skopeo
need_pkg openssl openssl

T=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-pull.XXXXXX")
berthd_pid=''
cleanup() {
    set +e
    [ -n "${PM:-}" ] && "${PM[@]}" system reset --force >/dev/null 2>&1
    [ -f "$T/dockerd.pid" ] && kill "$(cat "$T/dockerd.pid")" 2>/dev/null
    [ -n "$berthd_pid" ] && kill "$berthd_pid" 2>/dev/null
    [ -d "$T/registry" ] && "$repo/scripts/registry-stop.sh" "$T/registry" >/dev/null 2>&1
    for _ in $(seq 50); do
        { [ -f "$T/dockerd.pid" ] && kill -0 "$(cat "$T/dockerd.pid")" 2>/dev/null; } ||
            { [ -n "$berthd_pid" ] && kill -0 "$berthd_pid" 2>/dev/null; } || break
        sleep 0.1
    done
    findmnt -rn -o TARGET | grep "^$T/" | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$T" || echo "WARN could not remove $T" >&2
}
trap cleanup EXIT

archive=$("$repo/scripts/bench-image.sh" "${BENCH_IMAGE:-/var/tmp/berth-bench-image.tar}" | sed -n 's/^archive: //p')
url=$("$repo/scripts/registry-start.sh" --dir "$T/registry" | tail -1)
host=${url#http://}
img=$host/bench/big:1
skopeo --insecure-policy copy -q --dest-tls-verify=false "docker-archive:$archive" "docker://$img"
manifest=$(curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "$url/v2/bench/big/manifests/1")
nlayers=$(jq '.layers | length' <<<"$manifest")
compressed=$(jq '[.layers[].size] | add + 0' <<<"$manifest")
echo "image $img: $nlayers layers, $compressed bytes compressed (gzip, pushed by skopeo)"

# Daemons, each with its own roots and socket; nothing on the host changes.
dockerd --iptables=false --bridge=none --data-root "$T/dockerd-data" --exec-root "$T/dockerd-exec" \
    -H "unix://$T/dockerd.sock" --pidfile "$T/dockerd.pid" --insecure-registry "$host" \
    --containerd-namespace berth-bench --containerd-plugins-namespace berth-bench-plugins >"$T/dockerd.log" 2>&1 &
"$bin/berthd" -H "unix://$T/berthd.sock" --root "$T/berthd-root" --exec-root "$T/berthd-exec" 2>"$T/berthd.log" &
berthd_pid=$!
for _ in $(seq 1 150); do [ -S "$T/dockerd.sock" ] && [ -S "$T/berthd.sock" ] && break; sleep 0.1; done
export DOCKER_CONFIG="$T/docker-config" # podman reads its auth file too
mkdir -p "$DOCKER_CONFIG" && echo "{}" >"$DOCKER_CONFIG/config.json"
docker=$(command -v docker)

# podman: private containers.conf / storage.conf as in tests/peers/podman.sh (default_ulimits:
# podman's default nofile is above this host's hard limit).
cat >"$T/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_config_dir = "$T/net"
CONF
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/p"\nrunroot = "%s/prun"\n' "$T" "$T" >"$T/storage.conf"
export CONTAINERS_CONF=$T/containers.conf CONTAINERS_STORAGE_CONF=$T/storage.conf
podman=$(command -v podman)
pm="$podman --root $T/p --runroot $T/prun --storage-driver overlay --tmpdir $T/ptmp --cgroup-manager cgroupfs --events-backend file"
read -ra PM <<<"$pm"

names=() cmds=() preps=()
add() { names+=("$1"); cmds+=("$2"); preps+=("$3"); }
add berth "$bin/berth -H unix://$T/berthd.sock pull -q $img" \
    "$bin/berth -H unix://$T/berthd.sock rmi -f $img >/dev/null 2>&1 || true"
add podman "$pm pull -q --tls-verify=false $img" "$pm rmi -f $img >/dev/null 2>&1 || true"
add dockerd "$docker -H unix://$T/dockerd.sock pull -q $img" \
    "$docker -H unix://$T/dockerd.sock rmi -f $img >/dev/null 2>&1 || true"
add floor "$(command -v skopeo) --insecure-policy copy -q --src-tls-verify=false docker://$img dir:$T/x" "rm -rf $T/x"

# Every command must succeed once before timing (hyperfine would abort mid-run otherwise).
for i in "${!cmds[@]}"; do
    sh -c "${preps[$i]}"
    sh -c "${cmds[$i]}" >/dev/null || { echo "FAIL ${names[$i]}: ${cmds[$i]}" >&2; tail -20 "$T/berthd.log" >&2; exit 1; }
done

mkdir -p "$results"
hf=()
for i in "${!cmds[@]}"; do hf+=(--prepare "${preps[$i]}"); done
for i in "${!cmds[@]}"; do hf+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine --warmup "$warmup" --runs "$runs" --style basic \
    --export-json "$results/image-pull.json" "${hf[@]}"

base=berth
rev=$(bench_revision)
{
    echo "# image pull: 8-layer image, $(awk -v b="$compressed" 'BEGIN {printf "%.1f", b / 1e6}') MB compressed, from a local docker-registry"
    echo
    echo "$(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs; hyperfine $runs runs after $warmup warmup;"
    echo "repo $rev, podman $(podman --version | awk '{print $3}'), dockerd $(dockerd --version | awk '{print $3}' | tr -d ,),"
    echo "skopeo $(skopeo --version | awk '{print $3}'), docker CLI $($docker --version | awk '{print $3}' | tr -d ,) (the client for dockerd; berth is berth's own CLI against berthd)."
    echo "Produced by \`bench/image-pull.sh\`; see bench/README.md."
    echo
    bench_table "$results/image-pull.json" "$base" 0
    echo
    echo "floor is \`skopeo copy docker://... dir:\`: download and digest check only, no"
    echo "decompression, no unpacking into a store."
} >"$results/image-pull.md"
bench_summary "$results/image-pull.json" "$base"
echo
echo "wrote $results/image-pull.md and image-pull.json"
