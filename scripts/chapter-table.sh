#!/usr/bin/env bash
# Trains every chapter config for its 20 epochs and prints the figures against the book and Keras as a
# Markdown table (Keras here: 3.15 + TensorFlow for 15.3's configs, 3.15 + JAX for 15.4's).
# Usage: scripts/chapter-table.sh [RUNS_DIR]   (default: a fresh temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-$(mktemp -d)}
swift build -c release --product seqtrain >/dev/null
bin=.build/release/seqtrain

# name | figure column | the book (seed text) | Keras here
reference="naive val_loss 0.020211367 0.020211367
linear val_loss 0.0042 0.0040
simple_rnn val_loss 0.0109 0.0109
deep_rnn val_loss 0.0029 0.0032
deep_rnn_dense val_loss 0.0026 0.0027
seq2vec val_loss 0.0085 0.0083
seq2seq val_last_time_step_mse 0.0096 0.0085
lstm val_last_time_step_mse 0.0086 0.00865
gru val_last_time_step_mse 0.0103 0.01031
conv1d_gru val_last_time_step_mse 0.0080 0.00879
wavenet val_last_time_step_mse 0.0072 0.00801"

echo "| experiment | figure | seqtrain (epoch 20) | seed | Keras here | bound 1.3 x max | best (epoch) | s/epoch (median) |"
echo "|---|---|---|---|---|---|---|---|"
while read -r name column seed keras; do
  "$bin" "configs/$name.yaml" --runs-dir "$runs" >/dev/null
  run=$(ls -d "$runs/$name"/*/ | sort | tail -n 1)
  if [ "$name" = naive ]; then
    value=$(awk -F': ' '/"loss"/ {gsub(/[ ,]/, "", $2); n++; if (n == 2) print $2}' "$run/summary.json")
    echo "| $name | $column | $value | $seed | $keras | exact | - | - |"
    continue
  fi
  read -r value best epoch < <(awk -F, -v col="$column" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
    { last = $c; if (best == "" || $c + 0 < best + 0) { best = $c; epoch = $1 } }
    END { print last, best, epoch }' "$run/history.csv")
  median=$(tail -n +2 "$run/timing.csv" | cut -d, -f2 | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 }')
  bound=$(awk -v a="$seed" -v b="$keras" 'BEGIN { m = a > b ? a : b; printf "%.5f", 1.3 * m }')
  ok=$(awk -v v="$value" -v b="$bound" 'BEGIN { print (v + 0 <= b + 0) ? "" : " (OUT OF RANGE)" }')
  echo "| $name | $column | $value$ok | $seed | $keras | $bound | $best ($epoch) | $median |"
done <<< "$reference"
echo
echo "Runs in $runs"
