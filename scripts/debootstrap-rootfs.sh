#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A minimal Debian bookworm root filesystem made by debootstrap (--variant=minbase) from this machine's
# Debian mirror, for test and benchmark images. Cached: made once, then reused.
# Usage: scripts/debootstrap-rootfs.sh [dir]   (default /var/tmp/berth-debootstrap-bookworm)
# Prints "rootfs: <dir>" as the last line. Needs root (debootstrap chroots and makes device nodes).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=$(realpath -m "${1:-/var/tmp/berth-debootstrap-bookworm}")
# shellcheck source=lib-apt.sh
. "$here/lib-apt.sh"

if [ ! -f "$dir/etc/debian_version" ]; then
    need_pkg debootstrap debootstrap
    # The mirror apt already uses: the first deb URI of its sources, else Debian's own.
    mirror=$(grep -hs -m1 -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list |
        awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    rm -rf "$dir.tmp"
    debootstrap --variant=minbase bookworm "$dir.tmp" "$mirror" >"$dir.log" 2>&1 ||
        { echo "debootstrap failed; see $dir.log" >&2; exit 1; }
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
fi
echo "rootfs: $dir"
