# codex-credential-helper: build, test, demo, install.
#
#   make demo      set up, build, and do a real login -> get -> logout round trip in a private keyring
#   make test      set up, build, and run every test (inside a private D-Bus session with gnome-keyring)
#   make install   release build (Swift runtime linked statically) into $(PREFIX)/bin
#
# The tests use Swift Testing only (--disable-xctest keeps XCTest from reporting "0 tests").
# `deps` installs the Debian packages the build and the tests need, with sudo when not root.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SWIFT ?= swift
DEB_PACKAGES = pkg-config libsecret-1-dev libglib2.0-dev gnome-keyring dbus dbus-daemon dbus-bin libsecret-tools python3-dbus python3-gi
RELEASE_FLAGS = -c release --static-swift-stdlib
RELEASE_BIN = $(shell $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path 2>/dev/null)/codex-credential-helper
WITH_KEYRING = contrib/scripts/with-test-keyring

.PHONY: all deps build release test demo install uninstall clean

all: build

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	    echo "Installing Debian packages:$$missing"; \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

test: deps
	$(SWIFT) build --build-tests
	$(WITH_KEYRING) $(SWIFT) test --skip-build --disable-xctest

demo: release
	$(WITH_KEYRING) contrib/scripts/demo "$(RELEASE_BIN)"

install: release
	install -d "$(DESTDIR)$(BINDIR)"
	install -m 0755 "$(RELEASE_BIN)" "$(DESTDIR)$(BINDIR)/codex-credential-helper"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/codex-credential-helper"

clean:
	rm -rf .build
