#!/usr/bin/env python3
"""The FLOP limit of an epoch: its floating-point operations divided by the rate numpy's sgemm reaches
on every core, measured in the same run as seqtrain's epoch.

Usage: python3 scripts/peers/flop_limit.py [CONFIG ...]   (default: configs/deep_rnn.yaml)
Needs numpy (for the peer rate only) and a release build (swift build -c release --product seqtrain).
Prints, per config: FLOPs per epoch, seqtrain's median seconds per epoch (`seqtrain bench`, all
cores), the limit (FLOPs / sgemm rate) and how many times the limit the epoch takes.
"""

import json
import os
import subprocess
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sgemm_gflops(n=2048, repeats=7):
    """Best rate of a square float32 product on all cores (numpy's BLAS, its default threads)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b  # warm up the BLAS threads
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best / 1e9


def main():
    configs = sys.argv[1:] or ["configs/deep_rnn.yaml"]
    binary = os.path.join(REPO, ".build", "release", "seqtrain")
    if not os.path.exists(binary):
        raise SystemExit("build seqtrain first: swift build -c release --product seqtrain")
    before = sgemm_gflops()
    bench = subprocess.run([binary, "bench", "--epochs", "7", "--json", *configs], cwd=REPO, check=True,
                           capture_output=True, text=True)
    after = sgemm_gflops()
    rate = max(before, after)
    print(f"numpy {np.__version__} sgemm on {os.cpu_count()} cores: {rate:.1f} GFLOP/s (best of before and after the epochs)")
    print(f"{'config':<16} {'GFLOP/epoch':>12} {'s/epoch':>9} {'limit s':>9} {'x limit':>8}")
    for result in json.loads(bench.stdout)["results"]:
        flops = result["gflop_per_epoch"]
        limit = flops / rate
        seconds = result["median_epoch_seconds"]
        print(f"{result['config']:<16} {flops:>12.3f} {seconds:>9.4f} {limit:>9.4f} {seconds / limit:>8.1f}")


if __name__ == "__main__":
    main()
