# swift-unshare: build, test and install.
#
#   make                  debug build
#   make release          release build, Swift runtime linked in statically
#   make install          release build, then install under $(DESTDIR)$(PREFIX)
#   make uninstall        remove exactly the files install put there
#   make check            prepare the machine, build and run every test
#   make unit             the unit tests only: pure, no root, no test accounts
#   make lint             check the style (.swift-format) of every Swift file
#   make format           rewrite every Swift file in that style
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

RELEASE_FLAGS := -c release --static-swift-stdlib

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

.PHONY: all build release install uninstall check unit lint format

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

unit:
	$(SWIFT) test $(SWIFT_FLAGS) --filter SwiftUnshareTests

# swift-format ships with the toolchain (`swift format`); .swift-format holds the style.
FORMAT_PATHS := Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict --recursive $(FORMAT_PATHS)

format:
	$(SWIFT) format format --in-place --recursive $(FORMAT_PATHS)
