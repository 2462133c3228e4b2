# The two commands: `make demo` (a demo instance on http://127.0.0.1:5000) and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DB := sqlite:///$(CURDIR)/instance/demo.sqlite
# make demo PORT=8080 (HOST=0.0.0.0 to be reached from other machines of a training room)
PORT ?= 5000
HOST ?= 127.0.0.1

.PHONY: demo demo-reset test install translations migration check-migrations engines engines-stop

$(STAMP): setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

## demo: create/upgrade the SQLite demo database, load Kota Medan and serve it on PORT (5000)
demo: $(STAMP)
	EPLANNING_DATABASE_URL=$(DEMO_DB) $(BIN)/eplanning demo --host $(HOST) --port $(PORT)

## demo-reset: the same, from an empty database
demo-reset: $(STAMP)
	EPLANNING_DATABASE_URL=$(DEMO_DB) $(BIN)/eplanning demo --reset --host $(HOST) --port $(PORT)

## test: the whole suite (SQLite, and PostgreSQL when reachable; required when CI=true), in
## TEST_WORKERS parallel pytest-xdist workers (TEST_WORKERS=0: one process, no workers)
TEST_WORKERS ?= 3
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## engines: the scaling tests' engines on this machine (root or sudo): a streaming replica on
## 5433, PgBouncer on 6432, HAProxy on 8480 (docs/scaling.md); engines-stop stops them
engines:
	bash .ci/engines/all.sh

engines-stop:
	bash .ci/engines/stop.sh

## translations: extract messages, update the catalogues, compile them
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-output --no-location \
		-o eplanning_core/translations/messages.pot .
	$(BIN)/pybabel update -i eplanning_core/translations/messages.pot -d eplanning_core/translations --no-fuzzy-matching --ignore-obsolete
	for g in tools/glossary-*.json; do $(BIN)/python tools/fill_catalog.py eplanning_core/translations/id/LC_MESSAGES/messages.po $$g >/dev/null || true; done
	$(BIN)/python tools/fill_catalog.py eplanning_core/translations/en/LC_MESSAGES/messages.po --identity
	$(BIN)/pybabel compile -d eplanning_core/translations -D "messages wtforms" --statistics

## migration: new Alembic revision from the models, e.g. make migration m="add usulan"
migration: $(STAMP)
	EPLANNING_DATABASE_URL=sqlite:///$(CURDIR)/instance/migration.sqlite $(BIN)/flask --app eplanning_core db upgrade
	EPLANNING_DATABASE_URL=sqlite:///$(CURDIR)/instance/migration.sqlite $(BIN)/flask --app eplanning_core db revision --autogenerate -m "$(m)"
	rm -f instance/migration.sqlite
