#!/usr/bin/env bash
# Packs the libraries a user's own test project consumes (GenBounds.Engine, .Symbolic, .Proofs, .Verification,
# .TestKit) into .cache/packages. Run after the solution is built in Release (scripts/test.sh does both);
# --build builds first.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/packages
build=--no-build
[[ "${1:-}" == "--build" ]] && build=
mkdir -p .cache
tmp=$(mktemp -d .cache/.packages.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dotnet pack GenBounds.sln -c Release $build -nologo -v q -o "$tmp" >"$tmp/pack.log" 2>&1 || { cat "$tmp/pack.log"; exit 1; }
rm -f "$tmp/pack.log"
n=$(ls "$tmp"/*.nupkg | wc -l)
[[ $n -eq 5 ]] || { echo "pack: expected 5 packages, got $n: $(ls "$tmp")" >&2; exit 1; }
# replace the folder whole, so a consumer never sees a mix of old and new packages
rm -rf "$out.old"; [[ -d $out ]] && mv "$out" "$out.old"; mv "$tmp" "$out"; rm -rf "$out.old"
trap - EXIT
ls "$out"
