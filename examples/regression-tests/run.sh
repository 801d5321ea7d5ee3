#!/usr/bin/env bash
# Packs GenBounds (scripts/pack.sh, after the solution's Release build) and runs this stand-in for a user's own
# regression-test project against the packages, exactly as a user's CI would: `dotnet test` in a project that knows
# GenBounds only through nuget.config. Extra arguments go to `dotnet test`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bash "$root/scripts/pack.sh" >/dev/null
# the packages keep version 0.1.0 from one pack to the next: drop the restored copies so restore takes the new ones
rm -rf "$root/.cache/regression-tests/packages"/genbounds.*
cd "$here"
dotnet restore --force -v q -nologo
OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} dotnet test -c Release --no-restore -nologo "$@"
