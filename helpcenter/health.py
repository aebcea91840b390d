"""/healthz/: the database, the cache, the broker, (with a broker) a Celery worker and (with
BACKUP_DIR) the age of the newest backup."""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from helpcenter.access import public
from helpcenter.backup import backup_newest_time
from helpcenter.celery import app as celery_app

logger = logging.getLogger("helpcenter.health")
BACKUP_MAX_AGE = timedelta(days=2)


class Unhealthy(Exception):
    """A failure whose message is safe to show beside "error" (no internals): "error (50 h)"."""


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    cache.set("healthz", "ok", timeout=10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")
    return "ok"


def check_broker() -> str:
    if not settings.REDIS_URL:
        return "eager"  # no broker configured: tasks run in the web process
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def check_worker() -> str:
    if not settings.REDIS_URL:
        return "eager"
    replies = celery_app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no Celery worker answered")
    return f"ok ({len(replies)})"


def check_backup() -> str:
    """The age of the newest complete backup in BACKUP_DIR, in hours; unhealthy past two days.
    Without BACKUP_DIR (the demo, `make run`) it says so and does not fail."""
    if not settings.BACKUP_DIR:
        return "not configured"
    newest = backup_newest_time(directory=settings.BACKUP_DIR)
    if newest is None:
        raise Unhealthy("no backup")
    age = timezone.now() - newest
    hours = f"{int(age.total_seconds() // 3600)} h old"
    if age > BACKUP_MAX_AGE:
        raise Unhealthy(hours)
    return f"ok ({hours})"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "worker": check_worker,
    "backup": check_backup,
}


@public
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    results = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Unhealthy as error:
            logger.warning("health check %s failed: %s", name, error)
            results[name] = f"error ({error})"
            healthy = False
        except Exception as error:  # a health check reports every failure, whatever it is
            logger.warning("health check %s failed: %s", name, type(error).__name__)
            results[name] = "error"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": results},
        status=200 if healthy else 503,
    )
