#!/usr/bin/env bash
# The main job: a busybox bundle from Debian's busybox-static, run by berth-runtime,
# showing what the container sees: PID 1, its own hostname, its own mounts, its confinement.
set -euo pipefail
runtime=${1:-out/bin/berth-runtime}
runtime=$(realpath "$runtime")
work=$(mktemp -d /tmp/berth-demo.XXXXXX)
root=$work/state
trap 'rm -rf "$work"' EXIT

cd "$(dirname "$0")/.."
scripts/busybox-bundle.sh "$work/bundle" sh -c '
  echo "inside: pid $$, hostname $(hostname), user $(id -u):$(id -g)"
  echo "inside: processes:"; ps -o pid,user,comm
  echo "inside: mounts:"; mount | sed "s/^/  /" | head -12
  grep -E "^(CapEff|NoNewPrivs|Seccomp)" /proc/self/status | sed "s/^/inside: /"
  echo "inside: /proc/timer_list is masked: $(wc -c </proc/timer_list) bytes"
  touch /root-is-readonly 2>/dev/null || echo "inside: the root filesystem is read-only"
  exit 3' >/dev/null

echo "host: $(hostname), pid $$; running a container with $runtime"
set +e
"$runtime" --root "$root" run --bundle "$work/bundle" demo
rc=$?
set -e
echo "host: container exited with status $rc (its own 'exit 3')"

echo
echo "host: now the create/start split, as containerd and podman drive it:"
sed -i 's/"args": \[.*\]/"args": ["sleep", "30"]/' "$work/bundle/config.json"
"$runtime" --root "$root" create --bundle "$work/bundle" --pid-file "$work/pid" demo2
echo "host: state after create: $("$runtime" --root "$root" state demo2 | grep -o '"status": "[a-z]*"'), init pid $(cat "$work/pid")"
"$runtime" --root "$root" start demo2
"$runtime" --root "$root" exec demo2 sh -c 'echo "exec: joined pid $$ in $(hostname), next to: $(ps -o args | sed -n 2p)"'
"$runtime" --root "$root" list
"$runtime" --root "$root" kill demo2 KILL
sleep 0.2
"$runtime" --root "$root" delete demo2
echo "host: deleted; state dir now holds: [$(ls "$root")]"
