#!/usr/bin/env bash
# Peer test: the berth CLI against a real dockerd (Debian's docker.io, 20.10, API 1.41), side by side with
# the docker CLI against the same daemon: version negotiation, pull, images/history/inspect output,
# tag, save|load, import, image prune, rmi, login. This is also where import and prune are exercised
# against a daemon that has them.
# Usage: tests/peers/berth-cli.sh [bin-dir]   (default: out/bin, holding berth)
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

T=$(mktemp -d "${TMPDIR:-/tmp}/berth-cli-peer.XXXXXX")
cleanup() {
    for d in registry auth-registry; do
        [ -d "$T/$d" ] && "$repo/scripts/registry-stop.sh" "$T/$d" >/dev/null 2>&1 || true
    done
    stop_dockerd
    rm -rf "$T" 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$T/registry" "$T/auth-registry"
url=$("$repo/scripts/registry-start.sh" --dir "$T/registry" --fill 2>/dev/null | tail -1)
auth_url=$("$repo/scripts/registry-start.sh" --dir "$T/auth-registry" --htpasswd alice:s3cret 2>/dev/null | tail -1)
reg=${url#http://}
img="$reg/test/busybox:latest"

start_dockerd berth-cli-peer --insecure-registry "$reg" --insecure-registry "${auth_url#http://}"
export DOCKER_HOST="unix://$T/dockerd.sock" DOCKER_CONFIG="$T/docker-config"
unset BERTH_HOST
B=("$bin/berth")   # DOCKER_HOST is honoured: no -H needed
D=(docker)

check "version negotiated down to dockerd's API" "1.41" "$("${B[@]}" version --format '{{.Client.ApiVersion}}')"
check "server version" "$("${D[@]}" version --format '{{.Server.Version}}')" "$("${B[@]}" version --format '{{.Server.Version}}')"

out=$("${B[@]}" pull "$img")
check "pull prints the reference last" "$img" "$(tail -1 <<<"$out")"
case $out in *"Status: Downloaded newer image for $img"*) ok "pull status line" ;; *) ko "pull status line: $out" ;; esac
"${B[@]}" tag "$img" peer/box:1
for args in "images" "images --digests" "images -q" "images --no-trunc" "history peer/box:1" "history --no-trunc -H=false peer/box:1" \
    "inspect peer/box:1" "image inspect --format {{.Id}}/{{.Config.Cmd}} peer/box:1"; do
    # shellcheck disable=SC2086 # word splitting intended
    if diff <("${B[@]}" $args | sort) <("${D[@]}" $args | sort) >"$T/diff"; then ok "same output: $args"; else ko "output differs: $args"; cat "$T/diff"; fi
done
check "images --format json" "$("${D[@]}" images --format '{{json .}}' | sort)" "$("${B[@]}" images --format '{{json .}}' | sort)"

"${B[@]}" save -o "$T/box.tar" peer/box:1
id=$("${B[@]}" inspect --format '{{.Id}}' peer/box:1)
"${B[@]}" rmi peer/box:1 >/dev/null
check "load from a pipe" "Loaded image: peer/box:1" "$("${B[@]}" load <"$T/box.tar")"
check "same id after load" "$id" "$("${B[@]}" inspect --format '{{.Id}}' peer/box:1)"

# import: a root filesystem tar (made with tar from a directory) becomes a one-layer image
mkdir -p "$T/rootfs/etc" && echo imported >"$T/rootfs/etc/marker"
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
out=$("${B[@]}" import -m "from berth" -c 'CMD ["sh"]' "$T/rootfs.tar" peer/imported:1)
case $out in sha256:*) ok "import prints the new id" ;; *) ko "import: $out" ;; esac
check "imported image exists" "[sh] from berth" "$("${B[@]}" inspect --format '{{.Config.Cmd}} {{.Comment}}' peer/imported:1)"
out=$("${B[@]}" import - peer/stdin:1 <"$T/rootfs.tar")
case $out in sha256:*) ok "import from stdin" ;; *) ko "import from stdin: $out" ;; esac

# prune: an import without a name is a dangling image
"${B[@]}" import "$T/rootfs.tar" >/dev/null
out=$("${B[@]}" image prune -f)
case $out in *"deleted: sha256:"*"Total reclaimed space:"*) ok "image prune removes the dangling image" ;; *) ko "image prune: $out" ;; esac
check "nothing dangling left" "" "$("${B[@]}" images -q --filter dangling=true)"
echo n | "${B[@]}" image prune -a >/dev/null
check "prune without -f asks, and no means no" "1" "$("${B[@]}" images -q peer/imported:1 | grep -c .)"

# login through dockerd's /auth, config.json readable by docker
cfg="$T/berth-config"
if echo s3cret | "${B[@]}" --config "$cfg" login -u alice --password-stdin "${auth_url#http://}" >"$T/login.out" 2>"$T/login.err"; then
    ok "login through dockerd"
else
    ko "login through dockerd: $(cat "$T/login.err")"
fi
check "docker reads berth's config.json" "Removing login credentials for ${auth_url#http://}" "$(DOCKER_CONFIG=$cfg docker logout "${auth_url#http://}" 2>&1)"

check "rmi of an unknown image" "Error response from daemon: No such image: nosuch:latest" "$("${B[@]}" rmi nosuch 2>&1 || true)"

peer_summary "berth CLI vs dockerd"
