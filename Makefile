# Two commands on a fresh machine: `make run` (the app on the built-in demo catalogue) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run check test wheel-check bench demo-model clean-index

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when pyproject.toml changed since the last install.
# pip's own progress stays quiet: one line says what the wait is for (a first install downloads torch,
# ~3 GB on Linux, minutes with nothing else printed: trial DN)
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing SANE Desktop and its dependencies into $(VENV) (the first time: torch, FAISS, Qt; a few minutes)…"
	$(BIN)/python -m pip install --quiet --editable ".[test]"
	touch $(STAMP)

install: $(STAMP)

# the checkout's index/ (an installed app uses the per-user data folder)
run: install
	SANE_INDEX_HOME=$(CURDIR)/index $(BIN)/python main.py

# The layering (the import-linter contracts in pyproject.toml) and the types, before any test runs;
# a broken contract or a type error fails `make test`.
check: install
	$(BIN)/lint-imports
	$(BIN)/mypy sane_desktop

# pytest last: its summary line closes the output
# (a crash's thread stacks go to a file, printed afterwards with the crashing thread first)
test: check wheel-check
	@rm -f .test-faults.log
	QT_QPA_PLATFORM=offscreen SANE_TEST_FAULTS=$(CURDIR)/.test-faults.log $(BIN)/python -m pytest -q \
		|| { rc=$$?; bash tools/say_test_fault.sh .test-faults.log; exit $$rc; }

# The installed app: the wheel in a fresh venv, run from an empty folder with a temporary HOME
# (demo -> index -> query -> explain, gui --screenshot); nothing may be written into site-packages.
wheel-check: install
	PYTHON=$(BIN)/python bash tools/wheel_check.sh

bench: install
	$(BIN)/python bench/run_all.py

clean-index:
	find index -mindepth 1 -not -name .gitkeep -delete
