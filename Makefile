# feedback-mining — every target creates .venv when missing and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
OUT    ?= out/demo
CORPUS ?= corpora/complaints_labeled.csv
SHARED ?= ../shared/corpora

.PHONY: demo test lab bench model install install-test browser clean help

help:
	@echo "make demo   - classify + themes + charts + deck on the bundled corpus into $(OUT)/"
	@echo "make test   - install test dependencies and run the whole test suite"
	@echo "make lab    - JupyterLab on notebooks/ (root: the project folder)"
	@echo "make bench  - speed/quality benchmarks on ../shared/corpora (prints figures)"
	@echo "make model  - rebuild the shipped default gap model from corpora/"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

# An editable install skips pip's data files (pypa/setuptools#3399), so the notebooks' font extension
# (feedback_mining/notebook/labextension) is linked where JupyterLab looks; jupyter-builder ships with
# JupyterLab >= 4.6, older ones have `jupyter labextension develop`. No node needed.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install -e .
	$(VENV)/bin/jupyter-builder develop --overwrite . >/dev/null 2>&1 \
	  || $(VENV)/bin/jupyter labextension develop --overwrite . >/dev/null
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[test,notebooks,dask]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian's Chromium for the one real-browser test (Playwright drives /usr/bin/chromium).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium for the browser test"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
	  || { echo "ERROR: could not install Debian's chromium (apt-get install chromium); the browser test needs it" >&2; exit 1; }; \
	fi

demo: $(VENV)/.installed
	$(VENV)/bin/feedback-mining demo --out $(OUT)

test: $(VENV)/.installed-test browser
	$(PY) -m pytest

# The server's root is the project folder (notebook 04 links files under out/), opened on notebooks/.
lab: $(VENV)/.installed-test
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=. --ServerApp.default_url=/lab/tree/notebooks

# Rebuild the shipped default model (feedback_mining/resources/gap-default.npz) from corpora/.
model: $(VENV)/.installed
	$(PY) -m feedback_mining.models.registry

bench: $(VENV)/.installed-test
	$(PY) benchmarks/bench_segment.py --corpus $(SHARED)/online_shopping_10_cats.csv
	$(PY) benchmarks/bench_gap_quality.py
	$(PY) benchmarks/bench_report_signals.py
	$(PY) benchmarks/bench_themes.py --corpus $(SHARED)/online_shopping_10_cats.csv --waimai $(SHARED)/waimai_10k.csv
	$(PY) benchmarks/bench_classify.py --corpus $(SHARED)/online_shopping_10_cats.csv
	$(PY) benchmarks/bench_explorer.py
	$(PY) benchmarks/bench_privacy.py --shared $(SHARED)

clean:
	rm -rf out .pytest_cache
