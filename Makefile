# The book's commands. `make book` builds the site; `make test` runs every test. Both set up .venv.
# book/ is a folder, so every target is phony: otherwise `make book` would see book/ and do nothing.
.PHONY: help env execute book pdf course serve test bench seeds linkcheck clean

# The interpreter that makes .venv: PYTHON=... on the command line, else the first of python3.13,
# python3.12, python3 that runs and is 3.12-3.14, else a 3.13 or 3.12 that pyenv holds (its shims only
# run with PYENV_VERSION set, so each candidate is probed by running it, not by `command -v`).
PYTHON ?=
SUPPORTED := import sys; sys.exit(0 if (3, 12) <= sys.version_info[:2] <= (3, 14) else 1)
VENV   ?= .venv
PY     := $(VENV)/bin/python
JB     := $(VENV)/bin/jupyter-book
# Strict: any warning fails the build (a failing cell, a missing reference, an undefined glue key),
# and --keep-going reports all of them, each naming its chapter. tests/conftest.py uses the same flags.
STRICT := -W -n --keep-going
PORT   ?= 8000
STAMP  := $(VENV)/.installed
JCACHE := $(VENV)/bin/jcache
# The execution cache that the build reads (myst-nb's default place), and the pages with code in it.
CACHE  := _build/.jupyter_cache
PAGES  := $(shell grep -l '{code-cell}' book/*.md)
# The time the pages were last executed into the cache (not in $(CACHE): jupyter-cache keeps a folder
# named "executed" there, and a stamp of that name would be moved into it).
EXECUTED := _build/.pages-executed
# Pages whose code reads the other pages (the instructor guide reads each chapter's header): the cache
# keys a page on its own code, so these run again whenever any page changed (_ext/chapter_header.py).
READERS := book/instructors.md

help:
	@echo "make book      set up .venv if needed, build the site into _build/html (executes chapters)"
	@echo "make execute   only execute the changed pages into the cache (the first half of make book)"
	@echo "make pdf       the book and each chapter as PDF, into _build/pdf (and linked from the site)"
	@echo "make course    the course edition (no solutions) into $(COURSE)/_build/html, and the answer key"
	@echo "make serve     serve _build/html on http://127.0.0.1:$(PORT)"
	@echo "make test      the whole test suite, including the strict build and browser tests"
	@echo "make bench     clean-build, rebuild, per-chapter and floor-chapter timings"
	@echo "make seeds     re-execute every chapter under BOOK_SEED (default: 1 to 8, ~15 min on 2 cores) to check robustness"
	@echo "make linkcheck try the external links (needs a network; not part of make test)"
	@echo "make clean     remove _build (the next build re-executes every chapter)"

$(STAMP): requirements.txt
	@if [ -L "$(VENV)" ]; then \
	  echo "error: $(VENV) is a link to $$(readlink -f $(VENV)), and its requirements are older than requirements.txt."; \
	  echo "Making it again here would empty the environment another checkout uses: run make env where it lives."; \
	  exit 1; fi
	@py="$(PYTHON)"; \
	if [ -n "$$py" ]; then \
	  "$$py" -c '$(SUPPORTED)' 2>/dev/null || { echo "error: PYTHON=$$py does not run as Python 3.12-3.14"; exit 1; }; \
	else \
	  root=$$(pyenv root 2>/dev/null); \
	  for c in python3.13 python3.12 python3 $$root/versions/3.13*/bin/python3.13 $$root/versions/3.12*/bin/python3.12; do \
	    if "$$c" -c '$(SUPPORTED)' >/dev/null 2>&1; then py=$$c; break; fi; \
	  done; \
	  if [ -z "$$py" ]; then \
	    echo "error: no Python 3.12-3.14 found (tried python3.13, python3.12, python3, and pyenv's 3.13 and 3.12)."; \
	    echo "Install one, for example 'uv python install 3.13', 'pyenv install 3.13', or your system's"; \
	    echo "python3.13 package (with its venv module), then run make again, or name it: make book PYTHON=/path/to/python3.13"; \
	    exit 1; \
	  fi; \
	fi; \
	v=$$("$$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	echo "make: using $$py ($$("$$py" -c 'import sys; print(sys.version.split()[0])'))"; \
	"$$py" -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "error: $$py cannot make a virtual environment (its venv or ensurepip module is missing)."; \
	  echo "On Debian or Ubuntu install the package python$$v-venv (sudo apt-get install python$$v-venv),"; \
	  echo "or use another Python: make book PYTHON=/path/to/python3.13"; \
	  exit 1; }; \
	"$$py" -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

env: $(STAMP)

# First fill the execution cache with jupyter-cache's own parallel executor (one kernel per core,
# myst-nb's reader, so the cache keys are the build's), whenever a page changed since the last time;
# then the strict build, which finds the pages cached (and runs again, and reports, any that failed).
# The kernels use the IPython profile that makes deprecations errors (_ext/strict_warnings.py).
$(EXECUTED): $(PAGES) _toc.yml $(STAMP)
	@mkdir -p $(CACHE) && touch $@.started
	@$(JCACHE) notebook -p $(CACHE) clear --force >/dev/null
	@$(JCACHE) notebook -p $(CACHE) add --reader myst_nb_md $(PAGES) >/dev/null
	$(if $(filter $(READERS),$(PAGES)),@$(JCACHE) notebook -p $(CACHE) invalidate $(filter $(READERS),$(PAGES)) >/dev/null)
	IPYTHONDIR=$$($(PY) _ext/strict_warnings.py _build) \
	  $(JCACHE) project -p $(CACHE) execute --executor local-parallel --timeout 300 --verbosity WARNING
	@mv $@.started $@  # the time it started: a page edited while it ran is newer, and runs next time

execute: $(EXECUTED)

book: $(EXECUTED)
	$(JB) build . $(STRICT)

# The PDFs: Debian's Chromium prints the built pages (_ext/pdf.py); the second build links them from
# the pages (Sphinx writes every page again when the set of PDFs changed; nothing is executed).
pdf: book
	$(PY) _ext/pdf.py _build/html _build/pdf
	$(JB) build . $(STRICT)

# The course edition: the same sources and execution cache, every solution left out (_ext/course.py);
# then the answer key, printed from the public site, outside both sites. --all: every page is written
# again, so a change to _ext/course.py takes effect (reading the pages costs under a minute).
COURSE := _build/course
course: book
	$(PY) _ext/course.py $(COURSE)/_config.yml
	$(JB) build . --all --config $(COURSE)/_config.yml --path-output $(COURSE) $(STRICT)
	$(PY) _ext/pdf.py --answer-key _build/answer-key/answer-key.pdf

serve:
	@test -f _build/html/index.html || { echo "error: no site yet; run 'make book' first"; exit 1; }
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

test: $(STAMP)
	$(PY) -m pytest tests --durations=25

bench: $(STAMP)
	$(PY) tests/bench/bench.py

seeds: $(STAMP)
	$(PY) tests/bench/run_seeds.py --seed $${BOOK_SEED:-1 2 3 4 5 6 7 8}

# Sphinx's linkcheck tries every external link (offline, every host is unreachable: the report says so and
# exits 0). Output in _build/linkcheck, not _build/html, so the reports are not published with the site.
linkcheck: $(STAMP)
	rm -f _build/linkcheck/output.json
	-$(JB) build . --builder custom --custom-builder linkcheck
	$(PY) tests/linkcheck_report.py _build/linkcheck/output.json

clean:
	rm -rf _build
