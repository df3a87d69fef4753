#!/usr/bin/env bash
# Installs what building and testing Berth needs on a fresh Debian machine of this kind.
# Idempotent and quiet: only missing commands trigger apt-get.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have gcc            || need+=(gcc libc6-dev)
have clang          || need+=(clang)        # NativeAOT links with clang
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)   # the test images' rootfs
have runc           || need+=(runc)
have crun           || need+=(crun)
have podman         || need+=(podman)
have containerd     || need+=(containerd)
have hyperfine      || need+=(hyperfine)
have ps             || need+=(procps)
[ -e /usr/lib/x86_64-linux-gnu/libz.so ] || need+=(zlib1g-dev)
[ -e /usr/lib/x86_64-linux-gnu/libseccomp.a ] || need+=(libseccomp-dev)   # linked into berth-runtime

if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "install-deps: need root to install: ${need[*]}" >&2; exit 1; }
  echo "install-deps: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
