#!/usr/bin/env bash
# Peer test: images move between berthd and a real dockerd (Debian's docker.io, 20.10) through
# `docker save` / `docker load`, both ways, with the same image IDs; dockerd runs what berthd saved.
# Usage: tests/peers/dockerd.sh [bin-dir]   (default: out/bin, holding berthd)
# dockerd runs with its own roots and socket, --iptables=false --bridge=none: nothing on the host changes.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=$(realpath "${1:-$repo/out/bin}")
# shellcheck source=../../scripts/lib-apt.sh
. "$repo/scripts/lib-apt.sh"
# shellcheck source=lib.sh
. "$repo/tests/peers/lib.sh"
need_pkg dockerd docker.io

T=$(mktemp -d "${TMPDIR:-/tmp}/berth-dockerd.XXXXXX")
cleanup() {
    [ -n "${berthd_pid:-}" ] && kill "$berthd_pid" 2>/dev/null || true
    [ -d "$T/registry" ] && "$repo/scripts/registry-stop.sh" "$T/registry" >/dev/null 2>&1 || true
    stop_dockerd
    rm -rf "$T" 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$T/registry"
url=$("$repo/scripts/registry-start.sh" --dir "$T/registry" --fill 2>/dev/null | tail -1)
img="${url#http://}/test/busybox:latest"

start_dockerd berth-peer
"$bin/berthd" -H "unix://$T/berthd.sock" --root "$T/berthd-root" --exec-root "$T/berthd-exec" 2>"$T/berthd.log" &
berthd_pid=$!
for _ in $(seq 1 100); do [ -S "$T/berthd.sock" ] && break; sleep 0.1; done
export DOCKER_CONFIG="$T/docker-config"
B=(docker -H "unix://$T/berthd.sock")
D=(docker -H "unix://$T/dockerd.sock")

"${B[@]}" pull -q "$img" >/dev/null
id=$("${B[@]}" inspect --format '{{.Id}}' "$img")
"${B[@]}" save -o "$T/from-berth.tar" "$img"
out=$("${D[@]}" load -i "$T/from-berth.tar" 2>&1) || true
check "dockerd loads berthd's save" "Loaded image: $img" "$out"
check "same image id in dockerd" "$id" "$("${D[@]}" inspect --format '{{.Id}}' "$img" 2>&1)"
check "dockerd runs the image berthd saved" "hi" "$("${D[@]}" run --rm --network none "$img" echo hi 2>&1)"

"${D[@]}" tag "$img" roundtrip:1
"${D[@]}" save -o "$T/from-dockerd.tar" roundtrip:1
out=$("${B[@]}" load -i "$T/from-dockerd.tar" 2>&1) || true
check "berthd loads dockerd's save" "Loaded image: roundtrip:1" "$out"
check "same image id in berthd" "$id" "$("${B[@]}" inspect --format '{{.Id}}' roundtrip:1 2>&1)"

peer_summary "dockerd peer"
