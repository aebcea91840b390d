# helpcenter: one image for the web server (gunicorn), the Celery worker, Celery beat and the
# migrate job. docker-compose.yml runs it; docs/operations.md explains the deployment.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango for WeasyPrint (PDF) and Noto CJK so that Chinese text in PDFs has glyphs. The fonts
# package refreshes the system font cache (fc-cache) when it installs. pg_dump, pg_restore and
# psql for `manage.py backup` / `restore` are Debian bookworm's: their major version must match
# the db service's image in docker-compose.yml (tests/test_compose.py checks it).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-noto-cjk \
        postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

# The processes run as this unprivileged user. Its home directory is writable (fontconfig keeps
# a per-user cache there); the code and the collected static files stay owned by root.
RUN groupadd --system --gid 1000 helpcenter \
    && useradd --system --uid 1000 --gid helpcenter --create-home \
        --home-dir /home/helpcenter --shell /usr/sbin/nologin helpcenter

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml or
# constraints.txt change. Only [project] dependencies are installed, pinned by constraints.txt;
# the project itself is not installed into site-packages (BASE_DIR must stay /app, where the
# templates, static files and fixtures are), it runs from /app through PYTHONPATH.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Static files into var/staticfiles under hashed names with .gz and .br copies (served by
# WhiteNoise, cached for years; with DEBUG off pages link only these names). Settings refuse
# to load without a SECRET_KEY when DEBUG is off, so this one command gets a throwaway value
# that exists only at build time; the running containers get the real SECRET_KEY from the
# environment.
RUN env DEBUG=0 \
        SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-3b8e1f0c6a9d4e2b7c5a \
        ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media /app/var/backups \
    && chown helpcenter:helpcenter /app/var/media /app/var/backups

USER helpcenter

EXPOSE 8000

# /healthz/ checks the database, the cache, the broker and a Celery worker (503 if any fails).
# Django answers 400 to a Host header that is not in ALLOWED_HOSTS, so the probe sends the first
# ALLOWED_HOSTS entry as its Host. SECURE_REDIRECT_EXEMPT keeps /healthz/ reachable over HTTP.
HEALTHCHECK --interval=30s --timeout=10s --start-period=40s --retries=3 \
    CMD python -c "import os, urllib.request as r; hosts = [h.strip().lstrip('.') for h in os.environ.get('ALLOWED_HOSTS', '').split(',') if h.strip() not in ('', '*')]; r.urlopen(r.Request('http://127.0.0.1:8000/healthz/', headers={'Host': hosts[0] if hosts else 'localhost'}), timeout=8)"

# exec: gunicorn becomes PID 1 and receives docker stop's SIGTERM (graceful shutdown).
# The access log leaves out query strings: a search by resident ID must not land in a log.
CMD ["sh", "-c", "exec gunicorn helpcenter.wsgi:application --workers ${WEB_CONCURRENCY:-3} --bind 0.0.0.0:8000 --access-logfile - --access-logformat '%(h)s %(t)s \"%(m)s %(U)s\" %(s)s %(b)s %(L)s'"]
