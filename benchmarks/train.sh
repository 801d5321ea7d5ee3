#!/usr/bin/env bash
# Training-speed benchmark: one epoch of MNIST (batch 128, Adam) for three MLPs, three contenders in one run on the same
# machine and thread count:
#   GenBounds   the native engine (float32, OpenBLAS through libblas.so.3; by default exact sparse products where a layer's
#               input is mostly zeros: MNIST's pixels, trained ReLU outputs — printed per epoch)
#   PyTorch     Debian's python3-torch, run by /usr/bin/python3 (its BLAS is the same libblas.so.3: OpenBLAS)
#   TorchSharp  GenBounds' torch engine (TorchSharp 0.107 + libtorch 2.10: MKL and OpenMP threads)
# GenBounds and PyTorch get the same OpenBLAS kernel: OPENBLAS_CORETYPE from the environment when set, otherwise the
# kernel GenBounds itself picks (after its GEMM self-test); every contender reports the kernel it actually ran. PyTorch and
# TorchSharp are measured in several thread set-ups and their best is used. Prints the kernel and a table with
# GenBounds' epoch time over each contender's best (targets: <= 0.6 for PyTorch, <= 0.5 for TorchSharp).
# Every contender trains EPOCHS epochs (default 3) after the same few warm-up steps and reports its fastest: the steady
# state, not the first epoch's JIT tiering (.NET) or allocator and thread-pool start-up (PyTorch, libtorch).
#   usage: bash benchmarks/train.sh [ARCHS] [EPOCHS]      (on a shared machine: flock /work/bench.lock bash benchmarks/train.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
archs=${1:-784-100-10,784-1000-1000-10,784-1000-1000-1000-10}
epochs=${2:-3}
GENBOUNDS_SETUP_TORCH=1 bash scripts/setup.sh
dotnet build benchmarks/GenBounds.Benchmarks -c Release -v q -nologo >/dev/null
bench() { dotnet benchmarks/GenBounds.Benchmarks/bin/Release/net10.0/GenBounds.Benchmarks.dll "$@"; }
out=benchmarks/results; mkdir -p "$out"
threads=$(nproc)

if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
  kernel_source="OPENBLAS_CORETYPE from the environment"
else
  status=$(bench kernel)
  OPENBLAS_CORETYPE=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["kernel"] or "")' "$status")
  kernel_source=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["summary"])' "$status")
fi
export OPENBLAS_CORETYPE
printf 'OpenBLAS kernel for GenBounds and PyTorch: %s (%s); TorchSharp runs libtorch'"'"'s MKL\n' "${OPENBLAS_CORETYPE:-none}" "$kernel_source"

: > "$out/torch.jsonl"
for cfg in "OMP_WAIT_POLICY=PASSIVE TORCH_THREADS=$threads" "TORCH_THREADS=1 OPENBLAS_NUM_THREADS=$threads" "TORCH_THREADS=$threads OPENBLAS_NUM_THREADS=1" "TORCH_THREADS=1 OPENBLAS_NUM_THREADS=$threads ADAM_FOREACH=1"; do
  env $cfg /usr/bin/python3 benchmarks/torch_epoch.py .cache/mnist "$archs" "$epochs" >> "$out/torch.jsonl"
done

avx512=$(grep -q avx512f /proc/cpuinfo && echo " MKL_ENABLE_INSTRUCTIONS=AVX512" || true)
: > "$out/torchsharp.jsonl"
for cfg in "TORCH_THREADS=$threads$avx512" "TORCH_THREADS=1$avx512" "TORCH_THREADS=$threads"; do
  env $cfg OPENBLAS_NUM_THREADS=1 dotnet benchmarks/GenBounds.Benchmarks/bin/Release/net10.0/GenBounds.Benchmarks.dll torchtrain .cache/mnist "$archs" "$epochs" >> "$out/torchsharp.jsonl"
done

OPENBLAS_NUM_THREADS=$threads bench train .cache/mnist "$archs" "$epochs" > "$out/genbounds.jsonl"

/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
load = lambda f: [json.loads(l) for l in open(f"{out}/{f}")]
torch, ts, gb = load("torch.jsonl"), load("torchsharp.jsonl"), load("genbounds.jsonl")
kernels = sorted({t.get("openblas_core") or "?" for t in torch})
print(f"GenBounds products: first layer {gb[0].get('input_products', 'dense')}, hidden layers {gb[0].get('activation_products', 'dense')} (exact: the inputs' nonzeros only where they are mostly zeros; GFLOP/s and the sgemm fraction count dense-equivalent FLOPs)")
print(f"kernels run: GenBounds {gb[0]['blas']}; PyTorch OpenBLAS core {', '.join(kernels)}; TorchSharp libtorch {ts[0]['libtorch']} (MKL)")
def best(runs, arch):
    return min((r for r in runs if r["arch"] == arch), key=lambda r: r["seconds"])
def cfg(r):
    return " ".join(f"{k}={v}" for k, v in r["config"].items() if v not in ("", False))
ok = lambda x, target: "yes" if x <= target else "NO"
print(f"{'architecture':<24}{'GenBounds s':>12}{'PyTorch s':>11}{'GB/PT':>7}{'TorchSharp s':>14}{'GB/TS':>7}{'GFLOP/s':>9}{'of sgemm':>10}  targets (<=0.6, <=0.5)")
for g in gb:
    p, t = best(torch, g["arch"]), best(ts, g["arch"])
    rp, rt = g["seconds"] / p["seconds"], g["seconds"] / t["seconds"]
    print(f"{g['arch']:<24}{g['seconds']:>12.2f}{p['seconds']:>11.2f}{rp:>7.2f}{t['seconds']:>14.2f}{rt:>7.2f}{g['gflops']:>9.1f}{100*g['fraction_of_sgemm_rate']:>9.0f}%  {ok(rp, 0.6)}, {ok(rt, 0.5)}")
for g in gb:
    p, t = best(torch, g["arch"]), best(ts, g["arch"])
    print(f"  {g['arch']}: PyTorch best {cfg(p)}; TorchSharp best {cfg(t)}; GenBounds phases " +
          ", ".join(f"{k} {v:.2f}" for k, v in g["phase_seconds"].items()))
    for e, ep in enumerate(g.get("epochs", [])):
        if ep["layers"]:
            print(f"    epoch {e + 1} ({ep['seconds']:.2f} s): hidden-layer inputs " + ", ".join(
                f"layer {x['layer']} {100 * x['nonzero_fraction']:.0f}% nonzeros, {x['sparse_batches']}/{x['batches']} batches sparse" for x in ep["layers"]))
print("all PyTorch set-ups (s):", {f"{t['arch']} {cfg(t)}": round(t['seconds'], 2) for t in torch})
print("all TorchSharp set-ups (s):", {f"{t['arch']} {cfg(t)}": round(t['seconds'], 2) for t in ts})
PY
