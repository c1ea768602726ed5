# orgsiem — build, test, benchmark, fuzz, package and demo.
GO ?= go
PKGS := ./...
BUILD := build
LAMBDAS := $(notdir $(wildcard cmd/lambda/*))
FUZZTIME ?= 30s

.PHONY: build test bench fuzz package demo clean

build:
	$(GO) build $(PKGS)
	$(GO) build -o $(BUILD)/orgsiem ./cmd/orgsiem

test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2x $(PKGS)

# Every Fuzz target of every package, FUZZTIME each.
fuzz:
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

clean:
	rm -rf $(BUILD) demo-out
