#!/usr/bin/env python3
"""Golden fixtures from real Keras 3 for seqtrain's layers, losses and optimizers.

Writes Tests/SeqTrainTests/Fixtures/keras_golden.json.  Run from the repo root:

    pip install numpy keras jax jaxlib
    python3 scripts/golden/make_keras_golden.py

Uses the JAX backend (KERAS_BACKEND=jax is forced below, before keras is
imported), on CPU.  All inputs/weights come from np.random.RandomState with
fixed seeds, so the script is deterministic.

Every Keras gradient is cross-checked against a float64 numpy reimplementation
(forward pass) with central finite differences; every optimizer step is
cross-checked against a float64 numpy reimplementation of the Keras formula.
The script aborts if any check fails.

Conventions in the JSON:
  * arrays are flattened row-major (C order) into lists of floats; each float is
    the exact value of a float32 written as the shortest Python double repr
    (so Float(Double(x)) in Swift recovers the float32 bit-exactly);
  * every array `<name>` has its shape under `<name>_shape`;
  * layer gradients are of L = sum(output * upstream), i.e. dL/doutput = upstream;
  * weight layout is Keras's: kernel [in, units], recurrent_kernel [units, units],
    bias [units].
"""
import os

os.environ["KERAS_BACKEND"] = "jax"
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import json  # noqa: E402
import platform  # noqa: E402

import numpy as np  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402

assert keras.backend.backend() == "jax"
keras.utils.set_random_seed(0)  # not actually needed: we set all weights

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO_ROOT, "Tests", "SeqTrainTests", "Fixtures", "keras_golden.json")

F32 = np.float32


# ---------------------------------------------------------------- helpers
def flat(a):
    a = np.asarray(a, dtype=F32)
    return [float(v) for v in a.reshape(-1)]


def put(d, name, a):
    a = np.asarray(a, dtype=F32)
    d[name] = flat(a)
    d[name + "_shape"] = list(a.shape)


def uniform(seed, shape, lo=-0.5, hi=0.5):
    return np.random.RandomState(seed).uniform(lo, hi, size=shape).astype(F32)


def act_np(name, z):
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name in ("linear", None):
        return z
    raise ValueError(name)


def fd_grads(fwd, params, upstream, eps=1e-6):
    """Central finite differences of L = sum(fwd(params) * upstream) in float64."""
    params = {k: np.asarray(v, dtype=np.float64).copy() for k, v in params.items()}
    up = np.asarray(upstream, dtype=np.float64)
    grads = {}
    for k in params:
        g = np.zeros_like(params[k])
        it = np.nditer(params[k], flags=["multi_index"])
        for _ in it:
            idx = it.multi_index
            orig = params[k][idx]
            params[k][idx] = orig + eps
            lp = np.sum(fwd(**params) * up)
            params[k][idx] = orig - eps
            lm = np.sum(fwd(**params) * up)
            params[k][idx] = orig
            g[idx] = (lp - lm) / (2 * eps)
        grads[k] = g
    return grads


def check_close(what, got, want, rtol=2e-4, atol=2e-5):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        err = np.max(np.abs(got - want))
        raise AssertionError(f"{what}: mismatch, max abs err {err}\n{got}\n{want}")


MAX_ERR = {"value": 0.0, "grad": 0.0}


def record_err(kind, got, want):
    e = float(np.max(np.abs(np.asarray(got, np.float64) - np.asarray(want, np.float64))))
    MAX_ERR[kind] = max(MAX_ERR[kind], e)


# ---------------------------------------------------------------- layer cases
def run_layer_case(model, x, weights, upstream):
    """weights: dict name -> np array, mapped onto model.trainable_variables by
    the last component of the variable path.  Returns output and grads."""
    tv = model.trainable_variables
    names = [v.path.split("/")[-1] for v in tv]
    assert sorted(names) == sorted(weights.keys()), (names, list(weights))
    for v, n in zip(tv, names):
        assert tuple(v.shape) == weights[n].shape, (n, v.shape, weights[n].shape)
        v.assign(weights[n])
    ntv = [v.value for v in model.non_trainable_variables]

    def loss_fn(tvals, xin):
        out, _ = model.stateless_call(tvals, ntv, xin)
        return jnp.sum(out * jnp.asarray(upstream)), out

    tvals = [jnp.asarray(weights[n]) for n in names]
    (L, out), (g_t, g_x) = jax.value_and_grad(loss_fn, argnums=(0, 1), has_aux=True)(
        tvals, jnp.asarray(x)
    )
    # also make sure the plain (stateful) call agrees
    out2 = np.asarray(model(x))
    assert np.array_equal(np.asarray(out), out2)
    grads = {n: np.asarray(g) for n, g in zip(names, g_t)}
    return np.asarray(out), np.asarray(g_x), grads


def rnn_fwd_np(activation, use_bias, return_sequences):
    def fwd(input, kernel, recurrent_kernel, bias=None):
        B, T, _ = input.shape
        units = kernel.shape[1]
        h = np.zeros((B, units))
        outs = []
        for t in range(T):
            z = input[:, t, :] @ kernel + h @ recurrent_kernel
            if use_bias:
                z = z + bias
            h = act_np(activation, z)
            outs.append(h)
        return np.stack(outs, axis=1) if return_sequences else h

    return fwd


def rnn_preacts_np(activation, use_bias, x, k, rk, b):
    B, T, _ = x.shape
    h = np.zeros((B, k.shape[1]))
    zs = []
    for t in range(T):
        z = x[:, t, :] @ k + h @ rk + (b if use_bias else 0)
        zs.append(z)
        h = act_np(activation, z)
    return np.stack(zs, 1)


def dense_fwd_np(activation, use_bias, flatten=False):
    def fwd(input, kernel, bias=None):
        xx = input.reshape(input.shape[0], -1) if flatten else input
        z = xx @ kernel
        if use_bias:
            z = z + bias
        return act_np(activation, z)

    return fwd


def finish_case(case, name, x, weights, upstream, out, g_x, grads, np_fwd):
    """Verify against numpy float64 forward + finite differences and fill dict."""
    params = {"input": x.astype(np.float64)}
    params.update({k: v.astype(np.float64) for k, v in weights.items()})
    ref_out = np_fwd(**params)
    check_close(f"{name} output", out, ref_out, rtol=1e-5, atol=1e-6)
    record_err("value", out, ref_out)
    fd = fd_grads(np_fwd, params, upstream)
    check_close(f"{name} grad_input", g_x, fd["input"])
    record_err("grad", g_x, fd["input"])
    for k in weights:
        check_close(f"{name} grad_{k}", grads[k], fd[k])
        record_err("grad", grads[k], fd[k])

    put(case, "input", x)
    for k in ("kernel", "recurrent_kernel", "bias"):
        if k in weights:
            put(case, k, weights[k])
    put(case, "upstream", upstream)
    put(case, "output", out)
    put(case, "grad_input", g_x)
    for k in ("kernel", "recurrent_kernel", "bias"):
        if k in weights:
            put(case, "grad_" + k, grads[k])
    return case


def simple_rnn_case(name, seed, units, in_shape, activation, use_bias, return_sequences):
    B, T, F = in_shape
    x = uniform(seed, in_shape, -1.0, 1.0)
    weights = {
        "kernel": uniform(seed + 1, (F, units)),
        "recurrent_kernel": uniform(seed + 2, (units, units)),
    }
    if use_bias:
        weights["bias"] = uniform(seed + 3, (units,))
    if activation == "relu":
        # keep every pre-activation away from the kink so FD is meaningful
        z = rnn_preacts_np(activation, use_bias, x.astype(np.float64),
                           weights["kernel"].astype(np.float64),
                           weights["recurrent_kernel"].astype(np.float64),
                           weights.get("bias"))
        assert np.min(np.abs(z)) > 1e-3, np.min(np.abs(z))
        assert np.any(z < 0) and np.any(z > 0)
    layer = keras.layers.SimpleRNN(
        units, activation=activation, use_bias=use_bias, return_sequences=return_sequences
    )
    model = keras.Sequential([keras.Input(batch_shape=in_shape), layer])
    out_shape = (B, T, units) if return_sequences else (B, units)
    upstream = uniform(seed + 4, out_shape, -1.0, 1.0)
    out, g_x, grads = run_layer_case(model, x, weights, upstream)
    assert out.shape == out_shape
    case = {
        "layer": "SimpleRNN",
        "units": units,
        "activation": activation,
        "return_sequences": return_sequences,
        "use_bias": use_bias,
        "initial_state": "zeros",
    }
    return finish_case(case, name, x, weights, upstream, out, g_x, grads,
                       rnn_fwd_np(activation, use_bias, return_sequences))


def dense_case(name, seed, units, in_shape, activation, use_bias=True, wrapper=None):
    in_f = in_shape[-1] if wrapper != "flatten" else int(np.prod(in_shape[1:]))
    x = uniform(seed, in_shape, -1.0, 1.0)
    weights = {"kernel": uniform(seed + 1, (in_f, units))}
    if use_bias:
        weights["bias"] = uniform(seed + 3, (units,))
    dense = keras.layers.Dense(units, activation=activation, use_bias=use_bias)
    if wrapper == "time_distributed":
        layers = [keras.layers.TimeDistributed(dense)]
    elif wrapper == "flatten":
        layers = [keras.layers.Flatten(), dense]
    else:
        layers = [dense]
    model = keras.Sequential([keras.Input(batch_shape=in_shape)] + layers)
    out_shape = (in_shape[0], units) if wrapper == "flatten" else tuple(in_shape[:-1]) + (units,)
    upstream = uniform(seed + 4, out_shape, -1.0, 1.0)
    out, g_x, grads = run_layer_case(model, x, weights, upstream)
    assert out.shape == out_shape
    case = {
        "layer": {"time_distributed": "TimeDistributed(Dense)", "flatten": "Flatten>Dense"}.get(wrapper, "Dense"),
        "units": units,
        "activation": activation,
        "return_sequences": None,
        "use_bias": use_bias,
    }
    return finish_case(case, name, x, weights, upstream, out, g_x, grads,
                       dense_fwd_np(activation, use_bias, flatten=(wrapper == "flatten")))


# ---------------------------------------------------------------- losses
def loss_pair_np():
    rs = np.random.RandomState(500)
    yt2 = rs.uniform(-2, 2, size=(4, 3)).astype(F32)
    yp2 = rs.uniform(-2, 2, size=(4, 3)).astype(F32)
    # pin a couple of edge elements: an exact zero error (|.|' at 0) and a
    # small error (Huber quadratic branch)
    yp2[0, 0] = yt2[0, 0]
    yp2[1, 1] = yt2[1, 1] + F32(0.25)
    rs = np.random.RandomState(501)
    yt3 = rs.uniform(-2, 2, size=(2, 5, 3)).astype(F32)
    yp3 = rs.uniform(-2, 2, size=(2, 5, 3)).astype(F32)
    return (yt2, yp2), (yt3, yp3)


def losses_np64(yt, yp):
    yt = yt.astype(np.float64)
    yp = yp.astype(np.float64)
    n = yt.size
    e = yp - yt
    a = np.abs(e)
    mse = np.mean(e ** 2)
    mae = np.mean(a)
    hub = np.mean(np.where(a <= 1.0, 0.5 * e ** 2, 1.0 * a - 0.5))
    g_mse = 2 * e / n
    # Keras computes abs(y_true - y_pred); JAX's d|u|/du at u == 0 is +1
    # (select(u >= 0, g, -g)), so d/dy_pred at an exact zero error is -1/n.
    g_mae = np.where(e == 0, -1.0, np.sign(e)) / n
    g_hub = np.where(a <= 1.0, e, np.sign(e)) / n
    return {"mse": (mse, g_mse), "mae": (mae, g_mae), "huber": (hub, g_hub)}


def make_losses():
    objs = {
        "mse": keras.losses.MeanSquaredError(),
        "mae": keras.losses.MeanAbsoluteError(),
        "huber": keras.losses.Huber(delta=1.0),
    }
    out = {
        "notes": (
            "Default reduction 'sum_over_batch_size': per-sample loss = mean over the last axis, then "
            "sum / number of per-sample values, which equals the mean over all elements. Gradients are "
            "d loss / d y_pred. Huber: 0.5*e^2 if |e| <= delta (inclusive) else delta*|e| - 0.5*delta^2, "
            "e = y_pred - y_true. 2-D pair element [0,0] has y_pred == y_true exactly (zero error). "
            "Keras MAE is mean(abs(y_true - y_pred)) and JAX differentiates abs(u) at u == 0 as +1 "
            "(select(u >= 0, g, -g)), so grad_mae[0,0] = -1/12 here; TensorFlow would give 0 (sign(0)). "
            "Treat that element as backend-defined (Swift may choose either 0 or -1/n). Huber and MSE grads "
            "are 0 there on every backend. "
            "last_time_step_mse = np.mean(keras.metrics.mean_squared_error(y_true[:, -1], y_pred[:, -1]))."
        ),
    }
    (yt2, yp2), (yt3, yp3) = loss_pair_np()
    for tag, yt, yp in (("pair_2d", yt2, yp2), ("pair_3d", yt3, yp3)):
        d = {}
        put(d, "y_true", yt)
        put(d, "y_pred", yp)
        ref = losses_np64(yt, yp)
        for lname, obj in objs.items():
            def f(p, obj=obj):
                return obj(jnp.asarray(yt), p)

            val, g = jax.value_and_grad(f)(jnp.asarray(yp))
            val = np.asarray(val, dtype=F32)
            g = np.asarray(g, dtype=F32)
            check_close(f"{tag} {lname}", val, ref[lname][0], rtol=1e-5, atol=1e-6)
            check_close(f"{tag} {lname} grad", g, ref[lname][1], rtol=1e-5, atol=1e-7)
            d[lname] = float(val)
            put(d, "grad_" + lname, g)
        if tag == "pair_3d":
            per = keras.metrics.mean_squared_error(yt[:, -1], yp[:, -1])
            ltm = np.mean(np.asarray(per))
            ref_ltm = np.mean((yt[:, -1].astype(np.float64) - yp[:, -1]) ** 2)
            check_close("last_time_step_mse", ltm, ref_ltm, rtol=1e-5, atol=1e-6)
            d["last_time_step_mse"] = float(F32(ltm))
        out[tag] = d
    return out


# ---------------------------------------------------------------- optimizers
def opt_inputs():
    rs = np.random.RandomState(900)
    w = rs.uniform(-1, 1, size=6).astype(F32)
    g1 = rs.uniform(-1, 1, size=6).astype(F32)
    g2 = rs.uniform(-1, 1, size=6).astype(F32)
    # include a zero gradient component and a large one
    g1[2] = 0.0
    g2[4] = F32(3.0)
    return w, g1, g2


def opt_ref_np(kind, w, g1, g2):
    w = w.astype(np.float64)
    slots = {}
    hist = []
    if kind == "adam":
        lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
        m = np.zeros_like(w)
        v = np.zeros_like(w)
        for t, g in enumerate((g1, g2), start=1):
            g = g.astype(np.float64)
            alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            m = m + (g - m) * (1 - b1)
            v = v + (g * g - v) * (1 - b2)
            w = w - m * alpha / (np.sqrt(v) + eps)
            hist.append(w.copy())
        slots = {"m": m, "v": v}
    elif kind in ("sgd_momentum", "sgd_nesterov"):
        lr, mom = 0.1, 0.9
        m = np.zeros_like(w)
        for g in (g1, g2):
            g = g.astype(np.float64)
            m = m * mom - g * lr
            if kind == "sgd_nesterov":
                w = w + (m * mom - g * lr)
            else:
                w = w + m
            hist.append(w.copy())
        slots = {"momentum": m}
    elif kind == "sgd_plain":
        for g in (g1, g2):
            w = w - 0.1 * g.astype(np.float64)
            hist.append(w.copy())
    elif kind == "rmsprop":
        lr, rho, eps = 0.01, 0.9, 1e-7
        v = np.zeros_like(w)
        for g in (g1, g2):
            g = g.astype(np.float64)
            v = rho * v + (1 - rho) * g * g
            w = w - lr * g / np.sqrt(v + eps)
            hist.append(w.copy())
        slots = {"velocity": v}
    return hist, slots


def make_optimizer(kind):
    if kind == "adam":
        return keras.optimizers.Adam(learning_rate=0.01)
    if kind == "sgd_momentum":
        return keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    if kind == "sgd_nesterov":
        return keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    if kind == "sgd_plain":
        return keras.optimizers.SGD(learning_rate=0.1)
    if kind == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=0.01)
    raise ValueError(kind)


def optimizer_case(kind):
    w, g1, g2 = opt_inputs()
    opt = make_optimizer(kind)
    var = keras.Variable(w.copy(), dtype="float32")
    opt.apply_gradients([(g1, var)])
    w1 = np.asarray(var.numpy(), dtype=F32)
    opt.apply_gradients([(g2, var)])
    w2 = np.asarray(var.numpy(), dtype=F32)
    assert int(opt.iterations.numpy()) == 2

    hist, ref_slots = opt_ref_np(kind, w, g1, g2)
    check_close(f"{kind} w1", w1, hist[0], rtol=1e-5, atol=1e-6)
    check_close(f"{kind} w2", w2, hist[1], rtol=1e-5, atol=1e-6)

    cfg = {k: (float(v) if isinstance(v, (float, np.floating)) else v)
           for k, v in opt.get_config().items()
           if k in ("learning_rate", "beta_1", "beta_2", "epsilon", "momentum",
                    "nesterov", "rho", "centered", "amsgrad")}
    d = {"optimizer": type(opt).__name__, "config": cfg}
    put(d, "w", w)
    put(d, "g1", g1)
    put(d, "g2", g2)
    put(d, "w_after_step1", w1)
    put(d, "w_after_step2", w2)
    # slots after step 2
    slot_vars = {v.path.split("/")[-1]: v for v in opt.variables}
    for ref_name, v in ref_slots.items():
        suffix = {"m": "_momentum", "v": "_velocity", "momentum": "_momentum",
                  "velocity": "_velocity"}[ref_name]
        match = [k for k in slot_vars if k.endswith(suffix)]
        assert len(match) == 1, (kind, list(slot_vars))
        got = np.asarray(slot_vars[match[0]].numpy(), dtype=F32)
        check_close(f"{kind} slot {ref_name}", got, v, rtol=1e-5, atol=1e-7)
        put(d, f"{ref_name}_after_step2", got)
    return d


OPT_NOTES = (
    "Formulas read from keras.src.optimizers.*.update_step in the installed Keras (t = iterations+1, "
    "slots start at 0, all float32). "
    "Adam: alpha = lr*sqrt(1-beta_2^t)/(1-beta_1^t); m += (g-m)*(1-beta_1); v += (g^2-v)*(1-beta_2); "
    "w -= m*alpha/(sqrt(v)+epsilon)  [epsilon is added to sqrt(v) of the *uncorrected* v, i.e. the "
    "'epsilon hat' form, not m_hat/(sqrt(v_hat)+eps)]. "
    "SGD momentum: m = m*momentum - g*lr; w += m. "
    "SGD nesterov: m = m*momentum - g*lr; w += m*momentum - g*lr. "
    "SGD plain: w -= g*lr. "
    "RMSprop (rho=0.9, epsilon=1e-7, momentum=0, centered=False defaults): v = rho*v + (1-rho)*g^2; "
    "w -= lr*g/sqrt(v + epsilon)  [epsilon INSIDE the sqrt, unlike Adam]; velocity starts at 0 "
    "(not 1 as in some TF1 versions)."
)


# ---------------------------------------------------------------- main
def main():
    out = {
        "_comment": "Generated by scripts/golden/make_keras_golden.py -- do not edit by hand. "
                    "Arrays are row-major flattened float32 values (exact, as doubles); shapes in <name>_shape.",
        "generated_by": {
            "script": "scripts/golden/make_keras_golden.py",
            "python": platform.python_version(),
            "numpy": np.__version__,
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
            "jax": jax.__version__,
            "jaxlib": jax.lib.__version__ if hasattr(jax.lib, "__version__") else None,
            "device": str(jax.devices()[0].platform),
        },
        "gradient_convention": "grad_* are dL/d* for L = sum(output * upstream)",
    }

    out["simple_rnn_seq"] = simple_rnn_case("simple_rnn_seq", 100, 4, (3, 5, 2), "tanh", True, True)
    out["simple_rnn_last"] = simple_rnn_case("simple_rnn_last", 100, 4, (3, 5, 2), "tanh", True, False)
    out["simple_rnn_relu_nobias"] = simple_rnn_case(
        "simple_rnn_relu_nobias", 200, 3, (2, 4, 3), "relu", False, True)
    out["dense_2d"] = dense_case("dense_2d", 300, 3, (4, 5), "linear")
    out["dense_tanh_2d"] = dense_case("dense_tanh_2d", 300, 3, (4, 5), "tanh")
    out["time_distributed_dense"] = dense_case(
        "time_distributed_dense", 400, 3, (2, 4, 5), "linear", wrapper="time_distributed")
    out["dense_3d_sigmoid"] = dense_case("dense_3d_sigmoid", 500, 2, (2, 3, 4), "sigmoid")
    out["flatten_dense"] = dense_case("flatten_dense", 600, 2, (3, 4, 2), "linear", wrapper="flatten")

    out["losses"] = make_losses()

    for kind in ("adam", "sgd_momentum", "sgd_nesterov", "sgd_plain", "rmsprop"):
        out[kind] = optimizer_case(kind)
    out["notes"] = OPT_NOTES
    out["verification"] = {
        "description": "max abs deviation of Keras (float32) from float64 numpy reference: forward values, "
                       "and gradients vs central finite differences (eps=1e-6)",
        "max_abs_err_values": float("%.3g" % MAX_ERR["value"]),
        "max_abs_err_grads": float("%.3g" % MAX_ERR["grad"]),
    }

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    size = os.path.getsize(OUT)
    assert size < 200 * 1024, size
    print("wrote", OUT, size, "bytes")
    print("max abs err values %.3g grads %.3g" % (MAX_ERR["value"], MAX_ERR["grad"]))


if __name__ == "__main__":
    main()
