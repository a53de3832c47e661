# Placeholder; the full Makefile (release, install, uninstall) comes with issue 6.
.PHONY: build check
build:
	swift build

check:
	sh scripts/test-setup.sh
	swift build --build-tests
	swift test
