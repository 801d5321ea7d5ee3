#!/usr/bin/env bash
# Catalog-speed benchmark (a benchmark, not a test): every registered paper's catalog (PAPER=all, the default) or one
# paper's, statements and mutants in both modes, in one `genbounds verify` run on a bias-free 784-1000-1000-10 MNIST
# network with 1,000 trials per probabilistic lemma and 1,000 samples. Target: the Guha + Arora catalogs in at most
# 3 minutes on 2 cores. Prints seconds per statement (both modes and its mutants summed, from the report's per-result
# Seconds) and the total wall time of `genbounds verify`.
#   usage: [PAPER=all|guha2023|arora2018] bash benchmarks/catalog.sh [TRIALS] [SAMPLES] [THREADS]
# THREADS is verify's --threads: the checks run side by side on that many workers, BLAS single-threaded.
# The trained network is cached under .cache/bench/ keyed by its training settings, so only the first run trains.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-1000}
samples=${2:-1000}
threads=${3:-$(nproc)}
paper=${PAPER:-all}
arch=784-1000-1000-10; epochs=2; seed=7
dotnet build src/GenBounds.Cli -c Release -v q -nologo >/dev/null
genbounds() { dotnet src/GenBounds.Cli/bin/Release/net10.0/genbounds.dll "$@"; }
mkdir -p .cache/bench
# Key: everything that determines the weights (architecture, no biases, epochs, seed, Adam defaults, data set).
model=.cache/bench/$(printf '%s' "arch=$arch bias=false epochs=$epochs seed=$seed optimizer=adam batch=128 data=mnist" | sha256sum | cut -c1-16).safetensors
if [ ! -f "$model" ]; then
  tmp="$model.tmp.$$.safetensors"
  genbounds train --arch $arch --no-bias --epochs $epochs --seed $seed --threads "$threads" --out "$tmp" >&2
  mv -f "$tmp" "$model"   # atomic: a concurrent run never reads a half-written model
fi
out=benchmarks/results/catalog-$paper; rm -rf "$out"
start=$(date +%s.%N)
paper_args=(); [ "$paper" != all ] && paper_args=(--paper "$paper")
genbounds verify "$model" "${paper_args[@]}" --trials "$trials" --samples "$samples" --threads "$threads" --out "$out" --json > /dev/null
end=$(date +%s.%N)
/usr/bin/python3 - "$out/report.json" "$start" "$end" "$trials" "$samples" "$threads" "$paper" <<'PY'
import json, sys, collections
rep = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
results = rep["results"] if "results" in rep else rep["Results"]
def key(r, *names):
    for n in names:
        if n in r: return r[n]
    raise KeyError(names)
per = collections.OrderedDict()
for r in results:
    sid = key(r, "statement", "statement_id", "StatementId", "id").split("~")[0]
    per[sid] = per.get(sid, 0.0) + float(key(r, "seconds", "Seconds"))
print(f"catalog: {sys.argv[7]} on 784-1000-1000-10, trials {sys.argv[4]}, samples {sys.argv[5]}, check workers {sys.argv[6]} (BLAS single-threaded)")
print(f"{'statement (+ mutants, both modes)':<36}{'seconds':>9}")
for sid, s in sorted(per.items(), key=lambda kv: -kv[1]):
    print(f"{sid:<36}{s:>9.2f}")
print(f"{'sum of checks':<36}{sum(per.values()):>9.2f}")
print(f"{'total wall (verify incl. load, report)':<36}{wall:>9.2f}")
PY
