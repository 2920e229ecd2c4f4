"""Writes Tests/SeqTrainTests/Fixtures/csv_golden.json: how the shipped CSV series are cut and scaled,
computed with pandas-free numpy and keras.utils.timeseries_dataset_from_array.

For each case (a CSV file, its columns, window T, horizon H, stride, split fractions):
- the row boundaries of the three splits (cumulative fractions rounded to the nearest row),
- the mean and population standard deviation (ddof=0) of every column over the train rows, in float64
  from the float32 values (what seqtrain computes),
- the first step of every sample of each split, from Keras: the windows of length T + H that
  `timeseries_dataset_from_array` yields over data[start_index:end_index] with sequence_stride=stride,
  where train is rows [0, a) and valid / test start T rows before their block (the window may look back),
- the first sample's standardised input window and vector target of each split (float32).

Run from the repo root (seqtrain never needs Python):
    KERAS_BACKEND=jax python3 scripts/golden/make_csv_golden.py
"""
import json
import os
import platform

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402

CASES = [
    {"file": "data/nino12-sst.csv", "columns": ["sst"], "targets": ["sst"], "window": 24, "horizon": 12, "stride": 1,
     "fractions": [0.7, 0.15, 0.15]},
    {"file": "data/nino12-sst.csv", "columns": ["sst"], "targets": ["sst"], "window": 36, "horizon": 6, "stride": 5,
     "fractions": [0.6, 0.2, 0.2]},
    {"file": "data/us-macro-quarterly.csv", "columns": ["unemp", "infl", "tbilrate"], "targets": ["unemp"], "window": 12,
     "horizon": 4, "stride": 2, "fractions": [0.7, 0.15, 0.15]},
]


def read(path, columns):
    lines = [l for l in open(path).read().splitlines() if l.strip() and not l.lstrip().startswith("#")]
    header = lines[0].split(",")
    index = [header.index(c) for c in columns]
    return np.array([[np.float32(l.split(",")[i]) for i in index] for l in lines[1:]], dtype=np.float32)


def starts(n_rows, first, end, length, stride):
    """First rows of the windows Keras yields over rows [first, end)."""
    if end - first < length:
        return []
    rows = np.arange(n_rows, dtype=np.int64).reshape(-1, 1)
    ds = keras.utils.timeseries_dataset_from_array(rows, None, sequence_length=length, sequence_stride=stride,
                                                   start_index=first, end_index=end if end < n_rows else None, batch_size=None, shuffle=False)
    return [int(np.asarray(w)[0, 0]) for w in ds]


out = []
for case in CASES:
    data = read(case["file"], case["columns"])
    n = len(data)
    cumulative = np.cumsum(case["fractions"])
    a, b, c = (int(round(f * n)) for f in cumulative)
    train = data[:a].astype(np.float64)
    mean, std = train.mean(axis=0), train.std(axis=0)
    scaled = ((data.astype(np.float64) - mean) / std).astype(np.float32)
    T, H, s = case["window"], case["horizon"], case["stride"]
    splits = {"train": starts(n, 0, a, T + H, s), "valid": starts(n, max(0, a - T), b, T + H, s),
              "test": starts(n, max(0, b - T), c, T + H, s)}
    targets = [case["columns"].index(t) for t in case["targets"]]
    first = {}
    for name, rows in splits.items():
        p = rows[0]
        first[name] = {"input": [float(v) for v in scaled[p:p + T].reshape(-1)],
                       "target": [float(v) for v in scaled[p + T:p + T + H][:, targets].reshape(-1)]}
    out.append({**case, "rows": n, "boundaries": [a, b, c], "mean": mean.tolist(), "std": std.tolist(),
                "starts": splits, "first_samples": first})

fixture = {"generated_by": {"script": "scripts/golden/make_csv_golden.py", "python": platform.python_version(),
                            "numpy": np.__version__, "keras": keras.__version__, "backend": keras.backend.backend()},
           "cases": out}
with open("Tests/SeqTrainTests/Fixtures/csv_golden.json", "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
print("wrote Tests/SeqTrainTests/Fixtures/csv_golden.json:", [len(c["starts"]["train"]) for c in out])
