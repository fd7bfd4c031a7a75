# The two commands: `make run` and `make test`. Both set up what they need on a
# fresh Debian machine (system packages through apt-get when missing).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KIOSK  := $(BIN)/kiosk
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT    := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get

.PHONY: run test test-fast test-unit install db lint bench bench-chain clean system-deps system-test-deps \
	nginx postgresql translations \
	extract-messages

run: system-deps install db
	$(KIOSK) serve

# pytest-xdist: one worker per core, at most WORKERS (each worker starts its
# own PostgreSQL, browsers and servers; more than the cores only queue for them).
# worksteal: a worker that runs out of tests takes some of another's (the
# browser tests' waits and the PDF renders make their durations very uneven).
WORKERS ?= 4
XDIST    = -n $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt $(WORKERS) ] && n=$(WORKERS); echo $$n) \
	--dist worksteal

test: system-deps system-test-deps $(VENV)/.installed-test translations
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# While working: SQLite only, no browser, no sweep over every example's printed copies
# (timings: docs/performance.md). `make test` runs everything.
test-fast: system-deps nginx $(VENV)/.installed-test translations
	KIOSK_TEST_DATABASES=sqlite $(BIN)/python -m pytest $(XDIST) -q --ignore=tests/browser -m "not sweep" $(PYTEST_ARGS)

# The core's unit tests alone (tests/unit: no app, no database, no browser), in seconds.
test-unit: $(VENV)/.installed-test translations
	$(BIN)/python -m pytest -q -p no:xdist tests/unit $(PYTEST_ARGS)

install: $(VENV)/.installed translations

# Interface strings: compile the message catalogues (kiosk/translations/*/LC_MESSAGES).
translations: $(VENV)/.installed
	@$(BIN)/pybabel -q compile -d kiosk/translations

# After adding interface strings: extract them and update every catalogue.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k lazy_gettext -k ngettext:1,2 \
	  -k _clinic:4 -k _window:3 -k _setting:2 --no-location \
	  --sort-output --project kiosk -o kiosk/translations/messages.pot .
	$(BIN)/pybabel update --no-wrap -i kiosk/translations/messages.pot -d kiosk/translations

# `serve` creates the first admin account on an empty database and prints its password.
db: install
	$(KIOSK) db upgrade

# Style, then the layers of kiosk/ (import-linter's contracts in pyproject.toml).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Timings in-process (flow_bench), the statistics page and CSV export over a year
# of consultations (statistics_bench), then the served app under 30 tablets (load_bench, locust).
bench: install $(VENV)/.installed-bench
	$(BIN)/python bench/flow_bench.py
	$(BIN)/python bench/statistics_bench.py --repeat 3
	$(BIN)/python bench/load_bench.py

# A chain under load (bench/chain_bench.py): 100 tablets through nginx on two app
# servers, one render worker and one throwaway PostgreSQL, all on 127.0.0.1.
bench-chain: system-deps postgresql nginx install $(VENV)/.installed-bench
	$(BIN)/python bench/chain_bench.py

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  rm -rf $(VENV); \
	  $(APT) update -q && $(APT) install -y -q python3-venv python3-pip && \
	  $(PYTHON) -m venv $(VENV); }

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[bench]'
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

# WeasyPrint renders the PDFs with Pango (the fonts ship with the app).
system-deps:
	@if ! ldconfig -p | grep -q 'libpangoft2-1.0.so.0'; then \
	  $(APT) update -q && $(APT) install -y -q libpango-1.0-0 libpangoft2-1.0-0; fi

# Browser tests drive Debian's Chromium, and WebKit (the iPad's engine) through
# webkit2gtk-driver's WebKitWebDriver and MiniBrowser on an Xvfb display; PDF
# checks use poppler-utils; the suite also runs on a throwaway PostgreSQL
# cluster the tests start themselves (so the package's own cluster is not
# created: nothing is left running).
system-test-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdftoppm >/dev/null; then \
	  $(APT) update -q && $(APT) install -y -q chromium poppler-utils; fi
	@$(MAKE) --no-print-directory postgresql
	@if [ ! -x /usr/bin/WebKitWebDriver ] || ! command -v xvfb-run >/dev/null \
	    || ! command -v Xvfb >/dev/null; then \
	  $(APT) update -q && $(APT) install -y -q webkit2gtk-driver xvfb xauth; fi
	@$(MAKE) --no-print-directory nginx

# Debian's PostgreSQL programs, for the throwaway clusters of the tests and
# bench-chain (tests/postgres.py); the package's own cluster is not created.
postgresql:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  $(SUDO) mkdir -p /etc/postgresql-common/createcluster.d && \
	  echo 'create_main_cluster = false' | \
	    $(SUDO) tee /etc/postgresql-common/createcluster.d/kiosk-tests.conf >/dev/null && \
	  $(APT) update -q && $(APT) install -y -q postgresql; fi

# tests/test_reverse_proxy.py and bench-chain run Debian's nginx (its own config,
# ports and files under their own folder) in front of `serve`. Installing the package
# must not leave the system's nginx running on port 80: its start is refused
# while it installs (policy-rc.d, unless the machine has one already), and it
# is stopped and disabled after, where systemd runs.
nginx:
	@if [ ! -x /usr/sbin/nginx ]; then \
	  policy=; if [ ! -e /usr/sbin/policy-rc.d ]; then policy=1; \
	    printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee /usr/sbin/policy-rc.d >/dev/null && \
	    $(SUDO) chmod 755 /usr/sbin/policy-rc.d; fi; \
	  $(APT) update -q && $(APT) install -y -q nginx-light; status=$$?; \
	  if [ -n "$$policy" ]; then $(SUDO) rm -f /usr/sbin/policy-rc.d; fi; \
	  if [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --now nginx >/dev/null 2>&1; fi; \
	  exit $$status; fi

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
