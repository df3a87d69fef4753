#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Start a private Debian docker-registry (distribution 2.x) on 127.0.0.1 for tests, with
# everything (config, storage, htpasswd, log, pid) in one directory. Prints the registry URL
# (http://127.0.0.1:PORT) as the last line of stdout; stop it with scripts/registry-stop.sh DIR.
#
# Usage: scripts/registry-start.sh [options]
#   --dir DIR              state directory (default: a new mktemp -d); must not hold a running registry
#   --port PORT            listen port (default: a free port picked at random)
#   --htpasswd USER:PASS   require Basic auth; the htpasswd file is made with `htpasswd -B`
#   --token-realm URL      require Bearer token auth (all four --token-* options are needed):
#   --token-service NAME     the token's audience
#   --token-issuer NAME      the token's issuer
#   --token-rootcert FILE    PEM bundle whose certificates may sign tokens (x5c chain)
#   --fill                 push test images built from /bin/busybox (scripts/busybox-image.sh):
#                            test/busybox:latest  Docker v2 schema 2 manifest (skopeo copy)
#                            test/busybox:oci     OCI manifest (skopeo copy --format oci)
#                            test/busybox:multi   index/manifest list: linux/amd64 = :latest,
#                                                 linux/arm64/v8 = same layer, config relabelled
#                          (with token auth, --fill is refused: the script cannot mint tokens)
#   --install-only         install docker-registry, skopeo, apache2-utils if missing, then exit
# Tools come from Debian (apt-get, quiet, only when missing). Never contacts a public registry.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib-apt.sh
. "$here/lib-apt.sh"

dir='' port='' htpasswd_user='' htpasswd_pass='' fill=0 install_only=0
token_realm='' token_service='' token_issuer='' token_rootcert=''
while [ $# -gt 0 ]; do
    case $1 in
        --dir) dir=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --htpasswd) htpasswd_user=${2%%:*}; htpasswd_pass=${2#*:}; shift 2 ;;
        --token-realm) token_realm=$2; shift 2 ;;
        --token-service) token_service=$2; shift 2 ;;
        --token-issuer) token_issuer=$2; shift 2 ;;
        --token-rootcert) token_rootcert=$2; shift 2 ;;
        --fill) fill=1; shift ;;
        --install-only) install_only=1; shift ;;
        *) echo "usage: $0 [--dir D] [--port P] [--htpasswd USER:PASS] [--token-realm URL --token-service S --token-issuer I --token-rootcert F] [--fill] [--install-only]" >&2; exit 2 ;;
    esac
done

log() { echo "registry-start: $*" >&2; }

install_tools() {
    need_pkg docker-registry docker-registry
    need_pkg skopeo skopeo
    need_pkg htpasswd apache2-utils
    need_pkg curl curl
    need_pkg jq jq
    # Installing the package may start the packaged service on :5000 where an init system
    # exists; it is not ours and we do not use it.
}
install_tools
[ "$install_only" = 1 ] && exit 0

if [ -n "$token_realm$token_service$token_issuer$token_rootcert" ]; then
    if [ -z "$token_realm" ] || [ -z "$token_service" ] || [ -z "$token_issuer" ] || [ -z "$token_rootcert" ]; then
        echo "registry-start: token auth needs --token-realm, --token-service, --token-issuer and --token-rootcert" >&2
        exit 2
    fi
    [ -n "$htpasswd_user" ] && { echo "registry-start: choose --htpasswd or --token-*, not both" >&2; exit 2; }
    [ "$fill" = 1 ] && { echo "registry-start: --fill cannot push through token auth" >&2; exit 2; }
fi

if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/berth-registry.XXXXXX")
else
    mkdir -p "$dir"
fi
dir=$(realpath "$dir")
if [ -s "$dir/registry.pid" ] && kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null; then
    echo "registry-start: a registry from $dir is already running (pid $(cat "$dir/registry.pid"))" >&2
    exit 1
fi

port_free() { [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
if [ -z "$port" ]; then
    for _ in $(seq 1 50); do
        candidate=$((20000 + RANDOM % 20000))
        if port_free "$candidate"; then port=$candidate; break; fi
    done
    [ -n "$port" ] || { echo "registry-start: no free port found" >&2; exit 1; }
elif ! port_free "$port"; then
    echo "registry-start: port $port is in use" >&2
    exit 1
fi

mkdir -p "$dir/data"
auth_yaml=''
if [ -n "$htpasswd_user" ]; then
    htpasswd -Bbn "$htpasswd_user" "$htpasswd_pass" >"$dir/htpasswd"
    auth_yaml="auth:
  htpasswd:
    realm: berth-test
    path: $dir/htpasswd"
elif [ -n "$token_realm" ]; then
    auth_yaml="auth:
  token:
    realm: \"$token_realm\"
    service: \"$token_service\"
    issuer: \"$token_issuer\"
    rootcertbundle: \"$(realpath "$token_rootcert")\""
fi

cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: berth-test-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  headers:
    X-Content-Type-Options: [nosniff]
$auth_yaml
EOF

# Detached from our stdio entirely, so that a caller reading our stdout sees EOF when we exit.
# The child records its own pid (setsid forks when it is already a group leader, so $! could
# name the wrong process).
rm -f "$dir/registry.pid"
setsid bash -c 'echo $$ >"$1/registry.pid"; exec docker-registry serve "$1/config.yml"' _ "$dir" \
    </dev/null >"$dir/registry.log" 2>&1 &
for _ in $(seq 1 50); do [ -s "$dir/registry.pid" ] && break; sleep 0.02; done
url="http://127.0.0.1:$port"
echo "$url" >"$dir/url"

ready=0
for _ in $(seq 1 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$url/v2/" || true)
    if [ "$code" = 200 ] || [ "$code" = 401 ]; then ready=1; break; fi
    if ! kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null; then break; fi
    sleep 0.1
done
if [ "$ready" != 1 ]; then
    log "docker-registry did not start; its log:"
    cat "$dir/registry.log" >&2 || true
    "$here/registry-stop.sh" "$dir" >/dev/null 2>&1 || true
    exit 1
fi
log "docker-registry pid $(cat "$dir/registry.pid") serving $url from $dir"

fill_images() {
    local host=127.0.0.1:$port archive creds=() curl_auth=()
    if [ -n "$htpasswd_user" ]; then
        creds=(--dest-creds "$htpasswd_user:$htpasswd_pass")
        curl_auth=(-u "$htpasswd_user:$htpasswd_pass")
    fi
    archive=$("$here/busybox-image.sh" --no-podman --no-containerd | sed -n 's/^archive: //p')
    [ -s "$archive" ] || { log "busybox-image.sh made no archive"; return 1; }

    skopeo --insecure-policy copy -q "${creds[@]}" --dest-tls-verify=false \
        "docker-archive:$archive" "docker://$host/test/busybox:latest" >&2
    skopeo --insecure-policy copy -q "${creds[@]}" --dest-tls-verify=false --format oci \
        "docker-archive:$archive" "docker://$host/test/busybox:oci" >&2

    # skopeo 1.9 cannot create a manifest list, so build one by hand: the real manifest for
    # this machine's platform plus a linux/arm64/v8 sibling (same layer, relabelled config).
    local work manifest_type manifest_digest manifest_size config_digest arm_config arm_config_digest
    local arm_config_size arm_manifest arm_manifest_digest arm_manifest_size list_type location arch
    work=$(mktemp -d "${TMPDIR:-/tmp}/berth-registry-fill.XXXXXX")
    # shellcheck disable=SC2064 # expand $work now
    trap "rm -rf '$work'" RETURN
    curl -fsS "${curl_auth[@]}" -D "$work/headers" -o "$work/manifest.json" \
        -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$host/v2/test/busybox/manifests/latest"
    manifest_type=$(jq -r .mediaType "$work/manifest.json")
    manifest_digest=sha256:$(sha256sum "$work/manifest.json" | cut -d' ' -f1)
    manifest_size=$(stat -c %s "$work/manifest.json")
    config_digest=$(jq -r .config.digest "$work/manifest.json")
    curl -fsSL "${curl_auth[@]}" -o "$work/config.json" "http://$host/v2/test/busybox/blobs/$config_digest"
    arch=$(jq -r .architecture "$work/config.json")

    arm_config=$work/config-arm64.json
    jq -c '.architecture = "arm64" | .variant = "v8"' "$work/config.json" | tr -d '\n' >"$arm_config"
    arm_config_digest=sha256:$(sha256sum "$arm_config" | cut -d' ' -f1)
    arm_config_size=$(stat -c %s "$arm_config")
    location=$(curl -fsS "${curl_auth[@]}" -X POST -D - -o /dev/null \
        "http://$host/v2/test/busybox/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
    case $location in http*) ;; *) location="http://$host$location" ;; esac
    case $location in *\?*) location="$location&" ;; *) location="$location?" ;; esac
    curl -fsS "${curl_auth[@]}" -X PUT -H 'Content-Type: application/octet-stream' \
        --data-binary "@$arm_config" "${location}digest=$arm_config_digest" -o /dev/null

    arm_manifest=$work/manifest-arm64.json
    jq -c --arg d "$arm_config_digest" --argjson s "$arm_config_size" \
        '.config.digest = $d | .config.size = $s' "$work/manifest.json" | tr -d '\n' >"$arm_manifest"
    arm_manifest_digest=sha256:$(sha256sum "$arm_manifest" | cut -d' ' -f1)
    arm_manifest_size=$(stat -c %s "$arm_manifest")
    curl -fsS "${curl_auth[@]}" -X PUT -H "Content-Type: $manifest_type" --data-binary "@$arm_manifest" \
        -o /dev/null "http://$host/v2/test/busybox/manifests/$arm_manifest_digest"

    if [ "$manifest_type" = application/vnd.docker.distribution.manifest.v2+json ]; then
        list_type=application/vnd.docker.distribution.manifest.list.v2+json
    else
        list_type=application/vnd.oci.image.index.v1+json
    fi
    jq -n -c --arg lt "$list_type" --arg mt "$manifest_type" \
        --arg d1 "$manifest_digest" --argjson s1 "$manifest_size" --arg a1 "$arch" \
        --arg d2 "$arm_manifest_digest" --argjson s2 "$arm_manifest_size" \
        '{schemaVersion: 2, mediaType: $lt, manifests: [
            {mediaType: $mt, digest: $d1, size: $s1, platform: {architecture: $a1, os: "linux"}},
            {mediaType: $mt, digest: $d2, size: $s2, platform: {architecture: "arm64", os: "linux", variant: "v8"}}]}' \
        | tr -d '\n' >"$work/index.json"
    curl -fsS "${curl_auth[@]}" -X PUT -H "Content-Type: $list_type" --data-binary "@$work/index.json" \
        -o /dev/null "http://$host/v2/test/busybox/manifests/multi"
    log "pushed test/busybox:latest ($manifest_digest), :oci and :multi"
}

if [ "$fill" = 1 ]; then
    if ! fill_images; then
        log "filling the registry failed"
        "$here/registry-stop.sh" "$dir" >/dev/null 2>&1 || true
        exit 1
    fi
fi

echo "$url"
