#!/usr/bin/env bash
# Training-speed benchmark: one epoch of MNIST (batch 128, Adam) for three MLPs, GenBounds vs PyTorch (Debian's
# python3-torch, run by /usr/bin/python3) on the same machine and thread count, in one script. Prints a table with
# the ratio GenBounds/PyTorch per architecture. PyTorch is measured in several thread set-ups and its best is used.
#   usage: bash benchmarks/train.sh [ARCHS] [EPOCHS]
set -euo pipefail
cd "$(dirname "$0")/.."
archs=${1:-784-100-10,784-1000-1000-10,784-1000-1000-1000-10}
epochs=${2:-1}
GENBOUNDS_SETUP_TORCH=1 bash scripts/setup.sh
dotnet build benchmarks/GenBounds.Benchmarks -c Release -v q -nologo >/dev/null
out=benchmarks/results; mkdir -p "$out"
threads=$(nproc)
# PyTorch's BLAS is the same libblas.so.3 (OpenBLAS), which misdetects this CPU as Prescott unless told otherwise;
# give PyTorch the same OPENBLAS_CORETYPE that GenBounds sets for itself, so both run OpenBLAS's AVX-512 kernels.
coretype=$(grep -q avx512f /proc/cpuinfo && echo SkylakeX || echo Haswell)
: > "$out/torch.jsonl"
for cfg in "OMP_WAIT_POLICY=PASSIVE TORCH_THREADS=$threads" "TORCH_THREADS=1 OPENBLAS_NUM_THREADS=$threads" "TORCH_THREADS=$threads OPENBLAS_NUM_THREADS=1" "TORCH_THREADS=1 OPENBLAS_NUM_THREADS=$threads ADAM_FOREACH=1"; do
  env $cfg OPENBLAS_CORETYPE=$coretype /usr/bin/python3 benchmarks/torch_epoch.py .cache/mnist "$archs" "$epochs" >> "$out/torch.jsonl"
done
OPENBLAS_NUM_THREADS=$threads dotnet benchmarks/GenBounds.Benchmarks/bin/Release/net10.0/GenBounds.Benchmarks.dll train .cache/mnist "$archs" "$epochs" > "$out/genbounds.jsonl"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
torch = [json.loads(l) for l in open(f"{out}/torch.jsonl")]
gb = [json.loads(l) for l in open(f"{out}/genbounds.jsonl")]
print(f"{'architecture':<24}{'GenBounds s':>12}{'PyTorch s':>11}{'ratio':>8}{'GFLOP/s':>9}{'of sgemm':>10}  PyTorch best set-up")
for g in gb:
    runs = [t for t in torch if t["arch"] == g["arch"]]
    best = min(runs, key=lambda t: t["seconds"])
    cfg = " ".join(f"{k}={v}" for k, v in best["config"].items() if v not in ("", False))
    print(f"{g['arch']:<24}{g['seconds']:>12.2f}{best['seconds']:>11.2f}{g['seconds']/best['seconds']:>8.2f}{g['gflops']:>9.1f}{100*g['fraction_of_sgemm_rate']:>9.0f}%  {cfg}")
print("all PyTorch set-ups (s):", {f"{t['arch']} {t['config']['torch_threads']}t foreach={t['config']['foreach']} {t['config']['OMP_WAIT_POLICY']} blas={t['config']['OPENBLAS_NUM_THREADS']}": round(t['seconds'], 2) for t in torch})
PY
