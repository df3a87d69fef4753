#!/usr/bin/env bash
# Sourced helper: need_pkg <command-or-absolute-path or -> <debian-package>...
# Installs the packages quietly with apt-get (no recommends) when the command is missing
# ("-": install unconditionally).
# Runs `apt-get update` only if the first install attempt fails (fresh CI machine).
need_pkg() {
    local what=$1
    shift
    if [ "$what" = - ]; then
        :
    elif [ "${what#/}" != "$what" ]; then
        [ -e "$what" ] && return 0
    else
        command -v "$what" >/dev/null 2>&1 && return 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 || {
        apt-get update -qq >/dev/null 2>&1 || true
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    }
}
