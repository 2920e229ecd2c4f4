// Renaming a finished folder into place without ever replacing an existing one.
#define _GNU_SOURCE
#include "CKernels.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#endif

int st_rename_noreplace(const char *from, const char *to) {
#if defined(__linux__) && defined(SYS_renameat2)
    if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
    if (errno != ENOSYS && errno != EINVAL) return -1;
#endif
    // No atomic no-replace rename here: check, then rename (a race only between two seqtrain runs
    // started in the same second, which get distinct names anyway through their suffixes).
    struct stat existing;
    if (lstat(to, &existing) == 0) { errno = EEXIST; return -1; }
    return rename(from, to);
}
