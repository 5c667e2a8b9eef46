#!/usr/bin/python3
"""Writes tests/data/sklearn_metrics.json: scikit-learn's metrics for fixed model outputs.

Run once with Debian's python3-sklearn (/usr/bin/python3); the JSON is committed and the `data`
test compares lossbench's metrics against it, so neither CI nor users need scikit-learn.
    /usr/bin/python3 scripts/gen_sklearn_metrics.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn import metrics

rng = np.random.default_rng(20261127)
cases = []


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def classification(name, n, k, scale, bias=None, labels=None):
    y = rng.integers(0, k, n) if labels is None else np.asarray(labels)
    cols = 1 if k == 2 else k
    out = rng.normal(0, scale, (n, cols))
    if k == 2:
        out[:, 0] += (2 * y - 1) * 0.8  # informative logits
        p1 = 1 / (1 + np.exp(-out[:, 0]))
        pred = (p1 >= 0.5).astype(int)
        proba = p1
    else:
        out[np.arange(n), y] += 1.0
        if bias is not None:
            out[:, bias] -= 50  # a class that is never predicted
        proba = softmax(out)
        pred = proba.argmax(axis=1)
    m = {
        "accuracy": metrics.accuracy_score(y, pred),
        "balanced_accuracy": metrics.balanced_accuracy_score(y, pred),
        "precision": metrics.precision_score(y, pred, average="macro", zero_division=0),
        "recall": metrics.recall_score(y, pred, average="macro", zero_division=0),
        "f1": metrics.f1_score(y, pred, average="macro", zero_division=0),
        "log_loss": metrics.log_loss(y, proba, labels=list(range(k))),
    }
    cases.append({"name": name, "task": "binary" if k == 2 else "multiclass", "n_classes": k,
                  "rows": n, "cols": cols, "out": out.ravel().tolist(), "y": y.tolist(), "metrics": m})


def regression(name, n, noise):
    y = rng.normal(50, 20, n)
    out = y + rng.normal(0, noise, n)
    m = {
        "rmse": metrics.mean_squared_error(y, out, squared=False),
        "mae": metrics.mean_absolute_error(y, out),
        "r2": metrics.r2_score(y, out),
    }
    cases.append({"name": name, "task": "regression", "n_classes": 0, "rows": n, "cols": 1,
                  "out": out.tolist(), "y": y.tolist(), "metrics": m})


classification("binary-40", 40, 2, 1.0)
classification("binary-imbalanced", 60, 2, 1.5, labels=[1] * 6 + [0] * 54)
classification("multiclass-3", 45, 3, 1.0)
classification("multiclass-10", 200, 10, 1.5)
classification("multiclass-never-predicted", 50, 4, 1.0, bias=3)
regression("regression-50", 50, 5.0)
regression("regression-noisy", 30, 40.0)

path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "sklearn_metrics.json")
with open(path, "w") as f:
    json.dump({"format": 1, "generator": "scikit-learn " + sklearn.__version__,
               "conventions": "out: model outputs, row-major (logits for classification); "
                              "macro averages with zero_division=0", "cases": cases}, f, indent=1)
print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")
