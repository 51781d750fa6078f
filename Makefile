# Pagekeeper. `make run` starts the app on its built-in sandbox; `make test` runs everything CI runs.
# Both install the Debian packages they need when run as root (or print the exact apt-get line).

GO        ?= go
TAGS      := migrated_fynedo
BUILD     := build
BIN       := $(BUILD)/pagekeeper
VERSION   := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
FUZZTIME  ?= 10s
# make flake: each test FLAKE_COUNT times under -race, with FLAKE_LOAD busy loops on the CPUs.
FLAKE_COUNT ?= 5
FLAKE_LOAD  ?= 0
FLAKE_RUN   ?= .
FLAKE_PKGS  ?= ./...

# What each target needs from Debian.
PKGS_BUILD := gcc pkg-config libgl1-mesa-dev xorg-dev libwayland-dev libxkbcommon-dev
PKGS_TEST  := $(PKGS_BUILD) xvfb xauth imagemagick xdotool chromium desktop-file-utils dpkg-dev

.PHONY: all build run test deps deps-build check-go fmt-check vet staticcheck unit flake fuzz smoke screenshots adversarial bench bench-window clean

all: build

check-go:
	@command -v $(GO) >/dev/null || { echo "Go is not installed. Install Go 1.26 or newer: https://go.dev/doc/install"; exit 1; }
	@$(GO) version | awk '{split($$3,v,"."); sub("go","",v[1]); if (v[1] < 1 || (v[1] == 1 && v[2] < 26)) {print "Pagekeeper needs Go 1.26 or newer; this is " $$3; exit 1}}'

deps-build:
	@PKGS="$(PKGS_BUILD)" .ci/apt-ensure

deps:
	@PKGS="$(PKGS_TEST)" .ci/apt-ensure

build: check-go deps-build
	@GO="$(GO)" .ci/build-program $(BIN)

run: build
	./$(BIN) --sandbox

test: check-go deps fmt-check vet staticcheck unit fuzz package-check smoke adversarial
	@echo "make test: all checks passed"

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet -tags $(TAGS) ./...

# ST1005 is off: many error strings here are sentences a page owner reads
# ("Facebook Login is not set up yet: …"), so they start with a capital.
staticcheck:
	$(GO) tool staticcheck -tags $(TAGS) -checks 'inherit,-ST1005' ./...

unit:
	$(GO) test -tags $(TAGS) -race -timeout 20m ./...

# Hunts flaky tests (not part of `make test`): e.g. `make flake FLAKE_COUNT=20 FLAKE_LOAD=2
# FLAKE_PKGS=./fb/login/` runs each test there 20 times under -race while two busy loops load the CPUs.
flake: check-go
	@GO="$(GO)" .ci/flake "$(FLAKE_COUNT)" "$(FLAKE_LOAD)" "$(FLAKE_RUN)" $(FLAKE_PKGS)

# Brief fuzzing of every parser of outside input (the corpora in testdata/ run in `unit` too).
fuzz:
	@.ci/fuzz $(FUZZTIME)

smoke: build
	@GO="$(GO)" .ci/smoke $(BIN)

# The smoke test's screenshots, into docs/screenshots (the README shows the main ones).
screenshots: build
	@GO="$(GO)" SMOKE_OUT=docs/screenshots .ci/smoke $(BIN)

# The adversarial suite (docs/RELIABILITY.md): drives the built program from outside with bad
# command lines, odd data folders, forged login callbacks, SIGKILLs, odd Facebook answers and a
# full disk, then scans everything it wrote for secrets. ADVERSARIAL_FLAGS=-keep keeps its files.
adversarial: build
	$(GO) run -tags $(TAGS) ./internal/adversarial -bin $(BIN) $(ADVERSARIAL_FLAGS)

bench: check-go deps-build
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchtime 1x -benchmem ./...

# The window's start with 10,000 Pages against a bare Fyne list (BENCHMARKS.md); RUNS=20 by default.
bench-window: check-go deps
	@GO="$(GO)" .ci/benchwindow

clean:
	rm -rf $(BUILD) dist

# Installers (docs/PACKAGING.md): dist/ gets the Linux tarball and .deb (package, package-linux),
# or the Windows installer (package-windows: slow, not part of `make test`). The version is
# FyneApp.toml's; packaging works on copies and never leaves the tree changed.
PKGS_PACKAGE := $(PKGS_BUILD) imagemagick desktop-file-utils dpkg-dev xz-utils xvfb xauth xdotool
PKGS_WINDOWS := gcc-mingw-w64-x86-64 nsis p7zip-full imagemagick wine wine64

.PHONY: package package-linux package-windows package-check

package: package-linux

package-linux: check-go
	@PKGS="$(PKGS_PACKAGE)" .ci/apt-ensure
	@GO="$(GO)" .ci/package-linux

# Builds the Linux packages, then checks them as an installer would use them (fast enough for CI).
package-check: package-linux
	@GO="$(GO)" .ci/check-tarball
	@GO="$(GO)" .ci/check-deb

package-windows: check-go
	@PKGS="$(PKGS_WINDOWS)" .ci/apt-ensure
	@GO="$(GO)" .ci/package-windows
	@GO="$(GO)" .ci/check-windows
