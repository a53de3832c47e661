# swift-unshare: build, test and install.
#
#   make                  debug build
#   make release          release build: one static executable, stripped
#   make bench            time the release build against util-linux and podman
#   make install          release build, then install under $(DESTDIR)$(PREFIX)
#   make uninstall        remove exactly the files install put there
#   make check            prepare the machine, build and run every test
#
# PREFIX defaults to /usr/local; DESTDIR stages into another root, e.g.
#   make install DESTDIR=/tmp/stage PREFIX=/usr
# SWIFT_FLAGS passes extra flags to every swift build/test, e.g.
#   make check SWIFT_FLAGS='--scratch-path .build-ci'

PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
SWIFT_FLAGS ?=
INSTALL ?= install

BINDIR := $(PREFIX)/bin
MAN1DIR := $(PREFIX)/share/man/man1
BASHDIR := $(PREFIX)/share/bash-completion/completions
ZSHDIR := $(PREFIX)/share/zsh/site-functions
FISHDIR := $(PREFIX)/share/fish/vendor_completions.d

# Fully static (Swift runtime and glibc), stripped, no RUNPATH: the fastest
# start measured (BENCHMARKS.md). The frontend flag makes generic types'
# metadata come from direct accessors rather than by demangling their names
# at run time (a search of every protocol conformance at start).
RELEASE_FLAGS := -c release -Xswiftc -static-executable \
	-Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors \
	-Xlinker -s

# Everything install creates, and so everything uninstall removes.
INSTALLED := \
	$(BINDIR)/swift-unshare \
	$(BINDIR)/podman-unshare \
	$(MAN1DIR)/swift-unshare.1 \
	$(BASHDIR)/swift-unshare \
	$(BASHDIR)/podman-unshare \
	$(ZSHDIR)/_swift-unshare \
	$(FISHDIR)/swift-unshare.fish \
	$(FISHDIR)/podman-unshare.fish

.PHONY: all build release install uninstall check bench

all: build

build:
	$(SWIFT) build $(SWIFT_FLAGS)

release:
	$(SWIFT) build $(RELEASE_FLAGS) $(SWIFT_FLAGS)

install: release
	bin="$$($(SWIFT) build $(RELEASE_FLAGS) $(SWIFT_FLAGS) --show-bin-path)/swift-unshare" && \
	$(INSTALL) -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MAN1DIR)" "$(DESTDIR)$(BASHDIR)" \
		"$(DESTDIR)$(ZSHDIR)" "$(DESTDIR)$(FISHDIR)" && \
	$(INSTALL) -m 755 "$$bin" "$(DESTDIR)$(BINDIR)/swift-unshare"
	ln -sf swift-unshare "$(DESTDIR)$(BINDIR)/podman-unshare"
	$(INSTALL) -m 644 man/swift-unshare.1 "$(DESTDIR)$(MAN1DIR)/swift-unshare.1"
	$(INSTALL) -m 644 completions/bash/swift-unshare "$(DESTDIR)$(BASHDIR)/swift-unshare"
	ln -sf swift-unshare "$(DESTDIR)$(BASHDIR)/podman-unshare"
	$(INSTALL) -m 644 completions/zsh/_swift-unshare "$(DESTDIR)$(ZSHDIR)/_swift-unshare"
	$(INSTALL) -m 644 completions/fish/swift-unshare.fish "$(DESTDIR)$(FISHDIR)/swift-unshare.fish"
	ln -sf swift-unshare.fish "$(DESTDIR)$(FISHDIR)/podman-unshare.fish"

uninstall:
	rm -f $(addprefix "$(DESTDIR),$(addsuffix ",$(INSTALLED)))

check:
	sh scripts/test-setup.sh
	$(SWIFT) build $(SWIFT_FLAGS)
	$(SWIFT) test $(SWIFT_FLAGS)

# Needs root (it runs the commands as the unprivileged test user) and hyperfine.
# The build's output goes to stderr: stdout is only the Markdown table.
bench:
	@$(MAKE) --no-print-directory release >&2
	@sh scripts/bench.sh "$$($(SWIFT) build $(RELEASE_FLAGS) $(SWIFT_FLAGS) --show-bin-path)/swift-unshare"
