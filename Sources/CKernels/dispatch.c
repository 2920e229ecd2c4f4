// Which instruction set the kernels use: the best the CPU has, unless a test lowers it. The level is
// an atomic so that a thread reading it while another sets it sees one value or the other, never a
// torn or stale one (C11 gives a plain int no such promise).
#include "CKernels.h"
#include <stdatomic.h>

static int detected_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

static atomic_int level = -1;

int st_simd_level(void) {
    int current = atomic_load_explicit(&level, memory_order_relaxed);
    if (current < 0) {
        int unset = -1;
        const int best = detected_level();
        // The first caller stores the detected level; a concurrent st_set_simd_level wins over it.
        current = atomic_compare_exchange_strong(&level, &unset, best) ? best : atomic_load(&level);
    }
    return current;
}

int st_best_simd_level(void) { return detected_level(); }

int st_set_simd_level(int wanted) {
    const int best = detected_level();
    const int chosen = wanted < 0 ? 0 : (wanted > best ? best : wanted);
    atomic_store(&level, chosen);
    return chosen;
}
