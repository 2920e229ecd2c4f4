#!/usr/bin/env bash
# Replays every seed corpus (Fuzz/corpus/TARGET/, each input once, -runs=0) through its fuzz target;
# fails when any input crashes, leaks, hangs (10 s) or grows past 2 GB. What CI runs after the tests.
set -euo pipefail
source "$(dirname "$0")/build.sh"
build_fuzz_targets
cd "$fuzz_dir"
artifacts="$(mktemp -d)"
trap 'rm -rf "$artifacts"' EXIT
failed=()
for target in "${fuzz_targets[@]}"; do
  count=$(find "corpus/$target" -type f | wc -l)
  if ".build/release/fuzz-$target" -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" \
      "corpus/$target" > "$artifacts/$target.log" 2>&1; then
    echo "fuzz corpus $target: $count inputs replayed, no crash"
  else
    echo "fuzz corpus $target: FAILED" >&2
    grep -v "^INFO:" "$artifacts/$target.log" | head -60 >&2
    failed+=("$target")
  fi
done
if (( ${#failed[@]} > 0 )); then
  echo "fuzz corpora failed: ${failed[*]}" >&2
  exit 1
fi
