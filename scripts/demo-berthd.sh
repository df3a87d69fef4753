#!/usr/bin/env bash
# The second half of the demo: berthd serving the Docker Engine API, driven by the real docker CLI and by
# berth, side by side on the same daemon, pulling from a local registry that this script fills with a busybox image (never the internet).
set -euo pipefail
bin=$(realpath "${1:-out/bin}")
cd "$(dirname "$0")/.."
T=$(mktemp -d /tmp/berth-demo-d.XXXXXX)
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
    scripts/registry-stop.sh "$T/registry" >/dev/null 2>&1 || true
    rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/registry"
url=$(scripts/registry-start.sh --dir "$T/registry" --fill 2>/dev/null | tail -1)
img="${url#http://}/test/busybox:latest"
"$bin/berthd" -H "unix://$T/berth.sock" --root "$T/root" --exec-root "$T/run" 2>/dev/null &
pid=$!
for _ in $(seq 1 50); do [ -S "$T/berth.sock" ] && break; sleep 0.1; done
export DOCKER_CONFIG="$T/docker-config"
d() { echo "\$ docker $*"; docker -H "unix://$T/berth.sock" "$@"; }
b() { echo "\$ berth $*"; "$bin/berth" -H "unix://$T/berth.sock" "$@"; }

echo "host: berthd serves the Docker API on $T/berth.sock; the clients are the stock docker CLI and berth"
d version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}} (client {{.Client.Version}})'
b pull "$img"
d images
b tag "$img" demo/busybox:1
b images --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}'
d inspect --format '{{.Id}} {{.Os}}/{{.Architecture}} layers={{len .RootFS.Layers}}' demo/busybox:1
b history demo/busybox:1
b rmi demo/busybox:1 "$img"
echo "host: layers left in berthd's store: $(find "$T/root/snapshots" -mindepth 1 -maxdepth 1 | wc -l)"
