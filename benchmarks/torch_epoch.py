#!/usr/bin/env python3
"""Reference timing: one epoch of MNIST training in PyTorch (Debian's python3-torch), batch 128, Adam.

Run by benchmarks/train.sh with /usr/bin/python3. Prints one JSON object per architecture:
{"arch": "784-100-10", "seconds": ..., "config": ..., "test_accuracy": ...}.
The data are the same IDX files GenBounds reads, held in memory as tensors; batches are sliced from a
seeded permutation (no DataLoader), so the timing is the training loop itself.
"""
import json, os, struct, sys, time

def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]

def openblas_core():
    """The OpenBLAS kernel this process runs (None if its BLAS is not OpenBLAS): the mapped libopenblas, asked directly."""
    import ctypes
    with open("/proc/self/maps") as f:
        paths = {l.split()[-1] for l in f if "openblas" in l and "/" in l}
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return None


def main():
    import numpy as np
    import torch
    threads = int(os.environ.get("TORCH_THREADS", "2"))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    folder, archs, epochs = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]) if len(sys.argv) > 3 else 1
    foreach = os.environ.get("ADAM_FOREACH", "0") == "1"
    (n, r, c), img = read_idx(os.path.join(folder, "train-images-idx3-ubyte"))
    _, lab = read_idx(os.path.join(folder, "train-labels-idx1-ubyte"))
    x = torch.from_numpy(np.frombuffer(img, dtype=np.uint8).reshape(n, r * c).astype(np.float32) / 255.0)
    y = torch.from_numpy(np.frombuffer(lab, dtype=np.uint8).astype(np.int64))
    (nt, _, _), timg = read_idx(os.path.join(folder, "t10k-images-idx3-ubyte"))
    _, tlab = read_idx(os.path.join(folder, "t10k-labels-idx1-ubyte"))
    xt = torch.from_numpy(np.frombuffer(timg, dtype=np.uint8).reshape(nt, r * c).astype(np.float32) / 255.0)
    yt = torch.from_numpy(np.frombuffer(tlab, dtype=np.uint8).astype(np.int64))
    for arch in archs:
        sizes = [int(s) for s in arch.split("-")]
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
        model = torch.nn.Sequential(*layers)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=foreach)
        lossf = torch.nn.CrossEntropyLoss()
        # warm-up: a few steps so that allocator and thread pools are hot, as for GenBounds
        for i in range(5):
            opt.zero_grad(set_to_none=True)
            lossf(model(x[:128]), y[:128]).backward()
            opt.step()
        best = None
        for e in range(epochs):
            perm = torch.randperm(n)
            t0 = time.perf_counter()
            for s in range(0, n, 128):
                idx = perm[s:s + 128]
                opt.zero_grad(set_to_none=True)
                loss = lossf(model(x[idx]), y[idx])
                loss.backward()
                opt.step()
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        with torch.no_grad():
            acc = (model(xt).argmax(1) == yt).float().mean().item()
        print(json.dumps({"arch": arch, "seconds": best, "test_accuracy": acc, "torch": torch.__version__, "openblas_core": openblas_core(),
                          "config": {"torch_threads": threads, "foreach": foreach,
                                     "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", ""),
                                     "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", ""),
                                     "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "")}}), flush=True)

if __name__ == "__main__":
    main()
