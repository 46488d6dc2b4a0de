# Two entry points: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the test suite drives for real.
DEBIAN_TEST_PACKAGES := chromium espeak-ng sox fonts-noto-cjk iproute2 nftables conntrack dnsmasq-base redis-server ffmpeg postgresql nginx openssl systemd \
  libpango-1.0-0 libpangoft2-1.0-0 poppler-utils zbar-tools fonts-dejavu-core

.PHONY: demo test lint typecheck pytest catalogs messages install debian-packages bench-packages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) catalogs

# Packages with gettext catalogs in <package>/translations (the signage ones are the console's).
CATALOG_PACKAGES := portal signage

# Compiled message catalogs are build products: compile them from the .po sources.
catalogs: $(STAMP)
	for package in $(CATALOG_PACKAGES); do \
	  $(BIN)/pybabel -q compile -d $$package/translations || exit 1; \
	done

demo: install
	bash deploy/demo.sh

# Install the Debian packages named in $(1) that are missing (as root; otherwise say what is missing).
define install-debian
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Not root: what needs$$missing will not run$(2)."; \
	  fi; \
	fi
endef

debian-packages:
	$(call install-debian,$(DEBIAN_TEST_PACKAGES), (the tests that need them fail under CI=true))

# What the benchmarks drive besides the test packages: nginx and wrk as the reference, Node.js and
# npm for socket.io (a machine that already has a `node`, from Debian or elsewhere, keeps it).
bench-packages: debian-packages
	$(call install-debian,wrk $(if $(shell command -v node),,nodejs) $(if $(shell command -v npm),,npm))

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install debian-packages
	$(BIN)/pytest

test: lint typecheck pytest

# Benchmarks print their figures; add --write to a script's command to record them in BENCHMARKS.md.
# The signage soak keeps 5,000 screens connected for SOAK_MINUTES, SOAK_RUNS times on a fresh
# server each (`make bench SOAK_MINUTES=0` skips it).
SOAK_MINUTES ?= 30
SOAK_RUNS ?= 3
bench: install bench-packages
	$(BIN)/python bench/portal.py
	$(BIN)/python bench/portal_nodes.py
	$(BIN)/python bench/gateway.py
	$(BIN)/python bench/signage.py
	if [ "$(SOAK_MINUTES)" != 0 ]; then $(BIN)/python bench/signage.py --soak $(SOAK_MINUTES) --runs $(SOAK_RUNS); fi

clean:
	rm -rf $(VENV) instance test-artifacts */translations/*/LC_MESSAGES/*.mo

# After changing a translatable string: re-extract, then translate what `make test` reports.
messages: $(STAMP)
	for package in $(CATALOG_PACKAGES); do \
	  $(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location \
	    --project bluezone-venue --copyright-holder "bluezone-venue contributors" \
	    -o $$package/translations/messages.pot $$package && \
	  $(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -w 100 \
	    -i $$package/translations/messages.pot -d $$package/translations || exit 1; \
	done
