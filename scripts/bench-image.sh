#!/usr/bin/env bash
# Build the reproducible 8-layer image for bench/image-pull.sh as a docker-archive tarball
# (tag localhost/bench/big:1), without docker, podman or a registry.
#
# Layers 1-7 are parts of a debootstrap rootfs (scripts/debootstrap-rootfs.sh: Debian bookworm minbase,
# made once from this machine's Debian mirror and cached): configuration, binaries, libraries, shared
# data and part of apt's package cache. Each layer takes a directory's files in sorted order up to a
# byte budget. Layer 8 is 30 MiB of deterministic pseudo-random data (AES-128-CTR keystream of zeros
# with a zero key), which does not compress.
# Compressed by the pushing client (skopeo, gzip) the image is about 94 MB.
#
# Deterministic: sorted names, uid/gid 0, mtime 0, no atime/ctime, fixed config; the same
# bytes on every run as long as the cached rootfs is the same (a new debootstrap with newer
# packages changes the rootfs layers).
# Cached: the archive is rebuilt only when missing or older than this script.
#
# Usage: scripts/bench-image.sh [out-archive]   (default /var/tmp/berth-bench-image.tar)
# Prints "archive: <path>" as the last line.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
archive=$(realpath -m "${1:-/var/tmp/berth-bench-image.tar}")
ref=localhost/bench/big:1

# Layer specs: "<budget MiB of file data, 0 = all> <dir relative to />...".
layers=(
    "0 etc var/lib"
    "0 usr/sbin"
    "0 usr/bin"
    "0 usr/lib"
    "0 usr/share"
    "5 var/cache"
    "0 bin boot home lib lib64 opt root sbin srv var/log var/backups"
)
random_mib=30

tar_opts=(--sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 --format=gnu --no-recursion)

# list_files <budget-MiB> <dir>...: regular files and symlinks under the dirs, sorted, until
# the budget is used (files that would overflow it are skipped), plus every parent directory of each, sorted (LC_ALL=C).
# Paths are relative to $rootfs.
list_files() {
    local budget=$(($1 * 1048576)) d
    shift
    for d in "$@"; do
        [ -e "$rootfs/$d" ] || continue
        (cd "$rootfs" && find "$d" \( -type f -o -type l \) -printf '%s %p\n' | LC_ALL=C sort -k2)
    done | awk -v b="$budget" '{ if (b > 0 && sum + $1 > b) next; sum += $1; sub(/^[0-9]+ /, ""); print }' |
        awk '{ n = split($0, p, "/"); s = ""; for (i = 1; i < n; i++) { s = s (i > 1 ? "/" : "") p[i]; print s } print }' |
        LC_ALL=C sort -u
}

build_archive() {
    local work i spec digest diff_ids='' layer_list='' history='' config_digest arch
    work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-image.XXXXXX")
    # shellcheck disable=SC2064 # expand $work now
    trap "rm -rf '$work'" RETURN EXIT
    mkdir -p "$work/img"
    for i in "${!layers[@]}"; do
        spec=${layers[$i]}
        # shellcheck disable=SC2086 # spec is words
        list_files $spec >"$work/list"
        tar -C "$rootfs" "${tar_opts[@]}" -cf "$work/layer.tar" -T "$work/list"
        add_layer "rootfs part $((i + 1)): ${spec#* } (budget ${spec%% *} MiB)"
    done
    mkdir -p "$work/rand/bench"
    openssl enc -aes-128-ctr -K 00000000000000000000000000000000 -iv 00000000000000000000000000000000 \
        -nosalt -in <(head -c "$((random_mib * 1048576))" /dev/zero) -out "$work/rand/bench/random.bin"
    (cd "$work/rand" && tar "${tar_opts[@]}" -cf "$work/layer.tar" bench bench/random.bin)
    add_layer "$random_mib MiB pseudo-random data (aes-128-ctr, zero key)"

    arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
    case $arch in i386) arch=386 ;; armhf | armel) arch=arm ;; esac
    printf '{"architecture":"%s","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]},"history":[%s]}\n' \
        "$arch" "${diff_ids%,}" "${history%,}" >"$work/config.json"
    config_digest=$(sha256sum "$work/config.json" | cut -d' ' -f1)
    mv "$work/config.json" "$work/img/$config_digest.json"
    printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":[%s]}]\n' \
        "$config_digest" "$ref" "${layer_list%,}" >"$work/img/manifest.json"

    mkdir -p "$(dirname "$archive")"
    (cd "$work/img" && tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 \
        -cf "$archive.tmp.$$" -- *)
    mv -f "$archive.tmp.$$" "$archive"
}

# add_layer <history text>: moves $work/layer.tar into the archive dir (uses build_archive's locals).
add_layer() {
    digest=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
    mkdir -p "$work/img/$digest"
    mv "$work/layer.tar" "$work/img/$digest/layer.tar"
    diff_ids+="\"sha256:$digest\","
    layer_list+="\"$digest/layer.tar\","
    history+="{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"berth scripts/bench-image.sh: $1\"},"
    echo "bench-image: layer $digest $(($(stat -c %s "$work/img/$digest/layer.tar") / 1048576)) MiB ($1)" >&2
}

if [ ! -s "$archive" ] || [ "$here/bench-image.sh" -nt "$archive" ]; then
    rootfs=$("$here/debootstrap-rootfs.sh" | sed -n 's/^rootfs: //p')
    build_archive
fi
echo "archive: $archive"
