#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Build a busybox image locally (no registry) as a docker-archive tarball tagged
# localhost/busybox:latest, then import it into podman's storage and/or containerd.
#
# The archive is assembled by hand (one uncompressed layer = busybox-rootfs.sh output,
# a config, manifest.json) with a fixed mtime, so its digests are reproducible and it
# needs neither podman nor docker. Both `podman load` and `ctr images import` read it.
#
# Usage: scripts/busybox-image.sh [options]
#   --archive FILE        where to write the archive (default: $TMPDIR/berth-busybox/busybox.tar;
#                         rebuilt only when /bin/busybox is newer)
#   --podman-opt ARG      a podman global option (repeatable), e.g. --podman-opt --root=/tmp/x
#   --no-podman           do not import into podman
#   --ctr-address SOCK    containerd socket (default /run/containerd/containerd.sock)
#   --ctr-namespace NS    containerd namespace (default: default)
#   --no-containerd       do not import into containerd
# Without --podman-opt / --ctr-address the default stores are used, and each import is
# skipped (with a note) when podman is not installed / the containerd socket is absent.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
archive=${TMPDIR:-/tmp}/berth-busybox/busybox.tar
podman_opts=()
do_podman=1 do_ctr=1 ctr_explicit=0
ctr_address=/run/containerd/containerd.sock
ctr_ns=default
ref=localhost/busybox:latest

while [ $# -gt 0 ]; do
    case $1 in
        --archive) archive=$2; shift 2 ;;
        --podman-opt) podman_opts+=("$2"); shift 2 ;;
        --no-podman) do_podman=0; shift ;;
        --ctr-address) ctr_address=$2; ctr_explicit=1; shift 2 ;;
        --ctr-namespace) ctr_ns=$2; shift 2 ;;
        --no-containerd) do_ctr=0; shift ;;
        *) echo "usage: $0 [--archive F] [--podman-opt ARG]... [--no-podman] [--ctr-address S] [--ctr-namespace NS] [--no-containerd]" >&2; exit 2 ;;
    esac
done

build_archive() {
    local work arch layer_digest config_digest
    work=$(mktemp -d "${TMPDIR:-/tmp}/berth-busybox-img.XXXXXX")
    # shellcheck disable=SC2064 # expand $work now
    trap "rm -rf '$work'" RETURN
    "$here"/busybox-rootfs.sh "$work/rootfs"
    mkdir -p "$work/img"
    # Deterministic layer: sorted names, root-owned, mtime 0.
    tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 \
        -C "$work/rootfs" -cf "$work/layer.tar" .
    layer_digest=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
    mkdir -p "$work/img/$layer_digest"
    mv "$work/layer.tar" "$work/img/$layer_digest/layer.tar"

    arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
    case $arch in i386) arch=386 ;; armhf | armel) arch=arm ;; esac
    cat >"$work/config.json" <<EOF
{"architecture":"$arch","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:$layer_digest"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"berth scripts/busybox-image.sh (Debian busybox-static)"}]}
EOF
    config_digest=$(sha256sum "$work/config.json" | cut -d' ' -f1)
    mv "$work/config.json" "$work/img/$config_digest.json"
    printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' \
        "$config_digest" "$ref" "$layer_digest" >"$work/img/manifest.json"
    printf '{"localhost/busybox":{"latest":"%s"}}\n' "$layer_digest" >"$work/img/repositories"

    mkdir -p "$(dirname "$archive")"
    # Top-level names without "./" (manifest.json, not ./manifest.json), as docker save writes.
    (cd "$work/img" && tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 \
        -cf "$archive.tmp.$$" -- *)
    mv -f "$archive.tmp.$$" "$archive"
}

archive=$(realpath -m "$archive")
if [ ! -s "$archive" ] || [ /bin/busybox -nt "$archive" ] || [ "$here/busybox-image.sh" -nt "$archive" ]; then
    build_archive
fi
echo "archive: $archive"

if [ "$do_podman" = 1 ]; then
    if command -v podman >/dev/null 2>&1 || [ ${#podman_opts[@]} -gt 0 ]; then
        podman "${podman_opts[@]}" load -q -i "$archive" >/dev/null
        echo "podman: loaded $ref"
    else
        echo "podman: not installed, skipped"
    fi
fi

if [ "$do_ctr" = 1 ]; then
    if [ -S "$ctr_address" ] || [ "$ctr_explicit" = 1 ]; then
        ctr -a "$ctr_address" -n "$ctr_ns" images import "$archive" >/dev/null
        echo "containerd ($ctr_address, ns $ctr_ns): imported $ref"
    else
        echo "containerd: no socket at $ctr_address, skipped"
    fi
fi
