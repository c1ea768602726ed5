# orgsiem — build, test, benchmark, fuzz, package and demo.
GO ?= go
PKGS := ./...
BUILD := build
LAMBDAS := $(notdir $(wildcard cmd/lambda/*))
FUZZTIME ?= 30s

.PHONY: build test bench fuzz package demo report-screenshot clean

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
	    echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg; \
	  done; done

# Every Lambda under cmd/lambda/* (LAMBDAS): a static provided.al2023 arm64
# binary named bootstrap, zipped reproducibly to $(LAMBDA_DIR)/<name>.zip.
LAMBDA_DIR := $(BUILD)/lambda
LAMBDA_GOBUILD := CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w -buildid='

package:
	@set -e; rm -rf $(LAMBDA_DIR); mkdir -p $(LAMBDA_DIR); \
	for fn in $(LAMBDAS); do \
	  echo "build cmd/lambda/$$fn"; \
	  $(LAMBDA_GOBUILD) -o $(LAMBDA_DIR)/$$fn/bootstrap ./cmd/lambda/$$fn; \
	done; \
	$(GO) run ./scripts/package -dir $(LAMBDA_DIR) $(LAMBDAS)

# The quick start: simulate a small organization's log archive (5 accounts, 2 days, injected
# attacks; no AWS needed), then scan it with the real pipeline code and the rule catalog:
# high and critical alerts and the Logging Compliance Report on stdout, the HTML report in
# demo-out/report.html.
demo:
	$(GO) build -o $(BUILD)/orgsiem ./cmd/orgsiem
	rm -rf demo-out
	$(BUILD)/orgsiem simulate --accounts 5 --days 2 --seed 42 --out demo-out
	$(BUILD)/orgsiem scan --no-progress --min-level high --report-out demo-out/report.html demo-out/archive

# The screenshot of the demo's HTML report shown in README (docs/report.png), rendered by headless
# Chromium; installs Debian's chromium package when /usr/bin/chromium is absent (needs root).
# The browser runs with a fresh profile and talks to nobody.
CHROMIUM ?= /usr/bin/chromium
CHROMIUM_FLAGS := --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars
report-screenshot: demo
	@test -x $(CHROMIUM) || (apt-get update && apt-get install -y chromium)
	@profile=$$(mktemp -d); \
	$(CHROMIUM) $(CHROMIUM_FLAGS) --user-data-dir=$$profile --window-size=1200,2200 \
	  --screenshot=$(CURDIR)/docs/report.png file://$(CURDIR)/demo-out/report.html; \
	rc=$$?; rm -rf $$profile; exit $$rc
	@echo "wrote docs/report.png"

clean:
	rm -rf $(BUILD) demo-out
