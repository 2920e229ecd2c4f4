#!/usr/bin/env bash
# Measures seqtrain and Keras (JAX and TensorFlow backends) on the same machine in one run and prints
# the side-by-side table of the README. Needs the Python packages of scripts/peers/README.md; seqtrain
# itself never does. Usage: scripts/peers/compare.sh [EPOCHS] [CONFIG...]   (default 5 epochs; every
# chapter config of chapters 15.3 and 15.4, then deep_rnn with 128 units)
set -euo pipefail
cd "$(dirname "$0")/../.."
epochs=${1:-5}
shift || true
out=$(mktemp -d)
swift build -c release --product seqtrain >/dev/null
python3 scripts/peers/keras_bench.py --epochs "$epochs" --json "$out/keras.json" "$@" >&2
if [ $# -eq 0 ]; then
  python3 scripts/peers/keras_bench.py --epochs "$epochs" --units 128 --json "$out/keras.json" --append configs/deep_rnn.yaml >&2
fi
.build/release/seqtrain bench --epochs "$epochs" --peers "$out/keras.json" "$@"
if [ $# -eq 0 ]; then
  echo
  .build/release/seqtrain bench --epochs "$epochs" --units 128 --peers "$out/keras.json" configs/deep_rnn.yaml | tail -n 1
fi
echo
echo "Keras results: $out/keras.json"
