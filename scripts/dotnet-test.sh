#!/usr/bin/env bash
# Run one test project and, when it fails, repeat the failed tests' names and messages at the
# end: CI keeps only the tail of a long log, and the failures would otherwise scroll out of it.
# Usage: scripts/dotnet-test.sh PROJECT_DIR [dotnet test options...]
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
${DOTNET:-dotnet} test "$@" --nologo -v q --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    echo "=== failed in $1 ==="
    # A failed test prints "  Failed Name [time]", then its message and stack, indented; a build, "error CS...".
    awk '/^  Failed /{p=1; n=0} /^  Passed /{p=0} p && n++ < 25' "$log"
    grep -E ': error [A-Z]+[0-9]+:' "$log" | sort -u | head -20
fi
exit "$status"
