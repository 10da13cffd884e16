# The two commands: `make run` and `make test` (README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
ADDR ?= 127.0.0.1:8000

.PHONY: run test lint messages makemessages bench bench-accuracy bench-intake bench-speedups bench-web clean

# Installs from the hash-locked requirements (README.md, requirements/*.in):
# .installed the runtime (run, benchmarks), .installed-dev runtime, tests and lint tools.
$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

# Embedded (no environment): SQLite, background work in-process.
# With DATABASE_URL and REDIS_URL: PostgreSQL, Redis, a Celery worker and beat beside the web server.
run: export DEBUG ?= 1
run: $(VENV)/.installed messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@if [ -n "$$REDIS_URL" ]; then \
		mkdir -p var; \
		echo "Starting a Celery worker (its log, emails included, shows here) and beat (log in var/beat.log)"; \
		$(PY) -m celery -A calexit worker -Q validation,email,counting,exports,maintenance --loglevel INFO & worker=$$!; \
		$(PY) -m celery -A calexit beat --loglevel INFO -s var/celerybeat-schedule > var/beat.log 2>&1 & beat=$$!; \
		trap 'kill $$worker $$beat 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver --noreload $(ADDR); \
	else \
		$(PY) manage.py run_embedded $(ADDR); \
	fi

# The translations (locale/*/LC_MESSAGES/django.po, docs/i18n.md) compiled to .mo; needs GNU gettext,
# and the wet-ink form in Chinese needs a TrueType CJK font (Debian's fonts-arphic-uming, PDF_CJK_FONT).
messages: export DEBUG ?= 1
messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || apt-get install -y gettext
	@test -f /usr/share/fonts/truetype/arphic/uming.ttc || apt-get install -y fonts-arphic-uming
	$(PY) manage.py compilemessages --ignore '.venv' --ignore 'node_modules' -v 0

# After changing a user-facing string: the catalogues written again from the code (docs/i18n.md).
makemessages: export DEBUG ?= 1
makemessages: $(VENV)/.installed
	$(PY) manage.py makemessages -l es -l zh_Hant --add-location=file --no-obsolete \
		--ignore=.venv --ignore=node_modules --ignore=bench --ignore=tests --ignore=var \
		--ignore=static --ignore=docs --ignore=tools

# The suite runs with DEBUG on (development static files, the development key);
# the production settings are exercised by tests/test_compose.py through gunicorn.
# It runs in TEST_PROCESSES processes (pytest-xdist), each taking whole files, with a test
# database, a Redis database and a Celery worker of its own (tests/lanes.py); TEST_PROCESSES=0: one.
TEST_PROCESSES ?= 2
test: export DEBUG ?= 1
test: $(VENV)/.installed-dev messages
	$(PY) -m pytest --numprocesses $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

# Lint (pyproject.toml; the same checks run on commit, .pre-commit-config.yaml):
# ruff's rules and formatting over everything, mypy with django-stubs over calexit,
# petitions, bench and tests (DEBUG on: mypy's Django plugin loads the settings).
# `ruff format .` and `ruff check --fix .` repair most.
lint: export DEBUG ?= 1
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Benchmarks (BENCHMARKS.md), separate from `make test`. They run on PostgreSQL and
# Redis (BENCH_DATABASE_URL or DATABASE_URL, default postgres://postgres@127.0.0.1:5432;
# BENCH_REDIS_URL, default redis://127.0.0.1:6379/5 for accuracy, /6 for throughput)
# in scratch databases named calexit_bench_*, dropped at the end; output in bench-out/.
# `SEED=n make bench-accuracy` repeats a run; `SIZES=1000000 make bench` shortens one.
bench-accuracy: $(VENV)/.installed
	$(PY) -m bench.accuracy $(if $(SEED),--seed $(SEED))

bench: $(VENV)/.installed
	$(PY) -m bench.throughput $(if $(SIZES),--sizes $(SIZES))

# What each shortcut of petitions/speedups.py saves (BENCHMARKS.md): against DATABASE_URL, which must
# hold a voter file and pending signatures.
bench-speedups: $(VENV)/.installed
	$(PY) -m bench.speedups

# Mail intake with ten volunteers scanning at once through gunicorn (BENCHMARKS.md).
bench-intake: $(VENV)/.installed
	$(PY) -m bench.intake $(if $(FORMS),--forms $(FORMS)) $(if $(VOLUNTEERS),--volunteers $(VOLUNTEERS))

# The public paths at their peak (BENCHMARKS.md, "Web peak"): gunicorn as compose ships it under wrk
# (installed here when missing), 32 connections; DURATION seconds per path, SIGNATURES for the large run.
bench-web: $(VENV)/.installed
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(PY) -m bench.web $(if $(DURATION),--duration $(DURATION)) $(if $(SIGNATURES),--signatures $(SIGNATURES))

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles
