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
from sklearn.dummy import DummyClassifier
from sklearn.preprocessing import label_binarize

rng = np.random.default_rng(20261127)
cases = []


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def rank_metrics(y, k, out, proba, pred):
    """roc_auc, pr_auc, f1_pos and mcc. Binary scores are the logit (what lossbench ranks: the
    probability's order); multiclass ones the softmax probabilities, one class against the rest,
    macro-averaged. scikit-learn 1.2's average_precision_score takes no multiclass labels, so
    they are binarized as later versions do internally."""
    if k == 2:
        return {
            "roc_auc": metrics.roc_auc_score(y, out[:, 0]),
            "pr_auc": metrics.average_precision_score(y, out[:, 0]),
            "f1_pos": metrics.f1_score(y, pred, pos_label=1, average="binary", zero_division=0),
            "mcc": metrics.matthews_corrcoef(y, pred),
        }
    return {
        "roc_auc": metrics.roc_auc_score(y, proba, multi_class="ovr", average="macro"),
        "pr_auc": metrics.average_precision_score(label_binarize(y, classes=list(range(k))), proba,
                                                  average="macro"),
        "mcc": metrics.matthews_corrcoef(y, pred),
    }


def classification(name, n, k, scale, bias=None, labels=None, out=None, ranked=True):
    y = rng.integers(0, k, n) if labels is None else np.asarray(labels)
    cols = 1 if k == 2 else k
    if out is None:
        out = rng.normal(0, scale, (n, cols))
        if k == 2:
            out[:, 0] += (2 * y - 1) * 0.8  # informative logits
        else:
            out[np.arange(n), y] += 1.0
            if bias is not None:
                out[:, bias] -= 50  # a class that is never predicted
    if k == 2:
        p1 = 1 / (1 + np.exp(-out[:, 0]))
        pred = (p1 >= 0.5).astype(int)
        proba = p1
    else:
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
    m.update(rank_metrics(y, k, out, proba, pred) if ranked else
             {"roc_auc": None, "pr_auc": None, "f1_pos": None, "mcc": None})
    case = {"name": name, "task": "binary" if k == 2 else "multiclass", "n_classes": k, "rows": n,
            "cols": cols, "out": out.ravel().tolist(), "y": y.tolist(), "metrics": m}
    cases.append(case)
    return case


def baseline(name, k, y_train, y_test):
    """A model that ignores its input: DummyClassifier(strategy="prior"), fit on y_train, scored
    on y_test. Its outputs are the logits of the training class frequencies, which is how
    lossbench's baseline_metrics builds them; the case carries y_train for the test to fit it."""
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    dummy = DummyClassifier(strategy="prior").fit(np.zeros((len(y_train), 1)), y_train)
    proba = dummy.predict_proba(np.zeros((len(y_test), 1)))
    out = np.log(proba[:, 1:2] / proba[:, 0:1]) if k == 2 else np.log(proba)
    case = classification(name, len(y_test), k, 0, labels=y_test, out=out)
    case["y_train"] = y_train.tolist()
    return case


def ties(values, n, cols):
    """n rows drawn from a few distinct rows: every score repeats, within and across classes."""
    return values[rng.integers(0, len(values), n)].reshape(n, cols)


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

# Ties: logits on a grid of 0.5, so that positives and negatives share scores.
y_ties = rng.integers(0, 2, 50)
classification("binary-ties", 50, 2, 0, labels=y_ties,
               out=np.round((rng.normal(0, 1, (50, 1)) + (2 * y_ties[:, None] - 1) * 0.5) * 2) / 2)
classification("multiclass-ties", 60, 4, 0, out=ties(rng.normal(0, 1.5, (7, 4)), 60, 4))
# 5% positives (10 of 200), and a minority of 5% in each of two classes.
y5 = np.zeros(200, dtype=int)
y5[rng.choice(200, 10, replace=False)] = 1
classification("binary-5pct-positives", 200, 2, 1.5, labels=y5)
classification("binary-5pct-positives-ties", 200, 2, 0, labels=y5,
               out=np.round(rng.normal(0, 1, (200, 1)) + y5[:, None] * 1.0))
y3 = np.array([0] * 90 + [1] * 5 + [2] * 5)
rng.shuffle(y3)
classification("multiclass-imbalanced", 100, 3, 1.0, labels=y3)
# The majority baseline: 5% positives, and three classes of 60/30/10%.
baseline("baseline-binary-5pct", 2, [0] * 114 + [1] * 6, [0] * 38 + [1] * 2)
baseline("baseline-multiclass", 3, [0] * 60 + [1] * 30 + [2] * 10, [0] * 13 + [1] * 5 + [2] * 2)
# One class in the split: no ranking, no positive class and no correlation to measure.
# scikit-learn raises (roc_auc), returns 0 with a warning (pr_auc, f1_pos) or returns 0 (mcc);
# lossbench gives NaN (null here) for all four, as for any metric that does not apply.
classification("binary-one-class", 20, 2, 1.0, labels=[0] * 20, ranked=False)

path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "sklearn_metrics.json")
with open(path, "w") as f:
    json.dump({"format": 1, "generator": "scikit-learn " + sklearn.__version__,
               "conventions": "out: model outputs, row-major (logits for classification); "
                              "macro averages with zero_division=0; binary ranking metrics on the "
                              "logit, multiclass on softmax probabilities one-vs-rest, macro; "
                              "null: undefined, NaN in lossbench; y_train: a baseline case, "
                              "outputs from the training class frequencies",
               "cases": cases}, f, indent=1)
print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")
