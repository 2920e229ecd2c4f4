#!/usr/bin/env bash
# Measures seqtrain and Keras (JAX and TensorFlow backends) on the same machine in one run and prints
# the side-by-side table of the README. Needs the Python packages of scripts/peers/README.md; seqtrain
# itself never does. Usage: scripts/peers/compare.sh [EPOCHS] [CONFIG...]   (default 5 epochs; every
# chapter config of chapters 15.3 and 15.4, then deep_rnn and lstm with 128 units)
set -euo pipefail
cd "$(dirname "$0")/../.."
epochs=${1:-5}
shift || true
out=$(mktemp -d)
swift build -c release --product seqtrain >/dev/null
python3 scripts/peers/keras_bench.py --epochs "$epochs" --json "$out/keras.json" "$@" >&2
if [ $# -eq 0 ]; then
  python3 scripts/peers/keras_bench.py --epochs "$epochs" --units 128 --json "$out/keras.json" --append configs/deep_rnn.yaml configs/lstm.yaml >&2
fi
.build/release/seqtrain bench --epochs "$epochs" --peers "$out/keras.json" "$@"
if [ $# -eq 0 ]; then
  echo
  .build/release/seqtrain bench --epochs "$epochs" --units 128 --peers "$out/keras.json" configs/deep_rnn.yaml configs/lstm.yaml | tail -n 2
  # The training path, where users are: a real run (progress, checkpoints, history, status), its
  # epochs timed by timing.csv; the median of epochs 2..N against Keras's median of epochs 2..N.
  echo
  echo "training path (seqtrain CONFIG --set model.0.units=128 --set model.1.units=128; median of timing.csv epochs 2..$epochs):"
  for config in deep_rnn lstm; do
    .build/release/seqtrain "configs/$config.yaml" --set model.0.units=128 --set model.1.units=128 \
      --set train.epochs="$epochs" --runs-dir "$out/runs" >/dev/null
    timing=$(ls -d "$out/runs/$config"/*/ | sort | tail -n 1)timing.csv
    python3 - "$timing" "$out/keras.json" "$config" <<'PY'
import csv, json, statistics, sys
timing, keras, config = sys.argv[1:]
seconds = [float(row["seconds"]) for row in csv.DictReader(open(timing))][1:]
ours = statistics.median(seconds)
peers = {r["backend"]: r["median_epoch_seconds"] for r in json.load(open(keras))["results"]
         if r["config"] == config and r.get("units") == 128}
ratios = "  ".join(f"{b}: {s:.3f} s ({s / ours:.1f}x)" for b, s in sorted(peers.items()))
print(f"  {config} (units 128): {ours:.3f} s/epoch   Keras {ratios}")
PY
  done
fi
echo
echo "Keras results: $out/keras.json"
