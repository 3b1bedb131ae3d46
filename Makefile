# Two commands on a fresh machine: `make run` (the app on the built-in demo catalogue) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench demo-model clean-index

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python main.py

test: install
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/run_all.py

clean-index:
	find index -mindepth 1 -not -name .gitkeep -delete
