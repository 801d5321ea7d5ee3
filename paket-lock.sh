#!/usr/bin/env bash
# Re-resolve until paket.lock stops changing: the NuGet copy serves no dependency lists in its
# registration API, so each resolve only sees one more level of transitive packages.
set -euo pipefail
cd "$(dirname "$0")"
dotnet tool restore >/dev/null
dotnet paket install >/dev/null
for i in 1 2 3 4 5; do
  cp paket.lock paket.lock.prev
  dotnet paket update >/dev/null
  if cmp -s paket.lock paket.lock.prev; then rm paket.lock.prev; echo "paket.lock stable after $i re-resolve(s)"; exit 0; fi
done
rm -f paket.lock.prev; echo "paket.lock still changing after 5 passes" >&2; exit 1
