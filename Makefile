# the two commands of the README: `make app` serves the dashboard, `make test` runs every test
VENV ?= .venv
PY := $(VENV)/bin/python
# an exact pin: this machine has the cpu wheel on disk; an open range pulls a multi-GB cuda build
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.installed
PORT ?= 8866
# numpy's OpenBLAS takes this zen 5 cpu for haswell; told it has AVX-512 it runs the engine's
# matmuls ~2x faster than torch's MKL (skipviz/engine.py picks numpy then). only for serving and
# benchmarking: the tests keep the machine's own OpenBLAS settings and cover both paths.
FAST_BLAS := $(if $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo y),OPENBLAS_CORETYPE=SkylakeX) OPENBLAS_NUM_THREADS=1

.PHONY: app test docs screenshot bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

app: $(STAMP)
	$(FAST_BLAS) $(VENV)/bin/skipviz serve --port=$(PORT)

test: $(STAMP)
	$(PY) -m pytest

# every lesson executed, as html with its figures (static copies): build/docs/index.html
docs: $(STAMP)
	$(PY) tools/docs.py

screenshot: $(STAMP)
	$(FAST_BLAS) $(PY) tools/screenshot.py docs/dashboard.png

bench: $(STAMP)
	$(FAST_BLAS) $(PY) bench/train_speed.py

lint: $(STAMP)
	$(VENV)/bin/ruff check skipviz tests bench tools

clean:
	rm -rf $(VENV) build *.egg-info
