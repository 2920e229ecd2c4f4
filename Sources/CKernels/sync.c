// The hand-off between the worker pool's caller and its threads: a generation counter that the
// caller bumps to start a round, and a count of workers still busy. Waiting spins briefly (hand-offs
// come every fraction of a millisecond while training), then backs off to short sleeps when idle.
#include "CKernels.h"
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

struct st_sync {
    atomic_long generation;
    atomic_int busy;
    atomic_int stopping;
};

st_sync *st_sync_create(void) {
    st_sync *sync = calloc(1, sizeof(st_sync));
    return sync;
}

void st_sync_destroy(st_sync *sync) { free(sync); }

static void backoff(long *spins) {
    if (++*spins < 20000) { CPU_RELAX(); return; }
    if (*spins < 20100) { sched_yield(); return; }
    struct timespec pause = {0, 50000}; // 50 microseconds once idle
    nanosleep(&pause, NULL);
}

void st_sync_start(st_sync *sync, int workers) {
    atomic_store(&sync->busy, workers);
    atomic_fetch_add(&sync->generation, 1);
}

long st_sync_wait_start(st_sync *sync, long seen) {
    long spins = 0;
    for (;;) {
        const long now = atomic_load(&sync->generation);
        if (now != seen || atomic_load(&sync->stopping)) return now;
        backoff(&spins);
    }
}

void st_sync_finish(st_sync *sync) { atomic_fetch_sub(&sync->busy, 1); }

void st_sync_wait_finish(st_sync *sync) {
    long spins = 0;
    while (atomic_load(&sync->busy) > 0) backoff(&spins);
}

void st_sync_stop(st_sync *sync) {
    atomic_store(&sync->stopping, 1);
    atomic_fetch_add(&sync->generation, 1);
}

int st_sync_stopping(st_sync *sync) { return atomic_load(&sync->stopping); }
