// libFuzzer's driver, called from each fuzz target's main.swift. SwiftPM gives every executable a Swift
// `main`, so libFuzzer's own `main` is never linked; `LLVMFuzzerRunDriver` (in the same runtime library,
// linked by -sanitize=fuzzer) runs the same loop with the same flags.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
