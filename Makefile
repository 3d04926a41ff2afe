# The book's commands. `make book` builds the site; `make test` runs every test. Both set up .venv.
# book/ is a folder, so every target is phony: otherwise `make book` would see book/ and do nothing.
.PHONY: help env book serve test bench seeds linkcheck clean

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
JB     := $(VENV)/bin/jupyter-book
# Strict: any warning fails the build (a failing cell, a missing reference, an undefined glue key),
# and --keep-going reports all of them, each naming its chapter. tests/conftest.py uses the same flags.
STRICT := -W -n --keep-going
PORT   ?= 8000
STAMP  := $(VENV)/.installed

help:
	@echo "make book      set up .venv if needed, build the site into _build/html (executes chapters)"
	@echo "make serve     serve _build/html on http://127.0.0.1:$(PORT)"
	@echo "make test      the whole test suite, including the strict build and browser tests"
	@echo "make bench     clean-build, rebuild and per-chapter timings; eight-schools speed ratio"
	@echo "make seeds     re-execute every chapter under BOOK_SEED (default 1) to check robustness"
	@echo "make linkcheck try the external links (needs a network; not part of make test)"
	@echo "make clean     remove _build (the next build re-executes every chapter)"

$(STAMP): requirements.txt
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 not found (looked for python3.11, python3)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "error: need Python 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

env: $(STAMP)

book: $(STAMP)
	$(JB) build . $(STRICT)

serve:
	@test -f _build/html/index.html || { echo "error: no site yet; run 'make book' first"; exit 1; }
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

test: $(STAMP)
	$(PY) -m pytest tests

bench: $(STAMP)
	$(PY) tests/bench/bench.py

seeds: $(STAMP)
	$(PY) tests/bench/run_seeds.py --seed $${BOOK_SEED:-1}

# Sphinx's linkcheck tries every external link (offline, every host is unreachable: the report says so and
# exits 0). Output in _build/linkcheck, not _build/html, so the reports are not published with the site.
linkcheck: $(STAMP)
	rm -f _build/linkcheck/output.json
	-$(JB) build . --builder custom --custom-builder linkcheck
	$(PY) tests/linkcheck_report.py _build/linkcheck/output.json

clean:
	rm -rf _build
