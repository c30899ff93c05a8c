#!/usr/bin/env bash
# Runs the mutation runner (mutate.py) from the repository root. Its safety net: mutate.py restores
# every file it mutates itself, but if it is killed outright (SIGKILL, OOM) between mutating and
# restoring, the backup it wrote first is put back here, on any exit of this script.
set -uo pipefail
cd "$(dirname "$0")/../.."
STATE=.build/mutation

restore_leftover() {
  if [ -f "$STATE/backup.path" ]; then
    local path
    path="$(cat "$STATE/backup.path")"
    cp "$STATE/backup" "$path" && rm -f "$STATE/backup" "$STATE/backup.path" \
      && echo "mutate.sh: restored $path from the runner's backup" >&2
    git diff --quiet -- "$path" || echo "mutate.sh: $path differs from git; check it" >&2
    # The build may hold the mutant's objects: rebuild the tests so no later run uses them.
    SWIFT_DETERMINISTIC_HASHING=1 swift build --product TesseraPackageTests >/dev/null 2>&1 \
      || echo "mutate.sh: rebuilding the tests failed; run swift build --build-tests" >&2
  fi
}
trap restore_leftover EXIT
trap 'exit 130' INT TERM HUP

restore_leftover  # a run killed before this one
python3 Tests/Mutation/mutate.py "$@"
