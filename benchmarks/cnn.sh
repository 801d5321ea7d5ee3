#!/usr/bin/env bash
# Convolutional-network benchmarks, side by side, in one script (run it under the shared lock:
#   flock /work/bench.lock bash benchmarks/cnn.sh):
#  1. one MNIST epoch of LeNet-5 (batch 128, Adam): GenBounds vs PyTorch (Debian's python3-torch, run by /usr/bin/python3)
#     on the same cores and the same OpenBLAS kernel (OPENBLAS_CORETYPE passed to both), each in several thread set-ups;
#     the table gives the best of each and the ratio GenBounds/PyTorch (target ≤ 0.75);
#  2. every Arora measure, exact, on SAMPLES MNIST training points of a bias-free 4-convolution net (target < 300 s).
#   usage: bash benchmarks/cnn.sh [ARCHS=lenet5] [EPOCHS=1] [SAMPLES=2000] [MEASURE_ARCH]
set -euo pipefail
cd "$(dirname "$0")/.."
archs=${1:-lenet5}
epochs=${2:-1}
samples=${3:-2000}
measure_arch=${4:-conv16k5-pool2-conv16k3-conv32k3-pool2-conv32k3p1-10/nobias}
GENBOUNDS_SETUP_TORCH=1 bash scripts/setup.sh
dotnet build benchmarks/GenBounds.Benchmarks -c Release -v q -nologo >/dev/null
B="dotnet benchmarks/GenBounds.Benchmarks/bin/Release/net10.0/GenBounds.Benchmarks.dll"
out=benchmarks/results; mkdir -p "$out"
threads=$(nproc)
# GenBounds keeps a user's OPENBLAS_CORETYPE and otherwise picks SkylakeX/Haswell from the CPU flags; PyTorch gets the same.
coretype=${OPENBLAS_CORETYPE:-$(grep -q avx512f /proc/cpuinfo && echo SkylakeX || echo Haswell)}
: > "$out/cnn-arch.jsonl"
for a in ${archs//,/ }; do $B architecture "$a" mnist >> "$out/cnn-arch.jsonl"; done
: > "$out/cnn-torch.jsonl"
for cfg in "TORCH_THREADS=1 OMP_NUM_THREADS=1" "TORCH_THREADS=$threads" "OMP_WAIT_POLICY=PASSIVE TORCH_THREADS=$threads" \
           "TORCH_THREADS=$threads CHANNELS_LAST=1" "TORCH_THREADS=1 OMP_NUM_THREADS=1 ADAM_FOREACH=1"; do
  env $cfg OPENBLAS_CORETYPE="$coretype" OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/torch_cnn_epoch.py .cache/mnist "$out/cnn-arch.jsonl" "$epochs" >> "$out/cnn-torch.jsonl"
done
: > "$out/cnn-genbounds.jsonl"
# Convolution workers with single-threaded BLAS (what `genbounds train --threads N` does), and BLAS threads alone.
for w in 1 "$threads"; do
  OPENBLAS_CORETYPE="$coretype" OPENBLAS_NUM_THREADS=1 $B cnntrain .cache/mnist "$archs" "$epochs" "$w" | sed "s/^{/{\"blas_threads\":1,/" >> "$out/cnn-genbounds.jsonl"
done
OPENBLAS_CORETYPE="$coretype" OPENBLAS_NUM_THREADS="$threads" $B cnntrain .cache/mnist "$archs" "$epochs" 1 | sed "s/^{/{\"blas_threads\":$threads,/" >> "$out/cnn-genbounds.jsonl"
OPENBLAS_CORETYPE="$coretype" OPENBLAS_NUM_THREADS="$threads" $B cnnmeasures "$samples" "$measure_arch" > "$out/cnn-measures.jsonl"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
arch = {json.loads(l)["architecture"] for l in open(f"{out}/cnn-arch.jsonl")}
torch = [json.loads(l) for l in open(f"{out}/cnn-torch.jsonl")]
gb = [json.loads(l) for l in open(f"{out}/cnn-genbounds.jsonl")]
print("One MNIST epoch, batch 128, Adam (wall seconds, best set-up of each; CPU seconds of that run in brackets)")
print(f"{'architecture':<58}{'GenBounds s':>14}{'PyTorch s':>14}{'ratio':>7}  set-ups")
for a in sorted(arch):
    g = min((x for x in gb if x["canonical"] == a), key=lambda x: x["seconds"])
    t = min((x for x in torch if x["arch"] == a), key=lambda x: x["seconds"])
    gcfg = f"{g['workers']} workers, {g['blas_threads']} BLAS threads"
    tcfg = " ".join(f"{k}={v}" for k, v in t["config"].items() if v not in ("", False))
    print(f"{a:<58}{g['seconds']:>7.2f} ({g['cpu_seconds']:.1f}){t['seconds']:>7.2f} ({t['cpu_seconds']:.1f}){g['seconds']/t['seconds']:>7.2f}  GenBounds: {gcfg}; PyTorch: {tcfg}")
    print(f"  GenBounds test accuracy {g['test_accuracy']:.4f}, PyTorch {t['test_accuracy']:.4f}; GenBounds seconds per module: " +
          ", ".join(f"{k} {v:.2f}" for k, v in g["module_seconds"].items()))
print("all GenBounds set-ups (s):", {f"{x['workers']}w/{x['blas_threads']}b": round(x['seconds'], 2) for x in gb})
print("all PyTorch set-ups (s):", {" ".join(f"{k}={v}" for k, v in x["config"].items() if str(v) not in ("", "False", "1") or k == "torch_threads"): round(x["seconds"], 2) for x in torch})
m = json.loads(open(f"{out}/cnn-measures.jsonl").read().strip().splitlines()[-1])
print(f"\nAll Arora measures, exact, {m['samples']} MNIST training points, {m['architecture']}: {m['seconds']:.1f} s "
      f"(target 300 s; process CPU {m['cpu_seconds']:.1f} s) — " + ", ".join(f"{k} {v:.1f} s" for k, v in m["phase_seconds"].items()))
PY
