// Which commit this binary was built from. `make install` (the Makefile) compiles with
// -DSEQTRAIN_COMMIT="<hash>"; a plain `swift build` defines nothing and the binary says "unknown".
// A C macro carries a value where a Swift -D flag cannot, and nothing is written into the tree.
#include "CKernels.h"

#ifndef SEQTRAIN_COMMIT
#define SEQTRAIN_COMMIT "unknown"
#endif

const char *st_build_commit(void) { return SEQTRAIN_COMMIT; }
