#!/usr/bin/env python3
"""Times reading a big CSV file: pandas.read_csv against `seqtrain check`, side by side in one run.

Makes a ROWS-row file of 3 numeric columns (default 1,000,000), then times, REPS times each,
`pandas.read_csv(FILE)` in this process and `seqtrain check CONFIG` (a config whose data is that
file: read, checked, standardised, windowed) as a child process, and prints the minimum and median
of both, their ratio and seqtrain's peak resident memory (the child's ru_maxrss, from wait4)
against the target: twice the size of the float32 values plus 40 MB.

    python3 scripts/peers/csv_ingest.py [--rows N] [--reps N] [--seqtrain PATH] [--keep DIR]

A measuring tool only: seqtrain never needs Python. Needs numpy and pandas.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd


def make_file(path, rows):
    """Three series a, b, c (a seasonal signal, a random walk, noise), six decimals, as sensors write them."""
    rng = np.random.default_rng(15)
    t = np.arange(rows)
    a = 20 + 5 * np.sin(2 * np.pi * t / 365.25) + rng.normal(0, 0.5, rows)
    b = np.cumsum(rng.normal(0, 0.1, rows))
    c = rng.normal(0, 1, rows)
    pd.DataFrame({"a": a, "b": b, "c": c}).to_csv(path, index=False, float_format="%.6f")


CONFIG = """name: csv_ingest
data:
  source: {{csv: {csv}, columns: [a, b, c], targets: [a]}}
  window: 24
  target: vector
  horizon: 4
  split: {{train: 0.7, valid: 0.15, test: 0.15}}
model:
  - SimpleRNN: {{units: 20}}
  - Dense: {{units: 4}}
"""


def time_seqtrain(seqtrain, config):
    """Wall seconds, CPU seconds (user + system, all threads) and peak RSS (bytes) of one `seqtrain check` run.

    The peak comes from /usr/bin/time (GNU time), whose child is forked from that small process: a
    child forked from this Python process, with pandas loaded, would count Python's pages in its
    ru_maxrss until it execs.
    """
    command = ["/usr/bin/time", "-f", "%U %S %M", seqtrain, "check", config]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"seqtrain check failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    user, system, peak_kb = result.stderr.strip().splitlines()[-1].split()
    return seconds, float(user) + float(system), int(peak_kb) * 1024, result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--seqtrain", default=".build/release/seqtrain")
    parser.add_argument("--keep", help="write the file and config into DIR and keep them")
    args = parser.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="csv_ingest.")
    os.makedirs(folder, exist_ok=True)
    csv, config = os.path.join(folder, "big.csv"), os.path.join(folder, "big.yaml")
    if not os.path.exists(csv):
        make_file(csv, args.rows)
    with open(config, "w") as f:
        f.write(CONFIG.format(csv=csv))
    size = os.path.getsize(csv)

    pandas_seconds, pandas_cpu, seqtrain_seconds, seqtrain_cpu, peaks = [], [], [], [], []
    output = ""
    for _ in range(args.reps):  # interleaved, so that a busy moment hits both
        start, start_cpu = time.perf_counter(), time.process_time()
        frame = pd.read_csv(csv)
        pandas_seconds.append(time.perf_counter() - start)
        pandas_cpu.append(time.process_time() - start_cpu)
        seconds, cpu, peak, output = time_seqtrain(args.seqtrain, config)
        seqtrain_seconds.append(seconds)
        seqtrain_cpu.append(cpu)
        peaks.append(peak)
    rows, columns = frame.shape
    values_bytes = rows * columns * 4
    limit = 2 * values_bytes + 40e6
    mib = 1 << 20
    print(f"file: {rows:,} rows x {columns} columns, {size / mib:.1f} MiB; float32 values {values_bytes / mib:.1f} MiB")
    print(f"pandas {pd.__version__} read_csv (in process): min {min(pandas_seconds):.3f} s, median {statistics.median(pandas_seconds):.3f} s")
    print(f"seqtrain check (whole process):    min {min(seqtrain_seconds):.3f} s, median {statistics.median(seqtrain_seconds):.3f} s")
    print(f"ratio seqtrain / pandas: min {min(seqtrain_seconds) / min(pandas_seconds):.2f}, "
          f"median {statistics.median(seqtrain_seconds) / statistics.median(pandas_seconds):.2f} (target at most 1.5)")
    print(f"CPU seconds (all threads), median: pandas {statistics.median(pandas_cpu):.3f}, seqtrain {statistics.median(seqtrain_cpu):.3f}")
    print(f"seqtrain peak RSS: {max(peaks) / mib:.1f} MiB (target under 2 x values + 40 MB = {limit / mib:.1f} MiB)")
    print("seqtrain check printed:\n  " + "\n  ".join(output.strip().splitlines()[:3]))


if __name__ == "__main__":
    main()
