#!/usr/bin/env bash
# Speed benchmarks of the pruning-paper engine (issue 12): a benchmark, not a test. Wrap it in `flock /work/bench.lock` on a
# shared machine; figures taken while other work runs are provisional. Prints one table (benchmark, target, measured).
#   1. l1 recovery of a magnitude-pruned 1000x1000 layer at 10% density from its sketch at the theorem's size (c_s = 1)
#      target: 30 s on 2 cores
#   2. the GUHA-T5.1 Monte Carlo, 3 sizes x 5 sketch sizes x 200 trials, synthetic (4,4)-sparse matrices: target 5 minutes
#   3. one IMP round of LeNet-300-100 on MNIST (prune 20%/10%, rewind, retrain 5 epochs, batch 60): target 5 s
#   4. the whole 15-round curve with random-reinitialisation controls: target 3 minutes
#   usage: bash benchmarks/prune.sh [TRIALS]      (EXTRA=1 also times the LP route at s = p and a 0.5%-dense layer)
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-200}
dotnet build benchmarks/GenBounds.Benchmarks -c Release -v q -nologo >/dev/null
# Run a private copy, so a rebuild of the tree during the (long) run cannot replace the binaries under it.
bin=$(mktemp -d); trap 'rm -rf "$bin"' EXIT
cp -r benchmarks/GenBounds.Benchmarks/bin/Release/net10.0/. "$bin/"
B="dotnet $bin/GenBounds.Benchmarks.dll"
mkdir -p benchmarks/results
log=benchmarks/results/prune-$(date +%Y%m%d-%H%M%S).log
timed() { local s e; s=$(date +%s.%N); "$@" >>"$log" 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
echo "log: $log"
t1=$(timed $B sketch recover 1000 0.1 cs=1 1 2)
t2=$(timed $B sketch mc "$trials" 2 50,100,200 0.7,0.8,0.9,1.0,1.2 4)
$B lottery round 5 60 >>"$log" 2>&1
t3=$(grep -o 'one IMP round[^)]*) [0-9.]* s' "$log" | tail -1 | grep -o '[0-9.]* s$' | cut -d' ' -f1)
t4=$(timed $B lottery curve 15 5 60)
if [ "${EXTRA:-0}" = 1 ]; then
  $B sketch recover 1000 0.1 1000 1 2 >>"$log" 2>&1
  $B sketch recover 1000 0.005 cs=1 1 2 >>"$log" 2>&1
fi
printf '\n%-74s %10s %10s\n' "benchmark (shared machine: provisional)" "target s" "measured s"
printf '%-74s %10s %10.1f\n' "l1 recovery, pruned 1000x1000 at 10% density, sketch at c_s = 1 (incl. load)" 30 "$t1"
printf '%-74s %10s %10.1f\n' "GUHA-T5.1 Monte Carlo, 3 sizes x 5 c_s x $trials trials" 300 "$t2"
printf '%-74s %10s %10s\n' "one IMP round, LeNet-300-100, prune + rewind + 5 epochs (batch 60)" 5 "$t3"
printf '%-74s %10s %10.1f\n' "15-round lottery curve with reinit controls (incl. data load)" 180 "$t4"
echo; grep -E "^p=|whole curve|^total|LeNet-300-100, 5 epochs" "$log" || true
