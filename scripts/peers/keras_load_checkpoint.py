#!/usr/bin/env python3
"""Loads a seqtrain checkpoint into the same Keras 3 model, by name, and recomputes its figures.

For each run folder: builds the model of the run's config.yaml with Keras (the model builder of
keras_bench.py), sets every weight from checkpoints/<which>.safetensors by its name
(layers.<i>.kernel, layers.<i>.recurrent_kernel, layers.<i>.bias, shapes checked against Keras's),
evaluates the validation split (targets aligned as seqtrain aligns them, e.g. Y[:, 3::2] after a
strided Conv1D) and compares val_loss and every val_ metric with the checkpoint's row of history.csv.

Usage: KERAS_BACKEND=jax python3 scripts/peers/keras_load_checkpoint.py [--checkpoint last|best] RUN_DIR...
Exits non-zero when a figure differs by more than 1e-4 relative. Needs numpy, PyYAML, keras 3 and a
backend; seqtrain itself never needs Python.
"""

import argparse
import csv
import json
import os
import struct
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras_bench  # noqa: E402  (the config reader, data and model builder shared with the benchmark)


def read_safetensors(path):
    """name -> float32 array, from the safetensors layout: u64 header length, JSON header, data."""
    import numpy as np

    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"])
    return tensors, header.get("__metadata__", {})


def check(run, which):
    import keras
    import numpy as np

    cfg = keras_bench.load_config(os.path.join(run, "config.yaml"))
    tensors, metadata = read_safetensors(os.path.join(run, "checkpoints", f"{which}.safetensors"))
    epoch = int(metadata["epoch"])
    keras.utils.set_random_seed(cfg["seed"])
    model = keras_bench.build_model(keras, cfg, None)
    train = cfg["train"]
    model.compile(loss=keras_bench.build_loss(keras, train.get("loss")),
                  metrics=keras_bench.build_metrics(keras, train.get("metrics")))
    loaded = 0
    for i, layer in enumerate(model.layers):
        values = []
        for weight in layer.weights:
            name = f"layers.{i}.{weight.name}"
            assert name in tensors, f"{run}: {name} (Keras {weight.path}) is not in the checkpoint"
            assert tuple(tensors[name].shape) == tuple(weight.shape), (name, tensors[name].shape, weight.shape)
            values.append(tensors[name])
            loaded += 1
        if values:
            layer.set_weights(values)
    expected = sum(1 for k in tensors if k.startswith("layers."))
    assert loaded == expected, f"{run}: Keras has {loaded} weights, the checkpoint {expected}"
    _, (X_valid, Y_valid) = keras_bench.make_data(cfg)
    figures = model.evaluate(X_valid, Y_valid, batch_size=256, verbose=0, return_dict=True)
    with open(os.path.join(run, "history.csv")) as f:
        row = next(r for r in csv.DictReader(f) if int(r["epoch"]) == epoch)
    worst = 0.0
    lines = []
    for key, value in figures.items():
        column = "val_" + ("loss" if key in ("loss", "compile_metrics") else key)
        if key == "compile_metrics" or column not in row:
            continue
        ours = float(row[column])
        error = abs(value - ours) / abs(ours)
        worst = max(worst, error)
        lines.append(f"{column} Keras {value:.8g} seqtrain {ours:.8g} (relative difference {error:.1e})")
    print(f"{cfg['name']} ({which} checkpoint, epoch {epoch}, {loaded} tensors by name): " + "; ".join(lines))
    return worst


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", choices=["last", "best"], default="last")
    p.add_argument("runs", nargs="+")
    args = p.parse_args()
    worst = max(check(run, args.checkpoint) for run in args.runs)
    if worst > 1e-4:
        raise SystemExit(f"a figure differs by {worst:.1e} relative (more than 1e-4)")


if __name__ == "__main__":
    main()
