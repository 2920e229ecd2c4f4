#!/usr/bin/env bash
# Fuzzes one target: scripts/fuzz/run.sh TARGET [SECONDS] (default 600), TARGET one of experiment, csv,
# safetensors, runfolder. New inputs go to Fuzz/.work/TARGET/ (the repository's seed corpus
# Fuzz/corpus/TARGET/ is only read); a crash, leak, timeout or out-of-memory input is written to
# Fuzz/.work/artifacts/ and ends the run with a non-zero status. Extra arguments go to libFuzzer.
set -euo pipefail
source "$(dirname "$0")/build.sh"
target="${1:-}"
if [[ ! " ${fuzz_targets[*]} " == *" $target "* ]]; then
  echo "usage: $0 TARGET [SECONDS] [LIBFUZZER_FLAG…]  (TARGET: ${fuzz_targets[*]})" >&2
  exit 2
fi
seconds="${2:-600}"
shift $(( $# >= 2 ? 2 : 1 ))
build_fuzz_targets --product "fuzz-$target"
work="$fuzz_dir/.work"
mkdir -p "$work/$target" "$work/artifacts"
cd "$fuzz_dir"
# -timeout: one input taking over 10 s is a hang; -rss_limit_mb: over 2 GB is a leak or a runaway
# allocation; both are reported as findings, with the input.
exec ".build/release/fuzz-$target" "$work/$target" "corpus/$target" \
  -dict="dict/$target.dict" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -artifact_prefix="$work/artifacts/$target-" -print_final_stats=1 "$@"
