#!/usr/bin/env python3
"""Measures the peer (Keras 3) on seqtrain's experiment YAML files.

Builds the same model, data and optimizer as each config, trains with model.fit for a few epochs
and reports the wall seconds per epoch (train + validation), so that seqtrain's speed can be given
as a ratio against Keras on the same machine.

Usage:
  python3 scripts/peers/keras_bench.py [--backend jax|tensorflow|both] [--epochs N]
                                       [--units U] [--json OUT [--append]] [configs/x.yaml ...]

Each backend runs in its own subprocess (KERAS_BACKEND must be set before keras is imported):
the parent re-invokes this file with --worker once per backend and merges the results.
seqtrain itself never needs Python; this script is only for peer measurements.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CONFIGS = ["linear", "simple_rnn", "deep_rnn", "deep_rnn_dense", "seq2vec", "seq2seq",
                   "lstm", "gru", "conv1d_gru", "wavenet"]
BACKENDS = ["jax", "tensorflow"]
BUSY_LIMIT = 0.2  # cores used by other processes during a row's fit before the row is flagged


# --------------------------------------------------------------------------------------------
# Config reading (no keras import here: the parent process uses it too)
# --------------------------------------------------------------------------------------------

def load_config(path):
    import yaml

    with open(path) as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict):
        raise SystemExit(f"{path}: the top level must be a mapping")
    name = doc.get("name") or os.path.splitext(os.path.basename(path))[0]
    data = doc.get("data") or {}
    target = data.get("target", "next")
    horizon = data.get("horizon", 1 if target == "next" else 10)
    split = data.get("split") or {}
    source = data.get("source") or {}
    if source.get("generator", "sine") != "sine":
        raise SystemExit(f"{path}: only data.source.generator sine is supported")
    train = doc.get("train") or {}
    return {
        "path": path,
        "name": name,
        "seed": int(doc.get("seed", 42)),
        "series": int(source.get("series", 10000)),
        "window": int(data.get("window", 50)),
        "target": target,
        "horizon": int(horizon),
        "split": (int(split.get("train", 7000)), int(split.get("valid", 2000)), int(split.get("test", 1000))),
        "model": doc.get("model"),
        "train": train,
    }


def resolve_configs(paths):
    if not paths:
        paths = [os.path.join(REPO, "configs", f"{n}.yaml") for n in DEFAULT_CONFIGS]
    resolved = []
    for p in paths:
        if os.path.exists(p):
            resolved.append(os.path.abspath(p))
        elif os.path.exists(os.path.join(REPO, p)):
            resolved.append(os.path.join(REPO, p))
        else:
            raise SystemExit(f"no such config: {p}")
    return resolved


# --------------------------------------------------------------------------------------------
# Data: the chapter's generator with numpy's legacy global RNG
# --------------------------------------------------------------------------------------------

def generate_time_series(batch_size, n_steps):
    import numpy as np

    freq1, freq2, offsets1, offsets2 = np.random.rand(4, batch_size, 1)
    time_ = np.linspace(0, 1, n_steps)
    series = 0.5 * np.sin((time_ - offsets1) * (freq1 * 10 + 10))
    series += 0.2 * np.sin((time_ - offsets2) * (freq2 * 20 + 20))
    series += 0.1 * (np.random.rand(batch_size, n_steps) - 0.5)
    return series[..., np.newaxis].astype(np.float32)


def make_data(cfg):
    import numpy as np

    window, horizon, target = cfg["window"], cfg["horizon"], cfg["target"]
    np.random.seed(cfg["seed"])
    series = generate_time_series(cfg["series"], window + horizon)
    X = series[:, :window]
    if target == "next":
        Y = series[:, window]  # [N, 1]
    elif target == "vector":
        Y = series[:, window:window + horizon, 0]  # [N, horizon]
    elif target == "sequence":
        Y = np.empty((cfg["series"], window, horizon), dtype=np.float32)
        for k in range(1, horizon + 1):
            Y[:, :, k - 1] = series[:, k:k + window, 0]  # Y[:, t, k-1] = series[:, t+k, 0]
    else:
        raise SystemExit(f"{cfg['path']}: unknown data.target {target!r}")
    if target == "sequence":
        Y = Y[:, target_steps(cfg)]  # what seqtrain aligns itself: e.g. the book's Y[:, 3::2] after Conv1D(4, stride 2)
    n_train, n_valid, _ = cfg["split"]
    return (X[:n_train], Y[:n_train]), (X[n_train:n_train + n_valid], Y[n_train:n_train + n_valid])


def target_steps(cfg):
    """For each output step of the model, the last input step it sees (Conv1D shortens sequences)."""
    seen = list(range(cfg["window"]))
    for item in cfg["model"]:
        kind, opts = _layer_spec(item)
        if kind != "Conv1D":
            continue
        T, k, s = len(seen), int(opts["kernel_size"]), int(opts.get("strides", 1))
        d, padding = int(opts.get("dilation_rate", 1)), opts.get("padding", "valid")
        e = d * (k - 1) + 1
        if padding == "valid":
            out, pad = (T - e) // s + 1, 0
        elif padding == "causal":
            out, pad = (T - 1) // s + 1, e - 1
        else:
            out = (T - 1) // s + 1
            pad = max((out - 1) * s + e - T, 0) // 2
        seen = [seen[min(T - 1, j * s - pad + e - 1)] for j in range(out)]
    return seen


# --------------------------------------------------------------------------------------------
# Model, loss, optimizer, metrics (worker only: keras is imported after KERAS_BACKEND is set)
# --------------------------------------------------------------------------------------------

def _layer_spec(item):
    """Returns (type, options) for `Flatten`, `{Flatten: {}}`, `{Dense: {...}}`, ..."""
    if isinstance(item, str):
        return item, {}
    if isinstance(item, dict) and len(item) == 1:
        (kind, opts), = item.items()
        return kind, opts or {}
    raise SystemExit(f"cannot read model layer {item!r}")


def _activation(opts, default):
    a = opts.get("activation", default)
    return None if a in (None, "linear") else a


def _units(opts, units_override):
    units = int(opts["units"])
    return units_override if units_override and units != 1 else units


def build_layer(keras, kind, opts, units_override):
    if kind == "SimpleRNN":
        return keras.layers.SimpleRNN(_units(opts, units_override), return_sequences=bool(opts.get("return_sequences", False)),
                                      activation=_activation(opts, "tanh"),
                                      use_bias=bool(opts.get("use_bias", True)))
    if kind == "LSTM":
        return keras.layers.LSTM(_units(opts, units_override), return_sequences=bool(opts.get("return_sequences", False)),
                                 activation=_activation(opts, "tanh"),
                                 recurrent_activation=opts.get("recurrent_activation", "sigmoid"),
                                 use_bias=bool(opts.get("use_bias", True)),
                                 unit_forget_bias=bool(opts.get("unit_forget_bias", True)))
    if kind == "GRU":
        return keras.layers.GRU(_units(opts, units_override), return_sequences=bool(opts.get("return_sequences", False)),
                                activation=_activation(opts, "tanh"),
                                recurrent_activation=opts.get("recurrent_activation", "sigmoid"),
                                use_bias=bool(opts.get("use_bias", True)),
                                reset_after=bool(opts.get("reset_after", True)))
    if kind == "Conv1D":
        return keras.layers.Conv1D(int(opts["filters"]), int(opts["kernel_size"]), strides=int(opts.get("strides", 1)),
                                   padding=opts.get("padding", "valid"), dilation_rate=int(opts.get("dilation_rate", 1)),
                                   activation=_activation(opts, None), use_bias=bool(opts.get("use_bias", True)))
    if kind == "Dropout":
        return keras.layers.Dropout(float(opts["rate"]))
    if kind == "Dense":
        return keras.layers.Dense(int(opts["units"]), activation=_activation(opts, None),
                                  use_bias=bool(opts.get("use_bias", True)))
    if kind == "TimeDistributed":
        inner_kind, inner_opts = _layer_spec(opts)
        return keras.layers.TimeDistributed(build_layer(keras, inner_kind, inner_opts, units_override))
    if kind == "Flatten":
        return keras.layers.Flatten()
    raise SystemExit(f"unsupported layer {kind}")


def build_model(keras, cfg, units_override):
    layers = [keras.Input(shape=[cfg["window"], 1])]
    for item in cfg["model"]:
        kind, opts = _layer_spec(item)
        layers.append(build_layer(keras, kind, opts, units_override))
    return keras.Sequential(layers)


def build_loss(keras, spec):
    spec = spec if spec is not None else "mse"
    name, delta = (spec, 1.0) if isinstance(spec, str) else (spec.get("name"), float(spec.get("delta", 1.0)))
    if name == "mse":
        return "mse"
    if name == "mae":
        return "mae"
    if name == "huber":
        return keras.losses.Huber(delta=delta)
    raise SystemExit(f"unsupported loss {spec!r}")


def build_optimizer(keras, spec):
    spec = spec if spec is not None else "adam"
    opts = {"name": spec} if isinstance(spec, str) else dict(spec)
    name = opts.pop("name", "adam")
    allowed = {
        "adam": (keras.optimizers.Adam, {"learning_rate", "beta_1", "beta_2", "epsilon"}),
        "sgd": (keras.optimizers.SGD, {"learning_rate", "momentum", "nesterov"}),
        "rmsprop": (keras.optimizers.RMSprop, {"learning_rate", "rho", "epsilon"}),
    }
    if name not in allowed:
        raise SystemExit(f"unsupported optimizer {name!r}")
    cls, keys = allowed[name]
    unknown = set(opts) - keys
    if unknown:
        raise SystemExit(f"unsupported {name} options {sorted(unknown)}")
    return cls(**{k: (bool(v) if k == "nesterov" else float(v)) for k, v in opts.items()})


def build_metrics(keras, names):
    def last_time_step_mse(Y_true, Y_pred):
        return keras.metrics.mean_squared_error(Y_true[:, -1], Y_pred[:, -1])

    table = {"mse": "mse", "mae": "mae", "last_time_step_mse": last_time_step_mse}
    out = []
    for n in names or []:
        if n not in table:
            raise SystemExit(f"unsupported metric {n!r}")
        out.append(table[n])
    return out


# --------------------------------------------------------------------------------------------
# Environment description
# --------------------------------------------------------------------------------------------

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return None


def cpu_busy_seconds():
    """(whole machine busy CPU seconds, this process's CPU seconds), for measuring contention."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        hz = os.sysconf("SC_CLK_TCK")
        # user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait
        busy = (sum(fields[:8]) - fields[3] - fields[4]) / hz
    except (OSError, ValueError, IndexError):
        return None
    t = os.times()
    return busy, t.user + t.system


def others_load(before, after, wall):
    """Average number of cores used by other processes between two cpu_busy_seconds() samples."""
    if before is None or after is None or wall <= 0:
        return None
    return round(max(0.0, ((after[0] - before[0]) - (after[1] - before[1])) / wall), 2)


def pkg_version(mod):
    try:
        from importlib.metadata import version
        return version(mod)
    except Exception:
        return None


def threads_info(backend):
    info = {
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "restricted": False,
        "env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                                           "TF_NUM_INTEROP_THREADS", "XLA_FLAGS") if k in os.environ},
    }
    if backend == "tensorflow":
        import tensorflow as tf
        # 0 means "library default" (all cores).
        info["tf_intra_op"] = tf.config.threading.get_intra_op_parallelism_threads()
        info["tf_inter_op"] = tf.config.threading.get_inter_op_parallelism_threads()
    return info


# --------------------------------------------------------------------------------------------
# Worker: one backend, every config, in this process
# --------------------------------------------------------------------------------------------

def run_worker(args):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np  # noqa: F401
    import keras

    backend = keras.backend.backend()
    assert backend == args.backend, (backend, args.backend)

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self._t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):  # called after validation
            self.seconds.append(time.perf_counter() - self._t)

    results = []
    for path in args.configs:
        cfg = load_config(path)
        label = cfg["name"] + (f" (units={args.units})" if args.units else "")
        if cfg["model"] == "naive" or not isinstance(cfg["model"], list):
            print(f"[{backend}] {label}: model is not a layer list (naive); skipped", file=sys.stderr, flush=True)
            continue
        (X_train, y_train), (X_valid, y_valid) = make_data(cfg)
        keras.backend.clear_session()
        keras.utils.set_random_seed(cfg["seed"])
        model = build_model(keras, cfg, args.units)
        train = cfg["train"]
        model.compile(loss=build_loss(keras, train.get("loss")),
                      optimizer=build_optimizer(keras, train.get("optimizer")),
                      metrics=build_metrics(keras, train.get("metrics")))
        timer = EpochTimer()
        load_before = loadavg()
        busy_before, wall_before = cpu_busy_seconds(), time.perf_counter()
        history = model.fit(X_train, y_train, epochs=args.epochs, batch_size=int(train.get("batch_size", 32)),
                            shuffle=bool(train.get("shuffle", True)), validation_data=(X_valid, y_valid),
                            verbose=0, callbacks=[timer])
        other_cores = others_load(busy_before, cpu_busy_seconds(), time.perf_counter() - wall_before)
        rest = timer.seconds[1:] or timer.seconds
        row = {
            "config": cfg["name"],
            "backend": backend,
            "epochs": args.epochs,
            "median_epoch_seconds": round(statistics.median(rest), 4),
            "first_epoch_seconds": round(timer.seconds[0], 4),
            "epoch_seconds": [round(s, 4) for s in timer.seconds],
            "val_loss": float(history.history["val_loss"][-1]),
            "params": int(model.count_params()),
            "jit_compile": bool(getattr(model, "jit_compile", False)),
            "loadavg_1m_before": load_before,
            # cores used on average by *other* processes during fit: > ~0.2 means the row was
            # measured while something else ran, and should be rerun on a quiet machine
            "other_processes_cores": other_cores,
        }
        if args.units:
            row["units"] = args.units
        for k, v in history.history.items():
            if k.startswith("val_") and k != "val_loss":
                row[k] = float(v[-1])
        results.append(row)
        print(f"[{backend}] {label}: median {row['median_epoch_seconds']:.3f} s/epoch, first "
              f"{row['first_epoch_seconds']:.3f} s, val_loss {row['val_loss']:.5f}, other processes "
              f"{other_cores} cores", file=sys.stderr, flush=True)

    info = {
        "backend": backend,
        "keras": keras.__version__,
        "threads": threads_info(backend),
    }
    if backend == "tensorflow":
        import tensorflow as tf
        info["tensorflow"] = tf.__version__
    if backend == "jax":
        import jax
        info["jax"] = jax.__version__
        info["jax_devices"] = [str(d) for d in jax.devices()]
    with open(args.worker_out, "w") as f:
        json.dump({"info": info, "results": results}, f)


# --------------------------------------------------------------------------------------------
# Parent: one subprocess per backend, then a table and an optional JSON file
# --------------------------------------------------------------------------------------------

def run_parent(args):
    backends = BACKENDS if args.backend == "both" else [args.backend]
    results, infos = [], {}
    for backend in backends:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            out = tmp.name
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--backend", backend,
               "--epochs", str(args.epochs), "--worker-out", out]
        if args.units:
            cmd += ["--units", str(args.units)]
        cmd += args.configs
        env = dict(os.environ, KERAS_BACKEND=backend)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        rc = subprocess.call(cmd, env=env)
        if rc != 0:
            raise SystemExit(f"the {backend} worker failed with exit code {rc}")
        with open(out) as f:
            part = json.load(f)
        os.unlink(out)
        infos[backend] = part["info"]
        results.extend(part["results"])

    header = ("config", "backend", "median s/epoch", "first epoch s", f"val_loss after {args.epochs}")
    rows = [(r["config"] + (f" (units={r['units']})" if r.get("units") else ""), r["backend"],
             f"{r['median_epoch_seconds']:.3f}", f"{r['first_epoch_seconds']:.3f}", f"{r['val_loss']:.5f}")
            for r in results]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("-+-".join("-" * w for w in widths))
    for row, r in zip(rows, results):
        busy = r.get("other_processes_cores")
        flag = f"  * other processes used {busy} cores" if busy is not None and busy > BUSY_LIMIT else ""
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + flag)
    if any((r.get("other_processes_cores") or 0) > BUSY_LIMIT for r in results):
        print(f"\n* measured while other processes used more than {BUSY_LIMIT} cores: rerun those rows "
              "on a quiet machine (python3 scripts/peers/keras_bench.py --backend B configs/NAME.yaml)")

    if args.json:
        import numpy as np
        keras_version = next((i["keras"] for i in infos.values()), pkg_version("keras"))
        doc = {
            "generated_by": {
                "script": "scripts/peers/keras_bench.py",
                "command": " ".join(["python3", "scripts/peers/keras_bench.py"] + sys.argv[1:]),
                "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "python": platform.python_version(),
                "numpy": np.__version__,
                "keras": keras_version,
                "tensorflow": infos.get("tensorflow", {}).get("tensorflow") or pkg_version("tensorflow")
                or pkg_version("tensorflow-cpu"),
                "jax": infos.get("jax", {}).get("jax") or pkg_version("jax"),
                "cpu": cpu_model(),
                "threads": {b: i["threads"] for b, i in infos.items()},
            },
            "results": results,
        }
        if args.append and os.path.exists(args.json):
            with open(args.json) as f:
                previous = json.load(f)
            old = previous.get("generated_by", {})
            doc["generated_by"]["commands"] = old.get("commands", []) + [doc["generated_by"]["command"]]
            doc["results"] = previous.get("results", []) + results
        else:
            doc["generated_by"]["commands"] = [doc["generated_by"]["command"]]
        del doc["generated_by"]["command"]
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        print(f"\nwrote {args.json}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=BACKENDS + ["both"], default="both")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--units", type=int, default=None,
                   help="override every recurrent layer's units except where it is 1")
    p.add_argument("--json", metavar="OUT", help="write the results (and versions, CPU, threads) as JSON")
    p.add_argument("--append", action="store_true",
                   help="with --json: add these results to an existing OUT instead of replacing it")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--worker-out", help=argparse.SUPPRESS)
    p.add_argument("configs", nargs="*")
    args = p.parse_args()
    if args.epochs < 1:
        p.error("--epochs must be at least 1")
    if args.units is not None and args.units < 1:
        p.error("--units must be at least 1")
    args.configs = resolve_configs(args.configs)
    if args.worker:
        if args.backend == "both" or not args.worker_out:
            p.error("a worker needs one backend and --worker-out")
        run_worker(args)
    else:
        run_parent(args)


if __name__ == "__main__":
    main()
