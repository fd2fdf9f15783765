# stagebox: build, test, demo. See README.md.

# The storage and image libraries need these tags (design.md §9): exported
# through GOFLAGS so every go command here, and any run from a target, uses them.
export GOFLAGS := -tags=containers_image_openpgp,exclude_graphdriver_btrfs
export PATH := /usr/local/go/bin:$(PATH)
export STAGEBOX_TEST_USER ?= sbtest

GO ?= go
PREFIX ?= /usr/local
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN := bin/stagebox
ROOT := $(shell id -u)

.PHONY: all build test unit e2e demo deps lint install clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/stagebox

# Unit tests, then the end-to-end suite, which builds its own binary and, as
# root, also runs every scenario as $(STAGEBOX_TEST_USER). Both always run,
# so one CI log shows every failure; either failing fails the target.
test:
	@status=0; $(MAKE) --no-print-directory unit || status=1; \
	$(MAKE) --no-print-directory e2e || status=1; exit $$status

unit:
	$(GO) test $$($(GO) list ./... | grep -v /tests/e2e)

# One package at a time (-p 1): the main suite and the locked-down one
# (tests/e2e/lockdown, Docker containers) side by side load a 2-core
# machine enough to make signal and timing checks flaky.
e2e:
	$(GO) test -p 1 -count=1 -timeout 45m ./tests/e2e/...

# As root: installs what is missing and creates $(STAGEBOX_TEST_USER).
deps:
	@if [ "$(ROOT)" = 0 ]; then bash contrib/scripts/setup-host.sh; \
	else echo "make deps: not root, skipping package installs and user creation"; fi

demo: deps build
	bash contrib/scripts/demo.sh $(BIN)

lint:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/stagebox
	install -D -m 0644 contrib/completions/bash/stagebox $(DESTDIR)$(PREFIX)/share/bash-completion/completions/stagebox
	install -D -m 0644 contrib/completions/zsh/_stagebox $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_stagebox

clean:
	rm -rf bin
