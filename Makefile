# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test bench lint fmt install lock clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@rm -f $(VENV)/.installed-*
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

install: $(STAMP)

run: install
	$(PY) -m platform_core.launcher run

test: install
	$(PY) -m platform_core.launcher test $(ARGS)

bench: install
	$(PY) -m platform_core.launcher bench $(ARGS)

# ruff, the import contract (.importlinter: layers, no cycles), mypy (pyproject: strict for the
# domain code; cache in .mypy_cache) and models without a migration. Needs no database.
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy
	$(PY) -W ignore::RuntimeWarning manage.py makemigrations --check --dry-run

fmt: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Re-resolve the pinned dependency set after editing pyproject.toml.
lock: install
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements.lock

clean:
	rm -rf $(VENV) .data

# Translations: collect the strings of templates and code into locale/{de,en}/LC_MESSAGES/
# django.po, then compile the .mo files (both are committed). Needs gettext (apt-get install
# gettext); translate new entries in the .po files before compiling. See tests/platform/test_i18n.py.
.PHONY: messages
messages: install
	$(PY) manage.py makemessages -l de -l en --ignore=.venv --ignore=.data --ignore=tests
	for lang in de en; do \
		msgfmt --check -o locale/$$lang/LC_MESSAGES/django.mo locale/$$lang/LC_MESSAGES/django.po || exit 1; \
	done
