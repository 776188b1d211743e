# Vanthu — build, run and test.
# `make run` and `make test` install missing Debian packages themselves (see deps).

GO        ?= go
BIN       := bin
PKGS      := ./...
FUZZTIME  ?= 10s
LONGFUZZ  ?= 5m
# Minimising each new input can outlast a short run (the run then fails
# with "context deadline exceeded"); short runs skip it.
FUZZMIN   ?= 0

# Debian packages the build, the tests and the benchmarks need.
DEBS := ca-certificates gcc pkg-config openssl poppler-utils qpdf libnss3-tools \
        softhsm2 ghostscript procps time xmlsec1 postgresql \
        libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev \
        libxxf86vm-dev libwayland-dev libxkbcommon-dev wayland-protocols \
        xvfb xauth imagemagick xdotool hey wrk

export CGO_ENABLED ?= 1

.PHONY: all deps build run test check lint vet tidy-check unit fuzz fuzz-short bench bench-axis clean package package-check package-windows

all: build

## deps: install missing Debian packages (as root, via sudo, or print the command)
deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "deps: installing$$missing"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; \
	else echo "deps: missing packages; run:"; echo "  sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; fi; \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing

## build: the CLI (with token support) and a pure-Go CLI without cgo
build: deps
	$(GO) build -o $(BIN)/vanthuctl ./cmd/vanthuctl
	CGO_ENABLED=0 $(GO) build -o $(BIN)/vanthuctl-nocgo ./cmd/vanthuctl

## run: the desktop app; the live demo (go run . --demo) while this computer's desk is not set up
run: deps
	$(GO) run . --demo-if-new

## test: vet, lint, go.mod tidiness, the race-enabled suite and short fuzzing
test: deps vet lint tidy-check unit package-check fuzz-short

vet:
	$(GO) vet $(PKGS)
	CGO_ENABLED=0 $(GO) vet -tags ci $(PKGS)

lint:
	$(GO) tool golangci-lint run $(PKGS)

tidy-check:
	@cp go.mod /tmp/vanthu-go.mod.bak; cp go.sum /tmp/vanthu-go.sum.bak; \
	$(GO) mod tidy; \
	if ! git diff --quiet -- go.mod go.sum; then \
	  git --no-pager diff -- go.mod go.sum; cp /tmp/vanthu-go.mod.bak go.mod; cp /tmp/vanthu-go.sum.bak go.sum; \
	  echo "tidy-check: go mod tidy changes go.mod/go.sum; run it and commit"; exit 1; fi

unit:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/vanthuctl

FUZZ_TARGETS = $(shell grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r grep -H '^func Fuzz' | sed -E 's|^\./(.*)/[^/]*_test.go:func (Fuzz[A-Za-z0-9_]*).*|\1:\2|' | sort -u)

## fuzz-short: every fuzz target briefly (part of make test)
# Go 1.26's fuzz coordinator can end a duration-bounded run with a bare
# "context deadline exceeded" (golang/go#75804, fixed in Go 1.27). Such a
# run wrote no failing input; it is reported as that and not as a failure.
# A real failure always writes its input under testdata/fuzz/.
fuzz-short:
	@for t in $(FUZZ_TARGETS); do d=$${t%%:*}; f=$${t##*:}; \
	  echo "fuzz $$d $$f ($(FUZZTIME))"; \
	  before=$$(ls $$d/testdata/fuzz/$$f 2>/dev/null | wc -l); \
	  out=$$($(GO) test ./$$d -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMIN) 2>&1); rc=$$?; \
	  after=$$(ls $$d/testdata/fuzz/$$f 2>/dev/null | wc -l); \
	  echo "$$out" | grep -E '^(ok|FAIL|---|    )' ; \
	  if [ $$rc -ne 0 ]; then \
	    if [ "$$before" = "$$after" ] && echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input written'; then \
	      echo "  (Go 1.26 fuzz-coordinator deadline race, golang/go#75804: no failing input; not a failure)"; \
	    else echo "$$out"; exit 1; fi; \
	  fi; done

## fuzz: every fuzz target for longer (LONGFUZZ per target)
fuzz:
	$(MAKE) fuzz-short FUZZTIME=$(LONGFUZZ) FUZZMIN=10s

## bench: Go benchmarks, then signing and verification side by side with peer tools
bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 3x ./signing/
	$(GO) run ./cmd/vanthubench

## bench-gui: the desktop app over 100 000 documents (seeded once, cached in the temp dir) — cold start,
## search per keystroke, first PDF page, memory after browsing — as a table with the goals (not in make test)
bench-gui: deps
	$(GO) run ./cmd/guibench

## bench-axis: the axis as processes — axisd's getReceivedEdocList under wrk (200 clients, every request
## signed anew) and a vanthuctl sync of 10 000 packets of 100 KB, with SQLite and PostgreSQL — beside the
## goals, after the sync engine's Go benchmark (not in make test)
bench-axis: deps
	$(GO) test -run '^$$' -bench SyncPull -benchtime 1x ./inbox/courier/
	$(GO) run ./cmd/axisbench

## package: a Linux release archive of the desktop app (bin/Vanthu.tar.xz) with the pinned fyne tool
package: deps
	@cp FyneApp.toml $(BIN)/.FyneApp.toml.keep 2>/dev/null || { mkdir -p $(BIN); cp FyneApp.toml $(BIN)/.FyneApp.toml.keep; }
	$(GO) tool fyne package --target linux --release --src . --icon assets/images/icon.png; rc=$$?; \
	  cp $(BIN)/.FyneApp.toml.keep FyneApp.toml; exit $$rc  # the tool bumps Build in FyneApp.toml
	mv -f Vanthu.tar.xz $(BIN)/

## package-check: make package, then check the archive holds the program, its launcher and its icon
package-check: package
	@list=$$(tar -tJvf $(BIN)/Vanthu.tar.xz) || exit 1; \
	for f in usr/local/bin/vanthu usr/local/share/applications/vn.vanthu.desktop.desktop usr/local/share/pixmaps/vn.vanthu.desktop.png; do \
	  echo "$$list" | grep -Eq "^-.* [1-9][0-9]* .* vanthu/$$f$$" || { echo "package-check: $$f missing or empty in $(BIN)/Vanthu.tar.xz"; exit 1; }; \
	done; \
	tar -xJOf $(BIN)/Vanthu.tar.xz vanthu/usr/local/share/applications/vn.vanthu.desktop.desktop | grep -q '^Exec=vanthu' \
	  || { echo "package-check: the launcher does not run vanthu"; exit 1; }; \
	echo "package-check: $(BIN)/Vanthu.tar.xz holds vanthu, its launcher and icon"

## package-windows: cross-build bin/vanthu.exe with the Debian mingw-w64 compiler (not part of make test)
package-windows:
	@$(MAKE) deps DEBS=gcc-mingw-w64-x86-64
	CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1 GOOS=windows GOARCH=amd64 \
	  $(GO) build -ldflags "-H windowsgui" -o $(BIN)/vanthu.exe .

clean:
	rm -rf $(BIN)
