#!/usr/bin/env bash
# Trains every shipped config and prints one line per file that carries numbers: the SHA-256 of
# history.csv, and of the tensor bytes of checkpoints/last and best (the safetensors data section,
# so a change of metadata such as the version does not count; a change of any weight does).
# Usage: scripts/chapter-digests.sh [BINARY]   (default: a release build of this tree)
# Compare with the committed digests:  scripts/chapter-digests.sh | diff scripts/chapter-digests.txt -
# STRIP_LR=1 digests history.csv without its last column, lr (added in issue 11), so that the other
# columns can be compared with digests from before it:
#   STRIP_LR=1 scripts/chapter-digests.sh | diff <(git show 7e6ada9:scripts/chapter-digests.txt) -
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  swift build -c release --product seqtrain >/dev/null
  bin=.build/release/seqtrain
fi
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
tensor_digest() {
  # safetensors: 8-byte little-endian header length, the JSON header, then the tensor data.
  local n
  n=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
  tail -c +$((9 + n)) "$1" | sha256sum | cut -c1-64
}
for config in configs/*.yaml; do
  name=$(basename "$config" .yaml)
  [ "$name" = naive ] && continue
  "$bin" "$config" --runs-dir "$runs" --threads 2 >/dev/null
  run=$(ls -d "$runs/$name"/*/ | sort | tail -n 1)
  if [ -n "${STRIP_LR:-}" ]; then
    echo "$name history.csv $(sed 's/,[^,]*$//' "$run/history.csv" | sha256sum | cut -c1-64)"
  else
    echo "$name history.csv $(sha256sum < "$run/history.csv" | cut -c1-64)"
  fi
  for which in last best; do
    echo "$name $which.safetensors $(tensor_digest "$run/checkpoints/$which.safetensors")"
  done
done
