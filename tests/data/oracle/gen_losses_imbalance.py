#!/usr/bin/python3
"""Writes losses_imbalance.json beside it: PyTorch's values for the imbalance hyperparameters.

Cases for focal on binary data (torchvision.ops.sigmoid_focal_loss, alpha and gamma), bce with
pos_weight (nn.BCEWithLogitsLoss) and cross_entropy with label_smoothing (F.cross_entropy), in
the format of losses.json (README.md here). Run with Debian's python3-torch and
python3-torchvision, whose interpreter is /usr/bin/python3:
    /usr/bin/python3 tests/data/oracle/gen_losses_imbalance.py
The JSON is committed; the `oracle` test reads every *.json here, so neither CI nor users need
PyTorch. The inputs are seeded: a rerun writes the same file.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torchvision.ops import sigmoid_focal_loss

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20261128)
cases = []


def logits(rows, cols, scale=1.5):
    return rng.normal(0.0, scale, (rows, cols))


def extreme(rows, cols):
    """Logits of +-1000, both signs in every column, so both targets meet both extremes."""
    z = np.where(rng.random((rows, cols)) < 0.5, -1000.0, 1000.0)
    z[0, :] = 1000.0
    z[1, :] = -1000.0
    return z


def binary_targets(rows, positives=None):
    if positives is None:
        y = rng.integers(0, 2, rows)
        y[0], y[1] = 0, 1  # both classes, whatever the seed draws
        return y
    y = np.zeros(rows, dtype=np.int64)
    y[rng.choice(rows, positives, replace=False)] = 1
    return y


def add(name, loss, task, params, pred, target, fn):
    """fn(pred tensor, target as class indices) -> scalar; value and autograd gradient."""
    x = torch.tensor(pred, requires_grad=True)
    value = fn(x, torch.tensor(target))
    value.backward()
    grad = x.grad.numpy()
    if not (np.isfinite(value.item()) and np.isfinite(grad).all()):
        raise SystemExit(f"{name}: PyTorch's value or gradient is not finite")
    cases.append({
        "name": name, "loss": loss, "task": task, "params": params,
        "rows": pred.shape[0], "cols": pred.shape[1],
        "pred": pred.ravel().tolist(), "target": [int(t) for t in target],
        "value": value.item(), "grad": grad.ravel().tolist(),
    })
    return value.item(), grad


def focal_binary(alpha, gamma):
    return lambda x, y: sigmoid_focal_loss(x, y.to(x.dtype).reshape(x.shape), alpha=alpha,
                                           gamma=gamma, reduction="mean")


def focal_softmax(gamma):
    # The definition losses.json's multiclass focal cases use: mean(-(1 - p_y)^gamma log p_y).
    def f(x, y):
        logp = F.log_softmax(x, dim=1).gather(1, y.reshape(-1, 1))
        return (-(1 - logp.exp()) ** gamma * logp).mean()
    return f


def bce(pos_weight):
    return lambda x, y: torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight))(
        x, y.to(x.dtype).reshape(x.shape))


def cross_entropy(eps):
    return lambda x, y: F.cross_entropy(x, y, label_smoothing=eps)


def focal_params(gamma, alpha):
    return {"gamma": gamma, "alpha": alpha}


# focal, binary: torchvision's sigmoid focal loss.
for rows in (1, 8, 33):
    add(f"focal/binary-{rows}x1", "focal", "binary", focal_params(2.0, 0.25),
        logits(rows, 1), binary_targets(rows) if rows > 1 else np.array([1]), focal_binary(0.25, 2.0))
add("focal/binary-alpha-none", "focal", "binary", focal_params(2.0, -1.0), logits(16, 1),
    binary_targets(16), focal_binary(-1.0, 2.0))
add("focal/binary-alpha0.75-gamma0.5", "focal", "binary", focal_params(0.5, 0.75), logits(16, 1),
    binary_targets(16), focal_binary(0.75, 0.5))
add("focal/binary-gamma5", "focal", "binary", focal_params(5.0, 0.25), logits(16, 1, 3.0),
    binary_targets(16), focal_binary(0.25, 5.0))
add("focal/binary-imbalanced-2of40", "focal", "binary", focal_params(2.0, 0.25), logits(40, 1),
    binary_targets(40, positives=2), focal_binary(0.25, 2.0))
# gamma >= 1 at the extremes: below 1, PyTorch's autograd of (1 - p_t)^gamma is 0 * inf = NaN
# where p_t rounds to 1, while the limit (and lossbench's value) is 0.
for gamma, alpha in ((2.0, 0.25), (1.0, -1.0)):
    add(f"focal/binary-extreme-gamma{gamma:g}-alpha{alpha:g}", "focal", "binary",
        focal_params(gamma, alpha), extreme(12, 1), binary_targets(12),
        focal_binary(alpha, gamma))
# gamma 0 without alpha is bce: the same batch through both, and the two must agree.
pred, target = logits(16, 1), binary_targets(16)
v_focal, g_focal = add("focal/binary-gamma0-alpha-none-is-bce", "focal", "binary",
                       focal_params(0.0, -1.0), pred, target, focal_binary(-1.0, 0.0))
v_bce, g_bce = add("bce/same-batch-as-focal-gamma0", "bce", "binary", {"pos_weight": 1.0}, pred,
                   target, bce(1.0))
assert abs(v_focal - v_bce) <= 1e-15 * abs(v_bce) and np.allclose(g_focal, g_bce, 1e-15, 0)

# focal, multiclass: alpha does not apply, so alpha 0.9 gives the softmax focal loss unweighted.
add("focal/multiclass-alpha-ignored", "focal", "multiclass", focal_params(2.0, 0.9),
    logits(9, 3), rng.integers(0, 3, 9), focal_softmax(2.0))
add("focal/multiclass-extreme", "focal", "multiclass", focal_params(2.0, 0.25), extreme(8, 4),
    rng.integers(0, 4, 8), focal_softmax(2.0))

# bce with pos_weight.
add("bce/pos_weight3", "bce", "binary", {"pos_weight": 3.0}, logits(16, 1), binary_targets(16),
    bce(3.0))
add("bce/pos_weight0.5", "bce", "binary", {"pos_weight": 0.5}, logits(16, 1), binary_targets(16),
    bce(0.5))
add("bce/pos_weight19-imbalanced-2of40", "bce", "binary", {"pos_weight": 19.0}, logits(40, 1),
    binary_targets(40, positives=2), bce(19.0))
add("bce/pos_weight5-extreme", "bce", "binary", {"pos_weight": 5.0}, extreme(12, 1),
    binary_targets(12), bce(5.0))
add("bce/pos_weight1-extreme", "bce", "binary", {"pos_weight": 1.0}, extreme(12, 1),
    binary_targets(12), bce(1.0))

# cross_entropy with label_smoothing.
for eps in (0.0, 0.1, 1.0):
    add(f"cross_entropy/label_smoothing{eps:g}", "cross_entropy", "multiclass",
        {"label_smoothing": eps}, logits(12, 4), rng.integers(0, 4, 12), cross_entropy(eps))
add("cross_entropy/label_smoothing0.1-extreme", "cross_entropy", "multiclass",
    {"label_smoothing": 0.1}, extreme(8, 5), rng.integers(0, 5, 8), cross_entropy(0.1))
add("cross_entropy/label_smoothing1-extreme", "cross_entropy", "multiclass",
    {"label_smoothing": 1.0}, extreme(8, 3), rng.integers(0, 3, 8), cross_entropy(1.0))
imbalanced = np.where(rng.random(30) < 0.9, 0, rng.integers(1, 3, 30))
imbalanced[0] = 1
add("cross_entropy/label_smoothing0.1-imbalanced", "cross_entropy", "multiclass",
    {"label_smoothing": 0.1}, logits(30, 3), imbalanced, cross_entropy(0.1))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "losses_imbalance.json")
with open(out, "w") as f:
    f.write('{"format":1,"generator":"%s","conventions":"%s","cases":[\n' % (
        f"tests/data/oracle/gen_losses_imbalance.py: PyTorch {torch.__version__}, "
        f"torchvision {torchvision.__version__}, float64, autograd",
        "as losses.json; params name every hyperparameter of the loss"))
    f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
    f.write("\n]}\n")
print(f"{len(cases)} cases -> {out}")
