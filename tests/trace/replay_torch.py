#!/usr/bin/env python3
"""Replays a `lossbench trace` in PyTorch (float64) and writes the reference the trace test checks.

usage: /usr/bin/python3 replay_torch.py TRACE.json NAME ARGS_JSON OUT.json

The model is rebuilt from torch.nn.Linear layers and the activation, its weights loaded from the
trace's `init`; each step feeds the trace's batch, in order, to the PyTorch loss and optimizer of
the same name and hyperparameters, with the trace's learning rate for that step. What PyTorch
computes (each step's loss and gradient norm, the final weights) is the reference; the batches
and learning rates are kept beside it, so that a test failing on them says the trial itself
changed (regenerate with gen_references.sh) rather than that a step differs.
"""
import json
import math
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

ACTIVATIONS = {"identity": None, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid,
               "relu": torch.nn.ReLU}


def model_of(trace):
    layers = []
    for spec, init in zip(trace["model"]["layers"], trace["init"]):
        lin = torch.nn.Linear(spec["in"], spec["out"])
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(init["weight"]))
            lin.bias.copy_(torch.tensor(init["bias"]))
        layers.append(lin)
        if ACTIVATIONS[spec["activation"]]:
            layers.append(ACTIVATIONS[spec["activation"]]())
    return torch.nn.Sequential(*layers)


def loss_of(name, p):
    """The PyTorch loss of the same name, or the documented formula where PyTorch has none."""
    if name == "mse":
        return lambda out, y: F.mse_loss(out[:, 0], y)
    if name == "mae":
        return lambda out, y: F.l1_loss(out[:, 0], y)
    if name == "huber":
        return lambda out, y: F.huber_loss(out[:, 0], y, delta=p["delta"])
    if name == "bce":
        w = torch.tensor(p["pos_weight"])
        return lambda out, y: F.binary_cross_entropy_with_logits(out[:, 0], y, pos_weight=w)
    if name == "hinge":  # no PyTorch loss: mean(max(0, 1 - s x)), s = 2y - 1 (README)
        return lambda out, y: torch.clamp(1 - (2 * y - 1) * out[:, 0], min=0).mean()
    if name == "cross_entropy":
        return lambda out, y: F.cross_entropy(out, y.long(), label_smoothing=p["label_smoothing"])
    raise SystemExit(f"replay_torch.py: no PyTorch reference for loss '{name}'")


def optimizer_of(name, p, params):
    betas = (p.get("beta1"), p.get("beta2"))
    if name == "sgd":
        return torch.optim.SGD(params, lr=1.0, momentum=p["momentum"],
                               nesterov=bool(p["nesterov"]), weight_decay=p["weight_decay"])
    if name == "adam":
        return torch.optim.Adam(params, lr=1.0, betas=betas, eps=p["eps"],
                                weight_decay=p["weight_decay"], amsgrad=bool(p["amsgrad"]))
    if name == "adamw":
        return torch.optim.AdamW(params, lr=1.0, betas=betas, eps=p["eps"],
                                 weight_decay=p["weight_decay"], amsgrad=bool(p["amsgrad"]))
    if name == "adamax":
        return torch.optim.Adamax(params, lr=1.0, betas=betas, eps=p["eps"],
                                  weight_decay=p["weight_decay"])
    if name == "nadam":
        return torch.optim.NAdam(params, lr=1.0, betas=betas, eps=p["eps"],
                                 weight_decay=p["weight_decay"],
                                 momentum_decay=p["momentum_decay"])
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=1.0, alpha=p["alpha"], eps=p["eps"],
                                   momentum=p["momentum"], centered=bool(p["centered"]),
                                   weight_decay=p["weight_decay"])
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=1.0, lr_decay=p["lr_decay"],
                                   weight_decay=p["weight_decay"],
                                   initial_accumulator_value=p["initial_accumulator"],
                                   eps=p["eps"])
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr=1.0, rho=p["rho"], eps=p["eps"],
                                    weight_decay=p["weight_decay"])
    raise SystemExit(f"replay_torch.py: no PyTorch reference for optimizer '{name}'")


def replay(trace):
    X = torch.tensor(trace["data"]["X_train"], dtype=torch.float64)
    y = torch.tensor(trace["data"]["y_train"], dtype=torch.float64)
    model = model_of(trace)
    loss_fn = loss_of(trace["loss"]["name"], trace["loss"]["params"])
    opt = optimizer_of(trace["optimizer"]["name"], trace["optimizer"]["params"],
                       model.parameters())
    steps = []
    for lr, batch in zip(trace["lr"], trace["batches"]):
        for group in opt.param_groups:  # the schedule's rate for this step, as lossbench used it
            group["lr"] = lr
        opt.zero_grad()
        idx = torch.tensor(batch)
        loss = loss_fn(model(X[idx]), y[idx])
        loss.backward()
        norm = math.sqrt(sum(float((q.grad ** 2).sum()) for q in model.parameters()))
        steps.append({"loss": float(loss), "grad_norm": norm})
        opt.step()
    final = [{"weight": m.weight.detach().tolist(), "bias": m.bias.detach().tolist()}
             for m in model if isinstance(m, torch.nn.Linear)]
    return steps, final


def main():
    trace_path, name, args_json, out_path = sys.argv[1:5]
    with open(trace_path) as f:
        trace = json.load(f)
    steps, final = replay(trace)
    ref = {"format": 1, "name": name, "args": json.loads(args_json),
           "torch": torch.__version__, "config": trace["config"], "lr": trace["lr"],
           "batches": trace["batches"], "steps": steps, "final": final}
    with open(out_path, "w") as f:
        json.dump(ref, f, indent=None, separators=(",", ":"))
        f.write("\n")
    worst = max(abs(a["loss"] - b["loss"]) / max(abs(b["loss"]), 1e-300)
                for a, b in zip(steps, trace["steps"]))
    print(f"{name}: {len(steps)} steps, worst relative loss difference to lossbench {worst:.2e}")


if __name__ == "__main__":
    main()
