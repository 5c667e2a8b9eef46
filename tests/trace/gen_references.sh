#!/usr/bin/env bash
# Regenerates tests/trace/references/*.json: each case traced by lossbench, then replayed in
# PyTorch by replay_torch.py (Debian's python3-torch, float64). Run after a change that
# legitimately changes a trial (initialization, batch order, the split); the trace test says when.
# usage: tests/trace/gen_references.sh [LOSSBENCH]   (default build/lossbench)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lb=${1:-$here/../../build/lossbench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$here/references"
case_() {  # case_ NAME lossbench-trace-args...
  local name=$1; shift
  "$lb" trace "$@" --out "$work/$name" >/dev/null
  local args; args=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$@")
  /usr/bin/python3 "$here/replay_torch.py" "$work/$name/trace.json" "$name" "$args" \
    "$here/references/$name.json"
}
# Each runs at least 3 epochs, and each training split ends in a partial batch.
case_ linear_mse_sgd_nesterov --datasets diabetes --models linear --losses mse --optimizers sgd \
  --optimizer.sgd.momentum 0.9 --optimizer.sgd.nesterov 1 --lr 0.01 --epochs 3
case_ tanh_mlp_cross_entropy_adam --datasets iris --models "mlp(hidden=16x16,activation=tanh)" \
  --losses cross_entropy --optimizers adam --lr 0.01 --epochs 3
case_ relu_mlp_bce_adamw --datasets breast_cancer --models "mlp(hidden=16,activation=relu)" \
  --losses bce --optimizers adamw --optimizer.adamw.weight_decay 0.05 --lr 0.003 --epochs 3
case_ sigmoid_mlp_huber_rmsprop_step --datasets diabetes \
  --models "mlp(hidden=8x8,activation=sigmoid)" --losses huber --optimizers rmsprop \
  --lr 0.01 --schedule step --step_every 1 --gamma 0.5 --warmup 1 --epochs 4
case_ linear_hinge_adagrad --datasets breast_cancer --models linear --losses hinge \
  --optimizers adagrad --optimizer.adagrad.lr_decay 0.01 --lr 0.1 --epochs 3
case_ tanh_mlp_nadam_cosine --datasets wine --models "mlp(hidden=12,activation=tanh)" \
  --losses cross_entropy --loss.cross_entropy.label_smoothing 0.1 --optimizers nadam \
  --lr 0.005 --schedule cosine --epochs 3 --batch_size 20
case_ linear_adadelta_cosine --datasets diabetes --models linear --losses huber \
  --loss.huber.delta 0.5 --optimizers adadelta --lr 1 --schedule cosine --epochs 3
