// A stop request set by SIGINT or SIGTERM: training polls it between batches and stops at the last
// finished epoch. A second signal gets the default action (the process ends at once); the run folder
// is consistent at any instant anyway, since every file is replaced atomically.
#include "CKernels.h"
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

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

// Set (for good) when the parent that started this process ended; read as a SIGTERM request.
static atomic_int parent_gone = 0;

int st_stop_requested(void) {
    const int signal_number = atomic_load(&stop_signal);
    return signal_number != 0 ? signal_number : (atomic_load(&parent_gone) ? SIGTERM : 0);
}

void st_stop_uninstall(void) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

static void parent_ended(int signal_number) {
    (void)signal_number;
    atomic_store(&parent_gone, 1);
}

int st_stop_with_parent(int parent, int graceful) {
#if defined(__linux__)
    // The kernel sends the signal when the parent ends, however it ends (kill -9 included); once per
    // thread of the parent that exits, so the handler stays installed and only sets a flag.
    if (graceful) signal(SIGHUP, parent_ended);
    if (prctl(PR_SET_PDEATHSIG, graceful ? SIGHUP : SIGTERM) != 0) return -1;
#endif
    // The parent may have ended before the request took effect: then this process is already an orphan.
    return getppid() == parent ? 0 : -1;
}
