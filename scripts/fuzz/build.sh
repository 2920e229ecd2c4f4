#!/usr/bin/env bash
# Builds the fuzz targets (Fuzz/, a package of its own) with libFuzzer and AddressSanitizer; the Swift
# code of seqtrain, Yams and the kernels' C code are all instrumented. Sourced by run.sh and replay.sh.
set -euo pipefail
fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../Fuzz" && pwd)"
fuzz_targets=(experiment csv safetensors runfolder)
# Leaks outside seqtrain that LeakSanitizer would report (see the file for each).
export LSAN_OPTIONS="suppressions=$fuzz_dir/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# A trap goes to libFuzzer (which saves the input), not to the Swift runtime's backtracer.
export SWIFT_BACKTRACE="enable=no"
build_fuzz_targets() {
  (cd "$fuzz_dir" && swift build -c release \
      -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address "$@" 2>&1 \
    | grep -v "Cannot export local symbol '__asan_extra_spill_area'")  # a harmless ld.gold note on every link
}
