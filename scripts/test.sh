#!/usr/bin/env bash
# Set up (if needed), build, and run the whole GenBounds test suite; ends with the line "N passed, N failed"
# (the skipped count is printed on the line before).
set -uo pipefail
cd "$(dirname "$0")/.."
GENBOUNDS_SETUP_CHROMIUM=${GENBOUNDS_SETUP_CHROMIUM:-1} bash scripts/setup.sh || exit 1
blog=$(mktemp); dotnet build GenBounds.sln -c Release -v q -nologo >"$blog" 2>&1 || { cat "$blog"; echo "build failed" >&2; echo "0 passed, 1 failed"; exit 1; }; rm -f "$blog"
log=$(mktemp)
# One BLAS thread per test host: test classes run in parallel, and two OpenBLAS pools would spin against each other on 2 cores.
# The same for libtorch's OpenMP pool (torch engine tests).
OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} dotnet test GenBounds.sln -c Release --no-build 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# A user's own regression-test project (examples/regression-tests) against the packed libraries, as their CI would run it.
rlog=$(mktemp)
bash examples/regression-tests/run.sh 2>&1 | tee "$rlog"
if [[ ${PIPESTATUS[0]} -ne 0 ]]; then
  rc=1
  # a project that did not pack, restore or build reports no test counts: count it as one failure
  grep -qE '^(Passed|Failed)! +- Failed: ' "$rlog" || echo "Failed!  - Failed:     1, Passed:     0 (examples/regression-tests did not build or run)" >>"$rlog"
fi
cat "$rlog" >>"$log"; rm -f "$rlog"
awk '/^(Passed|Failed)! +- Failed: /{ gsub(",", ""); for (i = 1; i <= NF; i++) {
       if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d skipped\n%d passed, %d failed\n", s, p, f; exit (p + f == 0) }' "$log" || rc=1
rm -f "$log"; exit $rc
