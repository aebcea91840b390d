# helpcenter — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE := helpcenter.settings

# The suite runs with production-like settings (DEBUG off) on plain HTTP; DATABASE_URL and
# REDIS_URL come from the caller (unset: SQLite and Celery in-process).
TEST_ENV := DEBUG=0 HTTPS=0 ALLOWED_HOSTS=localhost,127.0.0.1,testserver \
	SECRET_KEY=test-only-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz
# What `check --deploy` sees: a real key, real hosts, HTTPS on.
DEPLOY_ENV := DEBUG=0 HTTPS=1 ALLOWED_HOSTS=helpcenter.example.org \
	SECRET_KEY=deploy-check-key-Zq8wX3vN1rT6yB9mK2pL5sD7fG4hJ0cVbN8mQ1wE3rT5yU7i

.PHONY: run test bench install system-check system-deps worker messages lint format clean

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "helpcenter needs Python 3.11 or newer; set PYTHON=python3.11"; exit 1; }
	@PYTHON=$(PYTHON) bin/install_system_packages.sh venv
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Reports what the operating system must provide (Pango and a CJK font for PDFs, Chromium for
# the browser tests) by trying it, with the exact command to install what is missing.
system-check: install
	@$(PY) bin/system_check.py $(CHECK_FOR)

# `make run` and `make test` install the system packages they need themselves (apt-get, as root
# or through sudo without a password), or stop with the exact command; see
# bin/install_system_packages.sh. This installs all of them at once.
system-deps:
	@bin/install_system_packages.sh test

run: install
	@bin/install_system_packages.sh run
	@$(PY) bin/system_check.py run || true
	@mkdir -p var/staticfiles var/media
	env -u DATABASE_URL -u REDIS_URL DEBUG=1 $(PY) manage.py migrate --noinput
	env -u DATABASE_URL -u REDIS_URL DEBUG=1 $(PY) manage.py seed_demo
	@echo "帮扶中心已启动 Helpcenter: http://127.0.0.1:8000/  (Ctrl-C 停止 to stop)"
	env -u DATABASE_URL -u REDIS_URL DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

test: install
	@bin/install_system_packages.sh test
	@$(PY) bin/system_check.py test
	@mkdir -p var/staticfiles test-artifacts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	env $(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	env $(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	env $(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

# Benchmarks of the household registry against the issue's targets (docs/benchmarks.md). They
# create, use and drop the database helpcenter_bench on the PostgreSQL server that DATABASE_URL
# names (unset: the local one). `make bench BENCH_ARGS="--households 20000 --keep"`.
bench: install
	env $(TEST_ENV) DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
		$(PY) bin/bench_households.py $(BENCH_ARGS)

# A Celery worker for the suite's service tests or a local stack (needs REDIS_URL).
worker: install
	env $(TEST_ENV) $(VENV)/bin/celery -A helpcenter worker -Q celery,reports --loglevel=INFO --concurrency=1

messages: install
	env DEBUG=1 $(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --no-location
	env DEBUG=1 $(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var test-artifacts db.sqlite3
