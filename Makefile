# SPDX-License-Identifier: Apache-2.0
# swift-unshare: build, test and install.
#
#   make                  debug build
#   make release          release build (flags in RELEASE_FLAGS: one static executable,
#                         stripped), copied to $(RELEASE_BIN)
#   make bench            time that binary against util-linux and podman (root; BENCHMARKS.md);
#                         PIE_COMPARE=1 adds the static PIE beside it
#   make bench-phases     where each path's time goes beside its floor (root, perf; BENCHMARKS.md)
#   make bench-library    the library's spawns per second against Go's os/exec and posix_spawn,
#                         as the test user (root; Debian's golang-go for the Go rows; BENCHMARKS.md)
#   make release-pie      the release build linked as a static PIE (PIE=1; not the default)
#   make install          install what `make release` built under $(DESTDIR)$(PREFIX);
#                         runs no swift, so `sudo make install` works with sudo's secure_path
#   make uninstall        remove what install put there, and the directories it created, when empty
#   make check            prepare the machine, build and run every test (`make test` is the same)
#   make unit             the unit tests only: pure, no root, no test accounts
#   make lint             check the style (.swift-format) of every Swift file, and compile
#                         the C targets with every warning an error (lint-c)
#   make format           rewrite every Swift file in that style
#   make clean            remove the build products
#   make version          write VERSION's number into the sources and man pages
#   make dist             swift-unshare-$(VERSION).tar.gz of the committed tree
#   make deb              swift-unshare_$(VERSION)-1_<arch>.deb (dpkg-deb) from the release
#                         binary (built first when missing), into DEB_DIR (default .)
#   make reproducible     two clean release builds here, compared byte for byte
#   make startup-order    rewrite scripts/startup-order.txt from a traced release build (root, valgrind)
#
# PREFIX defaults to /usr/local; DESTDIR stages into another root, e.g.
#   make install DESTDIR=/tmp/stage PREFIX=/usr
# BINDIR, MAN1DIR, BASHDIR, ZSHDIR, FISHDIR, DOCDIR may be set to override each place.
# SWIFT_FLAGS passes extra flags to every swift build/test, e.g.
#   make check SWIFT_FLAGS='--scratch-path .build-ci'

PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
SWIFT_FLAGS ?=
# SwiftPM and the driver leave empty TemporaryDirectory.* folders in $TMPDIR
# at every build and test run: theirs go under .build (make clean removes it).
SWIFT_TMP := $(CURDIR)/.build/tmp
IN_SWIFT_TMP = mkdir -p $(SWIFT_TMP) && TMPDIR=$(SWIFT_TMP)
INSTALL ?= install
PKG_CONFIG ?= pkg-config

# The one version number: --version, the man pages and dist read it from here.
VERSION := $(shell cat VERSION)

BINDIR ?= $(PREFIX)/bin
MAN1DIR ?= $(PREFIX)/share/man/man1
DOCDIR ?= $(PREFIX)/share/doc/swift-unshare
BASHDIR ?= $(PREFIX)/share/bash-completion/completions
# zsh: a directory in Debian's default $fpath for the prefix.
ifeq ($(PREFIX),/usr)
ZSHDIR ?= /usr/share/zsh/vendor-completions
else
ZSHDIR ?= $(PREFIX)/share/zsh/site-functions
endif
# fish 3.6 without XDG_DATA_DIRS reads vendor completions only from its own
# data directory, which pkg-config names; for other prefixes, the prefix's own.
ifneq ($(filter /usr /usr/local,$(PREFIX)),)
FISHDIR ?= $(or $(shell $(PKG_CONFIG) --variable completionsdir fish 2>/dev/null),/usr/share/fish/vendor_completions.d)
else
FISHDIR ?= $(PREFIX)/share/fish/vendor_completions.d
endif

# Release build flags, all in this one variable: optimised; the C hardened as
# distributions build it (stack canaries, and checked string and memory calls:
# _FORTIFY_SOURCE), here and not in Package.swift, where SwiftPM would call
# them unsafe and refuse the package as a dependency taken by version; one fully static
# executable (Swift runtime and glibc), stripped (-s), no RUNPATH: the fastest
# start measured (BENCHMARKS.md); generic types' metadata through direct
# accessors rather than by demangling their names at run time (a search of
# every protocol conformance at start); RELRO (-z relro -z now); reproducible:
# no debug info (-gnone: its clang module signatures differ from build to build)
# and no hash of each module's LLVM IR (-disable-incremental-llvm-codegen: the
# IR, though not the code made from it, differs from build to build).
# Linked by lld, with every function in a section of its own, in the order of
# scripts/startup-order.txt (`make startup-order` writes it): the code a start
# runs sits together, so the kernel maps fewer 64 KiB windows of it (peak
# memory and page faults, BENCHMARKS.md).
# PIE=1 links a static PIE instead (PIE_FLAGS): code and data at a new address
# in every run (ASLR), as Debian builds every program; glibc's rcrt1.o
# relocates the binary before main. clang's -static-pie at the link (it wins
# over the driver's -static); no RUNPATH (SwiftPM's $ORIGIN, which a static
# PIE's self-relocation refuses with an assertion); relative relocations packed
# (DT_RELR, which glibc 2.36 applies): 3 KB of table instead of 430 KB. Not the
# default: its start writes 17953 pointers into 52 pages, a copy-on-write fault
# each, and `-r true` took 14-22% longer, past the 3% it was allowed
# (BENCHMARKS.md, "Position-independent executable").
PIE ?=
PIE_FLAGS := --disable-local-rpath -Xswiftc -Xclang-linker -Xswiftc -static-pie -Xlinker -z -Xlinker pack-relative-relocs
RELEASE_FLAGS := -c release -Xcc -fstack-protector-strong -Xcc -D_FORTIFY_SOURCE=2 -Xswiftc -static-executable -Xswiftc -gnone -Xswiftc -Xfrontend -Xswiftc -disable-incremental-llvm-codegen -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors -Xlinker -s -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now -Xswiftc -use-ld=lld -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xcc -fdata-sections -Xlinker --symbol-ordering-file=$(CURDIR)/scripts/startup-order.txt -Xlinker --no-warn-symbol-ordering $(if $(PIE),$(PIE_FLAGS))
# Where `make release` leaves the binary that `make install` installs.
RELEASE_BIN := .build/release-install/swift-unshare
# The same release as a static PIE (PIE=1), in a scratch path of its own: what
# `make bench PIE_COMPARE=1` times beside the release binary.
PIE_BIN := .build/release-pie-install/swift-unshare

# Everything install creates as a file, and so everything uninstall removes.
# Our podman-unshare page goes in as section 1swift: podman ships its own
# podman-unshare(1), which stays untouched and comes first for `man podman-unshare`;
# ours is `man 1swift podman-unshare` (or the only one, without podman).
INSTALLED := \
	$(BINDIR)/swift-unshare \
	$(BINDIR)/podman-unshare \
	$(MAN1DIR)/swift-unshare.1 \
	$(MAN1DIR)/podman-unshare.1swift \
	$(DOCDIR)/LICENSE \
	$(BASHDIR)/swift-unshare \
	$(BASHDIR)/podman-unshare \
	$(ZSHDIR)/_swift-unshare \
	$(FISHDIR)/swift-unshare.fish \
	$(FISHDIR)/podman-unshare.fish
# Directories install made (a list kept beside the licence), removed by uninstall when empty.
CREATED_DIRS := $(DOCDIR)/installed-directories

.PHONY: all build release release-pie install uninstall check test unit lint lint-c format clean version dist deb reproducible bench bench-phases bench-library startup-order

all: build

build:
	$(IN_SWIFT_TMP) $(SWIFT) build $(SWIFT_FLAGS)

# The link is always redone: swift build does not know the binary depends on
# scripts/startup-order.txt.
release:
	rm -f "$$($(IN_SWIFT_TMP) $(SWIFT) build $(RELEASE_FLAGS) $(SWIFT_FLAGS) --show-bin-path)/swift-unshare"
	$(IN_SWIFT_TMP) $(SWIFT) build $(RELEASE_FLAGS) $(SWIFT_FLAGS)
	mkdir -p $(dir $(RELEASE_BIN))
	cp "$$($(IN_SWIFT_TMP) $(SWIFT) build $(RELEASE_FLAGS) $(SWIFT_FLAGS) --show-bin-path)/swift-unshare" $(RELEASE_BIN)

install:
	@test -x $(RELEASE_BIN) || { echo "make install: no $(RELEASE_BIN): run 'make release' first" >&2; exit 1; }
	sh scripts/install-dirs.sh "$(DESTDIR)" "$(CREATED_DIRS)" \
		"$(DOCDIR)" "$(BINDIR)" "$(MAN1DIR)" "$(BASHDIR)" "$(ZSHDIR)" "$(FISHDIR)"
	$(INSTALL) -m 755 $(RELEASE_BIN) "$(DESTDIR)$(BINDIR)/swift-unshare"
	ln -sf swift-unshare "$(DESTDIR)$(BINDIR)/podman-unshare"
	$(INSTALL) -m 644 man/swift-unshare.1 "$(DESTDIR)$(MAN1DIR)/swift-unshare.1"
	$(INSTALL) -m 644 man/podman-unshare.1 "$(DESTDIR)$(MAN1DIR)/podman-unshare.1swift"
	$(INSTALL) -m 644 LICENSE "$(DESTDIR)$(DOCDIR)/LICENSE"
	$(INSTALL) -m 644 completions/bash/swift-unshare "$(DESTDIR)$(BASHDIR)/swift-unshare"
	ln -sf swift-unshare "$(DESTDIR)$(BASHDIR)/podman-unshare"
	$(INSTALL) -m 644 completions/zsh/_swift-unshare "$(DESTDIR)$(ZSHDIR)/_swift-unshare"
	$(INSTALL) -m 644 completions/fish/swift-unshare.fish "$(DESTDIR)$(FISHDIR)/swift-unshare.fish"
	ln -sf swift-unshare.fish "$(DESTDIR)$(FISHDIR)/podman-unshare.fish"

uninstall:
	rm -f $(addprefix "$(DESTDIR),$(addsuffix ",$(INSTALLED)))
	sh scripts/install-dirs.sh --remove "$(DESTDIR)" "$(CREATED_DIRS)"

check:
	@$(MAKE) --no-print-directory lint
	sh scripts/test-setup.sh
	$(IN_SWIFT_TMP) $(SWIFT) build $(SWIFT_FLAGS)
	$(IN_SWIFT_TMP) $(SWIFT) test $(SWIFT_FLAGS)

test: check

clean:
	$(SWIFT) package clean $(SWIFT_FLAGS)
	rm -rf .build/release-install .build/release-pie .build/release-pie-install .build/startup-order .build/deb swift-unshare-*.tar.gz swift-unshare_*.deb

version:
	sed -i -E 's/^(    public static let swiftUnshare = )".*"/\1"$(VERSION)"/' Sources/SwiftUnshare/Options/Version.swift
	sed -i -E 's/(swift(\\)?-unshare )[0-9]+\.[0-9]+\.[0-9]+/\1$(VERSION)/g' man/swift-unshare.1 man/podman-unshare.1

dist:
	git archive --format=tar.gz --prefix=swift-unshare-$(VERSION)/ -o swift-unshare-$(VERSION).tar.gz HEAD

# The Debian binary package: make install into a staging root with PREFIX=/usr
# (fish's vendor directory as Debian's fish has it, whatever this machine's
# pkg-config says), then scripts/deb.sh adds the rest and runs dpkg-deb.
DEB_DIR ?= .
DEB_ROOT ?= $(CURDIR)/.build/deb/root
DEB = $(DEB_DIR)/swift-unshare_$(VERSION)-1_$(shell dpkg --print-architecture 2>/dev/null || echo unknown).deb
deb:
	@test -x $(RELEASE_BIN) || $(MAKE) --no-print-directory release
	rm -rf $(DEB_ROOT)
	$(MAKE) --no-print-directory install DESTDIR=$(DEB_ROOT) PREFIX=/usr \
		FISHDIR=/usr/share/fish/vendor_completions.d RELEASE_BIN=$(RELEASE_BIN)
	sh scripts/deb.sh $(DEB_ROOT) $(DEB) $(VERSION)

# Two clean release builds in this directory must give the same bytes.
reproducible:
	rm -rf "$$($(IN_SWIFT_TMP) $(SWIFT) build $(RELEASE_FLAGS) $(SWIFT_FLAGS) --show-bin-path)" $(RELEASE_BIN)
	$(MAKE) release
	cp $(RELEASE_BIN) $(RELEASE_BIN).first
	rm -rf "$$($(IN_SWIFT_TMP) $(SWIFT) build $(RELEASE_FLAGS) $(SWIFT_FLAGS) --show-bin-path)" $(RELEASE_BIN)
	$(MAKE) release
	cmp $(RELEASE_BIN).first $(RELEASE_BIN) && rm -f $(RELEASE_BIN).first && echo "reproducible: same bytes"

unit:
	$(IN_SWIFT_TMP) $(SWIFT) test $(SWIFT_FLAGS) --filter SwiftUnshareTests

# swift-format ships with the toolchain (`swift format`); .swift-format holds the style.
FORMAT_PATHS := Sources Tests Package.swift

lint: lint-c
	$(SWIFT) format lint --strict --recursive $(FORMAT_PATHS)

# The C targets compiled as a check, apart from the build (SwiftPM compiles
# them with Package.swift's flags; these stay out of it): every
# warning below is an error. Each file twice with the toolchain's clang, the
# compiler SwiftPM uses: as the debug build sees it, and at -O2 with
# _FORTIFY_SOURCE=2 as the release build does, so that fortify's checks
# (unused results, object sizes) speak; then CUnshareSys once more with
# $(CC) (gcc on Debian, whose fortify checks see further), with clang's
# nullability keywords defined away. CStartup's Swift calling convention is
# clang's alone.
CLANG ?= clang
C_WARNINGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wimplicit-fallthrough
C_INCLUDES := -ISources/CUnshareSys/include -ISources/CStartup/include
C_FORTIFY := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong
C_SOURCES := $(wildcard Sources/CUnshareSys/*.c) $(wildcard Sources/CStartup/*.c)
# The children's raw system calls (child_sys.h) exist for x86_64 and aarch64:
# lint-c cross-compiles the C target for the other one where its headers are.
AARCH64_INCLUDE ?= /usr/aarch64-linux-gnu/include
lint-c:
	@for f in $(C_SOURCES); do \
		$(CLANG) -fsyntax-only $(C_WARNINGS) $(C_INCLUDES) $$f || exit 1; \
		$(CLANG) -c -o /dev/null $(C_FORTIFY) $(C_WARNINGS) $(C_INCLUDES) $$f || exit 1; \
	done
	@for f in $(filter Sources/CUnshareSys/%,$(C_SOURCES)); do \
		$(CC) -c -o /dev/null $(C_FORTIFY) -D_Nonnull= -D_Nullable= $(C_WARNINGS) $(C_INCLUDES) $$f || exit 1; \
	done
	@echo "lint-c: $(words $(C_SOURCES)) C files, no warnings from $(CLANG) or $(CC)"
	@if [ -d $(AARCH64_INCLUDE) ]; then \
		for f in $(filter Sources/CUnshareSys/%,$(C_SOURCES)); do \
			$(CLANG) --target=aarch64-linux-gnu -isystem $(AARCH64_INCLUDE) -c -o /dev/null $(C_FORTIFY) $(C_WARNINGS) $(C_INCLUDES) $$f || exit 1; \
		done; \
		echo "lint-c: CUnshareSys cross-compiled for aarch64 (its raw system calls), no warnings"; \
	else \
		echo "lint-c: aarch64 cross-compile skipped: no $(AARCH64_INCLUDE) (apt-get install libc6-dev-arm64-cross)"; \
	fi

format:
	$(SWIFT) format format --in-place --recursive $(FORMAT_PATHS)

# Needs root (it runs the commands as the unprivileged test user) and hyperfine.
# The build's output goes to stderr: stdout is only the Markdown table.
# PIE_COMPARE=1 also builds the static PIE and adds a table timing it beside
# the release binary in the same rounds (time, page faults, relocations at start).
bench:
	@$(MAKE) --no-print-directory release >&2
	@if [ -n "$(PIE_COMPARE)" ]; then $(MAKE) --no-print-directory release-pie >&2; fi
	@sh scripts/bench.sh $(RELEASE_BIN) $(if $(PIE_COMPARE),$(PIE_BIN))

# Where each path's time goes beside its floor (perf's scheduler tracepoints);
# needs root and perf; stdout is the table.
bench-phases:
	@$(MAKE) --no-print-directory release >&2
	@sh scripts/bench-phases.sh $(RELEASE_BIN)

# Needs root (the clients run as the unprivileged test user); stdout is the table.
bench-library:
	@sh scripts/bench-library.sh

release-pie:
	$(MAKE) --no-print-directory release PIE=1 RELEASE_BIN=$(PIE_BIN) \
		SWIFT_FLAGS='$(SWIFT_FLAGS) --scratch-path $(CURDIR)/.build/release-pie'

# The release flags without -s, in a scratch path of its own: the traced
# binary needs its symbol table, and the layout is the release binary's.
ORDER_SCRATCH := .build/startup-order
ORDER_FLAGS = $(subst -Xlinker -s ,,$(RELEASE_FLAGS)) -Xswiftc -DSWIFT_UNSHARE_TRACE_EXIT_AT_EXEC -Xcc -DCU_TRACE_FORKED_HELPERS --product swift-unshare -Xlinker -Map=$(CURDIR)/$(ORDER_SCRATCH)/swift-unshare.map --scratch-path $(ORDER_SCRATCH)
startup-order:
	rm -f "$$($(IN_SWIFT_TMP) $(SWIFT) build $(ORDER_FLAGS) --show-bin-path)/swift-unshare"
	$(IN_SWIFT_TMP) $(SWIFT) build $(ORDER_FLAGS)
	sh scripts/startup-order.sh scripts/startup-order.txt \
		"$$($(IN_SWIFT_TMP) $(SWIFT) build $(ORDER_FLAGS) --show-bin-path)/swift-unshare" $(ORDER_SCRATCH)/swift-unshare.map
