# Install seqtrain from a clone:   make install PREFIX=$HOME/.local   (default PREFIX=/usr/local)
# Remove it again:                 make uninstall PREFIX=$HOME/.local
# The release binary is built with the commit it comes from, which `seqtrain --version` prints.

PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
# The short commit, "-dirty" when the tree has uncommitted changes; "unknown" outside a git clone.
COMMIT := $(shell c=$$(git rev-parse --short HEAD 2>/dev/null) && { git diff --quiet HEAD || c=$$c-dirty; echo $$c; } || echo unknown)
SWIFT_FLAGS = -c release -Xcc '-DSEQTRAIN_COMMIT="$(COMMIT)"'

.PHONY: build install uninstall

build:
	swift build $(SWIFT_FLAGS) --product seqtrain

install: build
	install -d "$(DESTDIR)$(BINDIR)"
	install -m 755 "$$(swift build $(SWIFT_FLAGS) --show-bin-path)/seqtrain" "$(DESTDIR)$(BINDIR)/seqtrain"
	@echo "installed $(DESTDIR)$(BINDIR)/seqtrain ($(COMMIT)); make sure $(BINDIR) is on your PATH"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/seqtrain"
