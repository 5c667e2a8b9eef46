#!/usr/bin/python3
"""PyTorch (float64, one thread) on the same workloads, data and protocol as lossbench's bench.

The bench program exports each workload's standardized split as raw float64 files; this script
trains the same model with the same loss, optimizer, batch size and epochs, evaluates after every
epoch (training loss over the train split, metric on validation and test) and prints one JSON
object: {"W1": seconds, ...}, the best of 3 timed runs after a warm-up (as lossbench_bench reports its own), training + evaluation
only (no start-up, no data loading). Run by bench/run.sh when /usr/bin/python3 has torch.
"""
import json
import os
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)


def load(folder, name):
    meta = json.load(open(os.path.join(folder, name + ".json")))
    arrays = {}
    for part in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test"):
        rows, cols = meta[part]
        arrays[part] = torch.from_numpy(np.fromfile(os.path.join(folder, f"{name}.{part}.f64"), dtype=np.float64)
                                        .reshape(rows, cols))
    return meta, arrays


def model_for(meta, inputs, outputs):
    layers, prev = [], inputs
    act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}.get(meta["activation"])
    for h in meta["hidden"]:
        layers += [torch.nn.Linear(prev, h), act()]
        prev = h
    layers.append(torch.nn.Linear(prev, outputs))
    return torch.nn.Sequential(*layers)


def run(meta, a):
    torch.manual_seed(0)
    task = meta["task"]
    out = 1 if task == "regression" else meta["classes"]
    model = model_for(meta, a["X_train"].shape[1], out)
    if meta["optimizer"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=meta["lr"])
    else:
        opt = torch.optim.SGD(model.parameters(), lr=meta["lr"])
    if task == "regression":
        loss_fn = torch.nn.functional.mse_loss
        ytr, yva, yte = a["y_train"], a["y_val"], a["y_test"]
    else:
        loss_fn = torch.nn.functional.cross_entropy
        ytr, yva, yte = (a[k].long().view(-1) for k in ("y_train", "y_val", "y_test"))
    X, n, bs = a["X_train"], a["X_train"].shape[0], meta["batch_size"]
    g = torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    for _ in range(meta["epochs"]):
        perm = torch.randperm(n, generator=g)
        for s in range(0, n, bs):
            idx = perm[s:s + bs]
            opt.zero_grad()
            loss = loss_fn(model(X[idx]), ytr[idx])
            loss.backward()
            opt.step()
        with torch.no_grad():
            loss_fn(model(X), ytr).item()
            for Xe, ye in ((a["X_val"], yva), (a["X_test"], yte)):
                pe = model(Xe)
                if task == "regression":
                    torch.sqrt(((pe - ye) ** 2).mean()).item()
                else:
                    (pe.argmax(1) == ye).double().mean().item()
    return time.perf_counter() - t0


def main():
    folder = sys.argv[1]
    names = sys.argv[2:]
    result = {"torch": torch.__version__}
    for name in names:
        meta, arrays = load(folder, name)
        run(meta, arrays)  # warm-up
        result[name] = min(run(meta, arrays) for _ in range(3))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
