#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Make a minimal busybox rootfs in <dir> from Debian's busybox-static (/bin/busybox).
#   bin/busybox + one symlink per applet in bin/ (like the docker busybox image),
#   etc/passwd, etc/group, empty tmp proc sys dev root. No etc/hostname.
# Idempotent: rerunning over an existing rootfs only fixes what is missing.
# Usage: scripts/busybox-rootfs.sh <dir>
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 <dir>" >&2
    exit 2
fi
dir=$1

# The static build matters: the rootfs has no libc. Debian's `busybox` package (dynamic)
# also ships /bin/busybox, so check the package, not the path.
# shellcheck source=lib-apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-apt.sh"
dpkg -s busybox-static >/dev/null 2>&1 || need_pkg - busybox-static
bb=/bin/busybox

mkdir -p "$dir"/bin "$dir"/etc "$dir"/proc "$dir"/sys "$dir"/dev "$dir"/root "$dir"/tmp
chmod 1777 "$dir"/tmp
chmod 0700 "$dir"/root

# Copy the binary only when it differs (keeps reruns cheap and mtime stable).
if ! cmp -s "$bb" "$dir"/bin/busybox; then
    rm -f "$dir"/bin/busybox
    cp "$bb" "$dir"/bin/busybox
    chmod 0755 "$dir"/bin/busybox
fi

# Applet symlinks. `busybox --install -s /bin` run inside the rootfs makes all of them in
# one process (~20 ms) and skips existing ones; the ln loop (~0.4 s) is the fallback
# when chroot is not allowed (not root).
if ! chroot "$dir" /bin/busybox --install -s /bin 2>/dev/null; then
    while read -r applet; do
        [ "$applet" = busybox ] || [ -e "$dir/bin/$applet" ] || [ -L "$dir/bin/$applet" ] \
            || ln -s busybox "$dir/bin/$applet"
    done < <("$dir"/bin/busybox --list)
fi

printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
    'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$dir"/etc/passwd
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$dir"/etc/group
