# the two commands of the README: `make app` serves the dashboard, `make test` runs every test
VENV ?= .venv
PY := $(VENV)/bin/python
# an exact pin: this machine has the cpu wheel on disk; an open range pulls a multi-GB cuda build
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.installed
PORT ?= 8866

.PHONY: app test screenshot bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

app: $(STAMP)
	$(VENV)/bin/voila notebooks/dashboard.ipynb --no-browser --port=$(PORT) --Voila.ip=127.0.0.1

test: $(STAMP)
	$(PY) -m pytest

screenshot: $(STAMP)
	$(PY) tools/screenshot.py docs/dashboard.png

bench: $(STAMP)
	$(PY) bench/train_speed.py

lint: $(STAMP)
	$(VENV)/bin/ruff check skipviz tests bench tools

clean:
	rm -rf $(VENV) build *.egg-info
