// A stop request set by SIGINT or SIGTERM: training polls it between batches and stops at the last
// finished epoch. A second signal gets the default action (the process ends at once); the run folder
// is consistent at any instant anyway, since every file is replaced atomically.
#include "CKernels.h"
#include <signal.h>
#include <stdatomic.h>

static atomic_int stop_signal = 0;

static void request_stop(int signal_number) {
    atomic_store(&stop_signal, signal_number);
    signal(signal_number, SIG_DFL);
}

void st_stop_install(void) {
    atomic_store(&stop_signal, 0);
    signal(SIGINT, request_stop);
    signal(SIGTERM, request_stop);
}

int st_stop_requested(void) { return atomic_load(&stop_signal); }

void st_stop_uninstall(void) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}
