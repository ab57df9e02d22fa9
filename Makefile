# codex-credential-helper: build, test, demo, install.
#
#   make demo      set up, build, and do a real login -> get -> logout round trip in a private keyring
#   make test      set up, build, and run every test (inside a private D-Bus session with gnome-keyring)
#   make install   release build (Swift runtime linked statically) into $(PREFIX)/bin
#   make deb       the Debian package, in dist/ (checked by lintian)
#   make dist      the release tarball and SHA256SUMS, in dist/
#
# The tests use Swift Testing only (--disable-xctest keeps XCTest from reporting "0 tests").
# `deps` installs the Debian packages the build and the tests need, with sudo when not root.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SWIFT ?= swift
SWIFTC ?= swiftc
DEB_PACKAGES = pkg-config libsecret-1-dev libglib2.0-dev gnome-keyring keepassxc xvfb xdotool keyutils groff-base dbus \
	dbus-daemon dbus-bin libsecret-tools python3-dbus python3-gi python3-pip dpkg-dev lintian man-db bash-completion
# TOMLKit imports Foundation for Data and Date (both in FoundationEssentials, which the binary links anyway), and so
# names Foundation, CoreFoundation, ICU and FoundationInternationalization for the linker; one generic function that
# Foundation also defines then pulls all four in (47 -> 96 MB; a keyring get 0.9 ms and 4.5 MiB more, see README).
# Nothing we link calls them: the release build leaves them out, and a call that needed them would fail to link.
NO_FOUNDATION = $(foreach lib,Foundation CoreFoundation _FoundationICU FoundationInternationalization,\
	-Xswiftc -Xfrontend -Xswiftc -disable-autolink-library -Xswiftc -Xfrontend -Xswiftc $(lib))
RELEASE_FLAGS = -c release --static-swift-stdlib --disable-local-rpath $(NO_FOUNDATION)
RELEASE_BIN = $(shell $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path 2>/dev/null)/codex-credential-helper
WITH_KEYRING = contrib/scripts/with-test-keyring

# The version is written in one place, CodexCredentialHelper.version (Sources/HelperCommands/RootCommand.swift);
# --version, `version`, the man page's footer, the package and the tarball all take it from the binary, and
# contrib/debian/changelog's latest entry must name it. The man page's date is that entry's.
MAN_DATE = $(shell date -u -d "@$$(dpkg-parsechangelog -l contrib/debian/changelog -S Timestamp)" +%Y-%m-%d)
DIST = dist
CONTRIB_GENERATED = contrib/completions/codex-credential-helper.bash contrib/completions/_codex-credential-helper \
	contrib/completions/codex-credential-helper.fish contrib/man/codex-credential-helper.1

FUZZ_SECONDS ?= 60
FUZZ_TARGETS = wire token sealed

BENCH_RUNS ?= 60
# Extra bench.py arguments, e.g. BENCH_ARGS="--variant name=/path/to/another/build" (timed in the same runs).
BENCH_ARGS ?=
GIT_LIBSECRET_SRC = /usr/share/doc/git/contrib/credential/libsecret
# The Swift floor is linked as the helper is (Package.swift): lld, no exported symbols, libstdc++'s static archive
# in place of the shared library. Without the last it loads and relocates libstdc++.so.6 (0.8 MiB more at its peak).
FLOOR_LINK = -use-ld=lld -Xlinker --no-export-dynamic -L$(CURDIR)/contrib/linker/static-libstdc++

.PHONY: all deps build release test demo install uninstall clean contrib check-contrib fuzz sanitize bench deb dist \
	package-test

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

# The compatibility tests run the real Codex CLI (RealCodexTests.swift), fetched from PyPI by contrib/scripts/fetch-codex
# (SHA-256 pinned, kept under .build); a failed fetch fails the run.
test: deps
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory check-contrib
	codex=$$(contrib/scripts/fetch-codex .build) && \
	    CODEX_REAL_BIN="$(CURDIR)/$$codex" $(WITH_KEYRING) $(SWIFT) test --skip-build --disable-xctest
	$(MAKE) --no-print-directory package-test

# The Debian package and the release tarball (contrib/scripts/package), built around the release binary.
deb: release
	contrib/scripts/package "$(RELEASE_BIN)" $(DIST) deb

dist: release
	contrib/scripts/package "$(RELEASE_BIN)" $(DIST) dist

# Both, installed and checked as a user would (contrib/scripts/test-package): apt-get install, dpkg -L, version,
# round trips with the file and the keyring, man, bash completion, ldd, apt-get remove; the tarball's binary alone.
package-test: release
	contrib/scripts/package "$(RELEASE_BIN)" $(DIST) deb dist
	$(WITH_KEYRING) contrib/scripts/test-package $(DIST)

# libFuzzer targets for the wire parser, the token classifier (and auth records) and the sealed-file decoder, each
# run for FUZZ_SECONDS from the seed corpus in Fuzz/corpus (copied, so the committed seeds stay as they are).
# A crash, a leak, a timeout (10 s) or more than 1 GiB of memory fails the run; the crashing input is kept.
fuzz: build
	contrib/scripts/build-fuzzers .build/fuzz
	@for t in $(FUZZ_TARGETS); do \
	    rm -rf .build/fuzz/work-$$t && mkdir -p .build/fuzz/work-$$t && cp Fuzz/corpus/$$t/* .build/fuzz/work-$$t/ && \
	    .build/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=1024 -max_len=70000 \
	        -print_final_stats=1 -artifact_prefix=.build/fuzz/$$t- .build/fuzz/work-$$t > .build/fuzz/$$t.log 2>&1 \
	        || { tail -40 .build/fuzz/$$t.log; echo "fuzz-$$t FAILED (artifact in .build/fuzz/)"; exit 1; }; \
	    printf 'fuzz-%s: %s executions, %s, peak RSS %s MiB, no crash\n' "$$t" \
	        "$$(sed -n 's/^stat::number_of_executed_units: *//p' .build/fuzz/$$t.log)" \
	        "$$(grep -o 'cov: [0-9]* ft: [0-9]*' .build/fuzz/$$t.log | tail -1)" \
	        "$$(sed -n 's/^stat::peak_rss_mb: *//p' .build/fuzz/$$t.log)"; \
	done

# Side by side with secret-tool, git-credential-libsecret (built from the source Debian's git ships) and
# docker-credential-secretservice, in one private D-Bus session with gnome-keyring. Timing lives here, never in a test.
bench: release
	@command -v docker-credential-secretservice >/dev/null || { sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-docker-credential-helpers; }
	@mkdir -p .build/bench && cp $(GIT_LIBSECRET_SRC)/git-credential-libsecret.c .build/bench/ && \
	    cc -O2 -o .build/bench/git-credential-libsecret .build/bench/git-credential-libsecret.c \
	    $$(pkg-config --cflags --libs libsecret-1 glib-2.0) && \
	    cc -O2 -o .build/bench/peak-rss contrib/scripts/peak-rss.c && \
	    cc -O2 -o .build/bench/floor-client-c contrib/scripts/floor-client.c $$(pkg-config --cflags --libs libsecret-1) && \
	    $(SWIFTC) -O -static-stdlib $(FLOOR_LINK) -import-objc-header contrib/scripts/floor-client.h \
	    $$(pkg-config --cflags-only-I libsecret-1 | sed 's/-I/-Xcc -I/g') -o .build/bench/floor-client-swift \
	    contrib/scripts/floor-client.swift $$(pkg-config --libs libsecret-1)
	$(WITH_KEYRING) /usr/bin/python3 contrib/scripts/bench.py "$(RELEASE_BIN)" "$(CURDIR)/.build/bench/git-credential-libsecret" \
	    "$(CURDIR)/.build/bench/peak-rss" --runs $(BENCH_RUNS) \
	    --floor "$(CURDIR)/.build/bench/floor-client-c" "$(CURDIR)/.build/bench/floor-client-swift" $(BENCH_ARGS)

# The whole test suite under AddressSanitizer and under ThreadSanitizer, each in a build directory of its own.
sanitize: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	CODEX_TEST_TIME_SCALE=4 LSAN_OPTIONS=suppressions=$(CURDIR)/contrib/sanitizers/lsan.supp $(WITH_KEYRING) \
	    $(SWIFT) test --skip-build --disable-xctest --sanitize=address --scratch-path .build-asan
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	CODEX_TEST_TIME_SCALE=6 $(WITH_KEYRING) $(SWIFT) test --skip-build --disable-xctest --sanitize=thread --scratch-path .build-tsan

# Completions and the man page are generated from the argument parser; `contrib` writes them, `check-contrib`
# (part of `make test`, so of CI) fails when the committed copies are out of step with the code.
contrib: build
	contrib/scripts/generate-contrib "$(SWIFT)" "$(MAN_DATE)" contrib

check-contrib: build
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	contrib/scripts/generate-contrib "$(SWIFT)" "$(MAN_DATE)" "$$scratch" && \
	for f in $(CONTRIB_GENERATED); do \
	    rel=$${f#contrib/}; \
	    cmp -s "$$f" "$$scratch/$$rel" || { echo "$$f is out of step with the code: run 'make contrib' and commit it." >&2; exit 1; }; \
	done && echo "contrib/ completions and man page are in step with the code."
	@warnings=$$(groff -mandoc -ww -z contrib/man/codex-credential-helper.1 2>&1) && [ -z "$$warnings" ] || \
	    { echo "the man page renders with warnings:" >&2; echo "$$warnings" >&2; exit 1; }
	@echo "the man page renders without warnings (groff -mandoc -ww)."
	@version=$$("$$($(SWIFT) build --show-bin-path)/codex-credential-helper" --version) && \
	stale=$$(grep -n 'codex-credential-helper[-_][0-9][0-9.]*[-_]' README.md | grep -v "codex-credential-helper[-_]$$version[-_]") ; \
	[ -z "$$stale" ] || { echo "README names another version than $$version:" >&2; echo "$$stale" >&2; exit 1; }
	@echo "README's install commands name this version."

demo: release
	$(WITH_KEYRING) contrib/scripts/demo "$(RELEASE_BIN)"

install: release
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(PREFIX)/share/man/man1" \
	    "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
	    "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"
	install -m 0755 "$(RELEASE_BIN)" "$(DESTDIR)$(BINDIR)/codex-credential-helper"
	install -m 0644 contrib/man/codex-credential-helper.1 "$(DESTDIR)$(PREFIX)/share/man/man1/"
	install -m 0644 contrib/completions/codex-credential-helper.bash \
	    "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/codex-credential-helper"
	install -m 0644 contrib/completions/_codex-credential-helper "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/"
	install -m 0644 contrib/completions/codex-credential-helper.fish "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/codex-credential-helper" "$(DESTDIR)$(PREFIX)/share/man/man1/codex-credential-helper.1" \
	    "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/codex-credential-helper" \
	    "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_codex-credential-helper" \
	    "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/codex-credential-helper.fish"

clean:
	rm -rf .build $(DIST)
