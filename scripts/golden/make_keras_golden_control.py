#!/usr/bin/env python3
"""Golden fixtures from real Keras 3 for seqtrain's training control: learning-rate schedules,
weight decay (AdamW and `weight_decay` on every optimizer), EarlyStopping and ReduceLROnPlateau.

Writes Tests/SeqTrainTests/Fixtures/keras_golden_control.json.  Run from the repo root:

    pip install numpy keras jax jaxlib
    python3 scripts/golden/make_keras_golden_control.py

Uses the JAX backend (forced below, before keras is imported), on CPU.  Deterministic.

What is recorded:
  * schedules: for each case, the seqtrain YAML of `learning_rate:` and Keras's rate (float32,
    written as the exact double) at chosen optimizer steps, `schedule(step)` as Keras's optimizers
    call it with `iterations` before the update.  Each value is cross-checked against a float64
    numpy transcription of the formula.
  * optimizers: a weight matrix and a bias, four steps of given gradients through
    `optimizer.apply`, and the weights after each step, for AdamW, Adam/SGD/RMSprop with
    `weight_decay`, AdamW with a schedule and AdamW with clipnorm.  Cross-checked against float64
    numpy: clip, then `w -= w * wd * lr`, then the rule's update (keras base_optimizer.apply).
  * callbacks: the same monitored series fed to Keras's EarlyStopping and ReduceLROnPlateau through
    a CallbackList (on_train_begin, on_epoch_end per epoch until `model.stop_training`, as `fit`
    does, then on_train_end).  Before each epoch's callbacks the model's weights are all set to
    the epoch number (from 1), so the weights left after on_train_end say which epoch
    restore_best_weights restored.  Per epoch: the learning rate before and after the callbacks,
    whether training stops, EarlyStopping's wait/best and ReduceLROnPlateau's wait/cooldown/best.

seqtrain's `mode: auto` minimises every history column but `lr` (all its metrics are errors).
Keras's auto knows only `loss` and metrics with a direction, so the Keras callbacks here get
`mode="min"` where seqtrain's YAML says auto on a metric column.
"""
import os

os.environ["KERAS_BACKEND"] = "jax"
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402

import numpy as np  # noqa: E402
import jax  # noqa: E402
import keras  # noqa: E402

assert keras.backend.backend() == "jax"

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO_ROOT, "Tests", "SeqTrainTests", "Fixtures", "keras_golden_control.json")
F32 = np.float32
S = keras.optimizers.schedules


def f32(x):
    return float(np.float32(x))


def flat(a):
    return [float(v) for v in np.asarray(a, dtype=F32).reshape(-1)]


# ---------------------------------------------------------------- schedules
STEPS = [0, 1, 2, 7, 49, 50, 51, 99, 100, 101, 150, 199, 200, 201, 350, 999, 1000, 5000]


def ref_schedule(kind, kw, step):
    """float64 transcription of keras/src/optimizers/schedules/learning_rate_schedule.py."""
    s = float(step)
    if kind == "exponential_decay":
        p = s / kw["decay_steps"]
        if kw.get("staircase"):
            p = math.floor(p)
        return kw["initial_learning_rate"] * kw["decay_rate"] ** p
    if kind == "inverse_time_decay":
        p = s / kw["decay_steps"]
        if kw.get("staircase"):
            p = math.floor(p)
        return kw["initial_learning_rate"] / (1 + kw["decay_rate"] * p)
    if kind == "piecewise_constant_decay":
        b, v = kw["boundaries"], kw["values"]
        if step <= b[0]:
            return v[0]
        if step > b[-1]:
            return v[-1]
        for lo, hi, val in zip(b[:-1], b[1:], v[1:-1]):
            if lo < step <= hi:
                return val
    if kind == "polynomial_decay":
        lr0, ds = kw["initial_learning_rate"], float(kw["decay_steps"])
        end, power = kw.get("end_learning_rate", 0.0001), kw.get("power", 1.0)
        if kw.get("cycle"):
            ds *= 1.0 if s == 0 else math.ceil(s / kw["decay_steps"])
        else:
            s = min(s, ds)
        return (lr0 - end) * (1 - s / ds) ** power + end
    if kind == "cosine_decay":
        lr0, ds, alpha = kw["initial_learning_rate"], float(kw["decay_steps"]), kw.get("alpha", 0.0)
        target, ws = kw.get("warmup_target"), float(kw.get("warmup_steps", 0))

        def decayed(done, rate):
            return rate * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * done / ds)) + alpha)
        if target is None:
            return decayed(min(s, ds), lr0)
        s = min(s, ds + ws)
        if s < ws:
            return (target - lr0) * (s / ws) + lr0
        return decayed(s - ws, target)
    raise ValueError(kind)


SCHEDULES = [
    ("exponential_decay", S.ExponentialDecay, {"initial_learning_rate": 0.01, "decay_steps": 100, "decay_rate": 0.9},
     "{schedule: exponential_decay, initial_learning_rate: 0.01, decay_steps: 100, decay_rate: 0.9}"),
    ("exponential_decay_staircase", S.ExponentialDecay,
     {"initial_learning_rate": 0.1, "decay_steps": 50, "decay_rate": 0.5, "staircase": True},
     "{schedule: exponential_decay, initial_learning_rate: 0.1, decay_steps: 50, decay_rate: 0.5, staircase: true}"),
    ("piecewise_constant_decay", S.PiecewiseConstantDecay, {"boundaries": [50, 100, 200], "values": [0.1, 0.05, 0.01, 0.001]},
     "{schedule: piecewise_constant_decay, boundaries: [50, 100, 200], values: [0.1, 0.05, 0.01, 0.001]}"),
    ("polynomial_decay", S.PolynomialDecay, {"initial_learning_rate": 0.1, "decay_steps": 200},
     "{schedule: polynomial_decay, initial_learning_rate: 0.1, decay_steps: 200}"),
    ("polynomial_decay_cycle", S.PolynomialDecay,
     {"initial_learning_rate": 0.1, "decay_steps": 100, "end_learning_rate": 0.001, "power": 2.0, "cycle": True},
     "{schedule: polynomial_decay, initial_learning_rate: 0.1, decay_steps: 100, end_learning_rate: 0.001, power: 2.0, cycle: true}"),
    ("cosine_decay", S.CosineDecay, {"initial_learning_rate": 0.05, "decay_steps": 200, "alpha": 0.1},
     "{schedule: cosine_decay, initial_learning_rate: 0.05, decay_steps: 200, alpha: 0.1}"),
    ("cosine_decay_warmup_from", S.CosineDecay,
     {"initial_learning_rate": 0.001, "decay_steps": 150, "warmup_target": 0.02, "warmup_steps": 50},
     "{schedule: cosine_decay, initial_learning_rate: 0.001, decay_steps: 150, warmup_target: 0.02, warmup_steps: 50}"),
    ("inverse_time_decay", S.InverseTimeDecay, {"initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 0.5},
     "{schedule: inverse_time_decay, initial_learning_rate: 0.1, decay_steps: 100, decay_rate: 0.5}"),
    ("inverse_time_decay_staircase", S.InverseTimeDecay,
     {"initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 0.5, "staircase": True},
     "{schedule: inverse_time_decay, initial_learning_rate: 0.1, decay_steps: 100, decay_rate: 0.5, staircase: true}"),
]


def schedule_cases():
    cases = {}
    for name, cls, kw, yaml in SCHEDULES:
        schedule = cls(**kw)
        values = [float(np.asarray(schedule(step), dtype=F32)) for step in STEPS]
        for step, value in zip(STEPS, values):
            ref = ref_schedule(name.replace("_staircase", "").replace("_cycle", "").replace("_warmup_from", ""), kw, step)
            assert abs(value - ref) <= 1e-6 * max(abs(ref), 1e-3), (name, step, value, ref)
        cases[name] = {"yaml": yaml, "steps": STEPS, "rates": values}
    return cases


# ---------------------------------------------------------------- optimizers with weight decay
def opt_inputs():
    rs = np.random.RandomState(2024)
    w = rs.uniform(-1, 1, size=(3, 4)).astype(F32)
    b = rs.uniform(-1, 1, size=(4,)).astype(F32)
    grads = [(rs.uniform(-2, 2, size=(3, 4)).astype(F32), rs.uniform(-2, 2, size=(4,)).astype(F32)) for _ in range(4)]
    return w, b, grads


def ref_update(kind, kw, params, grads, lr_at):
    """float64: clipnorm per tensor, decoupled decay with the step's rate, then the rule."""
    params = [p.astype(np.float64) for p in params]
    slots = {}
    history = []
    for t, gs in enumerate(grads):
        lr = lr_at(t)
        gs = [g.astype(np.float64) for g in gs]
        if "clipnorm" in kw:
            gs = [g * min(1.0, kw["clipnorm"] / np.linalg.norm(g)) for g in gs]
        wd = kw.get("weight_decay")
        if wd is not None:
            params = [p - p * wd * lr for p in params]
        new = []
        for i, (p, g) in enumerate(zip(params, gs)):
            if kind in ("adam", "adamw"):
                b1, b2, eps = 0.9, 0.999, 1e-7
                m, v = slots.get(("m", i), 0.0), slots.get(("v", i), 0.0)
                m = m + (g - m) * (1 - b1)
                v = v + (g * g - v) * (1 - b2)
                slots[("m", i)], slots[("v", i)] = m, v
                alpha = lr * math.sqrt(1 - b2 ** (t + 1)) / (1 - b1 ** (t + 1))
                p = p - alpha * m / (np.sqrt(v) + eps)
            elif kind == "sgd":
                mu = kw.get("momentum", 0.0)
                vel = slots.get(("vel", i), 0.0)
                vel = mu * vel - lr * g
                slots[("vel", i)] = vel
                p = p + vel
            elif kind == "rmsprop":
                rho, eps = 0.9, 1e-7
                v = slots.get(("v", i), 0.0)
                v = rho * v + (1 - rho) * g * g
                slots[("v", i)] = v
                p = p - lr * g / np.sqrt(v + eps)
            new.append(p)
        params = new
        history.append([p.copy() for p in params])
    return history


OPTIMIZERS = [
    ("adamw", "adamw", lambda: keras.optimizers.AdamW(learning_rate=0.01), {"weight_decay": 0.004},
     "{name: adamw, learning_rate: 0.01}"),
    ("adamw_strong", "adamw", lambda: keras.optimizers.AdamW(learning_rate=0.05, weight_decay=0.5), {"weight_decay": 0.5},
     "{name: adamw, learning_rate: 0.05, weight_decay: 0.5}"),
    ("adam_weight_decay", "adam", lambda: keras.optimizers.Adam(learning_rate=0.02, weight_decay=0.1), {"weight_decay": 0.1},
     "{name: adam, learning_rate: 0.02, weight_decay: 0.1}"),
    ("sgd_momentum_weight_decay", "sgd", lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, weight_decay=0.2),
     {"weight_decay": 0.2, "momentum": 0.9}, "{name: sgd, learning_rate: 0.1, momentum: 0.9, weight_decay: 0.2}"),
    ("rmsprop_weight_decay", "rmsprop", lambda: keras.optimizers.RMSprop(learning_rate=0.01, weight_decay=0.3),
     {"weight_decay": 0.3}, "{name: rmsprop, learning_rate: 0.01, weight_decay: 0.3}"),
    ("adamw_schedule", "adamw",
     lambda: keras.optimizers.AdamW(learning_rate=S.ExponentialDecay(0.05, decay_steps=2, decay_rate=0.5), weight_decay=0.2),
     {"weight_decay": 0.2, "schedule": (0.05, 2, 0.5)},
     "{name: adamw, learning_rate: {schedule: exponential_decay, initial_learning_rate: 0.05, decay_steps: 2, decay_rate: 0.5}, "
     "weight_decay: 0.2}"),
    ("adamw_clipnorm", "adamw", lambda: keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.1, clipnorm=1.0),
     {"weight_decay": 0.1, "clipnorm": 1.0}, "{name: adamw, learning_rate: 0.01, weight_decay: 0.1, clipnorm: 1.0}"),
]


def optimizer_cases():
    w, b, grads = opt_inputs()
    cases = {}
    for name, kind, make, kw, yaml in OPTIMIZERS:
        opt = make()
        kvar, bvar = keras.Variable(w.copy()), keras.Variable(b.copy())
        after = []
        for gk, gb in grads:
            opt.apply([gk, gb], [kvar, bvar])
            after.append(np.concatenate([np.asarray(kvar.numpy()).reshape(-1), np.asarray(bvar.numpy()).reshape(-1)]))
        if "schedule" in kw:
            lr0, ds, rate = kw["schedule"]
            lr_at = lambda t: lr0 * rate ** (t / ds)  # noqa: E731
        else:
            lr_at = lambda t: float(opt.get_config()["learning_rate"])  # noqa: E731
        ref = ref_update(kind, kw, [w, b], grads, lr_at)
        for step, (got, want) in enumerate(zip(after, ref)):
            want = np.concatenate([want[0].reshape(-1), want[1].reshape(-1)])
            err = np.max(np.abs(got - want))
            assert err < 2e-6, (name, step, err)
        cases[name] = {
            "yaml": yaml,
            "tensors": [[0, 12], [12, 16]],  # kernel [3, 4] then bias [4], flat
            "w": flat(np.concatenate([w.reshape(-1), b])),
            "grads": [flat(np.concatenate([gk.reshape(-1), gb])) for gk, gb in grads],
            "after": [flat(a) for a in after],
        }
    return cases


# ---------------------------------------------------------------- callbacks
def keras_model(lr):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


def run_callbacks(lr, callbacks, series):
    """Drives the callbacks as Keras's fit does; returns the epoch-by-epoch record."""
    model = keras_model(lr)
    es = next((c for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping)), None)
    rl = next((c for c in callbacks if isinstance(c, keras.callbacks.ReduceLROnPlateau)), None)
    shapes = [v.shape for v in model.get_weights()]
    cb = keras.callbacks.CallbackList(callbacks, model=model)
    cb.on_train_begin()
    epochs = []
    for epoch, logs in enumerate(series):
        model.set_weights([np.full(s, epoch + 1, dtype=F32) for s in shapes])
        before = f32(model.optimizer.learning_rate)
        logs = dict(logs)
        cb.on_epoch_end(epoch, logs)
        record = {"lr_before": before, "lr_after": f32(model.optimizer.learning_rate), "stop": bool(model.stop_training)}
        if es is not None:
            record["es_wait"], record["es_best"] = es.wait, es.best
        if rl is not None:
            record["rl_wait"], record["rl_cooldown"], record["rl_best"] = rl.wait, rl.cooldown_counter, rl.best
        epochs.append(record)
        if model.stop_training:
            break
    cb.on_train_end()
    weights = {float(v) for w in model.get_weights() for v in np.asarray(w).reshape(-1)}
    assert len(weights) == 1, weights
    return {"epochs": epochs, "final_weights_epoch": int(weights.pop())}


def series(column_values):
    """Epoch logs with the monitored columns (float32 values, as history.csv holds them)."""
    names = list(column_values)
    n = len(column_values[names[0]])
    return [{name: f32(column_values[name][e]) for name in names} for e in range(n)]


def callback_cases():
    cases = {}
    # The pair: ReduceLROnPlateau fires twice, then EarlyStopping stops and restores.
    val_loss = [0.050, 0.040, 0.035, 0.036, 0.0349, 0.0352, 0.0351, 0.0353, 0.0350, 0.0349, 0.0348, 0.0355, 0.0356, 0.0357]
    val_lts = [0.040, 0.030, 0.025, 0.026, 0.0252, 0.0249, 0.0251, 0.0253, 0.0250, 0.0248, 0.0249, 0.0250, 0.0251, 0.0252]
    cases["plateau_twice_then_stop"] = {
        "columns": ["val_loss", "val_last_time_step_mse"],
        "learning_rate": 0.01,
        "yaml": "[{EarlyStopping: {monitor: val_loss, patience: 3, min_delta: 0.0, restore_best_weights: true}}, "
                "{ReduceLROnPlateau: {monitor: val_last_time_step_mse, factor: 0.5, patience: 2, min_lr: 1.0e-5}}]",
        "series": series({"val_loss": val_loss, "val_last_time_step_mse": val_lts}),
        "keras": [keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, min_delta=0.0, restore_best_weights=True),
                  keras.callbacks.ReduceLROnPlateau(monitor="val_last_time_step_mse", mode="min", factor=0.5, patience=2,
                                                    min_lr=1e-5)],
    }
    # min_delta (its float32 rounding), a baseline never beaten, start_from_epoch, mode max.
    loss = [0.30, 0.40, 0.45, 0.452, 0.46, 0.465, 0.471, 0.475, 0.476, 0.48, 0.49]
    cases["max_baseline_start"] = {
        "columns": ["loss"],
        "learning_rate": 0.1,
        "yaml": "[{EarlyStopping: {monitor: loss, mode: max, min_delta: 0.005, baseline: 0.9, start_from_epoch: 2, patience: 3, "
                "restore_best_weights: true}}]",
        "series": series({"loss": loss}),
        "keras": [keras.callbacks.EarlyStopping(monitor="loss", mode="max", min_delta=0.005, baseline=0.9, start_from_epoch=2,
                                                patience=3, restore_best_weights=True)],
    }
    # Cooldown, min_delta and min_lr reached (the rate stops at min_lr and is not reduced further).
    val = [1.0, 0.9, 0.8999, 0.8995, 0.85, 0.851, 0.852, 0.853, 0.8495, 0.849, 0.8489, 0.8488, 0.8487, 0.8486]
    cases["cooldown_min_lr"] = {
        "columns": ["val_loss"],
        "learning_rate": 0.01,
        "yaml": "[{ReduceLROnPlateau: {factor: 0.1, patience: 1, cooldown: 2, min_lr: 0.0005, min_delta: 0.001}}]",
        "series": series({"val_loss": val}),
        "keras": [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=1, cooldown=2, min_lr=0.0005,
                                                    min_delta=0.001)],
    }
    # patience 0: never stops after the first epoch; restore_best_weights when training runs out
    # without stopping (the best epoch's weights come back, keras#12511).
    val = [0.5, 0.6, 0.4, 0.41]
    cases["patience_zero"] = {
        "columns": ["val_loss"],
        "learning_rate": 0.01,
        "yaml": "[{EarlyStopping: {patience: 0}}]",
        "series": series({"val_loss": val}),
        "keras": [keras.callbacks.EarlyStopping(patience=0)],
    }
    val = [0.5, 0.45, 0.44, 0.46, 0.445, 0.47]
    cases["restore_without_stopping"] = {
        "columns": ["val_loss"],
        "learning_rate": 0.01,
        "yaml": "[{EarlyStopping: {patience: 10, restore_best_weights: true}}]",
        "series": series({"val_loss": val}),
        "keras": [keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)],
    }
    # The README's run: configs/seq2seq_control.yaml's val_last_time_step_mse, epochs 1-32, as its
    # history.csv has them. seqtrain halved the rate after epochs 14, 18, 22, 25 and 30, stopped
    # after epoch 32 and restored epoch 28; Keras must do the same on these values.
    lts = [0.022213595, 0.018093007, 0.016715191, 0.012831564, 0.016271478, 0.0089127915, 0.009169285, 0.007593925,
           0.007934197, 0.007486265, 0.0074662967, 0.0057856506, 0.0066407393, 0.006457437, 0.0073184073, 0.00497343,
           0.0051984345, 0.005520281, 0.0048236395, 0.0046752696, 0.004839239, 0.0046672886, 0.0044904226, 0.004470481,
           0.0050249994, 0.0043718223, 0.004493143, 0.004259636, 0.0044345097, 0.00436625, 0.0042377, 0.004262032]
    seqtrain_lr = [0.01] * 14 + [0.005] * 4 + [0.0025] * 4 + [0.00125] * 3 + [0.000625] * 5 + [0.0003125] * 2
    cases["seq2seq_control_run"] = {
        "columns": ["val_last_time_step_mse"],
        "learning_rate": 0.01,
        "yaml": "[{EarlyStopping: {monitor: val_last_time_step_mse, patience: 4, min_delta: 1.0e-4, restore_best_weights: true}}, "
                "{ReduceLROnPlateau: {monitor: val_last_time_step_mse, factor: 0.5, patience: 2, min_lr: 1.0e-5}}]",
        "series": series({"val_last_time_step_mse": lts}),
        "keras": [keras.callbacks.EarlyStopping(monitor="val_last_time_step_mse", mode="min", patience=4, min_delta=1e-4,
                                                restore_best_weights=True),
                  keras.callbacks.ReduceLROnPlateau(monitor="val_last_time_step_mse", mode="min", factor=0.5, patience=2, min_lr=1e-5)],
    }
    out = {}
    for name, case in cases.items():
        result = run_callbacks(case["learning_rate"], case.pop("keras"), case["series"])
        out[name] = dict(case, **result)
    run = out["seq2seq_control_run"]
    assert [e["lr_before"] for e in run["epochs"]] == [f32(x) for x in seqtrain_lr], "Keras's rates differ from the README run's"
    assert len(run["epochs"]) == 32 and run["epochs"][-1]["stop"] and run["final_weights_epoch"] == 28, "Keras stops elsewhere"
    return out


def main():
    out = {
        "_comment": "Generated by scripts/golden/make_keras_golden_control.py -- do not edit by hand. "
                    "Rates and weights are float32 values written as exact doubles.",
        "generated_by": {
            "script": "scripts/golden/make_keras_golden_control.py",
            "python": platform.python_version(),
            "numpy": np.__version__,
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
            "jax": jax.__version__,
        },
        "schedules": schedule_cases(),
        "optimizers": optimizer_cases(),
        "callbacks": callback_cases(),
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    plateau = out["callbacks"]["plateau_twice_then_stop"]
    reductions = sum(1 for e in plateau["epochs"] if e["lr_after"] != e["lr_before"])
    print("wrote", OUT, os.path.getsize(OUT), "bytes;", "plateau case: %d reductions, %d epochs, weights of epoch %d" % (
        reductions, len(plateau["epochs"]), plateau["final_weights_epoch"]))


if __name__ == "__main__":
    main()
