# Pagekeeper. `make run` starts the app on its built-in sandbox; `make test` runs everything CI runs.
# Both install the Debian packages they need when run as root (or print the exact apt-get line).

GO        ?= go
TAGS      := migrated_fynedo
BUILD     := build
BIN       := $(BUILD)/pagekeeper
VERSION   := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
GOFLAGS_B := -tags $(TAGS) -trimpath
FUZZTIME  ?= 10s

# What each target needs from Debian.
PKGS_BUILD := gcc pkg-config libgl1-mesa-dev xorg-dev libwayland-dev libxkbcommon-dev
PKGS_TEST  := $(PKGS_BUILD) xvfb xauth imagemagick xdotool chromium

.PHONY: all build run test deps deps-build check-go fmt-check vet staticcheck unit fuzz smoke bench clean

all: build

check-go:
	@command -v $(GO) >/dev/null || { echo "Go is not installed. Install Go 1.26 or newer: https://go.dev/doc/install"; exit 1; }
	@$(GO) version | awk '{split($$3,v,"."); sub("go","",v[1]); if (v[1] < 1 || (v[1] == 1 && v[2] < 26)) {print "Pagekeeper needs Go 1.26 or newer; this is " $$3; exit 1}}'

deps-build:
	@PKGS="$(PKGS_BUILD)" .ci/apt-ensure

deps:
	@PKGS="$(PKGS_TEST)" .ci/apt-ensure

build: check-go deps-build
	$(GO) build $(GOFLAGS_B) -o $(BIN) .

run: build
	./$(BIN) --sandbox

test: check-go deps fmt-check vet staticcheck unit fuzz smoke
	@echo "make test: all checks passed"

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet -tags $(TAGS) ./...

staticcheck:
	$(GO) tool staticcheck -tags $(TAGS) ./...

unit:
	$(GO) test -tags $(TAGS) -race -timeout 20m ./...

# Brief fuzzing of every parser of outside input (the corpora in testdata/ run in `unit` too).
fuzz:
	@.ci/fuzz $(FUZZTIME)

smoke: build
	@.ci/smoke $(BIN)

bench: check-go deps-build
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchtime 1x -benchmem ./...

clean:
	rm -rf $(BUILD) dist
