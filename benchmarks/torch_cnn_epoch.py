#!/usr/bin/env python3
"""Reference timing: one epoch of MNIST training of a sequential CNN in PyTorch (Debian's python3-torch), batch 128, Adam.

Run by benchmarks/cnn.sh with /usr/bin/python3. Arguments: MNIST folder, a JSON file with one architecture per line
as printed by `GenBounds.Benchmarks architecture ARCH` (the exact PyTorch modules GenBounds trains), epochs.
Prints one JSON object per architecture: {"arch": ..., "seconds": ..., "config": ..., "test_accuracy": ...}.
The data are the same IDX files GenBounds reads, held in memory as an N×1×28×28 tensor; batches are sliced from a
seeded permutation (no DataLoader), so the timing is the training loop itself.
"""
import json, os, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_epoch import read_idx


def build(spec):
    import torch.nn as nn
    mods = []
    for m in spec["modules"]:
        t = m["type"]
        if t == "Conv2d":
            mods.append(nn.Conv2d(m["in"], m["out"], tuple(m["kernel"]), stride=m["stride"], padding=m["padding"], bias=m["bias"]))
        elif t == "Linear":
            mods.append(nn.Linear(m["in"], m["out"], bias=m["bias"]))
        elif t == "MaxPool2d":
            mods.append(nn.MaxPool2d(m["kernel"], stride=m["stride"]))
        elif t == "AvgPool2d":
            mods.append(nn.AvgPool2d(m["kernel"], stride=m["stride"]))
        elif t == "ReLU":
            mods.append(nn.ReLU())
        elif t == "Flatten":
            mods.append(nn.Flatten())
        else:
            raise ValueError(t)
    return nn.Sequential(*mods)


def main():
    import numpy as np
    import torch
    threads = int(os.environ.get("TORCH_THREADS", "2"))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    folder, specs, epochs = sys.argv[1], [json.loads(l) for l in open(sys.argv[2]) if l.strip()], int(sys.argv[3]) if len(sys.argv) > 3 else 1
    foreach = os.environ.get("ADAM_FOREACH", "0") == "1"
    channels_last = os.environ.get("CHANNELS_LAST", "0") == "1"
    (n, r, c), img = read_idx(os.path.join(folder, "train-images-idx3-ubyte"))
    _, lab = read_idx(os.path.join(folder, "train-labels-idx1-ubyte"))
    x = torch.from_numpy(np.frombuffer(img, dtype=np.uint8).reshape(n, 1, r, c).astype(np.float32) / 255.0)
    y = torch.from_numpy(np.frombuffer(lab, dtype=np.uint8).astype(np.int64))
    (nt, _, _), timg = read_idx(os.path.join(folder, "t10k-images-idx3-ubyte"))
    _, tlab = read_idx(os.path.join(folder, "t10k-labels-idx1-ubyte"))
    xt = torch.from_numpy(np.frombuffer(timg, dtype=np.uint8).reshape(nt, 1, r, c).astype(np.float32) / 255.0)
    yt = torch.from_numpy(np.frombuffer(tlab, dtype=np.uint8).astype(np.int64))
    if channels_last:
        x, xt = x.contiguous(memory_format=torch.channels_last), xt.contiguous(memory_format=torch.channels_last)
    for spec in specs:
        model = build(spec)
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=foreach)
        lossf = torch.nn.CrossEntropyLoss()
        for i in range(10):  # warm-up: allocator, thread pools, oneDNN primitive caches
            opt.zero_grad(set_to_none=True)
            lossf(model(x[i * 128:(i + 1) * 128]), y[i * 128:(i + 1) * 128]).backward()
            opt.step()
        best = None
        best_cpu = None
        for e in range(epochs):
            perm = torch.randperm(n)
            t0 = time.perf_counter()
            c0 = time.process_time()
            for s in range(0, n, 128):
                idx = perm[s:s + 128]
                opt.zero_grad(set_to_none=True)
                loss = lossf(model(x[idx]), y[idx])
                loss.backward()
                opt.step()
            dt = time.perf_counter() - t0
            dc = time.process_time() - c0
            if best is None or dt < best:
                best, best_cpu = dt, dc
        with torch.no_grad():
            acc = (model(xt).argmax(1) == yt).float().mean().item()
        print(json.dumps({"arch": spec["architecture"], "seconds": best, "cpu_seconds": best_cpu, "test_accuracy": acc, "torch": torch.__version__,
                          "config": {"torch_threads": threads, "foreach": foreach, "channels_last": channels_last,
                                     "mkldnn": torch.backends.mkldnn.is_available(),
                                     "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", ""),
                                     "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", ""),
                                     "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "")}}), flush=True)


if __name__ == "__main__":
    main()
