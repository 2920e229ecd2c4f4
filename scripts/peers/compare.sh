#!/usr/bin/env bash
# Measures seqtrain and Keras (JAX and TensorFlow backends) on the same machine in one run and prints
# the side-by-side table of the README. Needs the Python packages of scripts/peers/README.md; seqtrain
# itself never does. Usage: scripts/peers/compare.sh [EPOCHS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
epochs=${1:-5}
out=$(mktemp -d)
swift build -c release --product seqtrain >/dev/null
python3 scripts/peers/keras_bench.py --epochs "$epochs" --json "$out/keras.json" >&2
python3 scripts/peers/keras_bench.py --epochs "$epochs" --units 128 --json "$out/keras.json" --append configs/deep_rnn.yaml >&2
.build/release/seqtrain bench --epochs "$epochs" --peers "$out/keras.json"
echo
.build/release/seqtrain bench --epochs "$epochs" --units 128 --peers "$out/keras.json" configs/deep_rnn.yaml | tail -n 1
echo
echo "Keras results: $out/keras.json"
