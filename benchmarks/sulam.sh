#!/usr/bin/env bash
# Speed benchmark of the Muthukumar & Sulam engine (issue 11): a benchmark, not a test. Wrap it in `flock /work/bench.lock`
# on a shared machine; figures taken while other work runs are provisional. Prints one table (benchmark, target, measured).
#   greedy sparsity vectors s*(x, eps) and kappa of all 55,000 training images of a width-1000 2-layer bias-free net over
#   the 30-value eps grid linspace(1e-4, 0.05, 30): target 2 minutes on 2 cores. The net (X1 recipe, P0, seed 1) comes
#   from .cache/sulam2023/models, shared with `genbounds reproduce sulam2023-fig5`; it is trained there first if missing
#   (untimed).
#   usage: bash benchmarks/sulam.sh [SAMPLES] [WIDTH] [MODEL.safetensors]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build benchmarks/GenBounds.Benchmarks -c Release -v q -nologo >/dev/null
bin=$(mktemp -d); trap 'rm -rf "$bin"' EXIT
cp -r benchmarks/GenBounds.Benchmarks/bin/Release/net10.0/. "$bin/"
dotnet "$bin/GenBounds.Benchmarks.dll" sulam "$@"
