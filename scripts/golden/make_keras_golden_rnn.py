#!/usr/bin/env python3
"""Golden fixtures from real Keras 3 for LSTM, GRU, Conv1D and small stacks.

Writes Tests/SeqTrainTests/Fixtures/keras_golden_rnn.json.  Run from the repo root:

    pip install numpy keras jax jaxlib
    python3 scripts/golden/make_keras_golden_rnn.py

Same conventions as make_keras_golden.py (whose helpers it imports; importing
it forces KERAS_BACKEND=jax on CPU and has no other side effect):
  * arrays are flattened row-major (C order, batch-major as Keras) into lists of
    floats, each the exact value of a float32 written as a double; every array
    `<key>` has its shape under `<key>_shape`;
  * gradients are of L = sum(output * upstream) (dL/doutput = upstream);
  * weights are set to deterministic np.random.RandomState values (not Keras's
    initializers), so biases are nonzero and every gate is exercised.

Every Keras forward output is checked against an independent float64 numpy
reimplementation (to 1e-5), every gradient against central finite differences of
that reimplementation, and every Conv1D output length against the padding
formulas.  The script aborts if any check fails.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_keras_golden as base  # noqa: E402  (sets KERAS_BACKEND=jax first)

import json  # noqa: E402
import platform  # noqa: E402

import numpy as np  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402

assert keras.backend.backend() == "jax"

OUT = os.path.join(base.REPO_ROOT, "Tests", "SeqTrainTests", "Fixtures", "keras_golden_rnn.json")
F32 = np.float32
put, uniform, act_np = base.put, base.uniform, base.act_np
RELU_ACTIVE = {}  # case -> (relu inputs > 0, relu inputs checked), printed at the end


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ---------------------------------------------------------------- numpy float64 references
# `probe`, when given, collects every pre-activation that goes through a relu
# (to keep them away from the kink, where finite differences are meaningless).
def lstm_np(x, kernel, recurrent_kernel, bias, activation, use_bias, return_sequences, probe=None,
            recurrent_activation="sigmoid"):
    B, T, _ = x.shape
    U = recurrent_kernel.shape[0]
    h = np.zeros((B, U))
    c = np.zeros((B, U))
    outs = []
    for t in range(T):
        z = x[:, t, :] @ kernel + h @ recurrent_kernel
        if use_bias:
            z = z + bias
        gate = lambda v: act_np(recurrent_activation, v)  # noqa: E731 (sigmoid by default)
        i = gate(z[:, :U])               # input gate
        f = gate(z[:, U:2 * U])          # forget gate
        g = z[:, 2 * U:3 * U]            # candidate (cell input)
        o = gate(z[:, 3 * U:])           # output gate
        c = f * c + i * act_np(activation, g)
        h = o * act_np(activation, c)
        if probe is not None and activation == "relu":
            # c >= 0 always with relu (c starts at 0, f > 0, relu(g) >= 0); c == 0 exactly only
            # while every relu(g) so far was 0, and then stays 0 under small perturbations (g
            # has a margin), so only the nonzero c need to be away from the kink.
            probe += [g, c[c != 0]]
        outs.append(h)
    return np.stack(outs, 1) if return_sequences else h


def gru_np(x, kernel, recurrent_kernel, bias, reset_after, use_bias, return_sequences,
           activation="tanh", recurrent_activation="sigmoid"):
    act = lambda v: act_np(activation, v)  # noqa: E731
    gate = lambda v: act_np(recurrent_activation, v)  # noqa: E731
    B, T, _ = x.shape
    U = recurrent_kernel.shape[0]
    if use_bias:
        b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, 0.0)
    else:
        b_in, b_rec = 0.0, 0.0
    h = np.zeros((B, U))
    outs = []
    for t in range(T):
        xm = x[:, t, :] @ kernel + b_in
        xz, xr, xh = xm[:, :U], xm[:, U:2 * U], xm[:, 2 * U:]
        if reset_after:
            hm = h @ recurrent_kernel + b_rec
            z = gate(xz + hm[:, :U])
            r = gate(xr + hm[:, U:2 * U])
            hh = act(xh + r * hm[:, 2 * U:])
        else:
            hm = h @ recurrent_kernel[:, :2 * U]
            z = gate(xz + hm[:, :U])
            r = gate(xr + hm[:, U:])
            hh = act(xh + (r * h) @ recurrent_kernel[:, 2 * U:])
        h = z * h + (1.0 - z) * hh
        outs.append(h)
    return np.stack(outs, 1) if return_sequences else h


def conv1d_geometry(steps, kernel_size, strides, padding, dilation_rate):
    """Padding (left, right) and output length, as Keras 3 / JAX compute them."""
    eff = dilation_rate * (kernel_size - 1) + 1
    if padding == "valid":
        pl = pr = 0
    elif padding == "causal":
        pl, pr = dilation_rate * (kernel_size - 1), 0
    elif padding == "same":
        out = -(-steps // strides)
        total = max((out - 1) * strides + eff - steps, 0)
        pl, pr = total // 2, total - total // 2
    else:
        raise ValueError(padding)
    out_steps = (steps + pl + pr - eff) // strides + 1
    # the closed forms of keras.src.ops.operation_utils.compute_conv_output_shape
    if padding == "valid":
        assert out_steps == (steps - dilation_rate * (kernel_size - 1) - 1) // strides + 1
    else:
        assert out_steps == (steps - 1) // strides + 1 == -(-steps // strides)
    return pl, pr, out_steps


def conv1d_np(x, kernel, bias, strides, padding, dilation_rate, activation, use_bias, probe=None):
    B, T, F = x.shape
    K = kernel.shape[0]
    pl, pr, To = conv1d_geometry(T, K, strides, padding, dilation_rate)
    xp = np.concatenate([np.zeros((B, pl, F)), x, np.zeros((B, pr, F))], axis=1)
    y = np.zeros((B, To, kernel.shape[2]))
    for j in range(To):
        for m in range(K):
            y[:, j, :] += xp[:, j * strides + m * dilation_rate, :] @ kernel[m]
    if use_bias:
        y = y + bias
    if probe is not None and activation == "relu":
        probe.append(y)
    return act_np(activation, y)


def layer_np(spec, x, w, probe=None):
    """Forward of one layer spec (see make_case) in float64; w: Keras name -> array."""
    cls, cfg = spec["class_name"], spec["config"]
    if cls == "LSTM":
        return lstm_np(x, w["kernel"], w["recurrent_kernel"], w.get("bias"), cfg["activation"],
                       cfg["use_bias"], cfg["return_sequences"], probe, cfg["recurrent_activation"])
    if cls == "GRU":
        return gru_np(x, w["kernel"], w["recurrent_kernel"], w.get("bias"), cfg["reset_after"],
                      cfg["use_bias"], cfg["return_sequences"], cfg["activation"], cfg["recurrent_activation"])
    if cls == "Conv1D":
        return conv1d_np(x, w["kernel"], w.get("bias"), cfg["strides"], cfg["padding"],
                         cfg["dilation_rate"], cfg["activation"], cfg["use_bias"], probe)
    if cls == "TimeDistributed":
        d = cfg["layer"]["config"]
        z = x @ w["kernel"] + (w["bias"] if d["use_bias"] else 0.0)
        return act_np(d["activation"], z)
    raise ValueError(cls)


# ---------------------------------------------------------------- Keras side
RELEVANT = {
    "LSTM": ("units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
             "return_sequences", "go_backwards", "stateful"),
    "GRU": ("units", "activation", "recurrent_activation", "use_bias", "reset_after",
            "return_sequences", "go_backwards", "stateful"),
    "Conv1D": ("filters", "kernel_size", "strides", "padding", "dilation_rate", "activation",
               "use_bias", "data_format", "groups"),
    "Dense": ("units", "activation", "use_bias"),
}


def keras_config(layer):
    """The relevant part of layer.get_config(), 1-tuples unwrapped to ints."""
    cls = type(layer).__name__
    if cls == "TimeDistributed":
        return {"layer": {"class_name": type(layer.layer).__name__, "config": keras_config(layer.layer)}}
    full = layer.get_config()
    cfg = {}
    for k in RELEVANT[cls]:
        v = full[k]
        if isinstance(v, (tuple, list)):
            assert len(v) == 1, (k, v)
            v = int(v[0])
        cfg[k] = v
    return cfg


def run_model(model, x, layer_weights, upstream):
    """Assign weights (per layer: Keras name -> array), return output, dL/dx and
    per-layer dicts of dL/dweight, computed by jax.grad through stateless_call."""
    pairs = []
    for layer, wd in zip(model.layers, layer_weights):
        names = [v.path.split("/")[-1] for v in layer.trainable_variables]
        assert sorted(names) == sorted(wd), (layer.name, names, list(wd))
        for v, n in zip(layer.trainable_variables, names):
            assert tuple(v.shape) == wd[n].shape, (layer.name, n, v.shape, wd[n].shape)
            v.assign(wd[n])
            pairs.append((layer, n, v))
    assert len(model.layers) == len(layer_weights)
    tv = model.trainable_variables
    assert [v.path for v in tv] == [v.path for _, _, v in pairs]
    ntv = [v.value for v in model.non_trainable_variables]

    def loss_fn(tvals, xin):
        out, _ = model.stateless_call(tvals, ntv, xin)
        return jnp.sum(out * jnp.asarray(upstream)), out

    tvals = [jnp.asarray(v.numpy()) for v in tv]
    (_, out), (g_t, g_x) = jax.value_and_grad(loss_fn, argnums=(0, 1), has_aux=True)(tvals, jnp.asarray(x))
    out2 = np.asarray(model(x))
    assert np.array_equal(np.asarray(out), out2)
    grads = [dict() for _ in layer_weights]
    for (layer, n, _), g in zip(pairs, g_t):
        grads[model.layers.index(layer)][n] = np.asarray(g)
    # per-layer outputs (for debugging stacks)
    inter = []
    h = x
    for layer in model.layers:
        h = np.asarray(layer(h))
        inter.append(h)
    assert np.array_equal(inter[-1], out2)
    return np.asarray(out), np.asarray(g_x), grads, inter


def make_case(name, seed, in_shape, layers, weight_shapes):
    """layers: list of Keras layer objects; weight_shapes: per layer, ordered
    list of (Keras weight name, shape).  Weights ~ U(-0.5, 0.5), input and
    upstream ~ U(-1, 1), from RandomState(seed), (seed + k), (seed + 50)."""
    x = uniform(seed, in_shape, -1.0, 1.0)
    layer_weights = []
    k = 1
    for shapes in weight_shapes:
        wd = {}
        for wname, shape in shapes:
            wd[wname] = uniform(seed + k, shape)
            k += 1
        layer_weights.append(wd)
    model = keras.Sequential([keras.Input(batch_shape=in_shape)] + layers)
    out_shape = tuple(model.output_shape)
    upstream = uniform(seed + 50, out_shape, -1.0, 1.0)
    out, g_x, grads, inter = run_model(model, x, layer_weights, upstream)
    assert out.shape == out_shape, (name, out.shape, out_shape)

    specs = []
    single = len(layers) == 1
    for i, layer in enumerate(layers):
        spec = {"class_name": type(layer).__name__, "config": keras_config(layer),
                "weights": [v.path.split("/")[-1] for v in layer.trainable_variables],
                "key_prefix": "" if single else f"layer{i}_"}
        assert spec["weights"] == [n for n, _ in weight_shapes[i]], (name, spec["weights"])
        spec["input_shape"] = list(x.shape if i == 0 else inter[i - 1].shape)
        spec["output_shape"] = list(inter[i].shape)
        if spec["class_name"] == "Conv1D":
            c = spec["config"]
            steps = spec["input_shape"][1]
            pl, pr, to = conv1d_geometry(steps, c["kernel_size"], c["strides"], c["padding"], c["dilation_rate"])
            assert to == inter[i].shape[1], (name, to, inter[i].shape)
            spec["derived"] = {"pad_left": pl, "pad_right": pr, "output_steps": to,
                               "effective_kernel_size": c["dilation_rate"] * (c["kernel_size"] - 1) + 1}
        specs.append(spec)

    # ---- verification against float64 numpy
    def keys(i):
        return {specs[i]["key_prefix"] + n: n for n in specs[i]["weights"]}

    def fwd(input, probe=None, **params):
        h = input
        for i, spec in enumerate(specs):
            w = {n: params[key] for key, n in keys(i).items()}
            h = layer_np(spec, h, w, probe)
        return h

    params = {"input": x.astype(np.float64)}
    for i in range(len(specs)):
        for key, n in keys(i).items():
            params[key] = layer_weights[i][n].astype(np.float64)
    probe = []
    ref_out = fwd(probe=probe, **params)
    if probe:
        allz = np.concatenate([p.reshape(-1) for p in probe])
        assert np.min(np.abs(allz)) > 1e-3, (name, np.min(np.abs(allz)))
        assert np.any(allz < 0) and np.any(allz > 0), name
        RELU_ACTIVE[name] = (int(np.sum(allz > 0)), int(allz.size))
    base.check_close(f"{name} output", out, ref_out, rtol=1e-5, atol=1e-6)
    base.record_err("value", out, ref_out)
    # also each intermediate output
    h = params["input"]
    for i, spec in enumerate(specs):
        h = layer_np(spec, h, {n: params[key] for key, n in keys(i).items()})
        base.check_close(f"{name} layer{i} output", inter[i], h, rtol=1e-5, atol=1e-6)
    fd = base.fd_grads(fwd, params, upstream)
    base.check_close(f"{name} grad_input", g_x, fd["input"])
    base.record_err("grad", g_x, fd["input"])
    for i in range(len(specs)):
        for key, n in keys(i).items():
            base.check_close(f"{name} grad_{key}", grads[i][n], fd[key])
            base.record_err("grad", grads[i][n], fd[key])

    # ---- the case
    case = {"layers": specs}
    if any(s["class_name"] in ("LSTM", "GRU") for s in specs):
        case["initial_state"] = "zeros"
    put(case, "input", x)
    for i in range(len(specs)):
        for key, n in keys(i).items():
            put(case, key, layer_weights[i][n])
    put(case, "upstream", upstream)
    put(case, "output", out)
    if not single:
        for i in range(len(specs) - 1):
            put(case, f"layer{i}_output", inter[i])
    put(case, "grad_input", g_x)
    for i in range(len(specs)):
        for key, n in keys(i).items():
            put(case, "grad_" + key, grads[i][n])
    return case


# ---------------------------------------------------------------- case builders
def lstm_case(name, seed, in_shape, units, return_sequences, use_bias=True, activation="tanh",
              recurrent_activation="sigmoid", unit_forget_bias=True):
    F = in_shape[-1]
    layer = keras.layers.LSTM(units, activation=activation, use_bias=use_bias,
                              return_sequences=return_sequences, recurrent_activation=recurrent_activation,
                              unit_forget_bias=unit_forget_bias)
    shapes = [("kernel", (F, 4 * units)), ("recurrent_kernel", (units, 4 * units))]
    if use_bias:
        shapes.append(("bias", (4 * units,)))
    return make_case(name, seed, in_shape, [layer], [shapes])


def gru_shapes(F, units, reset_after, use_bias):
    shapes = [("kernel", (F, 3 * units)), ("recurrent_kernel", (units, 3 * units))]
    if use_bias:
        shapes.append(("bias", (2, 3 * units) if reset_after else (3 * units,)))
    return shapes


def gru_case(name, seed, in_shape, units, return_sequences, reset_after, use_bias=True, activation="tanh",
             recurrent_activation="sigmoid"):
    layer = keras.layers.GRU(units, reset_after=reset_after, use_bias=use_bias,
                             return_sequences=return_sequences, activation=activation,
                             recurrent_activation=recurrent_activation)
    return make_case(name, seed, in_shape, [layer], [gru_shapes(in_shape[-1], units, reset_after, use_bias)])


def conv_shapes(F, filters, kernel_size, use_bias):
    shapes = [("kernel", (kernel_size, F, filters))]
    if use_bias:
        shapes.append(("bias", (filters,)))
    return shapes


def conv_case(name, seed, in_shape, filters, kernel_size, strides=1, padding="valid",
              dilation_rate=1, activation=None, use_bias=True):
    layer = keras.layers.Conv1D(filters, kernel_size, strides=strides, padding=padding,
                                dilation_rate=dilation_rate, activation=activation, use_bias=use_bias)
    return make_case(name, seed, in_shape, [layer], [conv_shapes(in_shape[-1], filters, kernel_size, use_bias)])


def stack_conv_gru_td(name, seed):
    in_shape = (2, 20, 1)
    layers = [
        keras.layers.Conv1D(4, 4, strides=2, padding="valid"),
        keras.layers.GRU(5, return_sequences=True),
        keras.layers.TimeDistributed(keras.layers.Dense(3)),
    ]
    shapes = [conv_shapes(1, 4, 4, True), gru_shapes(4, 5, True, True),
              [("kernel", (5, 3)), ("bias", (3,))]]
    return make_case(name, seed, in_shape, layers, shapes)


def stack_wavenet(name, seed):
    in_shape = (2, 16, 1)
    layers, shapes, F = [], [], 1
    for rate in (1, 2, 4):
        layers.append(keras.layers.Conv1D(4, 2, padding="causal", activation="relu", dilation_rate=rate))
        shapes.append(conv_shapes(F, 4, 2, True))
        F = 4
    layers.append(keras.layers.Conv1D(3, 1))
    shapes.append(conv_shapes(F, 3, 1, True))
    return make_case(name, seed, in_shape, layers, shapes)


def strides_with_dilation_is_refused():
    try:
        keras.layers.Conv1D(2, 3, strides=2, dilation_rate=2)
    except ValueError:
        return True
    return False


def orthogonal_rows_check():
    """Keras 3's Orthogonal on a non-square [U, 4U] (recurrent_kernel) shape:
    the rows are orthonormal (W W^T = I_U); columns are not (W^T W is a rank-U
    projection).  On [4U, U] the columns are orthonormal."""
    U = 4
    w = np.asarray(keras.initializers.Orthogonal(seed=1)((U, 4 * U)), dtype=np.float64)
    assert np.allclose(w @ w.T, np.eye(U), atol=1e-5)
    assert not np.allclose(w.T @ w, np.eye(4 * U), atol=1e-2)
    w2 = np.asarray(keras.initializers.Orthogonal(seed=1)((4 * U, U)), dtype=np.float64)
    assert np.allclose(w2.T @ w2, np.eye(U), atol=1e-5)
    lstm = keras.layers.LSTM(U)
    lstm.build((None, 5, 2))
    assert type(lstm.cell.recurrent_initializer).__name__ == "Orthogonal"
    assert type(lstm.cell.kernel_initializer).__name__ == "GlorotUniform"
    b = np.asarray(lstm.cell.bias.numpy())
    assert np.array_equal(b, np.concatenate([np.zeros(U), np.ones(U), np.zeros(2 * U)])), b
    rk = np.asarray(lstm.cell.recurrent_kernel.numpy(), dtype=np.float64)
    assert np.allclose(rk @ rk.T, np.eye(U), atol=1e-5)


NOTES = {
    "layout": (
        "Each case: layers = [{class_name, config, weights, key_prefix, input_shape, output_shape, [derived]}]. "
        "config is the relevant part of the Keras layer's get_config() (1-tuples such as kernel_size unwrapped "
        "to ints; activation None is 'linear'). weights lists the layer's Keras weight names in Keras's order; "
        "the array of weight <n> is at key_prefix + <n> and its gradient at 'grad_' + key_prefix + <n> "
        "(key_prefix is '' for single-layer cases, 'layer<i>_' in stacks). Also input, upstream, output, "
        "grad_input, and for stacks layer<i>_output for every layer but the last; every array with <key>_shape. "
        "RNN cases have initial_state 'zeros'. Conv1D layers have derived = {pad_left, pad_right, output_steps, "
        "effective_kernel_size}, computed from the formulas and checked against Keras's output."
    ),
    "lstm": (
        "kernel [F, 4U], recurrent_kernel [U, 4U], bias [4U]; column blocks in gate order i, f, c, o. "
        "z = x_t @ kernel + h @ recurrent_kernel + bias; i = sigmoid(z_i); f = sigmoid(z_f); "
        "c = f * c + i * act(z_c); o = sigmoid(z_o); h = o * act(c). act = activation (default tanh), "
        "sigmoid = recurrent_activation (Keras 3: exact sigmoid, not hard_sigmoid). unit_forget_bias only "
        "affects the initial bias (zeros, ones for the f block); the goldens set every weight explicitly."
    ),
    "gru": (
        "kernel [F, 3U], recurrent_kernel [U, 3U]; column blocks in gate order z, r, h. "
        "reset_after=True (Keras 3 default): bias [2, 3U], row 0 input bias b_i, row 1 recurrent bias b_r; "
        "xm = x_t @ kernel + b_i; hm = h @ recurrent_kernel + b_r; z = sigmoid(xm_z + hm_z); "
        "r = sigmoid(xm_r + hm_r); hh = tanh(xm_h + r * hm_h)  [reset applied after the matmul, "
        "recurrent bias inside]. reset_after=False: bias [3U]; xm = x_t @ kernel + bias; "
        "z = sigmoid(xm_z + h @ R_z); r = sigmoid(xm_r + h @ R_r); hh = tanh(xm_h + (r * h) @ R_h). "
        "Both: h = z * h_prev + (1 - z) * hh  (z weights the OLD state)."
    ),
    "conv1d": (
        "kernel [kernel_size, F, filters], bias [filters]; cross-correlation, no kernel flip: "
        "y[b, j, o] = bias[o] + sum_{m, f} xpad[b, j*strides + m*dilation_rate, f] * kernel[m, f, o]. "
        "Effective kernel size e = dilation_rate*(kernel_size-1)+1. valid: no padding, "
        "out = floor((T - e)/strides) + 1. causal: left pad e-1 = dilation_rate*(kernel_size-1) zeros, "
        "none on the right, then valid; out = floor((T-1)/strides) + 1 = ceil(T/strides). same (JAX/XLA SAME): "
        "out = ceil(T/strides), total pad P = max((out-1)*strides + e - T, 0), left floor(P/2), right P - floor(P/2) "
        "(the odd extra zero goes on the right). Keras refuses strides > 1 together with dilation_rate > 1."
    ),
    "time_distributed_dense": "TimeDistributed(Dense): y[b, t] = act(x[b, t] @ kernel + bias), kernel [in, units].",
}


# ---------------------------------------------------------------- main
def main():
    assert strides_with_dilation_is_refused()
    orthogonal_rows_check()

    out = {
        "_comment": "Generated by scripts/golden/make_keras_golden_rnn.py -- do not edit by hand. "
                    "Arrays are row-major flattened float32 values (exact, as doubles); shapes in <name>_shape.",
        "generated_by": {
            "script": "scripts/golden/make_keras_golden_rnn.py",
            "python": platform.python_version(),
            "numpy": np.__version__,
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
            "jax": jax.__version__,
            "jaxlib": jax.lib.__version__ if hasattr(jax.lib, "__version__") else None,
            "device": str(jax.devices()[0].platform),
        },
        "gradient_convention": "grad_* are dL/d* for L = sum(output * upstream)",
        "notes": NOTES,
    }
    cases = {}
    B, T, F = 3, 7, 2
    # LSTM
    cases["lstm_seq"] = lstm_case("lstm_seq", 1000, (B, T, F), 4, True)
    cases["lstm_last"] = lstm_case("lstm_last", 1000, (B, T, F), 4, False)
    cases["lstm_nobias_seq"] = lstm_case("lstm_nobias_seq", 1100, (B, T, F), 3, True, use_bias=False)
    cases["lstm_relu_seq"] = lstm_case("lstm_relu_seq", 1300, (B, T, F), 3, True, activation="relu")
    # GRU
    cases["gru_seq"] = gru_case("gru_seq", 2000, (B, T, F), 4, True, reset_after=True)
    cases["gru_last"] = gru_case("gru_last", 2000, (B, T, F), 4, False, reset_after=True)
    cases["gru_v1_seq"] = gru_case("gru_v1_seq", 2100, (B, T, F), 5, True, reset_after=False)
    cases["gru_v1_last"] = gru_case("gru_v1_last", 2100, (B, T, F), 5, False, reset_after=False)
    cases["gru_nobias_last"] = gru_case("gru_nobias_last", 2200, (B, T, F), 3, False, reset_after=True,
                                        use_bias=False)
    # Conv1D
    cases["conv1d_valid_k3_s1_relu"] = conv_case("conv1d_valid_k3_s1_relu", 3000, (B, 9, F), 3, 3,
                                                 activation="relu")
    cases["conv1d_valid_k3_s2"] = conv_case("conv1d_valid_k3_s2", 3100, (B, 10, F), 3, 3, strides=2)
    cases["conv1d_valid_k4_s2_book"] = conv_case("conv1d_valid_k4_s2_book", 3200, (2, 50, 1), 3, 4, strides=2)
    cases["conv1d_valid_k2_d2_nobias"] = conv_case("conv1d_valid_k2_d2_nobias", 3300, (B, 9, F), 3, 2,
                                                   dilation_rate=2, use_bias=False)
    cases["conv1d_causal_k3_s1_relu"] = conv_case("conv1d_causal_k3_s1_relu", 3400, (B, 9, F), 3, 3,
                                                  padding="causal", activation="relu")
    cases["conv1d_causal_k3_s2"] = conv_case("conv1d_causal_k3_s2", 3500, (B, 9, F), 3, 3, strides=2,
                                             padding="causal")
    cases["conv1d_causal_k2_d2"] = conv_case("conv1d_causal_k2_d2", 3600, (B, 9, F), 3, 2, padding="causal",
                                             dilation_rate=2)
    cases["conv1d_causal_k3_d4_relu"] = conv_case("conv1d_causal_k3_d4_relu", 3700, (B, 11, F), 3, 3,
                                                  padding="causal", dilation_rate=4, activation="relu")
    cases["conv1d_same_k3_s1"] = conv_case("conv1d_same_k3_s1", 3800, (B, 9, F), 3, 3, padding="same")
    cases["conv1d_same_k4_s1"] = conv_case("conv1d_same_k4_s1", 3900, (B, 9, F), 3, 4, padding="same")
    cases["conv1d_same_k4_s2_relu"] = conv_case("conv1d_same_k4_s2_relu", 4000, (B, 9, F), 3, 4, strides=2,
                                                padding="same", activation="relu")
    cases["conv1d_same_k3_s2"] = conv_case("conv1d_same_k3_s2", 4100, (B, 10, F), 3, 3, strides=2,
                                           padding="same")
    cases["conv1d_same_k3_d2"] = conv_case("conv1d_same_k3_d2", 4200, (B, 9, F), 3, 3, padding="same",
                                           dilation_rate=2)
    # stacks
    cases["stack_conv_gru_td"] = stack_conv_gru_td("stack_conv_gru_td", 5000)
    cases["stack_wavenet"] = stack_wavenet("stack_wavenet", 5100)
    # the remaining options: recurrent_activation, GRU's activation, unit_forget_bias false (added
    # after the cases above, with their own seeds, so those stay byte-identical)
    cases["lstm_recurrent_tanh_last"] = lstm_case("lstm_recurrent_tanh_last", 1400, (B, T, F), 3, False,
                                                  recurrent_activation="tanh", unit_forget_bias=False)
    cases["gru_sigmoid_recurrent_linear_seq"] = gru_case("gru_sigmoid_recurrent_linear_seq", 2300, (B, T, F), 4, True,
                                                         reset_after=True, activation="sigmoid",
                                                         recurrent_activation="linear")
    cases["gru_v1_linear_recurrent_tanh_last"] = gru_case("gru_v1_linear_recurrent_tanh_last", 2400, (B, T, F), 3,
                                                          False, reset_after=False, activation="linear",
                                                          recurrent_activation="tanh")

    assert cases["conv1d_valid_k4_s2_book"]["output_shape"] == [2, 24, 3]
    out["cases"] = list(cases)
    out.update(cases)
    out["verification"] = {
        "description": "max abs deviation of Keras (float32) from float64 numpy reference: forward values, "
                       "and gradients vs central finite differences (eps=1e-6)",
        "max_abs_err_values": float("%.3g" % base.MAX_ERR["value"]),
        "max_abs_err_grads": float("%.3g" % base.MAX_ERR["grad"]),
    }

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    size = os.path.getsize(OUT)
    assert size < 1_500_000, size
    print("wrote", OUT, size, "bytes,", len(cases), "cases")
    print("max abs err values %.3g grads %.3g" % (base.MAX_ERR["value"], base.MAX_ERR["grad"]))
    print("relu inputs > 0 (of checked):", RELU_ACTIVE)


if __name__ == "__main__":
    main()
